import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page, type Route } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { FalSimulator } from '@uni-animate/fal-simulator';
import { AnimationDocument, AnimationsDocument } from '../gql/graphql.js';
import { dataOf, graphqlHttp } from '../support/graphql-clients.js';
import { startSimulator, startTestGateway, temporaryDirectory } from '../support/harness.js';
import { completedLogs } from '../support/progress.js';

const CHROMIUM = '/usr/bin/chromium';
const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const WAIT_MS = 10_000;
/** 30 steps of 40 ms: a job runs for about 1.2 s once released. */
const SIMULATOR_TIMING = { stepMs: 40, queueTickMs: 50 };
/** Jobs stop here until the test resumes them, so the progress bar is seen part-way every time. */
const PAUSE_AT_STEP = 10;
const CANCEL_AT_STEP = 3;
/** The studio's trusted documents (npm run codegen): the page sends their ids, never their text. */
const STUDIO_DOCUMENTS = JSON.parse(readFileSync(join(WEB_DIR, 'src', 'gql', 'persisted-documents.json'), 'utf8')) as Record<
  string,
  string
>;
/** The expiry of a signed video URL long past. */
const EXPIRED = 'expires=1000000000';

const FIRST_PROMPT = 'a knight in shining armour dancing';
const SECOND_PROMPT = 'a robot waltzing, to be cancelled';
const THIRD_PROMPT = 'a dancer with a key';
const DELETED_PROMPT = 'a juggler, soon deleted';
/** The simulator fails jobs whose prompt has `[fail]` in it. */
const FAILING_PROMPT = 'a knight who stumbles [fail]';
const LOW_PRIORITY_PROMPT = 'a mime in slow motion, in no hurry';
/** What fal reports as the low-priority job's GPU time. */
const LOW_PRIORITY_GPU_SECONDS = 3.5;

let browser: Browser;
let screenshotDir: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the studio test drives Debian's Chromium. Install it with \`apt-get install chromium\`.`);
  }
  await buildPageIfStale();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  screenshotDir = mkdtempSync(join(tmpdir(), 'studio-e2e-'));
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

/**
 * The studio page in Debian's Chromium, against a real gateway and the fal simulator: the
 * flows a person goes through, with every wait bounded.
 */
describe('the studio page', () => {
  it('animates uploaded files: progress and log live, the video plays, a second job is cancelled, the first reopens from history', async () => {
    const { page, simulator, problems } = await openStudio({ width: 1280, height: 900 });
    const ui = studio(page);

    await ui.imageFile.setInputFiles(join(FIXTURES, 'character.jpg'));
    await ui.videoFile.setInputFiles(join(FIXTURES, 'dancer.mp4'));
    await expectPreviewsLoaded(page, ui);
    await runFirstJob(page, ui, simulator);

    const job = jobWithPrompt(simulator, FIRST_PROMPT);
    expect(simulator.storedFile(String(job.input.image_url))?.bytes).toEqual(readFileSync(join(FIXTURES, 'character.jpg')));
    expect(simulator.storedFile(String(job.input.video_url))?.bytes).toEqual(readFileSync(join(FIXTURES, 'dancer.mp4')));

    await cancelSecondJob(ui, simulator);
    await reopenFirstFromHistory(page, ui);
    await screenshot(page, 'studio-upload.png');
    expect(problems).toEqual([]);
  });

  it('animates media given by URL on a phone-sized screen, shows field errors and failures in plain words', async () => {
    const { page, simulator, problems } = await openStudio({ width: 390, height: 844 });
    await serveExampleMedia(page);
    const ui = studio(page);

    // The gateway accepts only https URLs; its complaint shows next to the image field.
    await ui.imageUrl.fill('http://example.com/knight.jpg');
    await ui.videoUrl.fill('https://example.com/dance.mp4');
    await ui.videoUrl.press('Tab');
    await expectPreviewsLoaded(page, ui);
    await ui.prompt.fill(FIRST_PROMPT);
    await ui.submit.click();
    await ui.imageGroup.getByText('Must be an https URL').waitFor();
    expect(await ui.imageUrl.getAttribute('aria-invalid')).toBe('true');
    expect(simulator.calls.submit).toBe(0);

    await ui.imageUrl.fill('https://example.com/knight.jpg');
    await ui.imageUrl.press('Tab');
    await runFirstJob(page, ui, simulator);
    expect(jobWithPrompt(simulator, FIRST_PROMPT).input).toMatchObject({
      image_url: 'https://example.com/knight.jpg',
      video_url: 'https://example.com/dance.mp4',
    });

    await cancelSecondJob(ui, simulator);

    // fal's failure, in words, from a job with fewer steps set in the advanced options.
    await page.getByText('Advanced options').click();
    await ui.form.getByLabel('Steps').fill('3');
    await ui.prompt.fill(FAILING_PROMPT);
    await submitAndOpen(ui, FAILING_PROMPT);
    await ui.status.filter({ hasText: 'Failed' }).waitFor();
    await ui.jobPanel.getByRole('alert').filter({ hasText: 'The animation failed: ' }).waitFor();
    expect(jobWithPrompt(simulator, FAILING_PROMPT).input.num_inference_steps).toBe(3);

    await reopenFirstFromHistory(page, ui);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await screenshot(page, 'studio-url-phone.png');
    expect(problems).toEqual([]);
  });

  it('asks for the API key when the gateway requires one, and sends it over HTTP and the WebSocket', async () => {
    const apiKey = 'studio-test-key-5b2e9d0c';
    const { page, problems } = await openStudio({ width: 1280, height: 900 }, { API_KEYS: `alice:${apiKey}` });
    await serveExampleMedia(page);
    const ui = studio(page);

    await page.getByRole('alert').filter({ hasText: 'The gateway requires an API key' }).waitFor();
    expect(await ui.apiKey.getAttribute('aria-invalid')).toBe('true');
    await ui.apiKey.fill(apiKey);
    await ui.apiKey.press('Enter');
    await ui.historyPanel.getByText('No animations yet.').waitFor();

    await ui.imageUrl.fill('https://example.com/knight.jpg');
    await ui.videoUrl.fill('https://example.com/dance.mp4');
    await ui.prompt.fill(THIRD_PROMPT);
    await submitAndOpen(ui, THIRD_PROMPT);
    // Live events arrive only over a socket the gateway accepted.
    await ui.status.filter({ hasText: 'Completed' }).waitFor();
    await expectResultPlays(page, ui);

    await page.reload();
    expect(await ui.apiKey.inputValue()).toBe(apiKey);
    await ui.entry(THIRD_PROMPT).waitFor();
    // The only errors are the browser's notes on the requests made before the key was entered.
    expect(problems.filter((problem) => !problem.includes('status of 401 (Unauthorized)'))).toEqual([]);
  });

  it('deletes an animation from the history after asking: its entry, the animation and its video are gone', async () => {
    const { page, gateway, problems } = await openStudio({ width: 1280, height: 900 });
    await serveExampleMedia(page);
    const ui = studio(page);
    await ui.imageUrl.fill('https://example.com/knight.jpg');
    await ui.videoUrl.fill('https://example.com/dance.mp4');
    await ui.prompt.fill(DELETED_PROMPT);
    await submitAndOpen(ui, DELETED_PROMPT);
    await ui.status.filter({ hasText: 'Completed' }).waitFor();
    await expectResultPlays(page, ui);
    const videoUrl = await ui.resultVideo.getAttribute('src');
    expect(videoUrl).toMatch(new RegExp(`^${escapeRegExp(gateway.url)}/media/`));
    expect((await fetch(videoUrl!)).status).toBe(200);
    const { animations } = dataOf(await graphqlHttp(gateway.url, AnimationsDocument, { first: 10 }));
    expect(animations.edges).toHaveLength(1);
    const id = animations.edges[0]!.node.id;
    expect(dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id })).animation?.prompt).toBe(DELETED_PROMPT);

    const entry = ui.entry(DELETED_PROMPT);
    const deleteButton = ui.deleteEntry(DELETED_PROMPT);
    const asked: string[] = [];
    // Saying no keeps it.
    page.once('dialog', (dialog) => {
      asked.push(dialog.message());
      void dialog.dismiss();
    });
    await deleteButton.click();
    await expect
      .poll(() => asked, { timeout: WAIT_MS })
      .toEqual([`Delete the animation “${DELETED_PROMPT}”? Its video and log are removed for good.`]);
    expect(await entry.isVisible()).toBe(true);
    expect(dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id })).animation?.id).toBe(id);

    // The gateway's refusal, in words; the entry stays.
    const refuse = (route: Route) =>
      route.request().postData()?.includes(studioDocumentId('DeleteAnimation'))
        ? route.fulfill({
            contentType: 'application/graphql-response+json',
            body: JSON.stringify({ errors: [{ message: 'slow down', extensions: { code: 'RATE_LIMITED', retryAfter: 30 } }] }),
          })
        : route.fallback();
    await page.route('**/graphql', refuse);
    page.once('dialog', (dialog) => void dialog.accept());
    await deleteButton.click();
    await ui.historyPanel
      .getByRole('alert')
      .filter({ hasText: `Could not delete “${DELETED_PROMPT}”. Too many requests. Try again in 30 seconds.` })
      .waitFor();
    await page.unroute('**/graphql', refuse);
    expect(await entry.isVisible()).toBe(true);
    expect(await ui.status.textContent()).toBe('Completed');

    // Yes: the entry goes, and so does the open animation, at the gateway too.
    page.once('dialog', (dialog) => void dialog.accept());
    await deleteButton.click();
    await entry.waitFor({ state: 'detached' });
    await ui.historyPanel.getByText('No animations yet.').waitFor();
    await ui.jobPanel.getByText('pick one from the history').waitFor();
    expect(await ui.status.isHidden()).toBe(true);
    expect(await ui.historyPanel.getByRole('alert').count()).toBe(0);
    expect(await deleteButton.count()).toBe(0);
    const after = await graphqlHttp(gateway.url, AnimationDocument, { id });
    expect(after.errors).toBeUndefined();
    expect(after.data?.animation).toBeNull();
    expect((await fetch(videoUrl!)).status).toBe(404);

    await page.reload();
    await ui.historyPanel.getByText('No animations yet.').waitFor();
    expect(problems).toEqual([]);
  });

  it('holds an animation while the only slot at fal is busy, says how many go first, and sends it with low priority', async () => {
    const { page, simulator, problems } = await openStudio({ width: 1280, height: 900 }, { FAL_CONCURRENCY: '1' });
    await serveExampleMedia(page);
    const ui = studio(page);
    await createFirstByUrl(ui);
    // The first takes the only slot, and stays at fal until resumed.
    await ui.log.getByText(`Sampling step ${PAUSE_AT_STEP}/30`).waitFor();
    expect(await ui.fact('Priority').textContent()).toBe('Normal');

    await page.getByText('Advanced options').click();
    expect(await ui.priority.inputValue()).toBe('NORMAL');
    await ui.priority.selectOption({ label: 'Low' });
    await ui.prompt.fill(LOW_PRIORITY_PROMPT);
    await submitAndOpen(ui, LOW_PRIORITY_PROMPT);
    await ui.status.filter({ hasText: 'In queue' }).waitFor();
    // Held by the gateway, not yet sent: the first has to finish before it.
    await ui
      .fact('Queue')
      .filter({ hasText: /^Waiting for a free slot: 1 ahead$/ })
      .waitFor();
    expect(await ui.fact('Priority').textContent()).toBe('Low');
    expect(simulator.jobs().map((job) => job.input.prompt)).toEqual([FIRST_PROMPT]);
    await ui.entry(LOW_PRIORITY_PROMPT).filter({ hasText: 'In queue' }).waitFor();
    await screenshot(page, 'studio-held.png');

    simulator.resume(jobWithPrompt(simulator, FIRST_PROMPT).requestId);
    await ui.status.filter({ hasText: 'Completed' }).waitFor();
    expect(await ui.fact('Queue').isHidden()).toBe(true);
    await expectResultPlays(page, ui);
    await ui
      .fact('GPU time')
      .filter({ hasText: new RegExp(`^${escapeRegExp(String(LOW_PRIORITY_GPU_SECONDS))} s$`) })
      .waitFor();

    const low = simulator.job(jobWithPrompt(simulator, LOW_PRIORITY_PROMPT).requestId);
    expect(low?.priority).toBe('low');
    expect(simulator.job(jobWithPrompt(simulator, FIRST_PROMPT).requestId)?.priority).toBe('normal');
    expect(problems).toEqual([]);
  });

  it('keeps following a running animation across a gateway restart, without repeating log lines', async () => {
    const dataDir = temporaryDirectory('studio-e2e-data-');
    const { page, simulator, gateway, problems } = await openStudio({ width: 1280, height: 900 }, { DATA_DIR: dataDir });
    await serveExampleMedia(page);
    const ui = studio(page);
    await createFirstByUrl(ui);
    await ui.log.getByText(`Sampling step ${PAUSE_AT_STEP}/30`).waitFor();

    await gateway.stop();
    const lost = ui.jobPanel.getByRole('status').filter({ hasText: 'reconnecting' });
    await lost.waitFor();
    await startTestGateway(simulator, { DATA_DIR: dataDir, PORT: String(gateway.port) });
    await lost.waitFor({ state: 'hidden' });

    simulator.resume(jobWithPrompt(simulator, FIRST_PROMPT).requestId);
    await ui.status.filter({ hasText: 'Completed' }).waitFor();
    await expectResultPlays(page, ui);
    const shown = await ui.log.getByRole('listitem').evaluateAll((items) => items.map((item) => item.lastChild?.textContent?.trim()));
    // fal's lines, then the gateway's own while it keeps the video.
    expect(shown).toEqual(completedLogs(simulator, jobWithPrompt(simulator, FIRST_PROMPT).requestId));
    // Chromium reports each refused attempt to reconnect while the gateway was down.
    expect(problems.filter((problem) => !/WebSocket connection to .* failed/.test(problem))).toEqual([]);
  });

  it('works where the gateway runs trusted documents only, naming each by id over HTTP and the WebSocket', async () => {
    const { page, simulator, sent, problems } = await openStudio({ width: 1280, height: 900 }, { PERSISTED_OPERATIONS: 'only' });
    await serveExampleMedia(page);
    const ui = studio(page);
    await ui.imageUrl.fill('https://example.com/knight.jpg');
    await ui.videoUrl.fill('https://example.com/dance.mp4');
    await ui.videoUrl.press('Tab');
    await expectPreviewsLoaded(page, ui);
    await runFirstJob(page, ui, simulator);
    await cancelSecondJob(ui, simulator);
    await reopenFirstFromHistory(page, ui);

    const operations = operationsOf(sent);
    expect(operations.filter((operation) => operation.document !== undefined || operation.name === undefined)).toEqual([]);
    expect(new Set(operations.map((operation) => `${operation.transport} ${operation.name}`))).toEqual(
      new Set(['http History', 'http CreateAnimation', 'http CancelAnimation', 'websocket AnimationProgress']),
    );
    expect(problems).toEqual([]);
  });
});

/** An operation the page sent: its transport, the trusted document its id names, and any document text it carried. */
interface SentOperation {
  transport: 'http' | 'websocket';
  name: string | undefined;
  document: string | undefined;
}

/** The id of the studio's trusted document for an operation. */
function studioDocumentId(operationName: string): string {
  const found = Object.entries(STUDIO_DOCUMENTS).find(([, document]) => operationNameOf(document) === operationName);
  if (!found) throw new Error(`the studio has no trusted document for ${operationName}: run npm run codegen`);
  return found[0];
}

function operationNameOf(document: string): string | undefined {
  return /\b(?:query|mutation|subscription) (\w+)/.exec(document)?.[1];
}

/**
 * Keeps the body of every GraphQL request the page sends as JSON over HTTP, and of every
 * subscribe message over the WebSocket, to read once the flow is over. (Chromium does not
 * expose multipart bodies with files.)
 */
function recordRequests(page: Page): { transport: SentOperation['transport']; body: string }[] {
  const bodies: { transport: SentOperation['transport']; body: string }[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname !== '/graphql' || request.method() !== 'POST') return;
    if (request.headers()['content-type'] === 'application/json') bodies.push({ transport: 'http', body: request.postData() ?? '' });
  });
  page.on('websocket', (socket) => socket.on('framesent', ({ payload }) => bodies.push({ transport: 'websocket', body: String(payload) })));
  return bodies;
}

/** The operations among the recorded bodies (graphql-ws's other messages left out). */
function operationsOf(bodies: { transport: SentOperation['transport']; body: string }[]): SentOperation[] {
  return bodies.flatMap(({ transport, body }) => {
    const parsed = JSON.parse(body) as { type?: string; payload?: unknown };
    if (transport === 'websocket' && parsed.type !== 'subscribe') return [];
    const request = (transport === 'websocket' ? parsed.payload : parsed) as { documentId?: string; query?: string; extensions?: unknown };
    const hash = (request.extensions as { persistedQuery?: { sha256Hash?: string } } | undefined)?.persistedQuery?.sha256Hash;
    const id = request.documentId ?? (hash === undefined ? undefined : `sha256:${hash}`);
    const trusted = id === undefined ? undefined : STUDIO_DOCUMENTS[id];
    return [{ transport, name: trusted && operationNameOf(trusted), document: request.query || undefined }];
  });
}

type Studio = ReturnType<typeof studio>;

/** The page's controls, found the way a person (or a screen reader) finds them. */
function studio(page: Page) {
  const form = page.getByRole('form', { name: 'New animation' });
  const jobPanel = page.getByRole('region', { name: 'Animation' });
  const history = page.getByRole('list', { name: 'History' });
  return {
    form,
    imageGroup: form.getByRole('group', { name: 'Reference image' }),
    imageFile: form.getByLabel('Image file'),
    imageUrl: form.getByLabel('Image URL'),
    imagePreview: form.getByAltText('Preview of the reference image'),
    videoFile: form.getByLabel('Video file'),
    videoUrl: form.getByLabel('Video URL'),
    videoPreview: form.getByLabel('Preview of the driving video'),
    prompt: form.getByLabel('Prompt', { exact: true }),
    submit: form.getByRole('button', { name: 'Submit', exact: true }),
    /** The button is back once the request has been answered. */
    submitReady: form.getByRole('button', { name: 'Submit', exact: true, disabled: false }),
    formAlert: form.getByRole('alert'),
    jobPanel,
    status: jobPanel.getByRole('status', { name: 'Status' }),
    progress: jobPanel.getByRole('progressbar', { name: 'Progress' }),
    log: jobPanel.getByRole('log', { name: 'Log lines' }),
    cancel: jobPanel.getByRole('button', { name: 'Cancel' }),
    /** What the job panel says next to a term such as "Queue" or "GPU time". */
    fact: (term: string) =>
      jobPanel
        .locator('dl > div')
        .filter({ has: page.getByRole('term').getByText(term, { exact: true }) })
        .getByRole('definition'),
    priority: form.getByLabel('Priority', { exact: true }),
    resultVideo: jobPanel.getByLabel('Result video'),
    download: jobPanel.getByRole('link', { name: 'Download video' }),
    history,
    /** The entry that opens the animation: its name starts with the prompt (the Delete button's does not). */
    entry: (prompt: string) => history.getByRole('button', { name: new RegExp(`^${escapeRegExp(prompt)}`) }),
    deleteEntry: (prompt: string) => history.getByRole('button', { name: `Delete animation: ${prompt}`, exact: true }),
    historyPanel: page.getByRole('region', { name: 'History' }),
    apiKey: page.getByRole('textbox', { name: 'API key' }),
  };
}

async function openStudio(viewport: { width: number; height: number }, env: Record<string, string> = {}) {
  const simulator = await startSimulator(SIMULATOR_TIMING);
  simulator.plan((input) => {
    if (input.prompt === FIRST_PROMPT) return { pauseAtStep: PAUSE_AT_STEP };
    if (input.prompt === SECOND_PROMPT) return { pauseAtStep: CANCEL_AT_STEP };
    if (input.prompt === LOW_PRIORITY_PROMPT) return { inferenceSeconds: LOW_PRIORITY_GPU_SECONDS };
    return undefined;
  });
  const gateway = await startTestGateway(simulator, env);
  const context = await browser.newContext({ viewport });
  onTestFinished(() => context.close());
  // Bounds every wait and action below.
  context.setDefaultTimeout(WAIT_MS);
  const page = await context.newPage();
  const sent = recordRequests(page);
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.goto(gateway.url);
  await page.getByRole('heading', { name: 'uni-animate studio' }).waitFor();
  return { page, simulator, gateway, sent, problems };
}

/** Submits the first animation, sees its progress bar stop part-way with the log so far, releases it, and sees it play. */
async function runFirstJob(page: Page, ui: Studio, simulator: FalSimulator): Promise<void> {
  await ui.prompt.fill(FIRST_PROMPT);
  await submitAndOpen(ui, FIRST_PROMPT);

  await ui.log.getByText(`Sampling step ${PAUSE_AT_STEP}/30`).waitFor();
  expect(await ui.status.textContent()).toBe('In progress');
  const partWay = await progressValue(ui);
  expect(partWay).toBeCloseTo(PAUSE_AT_STEP / 30, 5);

  simulator.resume(jobWithPrompt(simulator, FIRST_PROMPT).requestId);
  await ui.status.filter({ hasText: 'Completed' }).waitFor();
  await ui.log.getByText('Sampling step 30/30').waitFor();
  expect(await progressValue(ui)).toBe(1);
  await expectResultPlays(page, ui);
  expect(await ui.download.getAttribute('href')).toBe(await ui.resultVideo.getAttribute('src'));
  expect(await ui.cancel.isHidden()).toBe(true);
}

async function cancelSecondJob(ui: Studio, simulator: FalSimulator): Promise<void> {
  await ui.prompt.fill(SECOND_PROMPT);
  await submitAndOpen(ui, SECOND_PROMPT);
  await ui.log.getByText(`Sampling step ${CANCEL_AT_STEP}/30`).waitFor();
  expect(await ui.resultVideo.isHidden()).toBe(true);

  await ui.cancel.click();
  await ui.status.filter({ hasText: 'Cancelled' }).waitFor();
  await ui.cancel.waitFor({ state: 'hidden' });
  await ui.entry(SECOND_PROMPT).filter({ hasText: 'Cancelled' }).waitFor();
  expect(jobWithPrompt(simulator, SECOND_PROMPT).cancelled).toBe(true);
}

/** Reloads, and opens the first animation from the history, whose video URL has expired by then. */
async function reopenFirstFromHistory(page: Page, ui: Studio): Promise<void> {
  await expireListedVideoUrls(page);
  await page.reload();
  await ui.entry(SECOND_PROMPT).filter({ hasText: 'Cancelled' }).waitFor();
  const first = ui.entry(FIRST_PROMPT);
  await first.filter({ hasText: 'Completed' }).waitFor();
  await first.click();

  await ui.status.filter({ hasText: 'Completed' }).waitFor();
  // The snapshot brings back the whole log.
  await ui.log.getByText('Sampling step 30/30').waitFor();
  await ui.log.getByText(`Sampling step ${PAUSE_AT_STEP}/30`).waitFor();
  expect(await progressValue(ui)).toBe(1);
  expect(await first.getAttribute('aria-current')).toBe('true');
  // It plays from the fresh URL the snapshot brought, never from the one listed (a 403 would be a console error).
  await expectResultPlays(page, ui);
  expect(await ui.resultVideo.getAttribute('src')).not.toContain(EXPIRED);
}

/**
 * Video URLs are signed and expire (MEDIA_URL_TTL_S); this makes those the history lists
 * expired ones, as they are when the page has been open that long.
 */
async function expireListedVideoUrls(page: Page): Promise<void> {
  await page.route('**/graphql', async (route) => {
    if (!route.request().postData()?.includes(studioDocumentId('History'))) return route.fallback();
    const response = await route.fetch();
    return route.fulfill({ response, body: (await response.text()).replace(/expires=\d+/g, EXPIRED) });
  });
}

/** Clicks Submit and waits for the new animation to show, or fails with what the page said instead. */
/** Creates the first animation from the example media URLs and opens it. */
async function createFirstByUrl(ui: Studio): Promise<void> {
  await ui.imageUrl.fill('https://example.com/knight.jpg');
  await ui.videoUrl.fill('https://example.com/dance.mp4');
  await ui.prompt.fill(FIRST_PROMPT);
  await submitAndOpen(ui, FIRST_PROMPT);
}

async function submitAndOpen(ui: Studio, prompt: string): Promise<void> {
  await ui.submit.click();
  await ui.submitReady.waitFor();
  // An empty alert is hidden, so the page refused the animation exactly when an alert is there.
  const refusal = await ui.formAlert.allTextContents();
  if (refusal.length > 0) {
    const fieldErrors = await ui.form.locator('.field-error:not(:empty)').allTextContents();
    throw new Error(`the page did not start the animation: ${[...refusal, ...fieldErrors].join(' ')}`);
  }
  await ui.jobPanel.getByText(prompt, { exact: true }).waitFor();
}

/** Media at example.com comes from the fixtures, so previews load without a network. */
async function serveExampleMedia(page: Page): Promise<void> {
  await page.route('*://example.com/**', (route) => {
    const isVideo = route.request().url().endsWith('.mp4');
    return route.fulfill({
      path: join(FIXTURES, isVideo ? 'dancer.mp4' : 'character.jpg'),
      contentType: isVideo ? 'video/mp4' : 'image/jpeg',
    });
  });
}

async function progressValue(ui: Studio): Promise<number> {
  return ui.progress.evaluate((element) => (element as HTMLProgressElement).value);
}

async function expectPreviewsLoaded(page: Page, ui: Studio): Promise<void> {
  await page.waitForFunction((image) => (image as HTMLImageElement).naturalWidth > 0, await ui.imagePreview.elementHandle());
  await page.waitForFunction((video) => (video as HTMLVideoElement).readyState >= 1, await ui.videoPreview.elementHandle());
}

async function expectResultPlays(page: Page, ui: Studio): Promise<void> {
  await ui.resultVideo.waitFor();
  await page.waitForFunction(
    (video) => (video as HTMLVideoElement).readyState >= 2 && (video as HTMLVideoElement).videoWidth > 0,
    await ui.resultVideo.elementHandle(),
  );
}

function jobWithPrompt(simulator: FalSimulator, prompt: string) {
  const job = simulator.jobs().find((candidate) => candidate.input.prompt === prompt);
  if (!job) throw new Error(`the simulator has no job with the prompt "${prompt}"`);
  return job;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function screenshot(page: Page, name: string): Promise<void> {
  const path = join(screenshotDir, name);
  await page.screenshot({ path, fullPage: true });
  console.log(`studio screenshot: ${path}`);
}

/** Builds web/dist when it is missing or older than any source of the page. */
async function buildPageIfStale(): Promise<void> {
  const built = join(WEB_DIR, 'dist', 'index.html');
  const sources = ['src', 'index.html', 'vite.config.ts'].map((name) => join(WEB_DIR, name));
  if (existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources.map(newestChange))) return;
  await build({ root: WEB_DIR, configFile: join(WEB_DIR, 'vite.config.ts'), logLevel: 'warn' });
}

function newestChange(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(stats.mtimeMs, ...readdirSync(path).map((name) => newestChange(join(path, name))));
}

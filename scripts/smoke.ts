/**
 * `npm run smoke`: one animation end to end through a gateway this script starts as a child process
 * (`node --conditions=@uni-animate/source --import tsx src/main.ts`, PORT=0), with fal's own example inputs.
 *
 * - FAL_KEY set (and no FAL_API_URL): the real fal.ai ("does my key work?"; costs one inference), bounded at 10 minutes.
 * - FAL_API_URL set: that fal-compatible API; neither: sandbox mode (the built-in simulator); bounded at 60 s.
 *   SMOKE_TIMEOUT_S overrides the bound.
 *
 * It creates the animation over HTTP, follows `animationProgress` over graphql-ws, prints every status change, log
 * line and timing, then fetches the video URL and checks it serves an MP4. It exits 1, saying why, on any deviation
 * from the protocol the gateway promises, and always stops the gateway it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

/** fal's own example for fal-ai/uni-animate (https://fal.ai/models/fal-ai/uni-animate/api). */
const INPUT = {
  prompt: 'A person is dancing.',
  imageUrl:
    'https://storage.googleapis.com/falserverless/example_outputs/test/p1/animated-cartoon-character-with-red-shirt-letter-d_1029473-302297.jpg',
  videoUrl: 'https://storage.googleapis.com/falserverless/example_outputs/test/p1/source_video_unianimate.mp4',
};

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(ROOT, 'src', 'main.ts');
const START_BOUND_MS = 30_000;
const STOP_BOUND_MS = 10_000;
const REQUEST_BOUND_MS = 30_000;

/** Settings of the developer's own deployment that a smoke run must not use (their database, media store, auth...). */
const NOT_INHERITED =
  /^(HOST|PORT|PUBLIC_URL|DATABASE_URL|REDIS_URL|API_KEYS|JWT_.*|METRICS_TOKEN|MEDIA_S3_.*|ALLOWED_ORIGINS|LOG_LEVEL|LOG_FORMAT)$/;

const mode = process.env.FAL_API_URL ? `fal-compatible API at ${process.env.FAL_API_URL}` : process.env.FAL_KEY ? 'real fal.ai' : 'sandbox';
const boundMs = Number(process.env.SMOKE_TIMEOUT_S ?? (mode === 'real fal.ai' ? 600 : 60)) * 1000;
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(2).padStart(7)}s`;
const say = (line: string) => process.stdout.write(`[${elapsed()}] ${line}\n`);

class Deviation extends Error {}

const ORDER: Record<string, number> = { SUBMITTING: 0, IN_QUEUE: 1, IN_PROGRESS: 2, COMPLETED: 3, FAILED: 3, CANCELLED: 3 };

interface Progress {
  status: string;
  queuePosition: number | null;
  progress: number;
  newLogs: { timestamp: string; level: string; message: string }[];
  animation: { id: string; video: { url: string } | null; error: { code: string; message: string } | null; upstreamError: string | null };
}

const SUBSCRIPTION = `subscription Smoke($id: ID!) {
  animationProgress(id: $id) {
    status queuePosition progress
    newLogs { timestamp level message }
    animation { id upstreamError video { url } error { code message } }
  }
}`;

interface Gateway {
  url: string;
  child: ChildProcess;
  lines: string[];
}

/** Starts the gateway and resolves with the URL it logs it serves. */
function startGateway(dataDir: string): Promise<Gateway> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !NOT_INHERITED.test(name))) as Record<string, string>;
  const child = spawn(process.execPath, ['--conditions=@uni-animate/source', '--import', 'tsx', MAIN], {
    cwd: ROOT,
    env: { ...env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', LOG_FORMAT: 'json', DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  gatewayChild = child;
  const lines = gatewayLines;
  createInterface({ input: child.stderr! }).on('line', (line) => lines.push(line));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Deviation(`the gateway did not log its URL within ${START_BOUND_MS} ms`)), START_BOUND_MS);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      const served = /"url":"(http:\/\/[^"]+)\/graphql"/.exec(line);
      if (served) {
        clearTimeout(timer);
        resolve({ url: served[1]!, child, lines });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Deviation(`the gateway exited (${signal ?? code}) before serving`));
    });
  });
}

let gatewayChild: ChildProcess | undefined;
/** Everything the gateway logged, printed (the end of it) when the smoke test fails. */
const gatewayLines: string[] = [];

/** SIGTERM, then SIGKILL if it has not exited within STOP_BOUND_MS. */
async function stopGateway(): Promise<void> {
  const child = gatewayChild;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_BOUND_MS);
  await exited;
  clearTimeout(timer);
}

async function createAnimation(url: string): Promise<{ id: string; status: string; requestId: string | null }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({
      query: 'mutation Create($input: CreateAnimationInput!) { createAnimation(input: $input) { id status requestId } }',
      variables: { input: INPUT },
    }),
    signal: AbortSignal.timeout(REQUEST_BOUND_MS),
  });
  const body = (await response.json()) as {
    data?: { createAnimation?: { id: string; status: string; requestId: string | null } };
    errors?: unknown[];
  };
  if (body.errors?.length || !body.data?.createAnimation) {
    throw new Deviation(`createAnimation answered HTTP ${response.status} with errors: ${JSON.stringify(body.errors ?? body)}`);
  }
  return body.data.createAnimation;
}

/** Follows animationProgress to its end, checking the protocol, and resolves with the video URL. */
function follow(url: string, id: string, timings: Map<string, number>): Promise<string> {
  const client = createClient({ url: `${url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
  return new Promise<string>((resolve, reject) => {
    let last: Progress | undefined;
    let videoUrl: string | undefined;
    const fail = (message: string) => {
      unsubscribe();
      reject(new Deviation(message));
    };
    const unsubscribe = client.subscribe<{ animationProgress: Progress }>(
      { query: SUBSCRIPTION, variables: { id }, operationName: 'Smoke' },
      {
        next: (result) => {
          if (result.errors?.length || !result.data) return fail(`animationProgress sent errors: ${JSON.stringify(result.errors)}`);
          const event = result.data.animationProgress;
          if (last && last.status in ORDER && ORDER[last.status]! === 3) return fail(`an event after the terminal status ${last.status}`);
          if (!(event.status in ORDER)) return fail(`unknown status ${event.status}`);
          if (last && ORDER[event.status]! < ORDER[last.status]!) return fail(`status moved backwards: ${last.status} → ${event.status}`);
          if (last && event.progress < last.progress) return fail(`progress went down: ${last.progress} → ${event.progress}`);
          if (last?.status === 'IN_QUEUE' && event.status === 'IN_QUEUE' && (event.queuePosition ?? 0) > (last.queuePosition ?? Infinity)) {
            return fail(`queue position rose: ${last.queuePosition} → ${event.queuePosition}`);
          }
          if (!timings.has(event.status)) timings.set(event.status, performance.now());
          if (event.status !== last?.status || event.queuePosition !== last.queuePosition) {
            const position = event.status === 'IN_QUEUE' && event.queuePosition !== null ? ` (queue position ${event.queuePosition})` : '';
            say(`status ${event.status}${position}, progress ${Math.round(event.progress * 100)}%`);
          }
          if (event.animation.upstreamError) say(`upstream trouble (the gateway keeps watching): ${event.animation.upstreamError}`);
          for (const log of event.newLogs) {
            if (!timings.has('first log')) timings.set('first log', performance.now());
            say(`  log ${log.level.padEnd(5)} ${log.message}`);
          }
          last = event;
          if (ORDER[event.status] === 3) {
            if (event.status !== 'COMPLETED') {
              const error = event.animation.error;
              return fail(`the animation ended ${event.status}${error ? `: ${error.code}: ${error.message}` : ''}`);
            }
            if (event.progress !== 1) return fail(`COMPLETED with progress ${event.progress}, not 1`);
            if (!event.animation.video?.url) return fail('COMPLETED without a video');
            videoUrl = event.animation.video.url;
          }
        },
        error: (error) =>
          reject(new Deviation(`animationProgress failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`)),
        complete: () => {
          void client.dispose();
          if (videoUrl) resolve(videoUrl);
          else reject(new Deviation(`animationProgress completed without a terminal status (last: ${last?.status ?? 'no event'})`));
        },
      },
    );
  });
}

/** The video URL must be the gateway's own signed /media/ link, serving an MP4. */
async function checkVideo(gatewayUrl: string, videoUrl: string): Promise<void> {
  if (!videoUrl.startsWith(`${gatewayUrl}/media/`)) throw new Deviation(`the video URL is not the gateway's /media/ link: ${videoUrl}`);
  const response = await fetch(videoUrl, { signal: AbortSignal.timeout(REQUEST_BOUND_MS * 4) });
  const type = response.headers.get('content-type');
  const bytes = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) throw new Deviation(`the video URL answered HTTP ${response.status}`);
  if (type !== 'video/mp4') throw new Deviation(`the video URL answered content-type ${type}, not video/mp4`);
  if (bytes.subarray(4, 8).toString('latin1') !== 'ftyp')
    throw new Deviation(`the video has no MP4 ftyp box (first bytes ${bytes.subarray(0, 8).toString('hex')})`);
  say(`video OK: HTTP 200, video/mp4, ${bytes.length} bytes, starts with an ftyp box`);
}

async function smoke(): Promise<void> {
  say(`smoke test against ${mode}; bound ${boundMs / 1000} s`);
  const dataDir = process.env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'uni-animate-smoke-'));
  const ownDataDir = !process.env.DATA_DIR;
  let gateway: Gateway | undefined;
  let deadline: NodeJS.Timeout | undefined;
  let stage = 'the gateway to start';
  try {
    const run = (async () => {
      gateway = await startGateway(dataDir);
      say(`gateway serving ${gateway.url}/graphql (data in ${dataDir})`);
      const timings = new Map<string, number>();
      stage = 'createAnimation';
      const sent = performance.now();
      say(`createAnimation: ${JSON.stringify(INPUT)}`);
      const created = await createAnimation(gateway.url);
      timings.set(created.status, performance.now());
      say(`created ${created.id}: status ${created.status}, fal request ${created.requestId ?? '(held by the gateway)'}`);
      if (!['SUBMITTING', 'IN_QUEUE'].includes(created.status))
        throw new Deviation(`createAnimation answered status ${created.status}, not IN_QUEUE`);
      stage = 'the animation to finish (animationProgress over graphql-ws)';
      const videoUrl = await follow(gateway.url, created.id, timings);
      say(`result ${videoUrl}`);
      stage = 'the video';
      await checkVideo(gateway.url, videoUrl);
      const since = (name: string) => (timings.has(name) ? `${((timings.get(name)! - sent) / 1000).toFixed(2)} s` : '-');
      say(`timings from createAnimation: IN_QUEUE ${since('IN_QUEUE')}, first log ${since('first log')}, COMPLETED ${since('COMPLETED')}`);
    })();
    run.catch(() => undefined); // raced below; this only keeps a late rejection (after the deadline) from going unhandled
    const timeout = new Promise<never>((_, reject) => {
      deadline = setTimeout(() => reject(new Deviation(`no end within ${boundMs / 1000} s, waiting for ${stage}`)), boundMs);
    });
    await Promise.race([run, timeout]);
    say('SMOKE OK');
  } catch (error) {
    say(`SMOKE FAILED: ${error instanceof Error ? error.message : String(error)}`);
    const lines = gatewayLines;
    if (!(error instanceof Deviation) && error instanceof Error && error.stack) process.stdout.write(`${error.stack}\n`);
    if (lines.length) process.stdout.write(`last gateway log lines:\n${lines.slice(-20).join('\n')}\n`);
    process.exitCode = 1;
  } finally {
    clearTimeout(deadline);
    await stopGateway();
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`${signal}: stopping the gateway`);
    void stopGateway().finally(() => process.exit(130));
  });
}

await smoke();
process.exit();

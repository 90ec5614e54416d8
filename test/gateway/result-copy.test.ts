import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resultClipBytes, resultClipChunks } from '@uni-animate/fal-simulator';
import { AnimationDocument, AnimationProgressDocument, CreateAnimationDocument } from '../gql/graphql.js';
import { startGatewayProcess } from '../support/gateway-process.js';
import { dataOf, graphqlHttp, subscribeWs, wsClient } from '../support/graphql-clients.js';
import { CANARY_FAL_KEY, startSimulator, startTestGateway, temporaryDirectory } from '../support/harness.js';
import { input } from '../support/inputs.js';
import { download, embeddedMedia } from '../support/media.js';
import { completedLogs, progressOf } from '../support/progress.js';
import { fixtureBytes } from '../support/fixtures.js';

async function createAndFinish(gatewayUrl: string, overrides: Parameters<typeof input>[0] = {}) {
  const created = dataOf(await graphqlHttp(gatewayUrl, CreateAnimationDocument, { input: input(overrides) })).createAnimation;
  const events = progressOf(await subscribeWs(wsClient(gatewayUrl), AnimationProgressDocument, { id: created.id }).untilComplete());
  const animation = dataOf(await graphqlHttp(gatewayUrl, AnimationDocument, { id: created.id })).animation!;
  return { created, last: events.at(-1)!, animation, messages: animation.logs.map((log) => log.message) };
}

describe("copying fal's video", () => {
  it("tries again while fal's file answers 503, and keeps the whole video once it serves", async () => {
    const simulator = await startSimulator();
    simulator.faults.resultFile = { status: 503, times: 3 };
    const media = await embeddedMedia();
    const gateway = await startTestGateway(simulator, media.env);
    const { created, last, animation, messages } = await createAndFinish(gateway.url);
    expect(last.status).toBe('COMPLETED');
    const retries = messages.filter((message) => message.startsWith('Saving the video failed'));
    expect(retries).toHaveLength(3);
    expect(retries[0]).toMatch(/^Saving the video failed \(fal's file answered 503\); trying again in \d+ s$/);
    expect(messages.filter((message) => !retries.includes(message))).toEqual(completedLogs(simulator, created.requestId!));
    expect(simulator.calls.byRequest(created.requestId!).resultFile).toBe(4);
    expect((await download(animation.video!.url)).bytes.equals(resultClipBytes())).toBe(true);
  });

  it("ends FAILED with RESULT_UNAVAILABLE when fal's file never serves, and says why in the logs", async () => {
    const simulator = await startSimulator();
    simulator.faults.resultFile = { status: 503, times: Infinity };
    const media = await embeddedMedia();
    const gateway = await startTestGateway(simulator, { ...media.env, RESULT_COPY_ATTEMPTS: '3' });
    const { created, last, animation, messages } = await createAndFinish(gateway.url);
    expect(last.status).toBe('FAILED');
    expect(animation.error).toEqual({
      code: 'RESULT_UNAVAILABLE',
      message: "fal's video could not be fetched (fal's file answered 503, 3 attempts).",
    });
    expect(animation.video).toBeNull();
    expect(messages.at(-1)).toBe("The video could not be saved: fal's video could not be fetched (fal's file answered 503, 3 attempts).");
    expect(animation.logs.at(-1)!.level).toBe('ERROR');
    expect(simulator.calls.byRequest(created.requestId!).resultFile).toBe(3);
    expect(await media.objects()).toEqual([]);
  });

  it('ends FAILED with RESULT_INVALID, without retrying, when the video is larger than MAX_RESULT_BYTES', async () => {
    const simulator = await startSimulator();
    const media = await embeddedMedia();
    const gateway = await startTestGateway(simulator, { ...media.env, MAX_RESULT_BYTES: '10000' });
    const { created, animation } = await createAndFinish(gateway.url);
    expect(animation.status).toBe('FAILED');
    expect(animation.error).toEqual({ code: 'RESULT_INVALID', message: "fal's video cannot be kept: it is larger than 10000 bytes." });
    expect(simulator.calls.byRequest(created.requestId!).resultFile).toBe(1);
    expect(await media.objects()).toEqual([]);
  });

  it('asks fal to keep the files of every submit and upload for FAL_OBJECT_TTL_S only', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator, { FAL_OBJECT_TTL_S: '7200' });
    const { created } = await createAndFinish(gateway.url, {
      imageUrl: `data:image/png;base64,${fixtureBytes('character.png').toString('base64')}`,
    });
    expect(simulator.job(created.requestId!)!.objectLifecycle).toEqual({ expiration_duration_seconds: 7200 });
    expect(simulator.files().map((file) => file.objectLifecycle)).toEqual([{ expiration_duration_seconds: 7200 }]);

    const defaults = await startTestGateway(simulator);
    const plain = await createAndFinish(defaults.url);
    expect(simulator.job(plain.created.requestId!)!.objectLifecycle).toEqual({ expiration_duration_seconds: 86_400 });
  });
});

describe("copying fal's video, across a kill", () => {
  it('finishes the copy after the gateway is killed with SIGKILL in the middle of it, with the whole video', async () => {
    const simulator = await startSimulator();
    const size = 3_000_000;
    simulator.plan(() => ({ resultBytes: size, resultStall: { afterBytes: 1_000_000 } }));
    // A short lease, so the new process takes over the dead one's animation soon.
    const env = {
      DATA_DIR: temporaryDirectory(),
      FAL_API_URL: simulator.url,
      FAL_KEY: CANARY_FAL_KEY,
      POLL_INTERVAL_MS: '50',
      LEASE_TTL_MS: '1000',
      LEASE_RENEW_MS: '250',
    };
    const doomed = await startGatewayProcess(env);
    const created = dataOf(await graphqlHttp(doomed.url, CreateAnimationDocument, { input: input() })).createAnimation;
    await simulator.waitFor(() => simulator.job(created.requestId!)?.resultDownloads.stalled === 1);
    expect(await doomed.kill('SIGKILL')).toBe('SIGKILL');

    const revived = await startGatewayProcess(env);
    const events = progressOf(await subscribeWs(wsClient(revived.url), AnimationProgressDocument, { id: created.id }).untilComplete());
    expect(events.at(-1)!.status).toBe('COMPLETED');
    const animation = dataOf(await graphqlHttp(revived.url, AnimationDocument, { id: created.id })).animation!;
    expect(animation.video!.fileSize).toBe(size);
    expect((await download(animation.video!.url)).bytes.equals(resultClipBytes(size))).toBe(true);
    expect(simulator.job(created.requestId!)!.resultDownloads).toMatchObject({ started: 2, stalled: 1, completed: 1 });
    expect(animation.logs.filter((log) => log.message === 'Saving the video')).toHaveLength(1);
    expect(simulator.calls.submit).toBe(1);
  });
});

describe("copying fal's video, in bounded memory", () => {
  it('copies a 200 MB result with the gateway growing by less than 64 MB', async () => {
    const simulator = await startSimulator();
    const env = { DATA_DIR: temporaryDirectory(), FAL_API_URL: simulator.url, FAL_KEY: CANARY_FAL_KEY, POLL_INTERVAL_MS: '50' };
    const gateway = await startGatewayProcess(env);
    // A small one first, so every code path of the copy is loaded before the measurement.
    await createAndFinish(gateway.url);

    const size = 200_000_000;
    simulator.plan(() => ({ resultBytes: size }));
    const status = `/proc/${gateway.child.pid}/status`;
    writeFileSync(`/proc/${gateway.child.pid}/clear_refs`, '5'); // resets the peak (VmHWM) to the current RSS
    const before = kibibytes(readFileSync(status, 'utf8'), 'VmHWM');
    const { animation } = await createAndFinish(gateway.url);
    const peak = kibibytes(readFileSync(status, 'utf8'), 'VmHWM');

    expect(animation.status).toBe('COMPLETED');
    expect(animation.video!.fileSize).toBe(size);
    const expected = createHash('sha256');
    for (const chunk of resultClipChunks(size)) expected.update(chunk);
    const head = await fetch(animation.video!.url, { method: 'HEAD' });
    expect(head.headers.get('etag')).toBe(`"${expected.digest('hex')}"`);
    expect(head.headers.get('content-length')).toBe(String(size));
    expect((peak - before) / 1024).toBeLessThan(64);
  });
});

function kibibytes(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc status`);
  return Number(match[1]);
}

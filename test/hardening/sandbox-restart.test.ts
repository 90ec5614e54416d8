import { describe, expect, it } from 'vitest';
import { AnimationDocument, AnimationProgressDocument, CreateAnimationDocument } from '../gql/graphql.js';
import { startGatewayProcess } from '../support/gateway-process.js';
import { dataOf, graphqlHttp, subscribeWs, wsClient } from '../support/graphql-clients.js';
import { temporaryDirectory } from '../support/harness.js';
import { input } from '../support/inputs.js';
import { download } from '../support/media.js';
import { logMessages, progressOf } from '../support/progress.js';

/**
 * A child gateway's environment in sandbox mode: no FAL_KEY, no FAL_API_URL, and nothing else
 * from this process's environment that would point it elsewhere (spawn leaves out variables
 * whose value is undefined).
 */
function sandboxEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  const unset = [
    'FAL_KEY',
    'FAL_API_URL',
    'DATABASE_URL',
    'REDIS_URL',
    'PUBLIC_URL',
    'API_KEYS',
    'JWT_SECRET',
    'JWT_JWKS_URL',
    'MEDIA_S3_BUCKET',
  ];
  const cleared = Object.fromEntries(unset.map((name) => [name, undefined])) as unknown as Record<string, string>;
  return { ...cleared, DATA_DIR: dataDir, ...extra };
}

/** A quick simulated fal, with a job long enough (100 steps of 40 ms) to be stopped in the middle. */
const QUICK_SANDBOX = { SANDBOX_STEP_MS: '40', SANDBOX_QUEUE_TICK_MS: '20', SANDBOX_QUEUE_AHEAD: '0', MAX_ACTIVE_ANIMATIONS: '1' };
const LONG_JOB = { numInferenceSteps: 100 };

describe.each(['SIGKILL', 'SIGTERM'] as const)('sandbox mode, restarted with %s mid-job', (signal) => {
  it('fails the job its simulated fal lost, says why, and the owner can create an animation that completes', async () => {
    const dataDir = temporaryDirectory();
    const doomed = await startGatewayProcess(sandboxEnv(dataDir, QUICK_SANDBOX));
    expect(doomed.lines.join('\n')).toContain('Sandbox mode: fal is simulated at');
    const created = dataOf(await graphqlHttp(doomed.url, CreateAnimationDocument, { input: input(LONG_JOB) })).createAnimation;
    await subscribeWs(wsClient(doomed.url), AnimationProgressDocument, { id: created.id }).waitFor(
      (events) => logMessages(events).includes('Sampling step 2/100'),
      10_000,
    );
    await doomed.kill(signal);

    const revived = await startGatewayProcess(sandboxEnv(dataDir, QUICK_SANDBOX));
    const events = progressOf(
      await subscribeWs(wsClient(revived.url), AnimationProgressDocument, { id: created.id }).untilComplete(10_000),
    );
    const last = events.at(-1)!;
    expect(last.status).toBe('FAILED');
    expect(last.animation.error).toEqual({
      code: 'UPSTREAM_GONE',
      message: "The sandbox's simulated fal restarted and lost this job.",
    });
    expect(revived.lines.join('\n')).toContain('the simulated fal starts empty');

    const next = dataOf(await graphqlHttp(revived.url, CreateAnimationDocument, { input: input({ prompt: 'after the restart' }) }));
    const finished = progressOf(
      await subscribeWs(wsClient(revived.url), AnimationProgressDocument, { id: next.createAnimation.id }).untilComplete(15_000),
    ).at(-1)!;
    expect(finished.status).toBe('COMPLETED');
    const video = await download(finished.animation.video!.url);
    expect(video.status).toBe(200);
    expect(video.headers.get('content-type')).toBe('video/mp4');

    const read = dataOf(await graphqlHttp(revived.url, AnimationDocument, { id: created.id })).animation!;
    expect(read.status).toBe('FAILED');
  });
});

describe('sandbox mode as the README starts it', () => {
  it('completes the GraphiQL example with a playable video on the gateway', async () => {
    const gateway = await startGatewayProcess(sandboxEnv(temporaryDirectory()));
    expect(gateway.lines.join('\n')).toMatch(/Sandbox mode: fal is simulated at http:\/\/127\.0\.0\.1:\d+; GraphQL and GraphiQL at /);

    // The README's CreateAnimation, with the sandbox's default pace.
    const created = dataOf(
      await graphqlHttp(gateway.url, CreateAnimationDocument, {
        input: {
          prompt: 'a knight in shining armour dancing',
          imageUrl: 'https://example.com/knight.png',
          videoUrl: 'https://example.com/dance.mp4',
        },
      }),
    ).createAnimation;
    expect(created.status).toBe('IN_QUEUE');
    const events = progressOf(
      await subscribeWs(wsClient(gateway.url), AnimationProgressDocument, { id: created.id }).untilComplete(25_000),
    );
    expect(events.map((event) => event.status)).toContain('IN_PROGRESS');
    const last = events.at(-1)!;
    expect(last.status).toBe('COMPLETED');
    expect(last.animation.video!.url).toMatch(/\/media\//);
    const video = await download(last.animation.video!.url);
    expect(video.status).toBe(200);
    expect(video.headers.get('content-type')).toBe('video/mp4');
    expect(video.bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
  }, 40_000);
});

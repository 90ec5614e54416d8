import { createServer, request } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { FalSimulator } from '@uni-animate/fal-simulator';
import { GONE_AFTER_404S } from '../../src/animations/upstream/upstream-gone.js';
import { AnimationDocument, AnimationProgressDocument, CancelAnimationDocument, CreateAnimationDocument } from '../gql/graphql.js';
import { dataOf, graphqlHttp, subscribeWs, wsClient } from '../support/graphql-clients.js';
import { startSimulator, startTestGateway, temporaryDirectory } from '../support/harness.js';
import { input } from '../support/inputs.js';
import { download } from '../support/media.js';
import { listenOnLoopback } from '../support/loopback-server.js';
import { logMessages, progressOf } from '../support/progress.js';

/** One unfinished animation per owner, so a stuck one blocks its owner's next create. */
const ONE_AT_A_TIME = { MAX_ACTIVE_ANIMATIONS: '1' };

/**
 * Creates an animation through a first gateway, lets its job run to step 2 at the first
 * simulator (paused there), and stops that gateway: its DATA_DIR now holds an unfinished
 * animation whose request id only the first simulator knows.
 */
async function animationLeftMidJob(dataDir: string): Promise<{ id: string; requestId: string; first: FalSimulator }> {
  const first = await startSimulator();
  first.plan(() => ({ pauseAtStep: 2 }));
  const gateway = await startTestGateway(first, { DATA_DIR: dataDir, ...ONE_AT_A_TIME });
  const created = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() })).createAnimation;
  await subscribeWs(wsClient(gateway.url), AnimationProgressDocument, { id: created.id }).waitFor(
    (events) => logMessages(events).includes('Sampling step 2/30'),
    10_000,
  );
  await gateway.stop();
  return { id: created.id, requestId: created.requestId!, first };
}

/**
 * A real HTTP proxy in front of the simulator that answers 404 Request not found to every
 * status stream and to the first `notFoundPolls` status polls, and forwards everything else.
 */
async function forgetfulProxy(simulator: FalSimulator, notFoundPolls: number): Promise<{ url: string; notFoundAnswers: () => number }> {
  let answered = 0;
  const server = createServer((req, res) => {
    const path = new URL(req.url!, simulator.url).pathname;
    const stream = /\/requests\/[^/]+\/status\/stream$/.test(path);
    const poll = /\/requests\/[^/]+\/status$/.test(path);
    if (stream || (poll && answered < notFoundPolls)) {
      if (poll) answered++;
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: 'Request not found' }));
      return;
    }
    const forwarded = request(new URL(req.url!, simulator.url), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  return { url: await listenOnLoopback(server), notFoundAnswers: () => answered };
}

describe('an animation whose fal request is gone', () => {
  it(`keeps watching through fewer than ${GONE_AFTER_404S} 404s in a row, and completes`, async () => {
    const simulator = await startSimulator();
    const proxy = await forgetfulProxy(simulator, GONE_AFTER_404S - 1);
    const gateway = await startTestGateway(simulator, { FAL_API_URL: proxy.url });
    const created = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() })).createAnimation;
    const events = progressOf(
      await subscribeWs(wsClient(gateway.url), AnimationProgressDocument, { id: created.id }).untilComplete(15_000),
    );
    expect(proxy.notFoundAnswers()).toBe(GONE_AFTER_404S - 1);
    const last = events.at(-1)!;
    expect(last.status).toBe('COMPLETED');
    expect(last.animation.error).toBeNull();
    expect(last.animation.upstreamError).toBeNull();
  });

  it('ends FAILED with UPSTREAM_GONE when fal answers 404 for it, and its owner can create again', async () => {
    const dataDir = temporaryDirectory();
    const { id } = await animationLeftMidJob(dataDir);

    // A fal that never saw the request: it answers 404 Request not found, like fal for a purged request or another endpoint.
    const second = await startSimulator();
    const gateway = await startTestGateway(second, { DATA_DIR: dataDir, ...ONE_AT_A_TIME });
    const watched = subscribeWs(wsClient(gateway.url), AnimationProgressDocument, { id });
    const events = progressOf(await watched.untilComplete(15_000));
    const last = events.at(-1)!;
    expect(last.status).toBe('FAILED');
    expect(last.animation.error?.code).toBe('UPSTREAM_GONE');
    expect(last.animation.error?.message).toMatch(/fal no longer knows this request/);
    expect(gateway.logs.text).toContain('fal no longer knows the request; the animation is failed');

    const read = dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id })).animation!;
    expect(read.status).toBe('FAILED');
    expect(read.completedAt).not.toBeNull();

    const next = await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input({ prompt: 'the next one' }) });
    const nextId = dataOf(next).createAnimation.id;
    const finished = progressOf(
      await subscribeWs(wsClient(gateway.url), AnimationProgressDocument, { id: nextId }).untilComplete(15_000),
    ).at(-1)!;
    expect(finished.status).toBe('COMPLETED');
    const video = await download(finished.animation.video!.url);
    expect(video.status).toBe(200);
    expect(video.headers.get('content-type')).toBe('video/mp4');
  });

  it('is CANCELLED when cancelled while fal answers 404 to the cancel, and its owner can create again', async () => {
    const dataDir = temporaryDirectory();
    const { id } = await animationLeftMidJob(dataDir);

    const second = await startSimulator();
    // Polls far apart, so the watcher does not conclude the request is gone before the user cancels.
    const gateway = await startTestGateway(second, { DATA_DIR: dataDir, ...ONE_AT_A_TIME, POLL_INTERVAL_MS: '600000' });
    const cancelled = dataOf(await graphqlHttp(gateway.url, CancelAnimationDocument, { id })).cancelAnimation;
    expect(cancelled.status).toBe('CANCELLED');
    expect(cancelled.completedAt).not.toBeNull();
    expect(second.calls.cancel).toBe(1);

    const read = dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id })).animation!;
    expect(read.status).toBe('CANCELLED');
    const next = await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input({ prompt: 'the next one' }) });
    expect(next.errors).toBeUndefined();
    expect(dataOf(next).createAnimation.status).toBe('IN_QUEUE');
  });

  it('is unchanged when cancelled after fal finished it (400), and fal reads how it ended', async () => {
    const simulator = await startSimulator();
    simulator.plan(() => ({ pauseAtStep: 2 }));
    // Polls far apart: the gateway has not heard that the job finished when the cancel arrives.
    const gateway = await startTestGateway(simulator, { ...ONE_AT_A_TIME, POLL_INTERVAL_MS: '600000' });
    const created = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() })).createAnimation;
    await simulator.waitFor(() => simulator.job(created.requestId!)?.paused === true, 10_000);
    simulator.faults.cancel = 400;
    const answered = dataOf(await graphqlHttp(gateway.url, CancelAnimationDocument, { id: created.id })).cancelAnimation;
    expect(answered.status).not.toBe('CANCELLED');
    expect(answered.completedAt).toBeNull();
  });
});

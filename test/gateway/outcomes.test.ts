import { describe, expect, it } from 'vitest';
import {
  AnimationDocument,
  AnimationProgressDocument,
  AnimationsDocument,
  CancelAnimationDocument,
  CreateAnimationDocument,
  type AnimationProgressSubscription,
} from '../gql/graphql.js';
import { dataOf, graphqlHttp, subscribeWs, wsClient, type Result } from '../support/graphql-clients.js';
import { startSimulator, startTestGateway } from '../support/harness.js';
import { input } from '../support/inputs.js';
import { completedLogs } from '../support/progress.js';

const progressOf = (results: Result<AnimationProgressSubscription>[]) => results.map((result) => dataOf(result).animationProgress);

async function createAndFollow(gateway: { url: string }) {
  const created = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() })).createAnimation;
  const events = progressOf(await subscribeWs(wsClient(gateway.url), AnimationProgressDocument, { id: created.id }).untilComplete());
  return { created, events, last: events.at(-1)! };
}

describe('how an animation ends', () => {
  it("is FAILED with fal's reason when the request completes but its result is an error", async () => {
    const simulator = await startSimulator();
    simulator.plan(() => ({
      fail: { status: 500, body: { detail: 'CUDA out of memory', error_type: 'runner_server_error' } },
    }));
    const gateway = await startTestGateway(simulator);
    const { last } = await createAndFollow(gateway);
    expect(last.status).toBe('FAILED');
    expect(last.animation.error).toEqual({ code: 'UPSTREAM_FAILED', message: expect.stringContaining('CUDA out of memory') });
    expect(last.animation.video).toBeNull();
  });

  it("is FAILED as UPSTREAM_REJECTED with fal's field messages when the model rejects the input", async () => {
    const simulator = await startSimulator();
    simulator.plan(() => ({
      fail: {
        status: 422,
        body: { detail: [{ loc: ['body', 'image_url'], msg: 'No face found in the image', type: 'value_error' }] },
      },
    }));
    const gateway = await startTestGateway(simulator);
    const { last } = await createAndFollow(gateway);
    expect(last.status).toBe('FAILED');
    expect(last.animation.error).toEqual({ code: 'UPSTREAM_REJECTED', message: 'imageUrl: No face found in the image' });
  });

  it('is FAILED as TIMED_OUT when fal reports a timeout', async () => {
    const simulator = await startSimulator();
    simulator.plan(() => ({
      fail: {
        status: 504,
        body: { detail: 'No runner started in time', error_type: 'startup_timeout' },
        headers: { 'x-fal-request-timeout-type': 'user' },
      },
    }));
    const gateway = await startTestGateway(simulator);
    const { last } = await createAndFollow(gateway);
    expect(last.animation.error?.code).toBe('TIMED_OUT');
  });

  it('is CANCELLED when its owner cancels it while it runs, and fal stops it', async () => {
    const simulator = await startSimulator();
    simulator.plan(() => ({ pauseAtStep: 3 }));
    const gateway = await startTestGateway(simulator);
    const created = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() })).createAnimation;
    const subscription = subscribeWs(wsClient(gateway.url), AnimationProgressDocument, { id: created.id });
    await subscription.waitFor((events) => events.some((e) => dataOf(e).animationProgress.progress === 0.1));

    const cancelled = dataOf(await graphqlHttp(gateway.url, CancelAnimationDocument, { id: created.id })).cancelAnimation;
    expect(cancelled.status).toBe('CANCELLED');
    const events = progressOf(await subscription.untilComplete());
    expect(events.at(-1)!.status).toBe('CANCELLED');
    expect(simulator.job(created.requestId!)!.cancelled).toBe(true);
    expect(simulator.calls.byRequest(created.requestId!).cancel).toBe(1);
  });

  it("is CANCELLED when cancelled while still in fal's queue", async () => {
    const simulator = await startSimulator({ concurrency: 1 });
    simulator.plan(() => ({ pauseAtStep: 1 }));
    const gateway = await startTestGateway(simulator);
    const blocker = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() })).createAnimation;
    const queued = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() })).createAnimation;
    expect(queued.status).toBe('IN_QUEUE');

    const cancelled = dataOf(await graphqlHttp(gateway.url, CancelAnimationDocument, { id: queued.id })).cancelAnimation;
    expect(cancelled.status).toBe('CANCELLED');
    expect(simulator.job(queued.requestId!)!.cancelled).toBe(true);
    simulator.resume(blocker.requestId!);
  });

  it('stays COMPLETED when cancelled after it finished', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator);
    const { created } = await createAndFollow(gateway);
    const again = dataOf(await graphqlHttp(gateway.url, CancelAnimationDocument, { id: created.id })).cancelAnimation;
    expect(again.status).toBe('COMPLETED');
    expect(again.video?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    // fal was never asked to cancel a request that had already finished.
    expect(simulator.calls.cancel).toBe(0);
    expect(simulator.job(created.requestId!)!.cancelled).toBe(false);
  });

  it('answers NOT_FOUND to cancelling or following an animation that does not exist', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator);
    for (const id of ['QW5pbWF0aW9uOm5vcGU=', 'garbage', '']) {
      const cancel = await graphqlHttp(gateway.url, CancelAnimationDocument, { id });
      expect(cancel.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const follow = await subscribeWs(wsClient(gateway.url), AnimationProgressDocument, { id }).untilComplete();
      expect(follow[0]!.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const query = await graphqlHttp(gateway.url, AnimationDocument, { id });
      expect(query.data?.animation).toBeNull();
    }
    expect(simulator.calls.cancel).toBe(0);
  });
});

describe('fal refusing a submit', () => {
  it("turns fal's 422 into BAD_USER_INPUT with fal's field messages", async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator);
    const result = await graphqlHttp(gateway.url, CreateAnimationDocument, {
      input: input({ videoUrl: 'https://files.invalid/dance.mp4' }),
    });
    const error = result.errors?.[0];
    expect(error?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error?.extensions?.fields).toEqual([{ field: 'videoUrl', message: 'Could not download the file from the given URL' }]);
    expect(error?.message).toBe('videoUrl: Could not download the file from the given URL');
    expect(simulator.jobs()).toHaveLength(0);
  });

  it('turns a refusal fal does not retry into UPSTREAM_ERROR with its status, recorded as FAILED', async () => {
    const simulator = await startSimulator();
    simulator.faults.submit = [401];
    const gateway = await startTestGateway(simulator);
    const result = await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input({ idempotencyKey: 'k1' }) });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', status: 401 });
    expect(simulator.calls.submit).toBe(1);

    // Read back, the refused animation is the only one there is, FAILED with fal's refusal.
    const { animations } = dataOf(await graphqlHttp(gateway.url, AnimationsDocument, {}));
    expect(animations.edges.map((edge) => edge.node.status)).toEqual(['FAILED']);
    const refused = dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id: animations.edges[0]!.node.id })).animation!;
    expect(refused.status).toBe('FAILED');
    expect(refused.error).toEqual({ code: 'UPSTREAM_ERROR', message: 'fal submit failed: 401: Invalid key' });
    expect(refused.requestId).toBeNull();

    // The refused attempt keeps no hold on its idempotency key.
    const retried = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input({ idempotencyKey: 'k1' }) }));
    expect(retried.createAnimation.status).toBe('IN_QUEUE');
    expect(retried.createAnimation.id).not.toBe(refused.id);
  });

  it('retries a 503 and succeeds when fal recovers', async () => {
    const simulator = await startSimulator();
    simulator.faults.submit = [503];
    const gateway = await startTestGateway(simulator);
    const created = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() }));
    expect(created.createAnimation.status).toBe('IN_QUEUE');
    expect(simulator.calls.submit).toBe(2);
  });

  it('gives up on a persistent 503 with UPSTREAM_ERROR and status 503', async () => {
    const simulator = await startSimulator();
    simulator.faults.submit = [503, 503, 503, 503];
    const gateway = await startTestGateway(simulator);
    const result = await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', status: 503 });
    expect(simulator.calls.submit).toBe(4);
  });
});

describe('following fal when its status stream fails', () => {
  it('falls back to polling when every stream fails, and still completes with every line once', async () => {
    const simulator = await startSimulator({ seed: 3 });
    simulator.faults.rate = { stream: 1 };
    const gateway = await startTestGateway(simulator);
    const { created, last, events } = await createAndFollow(gateway);
    expect(last.status).toBe('COMPLETED');
    const logs = events.flatMap((event) => event.newLogs.map((log) => log.message));
    expect(logs).toEqual(completedLogs(simulator, created.requestId!));
    // Its one stream failed, and polling brought it to the end.
    expect(simulator.calls.byRequest(created.requestId!).stream).toBe(1);
    expect(simulator.calls.byRequest(created.requestId!).status).toBeGreaterThan(0);
  });

  it('falls back to polling when the stream ends before COMPLETED', async () => {
    const simulator = await startSimulator();
    simulator.faults.streamEndsEarly = true;
    const gateway = await startTestGateway(simulator);
    const { created, last, events } = await createAndFollow(gateway);
    expect(last.status).toBe('COMPLETED');
    const logs = events.flatMap((event) => event.newLogs.map((log) => log.message));
    expect(logs).toEqual(completedLogs(simulator, created.requestId!));
    expect(simulator.calls.byRequest(created.requestId!).stream).toBe(1);
  });
});

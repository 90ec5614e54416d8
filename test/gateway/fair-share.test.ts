import { describe, expect, it } from 'vitest';
import type { FalSimulator } from '@uni-animate/fal-simulator';
import {
  AnimationDocument,
  AnimationProgressDocument,
  CancelAnimationDocument,
  CreateAnimationDocument,
  UsageDocument,
} from '../gql/graphql.js';
import { ALICE_KEY, AUTH_ENV, bearer, BOB_KEY } from '../support/auth.js';
import { startGatewayProcess } from '../support/gateway-process.js';
import { dataOf, graphqlHttp, subscribeWs, wsClient } from '../support/graphql-clients.js';
import { CANARY_FAL_KEY, startSimulator, startTestGateway, temporaryDirectory } from '../support/harness.js';
import { input } from '../support/inputs.js';
import { freshPostgresDatabase } from '../support/postgres.js';
import { progressOf } from '../support/progress.js';
import { freshRedisPrefix, REDIS_URL } from '../support/redis.js';

const [alice, bob] = [bearer(ALICE_KEY), bearer(BOB_KEY)];

async function create(url: string, headers: Record<string, string>, overrides: Parameters<typeof input>[0] = {}) {
  return dataOf(await graphqlHttp(url, CreateAnimationDocument, { input: input(overrides) }, headers)).createAnimation;
}

/** The prompts of the simulator's jobs, in the order fal received them. */
function submitOrder(simulator: FalSimulator): string[] {
  return [...simulator.jobs()].sort((a, b) => a.submittedAt - b.submittedAt).map((job) => String(job.input.prompt));
}

describe('FAL_CONCURRENCY: one fal account shared fairly', () => {
  it("holds what does not fit, lets a late owner take turns with another's burst, and never has more than 2 at fal", async () => {
    const simulator = await startSimulator({ concurrency: 2, stepMs: 25 });
    // Alice's first two hold fal's 2 slots until everything is created, so the line is known.
    simulator.plan((request) => (request.prompt === 'alice 1' || request.prompt === 'alice 2' ? { pauseAtStep: 2 } : {}));
    const gateway = await startTestGateway(simulator, { ...AUTH_ENV, FAL_CONCURRENCY: '2' });
    const alices = [];
    for (let n = 1; n <= 8; n++) alices.push(await create(gateway.url, alice, { prompt: `alice ${n}` }));
    const bobs = [await create(gateway.url, bob, { prompt: 'bob 1' }), await create(gateway.url, bob, { prompt: 'bob 2' })];

    const held = alices.at(-1)!;
    expect(held).toMatchObject({ status: 'IN_QUEUE', requestId: null });
    // Held: 1 + the held ones sent before it. Bob has nothing at fal, so his go ahead of Alice's six.
    expect(alices.map((animation) => (animation.requestId === null ? animation.queuePosition : 'sent'))).toEqual([
      'sent',
      'sent',
      1,
      2,
      3,
      4,
      5,
      6,
    ]);
    expect(bobs.map((animation) => [animation.status, animation.queuePosition, animation.requestId])).toEqual([
      ['IN_QUEUE', 1, null],
      ['IN_QUEUE', 2, null],
    ]);
    const [first, second] = alices.map((animation) => animation.requestId!);
    const watched = subscribeWs(wsClient(gateway.url, { connectionParams: () => alice }), AnimationProgressDocument, { id: held.id });
    const cancelled = alices.at(-2)!;
    expect(dataOf(await graphqlHttp(gateway.url, CancelAnimationDocument, { id: cancelled.id }, alice)).cancelAnimation.status).toBe(
      'CANCELLED',
    );

    for (const requestId of [first!, second!]) simulator.resume(requestId);
    const finals = await Promise.all(
      [...alices, ...bobs]
        .filter((animation) => animation.id !== cancelled.id)
        .map(async (animation) => {
          const headers = animation.prompt.startsWith('bob') ? bob : alice;
          const socket = wsClient(gateway.url, { connectionParams: () => headers });
          return progressOf(await subscribeWs(socket, AnimationProgressDocument, { id: animation.id }).untilComplete(30_000)).at(-1)!;
        }),
    );
    expect(finals.map((event) => event.status)).toEqual(Array(9).fill('COMPLETED'));
    expect(simulator.peakUnfinished).toBe(2);
    const order = submitOrder(simulator);
    expect(order).toHaveLength(9);
    expect(order).not.toContain(cancelled.prompt);
    expect(order.indexOf('bob 1')).toBeLessThan(6);
    expect(order.indexOf('bob 2')).toBeLessThan(6);
    expect(simulator.calls.cancel).toBe(0);

    const whileHeld = progressOf(await watched.untilComplete()).filter((event) => event.animation.requestId === null);
    const positions = whileHeld.map((event) => event.queuePosition);
    expect(whileHeld.length).toBeGreaterThan(0);
    // 6 when it was held (Bob's two came after and go first, but a position never rises), 5 once the cancelled one left.
    expect([5, 6]).toContain(positions[0]);
    expect(positions.at(-1)).toBe(1);
    expect(whileHeld.every((event) => event.status === 'IN_QUEUE')).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => b! - a!));
  });

  it('keeps the limit across two gateway processes, and the survivor of a kill -9 finishes everything', async () => {
    const simulator = await startSimulator({ concurrency: 2, stepMs: 25 });
    const env = {
      DATABASE_URL: await freshPostgresDatabase(),
      REDIS_URL,
      REDIS_PREFIX: await freshRedisPrefix(),
      FAL_API_URL: simulator.url,
      FAL_KEY: CANARY_FAL_KEY,
      FAL_CONCURRENCY: '2',
      MAX_ACTIVE_ANIMATIONS: '100',
      POLL_INTERVAL_MS: '50',
      LEASE_TTL_MS: '1000',
      LEASE_RENEW_MS: '250',
      DATA_DIR: temporaryDirectory(),
      MEDIA_SIGNING_SECRET: 'media-signing-secret-shared-by-replicas-0123',
    };
    const [doomed, survivor] = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)]);
    const created = [];
    for (let n = 0; n < 8; n++) created.push(await create(n % 2 === 0 ? doomed.url : survivor.url, {}, { prompt: `dance ${n}` }));
    await simulator.waitFor(() => simulator.unfinished() === 2);
    expect(await doomed.kill('SIGKILL')).toBe('SIGKILL');

    const socket = wsClient(survivor.url);
    const finals = await Promise.all(
      created.map(async (animation) =>
        progressOf(await subscribeWs(socket, AnimationProgressDocument, { id: animation.id }).untilComplete(40_000)).at(-1)!,
      ),
    );
    expect(finals.map((event) => event.status)).toEqual(Array(8).fill('COMPLETED'));
    expect(simulator.calls.submit).toBe(8);
    expect(simulator.peakUnfinished).toBe(2);
  });
});

describe('start deadlines and priority', () => {
  it('ends TIMED_OUT, without sending it, an animation held past its startTimeout', async () => {
    const simulator = await startSimulator({ concurrency: 1 });
    simulator.plan((request) => (request.prompt === 'first' ? { pauseAtStep: 2 } : {}));
    const gateway = await startTestGateway(simulator, { FAL_CONCURRENCY: '1' });
    const first = await create(gateway.url, {}, { prompt: 'first' });
    const late = await create(gateway.url, {}, { prompt: 'late', startTimeout: 1 });
    expect(late).toMatchObject({ status: 'IN_QUEUE', requestId: null, startTimeout: 1 });
    const ended = progressOf(await subscribeWs(wsClient(gateway.url), AnimationProgressDocument, { id: late.id }).untilComplete()).at(-1)!;
    expect(ended.status).toBe('FAILED');
    expect(ended.animation.error?.code).toBe('TIMED_OUT');
    expect(simulator.calls.submit).toBe(1);
    simulator.resume(first.requestId!);
  });

  it("hands fal what is left of the deadline, and fal's user timeout ends it TIMED_OUT; LOW goes to fal as low", async () => {
    const simulator = await startSimulator({ concurrency: 1 });
    simulator.plan((request) => (request.prompt === 'first' ? { pauseAtStep: 2 } : {}));
    const gateway = await startTestGateway(simulator);
    const first = await create(gateway.url, {}, { prompt: 'first' });
    const late = await create(gateway.url, {}, { prompt: 'late', startTimeout: 3, priority: 'LOW' });
    const ended = progressOf(await subscribeWs(wsClient(gateway.url), AnimationProgressDocument, { id: late.id }).untilComplete()).at(-1)!;
    expect(ended.status).toBe('FAILED');
    expect(ended.animation.error?.code).toBe('TIMED_OUT');
    const job = simulator.job(late.requestId!)!;
    expect(job.requestTimeoutSeconds).toBeGreaterThanOrEqual(2);
    expect(job.requestTimeoutSeconds).toBeLessThanOrEqual(3);
    expect(job).toMatchObject({ timedOut: true, priority: 'low' });
    expect(simulator.job(first.requestId!)!.priority).toBe('normal');
    simulator.resume(first.requestId!);
  });
});

describe('usage per owner', () => {
  it("counts each owner's animations by outcome with fal's inference seconds, and the daily cap refuses the owner over it", async () => {
    const simulator = await startSimulator();
    simulator.plan(() => ({ inferenceSeconds: 3.5 }));
    const gateway = await startTestGateway(simulator, { ...AUTH_ENV, MAX_INFERENCE_SECONDS_PER_DAY: '10' });
    const finish = async (headers: Record<string, string>, prompt: string) => {
      const animation = await create(gateway.url, headers, { prompt });
      const socket = wsClient(gateway.url, { connectionParams: () => headers });
      return progressOf(await subscribeWs(socket, AnimationProgressDocument, { id: animation.id }).untilComplete()).at(-1)!;
    };
    expect((await finish(alice, 'dance 1')).status).toBe('COMPLETED');
    expect((await finish(alice, 'dance 2')).status).toBe('COMPLETED');
    // A run that fails has used its GPU time too.
    const failed = await finish(alice, 'dance [fail]');
    expect(dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id: failed.animation.id }, alice)).animation).toMatchObject({
      status: 'FAILED',
      inferenceSeconds: 3.5,
    });
    expect((await finish(bob, 'dance 3')).status).toBe('COMPLETED');

    const usage = async (headers: Record<string, string>, since?: string) =>
      dataOf(await graphqlHttp(gateway.url, UsageDocument, { since }, headers)).usage;
    expect(await usage(alice)).toEqual({ animations: 3, completed: 2, failed: 1, cancelled: 0, inferenceSeconds: 10.5 });
    expect(await usage(bob)).toEqual({ animations: 1, completed: 1, failed: 0, cancelled: 0, inferenceSeconds: 3.5 });
    expect(await usage(alice, new Date(Date.now() + 60_000).toISOString())).toEqual({
      animations: 0,
      completed: 0,
      failed: 0,
      cancelled: 0,
      inferenceSeconds: 0,
    });

    const refused = await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() }, alice);
    expect(refused.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(refused.errors?.[0]?.extensions?.retryAfter).toBeGreaterThan(86_000);
    expect(simulator.calls.submit).toBe(4);
    expect((await create(gateway.url, bob)).status).toMatch(/^(IN_QUEUE|IN_PROGRESS)$/);
  });
});

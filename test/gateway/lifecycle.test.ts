import { describe, expect, it } from 'vitest';
import {
  AnimationDocument,
  AnimationProgressDocument,
  CreateAnimationDocument,
  type AnimationProgressSubscription,
} from '../gql/graphql.js';
import { dataOf, graphqlHttp, subscribeSse, subscribeWs, wsClient, type Result } from '../support/graphql-clients.js';
import { startSimulator, startTestGateway } from '../support/harness.js';
import { input } from '../support/inputs.js';
import type { FalSimulator } from '@uni-animate/fal-simulator';
import { completedLogs } from '../support/progress.js';

type Progress = AnimationProgressSubscription['animationProgress'];

function progressOf(results: Result<AnimationProgressSubscription>[]): Progress[] {
  return results.map((result) => dataOf(result).animationProgress);
}

function allLogs(events: Progress[]): string[] {
  return events.flatMap((event) => event.newLogs.map((log) => log.message));
}

const RANK = { SUBMITTING: 0, IN_QUEUE: 1, IN_PROGRESS: 2, COMPLETED: 3, FAILED: 3, CANCELLED: 3 };

function expectFullLifecycle(events: Progress[], simulator: FalSimulator) {
  const statuses = events.map((event) => event.status);
  expect(statuses).toContain('IN_PROGRESS');
  expect(statuses.at(-1)).toBe('COMPLETED');
  for (let i = 1; i < statuses.length; i++) expect(RANK[statuses[i]!]).toBeGreaterThanOrEqual(RANK[statuses[i - 1]!]);
  const last = events.at(-1)!;
  expect(last.progress).toBe(1);
  expect(last.animation.video?.url).toMatch(/\/media\/.+\.mp4\?expires=\d+&signature=/);
  const logs = allLogs(events);
  expect(logs).toEqual(completedLogs(simulator, last.animation.requestId!));
  expect(new Set(logs).size).toBe(logs.length);
  const progressValues = events.map((event) => event.progress).filter((p): p is number => p !== null);
  expect(progressValues.length).toBeGreaterThan(1);
  expect(progressValues).toEqual([...progressValues].sort((a, b) => a - b));
}

describe('an animation from submit to video', () => {
  for (const logMode of ['delta', 'cumulative'] as const) {
    it(`is followed live over graphql-ws to COMPLETED with every log line once (stream log mode: ${logMode})`, async () => {
      const simulator = await startSimulator({ logMode });
      simulator.plan(() => ({ pauseAtStep: 1 }));
      const gateway = await startTestGateway(simulator);

      const created = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() }));
      expect(created.createAnimation.status).toBe('IN_QUEUE');
      // The request id is the one fal (the simulator) gave its only job.
      expect([...simulator.jobs()].map((job) => job.requestId)).toEqual([created.createAnimation.requestId]);

      const subscription = subscribeWs(wsClient(gateway.url), AnimationProgressDocument, {
        id: created.createAnimation.id,
      });
      await subscription.waitFor((events) => allLogs(progressOf(events)).includes('Sampling step 1/30'));
      simulator.resume(created.createAnimation.requestId!);
      const events = progressOf(await subscription.untilComplete());

      expect(events[0]!.status).toMatch(/IN_QUEUE|IN_PROGRESS/);
      expectFullLifecycle(events, simulator);
      expect(simulator.calls.byRequest(created.createAnimation.requestId!).stream).toBe(1);
    });
  }

  it('is followed live over SSE to COMPLETED', async () => {
    const simulator = await startSimulator();
    simulator.plan(() => ({ pauseAtStep: 1 }));
    const gateway = await startTestGateway(simulator);
    const created = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() }));

    const subscription = subscribeSse(gateway.url, AnimationProgressDocument, { id: created.createAnimation.id });
    await subscription.waitFor((events) => allLogs(progressOf(events)).includes('Sampling step 1/30'));
    simulator.resume(created.createAnimation.requestId!);
    const events = progressOf(await subscription.untilComplete());

    expectFullLifecycle(events, simulator);
  });

  it('serves the finished video as a playable MP4', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator);
    const created = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() }));
    const events = progressOf(
      await subscribeWs(wsClient(gateway.url), AnimationProgressDocument, { id: created.createAnimation.id }).untilComplete(),
    );

    const response = await fetch(events.at(-1)!.animation.video!.url);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(response.headers.get('content-type')).toBe('video/mp4');
    expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
  });

  it('gives a subscriber joining mid-way a snapshot with every line so far, then only new lines', async () => {
    const simulator = await startSimulator();
    simulator.plan(() => ({ pauseAtStep: 5 }));
    const gateway = await startTestGateway(simulator);
    const created = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() }));
    const id = created.createAnimation.id;
    const requestId = created.createAnimation.requestId!;

    const first = subscribeWs(wsClient(gateway.url), AnimationProgressDocument, { id });
    await first.waitFor((events) => allLogs(progressOf(events)).includes('Sampling step 5/30'));

    const second = subscribeSse(gateway.url, AnimationProgressDocument, { id });
    const [snapshot] = progressOf(await second.waitFor((events) => events.length > 0));
    expect(snapshot!.newLogs.map((log) => log.message)).toEqual(allLogs(progressOf(first.events)));
    expect(snapshot!.status).toBe('IN_PROGRESS');

    simulator.resume(requestId);
    const firstLogs = allLogs(progressOf(await first.untilComplete()));
    const secondLogs = allLogs(progressOf(await second.untilComplete()));
    expect(secondLogs).toEqual(firstLogs);
    expect(firstLogs).toEqual(completedLogs(simulator, requestId));
    expect(new Set(firstLogs).size).toBe(firstLogs.length);
    expect(simulator.calls.byRequest(requestId).stream).toBe(1);
  });

  it('gives a late subscriber to a finished animation exactly one event, then completes', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator);
    const created = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() }));
    const id = created.createAnimation.id;
    await subscribeWs(wsClient(gateway.url), AnimationProgressDocument, { id }).untilComplete();

    for (const late of [
      subscribeWs(wsClient(gateway.url), AnimationProgressDocument, { id }),
      subscribeSse(gateway.url, AnimationProgressDocument, { id }),
    ]) {
      const events = progressOf(await late.untilComplete());
      expect(events).toHaveLength(1);
      expect(events[0]!.status).toBe('COMPLETED');
      expect(events[0]!.newLogs.map((log) => log.message)).toEqual(completedLogs(simulator, created.createAnimation.requestId!));
    }
  });

  it('records the animation and its history for later queries', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator);
    const created = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input({ seed: 7 }) }));
    await subscribeWs(wsClient(gateway.url), AnimationProgressDocument, { id: created.createAnimation.id }).untilComplete();

    const { animation } = dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id: created.createAnimation.id }));
    expect(animation).toMatchObject({ status: 'COMPLETED', seed: 7, numInferenceSteps: 30, cfgScale: 1.5, resolution: 'RESOLUTION_480P' });
    expect(animation!.statusHistory.map((change) => change.status)).toEqual(['SUBMITTING', 'IN_QUEUE', 'IN_PROGRESS', 'COMPLETED']);
    // Completed when it turned COMPLETED, the last change of its history.
    expect(animation!.completedAt).toBe(animation!.statusHistory.at(-1)!.at);
  });
});

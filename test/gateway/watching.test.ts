import { describe, expect, it } from 'vitest';
import { AnimationDocument, AnimationProgressDocument, CreateAnimationDocument } from '../gql/graphql.js';
import { dataOf, graphqlHttp, subscribeSse, subscribeWs, wsClient } from '../support/graphql-clients.js';
import { startSimulator, startTestGateway } from '../support/harness.js';
import { input } from '../support/inputs.js';
import { completedLogs, logMessages, progressOf } from '../support/progress.js';
import { initialisedSocket } from '../support/raw-websocket.js';

describe('one upstream watcher per animation', () => {
  it('follows fal once for 100 subscribers, and every subscriber gets the complete log list', async () => {
    const simulator = await startSimulator();
    simulator.plan(() => ({ pauseAtStep: 2 }));
    const gateway = await startTestGateway(simulator);
    const created = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() })).createAnimation;

    const client = wsClient(gateway.url);
    const subscribers = Array.from({ length: 100 }, (_, i) =>
      i % 10 === 0
        ? subscribeSse(gateway.url, AnimationProgressDocument, { id: created.id })
        : subscribeWs(client, AnimationProgressDocument, { id: created.id }),
    );
    await Promise.all(subscribers.map((s) => s.waitFor((events) => events.length > 0)));
    simulator.resume(created.requestId!);

    const expected = await Promise.all(subscribers.map((s) => s.untilComplete())).then(() => completedLogs(simulator, created.requestId!));
    for (const subscriber of subscribers) {
      expect(logMessages(subscriber.events)).toEqual(expected);
      expect(progressOf(subscriber.events).at(-1)!.status).toBe('COMPLETED');
    }
    expect(simulator.calls.byRequest(created.requestId!)).toEqual({ status: 0, stream: 1, result: 1, cancel: 0, resultFile: 1 });
    expect(simulator.calls.submit).toBe(1);
  });

  it('completes and records an animation nobody subscribes to', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator);
    const created = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() })).createAnimation;
    await simulator.waitFor(() => simulator.calls.byRequest(created.requestId!).result === 1);

    // Only now does anyone look: the feed ends at once if the animation is already recorded as finished.
    const events = await subscribeWs(wsClient(gateway.url), AnimationProgressDocument, { id: created.id }).untilComplete();
    expect(progressOf(events).at(-1)!.status).toBe('COMPLETED');
    const animation = dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id: created.id })).animation!;
    expect(animation.status).toBe('COMPLETED');
    expect(animation.logs.map((log) => log.message)).toEqual(completedLogs(simulator, created.requestId!));
    expect(animation.video?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/media\/.+\.mp4\?expires=\d+&signature=/);
    expect(simulator.calls.byRequest(created.requestId!)).toEqual({ status: 0, stream: 1, result: 1, cancel: 0, resultFile: 1 });
  });
});

describe('fan-out over WebSockets', () => {
  it('sends every subscriber of a document the same bytes per change, and each document its own shape', async () => {
    const simulator = await startSimulator();
    simulator.plan(() => ({ pauseAtStep: 1 }));
    const gateway = await startTestGateway(simulator);
    const created = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() })).createAnimation;
    const full = 'subscription($id: ID!) { animationProgress(id: $id) { status progress newLogs { message } } }';
    const lean = 'subscription($id: ID!) { animationProgress(id: $id) { status } }';
    const sockets = await Promise.all([0, 1, 2].map(() => initialisedSocket(gateway.url, {})));
    sockets.forEach((socket, i) =>
      socket.send({ id: `op${i}`, type: 'subscribe', payload: { query: i < 2 ? full : lean, variables: { id: created.id } } }),
    );
    await Promise.all(sockets.map((socket) => socket.next((m) => m.type === 'next')));
    simulator.resume(created.requestId!);
    await Promise.all(sockets.map((socket) => socket.next((m) => m.type === 'complete')));

    const frames = (socket: (typeof sockets)[number]) =>
      socket.messages.filter((m) => m.type === 'next').map((m) => JSON.stringify(m.payload));
    expect(frames(sockets[0]!)).toEqual(frames(sockets[1]!));
    expect(frames(sockets[0]!).length).toBeGreaterThan(5);
    const lastLean = sockets[2]!.messages.filter((m) => m.type === 'next').at(-1)!;
    expect(lastLean.payload).toEqual({ data: { animationProgress: { status: 'COMPLETED' } } });
  });
});

import { describe, expect, it } from 'vitest';
import { AnimationProgressDocument, AnimationsDocument, CreateAnimationDocument } from '../gql/graphql.js';
import { startGatewayProcess } from '../support/gateway-process.js';
import { dataOf, graphqlHttp, subscribeWs, wsClient } from '../support/graphql-clients.js';
import { CANARY_FAL_KEY, startSimulator, temporaryDirectory } from '../support/harness.js';
import { input } from '../support/inputs.js';
import { progressOf } from '../support/progress.js';
import { within } from '../support/eventually.js';
import { initialisedSocket } from '../support/raw-websocket.js';

const SUBSCRIPTION = 'subscription($id: ID!) { animationProgress(id: $id) { status } }';

describe('SIGTERM', () => {
  it('finishes submits in flight, closes WebSockets with 1001, exits 0 within 10 s, and a restart resumes every animation', async () => {
    const simulator = await startSimulator({ concurrency: 10 });
    simulator.plan(() => ({ pauseAtStep: 2 }));
    const env = {
      DATA_DIR: temporaryDirectory(),
      FAL_API_URL: simulator.url,
      FAL_KEY: CANARY_FAL_KEY,
      POLL_INTERVAL_MS: '50',
      MAX_ACTIVE_ANIMATIONS: '50',
    };
    const gateway = await startGatewayProcess(env);

    const running = [];
    for (let i = 0; i < 4; i++) {
      running.push(
        dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input({ prompt: `running ${i}` }) })).createAnimation,
      );
    }
    const sockets = await Promise.all([initialisedSocket(gateway.url, {}), initialisedSocket(gateway.url, {})]);
    for (let i = 0; i < 20; i++) {
      const socket = sockets[i % 2]!;
      socket.send({ id: `s${i}`, type: 'subscribe', payload: { query: SUBSCRIPTION, variables: { id: running[i % 4]!.id } } });
    }
    await Promise.all(sockets.map((socket, n) => socket.next((m) => m.id === `s${18 + n}` && m.type === 'next')));

    // Five submits fal is slow to answer: in flight when the signal arrives.
    simulator.faults.latencyMs = 1_500;
    const inFlight = Array.from({ length: 5 }, (_, i) =>
      graphqlHttp(gateway.url, CreateAnimationDocument, { input: input({ prompt: `in flight ${i}` }) }),
    );
    await simulator.waitFor(() => simulator.calls.submit === 9);
    gateway.child.kill('SIGTERM');
    // The 10 s the gateway has to exit is the bound of this wait, started at the signal; no duration is measured.
    const exited = within(gateway.exited, 10_000, 'the gateway to exit after SIGTERM');
    exited.catch(() => undefined); // awaited below; this only keeps a rejection from being reported before then

    const answers = await Promise.all(inFlight);
    const submitted = new Set(simulator.jobs().map((job) => job.requestId));
    for (const answer of answers) expect(submitted.has(dataOf(answer).createAnimation.requestId!)).toBe(true);
    expect(await exited).toBe(0);
    for (const socket of sockets) expect(await socket.closed).toMatchObject({ code: 1001 });
    expect(simulator.calls.cancel).toBe(0);

    simulator.faults.latencyMs = 0;
    const restarted = await startGatewayProcess(env);
    const listed = dataOf(await graphqlHttp(restarted.url, AnimationsDocument, { first: 20 })).animations.edges;
    expect(listed).toHaveLength(9);
    expect(listed.every((edge) => edge.node.status === 'IN_PROGRESS' || edge.node.status === 'IN_QUEUE')).toBe(true);

    const follows = listed.map((edge) => subscribeWs(wsClient(restarted.url), AnimationProgressDocument, { id: edge.node.id }));
    for (const job of simulator.jobs()) simulator.resume(job.requestId);
    for (const follow of follows) expect(progressOf(await follow.untilComplete()).at(-1)!.status).toBe('COMPLETED');
  }, 60_000);
});

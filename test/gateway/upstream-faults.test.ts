import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { openAnimationStore } from '../../src/adapters/store/open-store.js';
import { AnimationDocument, AnimationProgressDocument, AnimationsDocument, CreateAnimationDocument } from '../gql/graphql.js';
import { dataOf, graphqlHttp, subscribeWs, wsClient } from '../support/graphql-clients.js';
import { startSimulator, startTestGateway, temporaryDirectory } from '../support/harness.js';
import { input } from '../support/inputs.js';
import { newAnimationRecord } from '../support/records.js';
import { completedLogs, logMessages, progressOf, simulatorLogs } from '../support/progress.js';

describe('when fal misbehaves', () => {
  it('brings 50 animations to the right end through 20% failing status, stream and result calls, none lost, no line twice', async () => {
    const simulator = await startSimulator({ concurrency: 25, seed: 42 });
    simulator.faults.rate = { status: 0.2, stream: 0.2, result: 0.2 };
    const gateway = await startTestGateway(simulator);
    const client = wsClient(gateway.url);

    const runs = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const prompt = i % 5 === 0 ? `dance ${i} [fail]` : `dance ${i}`;
        const created = dataOf(
          await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input({ prompt, numInferenceSteps: 10 }) }),
        ).createAnimation;
        const events = await subscribeWs(client, AnimationProgressDocument, { id: created.id }).untilComplete(50_000);
        return { created, events, shouldFail: prompt.includes('[fail]') };
      }),
    );

    for (const { created, events, shouldFail } of runs) {
      const last = progressOf(events).at(-1)!;
      expect(last.status).toBe(shouldFail ? 'FAILED' : 'COMPLETED');
      const messages = logMessages(events);
      expect(messages).toEqual((shouldFail ? simulatorLogs : completedLogs)(simulator, created.requestId!));
      const stored = dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id: created.id })).animation!;
      expect(stored.logs.map((log) => log.message)).toEqual(messages);
      expect(stored.status).toBe(last.status);
    }
    expect(simulator.calls.submit).toBe(50);
    // The faults really happened and were lived through: each animation opened one stream, those whose
    // stream failed were finished by polling, and failed result reads were read again.
    expect(simulator.calls.stream).toBe(50);
    const finishedByPolling = runs.filter(({ created }) => simulator.calls.byRequest(created.requestId!).status > 0);
    expect(finishedByPolling.length).toBeGreaterThanOrEqual(1);
    expect(simulator.calls.result).toBeGreaterThan(50);
  }, 90_000);

  it('keeps watching through an outage, reports it without spinning, and finishes once fal answers', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator);
    simulator.faults.rate = { status: 1, stream: 1, result: 1 };
    const created = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() })).createAnimation;
    const subscription = subscribeWs(wsClient(gateway.url), AnimationProgressDocument, { id: created.id });
    const [troubled] = progressOf(
      await subscription.waitFor((events) => progressOf(events).some((e) => e.animation.upstreamError !== null)),
    ).filter((e) => e.animation.upstreamError !== null);
    expect(troubled!.animation.upstreamError).toMatch(/fal/);
    expect(troubled!.queuePosition).toBeNull();

    // It keeps asking through the outage (awaited: five more status calls); how long it pauses between them is
    // backoffDelay's, tested on its own (test/animations/upstream/backoff.test.ts), not timed here.
    const statusCalls = () => simulator.calls.requests.filter((call) => call.path.endsWith(`/requests/${created.requestId}/status`));
    const before = statusCalls().length;
    await simulator.waitFor(() => statusCalls().length >= before + 5, 20_000);

    simulator.faults.rate = {};
    const events = progressOf(await subscription.untilComplete());
    expect(events.at(-1)!.status).toBe('COMPLETED');
    expect(events.at(-1)!.animation.upstreamError).toBeNull();
  });
});

/** Writes a SUBMITTING row straight into the store, as a gateway that crashed mid-submit leaves it. */
async function leaveSubmittingRow(dataDir: string, createdAt: Date, id = randomUUID()): Promise<string> {
  const store = await openAnimationStore({ kind: 'embedded', dataDir });
  await store.insert(newAnimationRecord({ id, prompt: 'left behind by a crash', createdAt: createdAt.toISOString() }));
  await store.close();
  return encodeGlobalID('Animation', id);
}

/** Moves a row's creation back in time, in the embedded store's database, as if it had waited that long. */
function backdate(dataDir: string, id: string, createdAt: Date): void {
  const database = new Sqlite(join(dataDir, 'gateway.sqlite'), { timeout: 10_000 });
  try {
    const { changes } = database.prepare('UPDATE animations SET created_at = ? WHERE id = ?').run(createdAt.toISOString(), id);
    if (changes !== 1) throw new Error(`no animation ${id} to backdate`);
  } finally {
    database.close();
  }
}

describe('an animation fal never confirmed', () => {
  it('is marked FAILED (SUBMIT_UNCONFIRMED) at start-up when older than the submit timeout, and not submitted again', async () => {
    const simulator = await startSimulator();
    const dataDir = temporaryDirectory();
    const id = await leaveSubmittingRow(dataDir, new Date(Date.now() - 10 * 60_000));

    const gateway = await startTestGateway(simulator, { DATA_DIR: dataDir, SUBMIT_TIMEOUT_MS: '60000' });
    const animation = dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id })).animation!;
    expect(animation.status).toBe('FAILED');
    expect(animation.error?.code).toBe('SUBMIT_UNCONFIRMED');
    expect(simulator.calls.submit).toBe(0);
  });

  it('is marked FAILED by the periodic sweep once it outlives the submit timeout', async () => {
    const simulator = await startSimulator();
    const dataDir = temporaryDirectory();
    const gateway = await startTestGateway(simulator, { DATA_DIR: dataDir, SUBMIT_TIMEOUT_MS: '500' });
    const rowId = randomUUID();
    // Dated an hour ahead, the row is one no sweep touches until the subscriber has its SUBMITTING snapshot; then it
    // is dated back past the timeout, for the next sweep.
    const id = await leaveSubmittingRow(dataDir, new Date(Date.now() + 60 * 60_000), rowId);

    const subscription = subscribeWs(wsClient(gateway.url), AnimationProgressDocument, { id });
    await subscription.waitFor((events) => events.length > 0, 15_000, 'the SUBMITTING snapshot');
    backdate(dataDir, rowId, new Date(Date.now() - 20 * 60_000));
    const events = progressOf(await subscription.untilComplete());
    expect(events.map((event) => event.status)).toEqual(['SUBMITTING', 'FAILED']);
    expect(events.at(-1)!.animation.error?.code).toBe('SUBMIT_UNCONFIRMED');
    expect(simulator.calls.submit).toBe(0);
  });

  it('answers UPSTREAM_ERROR and records FAILED when fal does not confirm a submit within the timeout', async () => {
    const simulator = await startSimulator();
    simulator.faults.latencyMs = 5_000;
    const gateway = await startTestGateway(simulator, { SUBMIT_TIMEOUT_MS: '300' });
    const result = await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_ERROR' });

    const { animations } = dataOf(await graphqlHttp(gateway.url, AnimationsDocument, {}));
    expect(animations.edges.map((edge) => edge.node.status)).toEqual(['FAILED']);
    const animation = dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id: animations.edges[0]!.node.id })).animation!;
    expect(animation.error?.code).toBe('SUBMIT_UNCONFIRMED');
  });
});

import { describe, expect, it } from 'vitest';
import { AnimationProgressDocument, AnimationsDocument, CreateAnimationDocument } from '../gql/graphql.js';
import { startGatewayProcess } from '../support/gateway-process.js';
import { dataOf, graphqlHttp, subscribeWs, wsClient } from '../support/graphql-clients.js';
import { CANARY_FAL_KEY, startSimulator, startTestGateway, temporaryDirectory } from '../support/harness.js';
import { input } from '../support/inputs.js';
import { freshPostgresDatabase } from '../support/postgres.js';
import { completedLogs, logMessages, progressOf, simulatorLogs } from '../support/progress.js';

const BACKENDS: [string, () => Promise<Record<string, string>>][] = [
  ['the embedded store', async () => ({ DATA_DIR: temporaryDirectory() })],
  ['PostgreSQL', async () => ({ DATABASE_URL: await freshPostgresDatabase() })],
];

describe.each(BACKENDS)('animations survive restarts, on %s', (_name, storeEnv) => {
  it('keeps an animation across a restart of the server object, and a new subscriber gets the current state then the rest', async () => {
    const simulator = await startSimulator();
    simulator.plan(() => ({ pauseAtStep: 4 }));
    const env = await storeEnv();
    const first = await startTestGateway(simulator, env);
    const created = dataOf(await graphqlHttp(first.url, CreateAnimationDocument, { input: input() })).createAnimation;
    await subscribeWs(wsClient(first.url), AnimationProgressDocument, { id: created.id }).waitFor((events) =>
      logMessages(events).includes('Sampling step 4/30'),
    );
    await first.stop();

    const second = await startTestGateway(simulator, env);
    const listed = dataOf(await graphqlHttp(second.url, AnimationsDocument, {})).animations.edges;
    expect(listed.map((edge) => edge.node.id)).toEqual([created.id]);

    const subscriber = subscribeWs(wsClient(second.url), AnimationProgressDocument, { id: created.id });
    const [snapshot] = progressOf(await subscriber.waitFor((events) => events.length > 0));
    expect(snapshot!.status).toBe('IN_PROGRESS');
    expect(snapshot!.newLogs.map((log) => log.message)).toEqual(simulatorLogs(simulator, created.requestId!));

    simulator.resume(created.requestId!);
    const messages = logMessages(await subscriber.untilComplete());
    expect(messages).toEqual(completedLogs(simulator, created.requestId!));
    expect(progressOf(subscriber.events).at(-1)!.status).toBe('COMPLETED');
    expect(simulator.calls.submit).toBe(1);
  });

  it('finishes an animation after the gateway process is killed with SIGKILL mid-job and started again', async () => {
    const simulator = await startSimulator({ stepMs: 15 });
    simulator.plan(() => ({ pauseAtStep: 6 }));
    const env = { ...(await storeEnv()), FAL_API_URL: simulator.url, FAL_KEY: CANARY_FAL_KEY, POLL_INTERVAL_MS: '50' };
    const doomed = await startGatewayProcess(env);
    const created = dataOf(await graphqlHttp(doomed.url, CreateAnimationDocument, { input: input() })).createAnimation;
    await subscribeWs(wsClient(doomed.url), AnimationProgressDocument, { id: created.id }).waitFor((events) =>
      logMessages(events).includes('Sampling step 6/30'),
    );
    expect(await doomed.kill('SIGKILL')).toBe('SIGKILL');

    simulator.resume(created.requestId!);
    const revived = await startGatewayProcess(env);
    const messages = logMessages(await subscribeWs(wsClient(revived.url), AnimationProgressDocument, { id: created.id }).untilComplete());
    expect(messages).toEqual(completedLogs(simulator, created.requestId!));
    expect(new Set(messages).size).toBe(messages.length);
    const { animations } = dataOf(await graphqlHttp(revived.url, AnimationsDocument, {}));
    expect(animations.edges[0]!.node.status).toBe('COMPLETED');
    expect(simulator.calls.submit).toBe(1);
  });
});

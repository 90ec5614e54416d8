import { describe, expect, it } from 'vitest';
import { AnimationProgressDocument, CreateAnimationDocument } from '../gql/graphql.js';
import { startGatewayProcess } from '../support/gateway-process.js';
import { dataOf, graphqlHttp, subscribeWs, wsClient } from '../support/graphql-clients.js';
import { CANARY_FAL_KEY, startSimulator, temporaryDirectory } from '../support/harness.js';
import { input } from '../support/inputs.js';
import { freshPostgresDatabase } from '../support/postgres.js';
import { completedLogs, logMessages, progressOf } from '../support/progress.js';
import { freshRedisPrefix, REDIS_URL } from '../support/redis.js';
import type { FalSimulator } from '@uni-animate/fal-simulator';

const LEASE_TTL_MS = 3_000;
const TAKEOVER_BOUND_MS = 15_000;

async function clusterEnv(simulator: FalSimulator) {
  return {
    DATABASE_URL: await freshPostgresDatabase(),
    REDIS_URL,
    REDIS_PREFIX: await freshRedisPrefix(),
    FAL_API_URL: simulator.url,
    FAL_KEY: CANARY_FAL_KEY,
    POLL_INTERVAL_MS: '50',
    LEASE_TTL_MS: String(LEASE_TTL_MS),
    LEASE_RENEW_MS: '500',
    // Replicas share where results are kept, and the secret their URLs are signed with.
    DATA_DIR: temporaryDirectory(),
    MEDIA_SIGNING_SECRET: 'media-signing-secret-shared-by-replicas-0123',
  };
}

/** How many animations a replica follows upstream right now, from its /metrics. */
async function watchers(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^gateway_watchers (\d+)$/m.exec(text)![1]);
}

describe('two replicas on one PostgreSQL and one Redis', () => {
  it('lets a subscriber on B follow live an animation created on A, with one upstream stream in the whole cluster', async () => {
    const simulator = await startSimulator({ concurrency: 3 });
    simulator.plan(() => ({ pauseAtStep: 5 }));
    const env = await clusterEnv(simulator);
    const [a, b] = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)]);

    const ids = [];
    for (let i = 0; i < 3; i++) {
      ids.push(dataOf(await graphqlHttp(a.url, CreateAnimationDocument, { input: input({ prompt: `dance ${i}` }) })).createAnimation);
    }
    const onB = ids.map((created) => subscribeWs(wsClient(b.url), AnimationProgressDocument, { id: created.id }));
    await Promise.all(onB.map((s) => s.waitFor((events) => logMessages(events).includes('Sampling step 5/30'))));
    for (const created of ids) simulator.resume(created.requestId!);

    for (const [i, created] of ids.entries()) {
      const events = await onB[i]!.untilComplete();
      expect(progressOf(events).at(-1)!.status).toBe('COMPLETED');
      expect(logMessages(events)).toEqual(completedLogs(simulator, created.requestId!));
      expect(simulator.calls.byRequest(created.requestId!)).toEqual({ stream: 1, status: 0, result: 1, cancel: 0, resultFile: 1 });
    }
  });

  it('finishes, on the other replica and within the takeover bound, an animation whose watching replica was killed', async () => {
    const simulator = await startSimulator();
    simulator.plan(() => ({ pauseAtStep: 5 }));
    const env = await clusterEnv(simulator);
    const replicas = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)]);
    const created = dataOf(await graphqlHttp(replicas[0].url, CreateAnimationDocument, { input: input() })).createAnimation;
    // The job may reach its pause before the watching replica has opened the stream: wait for both.
    await simulator.waitFor(
      () => simulator.job(created.requestId!)?.paused === true && simulator.calls.byRequest(created.requestId!).stream > 0,
    );
    expect(simulator.calls.byRequest(created.requestId!).stream).toBe(1);

    // Whichever replica took the lease watches the animation: kill that one, follow on the other.
    const watching = await Promise.all(replicas.map((replica) => watchers(replica.url)));
    expect([...watching].sort()).toEqual([0, 1]);
    const [holder, survivor] = watching[0] === 1 ? replicas : [replicas[1], replicas[0]];
    const onSurvivor = subscribeWs(wsClient(survivor.url), AnimationProgressDocument, { id: created.id });
    await onSurvivor.waitFor((events) => logMessages(events).includes('Sampling step 5/30'));

    expect(await holder.kill('SIGKILL')).toBe('SIGKILL');
    simulator.resume(created.requestId!);
    // The takeover bound is the bound of this wait, started once the holder is dead; no duration is measured.
    const events = await onSurvivor.untilComplete(TAKEOVER_BOUND_MS);

    expect(progressOf(events).at(-1)!.status).toBe('COMPLETED');
    expect(logMessages(events)).toEqual(completedLogs(simulator, created.requestId!));
    expect(survivor.lines.some((line) => line.includes('took over an animation'))).toBe(true);
  }, 60_000);
});

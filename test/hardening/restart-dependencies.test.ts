import { describe, expect, it } from 'vitest';
import { AnimationProgressDocument, AnimationsDocument, CreateAnimationDocument } from '../gql/graphql.js';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { dataOf, graphqlHttp, subscribeWs, wsClient } from '../support/graphql-clients.js';
import { CANARY_FAL_KEY, startSimulator, temporaryDirectory } from '../support/harness.js';
import { input } from '../support/inputs.js';
import { privatePostgresUnavailable, startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';
import { privateRedisUnavailable, startPrivateRedis, type PrivateRedis } from '../support/private-redis.js';
import { completedLogs, logMessages, progressOf } from '../support/progress.js';
import type { FalSimulator } from '@uni-animate/fal-simulator';

const PAUSE_AT_STEP = 3;
/** Bound on /readyz giving the awaited answer on every replica. */
const READINESS_BOUND_MS = 15_000;
/** Bound on every subscription completing once the jobs go on (a lapsed lease's takeover included). */
const COMPLETION_BOUND_MS = 30_000;
/** Bound on the simulator reaching an awaited state. */
const SIMULATOR_BOUND_MS = 15_000;

const unavailable = privatePostgresUnavailable() ?? privateRedisUnavailable();

/** Polls /readyz on every replica until each answers `status`; after the bound, fails with what it last saw. */
async function untilReadiness(replicas: GatewayProcess[], status: 200 | 503, what: string): Promise<void> {
  const deadline = Date.now() + READINESS_BOUND_MS;
  for (;;) {
    const seen = await Promise.all(
      replicas.map((replica) =>
        fetch(`${replica.url}/readyz`, { signal: AbortSignal.timeout(3_000) }).then(
          (response) => response.status,
          (error: unknown) => String(error),
        ),
      ),
    );
    if (seen.every((answer) => answer === status)) return;
    if (Date.now() > deadline) {
      const logs = replicas.map((replica, n) => `replica ${n}:\n${replica.lines.slice(-15).join('\n')}`).join('\n');
      throw new Error(`${what}: /readyz still answered ${JSON.stringify(seen)} after ${READINESS_BOUND_MS} ms\n${logs}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Each replica's /readyz body. */
async function readinessBodies(replicas: GatewayProcess[]): Promise<unknown[]> {
  return Promise.all(
    replicas.map(async (replica) => (await fetch(`${replica.url}/readyz`, { signal: AbortSignal.timeout(10_000) })).json()),
  );
}

/** The /readyz body of a replica with `down` named down, and the rest (fal included) up. */
function downBody(down: 'store' | 'redis') {
  return {
    ready: false,
    reason: 'dependency down',
    dependencies: { store: 'up', redis: 'up', mediaStore: 'up', fal: 'up', [down]: 'down' },
  };
}

type Follower = { requestId: string; replica: number; subscription: ReturnType<typeof followOn> };

function followOn(replica: GatewayProcess, id: string) {
  return subscribeWs(wsClient(replica.url), AnimationProgressDocument, { id });
}

interface Cluster {
  simulator: FalSimulator;
  postgres: PrivatePostgres;
  redis: PrivateRedis;
  replicas: GatewayProcess[];
  created: { id: string; requestId: string }[];
  followers: Follower[];
}

/**
 * Two replicas on a private PostgreSQL and a private Redis, four animations (two created
 * on each replica) paused mid-job, each followed by a subscriber on both replicas.
 */
async function pausedCluster(): Promise<Cluster> {
  const simulator = await startSimulator({ concurrency: 10 });
  simulator.plan(() => ({ pauseAtStep: PAUSE_AT_STEP }));
  const [postgres, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis()]);
  const env = {
    DATABASE_URL: postgres.url,
    DATABASE_POOL_SIZE: '4',
    REDIS_URL: redis.url,
    FAL_API_URL: simulator.url,
    FAL_KEY: CANARY_FAL_KEY,
    POLL_INTERVAL_MS: '50',
    MAX_BACKOFF_MS: '400',
    LEASE_TTL_MS: '2000',
    LEASE_RENEW_MS: '400',
    DATA_DIR: temporaryDirectory(),
    MEDIA_SIGNING_SECRET: 'media-signing-secret-shared-by-replicas-0123',
  };
  const replicas = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)]);
  const created: Cluster['created'] = [];
  for (let i = 0; i < 4; i++) {
    const { id, requestId } = dataOf(
      await graphqlHttp(replicas[i % 2]!.url, CreateAnimationDocument, { input: input({ prompt: `dance ${i}` }) }),
    ).createAnimation;
    created.push({ id, requestId: requestId! });
  }
  const followers = created.flatMap(({ id, requestId }) =>
    replicas.map((replica, n) => ({ requestId, replica: n, subscription: followOn(replica, id) })),
  );
  const paused = `Sampling step ${PAUSE_AT_STEP}/30`;
  await Promise.all(followers.map(({ subscription }) => subscription.waitFor((events) => logMessages(events).includes(paused))));
  // Every job waits at its pause, and is watched upstream.
  await simulator.waitFor(
    () => created.every(({ requestId }) => simulator.job(requestId)?.paused === true && simulator.calls.byRequest(requestId).stream > 0),
    SIMULATOR_BOUND_MS,
  );
  return { simulator, postgres, redis, replicas, created, followers };
}

/** Every subscriber, on either replica, saw every log line of its animation and then COMPLETED; fal got each job once. */
async function expectEveryAnimationFinished({ simulator, replicas, created, followers }: Cluster): Promise<void> {
  for (const { requestId, replica, subscription } of followers) {
    const events = await subscription.untilComplete(COMPLETION_BOUND_MS).catch((error: unknown) => {
      const logs = replicas.map((r, n) => `replica ${n}:\n${r.lines.slice(-20).join('\n')}`).join('\n');
      throw new Error(`subscriber on replica ${replica}: ${String(error)}\n${logs}`, { cause: error });
    });
    expect(progressOf(events).at(-1)!.status, `subscriber on replica ${replica}`).toBe('COMPLETED');
    expect(logMessages(events), `subscriber on replica ${replica}`).toEqual(completedLogs(simulator, requestId));
  }
  const listed = dataOf(await graphqlHttp(replicas[1]!.url, AnimationsDocument, { first: 10 })).animations.edges;
  expect(listed.map((edge) => edge.node.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED']);
  expect(simulator.calls.submit).toBe(created.length);
  expect(simulator.calls.cancel).toBe(0);
}

/** Lets two jobs run to their end while a dependency is down; the other two stay paused. */
async function finishHalfTheJobs({ simulator, created }: Cluster): Promise<void> {
  const early = created.slice(0, 2);
  for (const { requestId } of early) simulator.resume(requestId);
  await simulator.waitFor(() => early.every(({ requestId }) => simulator.job(requestId)?.status === 'COMPLETED'), SIMULATOR_BOUND_MS);
}

function resumeTheRest({ simulator, created }: Cluster): void {
  for (const { requestId } of created.slice(2)) simulator.resume(requestId);
}

describe.skipIf(unavailable !== undefined)(
  `a dependency restarted while animations run${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    it('PostgreSQL: not ready while it is down, ready after, and nothing is lost', async () => {
      const cluster = await pausedCluster();
      await cluster.postgres.stop();
      await untilReadiness(cluster.replicas, 503, 'PostgreSQL down');
      expect(await readinessBodies(cluster.replicas)).toEqual([downBody('store'), downBody('store')]);
      await finishHalfTheJobs(cluster);
      await cluster.postgres.start();
      await untilReadiness(cluster.replicas, 200, 'PostgreSQL back');
      resumeTheRest(cluster);
      await expectEveryAnimationFinished(cluster);
      for (const replica of cluster.replicas) expect(replica.child.exitCode).toBeNull();
    }, 120_000);

    it('PostgreSQL: pg_ctl restart -m fast mid-job loses nothing', async () => {
      const cluster = await pausedCluster();
      await cluster.postgres.restart();
      await untilReadiness(cluster.replicas, 200, 'PostgreSQL restarted');
      for (const { requestId } of cluster.created) cluster.simulator.resume(requestId);
      await expectEveryAnimationFinished(cluster);
    }, 120_000);

    it('Redis: not ready while it is down, ready after, and every subscriber on both replicas gets every event', async () => {
      const cluster = await pausedCluster();
      await cluster.redis.stop();
      await untilReadiness(cluster.replicas, 503, 'Redis down');
      expect(await readinessBodies(cluster.replicas)).toEqual([downBody('redis'), downBody('redis')]);
      await finishHalfTheJobs(cluster);
      await cluster.redis.start();
      await untilReadiness(cluster.replicas, 200, 'Redis back');
      resumeTheRest(cluster);
      await expectEveryAnimationFinished(cluster);
      for (const replica of cluster.replicas) expect(replica.child.exitCode).toBeNull();
    }, 120_000);
  },
);

/**
 * Helpers shared by the subscription rows: a paused animation to subscribe to, subscriptions to
 * it, latency per round.
 */
import { BENCH_AUTHORIZATION } from '../config.js';
import { ANIMATION_PROGRESS, ANIMATION_STATUS, CREATE_ANIMATION, createInput } from './documents.js';
import { pollUntil } from './processes.js';
import { graphql, type GatewayProcess, type SimulatorProcess } from './services.js';
import { summarise, type LatencySummary } from './stats.js';
import type { OpenResult, WsLoadClient } from './ws-load.js';

export interface PausedAnimation {
  id: string;
  requestId: string;
}

/**
 * Creates an animation whose simulator plan (picked by `prompt`) pauses it, and waits until the
 * simulator holds it paused and the gateway has recorded it IN_PROGRESS: from then on nothing
 * changes upstream until resume().
 */
export async function createPausedAnimation(
  gateway: GatewayProcess,
  sim: SimulatorProcess,
  prompt: string,
  timeoutMs = 20_000,
): Promise<PausedAnimation> {
  const { createAnimation } = await graphql<{ createAnimation: { id: string; requestId: string | null } }>(
    gateway.graphqlUrl,
    CREATE_ANIMATION,
    { input: createInput(prompt) },
  );
  const requestId = createAnimation.requestId;
  if (!requestId) throw new Error(`createAnimation gave no requestId: ${JSON.stringify(createAnimation)}`);
  await pollUntil('simulator job paused', async () => (await sim.job(requestId)).paused, { timeoutMs, intervalMs: 20 });
  await pollUntil(
    'gateway recorded IN_PROGRESS',
    async () => {
      const { animation } = await graphql<{ animation: { status: string } | null }>(gateway.graphqlUrl, ANIMATION_STATUS, {
        id: createAnimation.id,
      });
      return animation?.status === 'IN_PROGRESS';
    },
    { timeoutMs, intervalMs: 20 },
  );
  return { id: createAnimation.id, requestId };
}

export interface ProgressSubscriptions {
  /** The server's WebSocket URL (the gateway's, or W's, which takes any id). */
  url: string;
  animationId: string;
  count: number;
  batch: number;
  timeoutMs: number;
  /** Limit of one batch; 15 s unless given. */
  batchTimeoutMs?: number;
}

/** Opens `count` more animationProgress subscriptions, one per socket, with the bench's API key. */
export function openProgressSubscriptions(client: WsLoadClient, options: ProgressSubscriptions): Promise<OpenResult> {
  return client.open({
    url: options.url,
    count: options.count,
    batch: options.batch,
    query: ANIMATION_PROGRESS,
    variables: { id: options.animationId },
    authorization: BENCH_AUTHORIZATION,
    batchTimeoutMs: options.batchTimeoutMs ?? 15_000,
    timeoutMs: options.timeoutMs,
  });
}

export interface RoundFigures {
  round: number;
  step: number;
  expected: number;
  received: number;
  /** ms from the change (t0) to each subscriber's receipt */
  latencyMs: LatencySummary;
}

/** Latencies (ms) of one round from receive times and the change's t0, both µs of CLOCK_MONOTONIC. */
export function roundFigures(round: number, step: number, expected: number, recvUs: readonly number[], t0Us: number): RoundFigures {
  return {
    round,
    step,
    expected,
    received: recvUs.length,
    latencyMs: summarise(recvUs.map((us) => (us - t0Us) / 1000)),
  };
}

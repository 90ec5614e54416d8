/**
 * Sizes and settings of a bench run. `full` is what `npm run bench` runs (the method);
 * BENCH_QUICK=1 shortens it; `smoke` is the tiny version the test suite runs.
 *
 * Environment flags:
 *   BENCH_QUICK=1            1 HTTP run of 3 s, smaller N everywhere (about 3 minutes)
 *   BENCH_ROWS=H1,S2         only these rows (their baselines still run)
 *   BENCH_PROFILE=0|1|auto   CPU-profile the gateway for missed rows (default auto: full runs only)
 *   BENCH_NO_PIN=1           do not pin processes with taskset
 *   BENCH_OUT_DIR=dir        where BENCHMARKS.md and bench-results.json go (default: bench/results)
 *   BENCH_GATEWAY_ENV='{…}'  extra environment for the gateway (JSON), e.g. new limit settings
 *   BENCH_KEEP_LOGS=1        keep the work directory (logs, data dirs, profiles)
 */
import type { HttpLoadSize } from './lib/http-load.js';

export type BenchMode = 'full' | 'quick' | 'smoke';
export const ROW_IDS = ['H1', 'H2', 'P1', 'P2', 'R1', 'S1', 'S2', 'S3', 'S4', 'U1'] as const;
export type RowId = (typeof ROW_IDS)[number];

/** The API key every bench client sends (Authorization: Bearer …, or connection_init { authorization }). */
export const BENCH_OWNER = 'bench';
// The gateway being built asks for API keys of at least 16 characters.
export const BENCH_API_KEY = 'bench-key-123-0123456789';
export const BENCH_AUTHORIZATION = `Bearer ${BENCH_API_KEY}`;
/** The fal key the gateway and P1's proxy send upstream (the simulator accepts any). */
export const BENCH_FAL_KEY = 'bench';

export interface FanoutSize {
  /** Subscription counts at which RSS is read after GC (S1); the last one is the fan-out size (S2, S4). */
  rssSteps: number[];
  batch: number;
  /** Upstream changes fanned out for S2, one per intervalMs (the simulator's step time for that job). */
  rounds: number;
  intervalMs: number;
  roundTimeoutMs: number;
  openTimeoutMs: number;
}

export interface BenchConfig {
  mode: BenchMode;
  pin: boolean;
  /** `dist`: node dist/main.js (after npm run build); `source`: node --conditions=@uni-animate/source --import tsx src/main.ts. */
  gatewayEntry: 'dist' | 'source';
  rows: Set<RowId>;
  profile: boolean;
  /** H2's diagnostic run with jobs held in the upstream queue (skipped by the smoke run, for time). */
  h2Diagnostic: boolean;
  /** Extra gateway environment (limits high enough for load, the bench's API key). */
  gatewayEnv: Record<string, string>;
  http: HttpLoadSize;
  /** P1: createAnimation with jobs held upstream, and the fal proxy's submit, alternating run by run. */
  p1: HttpLoadSize;
  /** P2: createAnimation with each job's whole lifecycle (`steps` log steps of stepMs), then a bounded wait for every lifecycle. */
  p2: HttpLoadSize & { steps: number; stepMs: number; settleTimeoutMs: number };
  /** R1: how many animations the owner has before `animations(first: 20)` is loaded (at the `http` size). */
  r1: { animations: number };
  /** createAnimation load for S4 (idle and during the fan-out). */
  s4: HttpLoadSize;
  fanout: FanoutSize;
  s3: { clients: number; perClient: number; batch: number; openTimeoutMs: number };
  u1: { subscribers: number[]; steps: number; stepMs: number; timeoutMs: number; pollIntervalMs: number };
  /** The whole run must end before this many ms (rows left over are reported as skipped). */
  budgetMs: number;
}

/** The gateway settings every bench gateway gets: one API key, limits far above what the bench does. */
export function benchGatewayEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    API_KEYS: `${BENCH_OWNER}:${BENCH_API_KEY}`,
    MAX_ACTIVE_ANIMATIONS: '10000000',
    MAX_ANIMATIONS_PER_HOUR: '100000000',
    MAX_SOCKETS_PER_OWNER: '100000',
    MAX_SUBSCRIPTIONS_PER_SOCKET: '100',
    ...extra,
  };
}

function parseRows(value: string | undefined): Set<RowId> {
  if (!value) return new Set(ROW_IDS);
  const wanted = value.split(',').map((row) => row.trim().toUpperCase());
  return new Set(ROW_IDS.filter((row) => wanted.includes(row)));
}

export function benchConfig(mode: BenchMode, env: Record<string, string | undefined> = process.env): BenchConfig {
  const extraEnv = env.BENCH_GATEWAY_ENV ? (JSON.parse(env.BENCH_GATEWAY_ENV) as Record<string, string>) : {};
  const common = {
    mode,
    pin: env.BENCH_NO_PIN !== '1',
    rows: parseRows(env.BENCH_ROWS),
    gatewayEnv: benchGatewayEnv(extraEnv),
  };
  const profileFlag = env.BENCH_PROFILE ?? 'auto';
  switch (mode) {
    case 'full':
      return {
        ...common,
        gatewayEntry: 'dist',
        profile: profileFlag === '1' || profileFlag === 'auto',
        h2Diagnostic: true,
        http: { connections: 50, warmupSec: 3, runs: 3, durationSec: 10 },
        // 5 s runs: every job stays queued, so the gateway keeps a status stream open per create (fds).
        p1: { connections: 20, warmupSec: 3, runs: 3, durationSec: 5 },
        p2: { connections: 50, warmupSec: 3, runs: 3, durationSec: 10, steps: 30, stepMs: 10, settleTimeoutMs: 120_000 },
        r1: { animations: 10_000 },
        s4: { connections: 50, warmupSec: 3, runs: 3, durationSec: 10 },
        fanout: {
          rssSteps: [1_000, 5_000, 10_000],
          batch: 200,
          rounds: 5,
          intervalMs: 3_000,
          roundTimeoutMs: 30_000,
          openTimeoutMs: 90_000,
        },
        s3: { clients: 2, perClient: 9_500, batch: 200, openTimeoutMs: 90_000 },
        u1: { subscribers: [1, 100, 1_000], steps: 10, stepMs: 200, timeoutMs: 60_000, pollIntervalMs: 500 },
        budgetMs: 15 * 60_000,
      };
    case 'quick':
      return {
        ...common,
        gatewayEntry: 'dist',
        profile: profileFlag === '1',
        h2Diagnostic: true,
        http: { connections: 50, warmupSec: 1, runs: 1, durationSec: 3 },
        p1: { connections: 20, warmupSec: 1, runs: 1, durationSec: 3 },
        p2: { connections: 50, warmupSec: 1, runs: 1, durationSec: 3, steps: 30, stepMs: 10, settleTimeoutMs: 60_000 },
        r1: { animations: 10_000 },
        s4: { connections: 50, warmupSec: 1, runs: 1, durationSec: 3 },
        fanout: { rssSteps: [500, 2_000], batch: 200, rounds: 2, intervalMs: 1_500, roundTimeoutMs: 20_000, openTimeoutMs: 60_000 },
        s3: { clients: 2, perClient: 2_000, batch: 200, openTimeoutMs: 60_000 },
        u1: { subscribers: [1, 20, 100], steps: 5, stepMs: 100, timeoutMs: 30_000, pollIntervalMs: 500 },
        budgetMs: 7 * 60_000,
      };
    case 'smoke':
      return {
        ...common,
        // Unpinned: the smoke run shares the machine with the rest of the test suite.
        pin: false,
        gatewayEntry: 'source',
        profile: false,
        h2Diagnostic: false,
        http: { connections: 5, warmupSec: 0, runs: 1, durationSec: 1, amount: 60 },
        p1: { connections: 5, warmupSec: 0, runs: 1, durationSec: 1, amount: 40 },
        p2: { connections: 5, warmupSec: 0, runs: 1, durationSec: 1, amount: 40, steps: 30, stepMs: 1, settleTimeoutMs: 30_000 },
        r1: { animations: 200 },
        s4: { connections: 5, warmupSec: 0, runs: 1, durationSec: 1, amount: 40 },
        fanout: { rssSteps: [10, 20], batch: 10, rounds: 1, intervalMs: 150, roundTimeoutMs: 10_000, openTimeoutMs: 10_000 },
        s3: { clients: 2, perClient: 15, batch: 10, openTimeoutMs: 10_000 },
        u1: { subscribers: [1, 3, 5], steps: 3, stepMs: 20, timeoutMs: 10_000, pollIntervalMs: 500 },
        budgetMs: 5 * 60_000,
      };
  }
}

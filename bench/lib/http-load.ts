/**
 * HTTP load with autocannon in a separate process (pinned to the load CPU), measuring the server's
 * CPU per request from /proc/<pid>/stat and its RSS around each run, as in §5 of the reference.
 */
import type { AutocannonFigures, AutocannonSpec } from './autocannon-worker.js';
import { REPO_ROOT, repoPath, TSX_ARGS } from './paths.js';
import { cpuTicks, rssKiB, ticksToUs } from './proc.js';
import type { ProcessGroup } from './processes.js';
import { median } from './stats.js';

export interface HttpLoadSize {
  connections: number;
  warmupSec: number;
  runs: number;
  durationSec: number;
  /** Requests per run instead of a duration (smoke runs). */
  amount?: number;
}

export interface HttpRun extends AutocannonFigures {
  serverCpuUsPerRequest: number;
  serverCpuPercent: number;
  serverRssKiB: number;
}

export interface HttpLoadResult {
  label: string;
  runs: HttpRun[];
  /** Median of the runs, figure by figure. */
  median: {
    rps: number;
    p50Ms: number;
    p99Ms: number;
    maxMs: number;
    serverCpuUsPerRequest: number;
    serverRssKiB: number;
  };
  /** Responses that were not 2xx, carried GraphQL errors, or failed, over all measured runs. */
  failures: number;
  errorSamples: string[];
}

export interface HttpLoadTarget {
  label: string;
  url: string;
  body: string;
  headers: Record<string, string>;
  serverPid: number;
  /** Every response body must hold `needle` exactly `count` times, or it counts as failed. */
  expectCount?: AutocannonSpec['expectCount'];
}

export interface LoadOptions {
  cpu: number;
  pin: boolean;
}

async function runOnce(group: ProcessGroup, spec: AutocannonSpec, options: LoadOptions, onStart?: () => void): Promise<AutocannonFigures> {
  const proc = group.spawnNode('autocannon', {
    nodeArgs: TSX_ARGS,
    args: [repoPath('bench/lib/autocannon-worker.ts'), JSON.stringify(spec)],
    cpu: options.cpu,
    pin: options.pin,
    cwd: REPO_ROOT,
  });
  const bound = (spec.amount ? 120 : spec.durationSec + 30) * 1000;
  const line = await proc
    .waitForLine(/^BENCH_AUTOCANNON_START$/, 30_000)
    .then(() => {
      onStart?.();
      return proc.waitForLine(/^BENCH_AUTOCANNON (.*)$/, bound);
    })
    .finally(() => proc.stop(2_000));
  return JSON.parse(line[1]!) as AutocannonFigures;
}

function specOf(target: HttpLoadTarget, size: HttpLoadSize, durationSec: number, amount?: number): AutocannonSpec {
  return {
    url: target.url,
    connections: size.connections,
    durationSec,
    ...(amount ? { amount } : {}),
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...target.headers },
    body: target.body,
    ...(target.expectCount ? { expectCount: target.expectCount } : {}),
  };
}

/** The warm-up: `size.warmupSec` of the same load, not measured. */
export async function warmUp(group: ProcessGroup, target: HttpLoadTarget, size: HttpLoadSize, options: LoadOptions): Promise<void> {
  if (size.warmupSec > 0) await runOnce(group, specOf(target, size, size.warmupSec), options);
}

/** One measured run: the load's figures and the server's CPU and RSS over it. */
export async function measureRun(group: ProcessGroup, target: HttpLoadTarget, size: HttpLoadSize, options: LoadOptions): Promise<HttpRun> {
  let before = cpuTicks(target.serverPid);
  let started = performance.now();
  const figures = await runOnce(group, specOf(target, size, size.durationSec, size.amount), options, () => {
    before = cpuTicks(target.serverPid);
    started = performance.now();
  });
  const wallUs = (performance.now() - started) * 1000;
  const usedUs = ticksToUs(cpuTicks(target.serverPid) - before);
  return {
    ...figures,
    serverCpuUsPerRequest: figures.requests > 0 ? usedUs / figures.requests : Number.NaN,
    serverCpuPercent: (usedUs / wallUs) * 100,
    serverRssKiB: rssKiB(target.serverPid),
  };
}

/** The medians and failures of measured runs. */
export function summariseRuns(label: string, runs: HttpRun[]): HttpLoadResult {
  return {
    label,
    runs,
    median: {
      rps: median(runs.map((r) => r.rps)),
      p50Ms: median(runs.map((r) => r.latencyMs.p50)),
      p99Ms: median(runs.map((r) => r.latencyMs.p99)),
      maxMs: median(runs.map((r) => r.latencyMs.max)),
      serverCpuUsPerRequest: median(runs.map((r) => r.serverCpuUsPerRequest)),
      serverRssKiB: median(runs.map((r) => r.serverRssKiB)),
    },
    failures: runs.reduce((sum, r) => sum + r.non2xx + r.errors + r.mismatches, 0),
    errorSamples: runs.flatMap((run) => run.errorSamples).slice(0, 3),
  };
}

/** Warm-up (not measured), then `runs` measured runs. */
export async function runHttpLoad(
  group: ProcessGroup,
  target: HttpLoadTarget,
  size: HttpLoadSize,
  options: LoadOptions & { onRun?: (run: HttpRun, index: number) => void },
): Promise<HttpLoadResult> {
  await warmUp(group, target, size, options);
  const runs: HttpRun[] = [];
  for (let i = 0; i < size.runs; i++) {
    const run = await measureRun(group, target, size, options);
    runs.push(run);
    options.onRun?.(run, i);
  }
  return summariseRuns(target.label, runs);
}

/**
 * `npm run bench`: every row of issues 7 and 16 (H1, H2, P1, P2, R1, S1, S2, S3, S4, U1), each
 * beside its baseline measured in this run, then BENCHMARKS.md and bench-results.json. Bounded: every loop has a
 * count and a time limit, the run a budget; every process it starts is stopped by its pid (also on
 * error and SIGINT). Flags: see bench/config.ts (BENCH_QUICK=1 for a short run).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { benchConfig, ROW_IDS, type BenchConfig, type RowId } from './config.js';
import { cpuCounters, machineInfo, noiseSince } from './lib/machine.js';
import { RESULTS_DIR } from './lib/paths.js';
import { killAllChildren, killAllChildrenAndWait, liveChildPids } from './lib/processes.js';
import { writeReport, type BenchReport } from './lib/report.js';
import { failedRow, skippedRow, type RowContext, type RowResult } from './lib/row.js';
import { measureB } from './rows/b.js';
import { runGatewayFanout } from './rows/gateway-fanout.js';
import { runH1 } from './rows/h1.js';
import { runH2 } from './rows/h2.js';
import { evaluateP1, measureP1, type P1Figures } from './rows/p1.js';
import { evaluateP2, measureP2 } from './rows/p2.js';
import { profileFanout, profileHttp, type ProfileSection } from './rows/profile.js';
import { runR1 } from './rows/r1.js';
import { evaluateS1 } from './rows/s1.js';
import { evaluateS2 } from './rows/s2.js';
import { runS3 } from './rows/s3.js';
import { evaluateS4 } from './rows/s4.js';
import { runU1 } from './rows/u1.js';
import { measureWFanout } from './rows/w-fanout.js';

export interface RunOptions {
  /** Where BENCHMARKS.md and bench-results.json go; nothing is written when undefined. */
  outDir?: string;
  log?: (message: string) => void;
  /** The scratch directory (logs, data dirs, profiles): kept on error by default, or always/never. */
  keepWorkDir?: 'always' | 'never' | 'on-error';
}

class Budget {
  private readonly started = performance.now();
  constructor(private readonly totalMs: number) {}
  get remainingMs(): number {
    return this.totalMs - (performance.now() - this.started);
  }
}

/**
 * Runs `work` with at most `limitMs`; past it, every child process is killed (so the work's own
 * waits fail fast) and the promise rejects.
 */
async function bounded<T>(what: string, limitMs: number, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      killAllChildren();
      reject(new Error(`${what}: over its time limit of ${Math.round(limitMs / 1000)} s`));
    }, limitMs);
  });
  try {
    return await Promise.race([work(), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs one row; its error, if it throws, becomes its ERROR row. */
async function rowOrError(id: RowId, run: () => Promise<RowResult>): Promise<RowResult> {
  const started = performance.now();
  return run().catch((error: unknown) => failedRow(id, error, performance.now() - started));
}

type Group = { name: string; rows: RowId[]; estimateMs: number; run: () => Promise<RowResult[]> };

function groups(ctx: RowContext): Group[] {
  const { config } = ctx;
  const want = (...ids: RowId[]) => ids.filter((id) => config.rows.has(id));
  const smoke = config.mode === 'smoke';
  const httpMs = (config.http.warmupSec + config.http.runs * config.http.durationSec) * 1000 + 8_000;
  const s4Ms = 2 * ((config.s4.warmupSec + config.s4.runs * config.s4.durationSec) * 1000 + 8_000);
  const { p1, p2 } = config;
  // Both sides' warm-ups and runs, and a wait for the server to be idle after each run.
  const p1Ms = 2 * (p1.warmupSec + p1.runs * p1.durationSec) * 1000 + 2 * p1.runs * 2_000 + 15_000;
  const p2Ms = (p2.warmupSec + p2.runs * p2.durationSec) * 1000 + 8_000 + p2.settleTimeoutMs / 4;
  return [
    {
      name: 'HTTP (B, H1, H2, R1)',
      rows: want('H1', 'H2', 'R1'),
      // B, H1, H2, H2's diagnostic run (warm-up and one run), and R1 with its seeding.
      estimateMs:
        (want('H1', 'H2', 'R1').length + 1) * httpMs +
        (config.h2Diagnostic ? (config.http.warmupSec + config.http.durationSec) * 1000 + 10_000 : 0) +
        (config.rows.has('R1') ? 10_000 : 0),
      run: async () => {
        const started = performance.now();
        // Full runs measure B alone first; a smoke run (code paths, not timings) overlaps everything.
        const b = measureB(ctx);
        b.catch(() => undefined);
        if (!smoke) {
          try {
            await b;
          } catch (error) {
            return want('H1', 'H2', 'R1').map((id) => failedRow(id, error, performance.now() - started));
          }
        }
        const rows = (
          [
            ['H1', runH1],
            ['H2', runH2],
            ['R1', runR1],
          ] as const
        )
          .filter(([id]) => config.rows.has(id))
          .map(
            ([id, run]) =>
              () =>
                rowOrError(id, () => run(ctx, b)),
          );
        if (smoke) return Promise.all(rows.map((row) => row()));
        const out: RowResult[] = [];
        for (const row of rows) out.push(await row());
        return out;
      },
    },
    {
      name: 'createAnimation vs the fal proxy (P1: proxy and gateway alternating; then P2)',
      rows: want('P1', 'P2'),
      // P2's target is a ratio to P1's gateway figure, so P1 is measured whenever P2 runs.
      estimateMs: p1Ms + (config.rows.has('P2') ? p2Ms : 0),
      run: async () => {
        const started = performance.now();
        // A smoke run (code paths, not timings) measures P2 beside P1.
        const pendingP2 = smoke && config.rows.has('P2') ? measureP2(ctx) : undefined;
        pendingP2?.catch(() => undefined);
        let p1Figures: P1Figures;
        try {
          p1Figures = await measureP1(ctx);
        } catch (error) {
          return want('P1', 'P2').map((id) => failedRow(id, error, performance.now() - started));
        }
        const out: RowResult[] = [];
        if (config.rows.has('P1')) out.push(evaluateP1(p1Figures, performance.now() - started));
        if (config.rows.has('P2')) {
          const p2Started = performance.now();
          out.push(
            await rowOrError('P2', async () =>
              evaluateP2(await (pendingP2 ?? measureP2(ctx)), p1Figures.gateway.load, performance.now() - p2Started),
            ),
          );
        }
        return out;
      },
    },
    {
      name: 'fan-out (W, then the gateway: S1, S4 idle, S2, S4 during fan-out)',
      rows: want('S1', 'S2', 'S4'),
      estimateMs: 60_000 + s4Ms + config.fanout.rounds * config.fanout.intervalMs,
      run: async () => {
        const started = performance.now();
        const ids = want('S1', 'S2', 'S4');
        try {
          const pending = smoke ? runGatewayFanout(ctx) : undefined;
          pending?.catch(() => undefined);
          const w = await measureWFanout(ctx);
          const gateway = await (pending ?? runGatewayFanout(ctx));
          const elapsed = performance.now() - started;
          const out: RowResult[] = [];
          if (config.rows.has('S1')) out.push(evaluateS1(gateway, w, elapsed));
          if (config.rows.has('S2')) out.push(evaluateS2(gateway, w, elapsed));
          if (config.rows.has('S4')) out.push(evaluateS4(gateway, config.fanout.intervalMs, elapsed));
          return out;
        } catch (error) {
          return ids.map((id) => failedRow(id, error, performance.now() - started));
        }
      },
    },
    {
      name: 'S3 (W, then the gateway)',
      rows: want('S3'),
      estimateMs: 60_000,
      run: async () => [await rowOrError('S3', () => runS3(ctx))],
    },
    {
      name: 'U1',
      rows: want('U1'),
      estimateMs: 30_000,
      run: async () => [await rowOrError('U1', () => runU1(ctx))],
    },
  ].filter((group) => group.rows.length > 0);
}

async function runProfiles(ctx: RowContext, rows: RowResult[], budget: Budget): Promise<ProfileSection[]> {
  const missed = new Set(rows.filter((row) => row.status === 'MISS').map((row) => row.id));
  const sections: ProfileSection[] = [];
  const http = new Set([...missed].filter((id) => id === 'H1' || id === 'H2' || id === 'P1' || id === 'R1'));
  const fan = new Set([...missed].filter((id) => id === 'S1' || id === 'S2' || id === 'S3' || id === 'S4'));
  if (http.size > 0 && budget.remainingMs > 40_000) {
    ctx.log(`profiling ${[...http].join(', ')}`);
    sections.push(
      ...(await bounded('HTTP profiles', Math.min(150_000, budget.remainingMs - 20_000), () => profileHttp(ctx, http)).catch(
        (error: unknown) => [{ name: 'http', rows: [...http], what: 'HTTP load', error: String(error) }],
      )),
    );
  }
  if (fan.size > 0 && budget.remainingMs > 60_000) {
    ctx.log(`profiling ${[...fan].join(', ')}`);
    sections.push(
      ...(await bounded('fan-out profiles', Math.min(150_000, budget.remainingMs - 20_000), () => profileFanout(ctx, fan)).catch(
        (error: unknown) => [{ name: 'fanout', rows: [...fan], what: 'fan-out', error: String(error) }],
      )),
    );
  }
  return sections;
}

/** Runs the rows the configuration selects and, with outDir, writes the report. */
export async function runBench(config: BenchConfig, options: RunOptions = {}): Promise<BenchReport> {
  const startedAt = new Date();
  const started = performance.now();
  const log =
    options.log ?? ((message: string) => console.log(`[bench +${((performance.now() - started) / 1000).toFixed(1)}s] ${message}`));
  const workDir = mkdtempSync(join(tmpdir(), 'uni-animate-bench-'));
  const ctx: RowContext = { config, workDir, log };
  const budget = new Budget(config.budgetMs);
  const machine = machineInfo(config.pin);
  const counters = cpuCounters();
  log(`${config.mode} run, work dir ${workDir}, pinning ${machine.pinned ? 'on' : 'off'}`);
  const rows: RowResult[] = [];
  let profiles: ProfileSection[] = [];
  let failed = false;
  try {
    const plan = groups(ctx);
    const runGroup = async (group: Group): Promise<RowResult[]> => {
      if (budget.remainingMs < group.estimateMs) {
        return group.rows.map((id) =>
          skippedRow(
            id,
            `Skipped: ${Math.round(budget.remainingMs / 1000)} s of the run's budget left, the rows need about ${Math.round(group.estimateMs / 1000)} s.`,
          ),
        );
      }
      log(`— ${group.name}`);
      const limit = Math.min(budget.remainingMs, group.estimateMs * 2 + 60_000);
      return bounded(group.name, limit, group.run).catch((error: unknown) => group.rows.map((id) => failedRow(id, error, limit)));
    };
    // The smoke run checks the code paths, not timings: its groups may share the machine.
    const results = config.mode === 'smoke' ? await Promise.all(plan.map(runGroup)) : [];
    if (config.mode !== 'smoke') for (const group of plan) results.push(await runGroup(group));
    rows.push(...results.flat());
    failed = rows.some((row) => row.status === 'ERROR');
    if (config.profile) profiles = await runProfiles(ctx, rows, budget);
  } finally {
    await killAllChildrenAndWait();
    const keep = process.env.BENCH_KEEP_LOGS === '1' ? 'always' : (options.keepWorkDir ?? 'on-error');
    if (keep === 'always' || (keep === 'on-error' && failed)) log(`logs and data kept in ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  }
  rows.sort((a, b) => ROW_IDS.indexOf(a.id) - ROW_IDS.indexOf(b.id));
  const report: BenchReport = {
    mode: config.mode,
    gatewayEntry: config.gatewayEntry,
    startedAt: startedAt.toISOString(),
    elapsedMs: performance.now() - started,
    machine,
    noise: noiseSince(counters),
    rows,
    profiles,
  };
  if (options.outDir) {
    const written = writeReport(report, options.outDir);
    log(`wrote ${written.markdown} and ${written.json}`);
  }
  return report;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping ${liveChildPids().length} bench processes`);
    killAllChildren();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const config = benchConfig(process.env.BENCH_QUICK === '1' ? 'quick' : 'full');
  // A relative BENCH_OUT_DIR is taken from where npm was started (npm runs this script in bench/).
  const outDir = process.env.BENCH_OUT_DIR ? resolve(process.env.INIT_CWD ?? process.cwd(), process.env.BENCH_OUT_DIR) : RESULTS_DIR;
  const report = await runBench(config, { outDir });
  for (const row of report.rows) console.log(`${row.id}: ${row.status}${row.error ? ` (${row.error.split('\n')[0]})` : ''}`);
  process.exit(0);
}

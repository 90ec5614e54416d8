/**
 * P2: createAnimation at 50 connections with each animation's whole lifecycle, against P1's
 * gateway figure of the same run: the simulator starts every job at once and logs its 30 steps;
 * the gateway follows each job's status stream, records every change, reads the result and keeps
 * a copy of the video (issue 10). After the load, a bounded wait until every job has finished
 * upstream, every result was read and every video downloaded, and the gateway is idle; then the
 * gateway is stopped and its store read to count the animations that COMPLETED.
 */
import { countAnimationsByStatus } from '../lib/gateway-store.js';
import { createAnimationBody } from '../lib/documents.js';
import { firstFailedResponse, noFailures } from '../lib/http-checks.js';
import type { HttpLoadResult } from '../lib/http-load.js';
import { pollUntil, ProcessGroup } from '../lib/processes.js';
import { waitIdle } from '../lib/quiet.js';
import { fmt, ratio, ROW_TITLES, statusOf, type Check, type RowContext, type RowResult } from '../lib/row.js';
import { loadGateway, startFastJobSimulator, startGateway } from '../lib/row-servers.js';
import type { CallTotals, GatewayProcess, SimulatorProcess } from '../lib/services.js';

export interface P2Figures {
  load: HttpLoadResult;
  /** Upstream calls during the row (warm-up included): one submit, stream, result and download per animation. */
  calls: CallTotals;
  /** Animations in the gateway's store by status, once it stopped. */
  statuses: Record<string, number>;
  created: number;
  completed: number;
  /** Every lifecycle finished within the bounded wait. */
  settled: boolean;
  settleMs: number;
}

/** Waits (bounded) until every job finished upstream, the gateway read each result and downloaded each video, and went idle. */
async function waitLifecycles(gateway: GatewayProcess, sim: SimulatorProcess, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  const left = () => Math.max(1_000, deadline - performance.now());
  try {
    await pollUntil('P2: every job finished upstream', async () => (await sim.backlog()).unfinished === 0, {
      timeoutMs: left(),
      intervalMs: 250,
    });
    await pollUntil(
      'P2: every result read and every video copied',
      async () => {
        const calls = await sim.calls();
        return calls.result >= calls.submit && calls.resultFile >= calls.submit;
      },
      { timeoutMs: left(), intervalMs: 250 },
    );
    await waitIdle('P2: gateway idle', gateway.pid, left());
    return true;
  } catch {
    return false;
  }
}

export async function measureP2(ctx: RowContext): Promise<P2Figures> {
  const { pin, p2 } = ctx.config;
  const group = new ProcessGroup();
  try {
    const sim = await startFastJobSimulator(group, pin, [], { steps: p2.steps, stepMs: p2.stepMs });
    const gateway = await startGateway(ctx, group, sim, { name: 'gateway-p2' });
    ctx.log(`P2: gateway pid ${gateway.pid}, createAnimation with ${p2.steps} log steps of ${p2.stepMs} ms per job`);
    const load = await loadGateway(ctx, group, gateway, {
      label: 'P2',
      body: createAnimationBody('a bench knight dancing, whole lifecycle'),
      size: p2,
      onRun: (run, i) =>
        ctx.log(
          `P2 run ${i + 1}: ${Math.round(run.rps)} req/s, ${Math.round(run.serverCpuUsPerRequest)} µs/req, p99 ${run.latencyMs.p99} ms, failed ${run.non2xx + run.errors + run.mismatches}`,
        ),
    });
    const settleStarted = performance.now();
    const settled = await waitLifecycles(gateway, sim, p2.settleTimeoutMs);
    const settleMs = performance.now() - settleStarted;
    const calls = await sim.calls();
    await gateway.stop();
    const statuses = await countAnimationsByStatus(gateway.dataDir);
    const created = Object.values(statuses).reduce((sum, n) => sum + n, 0);
    ctx.log(
      `P2: ${statuses.COMPLETED ?? 0} of ${created} animations COMPLETED, ${settled ? 'settled' : 'not settled'} after ${Math.round(settleMs)} ms`,
    );
    return { load, calls, statuses, created, completed: statuses.COMPLETED ?? 0, settled, settleMs };
  } finally {
    await group.stopAll();
  }
}

export function evaluateP2(p2: P2Figures, p1: HttpLoadResult, elapsedMs: number): RowResult {
  const { load, calls } = p2;
  const checks: Check[] = [
    {
      label: 'req/s',
      figure: fmt(load.median.rps),
      baseline: `P1 ${fmt(p1.median.rps)}`,
      ratio: ratio(load.median.rps, p1.median.rps),
      target: '≥ 0.50× P1',
      pass: load.median.rps >= 0.5 * p1.median.rps,
    },
    noFailures(load, 'errors', '0'),
    {
      label: 'lifecycles completed',
      figure: `${fmt(p2.completed)} of ${fmt(p2.created)}`,
      baseline: '—',
      ratio: '—',
      target: 'every animation created (validity of the figure)',
      pass: p2.settled && p2.created > 0 && p2.completed === p2.created,
    },
  ];
  return {
    id: 'P2',
    what: ROW_TITLES.P2,
    status: statusOf(checks),
    checks,
    details: [
      `Server CPU per request: P2 ${fmt(load.median.serverCpuUsPerRequest)} µs vs P1 ${fmt(p1.median.serverCpuUsPerRequest)} µs (${ratio(load.median.serverCpuUsPerRequest, p1.median.serverCpuUsPerRequest)}); it includes the lifecycle work done during each run; lifecycles still running when a run ends finish in the wait below, outside the figure. p50/p99 P2 ${fmt(load.median.p50Ms)}/${fmt(load.median.p99Ms)} ms.`,
      `Runs: ${load.runs.map((r) => `${fmt(r.rps)} req/s, p50/p99/max ${r.latencyMs.p50}/${r.latencyMs.p99}/${r.latencyMs.max} ms`).join('; ')}.`,
      `Lifecycles: after the load, ${p2.settled ? 'every one finished' : 'not every one finished'} within ${fmt(p2.settleMs)} ms; the store then held ${JSON.stringify(p2.statuses)}. Upstream calls (warm-up included): ${fmt(calls.submit)} submits, ${fmt(calls.stream)} status streams, ${fmt(calls.status)} polls, ${fmt(calls.result)} results, ${fmt(calls.resultFile)} video downloads.`,
      ...firstFailedResponse(load),
    ],
    raw: { ...p2, p1 },
    elapsedMs,
  };
}

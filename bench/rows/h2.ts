/**
 * H2: createAnimation through the gateway with the embedded store (SQLite in a fresh DATA_DIR)
 * and the simulator as upstream in its own process, vs B. Every created job runs to completion
 * in a few ms (no log steps), so each request also costs its animation's whole upstream
 * lifecycle (submit, status stream, result, 4–5 recorded changes) inside the measured runs.
 */
import { createAnimationBody } from '../lib/documents.js';
import { firstFailedResponse, noFailures, rpsAgainstB, serverCpuAgainstB } from '../lib/http-checks.js';
import type { HttpLoadResult } from '../lib/http-load.js';
import { ProcessGroup } from '../lib/processes.js';
import { waitQuiet } from '../lib/quiet.js';
import { fmt, ratio, ROW_TITLES, statusOf, type Check, type RowContext, type RowResult } from '../lib/row.js';
import { loadGateway, startFastJobSimulator, startGateway, startHeldJobSimulator } from '../lib/row-servers.js';

/**
 * Diagnostic beside H2: the same load on a fresh gateway whose jobs stay IN_QUEUE upstream (the
 * queue never moves), so each request costs validation, the store writes, the submit and the
 * opening of one status stream, and no lifecycle. One run; every created job keeps a stream open,
 * which the run's size keeps far below the open-file limit.
 */
async function measureQueued(ctx: RowContext, group: ProcessGroup): Promise<HttpLoadResult> {
  const sim = await startHeldJobSimulator(group, ctx.config.pin);
  const gateway = await startGateway(ctx, group, sim, { name: 'gateway-queued' });
  try {
    return await loadGateway(ctx, group, gateway, {
      label: 'H2 queued',
      body: createAnimationBody(),
      size: { ...ctx.config.http, runs: 1 },
      onRun: (run) => ctx.log(`H2 (jobs held in queue): ${Math.round(run.rps)} req/s, ${Math.round(run.serverCpuUsPerRequest)} µs/req`),
    });
  } finally {
    await gateway.proc.stop(5_000);
    await sim.stop();
  }
}

/** `b` may still be running in a smoke run (which checks code paths, not timings); full runs pass it measured. */
export async function runH2(ctx: RowContext, baseline: Promise<HttpLoadResult>): Promise<RowResult> {
  const started = performance.now();
  const group = new ProcessGroup();
  try {
    const sim = await startFastJobSimulator(group, ctx.config.pin);
    const gateway = await startGateway(ctx, group, sim);
    ctx.log(`H2: gateway pid ${gateway.pid}, createAnimation`);
    let maxFds = gateway.fds();
    const fdSampler = setInterval(() => {
      maxFds = Math.max(maxFds, gateway.fds() || 0);
    }, 1_000);
    const callsBefore = await sim.calls();
    let h2: HttpLoadResult;
    try {
      h2 = await loadGateway(ctx, group, gateway, {
        label: 'H2',
        body: createAnimationBody(),
        size: ctx.config.http,
        onRun: (run, i) =>
          ctx.log(
            `H2 run ${i + 1}: ${Math.round(run.rps)} req/s, ${Math.round(run.serverCpuUsPerRequest)} µs/req, p99 ${run.latencyMs.p99} ms, failed ${run.non2xx + run.errors + run.mismatches}`,
          ),
      });
    } finally {
      clearInterval(fdSampler);
    }
    const backlogAtEnd = await sim.backlog();
    // Every job finishes on its own; wait (bounded) so the call counts below are complete.
    await waitQuiet(gateway, sim, 0);
    const callsAfter = await sim.calls();
    const submits = callsAfter.submit - callsBefore.submit;
    const responses = h2.runs.reduce((sum, r) => sum + r.requests, 0);
    await gateway.stop();
    const queued = ctx.config.h2Diagnostic ? await measureQueued(ctx, group) : undefined;
    const b = await baseline;

    const checks: Check[] = [
      rpsAgainstB(h2, b, 0.25),
      {
        label: 'p99',
        figure: `${fmt(h2.median.p99Ms)} ms`,
        baseline: `B ${fmt(b.median.p99Ms)} ms`,
        ratio: ratio(h2.median.p99Ms, b.median.p99Ms),
        target: '≤ 20 ms',
        pass: h2.median.p99Ms <= 20,
      },
      noFailures(h2, 'errors', '0'),
    ];
    return {
      id: 'H2',
      what: ROW_TITLES.H2,
      status: statusOf(checks),
      checks,
      details: [
        `${serverCpuAgainstB('H2', h2, b)}; this includes each animation's upstream lifecycle (submit, status stream, result, recorded changes), which runs during the measured window.`,
        `Runs: ${h2.runs.map((r) => `${fmt(r.rps)} req/s, p50/p99/max ${r.latencyMs.p50}/${r.latencyMs.p99}/${r.latencyMs.max} ms`).join('; ')}.`,
        ...(queued
          ? [
              `Diagnostic (not a target): with jobs that stay queued upstream, so no animation's lifecycle runs during the load (only submit and the opening of its status stream), createAnimation reaches ${fmt(queued.median.rps)} req/s at ${fmt(queued.median.serverCpuUsPerRequest)} µs of server CPU per request, p99 ${fmt(queued.median.p99Ms)} ms (${queued.runs.length} run${queued.runs.length === 1 ? '' : 's'}, fresh gateway), against H2's ${fmt(h2.median.serverCpuUsPerRequest)} µs with the lifecycle. Its streams stay open, so late requests of that run also pay for thousands of open upstream connections.`,
            ]
          : []),
        `Upstream: ${fmt(submits)} submits counted by the simulator for ${fmt(responses)} measured responses (the warm-up adds its own); ${fmt(backlogAtEnd.unfinished)} jobs still unfinished when the last run ended; at most ${fmt(maxFds)} open fds in the gateway (limit 20,000: one status stream per in-flight animation).`,
        ...firstFailedResponse(h2),
      ],
      raw: { b, h2, submits, responses, backlogAtEnd, maxFds, queued },
      elapsedMs: performance.now() - started,
    };
  } finally {
    await group.stopAll();
  }
}

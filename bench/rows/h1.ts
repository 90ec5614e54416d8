/** H1: `{ __typename }` through the full gateway (auth, limits, masking, production logging) vs B. */
import { TYPENAME_QUERY } from '../lib/documents.js';
import { firstFailedResponse, noFailures, rpsAgainstB, serverCpuAgainstB } from '../lib/http-checks.js';
import type { HttpLoadResult } from '../lib/http-load.js';
import { ProcessGroup } from '../lib/processes.js';
import { fmt, ROW_TITLES, statusOf, type Check, type RowContext, type RowResult } from '../lib/row.js';
import { loadGateway, startGateway } from '../lib/row-servers.js';
import { SimulatorProcess } from '../lib/services.js';

/** `b` may still be running in a smoke run (which checks code paths, not timings); full runs pass it measured. */
export async function runH1(ctx: RowContext, baseline: Promise<HttpLoadResult>): Promise<RowResult> {
  const started = performance.now();
  const group = new ProcessGroup();
  try {
    const sim = await SimulatorProcess.start(group, {}, { pin: ctx.config.pin });
    const gateway = await startGateway(ctx, group, sim);
    ctx.log(`H1: gateway pid ${gateway.pid}, { __typename }`);
    const h1 = await loadGateway(ctx, group, gateway, {
      label: 'H1',
      body: JSON.stringify({ query: TYPENAME_QUERY }),
      size: ctx.config.http,
      onRun: (run, i) =>
        ctx.log(
          `H1 run ${i + 1}: ${Math.round(run.rps)} req/s, ${Math.round(run.serverCpuUsPerRequest)} µs/req, p99 ${run.latencyMs.p99} ms`,
        ),
    });
    await gateway.stop();
    const b = await baseline;
    const checks: Check[] = [rpsAgainstB(h1, b, 0.9), noFailures(h1, 'failed responses', '0 (validity of the figure)')];
    return {
      id: 'H1',
      what: ROW_TITLES.H1,
      status: statusOf(checks),
      checks,
      details: [
        `${serverCpuAgainstB('H1', h1, b)}; p50/p99 H1 ${h1.median.p50Ms}/${h1.median.p99Ms} ms vs B ${b.median.p50Ms}/${b.median.p99Ms} ms; RSS H1 ${fmt(h1.median.serverRssKiB / 1024)} MiB vs B ${fmt(b.median.serverRssKiB / 1024)} MiB.`,
        `Runs (req/s): H1 ${h1.runs.map((r) => fmt(r.rps)).join(' / ')}; B ${b.runs.map((r) => fmt(r.rps)).join(' / ')}.`,
        ...firstFailedResponse(h1),
      ],
      raw: { b, h1 },
      elapsedMs: performance.now() - started,
    };
  } finally {
    await group.stopAll();
  }
}

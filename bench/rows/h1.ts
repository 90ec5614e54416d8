/** H1: `{ __typename }` through the full gateway (auth, limits, masking, production logging) vs B. */
import { BENCH_AUTHORIZATION } from '../config.js';
import { TYPENAME_QUERY } from '../lib/documents.js';
import { runHttpLoad, type HttpLoadResult } from '../lib/http-load.js';
import { ProcessGroup } from '../lib/processes.js';
import { fmt, ratio, ROW_TITLES, statusOf, type Check, type RowContext, type RowResult } from '../lib/row.js';
import { GatewayProcess, LOAD_CPU, SimulatorProcess } from '../lib/services.js';

/** `b` may still be running in a smoke run (which checks code paths, not timings); full runs pass it measured. */
export async function runH1(ctx: RowContext, baseline: Promise<HttpLoadResult>): Promise<RowResult> {
  const started = performance.now();
  const group = new ProcessGroup();
  try {
    const sim = await SimulatorProcess.start(group, {}, { pin: ctx.config.pin });
    const gateway = await GatewayProcess.start(group, {
      simulatorUrl: sim.url,
      workDir: ctx.workDir,
      entry: ctx.config.gatewayEntry,
      env: ctx.config.gatewayEnv,
      production: true,
      logLevel: 'info',
      gcHook: false,
      pin: ctx.config.pin,
    });
    ctx.log(`H1: gateway pid ${gateway.pid}, { __typename }`);
    const h1 = await runHttpLoad(
      group,
      { label: 'H1', url: gateway.graphqlUrl, body: JSON.stringify({ query: TYPENAME_QUERY }), headers: { authorization: BENCH_AUTHORIZATION }, serverPid: gateway.pid },
      ctx.config.http,
      { cpu: LOAD_CPU, pin: ctx.config.pin, onRun: (run, i) => ctx.log(`H1 run ${i + 1}: ${Math.round(run.rps)} req/s, ${Math.round(run.serverCpuUsPerRequest)} µs/req, p99 ${run.latencyMs.p99} ms`) },
    );
    await gateway.stop();
    const b = await baseline;
    const checks: Check[] = [
      {
        label: 'req/s',
        figure: fmt(h1.median.rps),
        baseline: `B ${fmt(b.median.rps)}`,
        ratio: ratio(h1.median.rps, b.median.rps),
        target: '≥ 0.80× B',
        pass: h1.median.rps >= 0.8 * b.median.rps,
      },
      {
        label: 'failed responses',
        figure: fmt(h1.failures),
        baseline: '—',
        ratio: '—',
        target: '0 (validity of the figure)',
        pass: h1.failures === 0,
      },
    ];
    return {
      id: 'H1',
      what: ROW_TITLES.H1,
      status: statusOf(checks),
      checks,
      details: [
        `Server CPU per request: H1 ${fmt(h1.median.serverCpuUsPerRequest)} µs vs B ${fmt(b.median.serverCpuUsPerRequest)} µs (${ratio(h1.median.serverCpuUsPerRequest, b.median.serverCpuUsPerRequest)}); p50/p99 H1 ${h1.median.p50Ms}/${h1.median.p99Ms} ms vs B ${b.median.p50Ms}/${b.median.p99Ms} ms; RSS H1 ${fmt(h1.median.serverRssKiB / 1024)} MiB vs B ${fmt(b.median.serverRssKiB / 1024)} MiB.`,
        `Runs (req/s): H1 ${h1.runs.map((r) => fmt(r.rps)).join(' / ')}; B ${b.runs.map((r) => fmt(r.rps)).join(' / ')}.`,
        ...(h1.errorSamples.length ? [`First failed response: \`${h1.errorSamples[0]!.slice(0, 200)}\``] : []),
      ],
      raw: { b, h1 },
      elapsedMs: performance.now() - started,
    };
  } finally {
    await group.stopAll();
  }
}

/**
 * P1: createAnimation through the gateway (embedded store) against what a team would deploy
 * instead, fal's `@fal-ai/server-proxy` in Express forwarding the browser's `fal.queue.submit`,
 * both in front of the same simulator, whose queue holds every job (no lifecycle runs). The
 * proxy's load sends exactly what the gateway submitted upstream (path, x-fal-* headers, body),
 * as recorded by the simulator. Runs alternate, proxy then gateway, on the same upstream; the
 * simulator's submit count is read around each run once the server is idle again.
 */
import { BENCH_AUTHORIZATION, BENCH_FAL_KEY } from '../config.js';
import { createAnimationBody, CREATE_ANIMATION, createInput } from '../lib/documents.js';
import { firstFailedResponse } from '../lib/http-checks.js';
import { measureRun, summariseRuns, warmUp, type HttpLoadResult, type HttpLoadTarget, type HttpRun } from '../lib/http-load.js';
import { cpuTicks, ticksToUs } from '../lib/proc.js';
import { ProcessGroup } from '../lib/processes.js';
import { waitIdle } from '../lib/quiet.js';
import { fmt, ratio, ROW_TITLES, statusOf, type Check, type RowContext, type RowResult } from '../lib/row.js';
import { gatewayTarget, startGateway, startHeldJobSimulator } from '../lib/row-servers.js';
import { graphql, LOAD_CPU, startFalProxy, type RecordedSubmit, type SimulatorProcess } from '../lib/services.js';

const PROMPT = 'a bench knight dancing';
type Side = 'proxy' | 'gateway';

export interface P1Side {
  load: HttpLoadResult;
  /** Submits the simulator counted during each measured run (in-flight requests of a timed run included). */
  submits: number[];
  /** Whether the server was idle again (every request of the run handled) before its submits were read. */
  settled: boolean[];
  /** CPU this side used (% of a core) while the other side's run was measured: both are pinned to the server CPU. */
  idleCpuPercent: number[];
}

export interface P1Figures {
  gateway: P1Side;
  proxy: P1Side;
  /** The gateway's submit as the simulator received it, which the proxy's load replays. */
  upstreamSubmit: RecordedSubmit;
  maxGatewayFds: number;
  /** Requests each side may still have in flight when a timed run stops (0 for a run of a fixed amount). */
  inFlightAllowance: number;
}

/** What a browser's `fal.queue.submit` sends through the proxy: the gateway's own submit, addressed by x-fal-target-url. */
function proxyTarget(proxy: { url: string; proc: { pid: number } }, sim: SimulatorProcess, submit: RecordedSubmit): HttpLoadTarget {
  const query = new URLSearchParams(submit.query).toString();
  const falHeaders = Object.fromEntries(Object.entries(submit.headers).filter(([name]) => name.startsWith('x-fal-')));
  return {
    label: 'fal proxy',
    url: proxy.url,
    body: submit.body,
    headers: {
      ...falHeaders,
      accept: 'application/json',
      authorization: BENCH_AUTHORIZATION,
      'x-fal-target-url': `${sim.url}${submit.path}${query ? `?${query}` : ''}`,
    },
    serverPid: proxy.proc.pid,
  };
}

export async function measureP1(ctx: RowContext): Promise<P1Figures> {
  const { pin, p1: size } = ctx.config;
  const group = new ProcessGroup();
  try {
    const sim = await startHeldJobSimulator(group, pin);
    const gateway = await startGateway(ctx, group, sim, { name: 'gateway-p1' });
    // One create first, so the simulator has recorded exactly what the gateway submits.
    await graphql(gateway.graphqlUrl, CREATE_ANIMATION, { input: createInput(PROMPT) });
    const upstreamSubmit = await sim.lastSubmit();
    const proxy = await startFalProxy(group, {
      pin,
      upstreamHost: new URL(sim.url).host,
      falKey: BENCH_FAL_KEY,
      authorization: BENCH_AUTHORIZATION,
    });
    ctx.log(`P1: gateway pid ${gateway.pid}, fal proxy pid ${proxy.proc.pid}, ${size.connections} connections, jobs held upstream`);
    const targets: Record<Side, HttpLoadTarget> = {
      proxy: proxyTarget(proxy, sim, upstreamSubmit),
      gateway: gatewayTarget(gateway, { label: 'P1', body: createAnimationBody(PROMPT) }),
    };
    const options = { cpu: LOAD_CPU, pin };
    let maxGatewayFds = gateway.fds();
    const fdSampler = setInterval(() => {
      maxGatewayFds = Math.max(maxGatewayFds, gateway.fds() || 0);
    }, 1_000);
    const runs: Record<Side, HttpRun[]> = { proxy: [], gateway: [] };
    const submits: Record<Side, number[]> = { proxy: [], gateway: [] };
    const settled: Record<Side, boolean[]> = { proxy: [], gateway: [] };
    const idleCpuPercent: Record<Side, number[]> = { proxy: [], gateway: [] };
    try {
      await warmUp(group, targets.gateway, size, options);
      await warmUp(group, targets.proxy, size, options);
      for (let i = 0; i < size.runs; i++) {
        for (const side of ['proxy', 'gateway'] as const) {
          const target = targets[side];
          const other = side === 'proxy' ? 'gateway' : 'proxy';
          const before = (await sim.calls()).submit;
          const otherBefore = cpuTicks(targets[other].serverPid);
          const runStarted = performance.now();
          const run = await measureRun(group, target, size, options);
          idleCpuPercent[other].push(
            (ticksToUs(cpuTicks(targets[other].serverPid) - otherBefore) / ((performance.now() - runStarted) * 1000)) * 100,
          );
          // Requests in flight when a timed run stops still reach the simulator: count once the server is idle.
          const idle = await waitIdle(`P1 ${side} idle after run ${i + 1}`, target.serverPid, 30_000).then(
            () => true,
            () => false,
          );
          runs[side].push(run);
          submits[side].push((await sim.calls()).submit - before);
          settled[side].push(idle);
          ctx.log(
            `P1 ${side} run ${i + 1}: ${Math.round(run.rps)} req/s, ${Math.round(run.serverCpuUsPerRequest)} µs/req, p99 ${run.latencyMs.p99} ms, ${run.status2xx} 2xx, ${submits[side].at(-1)} submits`,
          );
        }
      }
    } finally {
      clearInterval(fdSampler);
    }
    await gateway.stop();
    return {
      gateway: {
        load: summariseRuns('P1', runs.gateway),
        submits: submits.gateway,
        settled: settled.gateway,
        idleCpuPercent: idleCpuPercent.gateway,
      },
      proxy: {
        load: summariseRuns('fal proxy', runs.proxy),
        submits: submits.proxy,
        settled: settled.proxy,
        idleCpuPercent: idleCpuPercent.proxy,
      },
      upstreamSubmit,
      maxGatewayFds,
      inFlightAllowance: size.amount ? 0 : size.connections,
    };
  } finally {
    await group.stopAll();
  }
}

/** Every measured run of the side was followed by exactly one submit per 2xx, plus at most the requests in flight at its stop. */
export function submitsMatch(side: P1Side, inFlightAllowance: number): boolean {
  return side.load.runs.every((run, i) => {
    const extra = side.submits[i]! - run.status2xx;
    return side.settled[i] === true && extra >= 0 && extra <= inFlightAllowance;
  });
}

function submitsFigure(side: P1Side): string {
  const submits = side.submits.reduce((sum, n) => sum + n, 0);
  const ok = side.load.runs.reduce((sum, run) => sum + run.status2xx, 0);
  return `${fmt(submits)} submits for ${fmt(ok)} 2xx`;
}

export function evaluateP1(figures: P1Figures, elapsedMs: number): RowResult {
  const { gateway, proxy } = figures;
  const g = gateway.load.median;
  const p = proxy.load.median;
  const checks: Check[] = [
    {
      label: 'req/s',
      figure: fmt(g.rps),
      baseline: `proxy ${fmt(p.rps)}`,
      ratio: ratio(g.rps, p.rps),
      target: '≥ 1.00× proxy',
      pass: g.rps >= p.rps,
    },
    {
      label: 'errors',
      figure: fmt(gateway.load.failures),
      baseline: `proxy ${fmt(proxy.load.failures)}`,
      ratio: '—',
      target: '0 (on both: a failing baseline voids the ratio)',
      pass: gateway.load.failures === 0 && proxy.load.failures === 0,
    },
    {
      label: 'server CPU per request',
      figure: `${fmt(g.serverCpuUsPerRequest)} µs`,
      baseline: `proxy ${fmt(p.serverCpuUsPerRequest)} µs`,
      ratio: ratio(g.serverCpuUsPerRequest, p.serverCpuUsPerRequest),
      target: "≤ the proxy's",
      pass: g.serverCpuUsPerRequest <= p.serverCpuUsPerRequest,
    },
    {
      label: 'upstream submits',
      figure: submitsFigure(gateway),
      baseline: `proxy ${submitsFigure(proxy)}`,
      ratio: '—',
      target:
        figures.inFlightAllowance > 0
          ? `1 per 2xx on both (+ ≤ ${figures.inFlightAllowance} in flight when a timed run stops)`
          : '1 per 2xx on both',
      pass: submitsMatch(gateway, figures.inFlightAllowance) && submitsMatch(proxy, figures.inFlightAllowance),
    },
  ];
  const runLine = (side: P1Side) =>
    side.load.runs
      .map(
        (r, i) =>
          `${fmt(r.rps)} req/s at ${fmt(r.serverCpuUsPerRequest)} µs, p50/p99 ${r.latencyMs.p50}/${r.latencyMs.p99} ms, ${fmt(r.status2xx)} 2xx → ${fmt(side.submits[i]!)} submits`,
      )
      .join('; ');
  return {
    id: 'P1',
    what: ROW_TITLES.P1,
    status: statusOf(checks),
    checks,
    details: [
      `Baseline: \`@fal-ai/server-proxy\` (Express 4, \`express.json()\`, its handler on \`/api/fal/proxy\`) forwarding what a browser's \`fal.queue.submit\` sends through it, POST with \`x-fal-target-url\` naming the simulator's queue, to the same simulator; it checks the caller's bearer token against the one key (no store, no limits) and sends the app's own fal key. Its body and x-fal-* headers are the gateway's own submit as the simulator recorded it: \`${figures.upstreamSubmit.body.slice(0, 300)}\`.`,
      `The simulator holds every job in its queue, so neither side pays for any lifecycle; the gateway does open one status stream per animation (at most ${fmt(figures.maxGatewayFds)} open fds in it, limit 20,000). Runs alternate on that one simulator (proxy, then gateway), ${gateway.load.runs.length} each; medians.`,
      `Both servers are pinned to the server CPU, so the one not measured shares it: the gateway used ${gateway.idleCpuPercent.map((p) => `${fmt(p, 1)}%`).join(' / ')} of a core during the proxy's runs (its open status streams, lease renewals), the proxy ${proxy.idleCpuPercent.map((p) => `${fmt(p, 1)}%`).join(' / ')} during the gateway's.`,
      `p50/p99: gateway ${fmt(g.p50Ms)}/${fmt(g.p99Ms)} ms vs proxy ${fmt(p.p50Ms)}/${fmt(p.p99Ms)} ms; RSS gateway ${fmt(g.serverRssKiB / 1024)} MiB vs proxy ${fmt(p.serverRssKiB / 1024)} MiB.`,
      `Runs, gateway: ${runLine(gateway)}.`,
      `Runs, proxy: ${runLine(proxy)}.`,
      ...firstFailedResponse(gateway.load),
      ...firstFailedResponse(proxy.load).map((line) => `Proxy: ${line}`),
    ],
    raw: { ...figures },
    elapsedMs,
  };
}

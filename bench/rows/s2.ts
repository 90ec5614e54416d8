/** S2: one upstream change fanned out to every subscriber of one animation, vs W's broadcast. */
import type { RoundFigures } from '../lib/fanout.js';
import { fmt, ratio, ROW_TITLES, statusOf, type Check, type RowResult } from '../lib/row.js';
import { median } from '../lib/stats.js';
import type { GatewayFanoutSession } from './gateway-fanout.js';
import type { FanoutBaseline } from './w-fanout.js';

export interface FanoutMedians {
  p50: number;
  p99: number;
  max: number;
  min: number;
}

/** Median over rounds of each round's percentile (as in the reference's "median of 5"). */
export function medians(rounds: RoundFigures[]): FanoutMedians {
  return {
    p50: median(rounds.map((r) => r.latencyMs.p50)),
    p99: median(rounds.map((r) => r.latencyMs.p99)),
    max: median(rounds.map((r) => r.latencyMs.max)),
    min: median(rounds.map((r) => r.latencyMs.min)),
  };
}

export function evaluateS2(gateway: GatewayFanoutSession, w: FanoutBaseline, elapsedMs: number): RowResult {
  const g = medians(gateway.rounds);
  const b = medians(w.rounds);
  const n = gateway.subscriptions;
  const checks: Check[] = [
    {
      label: 'p99',
      figure: `${fmt(g.p99, 1)} ms`,
      baseline: `W ${fmt(b.p99, 1)} ms`,
      ratio: ratio(g.p99, b.p99),
      target: '≤ 2× W p99',
      pass: g.p99 <= 2 * b.p99,
    },
    {
      label: 'p50 / p99',
      figure: `${fmt(g.p50, 1)} / ${fmt(g.p99, 1)} ms`,
      baseline: `W ${fmt(b.p50, 1)} / ${fmt(b.p99, 1)} ms`,
      ratio: `${fmt(g.p50 / g.p99, 2)}`,
      target: 'p50 ≤ 0.5 × p99',
      pass: g.p50 <= 0.5 * g.p99,
    },
    {
      label: 'drops',
      figure: fmt(gateway.drops + gateway.invalidEvents),
      baseline: `W ${fmt(w.drops)}`,
      ratio: '—',
      target: '0 (every subscriber gets every change)',
      pass: gateway.drops + gateway.invalidEvents === 0,
    },
  ];
  const rounds = (rs: RoundFigures[]) =>
    rs.map((r) => `${fmt(r.latencyMs.p50, 0)}/${fmt(r.latencyMs.p99, 0)}/${fmt(r.latencyMs.max, 0)}`).join(', ');
  return {
    id: 'S2',
    what: ROW_TITLES.S2,
    status: statusOf(checks),
    checks,
    details: [
      `${fmt(n)} subscribers of one animation; ${gateway.rounds.length} upstream changes (one simulator step each). Latency = receive time in the client process − the moment the simulator emitted the step (the gateway's figure includes its upstream hop: status stream, store write, publish).`,
      `Median over rounds, p50 / p99 / max: gateway ${fmt(g.p50, 1)} / ${fmt(g.p99, 1)} / ${fmt(g.max, 1)} ms (first receipt ${fmt(g.min, 1)} ms); W ${fmt(b.p50, 1)} / ${fmt(b.p99, 1)} / ${fmt(b.max, 1)} ms (first receipt ${fmt(b.min, 1)} ms).`,
      `Per round p50/p99/max ms: gateway ${rounds(gateway.rounds)}; W ${rounds(w.rounds)}.`,
      `Gateway CPU per delivery over the rounds: ${fmt(gateway.cpuUsPerDelivery, 1)} µs (CPU of the whole process ÷ deliveries); W send loop ${w.sendLoopMs.map((ms) => fmt(ms, 1)).join(', ')} ms per broadcast.`,
      ...(gateway.invalidSamples.length ? [`Unexpected message: \`${gateway.invalidSamples[0]!.slice(0, 200)}\``] : []),
    ],
    raw: {
      gateway: { medians: g, rounds: gateway.rounds, cpuUsPerDelivery: gateway.cpuUsPerDelivery, drops: gateway.drops },
      w: { medians: b, rounds: w.rounds, sendLoopMs: w.sendLoopMs },
    },
    elapsedMs,
  };
}

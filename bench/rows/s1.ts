/** S1: RSS slope of idle subscriptions (one per socket) from the first to the last count, vs W. */
import { fmt, ratio, ROW_TITLES, statusOf, type Check, type RowResult } from '../lib/row.js';
import type { MemoryStep } from '../lib/memory-steps.js';
import type { GatewayFanoutSession } from './gateway-fanout.js';
import type { FanoutBaseline } from './w-fanout.js';

/** 13 KB per subscription: the issue's target (≈ 2× W's slope measured while planning). */
export const S1_TARGET_BYTES = 13_000;

export interface Slope {
  from: number;
  to: number;
  rssBytesPerSub: number;
  heapBytesPerSub: number;
}

export function memorySlope(steps: MemoryStep[]): Slope {
  const withSubs = steps.filter((s) => s.subscriptions > 0);
  const first = withSubs[0]!;
  const last = withSubs.at(-1)!;
  const n = last.subscriptions - first.subscriptions;
  return {
    from: first.subscriptions,
    to: last.subscriptions,
    rssBytesPerSub: ((last.memory.rssKiB - first.memory.rssKiB) * 1024) / n,
    heapBytesPerSub: (last.memory.heapUsed - first.memory.heapUsed) / n,
  };
}

export function evaluateS1(gateway: GatewayFanoutSession, w: FanoutBaseline, elapsedMs: number): RowResult {
  const g = memorySlope(gateway.memory);
  const b = memorySlope(w.memory);
  const checks: Check[] = [
    {
      label: 'RSS slope per subscription',
      figure: `${fmt(g.rssBytesPerSub)} B`,
      baseline: `W ${fmt(b.rssBytesPerSub)} B`,
      ratio: ratio(g.rssBytesPerSub, b.rssBytesPerSub),
      target: `≤ 13 KB (${fmt(S1_TARGET_BYTES)} B; 2× W in this run would be ${fmt(2 * b.rssBytesPerSub)} B)`,
      pass: g.rssBytesPerSub <= S1_TARGET_BYTES,
    },
  ];
  const table = (steps: MemoryStep[]) =>
    steps
      .map((s) => `${fmt(s.subscriptions)}: ${fmt(s.memory.rssKiB / 1024, 1)} MiB RSS / ${fmt(s.memory.heapUsed / 1048576, 1)} MiB heap`)
      .join('; ');
  return {
    id: 'S1',
    what: ROW_TITLES.S1,
    status: statusOf(checks),
    checks,
    details: [
      `Slope ${fmt(g.from)} → ${fmt(g.to)} subscriptions, after two forced GCs at each count: gateway ${fmt(g.rssBytesPerSub)} B RSS / ${fmt(g.heapBytesPerSub)} B heap per subscription; W ${fmt(b.rssBytesPerSub)} B RSS / ${fmt(b.heapBytesPerSub)} B heap.`,
      `Gateway: ${table(gateway.memory)}.`,
      `W: ${table(w.memory)}.`,
      `Open rate (batches of ${gateway.batch}, snapshot received): gateway ${gateway.memory
        .filter((s) => s.open)
        .map((s) => `${fmt(s.open!.perSecond)}/s`)
        .join(', ')}; W ${w.memory
        .filter((s) => s.open)
        .map((s) => `${fmt(s.open!.perSecond)}/s`)
        .join(', ')}.`,
    ],
    raw: { gateway: { slope: g, steps: gateway.memory }, w: { slope: b, steps: w.memory } },
    elapsedMs,
  };
}

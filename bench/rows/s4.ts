/** S4: createAnimation p99 while the 10k fan-out runs, vs its idle p99 on the same gateway. */
import { fmt, ratio, ROW_TITLES, statusOf, type Check, type RowResult } from '../lib/row.js';
import type { GatewayFanoutSession } from './gateway-fanout.js';

export function evaluateS4(session: GatewayFanoutSession, intervalMs: number, elapsedMs: number): RowResult {
  const idle = session.s4Idle.median;
  const loaded = session.s4Loaded.median;
  const fanoutRan = session.loaded.eventsDuringLoad > 0;
  const checks: Check[] = [
    {
      label: 'p99 during fan-out',
      figure: `${fmt(loaded.p99Ms)} ms`,
      baseline: `idle ${fmt(idle.p99Ms)} ms`,
      ratio: ratio(loaded.p99Ms, idle.p99Ms),
      target: '≤ 2× idle p99',
      pass: fanoutRan && loaded.p99Ms <= 2 * idle.p99Ms,
    },
  ];
  const failures = session.s4Idle.failures + session.s4Loaded.failures;
  const timeouts = [...session.s4Idle.runs, ...session.s4Loaded.runs].reduce((sum, r) => sum + r.timeouts, 0);
  return {
    id: 'S4',
    what: ROW_TITLES.S4,
    status: statusOf(checks),
    checks,
    details: [
      `Same gateway, same ${fmt(session.subscriptions)} subscriptions: "idle" while their animation is paused upstream, "fan-out" while it emits one step every ${fmt(intervalMs)} ms, each fanned out to all of them (${fmt(session.loaded.eventsDuringLoad)} fan-outs reached every subscriber during the loaded runs, warm-up included).`,
      `createAnimation idle: ${fmt(idle.rps)} req/s, p50/p99/max ${idle.p50Ms}/${idle.p99Ms}/${idle.maxMs} ms; during fan-out: ${fmt(loaded.rps)} req/s, p50/p99/max ${loaded.p50Ms}/${loaded.p99Ms}/${loaded.maxMs} ms; failed responses ${fmt(failures)} (of which ${fmt(timeouts)} got no answer within autocannon's 10 s timeout).`,
      ...(idle.p99Ms > 20
        ? [
            `Caveat: the idle p99 (${fmt(idle.p99Ms)} ms) is already far above H2's 20 ms target, so this ratio says little about isolation; throughput during the fan-out went from ${fmt(idle.rps)} to ${fmt(loaded.rps)} req/s (${ratio(loaded.rps, idle.rps)}).`,
          ]
        : []),
      `Receipts per step during the loaded runs: ${Object.entries(session.loaded.receiptsPerStep)
        .map(([step, count]) => `${step}: ${fmt(count)}`)
        .join(', ')}.`,
    ],
    raw: { idle: session.s4Idle, loaded: session.s4Loaded, fanoutDuringLoad: session.loaded },
    elapsedMs,
  };
}

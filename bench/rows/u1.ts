/**
 * U1: upstream calls per animation with 1, 100 and 1,000 subscribers, counted by the simulator
 * (its own process). For each count: create an animation whose job pauses before its first step,
 * open that many subscriptions (WebSocket, one per socket), resume, and wait until every
 * subscriber has seen the animation complete. Reported beside what per-subscriber polling with
 * `fal.subscribe` would cost: every subscriber polls status every 500 ms (the fal client's
 * default) for the job's duration, then fetches the result once.
 */
import { U1_MARKER } from '../lib/documents.js';
import { createPausedAnimation, openProgressSubscriptions } from '../lib/fanout.js';
import { pollUntil, ProcessGroup } from '../lib/processes.js';
import { fmt, ROW_TITLES, statusOf, type Check, type RowContext, type RowResult } from '../lib/row.js';
import { startGateway } from '../lib/row-servers.js';
import { LOAD_CPU, SimulatorProcess, type CallTotals } from '../lib/services.js';
import { WsLoadClient } from '../lib/ws-load.js';

export interface U1Case {
  subscribers: number;
  subscribed: number;
  completedSubscribers: number;
  /** Calls the gateway made for this animation. */
  calls: CallTotals;
  /** From resume to the last subscriber seeing the end, ms. */
  jobMs: number;
  /** What per-subscriber fal.subscribe polling would cost for the same job. */
  pollingDesign: { submit: number; status: number; result: number; total: number };
  statuses: Record<string, number>;
}

/** Calls of the per-subscriber polling design for one job of jobMs, with n subscribers. */
export function pollingCost(n: number, jobMs: number, pollIntervalMs: number): U1Case['pollingDesign'] {
  const pollsEach = Math.max(1, Math.ceil(jobMs / pollIntervalMs));
  return { submit: 1, status: n * pollsEach, result: n, total: 1 + n * pollsEach + n };
}

export async function runU1(ctx: RowContext): Promise<RowResult> {
  const started = performance.now();
  const { u1, pin } = ctx.config;
  const group = new ProcessGroup();
  const cases: U1Case[] = [];
  try {
    const sim = await SimulatorProcess.start(group, { queueTickMs: 1, concurrency: 1_000, stepMs: u1.stepMs }, { pin });
    await sim.plan([{ match: U1_MARKER, plan: { steps: u1.steps, pauseAtStep: 0, stepMs: u1.stepMs } }]);
    const gateway = await startGateway(ctx, group, sim, { name: 'gateway-u1' });
    const client = await WsLoadClient.start(group, 'ws-client-u1', { cpu: LOAD_CPU, pin });
    for (const n of u1.subscribers) {
      const submitsBefore = (await sim.calls()).submit;
      const animation = await createPausedAnimation(gateway, sim, `bench upstream calls ${U1_MARKER}`);
      const opened = await openProgressSubscriptions(client, {
        url: gateway.wsUrl,
        animationId: animation.id,
        count: n,
        batch: 200,
        timeoutMs: u1.timeoutMs,
      });
      const resumedAt = performance.now();
      await sim.resume(animation.requestId);
      // The feed completes right after the terminal event; wait (bounded) for every subscriber's complete.
      await pollUntil(`U1 ${n}: every subscriber saw the end`, async () => (await client.state()).completes >= opened.subscribed, {
        timeoutMs: u1.timeoutMs,
        intervalMs: 20,
      }).catch(() => undefined);
      const jobMs = performance.now() - resumedAt;
      const state = await client.state();
      const collected = await client.collect(true);
      const perRequest = await sim.callsFor(animation.requestId);
      const submits = (await sim.calls()).submit - submitsBefore;
      await client.reset();
      const c: U1Case = {
        subscribers: n,
        subscribed: opened.subscribed,
        completedSubscribers: state.completes,
        calls: { submit: submits, ...perRequest },
        jobMs,
        pollingDesign: pollingCost(n, jobMs, u1.pollIntervalMs),
        statuses: collected.statuses,
      };
      cases.push(c);
      ctx.log(`U1 ${n}: ${JSON.stringify(c.calls)} (polling design: ${c.pollingDesign.total} calls), ${state.completes}/${n} completed`);
    }
    await client.close();
    await gateway.stop();
  } finally {
    await group.stopAll();
  }

  const upstream = (c: U1Case) => c.calls.submit + c.calls.status + c.calls.stream + c.calls.result + c.calls.cancel + c.calls.resultFile;
  const checks: Check[] = cases.map((c) => ({
    label: `${fmt(c.subscribers)} subscriber${c.subscribers === 1 ? '' : 's'}`,
    figure: `${fmt(upstream(c))} calls (submit ${c.calls.submit}, stream ${c.calls.stream}, status ${c.calls.status}, result ${c.calls.result}, video download ${c.calls.resultFile})`,
    baseline: `polling ${fmt(c.pollingDesign.total)} calls`,
    ratio: c.pollingDesign.total > 0 ? `${fmt(upstream(c) / c.pollingDesign.total, 4)}×` : '—',
    target: '1 submit + 1 stream (or 1 poll chain) + 1 result + 1 video download',
    pass:
      c.calls.submit === 1 &&
      c.calls.result === 1 &&
      c.calls.resultFile === 1 &&
      c.calls.cancel === 0 &&
      (c.calls.stream === 1 || (c.calls.stream === 0 && c.calls.status >= 1)) &&
      c.completedSubscribers >= c.subscribers,
  }));
  return {
    id: 'U1',
    what: ROW_TITLES.U1,
    status: statusOf(checks),
    checks,
    details: [
      `Job: ${u1.steps} log steps of ${u1.stepMs} ms after resume; calls counted by the simulator for that request (submits as the difference of its totals). The polling design: each subscriber polls status every ${u1.pollIntervalMs} ms for the job's duration plus 1 result each, plus the creator's 1 submit; a real uni-animate job runs for minutes, so it costs about ${fmt(60_000 / u1.pollIntervalMs)} polls per subscriber per minute, against 0 extra calls here.`,
      ...cases.map(
        (c) =>
          `${fmt(c.subscribers)} subscriber${c.subscribers === 1 ? '' : 's'}: ${fmt(c.subscribed)} subscribed, ${fmt(c.completedSubscribers)} saw the end; gateway calls ${JSON.stringify(c.calls)}; job ${fmt(c.jobMs)} ms → polling design ${fmt(c.pollingDesign.status)} status + ${fmt(c.pollingDesign.result)} result + 1 submit; events received by status ${JSON.stringify(c.statuses)}.`,
      ),
    ],
    raw: { cases },
    elapsedMs: performance.now() - started,
  };
}

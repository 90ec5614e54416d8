/**
 * The gateway side of S1, S2 and S4, on ONE gateway process (started with --expose-gc and the
 * gc-on-signal preload) and one animation whose simulator job is paused:
 *   1. S1: open subscriptions to it (one per socket, batches of 200) up to each count of
 *      rssSteps, reading RSS after two forced GCs at each;
 *   2. S4 idle: createAnimation load with those subscriptions connected but idle;
 *   3. S2: resume the job; the simulator then emits one new step every intervalMs, and each
 *      step is one upstream change the gateway must fan out to every subscriber. Latency per
 *      subscriber = receive time − the moment the simulator emitted the step (both CLOCK_MONOTONIC);
 *   4. S4 during fan-out: the same createAnimation load while the steps keep coming.
 */
import { createAnimationBody, FANOUT_MARKER } from '../lib/documents.js';
import { createPausedAnimation, openProgressSubscriptions, roundFigures, type RoundFigures } from '../lib/fanout.js';
import type { HttpLoadResult } from '../lib/http-load.js';
import { openInMemorySteps, type MemoryStep } from '../lib/memory-steps.js';
import { cpuTicks, ticksToUs } from '../lib/proc.js';
import { waitQuiet } from '../lib/quiet.js';
import { ProcessGroup } from '../lib/processes.js';
import type { RowContext } from '../lib/row.js';
import { loadGateway, startFanoutSimulator, startGateway } from '../lib/row-servers.js';
import { LOAD_CPU } from '../lib/services.js';
import { WsLoadClient } from '../lib/ws-load.js';

export interface LoadedFanout {
  /** Fan-out events every subscriber received while the loaded runs went on (min over sockets). */
  eventsDuringLoad: number;
  /** Steps seen in the stored events, with how many subscribers got each. */
  receiptsPerStep: Record<string, number>;
  invalid: number;
}

export interface GatewayFanoutSession {
  subscriptions: number;
  batch: number;
  memory: MemoryStep[];
  s4Idle: HttpLoadResult;
  rounds: RoundFigures[];
  /** Gateway CPU over the S2 rounds ÷ deliveries. */
  cpuUsPerDelivery: number;
  drops: number;
  invalidEvents: number;
  invalidSamples: string[];
  s4Loaded: HttpLoadResult;
  loaded: LoadedFanout;
  closedDuringSession: number;
}

export async function runGatewayFanout(ctx: RowContext): Promise<GatewayFanoutSession> {
  const { fanout, pin } = ctx.config;
  const group = new ProcessGroup();
  try {
    const sim = await startFanoutSimulator(group, pin, fanout.intervalMs);
    const gateway = await startGateway(ctx, group, sim, { name: 'gateway-fanout', gcHook: true });
    const client = await WsLoadClient.start(group, 'ws-client-gateway', { cpu: LOAD_CPU, pin });
    const animation = await createPausedAnimation(gateway, sim, `bench fan-out ${FANOUT_MARKER}`);
    ctx.log(`S1/S2/S4: gateway pid ${gateway.pid}, animation ${animation.id} paused upstream`);

    // 1. S1: idle subscriptions, RSS after GC at each count.
    const memory = await openInMemorySteps({
      counts: fanout.rssSteps,
      openMore: async (count) => {
        const open = await openProgressSubscriptions(client, {
          url: gateway.wsUrl,
          animationId: animation.id,
          count,
          batch: fanout.batch,
          timeoutMs: fanout.openTimeoutMs,
        });
        if (open.failed > 0) ctx.log(`S1: ${open.failed} subscriptions failed: ${open.errors.join(' | ')}`);
        return open;
      },
      memory: () => gateway.memory(),
      onStep: (step) =>
        ctx.log(
          `S1: ${step.open.subscribed} more opened at ${Math.round(step.open.perSecond)}/s, RSS ${Math.round(step.memory.rssKiB / 1024)} MiB at ${step.subscriptions}`,
        ),
    });
    const state = await client.state();
    const subscriptions = state.subscribed;

    // 2. S4 idle: createAnimation p99 with the subscriptions connected and idle.
    const s4Idle = await loadGateway(ctx, group, gateway, {
      label: 'S4 idle',
      body: createAnimationBody(),
      size: ctx.config.s4,
      onRun: (run, i) => ctx.log(`S4 idle run ${i + 1}: ${Math.round(run.rps)} req/s, p99 ${run.latencyMs.p99} ms`),
    });
    // The load's jobs finish within ms; wait (bounded) until the gateway has finished with them.
    await waitQuiet(gateway, sim, 1);

    // 3. S2: one upstream change per intervalMs, fanned out to every subscriber.
    await client.clear();
    await sim.watch(animation.requestId);
    const cpuBefore = cpuTicks(gateway.pid);
    await sim.resume(animation.requestId);
    for (let round = 1; round <= fanout.rounds; round++) {
      await sim.waitStep(animation.requestId, round, fanout.intervalMs * 2 + fanout.roundTimeoutMs);
      const reached = await client.waitEvents(round, fanout.roundTimeoutMs);
      ctx.log(`S2 round ${round}: ${reached.reached}/${reached.of} subscribers got step ${round}`);
    }
    const cpuUs = ticksToUs(cpuTicks(gateway.pid) - cpuBefore);
    const { stepTimes } = await sim.unwatch(animation.requestId);
    const collected = await client.collect(true);
    const rounds: RoundFigures[] = [];
    let drops = 0;
    for (let round = 1; round <= fanout.rounds; round++) {
      const t0 = stepTimes[String(round)];
      if (t0 === undefined) throw new Error(`the simulator recorded no time for step ${round}`);
      const figures = roundFigures(round, round, subscriptions, collected.byStep[round] ?? [], t0);
      drops += Math.max(0, figures.expected - figures.received);
      rounds.push(figures);
      ctx.log(
        `S2 round ${round}: p50 ${figures.latencyMs.p50.toFixed(1)} p99 ${figures.latencyMs.p99.toFixed(1)} max ${figures.latencyMs.max.toFixed(1)} ms`,
      );
    }
    const deliveries = rounds.reduce((sum, r) => sum + r.received, 0);

    // 4. S4 during fan-out: the same load while a new step reaches every subscriber each intervalMs.
    const before = await client.state();
    const s4Loaded = await loadGateway(ctx, group, gateway, {
      label: 'S4 fan-out',
      body: createAnimationBody(),
      size: ctx.config.s4,
      onRun: (run, i) => ctx.log(`S4 fan-out run ${i + 1}: ${Math.round(run.rps)} req/s, p99 ${run.latencyMs.p99} ms`),
    });
    // A fan-out may be under way when the load ends: let it reach everyone, and leave any later step out.
    const lastStep = (await client.state()).maxEvents;
    await client.waitEvents(lastStep, fanout.roundTimeoutMs);
    const after = await client.state();
    const loadedEvents = await client.collect(true);
    const receiptsPerStep: Record<string, number> = {};
    for (const [step, times] of Object.entries(loadedEvents.byStep)) if (Number(step) <= lastStep) receiptsPerStep[step] = times.length;

    await client.close();
    await gateway.stop();
    return {
      subscriptions,
      batch: fanout.batch,
      memory,
      s4Idle,
      rounds,
      cpuUsPerDelivery: deliveries > 0 ? cpuUs / deliveries : Number.NaN,
      drops,
      invalidEvents: collected.invalid,
      invalidSamples: collected.invalidSamples,
      s4Loaded,
      loaded: { eventsDuringLoad: after.minEvents - before.minEvents, receiptsPerStep, invalid: loadedEvents.invalid },
      closedDuringSession: after.closed,
    };
  } finally {
    await group.stopAll();
  }
}

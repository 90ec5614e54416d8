/**
 * Baseline W for S1 and S2, with the same client harness as the gateway session: idle memory at
 * each subscription count (RSS after two forced GCs), then `rounds` broadcasts of one
 * pre-serialised string to every socket, each measured from the server's t0 to every receipt.
 */
import { openProgressSubscriptions, roundFigures, type RoundFigures } from '../lib/fanout.js';
import { openInMemorySteps, type MemoryStep } from '../lib/memory-steps.js';
import { ProcessGroup } from '../lib/processes.js';
import type { RowContext } from '../lib/row.js';
import { BaselineW, LOAD_CPU } from '../lib/services.js';
import { WsLoadClient } from '../lib/ws-load.js';

export type { MemoryStep };

export interface FanoutBaseline {
  memory: MemoryStep[];
  rounds: RoundFigures[];
  /** Server-side time of each broadcast loop (first to last send), ms. */
  sendLoopMs: number[];
  drops: number;
}

export async function measureWFanout(ctx: RowContext): Promise<FanoutBaseline> {
  const { fanout, pin } = ctx.config;
  const group = new ProcessGroup();
  try {
    const w = await BaselineW.start(group, pin);
    const client = await WsLoadClient.start(group, 'ws-client-W', { cpu: LOAD_CPU, pin });
    const memory = await openInMemorySteps({
      counts: fanout.rssSteps,
      openMore: (count) =>
        openProgressSubscriptions(client, {
          url: w.wsUrl,
          animationId: 'baseline',
          count,
          batch: fanout.batch,
          batchTimeoutMs: 10_000,
          timeoutMs: fanout.openTimeoutMs,
        }),
      memory: () => w.memory(),
      onStep: (step, requested) =>
        ctx.log(
          `W: ${step.open.subscribed}/${requested} opened at ${Math.round(step.open.perSecond)}/s, RSS ${Math.round(step.memory.rssKiB / 1024)} MiB`,
        ),
    });
    const state = await client.state();
    const rounds: RoundFigures[] = [];
    const sendLoopMs: number[] = [];
    let drops = 0;
    for (let round = 1; round <= fanout.rounds; round++) {
      const step = round + 1;
      const sent = await w.broadcast(step);
      sendLoopMs.push((sent.lastSend - sent.t0) / 1000);
      await client.waitEvents(round, fanout.roundTimeoutMs);
      const collected = await client.collect(true);
      const figures = roundFigures(round, step, state.subscribed, collected.byStep[step] ?? [], sent.t0);
      drops += figures.expected - figures.received;
      rounds.push(figures);
      ctx.log(
        `W round ${round}: ${figures.received}/${figures.expected}, p50 ${figures.latencyMs.p50.toFixed(1)} p99 ${figures.latencyMs.p99.toFixed(1)} max ${figures.latencyMs.max.toFixed(1)} ms`,
      );
    }
    await client.close();
    return { memory, rounds, sendLoopMs, drops };
  } finally {
    await group.stopAll();
  }
}

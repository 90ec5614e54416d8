/**
 * S3: subscriptions held by one process. Two client processes open perClient subscriptions each
 * (batches of 200, in parallel), against W and then against the gateway (one animation, paused
 * upstream). Held means: every subscription got its snapshot, none was closed, and every one of
 * them receives the next upstream change.
 */
import type { BenchConfig } from '../config.js';
import { FANOUT_MARKER } from '../lib/documents.js';
import { createPausedAnimation, openProgressSubscriptions } from '../lib/fanout.js';
import { ProcessGroup } from '../lib/processes.js';
import { fmt, ratio, ROW_TITLES, statusOf, type Check, type RowContext, type RowResult } from '../lib/row.js';
import { startFanoutSimulator, startGateway } from '../lib/row-servers.js';
import { BaselineW, LOAD_CPU, type MemorySample } from '../lib/services.js';
import { WsLoadClient } from '../lib/ws-load.js';

export const S3_TARGET_RATE = 2_500;

export interface HoldFigures {
  target: number;
  clients: number;
  batch: number;
  subscribed: number;
  failed: number;
  openMs: number;
  perSecond: number;
  closed: number;
  delivered: number;
  drops: number;
  errors: string[];
  memory?: MemorySample;
  fds?: number;
}

interface Opened {
  subscribed: number;
  failed: number;
  openMs: number;
  errors: string[];
}

interface Held {
  closed: number;
  delivered: number;
}

async function openAll(clients: WsLoadClient[], url: string, animationId: string, size: BenchConfig['s3']): Promise<Opened> {
  const started = performance.now();
  const results = await Promise.all(
    clients.map((client) =>
      openProgressSubscriptions(client, { url, animationId, count: size.perClient, batch: size.batch, timeoutMs: size.openTimeoutMs }),
    ),
  );
  return {
    subscribed: results.reduce((sum, r) => sum + r.subscribed, 0),
    failed: results.reduce((sum, r) => sum + r.failed, 0),
    openMs: performance.now() - started,
    errors: results.flatMap((r) => r.errors).slice(0, 5),
  };
}

async function holdCheck(clients: WsLoadClient[], timeoutMs: number): Promise<Held> {
  const reached = await Promise.all(clients.map((client) => client.waitEvents(1, timeoutMs)));
  const states = await Promise.all(clients.map((client) => client.state()));
  return {
    delivered: reached.reduce((sum, r) => sum + r.reached, 0),
    closed: states.reduce((sum, s) => sum + s.closed, 0),
  };
}

async function startClients(group: ProcessGroup, count: number, name: string, pin: boolean): Promise<WsLoadClient[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => WsLoadClient.start(group, `${name}-${i + 1}`, { cpu: LOAD_CPU, pin })));
}

/** What every hold measurement reports: how many subscribed, how fast, and how many still got the next change. */
function holdFigures(size: BenchConfig['s3'], opened: Opened, held: Held): HoldFigures {
  const target = size.clients * size.perClient;
  return {
    target,
    clients: size.clients,
    batch: size.batch,
    ...opened,
    perSecond: opened.subscribed / (opened.openMs / 1000),
    ...held,
    drops: target - held.delivered + held.closed,
  };
}

export async function measureWHold(ctx: RowContext): Promise<HoldFigures> {
  const { s3, pin } = ctx.config;
  const group = new ProcessGroup();
  try {
    const w = await BaselineW.start(group, pin);
    const clients = await startClients(group, s3.clients, 'ws-client-W-hold', pin);
    const opened = await openAll(clients, w.wsUrl, 'baseline', s3);
    await w.broadcast(2);
    const held = await holdCheck(clients, 30_000);
    await Promise.all(clients.map((client) => client.close()));
    return holdFigures(s3, opened, held);
  } finally {
    await group.stopAll();
  }
}

export async function measureGatewayHold(ctx: RowContext): Promise<HoldFigures> {
  const { s3, pin } = ctx.config;
  const group = new ProcessGroup();
  try {
    const sim = await startFanoutSimulator(group, pin, ctx.config.fanout.intervalMs);
    const gateway = await startGateway(ctx, group, sim, { name: 'gateway-hold', gcHook: true });
    const clients = await startClients(group, s3.clients, 'ws-client-hold', pin);
    const animation = await createPausedAnimation(gateway, sim, `bench hold ${FANOUT_MARKER}`);
    const opened = await openAll(clients, gateway.wsUrl, animation.id, s3);
    ctx.log(`S3: ${opened.subscribed} subscribed (${opened.failed} failed) in ${Math.round(opened.openMs)} ms`);
    const memory = await gateway.memory();
    const fds = gateway.fds();
    // One upstream change must reach every subscription still held.
    await sim.resume(animation.requestId);
    const held = await holdCheck(clients, 60_000);
    ctx.log(`S3: the next change reached ${held.delivered}, ${held.closed} closed`);
    await Promise.all(clients.map((client) => client.close()));
    await gateway.stop();
    return { ...holdFigures(s3, opened, held), memory, fds };
  } finally {
    await group.stopAll();
  }
}

export function evaluateS3(gateway: HoldFigures, w: HoldFigures, elapsedMs: number): RowResult {
  const checks: Check[] = [
    {
      label: 'held',
      figure: fmt(gateway.subscribed - gateway.closed),
      baseline: `W ${fmt(w.subscribed - w.closed)}`,
      ratio: ratio(gateway.subscribed - gateway.closed, w.subscribed - w.closed),
      target: `${fmt(gateway.target)}`,
      pass: gateway.subscribed - gateway.closed >= gateway.target,
    },
    {
      label: 'drops',
      figure: fmt(gateway.drops),
      baseline: `W ${fmt(w.drops)}`,
      ratio: '—',
      target: '0',
      pass: gateway.drops === 0,
    },
    {
      label: 'open rate',
      figure: `${fmt(gateway.perSecond)}/s`,
      baseline: `W ${fmt(w.perSecond)}/s`,
      ratio: ratio(gateway.perSecond, w.perSecond),
      target: `≥ ${fmt(S3_TARGET_RATE)}/s`,
      pass: gateway.perSecond >= S3_TARGET_RATE,
    },
  ];
  return {
    id: 'S3',
    what: ROW_TITLES.S3,
    status: statusOf(checks),
    checks,
    details: [
      `${fmt(gateway.target)} subscriptions from ${gateway.clients} client processes of ${fmt(gateway.target / gateway.clients)} (batches of ${gateway.batch} each, in parallel; the open-file limit is 20,000 per process). Rate = subscriptions with a snapshot ÷ wall time from the first connect to the last snapshot.`,
      `Gateway: ${fmt(gateway.subscribed)} subscribed, ${fmt(gateway.failed)} failed, ${fmt(gateway.closed)} closed afterwards, ${fmt(gateway.delivered)} got the next upstream change; RSS after GC ${gateway.memory ? fmt(gateway.memory.rssKiB / 1024) : '?'} MiB, ${fmt(gateway.fds ?? Number.NaN)} open fds.`,
      `W: ${fmt(w.subscribed)} subscribed in ${fmt(w.openMs)} ms, ${fmt(w.delivered)} got the broadcast.`,
      ...(gateway.errors.length ? [`First errors: ${gateway.errors.map((e) => `\`${e.slice(0, 160)}\``).join('; ')}`] : []),
    ],
    raw: { gateway, w },
    elapsedMs,
  };
}

export async function runS3(ctx: RowContext): Promise<RowResult> {
  const started = performance.now();
  // One after the other (each alone on its core), except in a smoke run, which checks code paths only.
  const pending = ctx.config.mode === 'smoke' ? measureGatewayHold(ctx) : undefined;
  pending?.catch(() => undefined);
  const w = await measureWHold(ctx);
  ctx.log(`S3 W: ${w.subscribed} at ${Math.round(w.perSecond)}/s, drops ${w.drops}`);
  const gateway = await (pending ?? measureGatewayHold(ctx));
  ctx.log(`S3 gateway: ${gateway.subscribed} at ${Math.round(gateway.perSecond)}/s, drops ${gateway.drops}`);
  return evaluateS3(gateway, w, performance.now() - started);
}

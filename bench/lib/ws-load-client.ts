/**
 * WebSocket load client, run as its own process (pinned to the load CPU) and driven over IPC by
 * ws-load.ts. It speaks graphql-transport-ws on bare `ws`: one socket and one subscription per
 * simulated client, opened in batches. After the snapshot (the first `next`), a message costs one
 * clock read and one array push; parsing waits until the bench asks for the figures.
 */
import WebSocket from 'ws';

interface Conn {
  ws: WebSocket;
  state: 'connecting' | 'initialising' | 'subscribing' | 'subscribed' | 'failed' | 'closed';
  /** Events after the snapshot. */
  events: number;
  /** Receive time (µs, CLOCK_MONOTONIC) and raw text of the first STORE_CAP events since the last clear. */
  times: number[];
  data: Buffer[];
  completes: number;
  closeCode: number | undefined;
  error: string | undefined;
  onSettled: (() => void) | undefined;
}

export interface OpenCommand {
  cmd: 'open';
  url: string;
  count: number;
  batch: number;
  query: string;
  variables: Record<string, unknown>;
  /** Sent as connection_init payload { authorization }. */
  authorization: string;
  localAddress?: string;
  batchTimeoutMs: number;
  timeoutMs: number;
}

export interface OpenResult {
  requested: number;
  subscribed: number;
  failed: number;
  elapsedMs: number;
  perSecond: number;
  errors: string[];
}

export interface ClientState {
  total: number;
  subscribed: number;
  failed: number;
  closed: number;
  completes: number;
  minEvents: number;
  maxEvents: number;
  errors: string[];
}

export interface CollectResult {
  /** step → receive times (µs) of the event that carried that step's log line, one per socket */
  byStep: Record<number, number[]>;
  parsed: number;
  invalid: number;
  invalidSamples: string[];
  statuses: Record<string, number>;
}

export type Command =
  | OpenCommand
  | { cmd: 'state' }
  | { cmd: 'waitEvents'; minEvents: number; timeoutMs: number }
  | { cmd: 'collect'; clear: boolean }
  | { cmd: 'clear' }
  | { cmd: 'reset' }
  | { cmd: 'closeAll' };

const STORE_CAP = 64;
const STEP_PATTERN = /step (\d+)\//;
const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

const conns: Conn[] = [];
const errors: string[] = [];
let waiter: { minEvents: number; check: () => void } | undefined;

function noteError(message: string): void {
  if (errors.length < 20) errors.push(message);
}

function settle(conn: Conn, state: Conn['state'], error?: string): void {
  if (conn.state === 'subscribed' || conn.state === 'failed' || conn.state === 'closed') {
    if (state === 'closed' && conn.state === 'subscribed') conn.state = 'closed';
    return;
  }
  conn.state = state;
  if (error) {
    conn.error = error;
    noteError(error);
  }
  const done = conn.onSettled;
  conn.onSettled = undefined;
  done?.();
}

function openOne(command: OpenCommand): Conn {
  const ws = new WebSocket(command.url, 'graphql-transport-ws', {
    perMessageDeflate: false,
    handshakeTimeout: command.batchTimeoutMs,
    ...(command.localAddress ? { localAddress: command.localAddress } : {}),
  });
  const conn: Conn = {
    ws,
    state: 'connecting',
    events: 0,
    times: [],
    data: [],
    completes: 0,
    closeCode: undefined,
    error: undefined,
    onSettled: undefined,
  };
  ws.on('open', () => {
    conn.state = 'initialising';
    ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: command.authorization } }));
  });
  ws.on('message', (data: Buffer) => {
    const at = nowUs();
    if (conn.state === 'subscribed' || conn.state === 'closed') {
      if (data.length < 64) {
        // Only control messages are this short: complete, ping, pong.
        const text = data.toString();
        if (text.includes('"ping"')) ws.send('{"type":"pong"}');
        else if (text.includes('"complete"')) conn.completes++;
        return;
      }
      conn.events++;
      if (conn.times.length < STORE_CAP) {
        conn.times.push(at);
        conn.data.push(data);
      }
      if (waiter && conn.events === waiter.minEvents) waiter.check();
      return;
    }
    let message: { type?: string; payload?: unknown };
    try {
      message = JSON.parse(data.toString()) as { type?: string; payload?: unknown };
    } catch {
      settle(conn, 'failed', 'unparsable message during the handshake');
      return;
    }
    if (message.type === 'connection_ack') {
      conn.state = 'subscribing';
      ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: command.query, variables: command.variables } }));
    } else if (message.type === 'ping') {
      ws.send('{"type":"pong"}');
    } else if (message.type === 'next') {
      const payload = message.payload as { data?: unknown; errors?: unknown } | undefined;
      if (payload?.data && !payload.errors) settle(conn, 'subscribed');
      else settle(conn, 'failed', `snapshot with errors: ${JSON.stringify(payload).slice(0, 300)}`);
    } else {
      settle(conn, 'failed', `unexpected ${message.type ?? '?'} during the handshake: ${data.toString().slice(0, 300)}`);
    }
  });
  ws.on('error', (error) => settle(conn, 'failed', `socket error: ${error.message}`));
  ws.on('close', (code, reason) => {
    conn.closeCode = code;
    if (conn.state !== 'subscribed') settle(conn, 'failed', `closed ${code} ${reason.toString()} before the snapshot`);
    else conn.state = 'closed';
  });
  return conn;
}

async function open(command: OpenCommand): Promise<OpenResult> {
  const started = performance.now();
  const deadline = started + command.timeoutMs;
  let subscribed = 0;
  for (let opened = 0; opened < command.count && performance.now() < deadline;) {
    const size = Math.min(command.batch, command.count - opened);
    const batch: Conn[] = [];
    for (let i = 0; i < size; i++) batch.push(openOne(command));
    conns.push(...batch);
    opened += size;
    await new Promise<void>((resolve) => {
      let pending = batch.length;
      const timer = setTimeout(resolve, Math.min(command.batchTimeoutMs, Math.max(0, deadline - performance.now())));
      const one = () => {
        pending--;
        if (pending === 0) {
          clearTimeout(timer);
          resolve();
        }
      };
      for (const conn of batch) {
        if (conn.state === 'subscribed' || conn.state === 'failed') one();
        else conn.onSettled = one;
      }
    });
    for (const conn of batch) {
      conn.onSettled = undefined;
      if (conn.state === 'subscribed') subscribed++;
      else {
        if (conn.state !== 'failed') {
          conn.state = 'failed';
          noteError('no snapshot within the batch timeout');
        }
      }
    }
  }
  const elapsedMs = performance.now() - started;
  return {
    requested: command.count,
    subscribed,
    failed: command.count - subscribed,
    elapsedMs,
    perSecond: subscribed / (elapsedMs / 1000),
    errors: errors.slice(0, 5),
  };
}

function state(): ClientState {
  let subscribed = 0;
  let failed = 0;
  let closed = 0;
  let completes = 0;
  let minEvents = Number.POSITIVE_INFINITY;
  let maxEvents = 0;
  for (const conn of conns) {
    if (conn.state === 'subscribed') {
      subscribed++;
      minEvents = Math.min(minEvents, conn.events);
      maxEvents = Math.max(maxEvents, conn.events);
    } else if (conn.state === 'closed') closed++;
    else if (conn.state === 'failed') failed++;
    completes += conn.completes;
  }
  return {
    total: conns.length,
    subscribed,
    failed,
    closed,
    completes,
    minEvents: subscribed ? minEvents : 0,
    maxEvents,
    errors: errors.slice(0, 5),
  };
}

/** Resolves once every subscribed socket has had at least minEvents events, or at the timeout. */
function waitEvents(minEvents: number, timeoutMs: number): Promise<{ reached: number; of: number; elapsedMs: number }> {
  const started = performance.now();
  const live = conns.filter((conn) => conn.state === 'subscribed');
  let reached = live.filter((conn) => conn.events >= minEvents).length;
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      waiter = undefined;
      resolve({ reached, of: live.length, elapsedMs: performance.now() - started });
    };
    const timer = setTimeout(finish, timeoutMs);
    if (reached >= live.length) return finish();
    waiter = {
      minEvents,
      check: () => {
        reached++;
        if (reached >= live.length) finish();
      },
    };
  });
}

function collect(clear: boolean): CollectResult {
  const byStep: Record<number, number[]> = {};
  const statuses: Record<string, number> = {};
  const invalidSamples: string[] = [];
  let parsed = 0;
  let invalid = 0;
  for (const conn of conns) {
    for (let i = 0; i < conn.data.length; i++) {
      const text = conn.data[i]!.toString();
      try {
        const message = JSON.parse(text) as {
          type?: string;
          payload?: { data?: { animationProgress?: { status?: string; newLogs?: { message?: string }[] } }; errors?: unknown };
        };
        const progress = message.payload?.data?.animationProgress;
        if (message.type !== 'next' || !progress || message.payload?.errors) throw new Error('not a progress event');
        parsed++;
        statuses[progress.status ?? '?'] = (statuses[progress.status ?? '?'] ?? 0) + 1;
        // An event carries the log lines new since the previous one; it counts for the last step it names.
        let step: number | undefined;
        for (const log of progress.newLogs ?? []) {
          const match = STEP_PATTERN.exec(log.message ?? '');
          if (match) step = Number(match[1]);
        }
        if (step !== undefined) (byStep[step] ??= []).push(conn.times[i]!);
      } catch {
        invalid++;
        if (invalidSamples.length < 3) invalidSamples.push(text.slice(0, 300));
      }
    }
    if (clear) {
      conn.data = [];
      conn.times = [];
    }
  }
  return { byStep, parsed, invalid, invalidSamples, statuses };
}

/**
 * Drops a socket with a TCP reset rather than a FIN, so it leaves no TIME_WAIT entry behind: tens
 * of thousands of those (one per closed client socket, for a minute) make every later connect on
 * this machine slower, and so would skew the next row's open rate.
 */
function drop(conn: Conn): void {
  const socket = (conn.ws as unknown as { _socket?: { resetAndDestroy?: () => void } })._socket;
  if (socket?.resetAndDestroy) socket.resetAndDestroy();
  else conn.ws.terminate();
}

async function closeAll(): Promise<void> {
  for (const conn of conns) drop(conn);
}

process.on('message', (raw: { id: number; command: Command }) => {
  const { id, command } = raw;
  const reply = (result: unknown) => process.send?.({ id, ok: true, result });
  const fail = (error: unknown) => process.send?.({ id, ok: false, error: String(error) });
  switch (command.cmd) {
    case 'open':
      open(command).then(reply, fail);
      break;
    case 'state':
      reply(state());
      break;
    case 'waitEvents':
      waitEvents(command.minEvents, command.timeoutMs).then(reply, fail);
      break;
    case 'collect':
      reply(collect(command.clear));
      break;
    case 'clear':
      for (const conn of conns) {
        conn.data = [];
        conn.times = [];
      }
      reply(true);
      break;
    case 'reset':
      // Terminates every socket and forgets them (and their errors): the next open starts afresh.
      for (const conn of conns) drop(conn);
      conns.length = 0;
      errors.length = 0;
      reply(true);
      break;
    case 'closeAll':
      closeAll().then(() => {
        reply(true);
        setTimeout(() => process.exit(0), 50).unref();
      }, fail);
      break;
  }
});
// The bench owns this process: without it, there is nothing to do.
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(4), Number(process.env.BENCH_LIFETIME_MS ?? 15 * 60_000)).unref();
process.send?.({ id: 0, ok: true, result: 'ready' });

/**
 * Baseline W: a bare `ws` server that speaks just enough graphql-transport-ws for the bench's
 * client (connection_init → connection_ack, subscribe → one snapshot `next`, ping → pong) and
 * broadcasts ONE pre-serialised string to every subscribed socket. Prints
 *   BENCH_READY {"url":"ws://…/graphql","control":"http://…","pid":…}
 * Control API: GET /stats → {sockets, subscribed}; POST /broadcast?step=N → sends an
 * animationProgress event for step N to every subscriber and answers
 * {t0, firstSend, lastSend, sent} (µs of CLOCK_MONOTONIC; t0 is taken before the string is built).
 * Memory figures come from the gc-on-signal preload (SIGUSR2), exactly as for the gateway.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
const STEPS = 100;

/** What the gateway sends for one progress step, with the same selection set as the bench's subscription. */
function nextMessage(id: string, step: number, logs: string[]): string {
  return JSON.stringify({
    id,
    type: 'next',
    payload: {
      data: {
        animationProgress: {
          status: 'IN_PROGRESS',
          queuePosition: null,
          progress: step / STEPS,
          newLogs: logs.map((message) => ({ message })),
        },
      },
    },
  });
}

const subscribed = new Map<WebSocket, string>();
const snapshotCache = new Map<string, string>();
const ACK = JSON.stringify({ type: 'connection_ack' });
const PONG = JSON.stringify({ type: 'pong' });

const server = createServer();
const wss = new WebSocketServer({ server, path: '/graphql', perMessageDeflate: false });
wss.on('connection', (ws) => {
  // Clients drop their sockets with a reset at the end of a row.
  ws.on('error', () => undefined);
  ws.on('message', (data) => {
    let message: { type?: string; id?: string };
    try {
      message = JSON.parse(String(data)) as { type?: string; id?: string };
    } catch {
      ws.close(4400, 'Invalid message');
      return;
    }
    if (message.type === 'connection_init') ws.send(ACK);
    else if (message.type === 'ping') ws.send(PONG);
    else if (message.type === 'subscribe' && typeof message.id === 'string') {
      subscribed.set(ws, message.id);
      let snapshot = snapshotCache.get(message.id);
      if (!snapshot) {
        snapshot = nextMessage(message.id, 1, ['Loading models', `Sampling step 1/${STEPS}`]);
        snapshotCache.set(message.id, snapshot);
      }
      ws.send(snapshot);
    } else if (message.type === 'complete') subscribed.delete(ws);
  });
  ws.on('close', () => subscribed.delete(ws));
});

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function control(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://control');
  if (url.pathname === '/stats') return send(res, 200, { sockets: wss.clients.size, subscribed: subscribed.size });
  if (url.pathname === '/broadcast' && req.method === 'POST') {
    const step = Number(url.searchParams.get('step') ?? 2);
    const t0 = nowUs();
    const byId = new Map<string, string>();
    let firstSend = 0;
    let sent = 0;
    for (const [ws, id] of subscribed) {
      let text = byId.get(id);
      if (text === undefined) {
        text = nextMessage(id, step, [`Sampling step ${step}/${STEPS}`]);
        byId.set(id, text);
      }
      ws.send(text);
      if (sent === 0) firstSend = nowUs();
      sent++;
    }
    return send(res, 200, { t0, firstSend, lastSend: nowUs(), sent });
  }
  send(res, 404, { error: 'not found' });
}

const controlServer = createServer(control);
await new Promise<void>((resolve) => server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', resolve));
await new Promise<void>((resolve) => controlServer.listen(0, '127.0.0.1', resolve));

const stop = () => {
  for (const ws of wss.clients) ws.terminate();
  controlServer.close();
  controlServer.closeAllConnections();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
setTimeout(stop, Number(process.env.BENCH_LIFETIME_MS ?? 15 * 60_000)).unref();

const { port } = server.address() as AddressInfo;
const controlPort = (controlServer.address() as AddressInfo).port;
console.log(
  `BENCH_READY ${JSON.stringify({ url: `ws://127.0.0.1:${port}/graphql`, control: `http://127.0.0.1:${controlPort}`, pid: process.pid })}`,
);

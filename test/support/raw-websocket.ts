import { onTestFinished } from 'vitest';
import WebSocket from 'ws';

export interface RawSocket {
  ws: WebSocket;
  /** Every message the server sent, parsed. */
  messages: Record<string, unknown>[];
  /** Resolves when the socket opened (101), rejects when the upgrade was refused. */
  opened: Promise<void>;
  /** Resolves with the close code and reason once the socket is closed. */
  closed: Promise<{ code: number; reason: string }>;
  send(message: unknown): void;
  /** Resolves with the first message matching `predicate`, within `timeoutMs`. */
  next(predicate: (message: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** A bare WebSocket speaking whatever the test sends, to probe protocol rules and close codes. */
export function rawSocket(
  baseUrl: string,
  { protocol = 'graphql-transport-ws', headers = {} }: { protocol?: string | null; headers?: Record<string, string> } = {},
): RawSocket {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/graphql`, protocol === null ? [] : [protocol], { headers });
  onTestFinished(() => ws.terminate());
  const messages: Record<string, unknown>[] = [];
  const listeners = new Set<() => void>();
  ws.on('message', (data) => {
    messages.push(JSON.parse(String(data)) as Record<string, unknown>);
    for (const listener of [...listeners]) listener();
  });
  ws.on('error', () => undefined);
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
  });
  opened.catch(() => undefined);
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  return {
    ws,
    messages,
    opened,
    closed,
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    next: (predicate, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(predicate);
          if (found) {
            cleanup();
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      }),
  };
}

/** Opens a raw socket and completes the graphql-transport-ws handshake with `payload`. */
export async function initialisedSocket(baseUrl: string, payload: Record<string, unknown>): Promise<RawSocket> {
  const socket = rawSocket(baseUrl);
  await socket.opened;
  socket.send({ type: 'connection_init', payload });
  await socket.next((m) => m.type === 'connection_ack');
  return socket;
}

import { onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { within } from './eventually.js';

/** How long `opened` and `closed` wait, from when they are read, before they reject saying what they waited for. */
export const SOCKET_WAIT_MS = 15_000;

export interface RawSocket {
  ws: WebSocket;
  /** Every message the server sent, parsed. */
  messages: Record<string, unknown>[];
  /**
   * Resolves when the socket opened (101), rejects when the upgrade was refused or the socket closed first; rejects
   * too if that has not happened within SOCKET_WAIT_MS of reading this property.
   */
  readonly opened: Promise<void>;
  /** Resolves with the close code and reason once the socket is closed; rejects if not closed within SOCKET_WAIT_MS of reading this property. */
  readonly closed: Promise<{ code: number; reason: string }>;
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
    ws.once('close', (code, reason) => reject(new Error(`socket closed (${code} ${String(reason)}) before it opened`)));
  });
  opened.catch(() => undefined);
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  return {
    ws,
    messages,
    // Each read starts its own bound, so a socket awaited late in a long test is not cut short.
    get opened() {
      const bounded = within(opened, SOCKET_WAIT_MS, `the WebSocket to ${baseUrl} to open`);
      bounded.catch(() => undefined);
      return bounded;
    },
    get closed() {
      const bounded = within(closed, SOCKET_WAIT_MS, () => `the WebSocket to ${baseUrl} to close; got ${JSON.stringify(messages)}`);
      bounded.catch(() => undefined);
      return bounded;
    },
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

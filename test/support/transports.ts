import { createParser } from 'eventsource-parser';
import { initialisedSocket } from './raw-websocket.js';

export interface Answer {
  codes: (string | undefined)[];
  messages: string[];
  data: unknown;
}

function answerOf(body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] }): Answer {
  return {
    codes: (body.errors ?? []).map((error) => error.extensions?.code),
    messages: (body.errors ?? []).map((error) => error.message),
    data: body.data ?? null,
  };
}

/**
 * Sends one operation over HTTP, SSE and WebSocket and returns each transport's first
 * answer, so tests can check that every rule holds the same on all three.
 */
export async function answersOnEveryTransport(
  baseUrl: string,
  query: string,
  { headers = {}, variables = {} }: { headers?: Record<string, string>; variables?: Record<string, unknown> } = {},
): Promise<{ http: Answer; sse: Answer; ws: Answer }> {
  const body = JSON.stringify({ query, variables });
  const http = await fetch(`${baseUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const sse = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body,
  });
  const socket = await initialisedSocket(baseUrl, headers.authorization ? { authorization: headers.authorization } : {});
  socket.send({ id: 'probe', type: 'subscribe', payload: { query, variables } });
  const message = await socket.next((m) => m.id === 'probe' && (m.type === 'next' || m.type === 'error'));
  socket.ws.close();
  return {
    http: answerOf(await http.json()),
    sse: answerOf(await firstSseEvent(sse)),
    ws: answerOf(message.type === 'error' ? { errors: message.payload as never } : (message.payload as never)),
  };
}

async function firstSseEvent(response: Response): Promise<never> {
  if (!response.headers.get('content-type')?.startsWith('text/event-stream')) return (await response.json()) as never;
  const text = await response.text();
  let first: unknown;
  createParser({ onEvent: (event) => (first ??= event.data ? JSON.parse(event.data) : undefined) }).feed(text);
  return first as never;
}

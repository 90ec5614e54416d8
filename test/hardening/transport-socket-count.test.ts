import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AUTH_ENV, bearer, jwtFor } from '../support/auth.js';
import { eventually, within } from '../support/eventually.js';
import { startSimulator, startTestGateway } from '../support/harness.js';
import { initialisedSocket } from '../support/raw-websocket.js';

/** The open-socket gauge as /metrics reports it. */
async function openSockets(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return Number(/^gateway_websockets (\d+)$/m.exec(text)?.[1]);
}

/** Opens a socket, sends connection_init with `payload`, and destroys the TCP connection as soon as the frame is written. */
function initAndVanish(baseUrl: string, payload: Record<string, unknown>): Promise<void> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/graphql`, ['graphql-transport-ws']);
  ws.on('error', () => undefined);
  ws.once('open', () => {
    const tcp = (ws as unknown as { _socket: Socket })._socket;
    ws.send(JSON.stringify({ type: 'connection_init', payload }), () => tcp.destroy());
  });
  return new Promise((resolve) => ws.once('close', () => resolve()));
}

describe('the per-owner socket count', () => {
  it('is not left behind by sockets that vanish while their JWT is being checked: the owner can still connect', async () => {
    const gateway = await startTestGateway(await startSimulator(), AUTH_ENV);
    const token = await jwtFor('erin');
    await within(
      Promise.all(Array.from({ length: 100 }, () => initAndVanish(gateway.url, bearer(token)))),
      15_000,
      '100 sockets that sent connection_init and vanished to close',
    );

    const socket = await initialisedSocket(gateway.url, bearer(token));
    socket.send({ id: '1', type: 'subscribe', payload: { query: '{ __typename }' } });
    expect(await socket.next((m) => m.id === '1' && m.type === 'next')).toMatchObject({ payload: { data: { __typename: 'Query' } } });
    // 49 more sockets of the same owner fit under MAX_SOCKETS_PER_OWNER (50): none of the vanished ones is still counted.
    const more = await Promise.all(Array.from({ length: 49 }, () => initialisedSocket(gateway.url, bearer(token))));
    expect(more).toHaveLength(49);
    await eventually(async () => expect(await openSockets(gateway.url), 'the socket gauge to count the 50 open sockets').toBe(50));

    for (const open of [socket, ...more]) open.ws.close();
    await Promise.all([socket, ...more].map((open) => open.closed));
    await eventually(async () => expect(await openSockets(gateway.url), 'the socket gauge back to 0').toBe(0));
  });
});

import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { AnimationProgressDocument, CreateAnimationDocument } from '../gql/graphql.js';
import { dataOf, graphqlHttp, subscribeSse, subscribeWs, wsClient } from '../support/graphql-clients.js';
import { startSimulator, startTestGateway } from '../support/harness.js';
import { input } from '../support/inputs.js';
import { completedLogs, logMessages, progressOf } from '../support/progress.js';

const TIMEOUTS = { REQUEST_HEADERS_TIMEOUT_MS: '200', REQUEST_TIMEOUT_MS: '400' };
/** Generous against the 400 ms timeout: the bound on waiting for the server to close a stalled connection. */
const CLOSE_BOUND_MS = 5_000;

interface Stalled {
  /** Resolves with what the server sent before it closed the connection; rejects if it is still open after the bound. */
  closed: Promise<string>;
  socket: Socket;
}

/** Opens a raw connection, writes `head`, and then sends nothing more. */
function stalledClient(baseUrl: string, head: string): Stalled {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect({ host: hostname, port: Number(port) });
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => undefined);
  socket.write(head);
  const closed = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`stalled connection still open after ${CLOSE_BOUND_MS} ms; received ${JSON.stringify(received)}`));
    }, CLOSE_BOUND_MS);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
  });
  return { closed, socket };
}

/** A request with its headers and the start of its body, as a client that then stalls sends it. */
function partialBody(baseUrl: string): string {
  const { host } = new URL(baseUrl);
  return `POST /graphql HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"query":"{ __typename`;
}

describe('clients that stop sending', () => {
  it('closes a connection whose request body never ends, with 408', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator, TIMEOUTS);
    const stalled = stalledClient(gateway.url, partialBody(gateway.url));
    expect(await stalled.closed).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes a connection whose headers never end, with 408', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator, TIMEOUTS);
    const stalled = stalledClient(gateway.url, `POST /graphql HTTP/1.1\r\nHost: ${new URL(gateway.url).host}\r\nContent-Type: appl`);
    expect(await stalled.closed).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('does not cut SSE and WebSocket subscriptions that outlive REQUEST_TIMEOUT_MS', async () => {
    const simulator = await startSimulator();
    simulator.plan(() => ({ pauseAtStep: 2 }));
    const gateway = await startTestGateway(simulator, TIMEOUTS);
    const created = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() })).createAnimation;
    const overSse = subscribeSse(gateway.url, AnimationProgressDocument, { id: created.id });
    const overWs = subscribeWs(wsClient(gateway.url), AnimationProgressDocument, { id: created.id });
    for (const subscription of [overSse, overWs]) {
      await subscription.waitFor((events) => logMessages(events).includes('Sampling step 2/30'));
    }

    // A request opened after both subscriptions is cut for its timeout: by then they have outlived it.
    expect(await stalledClient(gateway.url, partialBody(gateway.url)).closed).toMatch(/^HTTP\/1\.1 408 /);
    expect(overSse.isComplete).toBe(false);
    expect(overWs.isComplete).toBe(false);

    simulator.resume(created.requestId!);
    for (const subscription of [overSse, overWs]) {
      const events = await subscription.untilComplete();
      expect(progressOf(events).at(-1)!.status).toBe('COMPLETED');
      expect(logMessages(events)).toEqual(completedLogs(simulator, created.requestId!));
    }
  });
});

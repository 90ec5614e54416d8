import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { CreateAnimationDocument } from '../gql/graphql.js';
import { ALICE_KEY, AUTH_ENV, bearer } from '../support/auth.js';
import { within } from '../support/eventually.js';
import { dataOf, graphqlHttp } from '../support/graphql-clients.js';
import { startSimulator, startTestGateway } from '../support/harness.js';
import { input } from '../support/inputs.js';
import { initialisedSocket, rawSocket } from '../support/raw-websocket.js';

const SUBSCRIPTION = 'subscription($id: ID!) { animationProgress(id: $id) { status } }';

describe('HTTP request rules', () => {
  it('refuses simple-content-type POSTs and GETs without the CSRF header, and mutations over GET', async () => {
    const gateway = await startTestGateway(await startSimulator());
    const post = (contentType: string, body: string, headers: Record<string, string> = {}) =>
      fetch(`${gateway.url}/graphql`, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body });
    expect((await post('text/plain', '{"query":"{__typename}"}')).status).toBe(403);
    expect((await post('application/x-www-form-urlencoded', 'query={__typename}')).status).toBe(403);
    expect((await post('multipart/form-data; boundary=x', '--x--')).status).toBe(403);
    expect((await fetch(`${gateway.url}/graphql?query={__typename}`)).status).toBe(403);
    const csrf = { 'x-graphql-yoga-csrf': '1' };
    expect((await fetch(`${gateway.url}/graphql?query={__typename}`, { headers: csrf })).status).toBe(200);
    const mutation = encodeURIComponent('mutation { cancelAnimation(id: "x") { id } }');
    expect((await fetch(`${gateway.url}/graphql?query=${mutation}`, { headers: csrf })).status).toBe(405);
  });

  it('refuses batches, bodies over the size limit, and bodies of unknown length, each with a code', async () => {
    const gateway = await startTestGateway(await startSimulator(), { MAX_REQUEST_BYTES: '2048' });
    const batch = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
    });
    expect(batch.status).toBe(400);
    expect(((await batch.json()) as { errors: { extensions: { code: string } }[] }).errors.map((error) => error.extensions.code)).toEqual([
      'BAD_REQUEST',
    ]);

    const big = await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input({ prompt: 'x'.repeat(3000) }) });
    expect(big.httpStatus).toBe(413);
    expect(big.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const chunked = await within(
      new Promise<number>((resolve, reject) => {
        const request = httpRequest(
          `${gateway.url}/graphql`,
          { method: 'POST', headers: { 'content-type': 'application/json' } },
          (res) => {
            res.resume();
            resolve(res.statusCode!);
          },
        );
        request.on('error', reject);
        request.write('{"query":');
        request.end('"{ __typename }"}');
      }),
      10_000,
      'the answer to a chunked POST',
    );
    expect(chunked).toBe(411);
  });

  it('answers CORS only for allowed origins when ALLOWED_ORIGINS is set', async () => {
    const gateway = await startTestGateway(await startSimulator(), { ALLOWED_ORIGINS: 'https://studio.example' });
    const preflight = (url: string, origin: string) =>
      fetch(`${url}/graphql`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    const allowOrigin = async (origin: string) => (await preflight(gateway.url, origin)).headers.get('access-control-allow-origin');
    expect(await allowOrigin('https://studio.example')).toBe('https://studio.example');
    // One allowed origin is always named as it is; a browser refuses the answer for any other origin.
    expect(await allowOrigin('https://evil.example')).toBe('https://studio.example');

    const two = await startTestGateway(await startSimulator(), { ALLOWED_ORIGINS: 'https://studio.example,https://admin.example' });
    const allowOriginOfTwo = async (origin: string) => (await preflight(two.url, origin)).headers.get('access-control-allow-origin');
    expect(await allowOriginOfTwo('https://studio.example')).toBe('https://studio.example');
    expect(await allowOriginOfTwo('https://admin.example')).toBe('https://admin.example');
    expect(await allowOriginOfTwo('https://evil.example')).toBe('null');
  });
});

describe('WebSocket rules', () => {
  it('speaks only graphql-transport-ws: no legacy or missing subprotocol ever gets an answer', async () => {
    const gateway = await startTestGateway(await startSimulator());
    const missing = rawSocket(gateway.url, { protocol: null });
    expect((await missing.closed).code).toBe(4406);
    // The server does not agree to the legacy protocol, so the client aborts the handshake itself.
    const legacy = rawSocket(gateway.url, { protocol: 'graphql-ws' });
    legacy.ws.once('open', () => legacy.send({ type: 'connection_init', payload: {} }));
    expect([1006, 4406]).toContain((await legacy.closed).code);
    expect(legacy.messages).toEqual([]);
  });

  it('closes a socket that never sends connection_init with 4408', async () => {
    const gateway = await startTestGateway(await startSimulator(), { WS_INIT_TIMEOUT_MS: '300' });
    const silent = rawSocket(gateway.url);
    expect((await silent.closed).code).toBe(4408);
  });

  it('enforces the protocol: a second init (4429), subscribe before ack (4401), a reused operation id (4409)', async () => {
    const simulator = await startSimulator();
    simulator.plan(() => ({ pauseAtStep: 1 }));
    const gateway = await startTestGateway(simulator);
    const twice = await initialisedSocket(gateway.url, {});
    twice.send({ type: 'connection_init', payload: {} });
    expect((await twice.closed).code).toBe(4429);

    const early = rawSocket(gateway.url);
    await early.opened;
    early.send({ id: '1', type: 'subscribe', payload: { query: '{ __typename }' } });
    expect((await early.closed).code).toBe(4401);

    const created = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() }));
    const reuse = await initialisedSocket(gateway.url, {});
    const subscribe = { id: 'same', type: 'subscribe', payload: { query: SUBSCRIPTION, variables: { id: created.createAnimation.id } } };
    reuse.send(subscribe);
    await reuse.next((m) => m.type === 'next');
    reuse.send(subscribe);
    expect((await reuse.closed).code).toBe(4409);
  });

  it('refuses the subscription over the per-socket cap with RATE_LIMITED, and keeps the socket open', async () => {
    const simulator = await startSimulator();
    simulator.plan(() => ({ pauseAtStep: 1 }));
    const gateway = await startTestGateway(simulator, { MAX_SUBSCRIPTIONS_PER_SOCKET: '2' });
    const created = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() }));
    const socket = await initialisedSocket(gateway.url, {});
    for (const id of ['1', '2', '3']) {
      socket.send({ id, type: 'subscribe', payload: { query: SUBSCRIPTION, variables: { id: created.createAnimation.id } } });
    }
    const refused = await socket.next((m) => m.id === '3' && m.type === 'error');
    expect((refused.payload as { extensions: { code: string } }[])[0]!.extensions.code).toBe('RATE_LIMITED');
    await socket.next((m) => m.id === '2' && m.type === 'next');
    socket.send({ id: '2', type: 'complete' });
    socket.send({ id: '4', type: 'subscribe', payload: { query: '{ __typename }' } });
    expect(await socket.next((m) => m.id === '4' && m.type === 'next')).toMatchObject({ payload: { data: { __typename: 'Query' } } });
  });

  it('refuses an owner more sockets than MAX_SOCKETS_PER_OWNER with 4403, and frees the place when one closes', async () => {
    const gateway = await startTestGateway(await startSimulator(), { ...AUTH_ENV, MAX_SOCKETS_PER_OWNER: '2' });
    const payload = bearer(ALICE_KEY);
    const first = await initialisedSocket(gateway.url, payload);
    await initialisedSocket(gateway.url, payload);
    const third = rawSocket(gateway.url);
    await third.opened;
    third.send({ type: 'connection_init', payload });
    expect(await third.closed).toEqual({ code: 4403, reason: 'Too many connections' });
    first.ws.close();
    await first.closed;
    await initialisedSocket(gateway.url, payload);
  });

  it('closes a socket that sends a message over WS_MAX_PAYLOAD_BYTES with 1009', async () => {
    const gateway = await startTestGateway(await startSimulator(), { WS_MAX_PAYLOAD_BYTES: '1024' });
    const socket = await initialisedSocket(gateway.url, {});
    socket.send({ id: '1', type: 'subscribe', payload: { query: `{ __typename } # ${'x'.repeat(2000)}` } });
    expect((await socket.closed).code).toBe(1009);
  });

  it('refuses the upgrade from a foreign Origin when ALLOWED_ORIGINS is set', async () => {
    const gateway = await startTestGateway(await startSimulator(), { ALLOWED_ORIGINS: 'https://studio.example' });
    await expect(rawSocket(gateway.url, { headers: { origin: 'https://evil.example' } }).opened).rejects.toThrow(/403/);
    await rawSocket(gateway.url, { headers: { origin: 'https://studio.example' } }).opened;
    await rawSocket(gateway.url).opened;
  });
});

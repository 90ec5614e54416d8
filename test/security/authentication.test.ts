import { createServer } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../../src/config.js';
import { AnimationProgressDocument, AnimationsDocument, CreateAnimationDocument } from '../gql/graphql.js';
import { ALICE_KEY, AUTH_ENV, bearer, BOB_KEY, jwtFor } from '../support/auth.js';
import { dataOf, graphqlHttp, subscribeSse, subscribeWs, wsClient } from '../support/graphql-clients.js';
import { startSimulator, startTestGateway } from '../support/harness.js';
import { input } from '../support/inputs.js';
import { rawSocket } from '../support/raw-websocket.js';

/** The life of the token that must expire while its socket is open. */
const EXPIRING_TOKEN_SECONDS = 8;

async function gatewayWithAuth(env: Record<string, string> = AUTH_ENV) {
  const simulator = await startSimulator();
  return { simulator, gateway: await startTestGateway(simulator, env) };
}

/** Opens a socket, sends connection_init with `payload`, and resolves with how the server closed it (or 'acknowledged'). */
async function handshake(url: string, payload: Record<string, unknown> | undefined) {
  const socket = rawSocket(url);
  await socket.opened;
  socket.send(payload === undefined ? { type: 'connection_init' } : { type: 'connection_init', payload });
  return Promise.race([socket.next((m) => m.type === 'connection_ack').then(() => 'acknowledged' as const), socket.closed]);
}

describe('API keys', () => {
  it('let a caller in over HTTP, SSE and WebSocket; a missing or wrong key is UNAUTHENTICATED (401) or closes with 4403', async () => {
    const { gateway, simulator } = await gatewayWithAuth();

    const missing = await graphqlHttp(gateway.url, AnimationsDocument, {});
    expect(missing.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(missing.httpStatus).toBe(401);
    const wrong = await graphqlHttp(gateway.url, AnimationsDocument, {}, bearer(`${ALICE_KEY}x`));
    expect(wrong.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const notBearer = await graphqlHttp(gateway.url, AnimationsDocument, {}, { authorization: ALICE_KEY });
    expect(notBearer.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const refused = await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() }, bearer('nope'));
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(simulator.calls.submit).toBe(0);

    const created = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() }, bearer(ALICE_KEY)));
    const sse = await subscribeSse(gateway.url, AnimationProgressDocument, { id: created.createAnimation.id }).untilComplete();
    expect(sse[0]!.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const sseOk = await subscribeSse(
      gateway.url,
      AnimationProgressDocument,
      { id: created.createAnimation.id },
      bearer(ALICE_KEY),
    ).untilComplete();
    expect(dataOf(sseOk.at(-1)!).animationProgress.status).toBe('COMPLETED');

    expect(await handshake(gateway.url, undefined)).toMatchObject({ code: 4403 });
    expect(await handshake(gateway.url, { authorization: 'Bearer nope' })).toMatchObject({ code: 4403 });
    expect(await handshake(gateway.url, { authorization: `Bearer ${BOB_KEY}` })).toBe('acknowledged');
  });

  it('refuses, at start-up, keys too short to be secret', () => {
    expect(() => loadConfig({ API_KEYS: 'alice:short' })).toThrow(/at least 16 characters/);
  });
});

describe('JWTs', () => {
  it('accept a valid HS256 token whose sub is the owner, and refuse expired, foreign, mis-addressed or exp-less ones', async () => {
    const { gateway } = await gatewayWithAuth();
    const ok = await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() }, bearer(await jwtFor('carol')));
    expect(ok.errors).toBeUndefined();

    const noExp = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('carol')
      .setIssuer(AUTH_ENV.JWT_ISSUER)
      .setAudience(AUTH_ENV.JWT_AUDIENCE)
      .sign(new TextEncoder().encode(AUTH_ENV.JWT_SECRET));
    const refused = [
      await jwtFor('carol', { expiresInSeconds: -10 }),
      await jwtFor('carol', { issuer: 'https://evil.test' }),
      await jwtFor('carol', { audience: 'someone-else' }),
      await jwtFor('carol', { secret: 'another-secret-0123456789abcdef' }),
      noExp,
    ];
    for (const token of refused) {
      const result = await graphqlHttp(gateway.url, AnimationsDocument, {}, bearer(token));
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(await handshake(gateway.url, { authorization: `Bearer ${token}` })).toMatchObject({ code: 4403 });
    }
  });

  it('closes a WebSocket with 4403 when its JWT expires while it is open', async () => {
    const { gateway, simulator } = await gatewayWithAuth();
    simulator.plan(() => ({ pauseAtStep: 1 }));
    const created = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() }, bearer(await jwtFor('carol'))));
    // Long enough to be valid at connection_init however loaded the machine (`exp` is whole seconds, so 7 to 8 s from now);
    // the close is then awaited as the event it is, with its own bound.
    const token = await jwtFor('carol', { expiresInSeconds: EXPIRING_TOKEN_SECONDS });
    const socket = rawSocket(gateway.url);
    await socket.opened;
    socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
    await socket.next((m) => m.type === 'connection_ack');
    socket.send({
      id: '1',
      type: 'subscribe',
      payload: { query: 'subscription($id: ID!) { animationProgress(id: $id) { status } }', variables: { id: created.createAnimation.id } },
    });
    const first = await socket.next((m) => m.type === 'next');
    expect(first).toMatchObject({
      id: '1',
      payload: { data: { animationProgress: { status: expect.stringMatching(/^IN_(QUEUE|PROGRESS)$/) } } },
    });
    // `closed` waits up to 15 s for the close, which the expiry brings within 8 s.
    expect(await socket.closed).toEqual({ code: 4403, reason: 'Forbidden' });
  });

  it('accepts tokens signed by a key from JWT_JWKS_URL', async () => {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA' }] };
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const { gateway } = await gatewayWithAuth({ JWT_JWKS_URL: `http://127.0.0.1:${port}/jwks.json` });
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
        .setSubject('dave')
        .setExpirationTime(now + 60)
        .sign(privateKey);
      const client = wsClient(gateway.url, { connectionParams: () => ({ authorization: `Bearer ${token}` }) });
      const created = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() }, bearer(token)));
      const events = await subscribeWs(client, AnimationProgressDocument, { id: created.createAnimation.id }).untilComplete();
      expect(dataOf(events.at(-1)!).animationProgress.status).toBe('COMPLETED');
      await client.dispose();
      await gateway.stop();
    } finally {
      server.close();
    }
  });
});

describe('without credentials configured', () => {
  it('serves every caller as the single owner local, on loopback', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator);
    const created = await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() }, bearer('anything'));
    expect(created.errors).toBeUndefined();
    expect(await handshake(gateway.url, undefined)).toBe('acknowledged');
  });

  it('refuses to start on a non-loopback HOST, and says why', () => {
    try {
      loadConfig({ HOST: '0.0.0.0' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect(String(error)).toMatch(/HOST: refusing to listen on 0\.0\.0\.0.*without authentication/);
    }
    expect(() => loadConfig({ HOST: '0.0.0.0', API_KEYS: `alice:${ALICE_KEY}` })).not.toThrow();
  });
});

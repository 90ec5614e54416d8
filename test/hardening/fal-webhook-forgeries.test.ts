import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { FalSimulator } from '@uni-animate/fal-simulator';
import { AnimationDocument, AnimationProgressDocument, CreateAnimationDocument } from '../gql/graphql.js';
import { dataOf, graphqlHttp, subscribeWs, wsClient } from '../support/graphql-clients.js';
import { freePort, startSimulator, startTestGateway } from '../support/harness.js';
import { input } from '../support/inputs.js';
import { progressOf } from '../support/progress.js';

/** A stand-in for fal's JWKS URL that is down: it answers every request 503 and counts them. */
async function unreachableJwks(): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  const server = createServer((_req, res) => {
    requests++;
    res.writeHead(503, { 'content-type': 'application/json' }).end('{"detail":"unavailable"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`, requests: () => requests };
}

async function gatewayWithFalWebhooks(simulator: FalSimulator, jwksUrl: string) {
  const port = await freePort();
  return startTestGateway(simulator, { PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, FAL_JWKS_URL: jwksUrl });
}

function post(url: string, body: string, headers: Record<string, string>) {
  return fetch(`${url}/webhooks/fal`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

/** Headers shaped like fal's, signed with no key at all. */
function forgedHeaders(requestId: string, overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const headers: Record<string, string | undefined> = {
    'X-Fal-Webhook-Request-Id': requestId,
    'X-Fal-Webhook-User-Id': 'sim-user-1',
    'X-Fal-Webhook-Timestamp': String(Math.floor(Date.now() / 1000)),
    'X-Fal-Webhook-Signature': randomBytes(64).toString('hex'),
    ...overrides,
  };
  return Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

const webhookBody = (requestId: string) =>
  JSON.stringify({ request_id: requestId, status: 'OK', payload: { video: { url: 'https://x/y.mp4' } } });

describe('forged fal webhooks while fal’s signing keys are unreachable', () => {
  it('cost a couple of outbound key fetches at most for 200 well-formed ones, and a real delivery still gets 503 so fal retries', async () => {
    const simulator = await startSimulator();
    const jwks = await unreachableJwks();
    const gateway = await gatewayWithFalWebhooks(simulator, jwks.url);

    const forged = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        post(gateway.url, webhookBody(`forged-${i}`), forgedHeaders(`forged-${i}`)).then((r) => r.status),
      ),
    );
    expect(new Set(forged)).toEqual(new Set([503]));
    expect(jwks.requests()).toBeGreaterThanOrEqual(1);
    expect(jwks.requests()).toBeLessThanOrEqual(2);

    // fal's own delivery cannot be checked either: 503, so fal retries later.
    const real = webhookBody('real');
    expect((await post(gateway.url, real, simulator.signWebhook(real, 'real'))).status).toBe(503);
    expect(jwks.requests()).toBeLessThanOrEqual(2);
  });

  it('cost no outbound key fetch at all when they can be refused without keys', async () => {
    const simulator = await startSimulator();
    const jwks = await unreachableJwks();
    const gateway = await gatewayWithFalWebhooks(simulator, jwks.url);
    const refusableWithoutKeys: [string, Record<string, string>][] = [
      ['no signature', forgedHeaders('r1', { 'X-Fal-Webhook-Signature': undefined })],
      ['no user id', forgedHeaders('r1', { 'X-Fal-Webhook-User-Id': undefined })],
      ['a signature that is not hex', forgedHeaders('r1', { 'X-Fal-Webhook-Signature': 'zz'.repeat(64) })],
      ['a stale timestamp', forgedHeaders('r1', { 'X-Fal-Webhook-Timestamp': String(Math.floor(Date.now() / 1000) - 3600) })],
      ['a timestamp that is not a number', forgedHeaders('r1', { 'X-Fal-Webhook-Timestamp': 'now' })],
      ['a request id header that is not the body’s', forgedHeaders('another-request')],
    ];
    for (const [what, headers] of refusableWithoutKeys) {
      expect((await post(gateway.url, webhookBody('r1'), headers)).status, what).toBe(401);
    }
    expect(jwks.requests()).toBe(0);
  });
});

describe('a signed fal webhook', () => {
  it('is refused when its body names another request than the signed header, and changes nothing', async () => {
    const simulator = await startSimulator();
    simulator.plan(() => ({ pauseAtStep: 2 }));
    simulator.faults.webhooks = false;
    const gateway = await gatewayWithFalWebhooks(simulator, simulator.jwksUrl);
    const victim = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() })).createAnimation;
    const subscription = subscribeWs(wsClient(gateway.url), AnimationProgressDocument, { id: victim.id });
    await subscription.waitFor((events) => events.length > 0);

    // fal signed a delivery for some other request; its body claims to be about ours.
    const claim = JSON.stringify({
      request_id: victim.requestId,
      status: 'ERROR',
      error: 'Invalid status code: 500',
      payload: { detail: 'forged' },
    });
    expect((await post(gateway.url, claim, simulator.signWebhook(claim, 'someone-elses-request'))).status).toBe(401);
    const untouched = dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id: victim.id })).animation!;
    expect(untouched.status).toMatch(/^(IN_QUEUE|IN_PROGRESS)$/);
    expect(untouched.error).toBeNull();

    // The same body signed for the request it names is applied.
    expect((await post(gateway.url, claim, simulator.signWebhook(claim, victim.requestId!))).status).toBe(200);
    const events = progressOf(await subscription.untilComplete());
    expect(events.at(-1)!.animation.error).toEqual({ code: 'UPSTREAM_FAILED', message: '500: forged' });
    simulator.resume(victim.requestId!);
  });
});

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { FalWebhooks } from '../../src/adapters/fal/fal-webhooks.js';
import { startSimulator } from '../support/harness.js';

/** fal's JWKS URL in front of the simulator's: it answers 503 while `down`, else the simulator's key set; it counts requests. */
async function jwksProxy(upstreamUrl: string) {
  const state = { down: true, requests: 0 };
  const server = createServer((_req, res) => {
    state.requests++;
    if (state.down) return void res.writeHead(503).end();
    void fetch(upstreamUrl)
      .then((answer) => answer.text())
      .then(
        (text) => res.writeHead(200, { 'content-type': 'application/json' }).end(text),
        () => res.writeHead(502).end(),
      );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return Object.assign(state, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json` });
}

/** Verifies headers that carry the headers' own keys in lower case, as node:http hands them over. */
const lower = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));

describe("fal's webhook keys", () => {
  it('are fetched again after a failure only once the backoff has passed, doubling, and verify once fal serves them', async () => {
    const simulator = await startSimulator();
    const jwks = await jwksProxy(simulator.jwksUrl);
    const start = Date.now();
    let clock = start;
    const webhooks = new FalWebhooks({
      jwksUrl: jwks.url,
      scrub: (text) => text,
      fetchRetryMs: 5_000,
      toleranceSeconds: 1e9,
      now: () => clock,
    });
    const body = JSON.stringify({ request_id: 'r', status: 'OK', payload: {} });
    const delivery = () => webhooks.verify(lower(simulator.signWebhook(body, 'r', Math.floor(clock / 1000))), Buffer.from(body));

    const verdicts = [];
    const fetches = [];
    // 0 s: fetch, fails; 4.999 s: waits; 5 s: fetch, fails; 14.999 s: waits (10 s now); 15 s: fetch, fails.
    for (const at of [0, 4_999, 5_000, 14_999, 15_000]) {
      clock = start + at;
      verdicts.push(await Promise.all([delivery(), delivery(), delivery()]));
      fetches.push(jwks.requests);
    }
    expect(verdicts.flat()).toEqual(Array(15).fill('unavailable'));
    expect(fetches).toEqual([1, 1, 2, 2, 3]);

    jwks.down = false;
    clock += 20_000;
    expect(await delivery()).toBe('valid');
    expect(jwks.requests).toBe(4);
    expect(await delivery()).toBe('valid');
    expect(jwks.requests).toBe(4);
  });

  it('are fetched again for a delivery no cached key verifies at most once a minute, even when that fetch fails', async () => {
    const simulator = await startSimulator();
    const other = await startSimulator();
    const jwks = await jwksProxy(simulator.jwksUrl);
    jwks.down = false;
    let clock = Date.now();
    const webhooks = new FalWebhooks({ jwksUrl: jwks.url, scrub: (text) => text, toleranceSeconds: 1e9, now: () => clock });
    const body = JSON.stringify({ request_id: 'r', status: 'OK', payload: {} });
    const signedBy = (signer: typeof simulator) => webhooks.verify(lower(signer.signWebhook(body, 'r')), Buffer.from(body));

    expect(await signedBy(simulator)).toBe('valid');
    expect(jwks.requests).toBe(1);
    // Signed with a key fal never published: no refetch within the minute.
    expect(await Promise.all(Array.from({ length: 50 }, () => signedBy(other)))).toEqual(Array(50).fill('invalid'));
    expect(jwks.requests).toBe(1);
    // A minute later one refetch, which fails: the cached keys still serve, and no more fetches follow at once.
    jwks.down = true;
    clock += 60_000;
    expect(await Promise.all(Array.from({ length: 50 }, () => signedBy(other)))).toEqual(Array(50).fill('invalid'));
    expect(await signedBy(simulator)).toBe('valid');
    expect(jwks.requests).toBe(2);
  });

  it("refuse a delivery fal signed for another user than the account's, without fetching any key", async () => {
    const ours = await startSimulator({ webhookUserId: 'our-account' });
    const theirs = await startSimulator({ webhookUserId: 'their-account' });
    // fal signs every account's deliveries with the keys of one set: here, both simulators' keys.
    const keySet = { keys: [...(await jwksOf(ours.jwksUrl)), ...(await jwksOf(theirs.jwksUrl))] };
    const jwks = await jwksProxy(`data:application/json,${encodeURIComponent(JSON.stringify(keySet))}`);
    jwks.down = false;
    const body = JSON.stringify({ request_id: 'r', status: 'OK', payload: {} });
    const unchecked = new FalWebhooks({ jwksUrl: jwks.url, scrub: (text) => text });
    const checked = new FalWebhooks({ jwksUrl: jwks.url, scrub: (text) => text, userId: 'our-account' });

    // Without a user id to check, another account's delivery verifies: the signature alone cannot tell.
    expect(await unchecked.verify(lower(theirs.signWebhook(body, 'r')), Buffer.from(body))).toBe('valid');
    expect(jwks.requests).toBe(1);
    expect(await checked.verify(lower(theirs.signWebhook(body, 'r')), Buffer.from(body))).toBe('invalid');
    expect(jwks.requests).toBe(1);
    expect(await checked.verify(lower(ours.signWebhook(body, 'r')), Buffer.from(body))).toBe('valid');
    expect(jwks.requests).toBe(2);
  });
});

async function jwksOf(url: string): Promise<unknown[]> {
  return ((await (await fetch(url)).json()) as { keys: unknown[] }).keys;
}

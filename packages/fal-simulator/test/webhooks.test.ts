import { createHash, createPublicKey, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { FalSimulator } from '../src/index.js';
import { clientFor, ENDPOINT, startSimulator, statusUrl, VALID_INPUT } from './helpers.js';

const WAIT_MS = 10_000;

interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  /** Settles once the connection of this request has closed. */
  closed: Promise<void>;
}

interface Receiver {
  url: string;
  requests: ReceivedWebhook[];
  /** Resolves once `count` requests have arrived; rejects after WAIT_MS. */
  received(count: number): Promise<void>;
}

/** A webhook endpoint on loopback that records every request and answers `answer(index)`, or never. */
async function startReceiver(answer: (index: number) => number | 'hang' = () => 200): Promise<Receiver> {
  const requests: ReceivedWebhook[] = [];
  const listeners = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const closed = new Promise<void>((resolve) => res.once('close', resolve));
      const status = answer(requests.length);
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), closed });
      for (const listener of [...listeners]) listener();
      if (status !== 'hang') res.writeHead(status, { 'Content-Type': 'text/plain' }).end('ack');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/fal/webhook`,
    requests,
    received: (count) =>
      within(
        new Promise<void>((resolve) => {
          const check = (): void => {
            if (requests.length < count) return;
            listeners.delete(check);
            resolve();
          };
          listeners.add(check);
          check();
        }),
        `${count} webhook requests`,
      ),
  };
}

/** Rejects when `promise` has not settled within WAIT_MS. */
async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), WAIT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A URL nobody listens on: a port just released. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/gone`;
}

async function submitWithWebhook(sim: FalSimulator, webhookUrl: string, input: object = VALID_INPUT): Promise<string> {
  const { request_id } = await clientFor(sim).queue.submit(ENDPOINT, { input, webhookUrl });
  return request_id;
}

async function resultOf(sim: FalSimulator, requestId: string): Promise<{ status: number; text: string }> {
  const res = await fetch(statusUrl(sim, requestId, ''));
  return { status: res.status, text: await res.text() };
}

/** The signing key as a receiver gets it: from the JWKS URL. */
async function jwksKey(sim: FalSimulator): Promise<KeyObject> {
  const jwks = (await (await fetch(sim.jwksUrl)).json()) as { keys: JsonWebKey[] };
  expect(jwks.keys).toHaveLength(1);
  return createPublicKey({ key: jwks.keys[0] as JsonWebKey, format: 'jwk' });
}

/** Verifies a delivery the way fal's docs tell receivers to; header names in any case. */
function signatureValid(key: KeyObject, headers: Record<string, string | string[] | undefined>, body: string): boolean {
  const lower = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), String(value)]));
  const message = [
    lower['x-fal-webhook-request-id'],
    lower['x-fal-webhook-user-id'],
    lower['x-fal-webhook-timestamp'],
    createHash('sha256').update(body, 'utf8').digest('hex'),
  ].join('\n');
  const signature = lower['x-fal-webhook-signature'] ?? '';
  return /^[0-9a-f]{128}$/.test(signature) && verify(null, Buffer.from(message, 'utf8'), key, Buffer.from(signature, 'hex'));
}

describe('fal simulator webhooks', () => {
  it('publishes its Ed25519 key as a JWKS, without counting a queue call', async () => {
    const sim = await startSimulator();
    expect(sim.jwksUrl).toBe(`${sim.url}/.well-known/jwks.json`);
    const res = await fetch(sim.jwksUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const { keys } = (await res.json()) as { keys: Array<Record<string, string>> };
    expect(keys).toEqual([{ kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid: expect.any(String), alg: 'EdDSA', use: 'sig' }]);
    expect(Buffer.from(keys[0]?.x ?? '', 'base64url')).toHaveLength(32);
    const { submit, status, stream, result, cancel, storageInitiate, storagePut } = sim.calls;
    expect({ submit, status, stream, result, cancel, storageInitiate, storagePut }).toEqual({
      submit: 0,
      status: 0,
      stream: 0,
      result: 0,
      cancel: 0,
      storageInitiate: 0,
      storagePut: 0,
    });
  });

  it('POSTs a signed OK webhook whose payload is exactly what the result endpoint answers', async () => {
    const sim = await startSimulator();
    const receiver = await startReceiver();
    const before = Date.now();
    const requestId = await submitWithWebhook(sim, receiver.url);
    await sim.waitFor(() => sim.webhooks.length === 1);
    const after = Date.now();

    expect(receiver.requests).toHaveLength(1);
    const [delivery] = receiver.requests;
    const body = delivery?.body ?? '';
    const result = await resultOf(sim, requestId);
    expect(result.status).toBe(200);
    expect(JSON.parse(body)).toEqual({
      request_id: requestId,
      gateway_request_id: requestId,
      status: 'OK',
      payload: JSON.parse(result.text),
    });
    expect(body).toContain(`"payload":${result.text}`);

    const headers = delivery?.headers ?? {};
    expect(headers['content-type']).toBe('application/json');
    expect(headers['x-fal-webhook-request-id']).toBe(requestId);
    expect(headers['x-fal-webhook-user-id']).toBe('sim-user-1');
    expect(sim.webhookUserId).toBe('sim-user-1');
    const timestamp = Number(headers['x-fal-webhook-timestamp']);
    expect(timestamp).toBeGreaterThanOrEqual(Math.floor(before / 1000));
    expect(timestamp).toBeLessThanOrEqual(Math.ceil(after / 1000));
    const key = await jwksKey(sim);
    expect(signatureValid(key, headers, body)).toBe(true);
    expect(signatureValid(key, headers, body.replace('"OK"', '"ok"'))).toBe(false);

    expect(sim.webhooks[0]).toMatchObject({ requestId, url: receiver.url, attempt: 1, status: 200, error: undefined, body });
    expect(sim.webhooks[0]?.headers['X-Fal-Webhook-Signature']).toBe(headers['x-fal-webhook-signature']);
  });

  it("POSTs an ERROR webhook for a failed job, with the result endpoint's error body", async () => {
    const sim = await startSimulator();
    const receiver = await startReceiver();
    const failure = { detail: [{ loc: ['body', 'prompt'], msg: 'field required', type: 'value_error.missing' }] };
    sim.plan(() => ({ fail: { status: 422, body: failure } }));
    const requestId = await submitWithWebhook(sim, receiver.url);
    await sim.waitFor(() => sim.webhooks.length === 1);

    const body = receiver.requests[0]?.body ?? '';
    const result = await resultOf(sim, requestId);
    expect(result.status).toBe(422);
    expect(JSON.parse(body)).toEqual({
      request_id: requestId,
      gateway_request_id: requestId,
      status: 'ERROR',
      error: 'Invalid status code: 422',
      payload: failure,
    });
    expect(body).toContain(`"payload":${result.text}`);
    expect(signatureValid(await jwksKey(sim), receiver.requests[0]?.headers ?? {}, body)).toBe(true);
  });

  it('POSTs an ERROR webhook with the 499 body for a cancelled job', async () => {
    const sim = await startSimulator();
    const receiver = await startReceiver();
    sim.plan(() => ({ pauseAtStep: 1 }));
    const requestId = await submitWithWebhook(sim, receiver.url);
    await sim.waitFor(() => sim.job(requestId)?.paused === true);
    expect(sim.webhooks).toHaveLength(0);
    await clientFor(sim).queue.cancel(ENDPOINT, { requestId });
    await sim.waitFor(() => sim.webhooks.length === 1);

    const body = receiver.requests[0]?.body ?? '';
    const result = await resultOf(sim, requestId);
    expect(result.status).toBe(499);
    expect(JSON.parse(body)).toEqual({
      request_id: requestId,
      gateway_request_id: requestId,
      status: 'ERROR',
      error: 'Invalid status code: 499',
      payload: { detail: 'Request was cancelled', error_type: 'client_cancelled' },
    });
    expect(body).toContain(`"payload":${result.text}`);
  });

  it('retries a delivery answered 500 until a 2xx, same body and request id, each attempt signed', async () => {
    const sim = await startSimulator({ webhookRetryBaseMs: 1 });
    const receiver = await startReceiver((index) => (index < 2 ? 500 : 204));
    const requestId = await submitWithWebhook(sim, receiver.url);
    await sim.waitFor(() => sim.webhooks.some((attempt) => attempt.status === 204));

    expect(sim.webhooks.map((a) => [a.delivery, a.attempt, a.status])).toEqual([
      [1, 1, 500],
      [1, 2, 500],
      [1, 3, 204],
    ]);
    expect(receiver.requests).toHaveLength(3);
    const key = await jwksKey(sim);
    const firstBody = receiver.requests[0]?.body;
    for (const request of receiver.requests) {
      expect(request.body).toBe(firstBody);
      expect(request.headers['x-fal-webhook-request-id']).toBe(requestId);
      expect(signatureValid(key, request.headers, request.body)).toBe(true);
    }
  });

  it('retries network errors, and gives up after webhookRetries', async () => {
    const sim = await startSimulator({ webhookRetries: 2, webhookRetryBaseMs: 1 });
    const url = await deadUrl();
    const receiver = await startReceiver();
    const unreachable = await submitWithWebhook(sim, url);
    await sim.waitFor(() => sim.webhooks.length === 3);
    expect(sim.webhooks.map((a) => [a.requestId, a.attempt, a.status])).toEqual([
      [unreachable, 1, undefined],
      [unreachable, 2, undefined],
      [unreachable, 3, undefined],
    ]);
    expect(sim.webhooks.every((attempt) => typeof attempt.error === 'string')).toBe(true);

    // A later job's delivery is the witness: a fourth attempt would have been due long before it.
    const witness = await submitWithWebhook(sim, receiver.url);
    await sim.waitFor(() => sim.webhooks.some((attempt) => attempt.requestId === witness));
    expect(sim.webhooks.filter((attempt) => attempt.requestId === unreachable)).toHaveLength(3);
  });

  it('sends no webhook at all while faults.webhooks is false', async () => {
    const sim = await startSimulator();
    const receiver = await startReceiver();
    const fal = clientFor(sim);
    sim.faults.webhooks = false;
    const silent = await submitWithWebhook(sim, receiver.url);
    await sim.waitFor(() => sim.job(silent)?.status === 'COMPLETED');
    expect((await fal.queue.result(ENDPOINT, { requestId: silent })).requestId).toBe(silent);

    // The next job's webhook is the witness: the silent one, had it been sent, would have come first.
    sim.faults.webhooks = true;
    const witness = await submitWithWebhook(sim, receiver.url);
    await sim.waitFor(() => sim.webhooks.length > 0);
    expect(sim.webhooks.map((attempt) => attempt.requestId)).toEqual([witness]);
    expect(receiver.requests.map((request) => request.headers['x-fal-webhook-request-id'])).toEqual([witness]);
  });

  it('delivers each webhook faults.webhookDuplicates extra times, each signed', async () => {
    const sim = await startSimulator();
    const receiver = await startReceiver();
    sim.faults.webhookDuplicates = 2;
    const requestId = await submitWithWebhook(sim, receiver.url);
    await sim.waitFor(() => sim.webhooks.length === 3);

    expect(new Set(sim.webhooks.map((attempt) => attempt.delivery)).size).toBe(3);
    expect(sim.webhooks.map((attempt) => [attempt.attempt, attempt.status])).toEqual([
      [1, 200],
      [1, 200],
      [1, 200],
    ]);
    expect(receiver.requests).toHaveLength(3);
    const key = await jwksKey(sim);
    for (const request of receiver.requests) {
      expect(request.body).toBe(receiver.requests[0]?.body);
      expect(request.headers['x-fal-webhook-request-id']).toBe(requestId);
      expect(signatureValid(key, request.headers, request.body)).toBe(true);
    }
  });

  it("redeliver replays a finished job's webhook, even while webhooks are off", async () => {
    const sim = await startSimulator();
    const receiver = await startReceiver();
    sim.faults.webhooks = false;
    const requestId = await submitWithWebhook(sim, receiver.url);
    await sim.waitFor(() => sim.job(requestId)?.status === 'COMPLETED');

    sim.redeliver(requestId);
    await sim.waitFor(() => sim.webhooks.length === 1);
    sim.redeliver(requestId);
    await sim.waitFor(() => sim.webhooks.length === 2);
    expect(sim.webhooks.map((attempt) => [attempt.delivery, attempt.attempt, attempt.status])).toEqual([
      [1, 1, 200],
      [2, 1, 200],
    ]);
    expect(receiver.requests[1]?.body).toBe(receiver.requests[0]?.body);
    expect(JSON.parse(receiver.requests[0]?.body ?? '')).toMatchObject({ request_id: requestId, status: 'OK' });
    const key = await jwksKey(sim);
    for (const request of receiver.requests) expect(signatureValid(key, request.headers, request.body)).toBe(true);
  });

  it('redeliver refuses unknown, unfinished and webhook-less requests', async () => {
    const sim = await startSimulator();
    const receiver = await startReceiver();
    expect(() => sim.redeliver('no-such-request')).toThrow(/no-such-request/);
    const { request_id: plain } = await clientFor(sim).queue.submit(ENDPOINT, { input: VALID_INPUT });
    await sim.waitFor(() => sim.job(plain)?.status === 'COMPLETED');
    expect(() => sim.redeliver(plain)).toThrow(/no webhook URL/);
    sim.plan(() => ({ pauseAtStep: 1 }));
    const paused = await submitWithWebhook(sim, receiver.url);
    expect(() => sim.redeliver(paused)).toThrow(/not finished/);
    expect(sim.webhooks).toHaveLength(0);
  });

  it('signWebhook returns the four headers that sign an arbitrary body', async () => {
    const sim = await startSimulator({ webhookUserId: 'user-42' });
    const key = await jwksKey(sim);
    const body = '{"request_id":"req-1","status":"OK","payload":{"é":"✓"}}';
    const headers = sim.signWebhook(body, 'req-1', 1_700_000_000);
    expect(Object.keys(headers).sort()).toEqual([
      'X-Fal-Webhook-Request-Id',
      'X-Fal-Webhook-Signature',
      'X-Fal-Webhook-Timestamp',
      'X-Fal-Webhook-User-Id',
    ]);
    expect(headers).toMatchObject({
      'X-Fal-Webhook-Request-Id': 'req-1',
      'X-Fal-Webhook-User-Id': 'user-42',
      'X-Fal-Webhook-Timestamp': '1700000000',
    });
    expect(sim.webhookUserId).toBe('user-42');
    expect(signatureValid(key, headers, body)).toBe(true);
    expect(signatureValid(key, headers, `${body} `)).toBe(false);
    expect(signatureValid(key, { ...headers, 'X-Fal-Webhook-Timestamp': '1700000001' }, body)).toBe(false);
    expect(signatureValid(key, { ...headers, 'X-Fal-Webhook-Request-Id': 'req-2' }, body)).toBe(false);
    expect(signatureValid(key, { ...headers, 'X-Fal-Webhook-User-Id': 'user-43' }, body)).toBe(false);

    const before = Math.floor(Date.now() / 1000);
    const now = Number(sim.signWebhook(body, 'req-1')['X-Fal-Webhook-Timestamp']);
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));

    const other = await startSimulator();
    expect(signatureValid(await jwksKey(other), headers, body)).toBe(false);
  });

  it('stop() cancels a pending retry', async () => {
    const receiver = await startReceiver(() => 500);
    const sim = await startSimulator({ webhookRetryBaseMs: 50 });
    await submitWithWebhook(sim, receiver.url);
    await sim.waitFor(() => sim.webhooks.length === 1);
    await sim.stop();

    // Witness: another simulator whose first retry is due well after the stopped one's would have been.
    const witness = await startSimulator({ webhookRetryBaseMs: 200 });
    const witnessId = await submitWithWebhook(witness, receiver.url);
    await witness.waitFor(() => witness.webhooks.length === 2);
    expect(receiver.requests.map((request) => request.headers['x-fal-webhook-request-id'])).toEqual([
      sim.webhooks[0]?.requestId,
      witnessId,
      witnessId,
    ]);
    expect(sim.webhooks).toHaveLength(1);
  });

  it('stop() aborts a delivery in flight without waiting for its timeout', async () => {
    const receiver = await startReceiver(() => 'hang');
    const sim = await startSimulator();
    await submitWithWebhook(sim, receiver.url);
    await receiver.received(1);
    await within(sim.stop(), 'the simulator to stop');
    await within(receiver.requests[0]?.closed ?? Promise.resolve(), 'the delivery connection to close');
    expect(sim.webhooks).toHaveLength(0);
  });
});

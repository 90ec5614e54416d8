import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ALICE_KEY } from '../support/auth.js';
import { within } from '../support/eventually.js';
import { startSimulator, startTestGateway } from '../support/harness.js';
import { rawSocket } from '../support/raw-websocket.js';

/** POSTs `{ __typename }` with `headers` (Host included: node's client sends what it is given). */
function post(
  baseUrl: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string; allowOrigin: string | undefined }> {
  const body = '{"query":"{ __typename }"}';
  const answer = new Promise<{ status: number; body: string; allowOrigin: string | undefined }>((resolve, reject) => {
    const request = httpRequest(
      `${baseUrl}/graphql`,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(body.length), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            body: Buffer.concat(chunks).toString('utf8'),
            allowOrigin: res.headers['access-control-allow-origin'] as string | undefined,
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
  return within(answer, 10_000, `an answer to a POST with ${JSON.stringify(headers)}`);
}

const ANSWERED = '{"data":{"__typename":"Query"}}';

/** GETs `path` naming `host`: the status it gets. */
function statusOf(baseUrl: string, path: string, host: string): Promise<number> {
  const answer = new Promise<number>((resolve, reject) => {
    const request = httpRequest(`${baseUrl}${path}`, { headers: { host } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    request.on('error', reject);
    request.end();
  });
  return within(answer, 10_000, `an answer to GET ${path} naming Host ${host}`);
}

describe('without credentials configured (loopback-only mode)', () => {
  it('answers only loopback origins and Host names over HTTP; callers without an Origin are answered', async () => {
    const gateway = await startTestGateway(await startSimulator());
    const port = new URL(gateway.url).port;

    for (const origin of ['https://evil.example', 'http://127.0.0.1.evil.example', 'null', 'http://localhost.evil.example:80']) {
      const refused = await post(gateway.url, { origin });
      expect({ origin, status: refused.status, answered: refused.body.includes('Query') }).toEqual({
        origin,
        status: 403,
        answered: false,
      });
    }
    const rebound = await post(gateway.url, { host: `evil.example:${port}` });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body)).toEqual({ errors: [{ message: 'Forbidden origin.', extensions: { code: 'BAD_REQUEST' } }] });

    for (const origin of ['http://127.0.0.1:5173', 'http://localhost:3000', 'http://[::1]:8080', `http://127.0.0.1:${port}`]) {
      const answered = await post(gateway.url, { origin });
      expect({ origin, status: answered.status, body: answered.body, allowOrigin: answered.allowOrigin }).toEqual({
        origin,
        status: 200,
        body: ANSWERED,
        allowOrigin: origin,
      });
    }
    expect(await post(gateway.url, {})).toMatchObject({ status: 200, body: ANSWERED });
    expect(await post(gateway.url, { host: `localhost:${port}` })).toMatchObject({ status: 200, body: ANSWERED });

    const preflight = (origin: string) =>
      fetch(`${gateway.url}/graphql`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    expect((await preflight('http://localhost:3000')).headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
  });

  it('opens WebSockets only from loopback origins and Host names; clients without an Origin connect', async () => {
    const gateway = await startTestGateway(await startSimulator());
    const port = new URL(gateway.url).port;
    await expect(rawSocket(gateway.url, { headers: { origin: 'https://evil.example' } }).opened).rejects.toThrow(/403/);
    await expect(rawSocket(gateway.url, { headers: { host: `evil.example:${port}` } }).opened).rejects.toThrow(/403/);
    await rawSocket(gateway.url, { headers: { origin: 'http://localhost:5173' } }).opened;
    await rawSocket(gateway.url, { headers: { origin: `http://127.0.0.1:${port}` } }).opened;
    await rawSocket(gateway.url).opened;
  });

  it('lets ALLOWED_ORIGINS name the origins instead', async () => {
    const gateway = await startTestGateway(await startSimulator(), { ALLOWED_ORIGINS: 'https://studio.example' });
    expect(await post(gateway.url, { origin: 'https://studio.example' })).toMatchObject({ status: 200, body: ANSWERED });
    expect((await post(gateway.url, { origin: 'https://evil.example' })).status).toBe(403);
    await rawSocket(gateway.url, { headers: { origin: 'https://studio.example' } }).opened;
    await expect(rawSocket(gateway.url, { headers: { origin: 'https://evil.example' } }).opened).rejects.toThrow(/403/);
  });

  it('keeps any origin possible once credentials are required (they are the protection)', async () => {
    const gateway = await startTestGateway(await startSimulator(), { API_KEYS: `alice:${ALICE_KEY}` });
    const answered = await post(gateway.url, { origin: 'https://app.example', authorization: `Bearer ${ALICE_KEY}` });
    expect(answered).toMatchObject({ status: 200, body: ANSWERED });
  });

  it('refuses a foreign Host on every route, not only /graphql (DNS rebinding)', async () => {
    const gateway = await startTestGateway(await startSimulator());
    const local = new URL(gateway.url).host;
    for (const path of ['/', '/metrics', '/media/x/y.mp4?expires=1&signature=x']) {
      expect(await statusOf(gateway.url, path, `evil.example:${gateway.port}`)).toBe(403);
    }
    expect(await statusOf(gateway.url, '/metrics', local)).toBe(200);
  });
});

import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { startSimulator, startTestGateway } from '../support/harness.js';

const API_KEY = 'owner-key-0123456789abcdef';
const METRICS_TOKEN = 'metrics-token-9f8e7d6c5b4a3210';

/** GET /metrics, optionally from a given local address of this machine (the connection still goes to loopback). */
function getMetrics(
  url: string,
  { headers = {}, localAddress }: { headers?: Record<string, string>; localAddress?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/metrics`, { headers, localAddress, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('GET /metrics: no answer within 5 s')));
    req.on('error', reject);
    req.end();
  });
}

/** A non-loopback IPv4 address of this machine, to connect from (never to). */
function nonLoopbackAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((address) => address?.family === 'IPv4' && !address.internal)?.address;
}

describe('/metrics when callers must authenticate', () => {
  it('with METRICS_TOKEN, answers only to that bearer token, and never logs it', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator, { API_KEYS: `alice:${API_KEY}`, METRICS_TOKEN });

    const attempts: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${API_KEY}` },
      { authorization: `Bearer ${METRICS_TOKEN}x` },
      { authorization: METRICS_TOKEN },
    ];
    for (const headers of attempts) {
      const refused = await getMetrics(gateway.url, { headers });
      expect(refused.status).toBe(401);
      expect(refused.body).not.toContain('gateway_');
    }

    const scraped = await getMetrics(gateway.url, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(scraped.status).toBe(200);
    expect(scraped.body).toContain('gateway_submits_total');
    expect(gateway.logs.text).not.toContain(METRICS_TOKEN);
  });

  it('without METRICS_TOKEN, answers loopback peers and refuses any other with 403', async (context) => {
    const from = nonLoopbackAddress();
    if (!from) context.skip('this machine has no non-loopback IPv4 address to connect from');
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator, { API_KEYS: `alice:${API_KEY}`, HOST: '0.0.0.0' });
    const url = gateway.url.replace('0.0.0.0', '127.0.0.1');

    const local = await getMetrics(url);
    expect(local.status).toBe(200);
    expect(local.body).toContain('gateway_submits_total');

    const remote = await getMetrics(url, { localAddress: from, headers: { authorization: `Bearer ${API_KEY}` } });
    expect(remote.status).toBe(403);
    expect(remote.body).not.toContain('gateway_');
  });

  it('without authentication, stays open on loopback', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator);
    const scraped = await getMetrics(gateway.url);
    expect(scraped.status).toBe(200);
    expect(scraped.body).toContain('gateway_submits_total');
  });
});

import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startSimulator, startTestGateway } from '../support/harness.js';
import { freshPostgresDatabase, POSTGRES_ADMIN_URL } from '../support/postgres.js';
import { answersOnEveryTransport } from '../support/transports.js';

/** Keeps the gateway's database out of reach: no new connections, current ones ended. */
async function cutOff(databaseUrl: string, allow: boolean): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS ${allow}`);
    if (!allow) await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
  } finally {
    await admin.end();
  }
}

describe('internal failures', () => {
  it('answer "Unexpected error." with INTERNAL_SERVER_ERROR and no internals on every transport, logged once with the request id', async () => {
    const databaseUrl = await freshPostgresDatabase();
    const key = 'production-key-0123456789';
    const gateway = await startTestGateway(await startSimulator(), {
      DATABASE_URL: databaseUrl,
      NODE_ENV: 'production',
      API_KEYS: `ops:${key}`,
    });
    const headers = { authorization: `Bearer ${key}`, 'x-request-id': 'trace-1234' };
    await cutOff(databaseUrl, false);
    try {
      const answers = await answersOnEveryTransport(gateway.url, '{ animations { edges { node { id } } } }', { headers });
      for (const [transport, answer] of Object.entries(answers)) {
        expect(answer.codes, transport).toEqual(['INTERNAL_SERVER_ERROR']);
        expect(answer.messages, transport).toEqual(['Unexpected error.']);
      }
      const raw = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: '{ animations { edges { node { id } } } }' }),
      });
      expect(raw.headers.get('x-request-id')).toBe('trace-1234');
      const body = await raw.text();
      expect(body).not.toMatch(/stack|originalError|postgres|ECONN|terminat|database/i);
      expect((await fetch(`${gateway.url}/readyz`)).status).toBe(503);

      const logged = gateway.logs.lines.filter(
        (line) => line.includes('"msg":"unexpected error"') && line.includes('"reqId":"trace-1234"'),
      );
      // The HTTP, SSE and plain requests each failed once, and each failure was logged once.
      expect(logged).toHaveLength(3);
    } finally {
      await cutOff(databaseUrl, true);
    }
    expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);
  });
});

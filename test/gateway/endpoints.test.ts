import { describe, expect, it } from 'vitest';
import { startSimulator, startTestGateway } from '../support/harness.js';

describe('HTTP endpoints', () => {
  it('serves GraphiQL at /graphql, self-contained, opening with the example mutation and subscription over WebSocket', async () => {
    const gateway = await startTestGateway(await startSimulator());
    const response = await fetch(`${gateway.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    const page = await response.text();
    expect(page).toContain('YogaGraphiQL.renderYogaGraphiQL');
    expect(page).toContain('mutation CreateAnimation');
    expect(page).toContain('subscription WatchAnimation');
    expect(page).toContain('"subscriptionsProtocol":"WS"');
    expect(page).not.toMatch(/<script[^>]+src="https?:/);
  });

  it('does not serve GraphiQL when it is switched off', async () => {
    const gateway = await startTestGateway(await startSimulator(), { GRAPHIQL: 'false' });
    const response = await fetch(`${gateway.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await response.text()).not.toContain('YogaGraphiQL');
  });

  it('answers /healthz and /readyz', async () => {
    const gateway = await startTestGateway(await startSimulator());
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);
  });
});

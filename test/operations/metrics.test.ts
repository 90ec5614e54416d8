import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { AnimationProgressDocument, CreateAnimationDocument } from '../gql/graphql.js';
import { dataOf, graphqlHttp, subscribeWs, wsClient } from '../support/graphql-clients.js';
import { startSimulator, startTestGateway } from '../support/harness.js';
import { input } from '../support/inputs.js';

async function scrape(url: string) {
  const response = await fetch(`${url}/metrics`);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  const families = parsePrometheusTextFormat(await response.text());
  const value = (name: string, labels: Record<string, string> = {}) => {
    const family = families.find((f) => f.name === name);
    if (!family) throw new Error(`no metric ${name}`);
    const sample = family.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
    return Number(sample?.value ?? sample?.count ?? 0);
  };
  return { families, value };
}

describe('/metrics', () => {
  it('parses as Prometheus text, and its counters move as traffic flows', async () => {
    const simulator = await startSimulator();
    simulator.plan(() => ({ pauseAtStep: 3 }));
    const gateway = await startTestGateway(simulator);
    const before = await scrape(gateway.url);
    expect(before.families.map((f) => f.name)).toEqual(
      expect.arrayContaining([
        'gateway_animations',
        'gateway_submits_total',
        'gateway_upstream_calls_total',
        'gateway_subscriptions',
        'gateway_websockets',
        'gateway_event_delivery_seconds',
        'gateway_watchers',
        'gateway_lease_takeovers_total',
        'process_resident_memory_bytes',
      ]),
    );
    expect(before.value('gateway_submits_total', { outcome: 'accepted' })).toBe(0);

    const created = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() })).createAnimation;
    const subscription = subscribeWs(wsClient(gateway.url), AnimationProgressDocument, { id: created.id });
    await subscription.waitFor((events) => events.some((e) => dataOf(e).animationProgress.progress === 0.1));

    const during = await scrape(gateway.url);
    expect(during.value('gateway_submits_total', { outcome: 'accepted' })).toBe(1);
    expect(during.value('gateway_upstream_calls_total', { kind: 'submit', outcome: '2xx' })).toBe(1);
    expect(during.value('gateway_upstream_calls_total', { kind: 'stream', outcome: '2xx' })).toBe(1);
    expect(during.value('gateway_subscriptions')).toBe(1);
    expect(during.value('gateway_websockets')).toBe(1);
    expect(during.value('gateway_watchers')).toBe(1);
    expect(during.value('gateway_animations', { status: 'IN_PROGRESS' })).toBe(1);

    simulator.resume(created.requestId!);
    await subscription.untilComplete();
    const after = await scrape(gateway.url);
    expect(after.value('gateway_upstream_calls_total', { kind: 'result', outcome: '2xx' })).toBe(1);
    expect(after.value('gateway_animations', { status: 'COMPLETED' })).toBe(1);
    expect(after.value('gateway_subscriptions')).toBe(0);
    expect(after.value('gateway_watchers')).toBe(0);
    // Every line after the pause reached the subscriber as a live change.
    expect(after.value('gateway_event_delivery_seconds')).toBeGreaterThan(during.value('gateway_event_delivery_seconds'));
  });
});

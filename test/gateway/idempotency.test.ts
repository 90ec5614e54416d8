import { describe, expect, it } from 'vitest';
import { CreateAnimationDocument } from '../gql/graphql.js';
import { dataOf, graphqlHttp } from '../support/graphql-clients.js';
import { startSimulator, startTestGateway } from '../support/harness.js';
import { input } from '../support/inputs.js';

describe('idempotency keys', () => {
  it('returns the same animation for a repeated key and input, and submits nothing new', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator);
    const first = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input({ idempotencyKey: 'order-1' }) }));
    const again = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input({ idempotencyKey: 'order-1' }) }));
    expect(again.createAnimation.id).toBe(first.createAnimation.id);
    expect(again.createAnimation.requestId).toBe(first.createAnimation.requestId);
    expect(simulator.calls.submit).toBe(1);

    const other = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input({ idempotencyKey: 'order-2' }) }));
    expect(other.createAnimation.id).not.toBe(first.createAnimation.id);
    expect(simulator.calls.submit).toBe(2);
  });

  it('treats defaults given explicitly as the same input', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator);
    const first = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input({ idempotencyKey: 'k' }) }));
    const explicit = dataOf(
      await graphqlHttp(gateway.url, CreateAnimationDocument, {
        input: input({ idempotencyKey: 'k', numInferenceSteps: 30, cfgScale: 1.5, resolution: 'RESOLUTION_480P' }),
      }),
    );
    expect(explicit.createAnimation.id).toBe(first.createAnimation.id);
    expect(simulator.calls.submit).toBe(1);
  });

  it('refuses the same key with a different input: BAD_USER_INPUT, IDEMPOTENCY_KEY_REUSED, nothing submitted', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator);
    await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input({ idempotencyKey: 'order-1' }) });
    const reused = await graphqlHttp(gateway.url, CreateAnimationDocument, {
      input: input({ idempotencyKey: 'order-1', prompt: 'something else' }),
    });
    expect(reused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', detail: 'IDEMPOTENCY_KEY_REUSED' });
    expect(simulator.calls.submit).toBe(1);
  });

  it('makes one animation and one upstream submit from 50 concurrent identical requests', async () => {
    const simulator = await startSimulator();
    simulator.faults.latencyMs = 50;
    const gateway = await startTestGateway(simulator);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => graphqlHttp(gateway.url, CreateAnimationDocument, { input: input({ idempotencyKey: 'burst' }) })),
    );
    const ids = new Set(results.map((result) => dataOf(result).createAnimation.id));
    expect(ids.size).toBe(1);
    expect(simulator.calls.submit).toBe(1);
  });

  it('does not let invalid input reserve a key', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator);
    const invalid = await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input({ idempotencyKey: 'k', seed: -1 }) });
    expect(invalid.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const valid = await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input({ idempotencyKey: 'k' }) });
    expect(dataOf(valid).createAnimation.status).toBe('IN_QUEUE');
  });
});

import { describe, expect, it } from 'vitest';
import { AnimationProgressDocument, CreateAnimationDocument } from '../gql/graphql.js';
import { ALICE_KEY, AUTH_ENV, bearer, BOB_KEY } from '../support/auth.js';
import { dataOf, graphqlHttp, subscribeWs, wsClient } from '../support/graphql-clients.js';
import { startSimulator, startTestGateway } from '../support/harness.js';
import { input } from '../support/inputs.js';

describe('per-owner quotas', () => {
  it('refuses more than MAX_ACTIVE_ANIMATIONS unfinished animations with RATE_LIMITED and retryAfter, sending nothing upstream', async () => {
    const simulator = await startSimulator();
    simulator.plan(() => ({ pauseAtStep: 1 }));
    const gateway = await startTestGateway(simulator, { ...AUTH_ENV, MAX_ACTIVE_ANIMATIONS: '2' });
    const attempts = await Promise.all(
      Array.from({ length: 6 }, () => graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() }, bearer(ALICE_KEY))),
    );
    const accepted = attempts.filter((attempt) => !attempt.errors);
    const refused = attempts.filter((attempt) => attempt.errors);
    expect(accepted).toHaveLength(2);
    expect(refused).toHaveLength(4);
    for (const attempt of refused) {
      // The unfinished limit frees up when one finishes, which the gateway cannot foresee: it says to retry in 30 s.
      expect(attempt.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 30 });
    }
    expect(simulator.calls.submit).toBe(2);

    const other = await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() }, bearer(BOB_KEY));
    expect(other.errors).toBeUndefined();

    // Once one finishes, there is room again.
    const first = dataOf(accepted[0]!).createAnimation;
    const follow = subscribeWs(wsClient(gateway.url, { connectionParams: () => bearer(ALICE_KEY) }), AnimationProgressDocument, {
      id: first.id,
    });
    simulator.resume(first.requestId!);
    await follow.untilComplete();
    const again = await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() }, bearer(ALICE_KEY));
    expect(again.errors).toBeUndefined();
  });

  it('refuses more than MAX_ANIMATIONS_PER_HOUR submits with RATE_LIMITED and the seconds until one frees up', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator, { ...AUTH_ENV, MAX_ANIMATIONS_PER_HOUR: '3' });
    for (let i = 0; i < 3; i++) {
      expect((await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() }, bearer(ALICE_KEY))).errors).toBeUndefined();
    }
    const refused = await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() }, bearer(ALICE_KEY));
    expect(refused.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    const retryAfter = refused.errors?.[0]?.extensions?.retryAfter as number;
    expect(retryAfter).toBeGreaterThan(3500);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(simulator.calls.submit).toBe(3);

    // Repeating an earlier request by its idempotency key is not a new submit.
    const keyedGateway = await startTestGateway(simulator, { ...AUTH_ENV, MAX_ANIMATIONS_PER_HOUR: '1' });
    const keyed = input({ idempotencyKey: 'once' });
    const first = dataOf(await graphqlHttp(keyedGateway.url, CreateAnimationDocument, { input: keyed }, bearer(BOB_KEY)));
    const repeat = dataOf(await graphqlHttp(keyedGateway.url, CreateAnimationDocument, { input: keyed }, bearer(BOB_KEY)));
    expect(repeat.createAnimation.id).toBe(first.createAnimation.id);
  });
});

import { encodeGlobalID } from '@pothos/plugin-relay';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  AnimationDocument,
  AnimationProgressDocument,
  AnimationsDocument,
  CancelAnimationDocument,
  CreateAnimationDocument,
  NodeDocument,
} from '../gql/graphql.js';
import { ALICE_KEY, AUTH_ENV, bearer, BOB_KEY } from '../support/auth.js';
import { dataOf, graphqlHttp, subscribeSse, subscribeWs, wsClient } from '../support/graphql-clients.js';
import { startSimulator, startTestGateway } from '../support/harness.js';
import { input } from '../support/inputs.js';

describe('per-owner isolation', () => {
  it("answers 200 attempts by one owner on another's animations exactly as it answers random ids, on every transport", async () => {
    const simulator = await startSimulator();
    simulator.plan(() => ({ pauseAtStep: 2 }));
    const gateway = await startTestGateway(simulator, AUTH_ENV);
    const alices = await Promise.all(
      [1, 2, 3, 4].map(
        async () => dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() }, bearer(ALICE_KEY))).createAnimation,
      ),
    );
    const bob = bearer(BOB_KEY);
    const bobSocket = wsClient(gateway.url, { connectionParams: () => bob });

    /** Every way Bob can name an animation, reduced to what he gets back (ids replaced by a placeholder). */
    const probe = async (id: string): Promise<string[]> => {
      const answers = [
        await graphqlHttp(gateway.url, AnimationDocument, { id }, bob),
        await graphqlHttp(gateway.url, NodeDocument, { id }, bob),
        await graphqlHttp(gateway.url, CancelAnimationDocument, { id }, bob),
        ...(await subscribeWs(bobSocket, AnimationProgressDocument, { id }).untilComplete()),
        ...(await subscribeSse(gateway.url, AnimationProgressDocument, { id }, bob).untilComplete()),
      ];
      return answers.map((answer) => JSON.stringify({ data: answer.data, errors: answer.errors }).replaceAll(id, '<id>'));
    };

    const randomId = () => encodeGlobalID('Animation', randomUUID());
    const baseline = await probe(randomId());
    expect(JSON.parse(baseline[2]!).errors[0].extensions.code).toBe('NOT_FOUND');
    expect(JSON.parse(baseline[3]!).errors[0].extensions.code).toBe('NOT_FOUND');
    expect(JSON.parse(baseline[4]!).errors[0].extensions.code).toBe('NOT_FOUND');

    let attempts = 0;
    for (let round = 0; round < 20; round++) {
      const foreign = alices[round % alices.length]!.id;
      expect(await probe(foreign)).toEqual(baseline);
      expect(await probe(randomId())).toEqual(baseline);
      attempts += 10;
    }
    expect(attempts).toBe(200);
    await bobSocket.dispose();

    expect(dataOf(await graphqlHttp(gateway.url, AnimationsDocument, {}, bob)).animations.edges).toEqual([]);
    expect(simulator.calls.cancel).toBe(0);
    for (const animation of alices) {
      const mine = dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id: animation.id }, bearer(ALICE_KEY))).animation;
      // Still unfinished (paused at fal's step 2): none of Bob's cancels reached it.
      expect(mine).toMatchObject({ status: expect.stringMatching(/^(IN_QUEUE|IN_PROGRESS)$/), error: null, completedAt: null });
      simulator.resume(animation.requestId!);
    }
  });

  it('keeps idempotency keys per owner', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator, AUTH_ENV);
    const keyed = input({ idempotencyKey: 'shared-key' });
    const alice = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: keyed }, bearer(ALICE_KEY)));
    const bob = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: keyed }, bearer(BOB_KEY)));
    expect(bob.createAnimation.id).not.toBe(alice.createAnimation.id);
    expect(simulator.calls.submit).toBe(2);
    const bobsWithOtherInput = await graphqlHttp(
      gateway.url,
      CreateAnimationDocument,
      { input: { ...keyed, prompt: 'different' } },
      bearer(BOB_KEY),
    );
    expect(bobsWithOtherInput.errors?.[0]?.extensions?.detail).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it("lists only the caller's animations", async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator, AUTH_ENV);
    await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() }, bearer(ALICE_KEY));
    const bobs = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() }, bearer(BOB_KEY)));
    const listed = dataOf(await graphqlHttp(gateway.url, AnimationsDocument, {}, bearer(BOB_KEY))).animations.edges;
    expect(listed.map((edge) => edge.node.id)).toEqual([bobs.createAnimation.id]);
  });
});

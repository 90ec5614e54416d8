import { describe, expect, it } from 'vitest';
import { AnimationProgressDocument, CreateAnimationDocument } from '../gql/graphql.js';
import { ALICE_KEY, AUTH_ENV, bearer, BOB_KEY } from '../support/auth.js';
import { eventually } from '../support/eventually.js';
import { dataOf, graphqlHttp, subscribeSse } from '../support/graphql-clients.js';
import { startSimulator, startTestGateway } from '../support/harness.js';
import { input } from '../support/inputs.js';
import { initialisedSocket } from '../support/raw-websocket.js';

describe('SSE subscription streams per owner', () => {
  it('are capped at MAX_SOCKETS_PER_OWNER: the next one is RATE_LIMITED, and a stream whose client goes frees its place', async () => {
    const simulator = await startSimulator();
    simulator.plan(() => ({ pauseAtStep: 1 }));
    const gateway = await startTestGateway(simulator, { ...AUTH_ENV, MAX_SOCKETS_PER_OWNER: '2' });
    const alice = bearer(ALICE_KEY);
    const { id } = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() }, alice)).createAnimation;
    const stream = (headers: Record<string, string>, of = id) => subscribeSse(gateway.url, AnimationProgressDocument, { id: of }, headers);
    const firstEvent = async (live: ReturnType<typeof stream>) => (await live.waitFor((events) => events.length > 0))[0]!;

    const held = [stream(alice), stream(alice)];
    for (const live of held) expect(dataOf(await firstEvent(live)).animationProgress.status).toBeTruthy();

    const refused = await stream(alice).untilComplete();
    expect(refused.map((event) => event.errors?.map((error) => error.extensions?.code))).toEqual([['RATE_LIMITED']]);
    // Another owner, and the same owner's WebSockets (counted apart), are not held back.
    const bob = bearer(BOB_KEY);
    const bobsAnimation = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() }, bob)).createAnimation;
    const bobs = stream(bob, bobsAnimation.id);
    expect(dataOf(await firstEvent(bobs)).animationProgress.status).toBeTruthy();
    bobs.close();
    await initialisedSocket(gateway.url, alice);

    held[0]!.close();
    const accepted = await eventually(async () => {
      const live = stream(alice);
      const event = await firstEvent(live);
      if (event.errors) live.close();
      expect(event.errors, 'a new stream accepted once a held one is gone').toBeUndefined();
      return live;
    });
    expect(accepted.isComplete).toBe(false);
    accepted.close();
    held[1]!.close();
  });
});

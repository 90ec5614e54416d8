import { describe, expect, it } from 'vitest';
import { AnimationDocument, AnimationsDocument, CreateAnimationDocument } from '../gql/graphql.js';
import { ALICE_KEY, AUTH_ENV, bearer, jwtFor } from '../support/auth.js';
import { dataOf, graphqlHttp } from '../support/graphql-clients.js';
import { startSimulator, startTestGateway } from '../support/harness.js';
import { input } from '../support/inputs.js';

describe('owners named by API keys and by JWTs', () => {
  it('are apart: a JWT with sub=alice cannot read API-key alice’s animations, nor she its', async () => {
    const gateway = await startTestGateway(await startSimulator(), AUTH_ENV);
    const key = bearer(ALICE_KEY);
    const jwt = bearer(await jwtFor('alice'));
    const byKey = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() }, key)).createAnimation;
    const byJwt = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() }, jwt)).createAnimation;

    expect(dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id: byKey.id }, jwt)).animation).toBeNull();
    expect(dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id: byJwt.id }, key)).animation).toBeNull();
    expect(dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id: byKey.id }, key)).animation?.id).toBe(byKey.id);
    expect(dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id: byJwt.id }, jwt)).animation?.id).toBe(byJwt.id);
    const listed = async (headers: Record<string, string>) =>
      dataOf(await graphqlHttp(gateway.url, AnimationsDocument, {}, headers)).animations.edges.map((edge) => edge.node.id);
    expect(await listed(key)).toEqual([byKey.id]);
    expect(await listed(jwt)).toEqual([byJwt.id]);
  });
});

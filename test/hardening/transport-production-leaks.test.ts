import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { AnimationsDocument, CreateAnimationDocument } from '../gql/graphql.js';
import { AUTH_ENV, bearer } from '../support/auth.js';
import { graphqlHttp } from '../support/graphql-clients.js';
import { startSimulator, startTestGateway } from '../support/harness.js';
import { input } from '../support/inputs.js';
import { rawSocket } from '../support/raw-websocket.js';

const PRODUCTION = { ...AUTH_ENV, NODE_ENV: 'production' };
const KEY = 'production-key-0123456789abcdef';

describe('with NODE_ENV=production', () => {
  it('suggests no enum values in variable errors and quotes nothing of an invalid JSON body', async () => {
    const gateway = await startTestGateway(await startSimulator(), { ...PRODUCTION, API_KEYS: `ops:${KEY}` });
    const wrongEnum = await graphqlHttp(
      gateway.url,
      CreateAnimationDocument,
      { input: input({ resolution: 'RESOLUTION_480' as never }) },
      bearer(KEY),
    );
    expect(wrongEnum.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(wrongEnum.errors?.[0]?.message).toMatch(/RESOLUTION_480/);
    expect(JSON.stringify(wrongEnum)).not.toMatch(/Did you mean|RESOLUTION_480P|RESOLUTION_720P/);

    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...bearer(KEY) },
      body: '{"query": "{ __typename }", "secret-body-text',
    });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect((JSON.parse(text) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('BAD_REQUEST');
    expect(text).not.toMatch(/secret-body-text|originalError|JSON at position/);
  });

  it('answers a signed JWT whose sub is not a string UNAUTHENTICATED (401), and closes its socket with 4403', async () => {
    const gateway = await startTestGateway(await startSimulator(), PRODUCTION);
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ sub: { id: 'alice' } } as never)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(AUTH_ENV.JWT_ISSUER)
      .setAudience(AUTH_ENV.JWT_AUDIENCE)
      .setExpirationTime(now + 600)
      .sign(new TextEncoder().encode(AUTH_ENV.JWT_SECRET));
    const answer = await graphqlHttp(gateway.url, AnimationsDocument, {}, bearer(token));
    expect(answer.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(answer.httpStatus).toBe(401);

    const socket = rawSocket(gateway.url);
    await socket.opened;
    socket.send({ type: 'connection_init', payload: bearer(token) });
    expect((await socket.closed).code).toBe(4403);
  });
});

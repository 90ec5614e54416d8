import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import {
  AnimationDocument,
  AnimationProgressDocument,
  AnimationsDocument,
  CancelAnimationDocument,
  CreateAnimationDocument,
} from '../gql/graphql.js';
import { jwtFor } from '../support/auth.js';
import { CANARY_FAL_KEY, startSimulator, startTestGateway } from '../support/harness.js';
import { input } from '../support/inputs.js';
import { within } from '../support/eventually.js';
import { spellingsOf, TrafficRecorder } from '../support/recording.js';

const CANARY_API_KEY = 'api-canary-5e1d7b22-secret-key';
const CANARY_JWT_SECRET = 'jwt-canary-0b9c4f61-secret-signing-key';
const CANARY_WEBHOOK_SECRET = `whsec_${Buffer.from('webhook-canary-2f8a6d0c-secret').toString('base64')}`;
const CANARY_MEDIA_SECRET = 'media-canary-91c4e7d3-url-signing-secret';

describe('secrets', () => {
  it('reach only where they belong: the fal key goes to fal, and no key, JWT or secret appears in a response, error, frame or log line', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator, {
      API_KEYS: `alice:${CANARY_API_KEY}`,
      JWT_SECRET: CANARY_JWT_SECRET,
      WEBHOOK_SECRET: CANARY_WEBHOOK_SECRET,
      MEDIA_SIGNING_SECRET: CANARY_MEDIA_SECRET,
      ALLOW_PRIVATE_WEBHOOKS: '1',
      WEBHOOK_MAX_ATTEMPTS: '2',
      WEBHOOK_RETRY_BASE_MS: '10',
    });
    const validJwt = await jwtFor('bob', { secret: CANARY_JWT_SECRET });
    const expiredJwt = await jwtFor('bob', { secret: CANARY_JWT_SECRET, expiresInSeconds: -60 });
    const auth = { authorization: `Bearer ${CANARY_API_KEY}` };
    const traffic = new TrafficRecorder();
    const ws = createClient({
      url: `${gateway.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: traffic.WebSocket,
      retryAttempts: 0,
      connectionParams: auth,
    });
    const follow = (id: string) =>
      within(
        new Promise<void>((resolve, reject) => {
          ws.subscribe(
            { query: print(AnimationProgressDocument), variables: { id } },
            { next: () => {}, error: reject, complete: resolve },
          );
        }),
        30_000,
        `the progress subscription of animation ${id} to complete over graphql-ws`,
      );
    const create = async (overrides = {}) => {
      const response = await traffic.post(gateway.url, CreateAnimationDocument, { input: input(overrides) }, auth);
      return (await response.clone().json()) as { data?: { createAnimation: { id: string; requestId: string | null } } };
    };

    // A completed job, followed over WebSocket and SSE, whose webhook goes nowhere.
    const ok = await create({ webhookUrl: 'http://127.0.0.1:9/hook' });
    await follow(ok.data!.createAnimation.id);
    await traffic.fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...auth },
      body: JSON.stringify({ query: print(AnimationProgressDocument), variables: { id: ok.data!.createAnimation.id } }),
    });
    await traffic.post(gateway.url, AnimationDocument, { id: ok.data!.createAnimation.id }, auth);
    await traffic.post(gateway.url, AnimationsDocument, {}, auth);
    await traffic.post(gateway.url, AnimationsDocument, {}, { authorization: `Bearer ${validJwt}` });
    await traffic.post(gateway.url, AnimationsDocument, {}, { authorization: `Bearer ${expiredJwt}` });
    await traffic.post(gateway.url, AnimationsDocument, {}, { authorization: `Bearer ${CANARY_API_KEY}-wrong` });
    const refusedSocket = createClient({
      url: `${gateway.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: traffic.WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${expiredJwt}` },
    });
    await within(
      new Promise<void>((resolve) =>
        refusedSocket.subscribe({ query: '{ __typename }' }, { next: () => {}, error: () => resolve(), complete: resolve }),
      ),
      10_000,
      'the gateway to refuse a socket whose connectionParams carry an expired JWT',
    );

    // fal failures whose bodies echo the key, as a misbehaving upstream might.
    simulator.plan(() => ({ fail: { status: 500, body: { detail: `runner crashed; auth was Key ${CANARY_FAL_KEY}` } } }));
    const failed = await create();
    await follow(failed.data!.createAnimation.id);
    simulator.plan(() => ({
      fail: { status: 422, body: { detail: [{ loc: ['body', 'prompt'], msg: `bad key ${CANARY_FAL_KEY}`, type: 'x' }] } },
    }));
    const rejected = await create();
    await follow(rejected.data!.createAnimation.id);
    await traffic.post(gateway.url, AnimationDocument, { id: rejected.data!.createAnimation.id }, auth);
    simulator.plan(undefined);

    simulator.faults.submit = [401, 500];
    await create();
    await create();
    await create({ prompt: '' });
    await traffic.post(gateway.url, CancelAnimationDocument, { id: ok.data!.createAnimation.id }, auth);
    await traffic.fetch(`${gateway.url}/graphql`, { headers: { accept: 'text/html' } });
    await ws.dispose();
    await gateway.stop();

    const everything = [...traffic.captured, ...gateway.logs.lines].join('\n');
    expect(traffic.captured.length).toBeGreaterThan(20);
    expect(gateway.logs.lines.length).toBeGreaterThan(5);
    expect(everything).toContain('runner crashed');
    for (const secret of [
      CANARY_FAL_KEY,
      CANARY_API_KEY,
      CANARY_JWT_SECRET,
      CANARY_WEBHOOK_SECRET,
      CANARY_MEDIA_SECRET,
      validJwt,
      expiredJwt,
    ]) {
      for (const spelling of spellingsOf(secret)) expect(everything).not.toContain(spelling);
    }
    expect(everything).toContain('UNAUTHENTICATED');
    expect(everything).toContain('close 4403');
    expect(everything).toContain('webhook attempt');
    // fal's API gets the key; fal's public files (the result video the gateway copies) do not.
    const [files, api] = [true, false].map((isFile) =>
      simulator.calls.requests
        .filter((request) => request.path.startsWith('/files/') === isFile)
        .map((request) => request.headers.authorization),
    );
    expect(new Set(api)).toEqual(new Set([`Key ${CANARY_FAL_KEY}`]));
    // The one completed job's clip, copied once.
    expect(simulator.calls.requests.filter((request) => request.path.startsWith('/files/')).map((request) => request.path)).toEqual([
      `/files/result/${ok.data!.createAnimation.requestId}.mp4`,
    ]);
    expect(new Set(files)).toEqual(new Set([undefined]));
  });
});

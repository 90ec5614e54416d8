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
import { CANARY_FAL_KEY, startSimulator, startTestGateway } from '../support/harness.js';
import { input } from '../support/inputs.js';
import { spellingsOf, TrafficRecorder } from '../support/recording.js';

describe('the fal key', () => {
  it('reaches fal on every call and never appears in a response, error, frame or log line', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator);
    const traffic = new TrafficRecorder();
    const ws = createClient({ url: `${gateway.url.replace('http', 'ws')}/graphql`, webSocketImpl: traffic.WebSocket, retryAttempts: 0 });
    const follow = (id: string) =>
      new Promise<void>((resolve, reject) => {
        ws.subscribe({ query: print(AnimationProgressDocument), variables: { id } }, { next: () => {}, error: reject, complete: resolve });
      });
    const create = async (overrides = {}) => {
      const response = await traffic.post(gateway.url, CreateAnimationDocument, { input: input(overrides) });
      return (await response.clone().json()) as { data?: { createAnimation: { id: string } } };
    };

    // A completed job, followed over WebSocket and SSE.
    const ok = await create();
    await follow(ok.data!.createAnimation.id);
    await traffic.fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: print(AnimationProgressDocument), variables: { id: ok.data!.createAnimation.id } }),
    });
    await traffic.post(gateway.url, AnimationDocument, { id: ok.data!.createAnimation.id });
    await traffic.post(gateway.url, AnimationsDocument, {});

    // fal failures whose bodies echo the key, as a misbehaving upstream might.
    simulator.plan(() => ({ fail: { status: 500, body: { detail: `runner crashed; auth was Key ${CANARY_FAL_KEY}` } } }));
    const failed = await create();
    await follow(failed.data!.createAnimation.id);
    simulator.plan(() => ({
      fail: { status: 422, body: { detail: [{ loc: ['body', 'prompt'], msg: `bad key ${CANARY_FAL_KEY}`, type: 'x' }] } },
    }));
    const rejected = await create();
    await follow(rejected.data!.createAnimation.id);
    await traffic.post(gateway.url, AnimationDocument, { id: rejected.data!.createAnimation.id });
    simulator.plan(undefined);

    simulator.faults.submit = [401, 500];
    await create();
    await create();
    await create({ prompt: '' });
    await traffic.post(gateway.url, CancelAnimationDocument, { id: ok.data!.createAnimation.id });
    await traffic.fetch(`${gateway.url}/graphql`, { headers: { accept: 'text/html' } });
    await ws.dispose();
    await gateway.stop();

    const everything = [...traffic.captured, ...gateway.logs.lines].join('\n');
    expect(traffic.captured.length).toBeGreaterThan(20);
    expect(gateway.logs.lines.length).toBeGreaterThan(5);
    expect(everything).toContain('runner crashed');
    for (const spelling of spellingsOf(CANARY_FAL_KEY)) expect(everything).not.toContain(spelling);
    const authorizations = simulator.calls.requests.map((request) => request.headers.authorization);
    expect(new Set(authorizations)).toEqual(new Set([`Key ${CANARY_FAL_KEY}`]));
  });
});

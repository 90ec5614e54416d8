import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { AnimationDocument, AnimationProgressDocument, CreateAnimationDocument } from '../gql/graphql.js';
import { dataOf, graphqlHttp, subscribeWs, wsClient } from '../support/graphql-clients.js';
import { freePort, startSimulator, startTestGateway } from '../support/harness.js';
import { input } from '../support/inputs.js';
import { fixtureBytes } from '../support/fixtures.js';
import { download } from '../support/media.js';
import { listenOnLoopback } from '../support/loopback-server.js';
import { progressOf } from '../support/progress.js';
import type { FalSimulator } from '@uni-animate/fal-simulator';

/** An animation as read, without what changes with every read: the signature and expiry of its video URL. */
function stable<A extends { video?: { url: string } | null }>(animation: A): A {
  return { ...animation, video: animation.video && { ...animation.video, url: new URL(animation.video.url).pathname } };
}

/** Serves `bytes` as an MP4 on loopback (fal's CDN, for a result the test makes up); closed when the test ends. */
async function serveOnce(bytes: Buffer): Promise<string> {
  const server = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': bytes.length }).end(bytes),
  );
  return `${await listenOnLoopback(server)}/files/result.mp4`;
}

async function gatewayWithFalWebhooks(simulator: FalSimulator, env: Record<string, string> = {}) {
  const port = await freePort();
  return startTestGateway(simulator, {
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    FAL_JWKS_URL: simulator.jwksUrl,
    ...env,
  });
}

function post(url: string, body: string, headers: Record<string, string>) {
  return fetch(`${url}/webhooks/fal`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

describe("fal's webhooks", () => {
  it('ask fal to call back, and a signed delivery completes the animation with status polling switched off', async () => {
    const simulator = await startSimulator();
    simulator.faults.rate = { stream: 1 };
    const gateway = await gatewayWithFalWebhooks(simulator, { RECONCILE_INTERVAL_MS: '600000' });
    const created = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() })).createAnimation;
    expect(simulator.job(created.requestId!)!.webhookUrl).toBe(`${gateway.url}/webhooks/fal`);

    const events = progressOf(await subscribeWs(wsClient(gateway.url), AnimationProgressDocument, { id: created.id }).untilComplete());
    expect(events.at(-1)!.status).toBe('COMPLETED');
    expect(events.at(-1)!.animation.video?.url).toContain(created.requestId!);
    expect(simulator.webhooks.filter((w) => w.requestId === created.requestId).map((w) => w.status)).toEqual([200]);
    expect(simulator.calls.byRequest(created.requestId!)).toMatchObject({ status: 0, result: 0 });
  });

  it("finishes a failed request as FAILED with fal's reason", async () => {
    const simulator = await startSimulator();
    simulator.faults.rate = { stream: 1 };
    simulator.plan(() => ({
      fail: { status: 422, body: { detail: [{ loc: ['body', 'video_url'], msg: 'No person found in the video', type: 'value_error' }] } },
    }));
    const gateway = await gatewayWithFalWebhooks(simulator, { RECONCILE_INTERVAL_MS: '600000' });
    const created = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() })).createAnimation;
    const events = progressOf(await subscribeWs(wsClient(gateway.url), AnimationProgressDocument, { id: created.id }).untilComplete());
    expect(events.at(-1)!.animation.error).toEqual({ code: 'UPSTREAM_REJECTED', message: 'videoUrl: No person found in the video' });
  });

  it('refuses every tampered or stale delivery with 401 and changes nothing; applies a valid one once, replays and unknown ids change nothing', async () => {
    const simulator = await startSimulator();
    simulator.plan(() => ({ pauseAtStep: 2 }));
    simulator.faults.webhooks = false;
    const other = await startSimulator();
    const gateway = await gatewayWithFalWebhooks(simulator);
    const created = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() })).createAnimation;
    const subscription = subscribeWs(wsClient(gateway.url), AnimationProgressDocument, { id: created.id });
    await subscription.waitFor((events) => events.length > 0);
    const requestId = created.requestId!;
    const clip = fixtureBytes('dancer.mp4');
    const video = { url: await serveOnce(clip), content_type: 'video/mp4', file_name: 'result.mp4', file_size: clip.length };
    const body = JSON.stringify({ request_id: requestId, gateway_request_id: requestId, status: 'OK', payload: { video, seed: 1 } });
    const now = Math.floor(Date.now() / 1000);
    const signed = simulator.signWebhook(body, requestId, now);
    const withHeader = (name: string, value: string | undefined) => {
      const headers = { ...signed };
      const key = Object.keys(headers).find((h) => h.toLowerCase() === name)!;
      if (value === undefined) delete headers[key];
      else headers[key] = value;
      return headers;
    };

    // Signed as it is sent, rounded up, so the time the gateway takes to check it cannot bring it within tolerance.
    const ahead = (seconds: number) => () => simulator.signWebhook(body, requestId, Math.ceil(Date.now() / 1000) + seconds);
    const tampered: [string, string, Record<string, string> | (() => Record<string, string>)][] = [
      ['a changed body byte', body.replace('result.mp4', 'resulT.mp4'), signed],
      ['a timestamp 301 s old', body, simulator.signWebhook(body, requestId, now - 301)],
      ['a timestamp 301 s ahead', body, ahead(301)],
      ['no request id header', body, withHeader('x-fal-webhook-request-id', undefined)],
      ['no user id header', body, withHeader('x-fal-webhook-user-id', undefined)],
      ['no timestamp header', body, withHeader('x-fal-webhook-timestamp', undefined)],
      ['no signature header', body, withHeader('x-fal-webhook-signature', undefined)],
      ['another key', body, other.signWebhook(body, requestId, now)],
      ['a different user id', body, withHeader('x-fal-webhook-user-id', 'someone-else')],
      ['a different request id header', body, withHeader('x-fal-webhook-request-id', 'another-request')],
      ['a signature that is not hex', body, withHeader('x-fal-webhook-signature', 'zz'.repeat(64))],
      ['an odd-length signature', body, withHeader('x-fal-webhook-signature', signed['X-Fal-Webhook-Signature']!.slice(1))],
      ['a timestamp that is not a number', body, withHeader('x-fal-webhook-timestamp', 'soon')],
    ];
    for (const [what, sentBody, headers] of tampered) {
      expect((await post(gateway.url, sentBody, typeof headers === 'function' ? headers() : headers)).status, what).toBe(401);
    }
    const untouched = dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id: created.id })).animation!;
    expect(untouched.status).toMatch(/^(IN_QUEUE|IN_PROGRESS)$/);
    expect(untouched.video).toBeNull();

    expect((await post(gateway.url, body, signed)).status).toBe(200);
    const finished = progressOf(await subscription.untilComplete());
    expect(finished.at(-1)!.status).toBe('COMPLETED');
    const kept = finished.at(-1)!.animation.video!.url;
    expect(kept.startsWith(`${gateway.url}/media/`)).toBe(true);
    expect((await download(kept)).bytes.equals(clip)).toBe(true);
    const afterFirst = stable(dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id: created.id })).animation!);

    expect((await post(gateway.url, body, simulator.signWebhook(body, requestId))).status).toBe(200);
    const failedReplay = JSON.stringify({
      request_id: requestId,
      status: 'ERROR',
      error: 'Invalid status code: 500',
      payload: { detail: 'late' },
    });
    expect((await post(gateway.url, failedReplay, simulator.signWebhook(failedReplay, requestId))).status).toBe(200);
    const afterReplays = stable(dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id: created.id })).animation!);
    expect(afterReplays).toEqual(afterFirst);

    const unknown = JSON.stringify({ request_id: 'not-ours', status: 'OK', payload: { video } });
    expect((await post(gateway.url, unknown, simulator.signWebhook(unknown, 'not-ours'))).status).toBe(200);
    simulator.resume(requestId);
  });

  it('answers 503, so fal retries, while its signing keys cannot be fetched', async () => {
    const simulator = await startSimulator();
    const gateway = await gatewayWithFalWebhooks(simulator, { FAL_JWKS_URL: 'http://127.0.0.1:9/jwks.json' });
    const body = JSON.stringify({ request_id: 'r', status: 'OK', payload: {} });
    expect((await post(gateway.url, body, simulator.signWebhook(body, 'r'))).status).toBe(503);
  });
});

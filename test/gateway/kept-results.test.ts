import { describe, expect, it } from 'vitest';
import { MediaLinks } from '../../src/animations/custody/media-links.js';
import { AnimationDocument, AnimationProgressDocument, CreateAnimationDocument, DeleteAnimationDocument } from '../gql/graphql.js';
import { ALICE_KEY, AUTH_ENV, bearer, BOB_KEY } from '../support/auth.js';
import { dataOf, graphqlHttp, subscribeWs, wsClient } from '../support/graphql-clients.js';
import { startSimulator, startTestGateway } from '../support/harness.js';
import { input } from '../support/inputs.js';
import { download, MEDIA_BACKENDS } from '../support/media.js';
import { progressOf } from '../support/progress.js';

const SIGNING_SECRET = 'media-signing-secret-for-tests-0123456789';
const TTL_S = 600;

/** The URL fal (the simulator) serves a request's result video at. */
const falVideoUrl = (simulatorUrl: string, requestId: string) => `${simulatorUrl}/files/result/${requestId}.mp4`;

async function createAndFinish(gatewayUrl: string, headers: Record<string, string> = {}) {
  const created = dataOf(await graphqlHttp(gatewayUrl, CreateAnimationDocument, { input: input() }, headers)).createAnimation;
  const socket = wsClient(gatewayUrl, { connectionParams: () => headers });
  const events = progressOf(await subscribeWs(socket, AnimationProgressDocument, { id: created.id }).untilComplete());
  return { created, last: events.at(-1)! };
}

describe.each(MEDIA_BACKENDS)('results kept by the gateway, in %s', (_name, backend) => {
  it("serves fal's video from the gateway, byte for byte and by range, after fal has forgotten it, and only under its signature", async () => {
    const simulator = await startSimulator();
    const media = await backend();
    const gateway = await startTestGateway(simulator, {
      ...media.env,
      MEDIA_SIGNING_SECRET: SIGNING_SECRET,
      MEDIA_URL_TTL_S: String(TTL_S),
    });
    const { created, last } = await createAndFinish(gateway.url);
    expect(last.status).toBe('COMPLETED');
    const falBytes = (await download(falVideoUrl(simulator.url, created.requestId!))).bytes;
    expect(falBytes.subarray(4, 8).toString('latin1')).toBe('ftyp');

    simulator.forgetResult(created.requestId!);
    expect((await download(falVideoUrl(simulator.url, created.requestId!))).status).toBe(404);

    const { video, logs } = dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id: created.id })).animation!;
    expect(logs.map((log) => log.message).slice(-2)).toEqual(['Encoding video', 'Saving the video']);
    expect(video).toMatchObject({ contentType: 'video/mp4', fileSize: falBytes.length, expiresAt: null });
    const url = new URL(video!.url);
    expect(url.origin).toBe(gateway.url);
    expect(url.pathname).toMatch(/^\/media\/[\w-]+\/[\w.-]+\.mp4$/);
    const secondsLeft = Number(url.searchParams.get('expires')) - Date.now() / 1000;
    expect(secondsLeft).toBeGreaterThan(TTL_S - 60);
    expect(secondsLeft).toBeLessThanOrEqual(TTL_S + 1);

    const whole = await download(video!.url);
    expect(whole.status).toBe(200);
    expect(whole.bytes.equals(falBytes)).toBe(true);
    expect(whole.headers.get('content-type')).toBe('video/mp4');
    expect(whole.headers.get('content-length')).toBe(String(falBytes.length));
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    const etag = whole.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);

    const part = await download(video!.url, { range: 'bytes=100-1099' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-1099/${falBytes.length}`);
    expect(part.bytes.equals(falBytes.subarray(100, 1100))).toBe(true);
    const tail = await download(video!.url, { range: 'bytes=-10' });
    expect(tail.bytes.equals(falBytes.subarray(-10))).toBe(true);
    expect((await download(video!.url, { 'if-none-match': etag! })).status).toBe(304);

    const signature = url.searchParams.get('signature')!;
    const tampered = new URL(url);
    tampered.searchParams.set('signature', `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`);
    const longer = new URL(url);
    longer.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 1));
    for (const forged of [tampered, longer, new URL(url.pathname, gateway.url)]) {
      const refused = await download(forged.href);
      expect({ status: refused.status, body: refused.bytes.toString() }).toEqual({ status: 403, body: '403' });
    }

    // Signed with the gateway's secret, for the right owner, but an hour ago: only the expiry is wrong.
    const key = decodeURIComponent(url.pathname.slice('/media/'.length));
    const linksAt = (nowMs: number) => new MediaLinks({ secret: SIGNING_SECRET, ttlSeconds: 60, publicUrl: gateway.url, now: () => nowMs });
    expect((await download(linksAt(Date.now()).urlFor(key, 'local'))).status).toBe(200);
    expect((await download(linksAt(Date.now() - 3_600_000).urlFor(key, 'local'))).status).toBe(403);
    expect((await download(linksAt(Date.now()).urlFor(key, 'someone-else'))).status).toBe(403);
  });

  it('lets another owner neither read nor delete, and deleting leaves nothing of the animation', async () => {
    const simulator = await startSimulator();
    const media = await backend();
    const gateway = await startTestGateway(simulator, { ...media.env, ...AUTH_ENV });
    const [alice, bob] = [bearer(ALICE_KEY), bearer(BOB_KEY)];
    const { created } = await createAndFinish(gateway.url, alice);
    const kept = await createAndFinish(gateway.url, alice);
    const { video } = dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id: created.id }, alice)).animation!;
    expect(await media.objects()).toHaveLength(2);

    expect(dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id: created.id }, bob)).animation).toBeNull();
    const bobsDelete = await graphqlHttp(gateway.url, DeleteAnimationDocument, { id: created.id }, bob);
    const randomDelete = await graphqlHttp(gateway.url, DeleteAnimationDocument, { id: 'QW5pbWF0aW9uOm5vcGU=' }, bob);
    expect(bobsDelete.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(JSON.stringify(bobsDelete.errors).replaceAll(created.id, '<id>')).toBe(
      JSON.stringify(randomDelete.errors).replaceAll('QW5pbWF0aW9uOm5vcGU=', '<id>'),
    );
    expect((await download(video!.url)).status).toBe(200);

    for (let repeat = 0; repeat < 2; repeat++) {
      const deleted = await graphqlHttp(gateway.url, DeleteAnimationDocument, { id: created.id }, alice);
      expect(dataOf(deleted).deleteAnimation).toEqual({ deletedId: created.id });
    }
    expect(dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id: created.id }, alice)).animation).toBeNull();
    const gone = await download(video!.url);
    expect({ status: gone.status, body: gone.bytes.toString() }).toEqual({ status: 404, body: '404' });
    const left = await media.objects();
    expect(left).toHaveLength(1);
    expect(left.some((object) => object.includes(idOf(video!.url)))).toBe(false);
    expect((await graphqlHttp(gateway.url, DeleteAnimationDocument, { id: created.id }, bob)).errors?.[0]?.extensions?.code).toBe(
      'NOT_FOUND',
    );
    const other = dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id: kept.created.id }, alice)).animation!;
    expect((await download(other.video!.url)).status).toBe(200);
  });

  it('cancels an unfinished animation at fal before deleting it', async () => {
    const simulator = await startSimulator();
    simulator.plan(() => ({ pauseAtStep: 3 }));
    const media = await backend();
    const gateway = await startTestGateway(simulator, media.env);
    const created = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() })).createAnimation;
    await simulator.waitFor(() => simulator.job(created.requestId!)?.paused === true);
    expect(dataOf(await graphqlHttp(gateway.url, DeleteAnimationDocument, { id: created.id })).deleteAnimation.deletedId).toBe(created.id);
    expect(simulator.job(created.requestId!)?.cancelled).toBe(true);
    expect(simulator.calls.cancel).toBe(1);
    expect(dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id: created.id })).animation).toBeNull();
    expect(await media.objects()).toEqual([]);
  });
});

/** The animation id in a media URL's path. */
function idOf(mediaUrl: string): string {
  return new URL(mediaUrl).pathname.split('/')[2]!;
}

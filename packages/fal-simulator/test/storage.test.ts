import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { FalSimulator } from '../src/index.js';
import { clientFor, ENDPOINT, fixture, resultClipBytes, startSimulator, statusUrl, submit, VALID_INPUT } from './helpers.js';

async function download(url: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await fetch(url, { headers, method });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

async function completedJobClipUrl(sim: FalSimulator): Promise<string> {
  const fal = clientFor(sim);
  const requestId = await submit(fal);
  await sim.waitFor(() => sim.job(requestId)?.status === 'COMPLETED');
  const { data } = await fal.queue.result(ENDPOINT, { requestId });
  return data.video.url as string;
}

describe('fal storage simulator', () => {
  it('stores a Blob uploaded by the real client and serves it back', async () => {
    const sim = await startSimulator();
    const fal = clientFor(sim);
    const bytes = fixture('dancer.mp4');
    const url = await fal.storage.upload(new Blob([new Uint8Array(bytes)], { type: 'video/mp4' }));

    expect(url.startsWith(`${sim.url}/files/`)).toBe(true);
    expect(sim.storedFile(url)).toEqual({ bytes, contentType: 'video/mp4' });
    const served = await download(url);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('video/mp4');
    expect(served.bytes.equals(bytes)).toBe(true);

    expect(sim.calls.storageInitiate).toBe(1);
    expect(sim.calls.storagePut).toBe(1);
    const [initiate, put] = sim.calls.requests;
    expect(initiate).toMatchObject({ method: 'POST', path: '/storage/upload/initiate', query: { storage_type: 'fal-cdn-v3' } });
    expect(initiate?.headers.authorization).toBe('Key test-key');
    expect(JSON.parse(initiate?.body ?? '')).toMatchObject({ content_type: 'video/mp4', file_name: expect.stringMatching(/\.mp4$/) });
    expect(put).toMatchObject({ method: 'PUT', bodyBytes: bytes.length });
    expect(put?.headers.authorization).toBeUndefined();
  });

  it('uploads Blob inputs at submit and hands the job their file URLs', async () => {
    const sim = await startSimulator();
    const fal = clientFor(sim);
    const png = fixture('character.png');
    const mp4 = fixture('dancer.mp4');
    const requestId = await submit(fal, {
      prompt: 'dance',
      image_url: new File([new Uint8Array(png)], 'character.png', { type: 'image/png' }),
      video_url: new Blob([new Uint8Array(mp4)], { type: 'video/mp4' }),
    });

    const input = sim.job(requestId)?.input ?? {};
    expect(String(input.image_url)).toMatch(new RegExp(`^${sim.url}/files/[^/]+/character\\.png$`));
    expect(sim.storedFile(String(input.image_url))).toEqual({ bytes: png, contentType: 'image/png' });
    expect(sim.storedFile(String(input.video_url))?.bytes.equals(mp4)).toBe(true);
    expect(sim.calls.storagePut).toBe(2);
  });

  it('assembles a multipart upload in part order', async () => {
    const sim = await startSimulator();
    const initiated = await fetch(`${sim.url}/storage/upload/initiate-multipart?storage_type=fal-cdn-v3`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ content_type: 'video/mp4', file_name: 'big.mp4' }),
    });
    const { upload_url: uploadUrl, file_url: fileUrl } = (await initiated.json()) as { upload_url: string; file_url: string };
    const clip = resultClipBytes();
    const halves = [clip.subarray(0, 10_000), clip.subarray(10_000)];
    const bodies = halves.map((half) => new Uint8Array(half));

    const parts = [];
    for (const partNumber of [2, 1]) {
      const res = await fetch(`${uploadUrl}/${partNumber}`, { method: 'PUT', body: bodies[partNumber - 1] });
      expect(res.headers.get('content-type')).toBe('application/json');
      parts.push(await res.json());
    }
    expect(parts[0]).toEqual({ partNumber: 2, etag: createHash('md5').update(halves[1]!).digest('hex') });
    expect(sim.storedFile(fileUrl)).toBeUndefined();

    const badEtag = await fetch(`${uploadUrl}/complete`, {
      method: 'POST',
      body: JSON.stringify({ parts: [{ partNumber: 1, etag: 'wrong' }] }),
    });
    expect(badEtag.status).toBe(400);

    const completed = await fetch(`${uploadUrl}/complete`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ parts }),
    });
    expect(completed.status).toBe(200);
    expect(sim.storedFile(fileUrl)).toEqual({ bytes: clip, contentType: 'video/mp4' });
    expect((await download(fileUrl)).bytes.equals(clip)).toBe(true);
    expect(sim.calls.storageInitiate).toBe(1);
    expect(sim.calls.storagePut).toBe(2);
  });

  it('rejects an initiate without its fields and a PUT to a URL it never issued', async () => {
    const sim = await startSimulator();
    const initiate = await fetch(`${sim.url}/storage/upload/initiate?storage_type=fal-cdn-v3`, { method: 'POST', body: '{}' });
    expect(initiate.status).toBe(422);
    expect(((await initiate.json()) as { detail: { loc: string[] }[] }).detail.map((d) => d.loc[1])).toEqual(['content_type', 'file_name']);
    const put = await fetch(`${sim.url}/storage/put/unknown-token`, { method: 'PUT', body: 'x' });
    expect(put.status).toBe(404);
    expect((await download(`${sim.url}/files/unknown-token/x.png`)).status).toBe(404);
  });

  it('serves the result clip with byte ranges for a <video> element', async () => {
    const sim = await startSimulator();
    const url = await completedJobClipUrl(sim);
    const clip = resultClipBytes();

    const whole = await download(url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('video/mp4');
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(whole.headers.get('content-length')).toBe(String(clip.length));
    expect(whole.bytes.equals(clip)).toBe(true);
    expect(sim.storedFile(url)).toEqual({ bytes: clip, contentType: 'video/mp4' });

    const head = await download(url, { range: 'bytes=0-99' });
    expect(head.status).toBe(206);
    expect(head.headers.get('content-range')).toBe(`bytes 0-99/${clip.length}`);
    expect(head.bytes.equals(clip.subarray(0, 100))).toBe(true);

    const tail = await download(url, { range: 'bytes=-10' });
    expect(tail.status).toBe(206);
    expect(tail.headers.get('content-range')).toBe(`bytes ${clip.length - 10}-${clip.length - 1}/${clip.length}`);
    expect(tail.bytes.equals(clip.subarray(-10))).toBe(true);

    const open = await download(url, { range: `bytes=${clip.length - 5}-` });
    expect(open.bytes.equals(clip.subarray(-5))).toBe(true);

    const beyond = await download(url, { range: `bytes=${clip.length}-` });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${clip.length}`);

    const headOnly = await download(url, {}, 'HEAD');
    expect(headOnly.status).toBe(200);
    expect(headOnly.headers.get('content-length')).toBe(String(clip.length));
    expect(headOnly.bytes.length).toBe(0);
  });

  it('serves no clip for a failed, cancelled, unfinished or unknown job', async () => {
    const sim = await startSimulator();
    const fal = clientFor(sim);
    sim.plan(() => ({ pauseAtStep: 1 }));
    const unfinished = await submit(fal);
    sim.plan(undefined);
    const failed = await submit(fal, { ...VALID_INPUT, prompt: '[fail]' });
    const cancelled = await submit(fal);
    await fetch(statusUrl(sim, cancelled, '/cancel'), { method: 'PUT' });
    await sim.waitFor(() => sim.job(unfinished)?.paused === true);
    const clipOf = (requestId: string) => `${sim.url}/files/result/${requestId}.mp4`;
    expect((await download(clipOf(unfinished))).status).toBe(404);
    sim.resume(unfinished);
    await sim.waitFor(() => sim.job(failed)?.status === 'COMPLETED');

    for (const requestId of [failed, cancelled, 'unknown']) {
      expect((await download(clipOf(requestId))).status).toBe(404);
      expect(sim.storedFile(clipOf(requestId))).toBeUndefined();
    }
    await sim.waitFor(() => sim.job(unfinished)?.status === 'COMPLETED');
    expect(sim.storedFile(clipOf(unfinished))).toEqual({ bytes: resultClipBytes(), contentType: 'video/mp4', objectLifecycle: undefined });
    expect(sim.storedFile('https://v3.fal.media/files/result/x.mp4')).toBeUndefined();
  });
});

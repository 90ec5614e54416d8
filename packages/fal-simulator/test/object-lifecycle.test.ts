import { describe, expect, it } from 'vitest';
import type { FalSimulator } from '../src/index.js';
import { clientFor, ENDPOINT, fixture, startSimulator, VALID_INPUT } from './helpers.js';

async function rawSubmit(sim: FalSimulator, headers: Record<string, string>): Promise<string> {
  const res = await fetch(`${sim.url}/${ENDPOINT}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(VALID_INPUT),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { request_id: string }).request_id;
}

async function initiate(sim: FalSimulator, kind: 'initiate' | 'initiate-multipart', headers: Record<string, string>) {
  const res = await fetch(`${sim.url}/storage/upload/${kind}?storage_type=fal-cdn-v3`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ content_type: 'video/mp4', file_name: 'dancer.mp4' }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { upload_url: string; file_url: string };
}

describe('fal simulator object lifecycle', () => {
  it('records the lifecycle preference a submit sends, parsed', async () => {
    const sim = await startSimulator();
    const { request_id: fromClient } = await clientFor(sim).queue.submit(ENDPOINT, {
      input: VALID_INPUT,
      storageSettings: { expiresIn: '1d' },
    });
    const fromFetch = await rawSubmit(sim, { 'x-fal-object-lifecycle-preference': '{"expiration_duration_seconds":3600}' });
    const malformed = await rawSubmit(sim, { 'x-fal-object-lifecycle-preference': '{"expiration_duration_seconds":' });
    const notAnObject = await rawSubmit(sim, { 'x-fal-object-lifecycle-preference': '[86400]' });
    const without = await rawSubmit(sim, {});

    expect(sim.job(fromClient)?.objectLifecycle).toEqual({ expiration_duration_seconds: 86400 });
    expect(sim.job(fromClient)?.falHeaders['x-fal-object-lifecycle-preference']).toBe('{"expiration_duration_seconds":86400}');
    expect(sim.job(fromFetch)?.objectLifecycle).toEqual({ expiration_duration_seconds: 3600 });
    expect(sim.job(malformed)?.objectLifecycle).toEqual({ raw: '{"expiration_duration_seconds":' });
    expect(sim.job(notAnObject)?.objectLifecycle).toEqual({ raw: '[86400]' });
    expect(sim.job(without)).toMatchObject({ objectLifecycle: undefined, falHeaders: {} });

    // The result clip carries its job's preference.
    await sim.waitFor(() => sim.job(fromFetch)?.status === 'COMPLETED');
    const result = await fetch(`${sim.url}/${ENDPOINT}/requests/${fromFetch}`);
    const { video } = (await result.json()) as { video: { url: string } };
    expect(sim.storedFile(video.url)?.objectLifecycle).toEqual({ expiration_duration_seconds: 3600 });
  });

  it('records the lifecycle of single and multipart uploads from their initiate call, and lists the uploads', async () => {
    const sim = await startSimulator();
    const bytes = fixture('dancer.mp4');
    const single = await clientFor(sim).storage.upload(new Blob([new Uint8Array(bytes)], { type: 'video/mp4' }), {
      lifecycle: { expiresIn: 3600 },
    });
    expect(sim.calls.requests[0]?.headers['x-fal-object-lifecycle']).toBe('{"expiration_duration_seconds":3600}');

    const multipart = await initiate(sim, 'initiate-multipart', { 'X-Fal-Object-Lifecycle': '{"expiration_duration_seconds":60}' });
    const part = await fetch(`${multipart.upload_url}/1`, { method: 'PUT', body: new Uint8Array(bytes) });
    const completed = await fetch(`${multipart.upload_url}/complete`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ parts: [await part.json()] }),
    });
    expect(completed.status).toBe(200);

    const malformed = await initiate(sim, 'initiate', { 'X-Fal-Object-Lifecycle': 'one day' });
    const without = await initiate(sim, 'initiate', {});
    for (const { upload_url: uploadUrl } of [malformed, without]) {
      expect(
        (await fetch(uploadUrl, { method: 'PUT', headers: { 'Content-Type': 'video/mp4' }, body: new Uint8Array(bytes) })).status,
      ).toBe(200);
    }

    expect(sim.storedFile(single)).toEqual({ bytes, contentType: 'video/mp4', objectLifecycle: { expiration_duration_seconds: 3600 } });
    expect(sim.files()).toEqual([
      { url: single, contentType: 'video/mp4', size: bytes.length, objectLifecycle: { expiration_duration_seconds: 3600 } },
      { url: multipart.file_url, contentType: 'video/mp4', size: bytes.length, objectLifecycle: { expiration_duration_seconds: 60 } },
      { url: malformed.file_url, contentType: 'video/mp4', size: bytes.length, objectLifecycle: { raw: 'one day' } },
      { url: without.file_url, contentType: 'video/mp4', size: bytes.length, objectLifecycle: undefined },
    ]);
    expect(sim.files()[3]).toHaveProperty('objectLifecycle', undefined);
  });
});

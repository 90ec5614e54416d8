import { describe, expect, it } from 'vitest';
import { resultClipBytes, type FalSimulator, type JobPlan } from '../src/index.js';
import { ENDPOINT, startSimulator, statusUrl, VALID_INPUT } from './helpers.js';

const WAIT_MS = 5_000;

interface ResultVideo {
  url: string;
  content_type: string;
  file_name: string;
  file_size: number;
}

/** Submits a job under `plan` and waits for it to complete; answers its id, result JSON and video. */
async function completedJob(sim: FalSimulator, plan: JobPlan = {}, webhookUrl?: string) {
  sim.plan(() => plan);
  const query = webhookUrl === undefined ? '' : `?fal_webhook=${encodeURIComponent(webhookUrl)}`;
  const submitted = await fetch(`${sim.url}/${ENDPOINT}${query}`, { method: 'POST', body: JSON.stringify(VALID_INPUT) });
  const { request_id: requestId } = (await submitted.json()) as { request_id: string };
  await sim.waitFor(() => sim.job(requestId)?.status === 'COMPLETED', WAIT_MS);
  const result = await fetch(statusUrl(sim, requestId, ''));
  expect(result.status).toBe(200);
  const body = (await result.json()) as { video: ResultVideo; seed: number };
  return { requestId, body, video: body.video };
}

async function download(url: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await fetch(url, { headers, method });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Reads until at least `count` bytes have arrived; the test's timeout bounds it. */
async function readAtLeast(reader: ReadableStreamDefaultReader<Uint8Array>, count: number): Promise<number> {
  let received = 0;
  while (received < count) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.length;
  }
  return received;
}

describe('fal simulator result files', () => {
  it('answers the resultFile fault status for the next `times` GETs, then serves the clip', async () => {
    const sim = await startSimulator();
    const { requestId, video } = await completedJob(sim);
    sim.faults.resultFile = { status: 503, times: 2 };

    const first = await download(video.url);
    expect(first.status).toBe(503);
    expect(first.headers.get('x-fal-error-type')).toBe('runner_scheduling_failure');
    expect(JSON.parse(first.bytes.toString('utf8'))).toEqual({ detail: 'No runner available', error_type: 'runner_scheduling_failure' });
    // A HEAD neither fails nor uses up the fault.
    const head = await download(video.url, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(resultClipBytes().length));
    expect((await download(video.url)).status).toBe(503);
    const served = await download(video.url);
    expect(served.status).toBe(200);
    expect(served.bytes.equals(resultClipBytes())).toBe(true);

    expect(sim.faults.resultFile).toEqual({ status: 503, times: 0 });
    expect(sim.calls.byRequest(requestId).resultFile).toBe(3);
    expect(sim.calls.resultFile).toBe(3);
    await sim.waitFor(() => sim.job(requestId)?.resultDownloads.completed === 1, WAIT_MS);
    expect(sim.job(requestId)?.resultDownloads).toEqual({ started: 1, completed: 1, stalled: 0, aborted: 0 });
  });

  it('never serves the clip while the fault has times: Infinity', async () => {
    const sim = await startSimulator();
    const { requestId, video } = await completedJob(sim);
    sim.faults.resultFile = { status: 502, times: Infinity };

    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await download(video.url)).status);
    expect(statuses).toEqual([502, 502, 502, 502, 502]);
    expect(sim.faults.resultFile.times).toBe(Infinity);
    expect(sim.calls.byRequest(requestId).resultFile).toBe(5);
    expect(sim.job(requestId)?.resultDownloads.started).toBe(0);

    sim.faults.resultFile = undefined;
    expect((await download(video.url)).status).toBe(200);
  });

  it('answers 404 for a forgotten result file while the result endpoint and the webhook keep the same JSON', async () => {
    const sim = await startSimulator({ webhookRetries: 0 });
    // The simulator's own 404 answers the webhook: each attempt is still recorded with its body.
    const { requestId, body, video } = await completedJob(sim, {}, `${sim.url}/hook`);
    await sim.waitFor(() => sim.webhooks.length === 1, WAIT_MS);
    expect(JSON.parse(sim.webhooks[0]?.body ?? '')).toMatchObject({ status: 'OK', payload: body });
    expect((await download(video.url)).status).toBe(200);

    sim.forgetResult(requestId);
    const forgotten = await download(video.url);
    expect(forgotten.status).toBe(404);
    expect(JSON.parse(forgotten.bytes.toString('utf8'))).toEqual({ detail: 'File not found' });
    expect((await download(video.url, {}, 'HEAD')).status).toBe(404);
    expect(sim.storedFile(video.url)).toBeUndefined();
    expect(sim.job(requestId)?.resultForgotten).toBe(true);

    const result = await fetch(statusUrl(sim, requestId, ''));
    expect(result.status).toBe(200);
    expect(await result.json()).toEqual(body);
    sim.redeliver(requestId);
    await sim.waitFor(() => sim.webhooks.length === 2, WAIT_MS);
    expect(JSON.parse(sim.webhooks[1]?.body ?? '').payload).toEqual(body);
    expect(sim.calls.byRequest(requestId).resultFile).toBe(2);
    expect(() => sim.forgetResult('unknown')).toThrow(/unknown/);
  });

  it('serves a synthetic result of exactly resultBytes, starting with the real clip, with byte ranges', async () => {
    const size = 5_000_000;
    const sim = await startSimulator();
    const { requestId, video } = await completedJob(sim, { resultBytes: size });
    expect(video).toEqual({ url: video.url, content_type: 'video/mp4', file_name: `${requestId}.mp4`, file_size: size });
    expect(sim.job(requestId)?.resultBytes).toBe(size);

    const whole = await download(video.url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-length')).toBe(String(size));
    expect(whole.bytes.length).toBe(size);
    expect(whole.bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
    const clip = resultClipBytes();
    expect(whole.bytes.subarray(0, clip.length).equals(clip)).toBe(true);
    expect(whole.bytes.equals(resultClipBytes(size))).toBe(true);
    // The padding is not one block repeated.
    expect(
      whole.bytes.subarray(clip.length, clip.length + 65_536).equals(whole.bytes.subarray(clip.length + 65_536, clip.length + 131_072)),
    ).toBe(false);

    // Across the end of the clip and a chunk boundary, from the middle, and the tail.
    for (const [range, start, end] of [
      ['bytes=31000-200000', 31_000, 200_000],
      ['bytes=2500001-2600000', 2_500_001, 2_600_000],
      ['bytes=-70000', size - 70_000, size - 1],
    ] as const) {
      const part = await download(video.url, { range });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes ${start}-${end}/${size}`);
      expect(part.bytes.equals(whole.bytes.subarray(start, end + 1))).toBe(true);
    }
    expect((await download(video.url, { range: `bytes=${size}-` })).status).toBe(416);
  });

  it('cuts the clip short for a resultBytes below its size', async () => {
    const sim = await startSimulator();
    const { video } = await completedJob(sim, { resultBytes: 1000 });
    expect(video.file_size).toBe(1000);
    const served = await download(video.url);
    expect(served.bytes.equals(resultClipBytes().subarray(0, 1000))).toBe(true);
    expect(sim.storedFile(video.url)?.bytes.equals(served.bytes)).toBe(true);
  });

  it('holds a stalled download open after afterBytes until the client goes away, then serves the next in full', async () => {
    const size = 300_000;
    const afterBytes = 100_000;
    const sim = await startSimulator();
    const { requestId, video } = await completedJob(sim, { resultBytes: size, resultStall: { afterBytes } });
    expect(sim.job(requestId)?.resultStall).toEqual({ afterBytes, downloads: 1 });

    const controller = new AbortController();
    const stalled = await fetch(video.url, { signal: controller.signal });
    expect(stalled.status).toBe(200);
    expect(stalled.headers.get('content-length')).toBe(String(size));
    const reader = stalled.body!.getReader();
    // Read while waiting: the stall point counts once the bytes are flushed to the socket, which needs a reader.
    const received = readAtLeast(reader, afterBytes);
    await sim.waitFor(() => sim.job(requestId)?.resultDownloads.stalled === 1, WAIT_MS);
    expect(await received).toBe(afterBytes);

    // Nothing more arrives: the next read is still pending when the client aborts.
    const next = reader.read();
    controller.abort();
    await expect(next).rejects.toThrow();
    await sim.waitFor(() => sim.job(requestId)?.resultDownloads.aborted === 1, WAIT_MS);

    const second = await download(video.url);
    expect(second.status).toBe(200);
    expect(second.bytes.equals(resultClipBytes(size))).toBe(true);
    await sim.waitFor(() => sim.job(requestId)?.resultDownloads.completed === 1, WAIT_MS);
    expect(sim.job(requestId)?.resultDownloads).toEqual({ started: 2, completed: 1, stalled: 1, aborted: 1 });
    expect(sim.calls.byRequest(requestId).resultFile).toBe(2);
  });

  it('stalls as many downloads as the plan says, ranged ones included, and releases them at stop', async () => {
    const sim = await startSimulator();
    const { requestId, video } = await completedJob(sim, { resultStall: { afterBytes: 0, downloads: 2 } });

    const first = await fetch(video.url);
    const ranged = await fetch(video.url, { headers: { range: 'bytes=100-' } });
    expect([first.status, ranged.status]).toEqual([200, 206]);
    await sim.waitFor(() => sim.job(requestId)?.resultDownloads.stalled === 2, WAIT_MS);
    expect((await download(video.url)).bytes.equals(resultClipBytes())).toBe(true);

    const pending = [first, ranged].map((res) =>
      res.arrayBuffer().then(
        () => 'ended',
        () => 'failed',
      ),
    );
    await sim.stop();
    expect(await Promise.all(pending)).toEqual(['failed', 'failed']);
    expect(sim.job(requestId)?.resultDownloads).toEqual({ started: 3, completed: 1, stalled: 2, aborted: 2 });
  });
});

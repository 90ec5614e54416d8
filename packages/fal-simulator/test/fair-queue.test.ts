import { ApiError, type FalClient, type QueueStatus } from '@fal-ai/client';
import { describe, expect, it } from 'vitest';
import type { FalSimulator, JobPlan } from '../src/index.js';
import { clientFor, ENDPOINT, pauseOnPrompt, settle, startSimulator, statusUrl, submit, VALID_INPUT } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the simulator's JSON answers, read field by field
async function json(url: string, init?: RequestInit): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** Opens the status stream with the real client and collects its events. */
async function collect(fal: FalClient, requestId: string) {
  const stream = await fal.queue.streamStatus(ENDPOINT, { requestId, logs: false });
  const events: QueueStatus[] = [];
  stream.on('data', (event: QueueStatus) => events.push(event));
  return { events, done: settle(stream.done()) };
}

function shape(events: QueueStatus[]): [string, number | undefined][] {
  return events.map((event) => [event.status, event.status === 'IN_QUEUE' ? event.queue_position : undefined]);
}

async function positionOf(fal: FalClient, requestId: string): Promise<number | undefined> {
  const status = await fal.queue.status(ENDPOINT, { requestId, logs: false });
  return status.status === 'IN_QUEUE' ? status.queue_position : undefined;
}

function positions(sim: FalSimulator, requestIds: string[]): (number | undefined)[] {
  return requestIds.map((requestId) => sim.job(requestId)?.queuePosition);
}

/** Jobs whose prompt says `pause@N` pause after step N; `fail` in the prompt makes the result a 500. */
function pauseOrFailOnPrompt(sim: FalSimulator): void {
  sim.plan((input): JobPlan => {
    const prompt = String(input.prompt);
    const pause = /pause@(\d+)/.exec(prompt);
    return {
      ...(pause ? { pauseAtStep: Number(pause[1]) } : {}),
      ...(prompt.includes('fail') ? { fail: { status: 500, body: { detail: 'boom', error_type: 'runner_server_error' } } } : {}),
    };
  });
}

describe('fal queue simulator: concurrency, priority and start timeouts', () => {
  it('runs `concurrency` jobs at once; the others wait IN_QUEUE with the jobs ahead counted, dropping as runners free up', async () => {
    const sim = await startSimulator({ concurrency: 2 });
    pauseOnPrompt(sim);
    const fal = clientFor(sim);
    const running = [await submit(fal, { ...VALID_INPUT, prompt: 'pause@1' }), await submit(fal, { ...VALID_INPUT, prompt: 'pause@1' })];
    await sim.waitFor(() => running.every((requestId) => sim.job(requestId)?.paused === true));

    const answers = [];
    for (let n = 0; n < 3; n += 1) answers.push(await fal.queue.submit(ENDPOINT, { input: { ...VALID_INPUT, prompt: 'pause@1' } }));
    const waiting = answers.map((answer) => answer.request_id);
    expect(answers.map((answer) => [answer.status, answer.queue_position])).toEqual([
      ['IN_QUEUE', 0],
      ['IN_QUEUE', 1],
      ['IN_QUEUE', 2],
    ]);
    expect(sim.jobs().map((job) => [job.status, job.queuePosition])).toEqual([
      ['IN_PROGRESS', undefined],
      ['IN_PROGRESS', undefined],
      ['IN_QUEUE', 0],
      ['IN_QUEUE', 1],
      ['IN_QUEUE', 2],
    ]);
    expect(await Promise.all(waiting.map((requestId) => positionOf(fal, requestId)))).toEqual([0, 1, 2]);
    expect(sim.unfinished()).toBe(5);
    expect(sim.peakUnfinished).toBe(5);
    const [third = '', fourth = '', fifth = ''] = waiting;
    const watched = await collect(fal, fifth);
    await sim.waitFor(() => sim.calls.byRequest(fifth).stream === 1);

    sim.resume(running[0] ?? '');
    await sim.waitFor(() => sim.job(third)?.paused === true);
    const started = await json(statusUrl(sim, third));
    expect(started.body.status).toBe('IN_PROGRESS');
    expect(started.body).not.toHaveProperty('queue_position');
    expect(positions(sim, waiting)).toEqual([undefined, 0, 1]);
    expect(await positionOf(fal, fifth)).toBe(1);
    expect(sim.unfinished()).toBe(4);

    sim.resume(running[1] ?? '');
    await sim.waitFor(() => sim.job(fourth)?.paused === true);
    expect(positions(sim, waiting)).toEqual([undefined, undefined, 0]);
    sim.resume(third);
    await sim.waitFor(() => sim.job(fifth)?.paused === true);
    sim.resume(fourth);
    sim.resume(fifth);
    await sim.waitFor(() => sim.unfinished() === 0);

    expect((await watched.done).ok).toBe(true);
    expect(shape(watched.events)).toEqual([
      ['IN_QUEUE', 2],
      ['IN_QUEUE', 1],
      ['IN_QUEUE', 0],
      ['IN_PROGRESS', undefined],
      ['COMPLETED', undefined],
    ]);
    expect(sim.peakUnfinished).toBe(5);
    expect(sim.jobs().every((job) => job.status === 'COMPLETED' && job.startedAt !== undefined)).toBe(true);
  });

  it('starts as many waiting jobs at once as runners come free, not one per queue tick', async () => {
    const sim = await startSimulator({ concurrency: 3, queueTickMs: 200 });
    pauseOnPrompt(sim);
    const fal = clientFor(sim);
    const blockers: string[] = [];
    for (let n = 0; n < 3; n += 1) blockers.push(await submit(fal, { ...VALID_INPUT, prompt: 'pause@0' }));
    const waiting: string[] = [];
    for (let n = 0; n < 4; n += 1) waiting.push(await submit(fal, { ...VALID_INPUT, prompt: 'pause@0' }));
    await sim.waitFor(() => blockers.every((requestId) => sim.job(requestId)?.paused === true));
    expect(positions(sim, waiting)).toEqual([0, 1, 2, 3]);

    // Three runners come free together; the queue's next tick starts three jobs, not one.
    const cancels = await Promise.all(blockers.map((requestId) => json(statusUrl(sim, requestId, '/cancel'), { method: 'PUT' })));
    expect(cancels.map((answer) => answer.status)).toEqual([202, 202, 202]);
    await sim.waitFor(() => sim.jobs().filter((job) => job.paused).length === 3);
    expect(waiting.map((requestId) => sim.job(requestId)?.status)).toEqual(['IN_PROGRESS', 'IN_PROGRESS', 'IN_PROGRESS', 'IN_QUEUE']);
    expect(positions(sim, waiting)).toEqual([undefined, undefined, undefined, 0]);
    const starts = waiting.slice(0, 3).map((requestId) => sim.job(requestId)?.startedAt ?? Number.NaN);
    expect(Math.max(...starts) - Math.min(...starts)).toBeLessThan(200);
    for (const requestId of waiting) sim.resume(requestId);
    await sim.waitFor(() => sim.unfinished() === 0);
  });

  it('counts unfinished requests: waiting, running and paused ones, until they complete, fail or are cancelled', async () => {
    const sim = await startSimulator();
    pauseOrFailOnPrompt(sim);
    const fal = clientFor(sim);
    expect([sim.unfinished(), sim.peakUnfinished]).toEqual([0, 0]);
    const blocker = await submit(fal, { ...VALID_INPUT, prompt: 'pause@0' });
    await sim.waitFor(() => sim.job(blocker)?.paused === true);
    const failing = await submit(fal, { ...VALID_INPUT, prompt: 'fail' });
    const cancelled = await submit(fal);
    expect([sim.unfinished(), sim.peakUnfinished]).toEqual([3, 3]);

    expect((await json(statusUrl(sim, cancelled, '/cancel'), { method: 'PUT' })).status).toBe(200);
    expect([sim.unfinished(), sim.peakUnfinished]).toEqual([2, 3]);
    sim.resume(blocker);
    await sim.waitFor(() => sim.job(failing)?.status === 'COMPLETED');
    expect(sim.unfinished()).toBe(0);
    const last = await submit(fal);
    expect([sim.unfinished(), sim.peakUnfinished]).toEqual([1, 3]);
    await sim.waitFor(() => sim.job(last)?.status === 'COMPLETED');
    expect([sim.unfinished(), sim.peakUnfinished]).toEqual([0, 3]);
  });

  it('starts a waiting low-priority job only when no normal one waits, first come first served within each priority', async () => {
    const sim = await startSimulator();
    pauseOnPrompt(sim);
    const fal = clientFor(sim);
    const blocker = await submit(fal, { ...VALID_INPUT, prompt: 'pause@0' });
    await sim.waitFor(() => sim.job(blocker)?.paused === true);

    const low1 = await fal.queue.submit(ENDPOINT, { input: VALID_INPUT, priority: 'low' });
    const normal1 = await fal.queue.submit(ENDPOINT, { input: VALID_INPUT });
    const low2 = await fal.queue.submit(ENDPOINT, { input: VALID_INPUT, priority: 'low' });
    const normal2 = await fal.queue.submit(ENDPOINT, { input: VALID_INPUT, priority: 'normal' });
    // Without the header (the client always sends it), fal's default: normal.
    const bare = await json(`${sim.url}/${ENDPOINT}`, { method: 'POST', body: JSON.stringify(VALID_INPUT) });
    const normal3: string = bare.body.request_id;
    expect([low1, normal1, low2, normal2].map((answer) => answer.queue_position)).toEqual([0, 0, 2, 1]);
    expect(bare.body.queue_position).toBe(2);

    const order = [normal1.request_id, normal2.request_id, normal3, low1.request_id, low2.request_id];
    expect(positions(sim, order)).toEqual([0, 1, 2, 3, 4]);
    expect(await Promise.all(order.map((requestId) => positionOf(fal, requestId)))).toEqual([0, 1, 2, 3, 4]);
    expect(order.map((requestId) => sim.job(requestId)?.priority)).toEqual(['normal', 'normal', 'normal', 'low', 'low']);
    expect(sim.job(low1.request_id)?.falHeaders['x-fal-queue-priority']).toBe('low');
    expect(sim.job(blocker)?.priority).toBe('normal');

    sim.resume(blocker);
    await sim.waitFor(() => sim.unfinished() === 0);
    const startOrder = sim
      .jobs()
      .filter((job) => job.requestId !== blocker)
      .sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0))
      .map((job) => job.requestId);
    expect(startOrder).toEqual(order);
  });

  it('ends a job not started within its x-fal-request-timeout: COMPLETED without running, result 504 user timeout', async () => {
    const sim = await startSimulator();
    pauseOnPrompt(sim);
    const fal = clientFor(sim);
    const blocker = await submit(fal, { ...VALID_INPUT, prompt: 'pause@0' });
    await sim.waitFor(() => sim.job(blocker)?.paused === true);
    const { request_id: late } = await fal.queue.submit(ENDPOINT, { input: VALID_INPUT, startTimeout: 1.1 });
    const { request_id: behind } = await fal.queue.submit(ENDPOINT, { input: VALID_INPUT, startTimeout: 30 });
    expect(sim.job(late)).toMatchObject({ status: 'IN_QUEUE', queuePosition: 0, requestTimeoutSeconds: 1.1, timedOut: false });
    expect(sim.job(behind)).toMatchObject({ queuePosition: 1, requestTimeoutSeconds: 30 });
    expect(sim.unfinished()).toBe(3);
    const watched = await collect(fal, behind);
    await sim.waitFor(() => sim.calls.byRequest(behind).stream === 1);

    await sim.waitFor(() => sim.job(late)?.timedOut === true, 5_000);
    const expired = sim.job(late);
    expect(expired).toMatchObject({ status: 'COMPLETED', queuePosition: undefined, startedAt: undefined, step: 0, logs: [] });
    expect(expired?.inferenceSeconds).toBeUndefined();
    expect(sim.job(behind)?.queuePosition).toBe(0);
    expect(sim.unfinished()).toBe(2);
    expect(sim.peakUnfinished).toBe(3);

    const status = await json(statusUrl(sim, late));
    expect(status.status).toBe(200);
    expect(status.body.status).toBe('COMPLETED');
    expect(status.body).not.toHaveProperty('metrics');
    const outcome = await settle(fal.queue.result(ENDPOINT, { requestId: late }));
    const error = outcome.ok ? undefined : outcome.error;
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 504,
      timeoutType: 'user',
      requestId: late,
      body: { detail: 'Request timed out', error_type: 'request_timeout' },
    });
    expect((error as ApiError<unknown>).isUserTimeout).toBe(true);
    // The client does not retry a user timeout.
    expect(sim.calls.byRequest(late).result).toBe(1);
    const raw = await json(statusUrl(sim, late, ''));
    expect(raw.status).toBe(504);
    expect(raw.headers.get('x-fal-request-timeout-type')).toBe('user');
    expect(raw.headers.get('x-fal-error-type')).toBe('request_timeout');
    expect(raw.headers.get('x-fal-request-id')).toBe(late);
    expect((await fetch(`${sim.url}/files/result/${late}.mp4`)).status).toBe(404);
    expect(sim.storedFile(`${sim.url}/files/result/${late}.mp4`)).toBeUndefined();
    expect(await json(statusUrl(sim, late, '/cancel'), { method: 'PUT' })).toMatchObject({
      status: 400,
      body: { status: 'ALREADY_COMPLETED' },
    });

    sim.resume(blocker);
    await sim.waitFor(() => sim.unfinished() === 0);
    expect((await watched.done).ok).toBe(true);
    expect(shape(watched.events)).toEqual([
      ['IN_QUEUE', 1],
      ['IN_QUEUE', 0],
      ['IN_PROGRESS', undefined],
      ['COMPLETED', undefined],
    ]);
    expect(sim.job(behind)).toMatchObject({ timedOut: false, status: 'COMPLETED' });
    expect(sim.job(late)?.startedAt).toBeUndefined();
    expect((await fal.queue.result(ENDPOINT, { requestId: behind })).data.video.url).toBe(`${sim.url}/files/result/${behind}.mp4`);
  });

  it('streams a start timeout as a last COMPLETED event without metrics, webhooks it as an ERROR, and rejects a bad timeout header', async () => {
    const sim = await startSimulator({ webhookRetries: 0 });
    pauseOnPrompt(sim);
    const fal = clientFor(sim);
    const blocker = await submit(fal, { ...VALID_INPUT, prompt: 'pause@0' });
    await sim.waitFor(() => sim.job(blocker)?.paused === true);

    // The webhook goes to the simulator itself, which answers 404: the attempt is recorded all the same.
    const webhookUrl = `${sim.url}/webhook-sink`;
    const post = (timeout: string) =>
      json(`${sim.url}/${ENDPOINT}?fal_webhook=${encodeURIComponent(webhookUrl)}`, {
        method: 'POST',
        headers: { 'x-fal-request-timeout': timeout },
        body: JSON.stringify(VALID_INPUT),
      });
    for (const bad of ['soon', '', '0', '0.05', '-3']) {
      const rejected = await post(bad);
      expect(rejected.status).toBe(400);
      expect(rejected.body).toMatchObject({ error_type: 'bad_request' });
      expect(rejected.headers.get('x-fal-error-type')).toBe('bad_request');
    }
    expect(sim.jobs()).toHaveLength(1);

    const accepted = await post('0.6');
    const requestId: string = accepted.body.request_id;
    expect(sim.job(requestId)?.requestTimeoutSeconds).toBe(0.6);
    const watched = await collect(fal, requestId);
    const outcome = await watched.done;
    expect(outcome.ok).toBe(true);
    expect(shape(watched.events)).toEqual([
      ['IN_QUEUE', 0],
      ['COMPLETED', undefined],
    ]);
    expect(watched.events.at(-1)).not.toHaveProperty('metrics');
    expect(sim.job(requestId)?.timedOut).toBe(true);

    await sim.waitFor(() => sim.webhooks.length === 1);
    expect(sim.webhooks[0]).toMatchObject({ requestId, url: webhookUrl, status: 404 });
    expect(JSON.parse(sim.webhooks[0]?.body ?? '')).toEqual({
      request_id: requestId,
      gateway_request_id: requestId,
      status: 'ERROR',
      error: 'Invalid status code: 504',
      payload: { detail: 'Request timed out', error_type: 'request_timeout' },
    });
    sim.resume(blocker);
  });

  it("reports metrics.inference_time on completion: the running time, or the plan's inferenceSeconds; none for a cancelled job", async () => {
    const sim = await startSimulator();
    const fal = clientFor(sim);
    const measured = await submit(fal);
    await fal.queue.subscribeToStatus(ENDPOINT, { requestId: measured, pollInterval: 10 });
    const job = sim.job(measured);
    const seconds = ((job?.completedAt ?? 0) - (job?.startedAt ?? 0)) / 1000;
    expect(job?.inferenceSeconds).toBe(seconds);
    const status = await fal.queue.status(ENDPOINT, { requestId: measured, logs: false });
    expect(status.status === 'COMPLETED' ? status.metrics : undefined).toEqual({ inference_time: seconds });

    sim.plan((input) => ({ inferenceSeconds: 3.5, ...(String(input.prompt).includes('fail') ? { fail: { status: 500, body: {} } } : {}) }));
    const planned = await submit(fal);
    const watched = await collect(fal, planned);
    expect((await watched.done).ok).toBe(true);
    expect(watched.events.at(-1)).toMatchObject({ status: 'COMPLETED', metrics: { inference_time: 3.5 } });
    expect((await json(statusUrl(sim, planned))).body.metrics).toEqual({ inference_time: 3.5 });
    expect(sim.job(planned)?.inferenceSeconds).toBe(3.5);
    // A failed job ran: it has its inference time too.
    const failed = await submit(fal, { ...VALID_INPUT, prompt: 'fail' });
    await sim.waitFor(() => sim.job(failed)?.status === 'COMPLETED');
    expect((await json(statusUrl(sim, failed))).body.metrics).toEqual({ inference_time: 3.5 });

    pauseOnPrompt(sim);
    const cancelledRunning = await submit(fal, { ...VALID_INPUT, prompt: 'pause@1' });
    const cancelledQueued = await submit(fal);
    await sim.waitFor(() => sim.job(cancelledRunning)?.paused === true);
    for (const requestId of [cancelledQueued, cancelledRunning]) {
      expect((await json(statusUrl(sim, requestId, '/cancel'), { method: 'PUT' })).status).toBeLessThan(300);
      const cancelled = await json(statusUrl(sim, requestId));
      expect(cancelled.body.status).toBe('COMPLETED');
      expect(cancelled.body).not.toHaveProperty('metrics');
      expect(sim.job(requestId)?.inferenceSeconds).toBeUndefined();
    }
  });
});

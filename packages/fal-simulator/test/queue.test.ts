import { ApiError, ValidationError, type QueueStatus } from '@fal-ai/client';
import { describe, expect, it } from 'vitest';
import {
  ALL_LOGS_4_STEPS,
  clientFor,
  ENDPOINT,
  pauseOnPrompt,
  resultClipBytes,
  settle,
  startSimulator,
  statusUrl,
  submit,
  VALID_INPUT,
} from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the simulator's JSON answers, read field by field
async function json(url: string, init?: RequestInit): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.json(), headers: res.headers };
}

describe('fal queue simulator: submit, status, result', () => {
  it('runs a job through the real client: submit, status polling, result', async () => {
    const sim = await startSimulator();
    const fal = clientFor(sim);
    const updates: QueueStatus[] = [];
    const result = await fal.subscribe(ENDPOINT, {
      input: VALID_INPUT,
      logs: true,
      pollInterval: 10,
      onQueueUpdate: (update) => updates.push(update),
    });

    const [job] = sim.jobs();
    expect(job?.status).toBe('COMPLETED');
    expect(result.requestId).toBe(job?.requestId);
    expect(result.data).toEqual({
      video: {
        url: `${sim.url}/files/result/${job?.requestId}.mp4`,
        content_type: 'video/mp4',
        file_name: `${job?.requestId}.mp4`,
        file_size: resultClipBytes().length,
      },
      seed: job?.seed,
    });
    const last = updates.at(-1);
    expect(last?.status).toBe('COMPLETED');
    expect(last && 'logs' in last ? last.logs.map((l) => l.message) : []).toEqual(ALL_LOGS_4_STEPS);
    expect(sim.calls.submit).toBe(1);
    expect(sim.calls.result).toBe(1);
    expect(sim.calls.byRequest(job?.requestId ?? '').status).toBe(updates.length);
  });

  it('answers status 202 while queued or running and 200 once completed, with fal-shaped bodies', async () => {
    const sim = await startSimulator();
    pauseOnPrompt(sim);
    const fal = clientFor(sim);
    const blocker = await submit(fal, { ...VALID_INPUT, prompt: 'pause@2' });
    const queued = await submit(fal);
    await sim.waitFor(() => sim.job(blocker)?.paused === true);

    const inQueue = await json(`${statusUrl(sim, queued)}?logs=1`);
    expect(inQueue.status).toBe(202);
    expect(inQueue.headers.get('content-type')).toBe('application/json');
    expect(inQueue.headers.get('x-fal-request-id')).toBe(queued);
    expect(inQueue.body).toEqual({
      status: 'IN_QUEUE',
      request_id: queued,
      queue_position: 0,
      logs: [],
      response_url: `${sim.url}/${ENDPOINT}/requests/${queued}`,
      status_url: `${sim.url}/${ENDPOINT}/requests/${queued}/status`,
      cancel_url: `${sim.url}/${ENDPOINT}/requests/${queued}/cancel`,
    });

    const running = await json(`${statusUrl(sim, blocker)}?logs=1`);
    expect(running.status).toBe(202);
    expect(running.body.status).toBe('IN_PROGRESS');
    expect(running.body).not.toHaveProperty('queue_position');
    expect(running.body).not.toHaveProperty('metrics');
    expect(running.body.logs.map((l: { message: string }) => l.message)).toEqual([
      'Loading models',
      'Sampling step 1/4',
      'Sampling step 2/4',
    ]);
    for (const line of running.body.logs) {
      expect(line).toEqual({ message: line.message, level: 'INFO', source: 'USER', timestamp: expect.any(String) });
      expect(new Date(line.timestamp).toISOString()).toBe(line.timestamp);
    }

    const withoutLogs = await json(`${statusUrl(sim, blocker)}?logs=0`);
    expect(withoutLogs.body.logs).toBeNull();

    sim.resume(blocker);
    await sim.waitFor(() => sim.job(queued)?.status === 'COMPLETED');
    const completed = await json(`${statusUrl(sim, blocker)}?logs=1`);
    expect(completed.status).toBe(200);
    expect(completed.body.status).toBe('COMPLETED');
    expect(completed.body.metrics).toEqual({ inference_time: expect.any(Number) });
    expect(completed.body.logs).toHaveLength(ALL_LOGS_4_STEPS.length);
  });

  it('counts queue positions down as runners free up', async () => {
    const sim = await startSimulator();
    pauseOnPrompt(sim);
    const fal = clientFor(sim);
    const first = await submit(fal, { ...VALID_INPUT, prompt: 'pause@1' });
    const second = await submit(fal, { ...VALID_INPUT, prompt: 'pause@1' });
    const third = await submit(fal);
    await sim.waitFor(() => sim.job(first)?.paused === true);

    const position = async (requestId: string) => {
      const status = await fal.queue.status(ENDPOINT, { requestId, logs: false });
      return status.status === 'IN_QUEUE' ? status.queue_position : undefined;
    };
    expect(await position(second)).toBe(0);
    expect(await position(third)).toBe(1);
    expect(sim.job(third)?.queuePosition).toBe(1);

    sim.resume(first);
    await sim.waitFor(() => sim.job(second)?.paused === true);
    expect(await position(third)).toBe(0);

    sim.resume(second);
    await sim.waitFor(() => sim.job(third)?.status === 'COMPLETED');
    expect(sim.jobs().map((job) => job.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
  });

  it("puts other customers' jobs ahead of each new one when queueAhead is set, draining one per tick", async () => {
    const sim = await startSimulator({ queueAhead: 3 });
    const fal = clientFor(sim);
    const requestId = await submit(fal);
    const positions: number[] = [];
    await sim.waitFor(() => {
      const job = sim.job(requestId);
      if (job?.queuePosition !== undefined && positions.at(-1) !== job.queuePosition) positions.push(job.queuePosition);
      return job?.status === 'COMPLETED';
    });
    expect(positions).toEqual([3, 2, 1, 0]);
  });

  it('rejects at submit, like fal, an input file it cannot download', async () => {
    const sim = await startSimulator();
    const outcome = await settle(submit(clientFor(sim), { ...VALID_INPUT, video_url: 'https://files.invalid/dance.mp4' }));
    const error = outcome.ok ? undefined : outcome.error;
    expect((error as ValidationError).getFieldErrors('video_url')).toEqual([
      { loc: ['body', 'video_url'], msg: 'Could not download the file from the given URL', type: 'value_error.file_download' },
    ]);
    expect(sim.jobs()).toHaveLength(0);
  });

  it('runs up to `concurrency` jobs at once', async () => {
    const sim = await startSimulator({ concurrency: 2 });
    pauseOnPrompt(sim);
    const fal = clientFor(sim);
    const a = await submit(fal, { ...VALID_INPUT, prompt: 'pause@1' });
    const b = await submit(fal, { ...VALID_INPUT, prompt: 'pause@1' });
    const c = await submit(fal);
    await sim.waitFor(() => sim.job(a)?.paused === true && sim.job(b)?.paused === true);
    expect(sim.job(c)).toMatchObject({ status: 'IN_QUEUE', queuePosition: 0 });
    sim.resume(a);
    sim.resume(b);
    await sim.waitFor(() => sim.jobs().every((job) => job.status === 'COMPLETED'));
  });

  it('cancels an upcoming pause when resume() comes first', async () => {
    const sim = await startSimulator();
    pauseOnPrompt(sim);
    const fal = clientFor(sim);
    const blocker = await submit(fal, { ...VALID_INPUT, prompt: 'pause@0' });
    const early = await submit(fal, { ...VALID_INPUT, prompt: 'pause@2' });
    await sim.waitFor(() => sim.job(blocker)?.paused === true);
    sim.resume(early);
    sim.resume(blocker);
    await sim.waitFor(() => sim.job(early)?.status === 'COMPLETED');
    expect(sim.job(early)?.logs.map((l) => l.message)).toEqual(ALL_LOGS_4_STEPS);
  });

  it('validates the input like fal, reporting every field error as a 422', async () => {
    const sim = await startSimulator();
    const fal = clientFor(sim);
    const outcome = await settle(
      submit(fal, {
        prompt: '',
        image_url: 'not a url',
        video_url: 42,
        negative_prompt: 3,
        resolution: '1080p',
        num_inference_steps: 101,
        cfg_scale: -1,
        seed: 1.5,
      }),
    );
    expect(outcome.ok).toBe(false);
    const error = outcome.ok ? undefined : outcome.error;
    expect(error).toBeInstanceOf(ValidationError);
    const fields = (error as ValidationError).fieldErrors.map((e) => e.loc.at(-1)).sort();
    expect(fields).toEqual(
      ['cfg_scale', 'image_url', 'negative_prompt', 'num_inference_steps', 'prompt', 'resolution', 'seed', 'video_url'].sort(),
    );
    expect((error as ValidationError).getFieldErrors('video_url')).toEqual([
      { loc: ['body', 'video_url'], msg: 'str type expected', type: 'type_error.str' },
    ]);

    const missing = await json(`${sim.url}/${ENDPOINT}`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(422);
    expect(missing.body.detail).toEqual(
      ['prompt', 'image_url', 'video_url'].map((field) => ({
        loc: ['body', field],
        msg: 'field required',
        type: 'value_error.missing',
      })),
    );
    const malformed = await json(`${sim.url}/${ENDPOINT}`, { method: 'POST', body: '{"prompt":' });
    expect(malformed.status).toBe(422);

    expect(sim.jobs()).toHaveLength(0);
    expect(sim.calls.submit).toBe(3);
  });

  it('accepts data URIs and the optional fields within their ranges', async () => {
    const sim = await startSimulator();
    const fal = clientFor(sim);
    const requestId = await submit(fal, {
      ...VALID_INPUT,
      video_url: 'data:video/mp4;base64,AAAA',
      negative_prompt: 'blurry',
      resolution: '720p',
      num_inference_steps: 1,
      cfg_scale: 7.5,
      seed: 42,
    });
    await sim.waitFor(() => sim.job(requestId)?.status === 'COMPLETED');
    const { data } = await fal.queue.result(ENDPOINT, { requestId });
    expect(data.seed).toBe(42);
  });

  it('fails a job through its plan: COMPLETED status, the error at the result', async () => {
    const sim = await startSimulator();
    const failure = { detail: 'CUDA out of memory', error_type: 'runner_server_error' };
    sim.plan(() => ({ fail: { status: 500, body: failure }, steps: 2 }));
    const fal = clientFor(sim);
    const requestId = await submit(fal);
    await fal.queue.subscribeToStatus(ENDPOINT, { requestId, pollInterval: 10 });

    const outcome = await settle(fal.queue.result(ENDPOINT, { requestId }));
    const error = outcome.ok ? undefined : outcome.error;
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 500, body: failure, requestId });
    expect(sim.calls.result).toBe(1);
    expect(sim.job(requestId)?.steps).toBe(2);

    const detail = [{ loc: ['body', 'image_url'], msg: 'No face detected in the image', type: 'value_error' }];
    sim.plan(() => ({ fail: { status: 422, body: { detail } } }));
    const rejected = await submit(fal);
    await sim.waitFor(() => sim.job(rejected)?.status === 'COMPLETED');
    const validation = await settle(fal.queue.result(ENDPOINT, { requestId: rejected }));
    expect(validation.ok ? undefined : validation.error).toBeInstanceOf(ValidationError);
    expect(validation.ok ? [] : (validation.error as ValidationError).fieldErrors).toEqual(detail);
  });

  it('fails a job whose prompt says [fail] under the default plan', async () => {
    const sim = await startSimulator();
    const fal = clientFor(sim);
    const requestId = await submit(fal, { ...VALID_INPUT, prompt: 'dance [fail]' });
    await sim.waitFor(() => sim.job(requestId)?.status === 'COMPLETED');
    const res = await json(statusUrl(sim, requestId, ''));
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ detail: 'Simulated runner failure', error_type: 'runner_server_error' });
    expect(res.headers.get('x-fal-request-id')).toBe(requestId);
    expect(res.headers.get('x-fal-error-type')).toBe('runner_server_error');
  });

  it('caps the planned steps to 100', async () => {
    const sim = await startSimulator();
    pauseOnPrompt(sim);
    const fal = clientFor(sim);
    const blocker = await submit(fal, { ...VALID_INPUT, prompt: 'pause@0' });
    sim.plan(() => ({ steps: 500 }));
    const capped = await submit(fal);
    sim.plan(undefined);
    const defaulted = await submit(fal, { prompt: 'x', image_url: VALID_INPUT.image_url, video_url: VALID_INPUT.video_url });
    expect(sim.job(capped)?.steps).toBe(100);
    expect(sim.job(defaulted)?.steps).toBe(30);
    expect(sim.job(blocker)?.steps).toBe(4);
  });

  it('cancels a queued job: removed from the queue, COMPLETED, result 499', async () => {
    const sim = await startSimulator();
    pauseOnPrompt(sim);
    const fal = clientFor(sim);
    const blocker = await submit(fal, { ...VALID_INPUT, prompt: 'pause@1' });
    const cancelled = await submit(fal);
    const behind = await submit(fal);
    await sim.waitFor(() => sim.job(blocker)?.paused === true);

    const res = await json(statusUrl(sim, cancelled, '/cancel'), { method: 'PUT' });
    expect(res).toMatchObject({ status: 200, body: { status: 'OK' } });
    expect(sim.job(cancelled)).toMatchObject({ status: 'COMPLETED', cancelled: true, startedAt: undefined });
    expect(sim.job(behind)?.queuePosition).toBe(0);

    const result = await settle(fal.queue.result(ENDPOINT, { requestId: cancelled }));
    expect(result.ok ? undefined : result.error).toMatchObject({
      status: 499,
      body: { detail: 'Request was cancelled', error_type: 'client_cancelled' },
      requestId: cancelled,
    });
    sim.resume(blocker);
    await sim.waitFor(() => sim.job(behind)?.status === 'COMPLETED');
    expect(sim.job(cancelled)?.logs).toEqual([]);
  });

  it('cancels a running job: the runner stops at once, result 499, and the next job starts', async () => {
    const sim = await startSimulator();
    pauseOnPrompt(sim);
    const fal = clientFor(sim);
    const running = await submit(fal, { ...VALID_INPUT, prompt: 'pause@2' });
    const next = await submit(fal);
    await sim.waitFor(() => sim.job(running)?.paused === true);

    const res = await json(statusUrl(sim, running, '/cancel'), { method: 'PUT' });
    expect(res).toMatchObject({ status: 202, body: { status: 'CANCELLATION_REQUESTED' } });
    expect(sim.job(running)).toMatchObject({ status: 'COMPLETED', cancelled: true, step: 2 });
    const status = await fal.queue.status(ENDPOINT, { requestId: running, logs: true });
    expect(status.status).toBe('COMPLETED');

    const result = await json(statusUrl(sim, running, ''));
    expect(result).toMatchObject({ status: 499, body: { error_type: 'client_cancelled' } });
    await sim.waitFor(() => sim.job(next)?.status === 'COMPLETED');
    expect(sim.job(running)?.logs).toHaveLength(3);
  });

  it('refuses to cancel a completed or unknown job', async () => {
    const sim = await startSimulator();
    const fal = clientFor(sim);
    const requestId = await submit(fal);
    await sim.waitFor(() => sim.job(requestId)?.status === 'COMPLETED');

    expect(await json(statusUrl(sim, requestId, '/cancel'), { method: 'PUT' })).toMatchObject({
      status: 400,
      body: { status: 'ALREADY_COMPLETED' },
    });
    const outcome = await settle(fal.queue.cancel(ENDPOINT, { requestId }));
    expect(outcome.ok ? undefined : outcome.error).toMatchObject({ status: 400 });
    expect(await json(statusUrl(sim, 'no-such-id', '/cancel'), { method: 'PUT' })).toMatchObject({
      status: 404,
      body: { status: 'NOT_FOUND' },
    });
    expect(sim.calls.cancel).toBe(3);
    expect(sim.calls.byRequest(requestId).cancel).toBe(2);
  });

  it('answers unknown ids with 404 and an early result with 400', async () => {
    const sim = await startSimulator();
    pauseOnPrompt(sim);
    const fal = clientFor(sim);
    expect(await json(statusUrl(sim, 'nope'))).toMatchObject({ status: 404, body: { detail: 'Request not found' } });
    expect(await json(statusUrl(sim, 'nope', ''))).toMatchObject({ status: 404, body: { detail: 'Request not found' } });

    const requestId = await submit(fal, { ...VALID_INPUT, prompt: 'pause@1' });
    expect(await json(statusUrl(sim, requestId, ''))).toMatchObject({
      status: 400,
      body: { detail: 'Request is still in progress' },
    });
  });

  it('answers unknown paths and methods with JSON errors', async () => {
    const sim = await startSimulator();
    expect(await json(`${sim.url}/fal-ai/other-model`, { method: 'POST', body: '{}' })).toMatchObject({
      status: 404,
      body: { detail: 'Not found' },
    });
    const wrongMethod = await json(`${sim.url}/${ENDPOINT}`);
    expect(wrongMethod).toMatchObject({ status: 405, body: { detail: 'Method not allowed' } });
    expect(wrongMethod.headers.get('allow')).toBe('POST');
  });

  it('records every request with its headers, the webhook and the x-fal-* headers', async () => {
    const sim = await startSimulator();
    const fal = clientFor(sim);
    const { request_id: requestId } = await fal.queue.submit(ENDPOINT, {
      input: VALID_INPUT,
      webhookUrl: 'https://gateway.example/webhooks/fal?job=1',
      priority: 'low',
      hint: 'runner-7',
      startTimeout: 30,
    });
    await fal.queue.status(ENDPOINT, { requestId, logs: true });

    const job = sim.job(requestId);
    expect(job?.webhookUrl).toBe('https://gateway.example/webhooks/fal?job=1');
    expect(job?.falHeaders).toMatchObject({
      'x-fal-queue-priority': 'low',
      'x-fal-runner-hint': 'runner-7',
      'x-fal-request-timeout': '30',
    });
    expect(job?.input).toEqual(VALID_INPUT);

    const [submitted, polled] = sim.calls.requests;
    expect(submitted).toMatchObject({
      method: 'POST',
      path: `/${ENDPOINT}`,
      query: { fal_webhook: 'https://gateway.example/webhooks/fal?job=1' },
      body: JSON.stringify(VALID_INPUT),
    });
    expect(submitted?.headers.authorization).toBe('Key test-key');
    expect(polled).toMatchObject({ method: 'GET', path: `/${ENDPOINT}/requests/${requestId}/status`, query: { logs: '1' } });
    expect(polled?.headers.authorization).toBe('Key test-key');

    sim.calls.reset();
    expect(sim.calls.requests).toHaveLength(0);
    expect(sim.calls.submit).toBe(0);
    expect(sim.calls.byRequest(requestId)).toEqual({ status: 0, stream: 0, result: 0, cancel: 0, resultFile: 0 });
  });

  it('accepts requests without an Authorization header', async () => {
    const sim = await startSimulator();
    const res = await json(`${sim.url}/${ENDPOINT}`, { method: 'POST', body: JSON.stringify(VALID_INPUT) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'IN_QUEUE', queue_position: 0, gateway_request_id: res.body.request_id });
    expect(res.headers.get('x-fal-request-id')).toBe(res.body.request_id);
  });

  it('rejects waitFor with a clear message once its bound passes', async () => {
    const sim = await startSimulator();
    await expect(sim.waitFor(() => sim.calls.submit > 0, 20)).rejects.toThrow(/condition not met within 20 ms/);
  });
});

import { ApiError, type QueueStatus } from '@fal-ai/client';
import { describe, expect, it } from 'vitest';
import type { FalSimulator } from '../src/index.js';
import { clientFor, ENDPOINT, settle, startSimulator, statusUrl, submit, VALID_INPUT, within } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the simulator's JSON answers, read field by field
async function rawSubmit(sim: FalSimulator): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${sim.url}/${ENDPOINT}`, { method: 'POST', body: JSON.stringify(VALID_INPUT) });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** A job that stays IN_PROGRESS, logging nothing new, until resumed. */
async function pausedJob(sim: FalSimulator): Promise<string> {
  sim.plan(() => ({ pauseAtStep: 1 }));
  const requestId = await submit(clientFor(sim));
  sim.plan(undefined);
  await sim.waitFor(() => sim.job(requestId)?.paused === true);
  return requestId;
}

describe('fal simulator faults', () => {
  it('answers queued submit statuses in order, then accepts again', async () => {
    const sim = await startSimulator();
    sim.faults.submit = [429, 500, 401, 418];
    const answers = [await rawSubmit(sim), await rawSubmit(sim), await rawSubmit(sim), await rawSubmit(sim)];
    expect(answers.map((a) => [a.status, a.body])).toEqual([
      [429, { detail: 'Too many requests', error_type: 'rate_limited' }],
      [500, { detail: 'Internal server error', error_type: 'internal_error' }],
      [401, { detail: 'Invalid key' }],
      [418, { detail: 'Simulated failure (HTTP 418)', error_type: 'internal_error' }],
    ]);
    expect(answers[0]?.headers.get('content-type')).toBe('application/json');
    expect(answers[0]?.headers.get('x-fal-error-type')).toBe('rate_limited');
    expect((await rawSubmit(sim)).status).toBe(200);
    expect(sim.faults.submit).toEqual([]);
    expect(sim.calls.submit).toBe(5);
    expect(sim.jobs()).toHaveLength(1);
  });

  it('makes the real client retry a 503 at submit and accept the retry', { timeout: 15_000 }, async () => {
    const sim = await startSimulator();
    sim.faults.submit = [503];
    const requestId = await submit(clientFor(sim));
    expect(sim.calls.submit).toBe(2);
    expect(sim.jobs().map((job) => job.requestId)).toEqual([requestId]);
  });

  it('makes the real client give up at once on a 401 at submit', async () => {
    const sim = await startSimulator();
    sim.faults.submit = [401];
    const outcome = await settle(submit(clientFor(sim)));
    expect(outcome.ok ? undefined : outcome.error).toBeInstanceOf(ApiError);
    expect(outcome.ok ? undefined : outcome.error).toMatchObject({ status: 401, body: { detail: 'Invalid key' } });
    expect(sim.calls.submit).toBe(1);
  });

  it('fails status and result calls at the configured rate with 503', async () => {
    const sim = await startSimulator();
    const requestId = await submit(clientFor(sim));
    await sim.waitFor(() => sim.job(requestId)?.status === 'COMPLETED');
    const unavailable = { detail: 'No runner available', error_type: 'runner_scheduling_failure' };

    sim.faults.rate = { status: 1, result: 1 };
    const status = await fetch(`${statusUrl(sim, requestId)}?logs=0`);
    expect(status.status).toBe(503);
    expect(status.headers.get('x-fal-request-id')).toBe(requestId);
    expect(await status.json()).toEqual(unavailable);
    const result = await fetch(statusUrl(sim, requestId, ''));
    expect(result.status).toBe(503);
    expect(await result.json()).toEqual(unavailable);

    sim.faults.rate = {};
    expect((await fetch(`${statusUrl(sim, requestId)}?logs=0`)).status).toBe(200);
    expect((await fetch(statusUrl(sim, requestId, ''))).status).toBe(200);
  });

  it('replays the same fault sequence for the same seed', async () => {
    const outcomes = async (seed: number) => {
      const sim = await startSimulator({ seed });
      const requestId = await submit(clientFor(sim));
      sim.faults.rate = { status: 0.5 };
      const statuses: number[] = [];
      for (let i = 0; i < 24; i++) statuses.push((await fetch(`${statusUrl(sim, requestId)}?logs=0`)).status);
      return statuses.map((s) => (s === 503 ? 'fault' : 'ok'));
    };
    const first = await outcomes(7);
    expect(await outcomes(7)).toEqual(first);
    expect(first).toContain('fault');
    expect(first).toContain('ok');
  });

  it('fails status streams half with 503 and half with a mid-way drop', { timeout: 15_000 }, async () => {
    const sim = await startSimulator();
    sim.plan(() => ({ steps: 100, stepMs: 50 }));
    const fal = clientFor(sim);
    const requestId = await submit(fal);
    await sim.waitFor(() => sim.job(requestId)?.status === 'IN_PROGRESS');
    sim.faults.rate = { stream: 1 };

    const kinds = new Set<string>();
    for (let attempt = 0; attempt < 20 && kinds.size < 2; attempt++) {
      const stream = await fal.queue.streamStatus(ENDPOINT, { requestId, logs: true });
      const events: QueueStatus[] = [];
      stream.on('data', (event: QueueStatus) => events.push(event));
      const outcome = await settle(stream.done());
      expect(outcome.ok).toBe(false);
      const error = outcome.ok ? undefined : outcome.error;
      if (error instanceof ApiError && error.status === 503) {
        expect(error.body).toEqual({ detail: 'No runner available', error_type: 'runner_scheduling_failure' });
        expect(events).toHaveLength(0);
        kinds.add('unavailable');
      } else {
        expect(events).toHaveLength(1);
        expect(events[0]?.status).toBe('IN_PROGRESS');
        kinds.add('drop');
      }
    }
    expect([...kinds].sort()).toEqual(['drop', 'unavailable']);
    expect(sim.job(requestId)?.status).toBe('IN_PROGRESS');
  });

  it('ends the status stream cleanly after its first event when streamEndsEarly is set', async () => {
    const sim = await startSimulator();
    const fal = clientFor(sim);
    const requestId = await pausedJob(sim);
    sim.faults.streamEndsEarly = true;

    const stream = await fal.queue.streamStatus(ENDPOINT, { requestId, logs: true });
    const events: QueueStatus[] = [];
    stream.on('data', (event: QueueStatus) => events.push(event));
    const last = await stream.done();
    expect(events).toHaveLength(1);
    expect(last.status).toBe('IN_PROGRESS');

    // Polling still sees the job through.
    sim.resume(requestId);
    const final = await fal.queue.subscribeToStatus(ENDPOINT, { requestId, pollInterval: 10 });
    expect(final.status).toBe('COMPLETED');
  });

  it('delays every queue call by latencyMs', async () => {
    const sim = await startSimulator();
    const requestId = await submit(clientFor(sim));

    // Received and counted, a call made with a latency longer than the test is still unanswered when a call made
    // after it without latency has its answer: measured by order, not by a clock.
    sim.faults.latencyMs = 60_000;
    let delayedAnswered = false;
    const delayed = settle(
      fetch(`${statusUrl(sim, requestId)}?logs=0`).then((res) => {
        delayedAnswered = true;
        return res;
      }),
    );
    await sim.waitFor(() => sim.calls.status === 1, 10_000);
    sim.faults.latencyMs = 0;
    expect([200, 202]).toContain((await fetch(`${statusUrl(sim, requestId)}?logs=0`)).status);
    expect(delayedAnswered).toBe(false);

    // A delayed answer does come once its latency has passed, within this wait's bound.
    sim.faults.latencyMs = 50;
    const res = await within(fetch(`${statusUrl(sim, requestId)}?logs=0`), 10_000, 'the answer to a call delayed by 50 ms');
    expect([200, 202]).toContain(res.status);

    await sim.stop();
    expect(await delayed).toMatchObject({ ok: false });
    expect(delayedAnswered).toBe(false);
  });

  it('stops cleanly while a delayed call is pending', async () => {
    const sim = await startSimulator();
    sim.faults.latencyMs = 60_000;
    const pending = settle(fetch(`${sim.url}/${ENDPOINT}`, { method: 'POST', body: JSON.stringify(VALID_INPUT) }));
    await sim.waitFor(() => sim.calls.submit === 1);
    await sim.stop();
    expect((await pending).ok).toBe(false);
    expect(sim.jobs()).toHaveLength(0);
  });

  it('answers cancel with the configured status without cancelling', async () => {
    const sim = await startSimulator();
    const fal = clientFor(sim);
    const requestId = await pausedJob(sim);
    sim.faults.cancel = 500;

    const outcome = await settle(fal.queue.cancel(ENDPOINT, { requestId }));
    expect(outcome.ok ? undefined : outcome.error).toMatchObject({ status: 500, body: { error_type: 'internal_error' } });
    expect(sim.job(requestId)?.cancelled).toBe(false);

    sim.faults.cancel = undefined;
    await fal.queue.cancel(ENDPOINT, { requestId });
    expect(sim.job(requestId)).toMatchObject({ status: 'COMPLETED', cancelled: true });
  });
});

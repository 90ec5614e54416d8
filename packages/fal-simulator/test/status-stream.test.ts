import type { FalClient, QueueStatus, RequestLog } from '@fal-ai/client';
import { describe, expect, it } from 'vitest';
import {
  ALL_LOGS_4_STEPS,
  clientFor,
  ENDPOINT,
  pauseOnPrompt,
  settle,
  startSimulator,
  statusUrl,
  submit,
  VALID_INPUT,
  within,
} from './helpers.js';

/** Opens the status stream with the real client and collects its events (not the async iterator). */
async function collect(fal: FalClient, requestId: string, logs: boolean) {
  const stream = await fal.queue.streamStatus(ENDPOINT, { requestId, logs });
  const events: QueueStatus[] = [];
  const firstEvent = new Promise<QueueStatus>((resolve) => stream.on('data', resolve));
  stream.on('data', (event: QueueStatus) => events.push(event));
  const first = (timeoutMs = 10_000) => within(firstEvent, timeoutMs, `the first status event of request ${requestId}`);
  return { stream, events, first, done: within(settle(stream.done()), 20_000, `the status stream of request ${requestId} to end`) };
}

function messages(event: QueueStatus | undefined): string[] {
  return event && 'logs' in event && Array.isArray(event.logs) ? event.logs.map((l: RequestLog) => l.message) : [];
}

describe('fal queue simulator: status stream', () => {
  it("sends only new log lines per event in 'delta' mode, everything so far in the first", async () => {
    const sim = await startSimulator({ logMode: 'delta' });
    pauseOnPrompt(sim);
    const fal = clientFor(sim);
    const requestId = await submit(fal, { ...VALID_INPUT, prompt: 'pause@2' });
    await sim.waitFor(() => sim.job(requestId)?.paused === true);

    const { stream, events, done } = await collect(fal, requestId, true);
    await sim.waitFor(() => sim.calls.byRequest(requestId).stream === 1);
    sim.resume(requestId);
    const outcome = await done;

    expect(outcome.ok).toBe(true);
    expect(stream.requestId).toBe(requestId);
    expect(messages(events[0])).toEqual(['Loading models', 'Sampling step 1/4', 'Sampling step 2/4']);
    expect(events.flatMap(messages)).toEqual(ALL_LOGS_4_STEPS);
    expect(events.at(-1)?.status).toBe('COMPLETED');
    expect(outcome.ok && outcome.value).toEqual(events.at(-1));
    expect(events.slice(0, -1).every((event) => event.status === 'IN_PROGRESS')).toBe(true);
  });

  it("sends all log lines so far in every event in 'cumulative' mode", async () => {
    const sim = await startSimulator({ logMode: 'cumulative' });
    pauseOnPrompt(sim);
    const fal = clientFor(sim);
    const requestId = await submit(fal, { ...VALID_INPUT, prompt: 'pause@1' });
    await sim.waitFor(() => sim.job(requestId)?.paused === true);

    const { events, done } = await collect(fal, requestId, true);
    await sim.waitFor(() => sim.calls.byRequest(requestId).stream === 1);
    sim.resume(requestId);
    expect((await done).ok).toBe(true);

    expect(messages(events[0])).toEqual(['Loading models', 'Sampling step 1/4']);
    for (const [index, event] of events.entries()) {
      if (index === 0) continue;
      const previous = messages(events[index - 1]);
      const current = messages(event);
      expect(current.slice(0, previous.length)).toEqual(previous);
      if (event.status !== 'COMPLETED') expect(current.length).toBe(previous.length + 1);
    }
    expect(messages(events.at(-1))).toEqual(ALL_LOGS_4_STEPS);
    expect(events.at(-1)?.status).toBe('COMPLETED');
  });

  it('sends one event per queue move and status change when logs are off', async () => {
    const sim = await startSimulator();
    pauseOnPrompt(sim);
    const fal = clientFor(sim);
    const blocker = await submit(fal, { ...VALID_INPUT, prompt: 'pause@1' });
    await submit(fal);
    const watched = await submit(fal);
    await sim.waitFor(() => sim.job(blocker)?.paused === true);

    const { events, done } = await collect(fal, watched, false);
    await sim.waitFor(() => sim.calls.byRequest(watched).stream === 1);
    sim.resume(blocker);
    expect((await done).ok).toBe(true);

    expect(events.map((e) => [e.status, e.status === 'IN_QUEUE' ? e.queue_position : undefined])).toEqual([
      ['IN_QUEUE', 1],
      ['IN_QUEUE', 0],
      ['IN_PROGRESS', undefined],
      ['COMPLETED', undefined],
    ]);
    expect(events.every((e) => 'logs' in e && e.logs === null)).toBe(true);
    expect(events.at(-1)).toMatchObject({ metrics: { inference_time: expect.any(Number) } });
  });

  it('sends a single COMPLETED event for a finished job and closes', async () => {
    const sim = await startSimulator();
    const fal = clientFor(sim);
    const requestId = await submit(fal);
    await sim.waitFor(() => sim.job(requestId)?.status === 'COMPLETED');
    const { events, done } = await collect(fal, requestId, true);
    expect((await done).ok).toBe(true);
    expect(events).toHaveLength(1);
    expect(messages(events[0])).toEqual(ALL_LOGS_4_STEPS);
  });

  it('answers 404 for an unknown request', async () => {
    const sim = await startSimulator();
    const { events, done } = await collect(clientFor(sim), 'no-such-id', true);
    const outcome = await done;
    expect(outcome.ok ? undefined : outcome.error).toMatchObject({ status: 404, body: { detail: 'Request not found' } });
    expect(events).toHaveLength(0);
  });

  it('speaks SSE: event-stream headers, data frames, keep-alive comments', async () => {
    const sim = await startSimulator({ keepAliveMs: 10 });
    pauseOnPrompt(sim);
    const requestId = await submit(clientFor(sim), { ...VALID_INPUT, prompt: 'pause@0' });
    await sim.waitFor(() => sim.job(requestId)?.paused === true);

    const abort = new AbortController();
    const res = await fetch(`${statusUrl(sim, requestId, '/status/stream')}?logs=1`, { signal: abort.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-fal-request-id')).toBe(requestId);

    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes(': ping\n\n')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text.startsWith('data: {"status":"IN_PROGRESS"')).toBe(true);
    expect(text).toContain(': ping\n\n');
    abort.abort();

    // The disconnected stream leaves nothing behind: the job still runs to the end.
    sim.resume(requestId);
    await sim.waitFor(() => sim.job(requestId)?.status === 'COMPLETED');
  });

  it('stop() closes an open stream', async () => {
    const sim = await startSimulator();
    pauseOnPrompt(sim);
    const fal = clientFor(sim);
    const requestId = await submit(fal, { ...VALID_INPUT, prompt: 'pause@1' });
    await sim.waitFor(() => sim.job(requestId)?.paused === true);
    const { events, first, done } = await collect(fal, requestId, true);
    expect((await first()).status).toBe('IN_PROGRESS');

    await sim.stop();
    const outcome = await done;
    expect(outcome.ok).toBe(false);
    expect(events).toHaveLength(1);
  });
});

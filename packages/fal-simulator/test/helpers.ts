import { readFileSync } from 'node:fs';
import { createFalClient, type FalClient } from '@fal-ai/client';
import { onTestFinished } from 'vitest';
import { startFalSimulator, type FalSimulator, type SimulatorOptions } from '../src/index.js';

export const ENDPOINT = 'fal-ai/uni-animate';

/** Fast timings: a job takes tens of milliseconds, not seconds. */
export const FAST = { stepMs: 5, queueTickMs: 10 } as const;

/** Every log line of a job with VALID_INPUT's 4 steps, in order. */
export const ALL_LOGS_4_STEPS = [
  'Loading models',
  'Sampling step 1/4',
  'Sampling step 2/4',
  'Sampling step 3/4',
  'Sampling step 4/4',
  'Encoding video',
];

export const VALID_INPUT = {
  prompt: 'a person dancing',
  image_url: 'https://example.com/character.png',
  video_url: 'https://example.com/dancer.mp4',
  num_inference_steps: 4,
};

/** A simulator with fast timings, stopped when the current test finishes. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<FalSimulator> {
  const sim = await startFalSimulator({ ...FAST, ...options });
  onTestFinished(() => sim.stop());
  return sim;
}

/** Jobs whose prompt says `pause@N` pause after step N, holding their runner until resumed. */
export function pauseOnPrompt(sim: FalSimulator): void {
  sim.plan((input) => {
    const match = /pause@(\d+)/.exec(String(input.prompt));
    return match ? { pauseAtStep: Number(match[1]) } : undefined;
  });
}

export function fixture(name: string): Buffer {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
}

export { resultClipBytes } from '../src/index.js';

/** The real client, with fal's hosts rewritten to the simulator exactly as FAL_API_URL does. */
export function clientFor(sim: FalSimulator): FalClient {
  const rewrite: typeof fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    return fetch(url.replace(/^https:\/\/(queue\.fal\.run|rest\.fal\.ai)\//, `${sim.url}/`), init);
  };
  return createFalClient({ credentials: 'test-key', fetch: rewrite });
}

export async function submit(fal: FalClient, input: Record<string, unknown> = VALID_INPUT): Promise<string> {
  const { request_id } = await fal.queue.submit(ENDPOINT, { input });
  return request_id;
}

export function statusUrl(sim: FalSimulator, requestId: string, suffix = '/status'): string {
  return `${sim.url}/${ENDPOINT}/requests/${requestId}${suffix}`;
}

/** Resolves with the settled outcome of a promise, so a test can assert on a rejection without racing it. */
export async function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

/** `promise`, or a rejection naming `what` once `ms` have passed. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

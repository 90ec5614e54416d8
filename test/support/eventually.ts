import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Retries `check` until it stops throwing, for state the test can observe but not await
 * (a row written after a reply was sent); rethrows its last failure after `timeoutMs`.
 */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(20);
    }
  }
}

/**
 * Resolves or rejects as `promise` does, or rejects after `timeoutMs` with an error naming
 * `what` the test was waiting for: the bound of a wait for an event the test can await.
 */
export async function within<T>(promise: PromiseLike<T>, timeoutMs: number, what: string | (() => string)): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

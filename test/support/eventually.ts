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

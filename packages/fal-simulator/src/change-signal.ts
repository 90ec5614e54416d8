interface Waiter {
  check(): void;
  fail(error: Error): void;
}

/** Lets callers wait for a condition on simulator state, re-checked after every change. */
export class ChangeSignal {
  private readonly waiters = new Set<Waiter>();

  notify(): void {
    for (const waiter of [...this.waiters]) waiter.check();
  }

  waitFor(predicate: () => boolean, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter: Waiter = {
        check: () => {
          let met: boolean;
          try {
            met = predicate();
          } catch (error) {
            finish();
            reject(error instanceof Error ? error : new Error(String(error)));
            return;
          }
          if (met) {
            finish();
            resolve();
          }
        },
        fail: (error) => {
          finish();
          reject(error);
        },
      };
      const timer = setTimeout(
        () => waiter.fail(new Error(`fal simulator: condition not met within ${timeoutMs} ms: ${predicate.toString()}`)),
        timeoutMs,
      );
      this.waiters.add(waiter);
      waiter.check();
    });
  }

  close(): void {
    for (const waiter of [...this.waiters]) waiter.fail(new Error('fal simulator stopped while waiting for a condition'));
  }
}

/** Events of one subscription as they arrive, over any transport, with bounded waits. */
export class LiveSubscription<T> {
  readonly events: T[] = [];
  readonly errors: unknown[] = [];
  readonly done: Promise<void>;
  private finish!: () => void;
  private fail!: (error: unknown) => void;
  private completed = false;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly unsubscribe: () => void) {
    this.done = new Promise<void>((resolve, reject) => {
      this.finish = resolve;
      this.fail = reject;
    });
    this.done.catch(() => undefined);
  }

  push(event: T): void {
    this.events.push(event);
    this.wake();
  }

  complete(): void {
    this.completed = true;
    this.finish();
    this.wake();
  }

  error(error: unknown): void {
    this.errors.push(error);
    this.completed = true;
    this.fail(error);
    this.wake();
  }

  get isComplete(): boolean {
    return this.completed;
  }

  /**
   * Resolves once `predicate(events)` holds; rejects after `timeoutMs` or if the stream ends first, naming `what`
   * it waited for (by default the predicate's source).
   */
  waitFor(predicate: (events: T[]) => boolean, timeoutMs = 15_000, what = `events matching ${predicate.toString()}`): Promise<T[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (predicate(this.events)) {
          cleanup();
          resolve(this.events);
        } else if (this.completed) {
          cleanup();
          reject(new Error(`subscription ended before ${what}; got ${JSON.stringify(this.events)}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(this.events)}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Resolves with every event once the server completes the subscription, within `timeoutMs`. */
  async untilComplete(timeoutMs = 15_000): Promise<T[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`subscription not complete after ${timeoutMs} ms; got ${JSON.stringify(this.events)}`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([this.done, timeout]);
      return this.events;
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.unsubscribe();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

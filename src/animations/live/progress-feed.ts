import type { FanoutMember, ProgressEvent } from './progress-fanout.js';

/**
 * The live feed of one animation as an async iterator (what a GraphQL subscription
 * yields): a snapshot with every log line so far, then one event per recorded change with
 * only the lines not sent before; it ends right after a terminal status, or fails with the
 * feed's error. Thousands are open at once, so it is a small class rather than a generator.
 */
class ProgressFeed implements AsyncIterableIterator<ProgressEvent>, FanoutMember {
  private readonly queued: ProgressEvent[] = [];
  private waiting: { resolve: (result: IteratorResult<ProgressEvent>) => void; reject: (error: unknown) => void } | undefined;
  private ended = false;
  private failure: unknown;
  leave: () => void = () => undefined;

  deliver(event: ProgressEvent): void {
    if (this.ended) return;
    if (this.waiting) {
      this.waiting.resolve({ done: false, value: event });
      this.waiting = undefined;
    } else {
      this.queued.push(event);
    }
  }

  complete(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = error;
    this.leave();
    if (!this.waiting) return;
    if (error === undefined) this.waiting.resolve({ done: true, value: undefined });
    else this.waiting.reject(error);
    this.waiting = undefined;
  }

  next(): Promise<IteratorResult<ProgressEvent>> {
    const event = this.queued.shift();
    if (event) return Promise.resolve({ done: false, value: event });
    if (this.ended) return this.failure === undefined ? Promise.resolve({ done: true, value: undefined }) : Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  return(): Promise<IteratorResult<ProgressEvent>> {
    this.queued.length = 0;
    this.complete();
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** Opens a feed on `join`, which starts delivering to it and returns the way to stop. */
export function progressFeed(join: (member: FanoutMember) => () => void): AsyncIterableIterator<ProgressEvent> {
  const feed = new ProgressFeed();
  feed.leave = join(feed);
  return feed;
}

import type { FanoutMember, ProgressEvent } from './progress-fanout.js';

/**
 * The live feed of one animation as an async iterator (what a GraphQL subscription
 * yields): a snapshot with every log line so far, then one event per recorded change with
 * only the lines not sent before; it ends right after a terminal status, or fails with the
 * feed's error. Thousands are open at once, so it is a small class rather than a generator.
 */
class ProgressFeed implements AsyncIterableIterator<ProgressEvent>, FanoutMember {
  private readonly queued: ProgressEvent[] = [];
  /** The pending `next()` call's settlers, while it waits for an event. */
  private resolve: ((result: IteratorResult<ProgressEvent>) => void) | undefined;
  private reject: ((error: unknown) => void) | undefined;
  private ended = false;
  private failure: unknown;
  leave: () => void = NOTHING;

  deliver(event: ProgressEvent): void {
    if (this.ended) return;
    if (this.resolve) this.settle({ done: false, value: event });
    else this.queued.push(event);
  }

  complete(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = error;
    this.leave();
    if (error === undefined) this.settle({ done: true, value: undefined });
    else this.settle(undefined, error);
  }

  next(): Promise<IteratorResult<ProgressEvent>> {
    const event = this.queued.shift();
    if (event) return Promise.resolve({ done: false, value: event });
    if (this.ended) return this.failure === undefined ? Promise.resolve({ done: true, value: undefined }) : Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  return(): Promise<IteratorResult<ProgressEvent>> {
    this.queued.length = 0;
    this.complete();
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private settle(result: IteratorResult<ProgressEvent> | undefined, error?: unknown): void {
    const { resolve, reject } = this;
    this.resolve = this.reject = undefined;
    if (result) resolve?.(result);
    else reject?.(error);
  }
}

const NOTHING = () => undefined;

/** Opens a feed on `join`, which starts delivering to it and returns the way to stop. */
export function progressFeed(join: (member: FanoutMember) => () => void): AsyncIterableIterator<ProgressEvent> {
  const feed = new ProgressFeed();
  feed.leave = join(feed);
  return feed;
}

import { Repeater } from '@repeaterjs/repeater';
import type { FanoutMember, ProgressEvent } from './progress-fanout.js';

/**
 * The live feed of one animation as an async iterator (for transports that pull, like
 * SSE): a snapshot with every log line so far, then one event per recorded change with
 * only the lines not sent before; it ends right after a terminal status.
 */
export function progressFeed(join: (member: FanoutMember) => () => void): AsyncIterableIterator<ProgressEvent> {
  return new Repeater<ProgressEvent>(async (push, stop) => {
    const leave = join({
      deliver: (event) => void push(event),
      // A failed feed ends the stream with its error, which the GraphQL layer masks.
      complete: (error) => stop(error),
    });
    await stop;
    leave();
  });
}

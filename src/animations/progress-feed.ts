import { Repeater } from '@repeaterjs/repeater';
import type { AnimationEvents } from '../ports/animation-events.js';
import type { AnimationStore } from '../ports/animation-store.js';
import { isTerminal, type Animation, type AnimationChange, type AnimationLog, type AnimationStatus } from './model.js';

export interface ProgressEvent {
  status: AnimationStatus;
  queuePosition: number | null;
  progress: number | null;
  newLogs: AnimationLog[];
  animation: Animation;
}

/**
 * The live feed of one animation: a snapshot with every log line so far, then one event
 * per recorded change with only the lines not sent before; it ends right after a terminal
 * status. Fed from the store and the event bus, never from the upstream.
 */
export interface FeedHooks {
  /** A store read failed; the feed ends with a generic error. */
  onError: (error: unknown) => void;
  /** The feed sent a change `latencyMs` after it was recorded. */
  onDelivered?: (latencyMs: number) => void;
}

export function progressFeed(
  store: AnimationStore,
  events: AnimationEvents,
  id: string,
  hooks: FeedHooks,
): AsyncIterableIterator<ProgressEvent> {
  return new Repeater<ProgressEvent>(async (push, stop) => {
    let sent: { version: number; logCount: number } | undefined;
    let work: Promise<void> = Promise.resolve();
    const enqueue = (task: () => Promise<void>) => {
      work = work.then(task).catch((error: unknown) => {
        hooks.onError(error);
        // Transports send a stream's error text as is, so it must not carry internals.
        stop(new Error('Unexpected error.'));
      });
    };

    const emit = (animation: Animation, newLogs: AnimationLog[]) => {
      sent = { version: animation.version, logCount: animation.logCount };
      void push({
        status: animation.status,
        queuePosition: animation.queuePosition,
        progress: animation.progress,
        newLogs,
        animation,
      });
      if (isTerminal(animation.status)) stop();
    };

    const catchUp = async (afterSeq: number) => {
      const animation = await store.get(id);
      if (!animation) return;
      // Lines recorded after the animation was read belong to a later event: leave them to it.
      const logs = await store.logs(id, afterSeq);
      emit(animation, logs.filter((log) => log.seq <= animation.logCount));
    };

    const onChange = async (change: AnimationChange) => {
      if (!sent || change.animation.version <= sent.version) return;
      if (change.animation.version === sent.version + 1) {
        const after = sent.logCount;
        emit(change.animation, change.newLogs.filter((log) => log.seq > after));
        hooks.onDelivered?.(Date.now() - Date.parse(change.animation.updatedAt));
      } else {
        // A change went missing on the way: read what was recorded instead.
        await catchUp(sent.logCount);
      }
    };

    // Listen before reading the snapshot, so no change falls between the two.
    const unsubscribe = events.subscribe(id, (change) => enqueue(() => onChange(change)));
    enqueue(() => catchUp(0));
    await stop;
    unsubscribe();
  });
}

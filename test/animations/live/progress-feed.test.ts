import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InProcessAnimationEvents } from '../../../src/adapters/events/in-process-animation-events.js';
import { openAnimationStore } from '../../../src/adapters/store/open-store.js';
import { ProgressFanout, type ProgressEvent } from '../../../src/animations/live/progress-fanout.js';
import { progressFeed } from '../../../src/animations/live/progress-feed.js';
import { AnimationRecorder } from '../../../src/animations/animation-recorder.js';
import type { AnimationStore } from '../../../src/ports/animation-store.js';
import { within } from '../../support/eventually.js';
import { temporaryDirectory } from '../../support/harness.js';
import { newAnimationRecord } from '../../support/records.js';

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const line = (message: string) => ({ message, level: 'INFO', timestamp: new Date().toISOString() });

describe('the live feed of an animation', () => {
  it('sends each line once even when a change lands between reading the animation and its lines', async () => {
    const store = await openAnimationStore({ kind: 'embedded', dataDir: temporaryDirectory() });
    const events = new InProcessAnimationEvents();
    const recorder = new AnimationRecorder({ store, events, logger: silent });
    const id = randomUUID();
    await store.insert(newAnimationRecord({ id, requestId: 'r', status: 'IN_PROGRESS' }));
    await recorder.record(id, { type: 'progressed', status: 'IN_PROGRESS', queuePosition: null, logs: [line('a'), line('b')] });

    // A store that lets the watcher record two more lines right after the snapshot's animation is read.
    let interleaved = false;
    let raced!: () => void;
    const racedDone = new Promise<void>((resolve) => (raced = resolve));
    const racing: AnimationStore = Object.create(store, {
      get: {
        value: async (animationId: string) => {
          const animation = await store.get(animationId);
          if (!interleaved) {
            interleaved = true;
            await recorder.record(id, { type: 'progressed', status: 'IN_PROGRESS', queuePosition: null, logs: [line('c'), line('d')] });
            raced();
          }
          return animation;
        },
      },
    });

    const fanout = new ProgressFanout(racing, events, {
      onError: (error) => {
        throw error;
      },
    });
    const feed = progressFeed((member) => fanout.join(id, member));
    const received: ProgressEvent[] = [];
    const collecting = (async () => {
      for await (const event of feed) received.push(event);
    })();
    await within(racedDone, 10_000, "the feed's snapshot to read the animation, and the watcher to record lines c and d right after");
    await recorder.record(id, { type: 'cancelled' });
    await collecting;

    expect(received.flatMap((event) => event.newLogs.map((log) => log.message))).toEqual(['a', 'b', 'c', 'd']);
    expect(received.at(-1)!.status).toBe('CANCELLED');
    await store.close();
  });
});

import type { AnimationStore } from '../../ports/animation-store.js';
import type { Log } from '../../ports/log.js';
import type { VideoCustody } from './video-custody.js';

const BATCH = 100;

/**
 * MEDIA_RETENTION_DAYS: removes animations whose kept video has expired, files and records.
 * Replicas may sweep at once: erasing what another replica erased changes nothing.
 */
export class RetentionSweep {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly deps: { store: AnimationStore; custody: VideoCustody; logger: Log; everyMs: number; now?: () => Date }) {}

  start(): void {
    const tick = () => {
      this.sweep()
        .catch((err: unknown) => this.deps.logger.error({ err }, 'retention sweep failed'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.deps.everyMs).unref();
        });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Erases every animation expired by now; resolves with how many. */
  async sweep(): Promise<number> {
    const now = (this.deps.now?.() ?? new Date()).toISOString();
    let erased = 0;
    for (
      let batch = await this.deps.store.listExpired(now, BATCH);
      batch.length > 0;
      batch = await this.deps.store.listExpired(now, BATCH)
    ) {
      for (const animation of batch) await this.deps.custody.erase(animation);
      erased += batch.length;
    }
    if (erased > 0) this.deps.logger.info({ erased }, 'expired results removed');
    return erased;
  }
}

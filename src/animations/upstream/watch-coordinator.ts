import type { AnimationStore } from '../../ports/animation-store.js';
import type { WatchLeases } from '../../ports/watch-leases.js';
import { isTerminal, type Animation } from '../../domain/animation.js';
import type { Telemetry } from '../../ports/telemetry.js';
import type { UpstreamWatchers } from './upstream-watchers.js';
import type { Log } from '../../ports/log.js';

/**
 * Makes sure each in-flight animation is watched upstream by exactly one replica: a
 * replica watches only under a lease, renews its leases while it runs, and every renewal
 * period looks for animations nobody holds (a replica died) and takes them over. With one
 * process it simply watches everything.
 */
export class WatchCoordinator {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private cycle: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      store: AnimationStore;
      watchers: UpstreamWatchers;
      leases: WatchLeases;
      logger: Log;
      telemetry: Telemetry;
      /** How often leases are renewed and orphans looked for; well under the lease lifetime. */
      renewEveryMs: number;
    },
  ) {}

  /** Watches the animation if this replica can take its lease. */
  watch(animation: Animation): void {
    if (this.stopped || !animation.requestId || isTerminal(animation.status)) return;
    if (this.deps.watchers.isWatching(animation.id)) return;
    this.deps.leases.acquire(animation.id).then(
      (lease) => {
        if (!lease || this.stopped) return;
        if (lease.takenOver) {
          this.deps.telemetry.leaseTakenOver();
          this.deps.logger.info({ animationId: animation.id }, 'took over an animation from a replica that stopped renewing');
        }
        void this.deps.watchers.watch(animation)?.then(() => this.released(animation.id));
      },
      (err: unknown) => this.deps.logger.warn({ animationId: animation.id, err }, 'lease not taken'),
    );
  }

  /** Lets go of a lease once its watcher has stopped. */
  private released(animationId: string): void {
    if (this.stopped) return;
    this.deps.leases.release(animationId).catch((err: unknown) => this.deps.logger.warn({ animationId, err }, 'lease not released'));
  }

  start(): void {
    const tick = () => {
      this.cycle = this.renewAndAdopt().catch((err: unknown) => this.deps.logger.warn({ err }, 'lease cycle failed'));
      void this.cycle.then(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.deps.renewEveryMs);
      });
    };
    this.timer = setTimeout(tick, this.deps.renewEveryMs);
  }

  /** Stops renewing and watching, and releases every lease so another replica can take over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.cycle;
    const held = this.deps.watchers.watchedIds();
    await this.deps.watchers.stopAll();
    await Promise.all(held.map((id) => this.deps.leases.release(id).catch(() => undefined)));
  }

  private async renewAndAdopt(): Promise<void> {
    const lost = await this.deps.leases.renew(this.deps.watchers.watchedIds());
    for (const id of lost) {
      this.deps.logger.warn({ animationId: id }, 'lease lost; another replica watches this animation now');
      await this.deps.watchers.stop(id);
    }
    for (const id of await this.deps.leases.unheld()) {
      if (this.deps.watchers.isWatching(id)) continue;
      const animation = await this.deps.store.get(id);
      if (animation) this.watch(animation);
    }
  }
}

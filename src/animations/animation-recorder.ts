import type { AnimationStore } from '../ports/animation-store.js';
import type { AnimationEvents } from '../ports/animation-events.js';
import { isTerminal, type Animation, type AnimationChange } from '../domain/animation.js';
import { applyChange, type Change } from '../domain/state-machine.js';
import type { Log } from '../ports/log.js';

/** The one way a change reaches the store and subscribers: recorded first, then published. */
export class AnimationRecorder {
  private readonly finishedListeners = new Set<(animation: Animation) => void>();

  constructor(
    private readonly store: AnimationStore,
    private readonly events: AnimationEvents,
    private readonly logger: Log,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Records `change` if it alters the animation; returns what was recorded, or null. */
  async record(animationId: string, change: Change): Promise<AnimationChange | null> {
    const recorded = await this.store.update(animationId, (current) =>
      applyChange(current, change, this.now().toISOString()),
    );
    if (!recorded) return null;
    const { animation, newLogs } = recorded;
    const fields = { animationId: animationId, version: animation.version, status: animation.status, newLogs: newLogs.length };
    if (isTerminal(animation.status)) this.logger.info({ ...fields, error: animation.error?.code }, 'animation finished');
    else this.logger.debug(fields, `recorded ${change.type}`);
    this.events.publish(recorded);
    if (isTerminal(animation.status)) for (const listener of this.finishedListeners) listener(animation);
    return recorded;
  }

  /** Calls `listener` each time this process records an animation's terminal status. */
  onFinished(listener: (animation: Animation) => void): void {
    this.finishedListeners.add(listener);
  }
}

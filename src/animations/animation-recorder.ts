import type { AnimationStore } from '../ports/animation-store.js';
import type { AnimationEvents } from '../ports/animation-events.js';
import { isTerminal, type Animation, type AnimationChange } from '../domain/animation.js';
import { applyChange, type Change } from '../domain/state-machine.js';
import type { Log } from '../ports/log.js';

/** The one way a change reaches the store and subscribers: recorded first, then published. */
export class AnimationRecorder {
  private readonly slotListeners = new Set<() => void>();

  constructor(
    private readonly deps: {
      store: AnimationStore;
      events: AnimationEvents;
      logger: Log;
      /** Hears of each terminal status this process records (the owner's webhook is sent from here, once). */
      onFinished?: (animation: Animation) => void;
      now?: () => Date;
    },
  ) {}

  /** Records `change` if it alters the animation; returns what was recorded, or null. */
  async record(animationId: string, change: Change): Promise<AnimationChange | null> {
    const { store, events, logger, onFinished, now = () => new Date() } = this.deps;
    const recorded = await store.update(animationId, (current) => applyChange(current, change, now().toISOString()));
    if (!recorded) return null;
    const { animation, newLogs } = recorded;
    const fields = { animationId: animationId, version: animation.version, status: animation.status, newLogs: newLogs.length };
    if (isTerminal(animation.status)) logger.info({ ...fields, error: animation.error?.code }, 'animation finished');
    else logger.debug(fields, `recorded ${change.type}`);
    events.publish(recorded);
    if (isTerminal(animation.status)) onFinished?.(animation);
    if (isTerminal(animation.status) || change.type === 'resultReady') for (const listener of this.slotListeners) listener();
    return recorded;
  }

  /** Hears of each change this process records that may free a slot at fal or a place in line: an end, or fal's result. */
  onLineMoved(listener: () => void): void {
    this.slotListeners.add(listener);
  }
}

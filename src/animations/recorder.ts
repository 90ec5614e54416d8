import type { AnimationStore } from '../ports/animation-store.js';
import type { AnimationEvents } from '../ports/animation-events.js';
import type { AnimationChange } from './model.js';
import { applyChange, type Change } from './state.js';

/** The one way a change reaches the store and subscribers: recorded first, then published. */
export class AnimationRecorder {
  constructor(
    private readonly store: AnimationStore,
    private readonly events: AnimationEvents,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Records `change` if it alters the animation; returns what was recorded, or null. */
  async record(animationId: string, change: Change): Promise<AnimationChange | null> {
    const recorded = await this.store.update(animationId, (current) =>
      applyChange(current, change, this.now().toISOString()),
    );
    if (recorded) this.events.publish(recorded);
    return recorded;
  }
}

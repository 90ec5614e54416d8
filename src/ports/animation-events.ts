import type { AnimationChange } from '../domain/animation.js';

/**
 * Delivers recorded changes to whoever watches an animation, in this process or (with a
 * shared bus) in every replica. Delivery is best effort and may reorder or drop events;
 * subscribers detect gaps through `animation.version` and reload from the store.
 */
export interface AnimationEvents {
  publish(change: AnimationChange): void;
  /** Calls `listener` with every change of the animation until the returned function is called. */
  subscribe(animationId: string, listener: (change: AnimationChange) => void): () => void;
  /** True when the bus can deliver (its server answers, if it has one). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

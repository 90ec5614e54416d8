import type { AnimationChange } from '../../domain/animation.js';
import type { AnimationEvents } from '../../ports/animation-events.js';

type Listener = (change: AnimationChange) => void;

/** Delivers changes to listeners in this process only. */
export class InProcessAnimationEvents implements AnimationEvents {
  private readonly listeners = new Map<string, Set<Listener>>();

  publish(change: AnimationChange): void {
    const listeners = this.listeners.get(change.animation.id);
    if (!listeners) return;
    for (const listener of [...listeners]) listener(change);
  }

  subscribe(animationId: string, listener: Listener): () => void {
    let listeners = this.listeners.get(animationId);
    if (!listeners) {
      listeners = new Set();
      this.listeners.set(animationId, listeners);
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.listeners.get(animationId) === listeners) this.listeners.delete(animationId);
    };
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}

import type { SpanContext } from '@opentelemetry/api';

/** Enough for every animation created in the last hours of a busy replica; the oldest are forgotten first. */
const DEFAULT_CAPACITY = 10_000;

/**
 * Which request created an animation: the span context of its createAnimation operation, by
 * animation id and by fal request id, so the work done later outside that request (the
 * watcher, the copy, the webhook) can link to it. Kept in memory only: after a restart the
 * background spans of older animations have no link.
 */
export class CreationLinks {
  private readonly contexts = new Map<string, SpanContext>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** Remembers `context` as the creation of the animation or fal request known by `id`. */
  remember(id: string, context: SpanContext): void {
    this.contexts.delete(id);
    this.contexts.set(id, context);
    if (this.contexts.size > this.capacity) this.contexts.delete(this.contexts.keys().next().value!);
  }

  /** The links a background span of `id` gets: its creation, when remembered. */
  linksOf(id: string | undefined): { context: SpanContext }[] {
    const context = id === undefined ? undefined : this.contexts.get(id);
    return context ? [{ context }] : [];
  }
}

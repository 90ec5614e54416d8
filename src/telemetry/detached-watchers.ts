import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import type { Animation } from '../domain/animation.js';

export interface Watchers {
  watch(animation: Animation): void;
}

/**
 * Starts each watch outside the trace context of the request that asked for it: the watcher
 * outlives that request, so its work (store writes included) is traced in traces of its
 * own, linked to the request, rather than under a span that has long ended.
 */
export function detachedWatchers(watchers: Watchers): Watchers {
  return { watch: (animation) => context.with(ROOT_CONTEXT, () => watchers.watch(animation)) };
}

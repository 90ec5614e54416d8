import type { Tracer } from '@opentelemetry/api';
import type { AnimationStore, NewAnimation } from '../ports/animation-store.js';
import type { CreationLinks } from './creation-links.js';
import { activeSpanContext, inSpan } from './spans.js';

/**
 * The store with one span per AnimationStore method (`store.insert`, `store.update`…),
 * each of which is one transaction or statement. Any other member of the store (its watch
 * leases) passes through untouched. An insert remembers the request that created the animation.
 */
export function tracedAnimationStore<S extends AnimationStore>(store: S, tracer: Tracer, links: CreationLinks): S {
  return new Proxy(store, {
    get(target, property) {
      const member: unknown = Reflect.get(target, property, target);
      if (typeof member !== 'function') return member;
      const method = member as (...args: unknown[]) => unknown;
      if (typeof property !== 'string' || !isTraced(property)) return method.bind(target);
      return (...args: unknown[]) => {
        if (property === 'insert') rememberCreation(args[0] as NewAnimation, links);
        return inSpan(tracer, `store.${property}`, {}, () => method.apply(target, args) as Promise<unknown>);
      };
    },
  });
}

function rememberCreation(animation: NewAnimation, links: CreationLinks): void {
  const creation = activeSpanContext();
  if (creation) links.remember(animation.id, creation);
}

/**
 * Every method of the AnimationStore port, and whether it is traced: not the readiness probe's
 * and the metrics scrape's reads, nor closing. The compiler checks the list against the port.
 */
const TRACED = {
  insert: true,
  get: true,
  list: true,
  logs: true,
  update: true,
  findByRequestId: true,
  recordWebhookDelivery: true,
  webhookDeliveries: true,
  listUndeliveredWebhooks: true,
  releaseIdempotencyKey: true,
  countByStatus: false,
  listUnfinished: true,
  statusHistory: true,
  delete: true,
  wasDeleted: true,
  admissionLine: true,
  admit: true,
  usage: true,
  listExpired: true,
  workInProgress: false,
  ping: false,
  close: false,
} satisfies Record<keyof AnimationStore, boolean>;

function isTraced(name: string): name is keyof AnimationStore {
  return Object.hasOwn(TRACED, name) && TRACED[name as keyof AnimationStore];
}

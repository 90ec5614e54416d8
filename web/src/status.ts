import type { AnimationPriority, AnimationStatus } from './gql/graphql.js';

export const STATUS_LABELS: Record<AnimationStatus, string> = {
  SUBMITTING: 'Submitting',
  IN_QUEUE: 'In queue',
  IN_PROGRESS: 'In progress',
  COMPLETED: 'Completed',
  FAILED: 'Failed',
  CANCELLED: 'Cancelled',
};

/** Nothing changes after these, and the progress subscription completes. */
export function isTerminal(status: AnimationStatus): boolean {
  return status === 'COMPLETED' || status === 'FAILED' || status === 'CANCELLED';
}

export const PRIORITY_LABELS: Record<AnimationPriority, string> = {
  NORMAL: 'Normal',
  LOW: 'Low',
};

/**
 * Where a queued animation stands, in words; undefined when it is not queued or fal gave no position.
 * Without a `requestId` the gateway holds it until one of the account's slots at fal is free, and its
 * position counts what will be sent first (at least 1); with one it is in fal's own queue, where 0 means next.
 */
export function describeQueue(animation: {
  status: AnimationStatus;
  requestId?: string | null;
  queuePosition?: number | null;
}): string | undefined {
  const { status, requestId, queuePosition } = animation;
  if (status !== 'IN_QUEUE') return undefined;
  const held = requestId === null || requestId === undefined;
  if (typeof queuePosition !== 'number') return held ? 'Waiting for a free slot' : undefined;
  if (held) return `Waiting for a free slot: ${queuePosition} ahead`;
  return queuePosition === 0 ? "In fal's queue: next" : `In fal's queue: ${queuePosition} ahead`;
}

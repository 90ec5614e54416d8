import type { AnimationStatus } from './gql/graphql.js';

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

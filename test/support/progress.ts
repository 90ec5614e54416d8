import type { AnimationProgressSubscription } from '../gql/graphql.js';
import { dataOf, type Result } from './graphql-clients.js';
import type { FalSimulator } from '@uni-animate/fal-simulator';

export type Progress = AnimationProgressSubscription['animationProgress'];

export function progressOf(results: Result<AnimationProgressSubscription>[]): Progress[] {
  return results.map((result) => dataOf(result).animationProgress);
}

/** Every log message a subscriber received, in order. */
export function logMessages(results: Result<AnimationProgressSubscription>[]): string[] {
  return progressOf(results).flatMap((event) => event.newLogs.map((log) => log.message));
}

/** Every log message fal (the simulator) produced for a request. */
export function simulatorLogs(simulator: FalSimulator, requestId: string): string[] {
  return simulator.job(requestId)!.logs.map((log) => log.message);
}

/** Every log message of a request that completed: fal's, then the gateway's own line while it keeps the video. */
export function completedLogs(simulator: FalSimulator, requestId: string): string[] {
  return [...simulatorLogs(simulator, requestId), 'Saving the video'];
}

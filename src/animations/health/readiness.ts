import type { FalReachabilityState } from './fal-reachability.js';

/** A dependency check's answer; `timeout` when it did not answer within the bound. */
export type CheckState = 'up' | 'down' | 'timeout';

export interface DependencyStates {
  store: CheckState;
  redis: CheckState | 'not configured';
  mediaStore: CheckState;
  /** Reported, never a reason to be unready: replicas pulled for an outage of fal would not serve what is kept either. */
  fal: FalReachabilityState;
}

/** The body of /readyz: states only, never an error's text (it could carry a URL or a credential). */
export type ReadinessReport =
  | { ready: true; dependencies: DependencyStates }
  | { ready: false; reason: 'dependency down'; dependencies: DependencyStates }
  | { ready: false; reason: 'stopping' };

export const STOPPING: ReadinessReport = { ready: false, reason: 'stopping' };

/** True when the dependency answers; `signal` aborts when the check's time is up. */
export type DependencyCheck = (signal: AbortSignal) => Promise<boolean>;

export interface ReadinessOptions {
  store: DependencyCheck;
  /** Undefined when Redis is not configured. */
  redis: DependencyCheck | undefined;
  mediaStore: DependencyCheck;
  fal: () => FalReachabilityState;
  /** Longest each check may take. @default 2000 */
  timeoutMs?: number;
}

/**
 * Checks the dependencies the gateway needs to serve (at once, each bounded in time, so a
 * hung database cannot hang /readyz): ready when the store, Redis (when configured) and the
 * media store answer. fal's reachability is reported from the last calls, and never fails
 * readiness: when fal is down, clients can still read their animations and kept videos.
 */
export class Readiness {
  constructor(private readonly options: ReadinessOptions) {}

  async report(): Promise<ReadinessReport> {
    const { store, redis, mediaStore, fal, timeoutMs = 2_000 } = this.options;
    const [storeState, redisState, mediaState] = await Promise.all([
      bounded(store, timeoutMs),
      redis ? bounded(redis, timeoutMs) : ('not configured' as const),
      bounded(mediaStore, timeoutMs),
    ]);
    const dependencies: DependencyStates = { store: storeState, redis: redisState, mediaStore: mediaState, fal: fal() };
    const ready = storeState === 'up' && (redisState === 'up' || redisState === 'not configured') && mediaState === 'up';
    return ready ? { ready: true, dependencies } : { ready: false, reason: 'dependency down', dependencies };
  }
}

/** The check's answer, `down` when it throws, or `timeout` when `timeoutMs` passes first. */
function bounded(check: DependencyCheck, timeoutMs: number): Promise<CheckState> {
  const signal = AbortSignal.timeout(timeoutMs);
  const timedOut = new Promise<CheckState>((resolve) => signal.addEventListener('abort', () => resolve('timeout'), { once: true }));
  const checked = check(signal).then(
    (up): CheckState => (up ? 'up' : 'down'),
    (): CheckState => 'down',
  );
  return Promise.race([checked, timedOut]);
}

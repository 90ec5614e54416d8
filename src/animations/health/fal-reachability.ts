import type { UpstreamCallOutcome } from '../../ports/telemetry.js';

/** What the last calls to fal say: `unknown` until they say enough. */
export type FalReachabilityState = 'up' | 'down' | 'unknown';

/** Failed calls in a row (network errors or 5xx) that make fal `down`: more than one failing submit's own retries. */
export const FAILURES_FOR_DOWN = 3;

/**
 * Whether fal answers, from the outcomes of the gateway's own calls to it (no probe of its
 * own: that would cost fal requests). `up` once a call gets any answer below 500 (a 4xx is
 * fal answering); `down` after FAILURES_FOR_DOWN calls in a row got no answer or a 5xx, and
 * until a call is answered again; a shorter run of failures leaves the state as it was.
 */
export class FalReachability {
  private current: FalReachabilityState = 'unknown';
  private failuresInARow = 0;

  get state(): FalReachabilityState {
    return this.current;
  }

  callEnded(outcome: UpstreamCallOutcome): void {
    if (outcome !== 'error' && outcome !== '5xx') {
      this.failuresInARow = 0;
      this.current = 'up';
    } else if (++this.failuresInARow >= FAILURES_FOR_DOWN) {
      this.current = 'down';
    }
  }
}

/** What the gateway reports for monitoring; the metrics adapter decides how to expose it. */
export interface Telemetry {
  submitted(outcome: 'accepted' | 'refused' | 'unconfirmed'): void;
  feedOpened(): void;
  feedClosed(): void;
  /** Time from a change being recorded to a subscriber's feed sending it. */
  delivered(latencyMs: number): void;
  leaseTakenOver(): void;
  /** This process started or stopped following an animation upstream. */
  watchStarted(): void;
  watchStopped(): void;
  /** A GraphQL WebSocket opened or closed. */
  socketOpened(): void;
  socketClosed(): void;
}

export const NO_TELEMETRY: Telemetry = {
  submitted: () => undefined,
  feedOpened: () => undefined,
  feedClosed: () => undefined,
  delivered: () => undefined,
  leaseTakenOver: () => undefined,
  watchStarted: () => undefined,
  watchStopped: () => undefined,
  socketOpened: () => undefined,
  socketClosed: () => undefined,
};

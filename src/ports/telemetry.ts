/** How an HTTP call to fal ended: its response's status class, or `error` when no response came. */
export type UpstreamCallOutcome = '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'error';

/** One HTTP call to fal. */
export interface UpstreamCall {
  /** submit, status, stream, result, cancel or storage. */
  kind: string;
  outcome: UpstreamCallOutcome;
  /** From sending the request to its response's headers, or to the error. */
  seconds: number;
}

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

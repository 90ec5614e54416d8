/** What the application reports for monitoring; the metrics adapter decides how to expose it. */
export interface Telemetry {
  submitted(outcome: 'accepted' | 'refused' | 'unconfirmed'): void;
  feedOpened(): void;
  feedClosed(): void;
  /** Time from a change being recorded to a subscriber's feed sending it. */
  delivered(latencyMs: number): void;
  leaseTakenOver(): void;
}

export const NO_TELEMETRY: Telemetry = {
  submitted: () => undefined,
  feedOpened: () => undefined,
  feedClosed: () => undefined,
  delivered: () => undefined,
  leaseTakenOver: () => undefined,
};

import type { AnimationInput, LogLine, UpstreamOutcome } from '../domain/animation.js';

/** One status report from the model provider's queue. */
export interface UpstreamStatus {
  status: 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED';
  queuePosition: number | null;
  /** Log lines the report carries: only new ones or every one so far, depending on the source. */
  logs: LogLine[];
  /** GPU seconds, when the report says the request finished and carries them. */
  inferenceSeconds: number | null;
}

/**
 * A refusal or failure from the provider. `transient` errors (rate limits, 5xx the
 * provider retries, network trouble) are worth trying again later; the others are final.
 */
export class UpstreamFailure extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly transient: boolean,
    /** Field-level messages from a validation refusal (422). */
    readonly fieldErrors: { field: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'UpstreamFailure';
  }
}

/**
 * How the provider answered a cancel: `accepted` (it stops the request), `finished` (it says
 * the request already completed: its result tells how), or `unknown` (it does not know the
 * request: purged, another endpoint, or a simulator that restarted).
 */
export type CancelAnswer = 'accepted' | 'finished' | 'unknown';

export interface SubmitOptions {
  /** Where the provider should POST when the request finishes. */
  webhookUrl?: string;
  /** The provider's queue priority. */
  priority?: 'normal' | 'low';
  /** Seconds the provider may wait to start the request before it gives up (a user timeout). */
  startTimeoutSeconds?: number;
  signal?: AbortSignal;
}

/**
 * The model provider's queue. Every method throws `UpstreamFailure` for provider
 * refusals and unreachability; implementations do their own bounded retries first.
 */
export interface Upstream {
  submit(input: AnimationInput, options?: SubmitOptions): Promise<{ requestId: string; queuePosition: number | null }>;
  status(requestId: string, signal?: AbortSignal): Promise<UpstreamStatus>;
  /**
   * Follows the status stream, calling `onStatus` for each event. Resolves when the stream
   * ends (with the last status seen, if any); rejects when it fails.
   */
  followStatus(
    requestId: string,
    onStatus: (status: UpstreamStatus) => void | Promise<void>,
    signal: AbortSignal,
  ): Promise<UpstreamStatus | undefined>;
  /** Reads the result of a request the queue reports COMPLETED. */
  result(requestId: string, signal?: AbortSignal): Promise<UpstreamOutcome>;
  /** Asks the provider to cancel; see CancelAnswer. */
  cancel(requestId: string): Promise<CancelAnswer>;
  /** Stores a file with the provider and returns its URL. */
  upload(file: Blob): Promise<string>;
}

export type WebhookVerdict = 'valid' | 'invalid' | 'unavailable';

/** Notifications the provider POSTs when a request finishes. */
export interface UpstreamWebhooks {
  /**
   * Checks a delivery's signature over its raw body. `unavailable` means the signing keys
   * could not be fetched, so the provider should try again later.
   */
  verify(headers: Record<string, string | string[] | undefined>, rawBody: Uint8Array): Promise<WebhookVerdict>;
  /** The request and how it turned out; undefined when the delivery carries no usable outcome. */
  parse(rawBody: Uint8Array): { requestId: string; outcome: UpstreamOutcome } | undefined;
}

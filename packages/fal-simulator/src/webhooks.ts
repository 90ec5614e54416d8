import type { WebhookSigner } from './signing.js';
import type { WebhookAttempt } from './types.js';

const MAX_RECORDED_ATTEMPTS = 10_000;
const MAX_RETRY_DELAY_MS = 60_000;

export interface WebhookDispatcherOptions {
  signer: WebhookSigner;
  /** Attempts after the first one failed. */
  retries: number;
  /** Delay before the first retry; it doubles per retry, capped at 60 s. */
  retryBaseMs: number;
  /** Per attempt, for the answer's status line and headers. */
  timeoutMs: number;
  /** Called after every recorded attempt. */
  onChange: () => void;
}

interface Delivery {
  readonly id: number;
  readonly requestId: string;
  readonly url: string;
  readonly body: string;
  attempts: number;
}

interface Outcome {
  status: number | undefined;
  error: string | undefined;
}

/**
 * POSTs signed webhook bodies in the background: each delivery is retried with exponential backoff
 * until a 2xx answer or the retries run out; every attempt is signed afresh and recorded.
 */
export class WebhookDispatcher {
  private recorded: WebhookAttempt[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<AbortController>();
  private nextDeliveryId = 1;
  private stopped = false;

  constructor(private readonly options: WebhookDispatcherOptions) {}

  /** Every attempt, oldest first (the latest 10,000). */
  get attempts(): readonly WebhookAttempt[] {
    return this.recorded;
  }

  /** Queues one delivery and returns at once; its first attempt runs on a later turn of the event loop. */
  deliver(requestId: string, url: string, body: string): void {
    const delivery: Delivery = { id: this.nextDeliveryId, requestId, url, body, attempts: 0 };
    this.nextDeliveryId += 1;
    this.later(0, () => this.attempt(delivery));
  }

  /** Cancels scheduled attempts and aborts those in flight; neither is recorded. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const controller of this.inFlight) controller.abort(new Error('fal simulator stopped'));
    this.inFlight.clear();
  }

  private later(delayMs: number, run: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, delayMs);
    this.timers.add(timer);
  }

  private attempt(delivery: Delivery): void {
    delivery.attempts += 1;
    const attempt = delivery.attempts;
    const headers = {
      'Content-Type': 'application/json',
      ...this.options.signer.sign(delivery.body, delivery.requestId),
    };
    const at = Date.now();
    void this.post(delivery.url, headers, delivery.body).then(({ status, error }) => {
      if (this.stopped) return;
      const { id, requestId, url, body } = delivery;
      this.record({ delivery: id, requestId, url, attempt, status, error, body, headers, at });
      const delivered = status !== undefined && status >= 200 && status < 300;
      if (delivered || attempt > this.options.retries) return;
      const backoffMs = Math.min(this.options.retryBaseMs * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS);
      this.later(backoffMs, () => this.attempt(delivery));
    });
  }

  /** Never rejects: a network error, a timeout or an unusable URL is an outcome without a status. */
  private async post(url: string, headers: Record<string, string>, body: string): Promise<Outcome> {
    if (!/^https?:\/\//i.test(url)) return { status: undefined, error: `not an http(s) URL: ${url}` };
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(new Error(`no answer within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
    this.inFlight.add(controller);
    try {
      const res = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: controller.signal });
      // fal ignores the answer's body; not reading it frees the connection at once.
      await res.body?.cancel().catch(() => undefined);
      return { status: res.status, error: undefined };
    } catch (error) {
      return { status: undefined, error: describe(error) };
    } finally {
      clearTimeout(timeout);
      this.inFlight.delete(controller);
    }
  }

  private record(attempt: WebhookAttempt): void {
    this.recorded.push(attempt);
    if (this.recorded.length > MAX_RECORDED_ATTEMPTS) this.recorded.shift();
    this.options.onChange();
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // fetch reports every network failure as "fetch failed"; the cause says which.
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

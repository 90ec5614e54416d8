import { ApiError, createFalClient, ValidationError, type FalClient, type QueueStatus } from '@fal-ai/client';
import type { AnimationInput, LogLine, UpstreamOutcome } from '../../domain/animation.js';
import type { UpstreamCall } from '../../ports/telemetry.js';
import { UpstreamFailure, type SubmitOptions, type Upstream, type UpstreamStatus } from '../../ports/upstream.js';
import { errorSummary, fieldProblems, outcomeOfError, outcomeOfOutput, TRANSIENT_STATUSES, type Scrub } from './fal-outcomes.js';
import { instrumentedFetch } from './instrumented-fetch.js';
import { nodeHttpFetch } from './node-http-fetch.js';
import { redirectingFetch } from './redirect-fetch.js';
import { secretScrubber } from './secret-scrubber.js';

export interface FalUpstreamOptions {
  /** fal API key; sent only to fal. */
  credentials: string | undefined;
  /** Base URL that replaces fal's queue and REST hosts (the simulator, a proxy). */
  apiUrl: string | undefined;
  /** Model endpoint id, e.g. `fal-ai/uni-animate`. */
  endpoint: string;
  /** The fetch the client uses underneath. @default nodeHttpFetch() */
  fetch?: typeof fetch;
  /**
   * Longest a status, result or cancel call may take, the client's own retries included
   * (they sleep up to 16 s between attempts and cannot be interrupted). @default 15000
   */
  callTimeoutMs?: number;
  /** Hears of every HTTP call to fal: its kind, outcome and duration. */
  onCall?: (call: UpstreamCall) => void;
  /** How long fal should keep the files of each request: its results and the gateway's uploads. */
  objectTtlSeconds: number;
}

/** The Upstream port over fal's queue, through @fal-ai/client (the only user of that package). */
export class FalUpstream implements Upstream {
  private readonly fal: FalClient;
  private readonly endpoint: string;
  private readonly scrub: (text: string) => string;
  private readonly callTimeoutMs: number;
  /** fal's object-lifecycle preference, sent with every submit and upload. */
  private readonly lifecycle: { expiresIn: number };

  constructor(options: FalUpstreamOptions) {
    this.callTimeoutMs = options.callTimeoutMs ?? 15_000;
    this.lifecycle = { expiresIn: options.objectTtlSeconds };
    const rawFetch = options.fetch ?? nodeHttpFetch();
    const baseFetch = options.onCall ? instrumentedFetch(rawFetch, options.onCall) : rawFetch;
    this.fal = createFalClient({
      credentials: options.credentials,
      suppressLocalCredentialsWarning: true,
      fetch: options.apiUrl ? redirectingFetch(options.apiUrl, baseFetch) : baseFetch,
    });
    this.endpoint = options.endpoint;
    this.scrub = secretScrubber(options.credentials);
  }

  async submit(input: AnimationInput, options: SubmitOptions = {}) {
    try {
      const queued = await this.fal.queue.submit(this.endpoint, {
        input: toFalInput(input),
        webhookUrl: options.webhookUrl,
        priority: options.priority,
        startTimeout: options.startTimeoutSeconds,
        storageSettings: this.lifecycle,
        abortSignal: options.signal,
      });
      return { requestId: queued.request_id, queuePosition: queued.queue_position ?? null };
    } catch (error) {
      throw this.failure(error, 'submit');
    }
  }

  async status(requestId: string, signal?: AbortSignal): Promise<UpstreamStatus> {
    try {
      const status = await this.withDeadline(signal, (abortSignal) =>
        this.fal.queue.status(this.endpoint, { requestId, logs: true, abortSignal }),
      );
      return toStatus(status, this.scrub);
    } catch (error) {
      throw this.failure(error, 'status');
    }
  }

  async followStatus(
    requestId: string,
    onStatus: (status: UpstreamStatus) => void | Promise<void>,
    signal: AbortSignal,
  ): Promise<UpstreamStatus | undefined> {
    let stream: Awaited<ReturnType<FalClient['queue']['streamStatus']>>;
    try {
      stream = await this.fal.queue.streamStatus(this.endpoint, { requestId, logs: true });
    } catch (error) {
      throw this.failure(error, 'status stream');
    }
    const abort = () => stream.abort();
    signal.addEventListener('abort', abort, { once: true });
    let last: UpstreamStatus | undefined;
    let handled: Promise<void> = Promise.resolve();
    stream.on('data', (data: QueueStatus) => {
      const status = toStatus(data, this.scrub);
      last = status;
      handled = handled.then(() => onStatus(status));
      // Awaited once the stream ends; until then a failed onStatus (the store down) must not go unhandled.
      handled.catch(() => stream.abort());
    });
    try {
      await stream.done();
    } catch (error) {
      await handled;
      throw this.failure(error, 'status stream');
    } finally {
      signal.removeEventListener('abort', abort);
    }
    await handled;
    return last;
  }

  async result(requestId: string, signal?: AbortSignal): Promise<UpstreamOutcome> {
    try {
      const { data } = await this.withDeadline(signal, (abortSignal) => this.fal.queue.result(this.endpoint, { requestId, abortSignal }));
      return outcomeOfOutput(data, this.scrub);
    } catch (error) {
      const outcome =
        error instanceof ApiError
          ? outcomeOfError({ status: error.status, body: error.body, userTimeout: error.isUserTimeout }, this.scrub)
          : undefined;
      if (outcome) return outcome;
      throw this.failure(error, 'result');
    }
  }

  async cancel(requestId: string): ReturnType<Upstream['cancel']> {
    try {
      await this.withDeadline(undefined, (abortSignal) => this.fal.queue.cancel(this.endpoint, { requestId, abortSignal }));
      return 'accepted';
    } catch (error) {
      // fal answers 400 ALREADY_COMPLETED for a finished request, 404 for one it does not know.
      if (error instanceof ApiError && error.status === 400) return 'finished';
      if (error instanceof ApiError && error.status === 404) return 'unknown';
      throw this.failure(error, 'cancel');
    }
  }

  async upload(file: Blob): Promise<string> {
    try {
      return await this.fal.storage.upload(file, { lifecycle: this.lifecycle });
    } catch (error) {
      throw this.failure(error, 'upload');
    }
  }

  /**
   * Runs a client call with an abort signal that fires after callTimeoutMs or when `signal`
   * does, and settles at that moment even if the client is sleeping before a retry.
   */
  private withDeadline<T>(signal: AbortSignal | undefined, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const deadline = AbortSignal.timeout(this.callTimeoutMs);
    const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
    const pending = call(combined);
    pending.catch(() => undefined);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(combined.reason);
      combined.addEventListener('abort', onAbort, { once: true });
      pending.then(resolve, reject).finally(() => combined.removeEventListener('abort', onAbort));
    });
  }

  private failure(error: unknown, call: string): unknown {
    if (error instanceof UpstreamFailure || isAbort(error)) return error;
    if (isTimeout(error)) return new UpstreamFailure(`fal did not answer the ${call} in time.`, undefined, true);
    if (error instanceof ValidationError) {
      return new UpstreamFailure(`fal rejected the ${call}.`, 422, false, fieldProblems(error.body, this.scrub));
    }
    if (error instanceof ApiError) {
      const transient = TRANSIENT_STATUSES.has(error.status) && !error.isUserTimeout;
      return new UpstreamFailure(`fal ${call} failed: ${errorSummary(error.status, error.body, this.scrub)}`, error.status, transient);
    }
    return new UpstreamFailure(`fal could not be reached for the ${call}.`, undefined, true);
  }
}

function toFalInput(input: AnimationInput): Record<string, unknown> {
  return {
    prompt: input.prompt,
    ...(input.negativePrompt !== null && { negative_prompt: input.negativePrompt }),
    image_url: input.imageUrl,
    video_url: input.videoUrl,
    resolution: input.resolution,
    ...(input.seed !== null && { seed: input.seed }),
    num_inference_steps: input.numInferenceSteps,
    cfg_scale: input.cfgScale,
  };
}

/** fal's status; its log lines are scrubbed like every other text from fal (they may echo what the model was sent). */
function toStatus(data: QueueStatus, scrub: Scrub): UpstreamStatus {
  const raw = data as { status?: unknown; queue_position?: unknown; logs?: unknown; metrics?: { inference_time?: unknown } };
  const inferenceTime = raw.metrics?.inference_time;
  return {
    status: toQueueState(raw.status),
    queuePosition: typeof raw.queue_position === 'number' ? raw.queue_position : null,
    logs: Array.isArray(raw.logs) ? raw.logs.map((line) => toLogLine(line, scrub)) : [],
    inferenceSeconds: typeof inferenceTime === 'number' && Number.isFinite(inferenceTime) && inferenceTime >= 0 ? inferenceTime : null,
  };
}

/** fal's documented states; anything that sounds final is treated as finished, so its result tells. */
function toQueueState(status: unknown): UpstreamStatus['status'] {
  if (status === 'IN_QUEUE' || status === 'IN_PROGRESS' || status === 'COMPLETED') return status;
  if (typeof status === 'string' && /^(FAILED|ERROR|CANCELL?ED)$/.test(status)) return 'COMPLETED';
  return 'IN_PROGRESS';
}

function toLogLine(raw: unknown, scrub: Scrub): LogLine {
  const line = (raw ?? {}) as { message?: unknown; level?: unknown; timestamp?: unknown };
  return {
    message: scrub(String(line.message ?? '')),
    level: typeof line.level === 'string' ? scrub(line.level) : 'INFO',
    timestamp: typeof line.timestamp === 'string' ? scrub(line.timestamp) : new Date(0).toISOString(),
  };
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError';
}

export interface SimulatorOptions {
  /** Interface to listen on. Default '127.0.0.1'. */
  host?: string;
  /** Port to listen on. Default 0 (ephemeral). */
  port?: number;
  /** owner/alias served. Default 'fal-ai/uni-animate'. */
  endpoint?: string;
  /** Time per inference step. Default 100. */
  stepMs?: number;
  /** Time for the queue to move one position / a job to start. Default 300. */
  queueTickMs?: number;
  /** Runners working at once. Default 1; other jobs wait IN_QUEUE. */
  concurrency?: number;
  /** Other customers' jobs each new job finds ahead of it in the queue, draining one per queueTickMs. Default 0. */
  queueAhead?: number;
  /**
   * What each status-stream event's `logs` holds: only the lines new since the previous event
   * on that stream ('delta'), or all so far ('cumulative'). Default 'delta'.
   * Polled status always returns all logs so far.
   */
  logMode?: 'delta' | 'cumulative';
  /** Period of the SSE keep-alive comment. Default 15000. */
  keepAliveMs?: number;
  /** Seed of the fault PRNG. Default 1. */
  seed?: number;
  /** The user id webhooks are signed for (`X-Fal-Webhook-User-Id`). Default 'sim-user-1'. */
  webhookUserId?: string;
  /** Retries of a webhook delivery that got no 2xx answer. Default 10. */
  webhookRetries?: number;
  /** Delay before a webhook's first retry; it doubles per retry, capped at 60000. Default 1000. */
  webhookRetryBaseMs?: number;
  /** Time a webhook attempt may take to get an answer before it counts as a network error. Default 15000. */
  webhookTimeoutMs?: number;
}

export interface JobPlan {
  /** Inference steps to log. Default input.num_inference_steps ?? 30, capped to 100. */
  steps?: number;
  /** The job ends COMPLETED but GET result answers this status and JSON body. */
  fail?: { status: number; body: unknown; headers?: Record<string, string> };
  /** The job stops advancing after logging this step, until `resume(requestId)`. */
  pauseAtStep?: number;
  /** Time per step for this job. */
  stepMs?: number;
  /** Extra log lines the job logs right after `Loading models`, e.g. to test what a client does with odd ones. */
  logLines?: string[];
  /**
   * What the COMPLETED status reports as `metrics.inference_time` (seconds) if the job ran, instead of
   * its measured running time: deterministic for a test. Ignored unless a finite number >= 0.
   */
  inferenceSeconds?: number;
  /**
   * Size of the result video: a synthetic MP4 of exactly this many bytes, the real clip's bytes
   * (`assets/result.mp4`, starting with its `ftyp` box) then deterministic padding; fewer bytes than
   * the clip cut it short. Generated as it is sent, never held whole. Default the clip's own size.
   */
  resultBytes?: number;
  /**
   * The first `downloads` (default 1) GETs of the result file send `afterBytes` bytes of their body
   * and then hold the response open without ending it, until the client goes away or the simulator
   * stops; later GETs are served in full.
   */
  resultStall?: ResultStall;
}

export interface ResultStall {
  /** Body bytes sent before the stall (all of them when the body is shorter). */
  afterBytes: number;
  /** GETs that stall, counting from the first served one. Default 1. */
  downloads?: number;
}

/** How the GETs of a job's result file went; HEADs and GETs answered with an error are not counted. */
export interface ResultDownloads {
  /** GETs answered 200 or 206 that began sending the body. */
  started: number;
  /** Of those, the ones whose body was sent in full and ended. */
  completed: number;
  /** Of those, the ones that reached their stall point (JobPlan.resultStall) and were held open. */
  stalled: number;
  /** Of those, the ones whose connection closed before the end (the client went away, or stop()). */
  aborted: number;
}

/**
 * The parsed JSON of an object-lifecycle header (e.g. `{ expiration_duration_seconds: 86400 }`);
 * `{ raw: '<header text>' }` when the header is not a JSON object.
 */
export type ObjectLifecycle = Record<string, unknown>;

export type PlanFn = (input: Record<string, unknown>) => JobPlan | undefined;

export type JobStatus = 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED';

/** A submit's `x-fal-queue-priority`: a waiting `low` job starts only when no `normal` one is waiting. */
export type QueuePriority = 'normal' | 'low';

export interface LogEntry {
  message: string;
  level: 'INFO';
  source: 'USER';
  timestamp: string;
}

export interface JobSnapshot {
  requestId: string;
  status: JobStatus;
  /**
   * Jobs ahead of this one (0 = next to start): the waiting ones that start before it (every waiting
   * `normal` job is ahead of a `low` one) plus the simulated `queueAhead` ones; undefined unless IN_QUEUE.
   */
  queuePosition: number | undefined;
  /** The submit's `x-fal-queue-priority`: `low` when it said so, else `normal`. */
  priority: QueuePriority;
  /** The submit's `x-fal-request-timeout` (seconds to start within); undefined without one. */
  requestTimeoutSeconds: number | undefined;
  /**
   * The job did not start within `requestTimeoutSeconds` of its submit: it ended COMPLETED without
   * running, and its result answers 504 with `x-fal-request-timeout-type: user`.
   */
  timedOut: boolean;
  /**
   * What the COMPLETED status reports as `metrics.inference_time`: `JobPlan.inferenceSeconds`, or the
   * running time in seconds. Undefined until the job completes, and for a cancelled or timed-out one.
   */
  inferenceSeconds: number | undefined;
  input: Record<string, unknown>;
  /** Inference steps this job logs. */
  steps: number;
  /** Last step logged (0 before the first). */
  step: number;
  stepMs: number;
  fail: { status: number; body: unknown; headers?: Record<string, string> } | undefined;
  pauseAtStep: number | undefined;
  paused: boolean;
  cancelled: boolean;
  logs: LogEntry[];
  seed: number;
  webhookUrl: string | undefined;
  /** The x-fal-* headers of the submit request. */
  falHeaders: Record<string, string>;
  /** The submit's `x-fal-object-lifecycle-preference` header, parsed; undefined without one. */
  objectLifecycle: ObjectLifecycle | undefined;
  /** Size of the result video (JobPlan.resultBytes, or the clip's own size). */
  resultBytes: number;
  /** JobPlan.resultStall, with `downloads` defaulted. */
  resultStall: Required<ResultStall> | undefined;
  /** Whether forgetResult() was called: the result file answers 404. */
  resultForgotten: boolean;
  resultDownloads: ResultDownloads;
  submittedAt: number;
  startedAt: number | undefined;
  completedAt: number | undefined;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-cased names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  /** The body as UTF-8 text, cut to its first 64 KiB. */
  body: string;
  bodyBytes: number;
  /** Epoch milliseconds. */
  at: number;
}

export interface RequestCallCounts {
  status: number;
  stream: number;
  result: number;
  cancel: number;
  /** GETs of the job's result file (the result's `video.url`), whatever they were answered. */
  resultFile: number;
}

export type CallKind = 'submit' | 'storageInitiate' | 'storagePut' | keyof RequestCallCounts;

export interface SimulatorCalls {
  readonly submit: number;
  readonly status: number;
  /** Status-stream opens. */
  readonly stream: number;
  readonly result: number;
  readonly cancel: number;
  /** GETs of result files, whatever they were answered. */
  readonly resultFile: number;
  /** Single and multipart initiates. */
  readonly storageInitiate: number;
  /** Single uploads and multipart part uploads. */
  readonly storagePut: number;
  byRequest(requestId: string): RequestCallCounts;
  /** Every request received, oldest first (the latest 10,000). */
  readonly requests: readonly RecordedRequest[];
  reset(): void;
}

export interface SimulatorFaults {
  /** Each submit shifts one status and answers it instead of accepting. */
  submit: number[];
  /**
   * Probability (0..1) that such a call answers 503. For `stream`, half of those faults accept the
   * stream instead and destroy the socket when the event after the first is due.
   */
  rate: { status?: number; stream?: number; result?: number };
  /** Delay before answering every queue call. */
  latencyMs: number;
  /** The status stream ends cleanly after its first event, without COMPLETED. */
  streamEndsEarly: boolean;
  /** When set, cancel answers this status. */
  cancel: number | undefined;
  /** Whether a finished job's webhook is sent at all (read when the job completes). Default true. */
  webhooks: boolean;
  /** Extra deliveries of each webhook, each signed afresh (read when the job completes). Default 0. */
  webhookDuplicates: number;
  /**
   * When set, the next `times` GETs of a result file that would be served answer `status` with a
   * fal-shaped error body instead, `times` counting down (Infinity: never served). Default undefined.
   */
  resultFile: { status: number; times: number } | undefined;
}

/** One POST of a webhook to a submit's `fal_webhook` URL. */
export interface WebhookAttempt {
  /** Numbers deliveries from 1; a delivery's retries share it, duplicates and redeliveries get their own. */
  delivery: number;
  requestId: string;
  url: string;
  /** 1 for the first POST of a delivery, 2 for its first retry, ... */
  attempt: number;
  /** The answer's HTTP status; undefined on a network error or timeout. */
  status: number | undefined;
  /** Why there is no status. */
  error: string | undefined;
  /** The JSON text sent, the same for every attempt of a delivery. */
  body: string;
  /** Headers sent: Content-Type and the four X-Fal-Webhook-* signature headers. */
  headers: Record<string, string>;
  /** Epoch milliseconds when the attempt was sent. */
  at: number;
}

export interface StoredFile {
  bytes: Buffer;
  contentType: string;
  /**
   * An upload's `X-Fal-Object-Lifecycle` initiate header, parsed; for a result clip, its job's
   * `objectLifecycle`. Undefined without one.
   */
  objectLifecycle: ObjectLifecycle | undefined;
}

/** A file uploaded through the storage API (single or multipart), as `files()` lists it. */
export interface UploadedFile {
  url: string;
  contentType: string;
  size: number;
  /** The initiate call's `X-Fal-Object-Lifecycle` header, parsed; undefined without one. */
  objectLifecycle: ObjectLifecycle | undefined;
}

export interface FalSimulator {
  /** Base URL, e.g. 'http://127.0.0.1:PORT': the FAL_API_URL to use. */
  readonly url: string;
  readonly calls: SimulatorCalls;
  /** Mutable at any time. */
  readonly faults: SimulatorFaults;
  /** Decides each new job's plan at submit; undefined restores the default plan. */
  plan(fn: PlanFn | undefined): void;
  job(requestId: string): JobSnapshot | undefined;
  jobs(): JobSnapshot[];
  /** Jobs submitted and not finished (IN_QUEUE or IN_PROGRESS, paused included): what counts against a fal account's limits. */
  unfinished(): number;
  /** The highest `unfinished()` since start, updated at each submit. */
  readonly peakUnfinished: number;
  /** Releases a job paused by JobPlan.pauseAtStep; called before the job gets there, it cancels the pause. */
  resume(requestId: string): void;
  /** Resolves once predicate() is true, checked now and after every state change; rejects after timeoutMs (default 10000). */
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  /**
   * The bytes behind a file URL the simulator issued (uploads, and result clips it still serves); a
   * result clip is generated whole for this, so prefer `resultClipChunks` for a large `resultBytes`.
   */
  storedFile(url: string): StoredFile | undefined;
  /** Every file uploaded through the storage API, oldest first. */
  files(): UploadedFile[];
  /**
   * Makes a job's result file answer 404 from now on, like fal's CDN after its retention; the result
   * endpoint and webhooks still answer the same JSON. Throws when the job is unknown.
   */
  forgetResult(requestId: string): void;
  /** Where the webhook signing key is published: `${url}/.well-known/jwks.json`. */
  readonly jwksUrl: string;
  /** The user id webhooks are signed for. */
  readonly webhookUserId: string;
  /**
   * Every webhook attempt, oldest first (the latest 10,000), recorded once its answer (or error) is
   * in; each one is a change for `waitFor`.
   */
  readonly webhooks: readonly WebhookAttempt[];
  /**
   * The four X-Fal-Webhook-* headers that sign `body` for `requestId` with the simulator's key;
   * `timestamp` is in Unix seconds, default now.
   */
  signWebhook(body: string, requestId: string, timestamp?: number): Record<string, string>;
  /**
   * Sends a finished job's webhook again now, as one more delivery (retried like any other), even
   * while `faults.webhooks` is false. Throws when the job is unknown, not finished, or had no webhook URL.
   */
  redeliver(requestId: string): void;
  /** Closes every socket (open status streams, stalled result downloads and webhook deliveries included) and timer. */
  stop(): Promise<void>;
}

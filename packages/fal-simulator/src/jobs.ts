import { randomInt, randomUUID } from 'node:crypto';
import type { ResolvedPlan } from './plan.js';
import type { JobSnapshot, JobStatus, LogEntry, ObjectLifecycle, QueuePriority, ResultDownloads } from './types.js';

/** setTimeout's largest delay; a start deadline further away than this (about 24.8 days) never fires. */
const MAX_TIMER_MS = 2_147_483_647;

export interface Job {
  readonly requestId: string;
  readonly input: Record<string, unknown>;
  readonly plan: ResolvedPlan;
  readonly seed: number;
  readonly webhookUrl: string | undefined;
  readonly falHeaders: Record<string, string>;
  readonly objectLifecycle: ObjectLifecycle | undefined;
  readonly priority: QueuePriority;
  /** Seconds from submit the job must start within (x-fal-request-timeout). */
  readonly requestTimeoutSeconds: number | undefined;
  readonly submittedAt: number;
  readonly logs: LogEntry[];
  status: JobStatus;
  /** Other customers' jobs still ahead of this one (simulated; they drain one per tick). */
  ahead: number;
  step: number;
  encoded: boolean;
  paused: boolean;
  pendingPause: number | undefined;
  cancelled: boolean;
  /** It did not start within requestTimeoutSeconds and ended without running. */
  timedOut: boolean;
  startedAt: number | undefined;
  completedAt: number | undefined;
  /** forgetResult() was called: the result file answers 404. */
  resultForgotten: boolean;
  readonly resultDownloads: ResultDownloads;
  /** The step timer while running. */
  timer: NodeJS.Timeout | undefined;
  /** The start deadline while waiting (requestTimeoutSeconds). */
  deadline: NodeJS.Timeout | undefined;
  readonly listeners: Set<() => void>;
}

export type CancelOutcome = 'OK' | 'CANCELLATION_REQUESTED' | 'ALREADY_COMPLETED' | 'NOT_FOUND';

export interface JobQueueOptions {
  queueTickMs: number;
  concurrency: number;
  /** Other customers' jobs every new job finds ahead of it. */
  queueAhead: number;
  /** Called after every change of any job. */
  onChange: () => void;
  /** Called once per job, right after it turns COMPLETED (finished, failed, cancelled or timed out). */
  onComplete: (job: Job) => void;
}

/**
 * The queue and runner state machine: IN_QUEUE (every normal job before every low one, first come
 * first served within each; a job starts once it is next, a runner of `concurrency` is free and it has
 * waited queueTickMs) → IN_PROGRESS (one log line per step) → COMPLETED. A job not started within its
 * start deadline leaves the queue COMPLETED without running. Every change is announced to the job's
 * listeners and to onChange.
 */
export class JobQueue {
  private readonly jobsById = new Map<string, Job>();
  /** In start order: the normal jobs, then the low ones, each in submit order. */
  private readonly waiting: Job[] = [];
  private readonly running = new Set<Job>();
  private peak = 0;
  private tickTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: JobQueueOptions) {}

  submit(
    input: Record<string, unknown>,
    plan: ResolvedPlan,
    meta: {
      webhookUrl: string | undefined;
      falHeaders: Record<string, string>;
      objectLifecycle: ObjectLifecycle | undefined;
      priority: QueuePriority;
      requestTimeoutSeconds: number | undefined;
    },
  ): Job {
    const job: Job = {
      requestId: randomUUID(),
      input,
      plan,
      seed: typeof input.seed === 'number' ? input.seed : randomInt(0, 2_147_483_647),
      webhookUrl: meta.webhookUrl,
      falHeaders: meta.falHeaders,
      objectLifecycle: meta.objectLifecycle,
      priority: meta.priority,
      requestTimeoutSeconds: meta.requestTimeoutSeconds,
      submittedAt: Date.now(),
      logs: [],
      status: 'IN_QUEUE',
      ahead: this.options.queueAhead,
      step: 0,
      encoded: false,
      paused: false,
      pendingPause: plan.pauseAtStep,
      cancelled: false,
      timedOut: false,
      startedAt: undefined,
      completedAt: undefined,
      resultForgotten: false,
      resultDownloads: { started: 0, completed: 0, stalled: 0, aborted: 0 },
      timer: undefined,
      deadline: undefined,
      listeners: new Set(),
    };
    this.jobsById.set(job.requestId, job);
    const firstLow = job.priority === 'normal' ? this.waiting.findIndex((waiting) => waiting.priority === 'low') : -1;
    if (firstLow < 0) {
      this.waiting.push(job);
    } else {
      this.waiting.splice(firstLow, 0, job);
    }
    const deadlineMs = job.requestTimeoutSeconds === undefined ? undefined : job.requestTimeoutSeconds * 1000;
    if (deadlineMs !== undefined && deadlineMs <= MAX_TIMER_MS && !this.stopped) {
      job.deadline = setTimeout(() => this.expire(job), deadlineMs);
    }
    this.peak = Math.max(this.peak, this.unfinished());
    this.emit(job);
    // The low jobs it went ahead of are one position further back.
    if (firstLow >= 0) for (const behind of this.waiting.slice(firstLow + 1)) this.emit(behind);
    this.schedule();
    return job;
  }

  /** Jobs submitted and not finished: waiting or running (paused included). */
  unfinished(): number {
    return this.waiting.length + this.running.size;
  }

  /** The highest unfinished() reached, as of the latest submit. */
  get peakUnfinished(): number {
    return this.peak;
  }

  get(requestId: string): Job | undefined {
    return this.jobsById.get(requestId);
  }

  all(): Job[] {
    return [...this.jobsById.values()];
  }

  queuePosition(job: Job): number | undefined {
    return job.status === 'IN_QUEUE' ? this.waiting.indexOf(job) + job.ahead : undefined;
  }

  subscribe(job: Job, listener: () => void): () => void {
    job.listeners.add(listener);
    return () => job.listeners.delete(listener);
  }

  cancel(requestId: string): CancelOutcome {
    const job = this.jobsById.get(requestId);
    if (!job) return 'NOT_FOUND';
    if (job.status === 'COMPLETED') return 'ALREADY_COMPLETED';
    const wasQueued = job.status === 'IN_QUEUE';
    job.cancelled = true;
    clearTimeout(job.timer);
    job.paused = false;
    this.complete(job);
    return wasQueued ? 'OK' : 'CANCELLATION_REQUESTED';
  }

  /** Releases a paused job; called before the job reaches its pause, it cancels that pause. */
  resume(requestId: string): void {
    const job = this.jobsById.get(requestId);
    if (!job || this.stopped) return;
    job.pendingPause = undefined;
    if (!job.paused) return;
    job.paused = false;
    job.timer = setTimeout(() => this.advance(job), job.plan.stepMs);
    this.emit(job);
  }

  snapshot(job: Job): JobSnapshot {
    return {
      requestId: job.requestId,
      status: job.status,
      queuePosition: this.queuePosition(job),
      input: structuredClone(job.input),
      steps: job.plan.steps,
      step: job.step,
      stepMs: job.plan.stepMs,
      fail: job.plan.fail,
      pauseAtStep: job.plan.pauseAtStep,
      paused: job.paused,
      cancelled: job.cancelled,
      priority: job.priority,
      requestTimeoutSeconds: job.requestTimeoutSeconds,
      timedOut: job.timedOut,
      inferenceSeconds: inferenceSeconds(job),
      logs: [...job.logs],
      seed: job.seed,
      webhookUrl: job.webhookUrl,
      falHeaders: { ...job.falHeaders },
      objectLifecycle: job.objectLifecycle && structuredClone(job.objectLifecycle),
      resultBytes: job.plan.resultBytes,
      resultStall: job.plan.resultStall && { ...job.plan.resultStall },
      resultForgotten: job.resultForgotten,
      resultDownloads: { ...job.resultDownloads },
      submittedAt: job.submittedAt,
      startedAt: job.startedAt,
      completedAt: job.completedAt,
    };
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.tickTimer);
    for (const job of this.jobsById.values()) {
      clearTimeout(job.timer);
      clearTimeout(job.deadline);
    }
  }

  private schedule(): void {
    if (this.tickTimer || this.stopped) return;
    const draining = this.waiting.some((job) => job.ahead > 0);
    if (this.waiting.length === 0 || (!draining && this.running.size >= this.options.concurrency)) return;
    this.tickTimer = setTimeout(() => this.tick(), this.options.queueTickMs);
  }

  private tick(): void {
    this.tickTimer = undefined;
    for (const job of this.waiting) {
      if (job.ahead === 0) continue;
      job.ahead -= 1;
      this.emit(job);
    }
    // As many as there are free runners start at once, in queue order.
    let started = false;
    while (this.running.size < this.options.concurrency) {
      const head = this.waiting[0];
      if (!head || head.ahead > 0) break;
      // The head may have joined after this tick was armed (what was ahead of it was cancelled or timed out).
      const remaining = head.submittedAt + this.options.queueTickMs - Date.now();
      if (remaining > 0) {
        if (started) for (const job of this.waiting) this.emit(job);
        this.tickTimer = setTimeout(() => this.tick(), remaining);
        return;
      }
      this.waiting.shift();
      this.start(head);
      started = true;
    }
    if (started) for (const job of this.waiting) this.emit(job);
    this.schedule();
  }

  /** The start deadline passed while the job waited: it leaves the queue, COMPLETED without running. */
  private expire(job: Job): void {
    job.deadline = undefined;
    if (job.status !== 'IN_QUEUE' || this.stopped) return;
    job.timedOut = true;
    this.complete(job);
  }

  private start(job: Job): void {
    clearTimeout(job.deadline);
    job.deadline = undefined;
    job.status = 'IN_PROGRESS';
    job.startedAt = Date.now();
    this.running.add(job);
    this.log(job, 'Loading models');
    for (const line of job.plan.logLines) this.log(job, line);
    this.proceed(job);
  }

  private advance(job: Job): void {
    job.timer = undefined;
    if (job.step < job.plan.steps) {
      job.step += 1;
      this.log(job, `Sampling step ${job.step}/${job.plan.steps}`);
    } else if (!job.encoded) {
      job.encoded = true;
      this.log(job, 'Encoding video');
    } else {
      this.complete(job);
      return;
    }
    this.proceed(job);
  }

  private proceed(job: Job): void {
    if (!job.encoded && job.pendingPause === job.step) {
      job.pendingPause = undefined;
      job.paused = true;
    } else {
      job.timer = setTimeout(() => this.advance(job), job.plan.stepMs);
    }
    this.emit(job);
  }

  private complete(job: Job): void {
    clearTimeout(job.deadline);
    job.deadline = undefined;
    const position = this.waiting.indexOf(job);
    if (position >= 0) this.waiting.splice(position, 1);
    this.running.delete(job);
    job.status = 'COMPLETED';
    job.completedAt = Date.now();
    this.emit(job);
    if (position >= 0) for (const behind of this.waiting.slice(position)) this.emit(behind);
    this.schedule();
    this.options.onComplete(job);
  }

  private log(job: Job, message: string): void {
    job.logs.push({ message, level: 'INFO', source: 'USER', timestamp: new Date().toISOString() });
  }

  private emit(job: Job): void {
    for (const listener of [...job.listeners]) listener();
    this.options.onChange();
  }
}

/** What the COMPLETED status reports as metrics.inference_time; undefined for a job that did not run to its end. */
export function inferenceSeconds(job: Job): number | undefined {
  if (job.status !== 'COMPLETED' || job.cancelled || job.timedOut) return undefined;
  if (job.startedAt === undefined || job.completedAt === undefined) return undefined;
  return job.plan.inferenceSeconds ?? (job.completedAt - job.startedAt) / 1000;
}

import { randomInt, randomUUID } from 'node:crypto';
import type { ResolvedPlan } from './plan.js';
import type { JobSnapshot, JobStatus, LogEntry, ObjectLifecycle, ResultDownloads } from './types.js';

export interface Job {
  readonly requestId: string;
  readonly input: Record<string, unknown>;
  readonly plan: ResolvedPlan;
  readonly seed: number;
  readonly webhookUrl: string | undefined;
  readonly falHeaders: Record<string, string>;
  readonly objectLifecycle: ObjectLifecycle | undefined;
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
  startedAt: number | undefined;
  completedAt: number | undefined;
  /** forgetResult() was called: the result file answers 404. */
  resultForgotten: boolean;
  readonly resultDownloads: ResultDownloads;
  timer: NodeJS.Timeout | undefined;
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
  /** Called once per job, right after it turns COMPLETED (finished, failed or cancelled). */
  onComplete: (job: Job) => void;
}

/**
 * The queue and runner state machine: IN_QUEUE (FIFO, one position per queueTickMs) →
 * IN_PROGRESS (one log line per step) → COMPLETED. Every change is announced to the job's
 * listeners and to onChange.
 */
export class JobQueue {
  private readonly jobsById = new Map<string, Job>();
  private readonly waiting: Job[] = [];
  private readonly running = new Set<Job>();
  private tickTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: JobQueueOptions) {}

  submit(
    input: Record<string, unknown>,
    plan: ResolvedPlan,
    meta: { webhookUrl: string | undefined; falHeaders: Record<string, string>; objectLifecycle: ObjectLifecycle | undefined },
  ): Job {
    const job: Job = {
      requestId: randomUUID(),
      input,
      plan,
      seed: typeof input.seed === 'number' ? input.seed : randomInt(0, 2_147_483_647),
      webhookUrl: meta.webhookUrl,
      falHeaders: meta.falHeaders,
      objectLifecycle: meta.objectLifecycle,
      submittedAt: Date.now(),
      logs: [],
      status: 'IN_QUEUE',
      ahead: this.options.queueAhead,
      step: 0,
      encoded: false,
      paused: false,
      pendingPause: plan.pauseAtStep,
      cancelled: false,
      startedAt: undefined,
      completedAt: undefined,
      resultForgotten: false,
      resultDownloads: { started: 0, completed: 0, stalled: 0, aborted: 0 },
      timer: undefined,
      listeners: new Set(),
    };
    this.jobsById.set(job.requestId, job);
    this.waiting.push(job);
    this.emit(job);
    this.schedule();
    return job;
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
    for (const job of this.jobsById.values()) clearTimeout(job.timer);
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
    const head = this.waiting[0];
    if (!head || head.ahead > 0 || this.running.size >= this.options.concurrency) {
      this.schedule();
      return;
    }
    // The head may have joined after this tick was armed (its predecessor was cancelled).
    const remaining = head.submittedAt + this.options.queueTickMs - Date.now();
    if (remaining > 0) {
      this.tickTimer = setTimeout(() => this.tick(), remaining);
      return;
    }
    this.waiting.shift();
    this.start(head);
    for (const job of this.waiting) this.emit(job);
    this.schedule();
  }

  private start(job: Job): void {
    job.status = 'IN_PROGRESS';
    job.startedAt = Date.now();
    this.running.add(job);
    this.log(job, 'Loading models');
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

import type { AnimationEvents } from '../../ports/animation-events.js';
import type { AnimationStore } from '../../ports/animation-store.js';
import { UpstreamFailure, type Upstream, type UpstreamStatus } from '../../ports/upstream.js';
import { backoffDelay, pause } from './backoff.js';
import { isTerminal, type Animation, type LogLine, type UpstreamOutcome } from '../../domain/animation.js';
import type { AnimationRecorder } from '../animation-recorder.js';
import { unseenLogs } from '../../domain/progress.js';
import { changeFor } from '../../domain/state-machine.js';
import type { Log } from '../../ports/log.js';
import type { Telemetry } from '../../ports/telemetry.js';
import type { VideoCustody } from '../custody/video-custody.js';
import { GONE_AFTER_404S, UPSTREAM_GONE } from './upstream-gone.js';

export interface WatcherTiming {
  /** Delay between status polls while fal answers. */
  pollIntervalMs: number;
  /** Longest delay between attempts while fal fails. */
  maxBackoffMs: number;
  /** Result reads that may fail transiently before the animation is marked FAILED. */
  resultAttempts: number;
  /** Consecutive 404s to status polls after which the request is taken to be gone at fal. @default GONE_AFTER_404S */
  goneAfter404s?: number;
}

/**
 * Follows every in-flight animation upstream, exactly once per animation in this process,
 * however many clients subscribe (none included). A watcher follows fal's status stream,
 * falls back to polling with backoff when the stream fails or ends early, reads the
 * result, and records each change; a video is then copied into the gateway's keeping
 * before COMPLETED (also when fal's webhook brought the result first, or a restart
 * interrupted the copy). It stops when the animation is terminal.
 */
export class UpstreamWatchers {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();

  constructor(
    private readonly deps: {
      upstream: Upstream;
      store: AnimationStore;
      events: AnimationEvents;
      recorder: AnimationRecorder;
      /** Copies a finished animation's video before it is COMPLETED. */
      custody: VideoCustody;
      timing: WatcherTiming;
      logger: Log;
      telemetry: Telemetry;
    },
  ) {}

  /**
   * Starts watching unless already watched; the animation must have a request id.
   * Returns a promise that resolves when this watcher has let go (the animation finished,
   * or it was stopped), or undefined when no watcher was started.
   */
  watch(animation: Animation): Promise<void> | undefined {
    if (this.running.has(animation.id) || !animation.requestId || isTerminal(animation.status)) return undefined;
    const controller = new AbortController();
    // fal's webhook may bring the result while the status is still being followed.
    const resultHeard = new AbortController();
    const stopOnTerminal = this.deps.events.subscribe(animation.id, (change) => {
      if (isTerminal(change.animation.status)) controller.abort();
      if (change.animation.upstreamVideo !== null) resultHeard.abort();
    });
    const done = this.follow(animation.id, animation.requestId, controller.signal, resultHeard.signal)
      .catch((error: unknown) => this.deps.logger.warn({ animationId: animation.id, err: error }, 'watcher stopped'))
      .finally(() => {
        stopOnTerminal();
        this.running.delete(animation.id);
        this.deps.telemetry.watchStopped();
      });
    this.running.set(animation.id, { controller, done });
    this.deps.telemetry.watchStarted();
    return done;
  }

  isWatching(animationId: string): boolean {
    return this.running.has(animationId);
  }

  watchedIds(): string[] {
    return [...this.running.keys()];
  }

  /** Stops one watcher (its lease went to another replica) and waits until it has let go. */
  async stop(animationId: string): Promise<void> {
    const watcher = this.running.get(animationId);
    watcher?.controller.abort();
    await watcher?.done;
  }

  /** Stops every watcher and waits until they have let go. */
  async stopAll(): Promise<void> {
    const all = [...this.running.values()];
    for (const { controller } of all) controller.abort();
    await Promise.all(all.map(({ done }) => done));
  }

  private async follow(id: string, requestId: string, signal: AbortSignal, resultHeard: AbortSignal): Promise<void> {
    const current = await this.deps.store.get(id);
    if (!current || isTerminal(current.status)) return;
    let video = current.upstreamVideo;
    if (!video) {
      const outcome = await this.untilFinished(current, requestId, AbortSignal.any([signal, resultHeard]));
      if (signal.aborted) return;
      if (outcome) await this.deps.recorder.record(id, changeFor(outcome, new Date()));
      // Recorded just now, or by fal's webhook first.
      video = (await this.deps.store.get(id))?.upstreamVideo ?? null;
    }
    if (video && !signal.aborted) await this.deps.custody.keep(id, video, signal);
  }

  /** Follows the status until fal reports the request finished, and reads how; undefined when stopped. */
  private async untilFinished(animation: Animation, requestId: string, signal: AbortSignal): Promise<UpstreamOutcome | undefined> {
    const { upstream, store, timing } = this.deps;
    const { id } = animation;
    const known: LogLine[] = animation.logCount === 0 ? [] : await store.logs(id);
    let finished = false;

    const onStatus = async (status: UpstreamStatus) => {
      const logs = unseenLogs(known, status.logs);
      known.push(...logs);
      if (status.status === 'COMPLETED') finished = true;
      const state = status.status === 'IN_QUEUE' ? 'IN_QUEUE' : 'IN_PROGRESS';
      await this.deps.recorder.record(id, {
        type: 'progressed',
        status: state,
        queuePosition: status.queuePosition,
        logs,
        inferenceSeconds: status.inferenceSeconds,
      });
    };

    this.deps.logger.debug({ animationId: id, requestId }, 'following the status stream');
    try {
      await upstream.followStatus(requestId, onStatus, signal);
    } catch (error) {
      if (signal.aborted) return undefined;
      await this.noteTrouble(id, error);
    }
    if (!finished && !signal.aborted) this.deps.logger.debug({ animationId: id, requestId }, 'polling status');

    const goneAfter = timing.goneAfter404s ?? GONE_AFTER_404S;
    let firstNotFound = 0;
    for (let failures = 0, notFound = 0; !finished && !signal.aborted;) {
      await pause(failures === 0 ? timing.pollIntervalMs : this.backoff(failures), signal);
      if (signal.aborted) return undefined;
      try {
        await onStatus(await upstream.status(requestId, signal));
        failures = 0;
        notFound = 0;
      } catch (error) {
        if (signal.aborted) return undefined;
        failures++;
        // fal acknowledged this request, so a steady 404 means it is gone: purged, or another endpoint now.
        notFound = error instanceof UpstreamFailure && error.status === 404 ? notFound + 1 : 0;
        if (notFound === 1) firstNotFound = Date.now();
        if (notFound >= goneAfter) return this.gone(id, requestId, notFound, Date.now() - firstNotFound);
        await this.noteTrouble(id, error);
      }
    }
    if (signal.aborted) return undefined;
    const outcome = await this.readResult(id, requestId, signal);
    return signal.aborted ? undefined : outcome;
  }

  private async readResult(id: string, requestId: string, signal: AbortSignal): Promise<UpstreamOutcome | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.deps.upstream.result(requestId, signal);
      } catch (error) {
        if (signal.aborted) return undefined;
        if (!(error instanceof UpstreamFailure) || !error.transient || attempt >= this.deps.timing.resultAttempts) {
          const message = error instanceof UpstreamFailure ? error.message : 'The result could not be read.';
          return { kind: 'failed', code: 'UPSTREAM_FAILED', message };
        }
        await this.noteTrouble(id, error);
        await pause(this.backoff(attempt), signal);
      }
    }
  }

  private gone(id: string, requestId: string, answers: number, overMs: number): UpstreamOutcome {
    const seconds = Math.round(overMs / 100) / 10;
    this.deps.logger.warn(
      { animationId: id, requestId, notFoundAnswers: answers, overSeconds: seconds, code: UPSTREAM_GONE },
      'fal no longer knows the request; the animation is failed (fal purged it, or FAL_ENDPOINT is not the endpoint it was submitted to)',
    );
    return {
      kind: 'failed',
      code: UPSTREAM_GONE,
      message: `fal no longer knows this request (${answers} status checks in a row over ${seconds} s answered 404 Request not found): fal purged it, or the gateway now sends to another model endpoint.`,
    };
  }

  private backoff(failures: number): number {
    return backoffDelay(failures, this.deps.timing.pollIntervalMs, this.deps.timing.maxBackoffMs);
  }

  private async noteTrouble(id: string, error: unknown): Promise<void> {
    const message = error instanceof UpstreamFailure ? error.message : 'fal could not be reached.';
    this.deps.logger.warn({ animationId: id, err: error }, 'upstream trouble');
    await this.deps.recorder.record(id, { type: 'upstreamTrouble', message });
  }
}

import { sendingOrder } from '../../domain/fair-share.js';
import { secondsLeftToStart, type Animation } from '../../domain/animation.js';
import type { AdmissionLine, AnimationStore } from '../../ports/animation-store.js';
import type { Log } from '../../ports/log.js';
import type { AnimationRecorder } from '../animation-recorder.js';

/**
 * FAL_CONCURRENCY: how many of the account's requests may be unfinished at fal at once,
 * shared fairly between owners. Held animations wait in the gateway (IN_QUEUE, no request
 * id); whenever a slot frees, the store admits the next one fair share picks, in a
 * transaction that excludes every other admission, so the limit holds across replicas.
 * Held animations past their start deadline end TIMED_OUT without ever being sent.
 */
/** A held animation's queuePosition: 1 + the held ones that go first (it waits for at least one slot to free). */
function positionFor(ahead: number): number {
  return 1 + ahead;
}

export class Admission {
  private running: Promise<Animation[]> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: {
      store: AnimationStore;
      recorder: AnimationRecorder;
      logger: Log;
      /** Requests the account may have unfinished at fal at once. */
      limit: number;
      /** How often every replica looks for slots freed elsewhere. */
      tickMs: number;
      /** Sends an admitted animation that nobody waits for (another owner's, or a freed slot's). */
      sendInBackground: (animation: Animation) => void;
      now?: () => Date;
    },
  ) {}

  /**
   * Admits held animations while slots are free, updates the positions of those still held,
   * and ends the ones past their deadline. Resolves with the animations admitted; the caller
   * sends them. Calls overlapping a run are folded into one more run after it, which sends
   * what it admits itself (they resolve with none).
   */
  fill(): Promise<Animation[]> {
    if (this.running) {
      this.again = true;
      return this.running.then(() => []);
    }
    const run = this.runOnce().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.fillInBackground();
      }
    });
    this.running = run;
    return run;
  }

  /** Fills free slots and sends what it admitted; for triggers nobody waits on. */
  fillInBackground(): void {
    this.fill().then(
      (admitted) => admitted.forEach((animation) => this.deps.sendInBackground(animation)),
      (err: unknown) => this.deps.logger.warn({ err }, 'admission failed'),
    );
  }

  start(): void {
    const tick = () => {
      this.fillInBackground();
      this.timer = setTimeout(tick, this.deps.tickMs).unref();
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private async runOnce(): Promise<Animation[]> {
    const { store, limit } = this.deps;
    const admitted: Animation[] = [];
    for (;;) {
      const next = await store.admit(limit, this.now().toISOString(), (line) => this.order(line)[0]?.id);
      if (!next) break;
      admitted.push(next);
    }
    const line = await store.admissionLine();
    for (const animation of line.held) {
      if (!this.inTime(animation)) await this.expire(animation);
    }
    for (const [ahead, animation] of this.order(line).entries()) {
      const position = positionFor(ahead);
      // A position only moves up: most held animations keep theirs, and need no transaction.
      if (animation.queuePosition !== null && animation.queuePosition <= position) continue;
      await this.deps.recorder.record(animation.id, { type: 'movedUp', queuePosition: position });
    }
    return admitted;
  }

  /** Where a just-uploaded animation joins the line. */
  async placeOf(animation: Animation): Promise<number> {
    const line = await this.deps.store.admissionLine();
    const ahead = this.order({ ...line, held: [...line.held, animation] }).findIndex((held) => held.id === animation.id);
    return positionFor(ahead);
  }

  /** The held animations still in time, in the order they will be sent. */
  private order(line: AdmissionLine): Animation[] {
    return sendingOrder(
      line.held.filter((animation) => this.inTime(animation)),
      line.atFal,
    );
  }

  /** Ends a held animation whose deadline passed; nothing was sent. */
  private async expire(animation: Animation): Promise<void> {
    await this.deps.recorder.record(animation.id, {
      type: 'failed',
      error: {
        code: 'TIMED_OUT',
        message: `It did not start within its startTimeout of ${animation.startTimeout} s; it was never sent to fal.`,
      },
    });
  }

  private inTime(animation: Animation): boolean {
    return (secondsLeftToStart(animation, this.now()) ?? 1) > 0;
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }
}

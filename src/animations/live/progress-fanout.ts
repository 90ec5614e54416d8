import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { AnimationEvents } from '../../ports/animation-events.js';
import type { AnimationStore } from '../../ports/animation-store.js';
import { isTerminal, type Animation, type AnimationChange, type AnimationLog, type AnimationStatus } from '../../domain/animation.js';

export interface ProgressEvent {
  status: AnimationStatus;
  queuePosition: number | null;
  progress: number | null;
  newLogs: AnimationLog[];
  animation: Animation;
  /**
   * Set when every follower at the same point gets this same event (a recorded change, or
   * a snapshot of the latest state), so it may be executed and serialised once for all;
   * undefined for an event made for one follower alone (a catch-up after a missed change).
   */
  shareKey: string | undefined;
}

/** One follower of an animation: a subscription on some transport. */
export interface FanoutMember {
  deliver(event: ProgressEvent): void;
  /** The animation is finished (after its terminal event), or the feed failed. */
  complete(error?: unknown): void;
}

export interface FanoutHooks {
  onError: (error: unknown) => void;
  /** A change reached `members` members `latencyMs` after it was recorded. */
  onDelivered?: (latencyMs: number, members: number) => void;
  /** A member joined a feed, or left it (finished, failed or stopped). */
  onJoined?: () => void;
  onLeft?: () => void;
}

/** Members are served in slices, so a fan-out to thousands leaves room for other work. */
const SLICE = 500;

interface MemberState {
  /** Version and log count of what the member has been sent; -1 before its snapshot. */
  version: number;
  logCount: number;
}

/** The animation as of the last change this channel handled, with every line: what a new member is sent first. */
interface Latest {
  animation: Animation;
  logs: AnimationLog[];
}

/**
 * Live feeds of animations, shared: one event-bus listener per animation however many
 * follow it. Each member first gets a snapshot with every log line so far, then one event
 * per recorded change with only the lines it has not had, then completes after a terminal
 * status. Members that missed a change (a gap in versions) are caught up from the store.
 */
export class ProgressFanout {
  private readonly channels = new Map<string, Channel>();

  constructor(
    private readonly store: AnimationStore,
    private readonly events: AnimationEvents,
    private readonly hooks: FanoutHooks,
  ) {}

  /** Starts feeding `member`; returns a function that stops it. */
  join(animationId: string, member: FanoutMember): () => void {
    let channel = this.channels.get(animationId);
    if (!channel) {
      channel = new Channel(animationId, this.store, this.hooks, () => this.channels.delete(animationId));
      channel.listen(this.events);
      this.channels.set(animationId, channel);
    }
    return channel.add(member);
  }
}

class Channel {
  private readonly members = new Map<FanoutMember, MemberState>();
  private work: Promise<void> = Promise.resolve();
  private unsubscribe: () => void = () => undefined;
  private latest: Latest | undefined;

  constructor(
    private readonly animationId: string,
    private readonly store: AnimationStore,
    private readonly hooks: FanoutHooks,
    private readonly onEmpty: () => void,
  ) {}

  listen(events: AnimationEvents): void {
    this.unsubscribe = events.subscribe(this.animationId, (change) => this.enqueue(() => this.broadcast(change)));
  }

  add(member: FanoutMember): () => void {
    // Joined before its snapshot is taken, so no change can fall between the two.
    this.members.set(member, { version: -1, logCount: 0 });
    this.hooks.onJoined?.();
    this.enqueue(() => this.welcome(member));
    return () => this.remove(member);
  }

  private remove(member: FanoutMember): void {
    if (!this.members.delete(member)) return;
    this.hooks.onLeft?.();
    if (this.members.size > 0) return;
    this.unsubscribe();
    this.onEmpty();
  }

  private enqueue(task: () => Promise<void>): void {
    this.work = this.work.then(task).catch((error: unknown) => {
      this.hooks.onError(error);
      this.latest = undefined;
      for (const member of [...this.members.keys()]) this.finish(member, error);
    });
  }

  /** A new member's snapshot: the latest state this channel knows, read from the store the first time. */
  private async welcome(member: FanoutMember): Promise<void> {
    const state = this.members.get(member);
    if (!state) return;
    this.latest ??= await this.read(0);
    if (!this.latest) return this.finish(member);
    const { animation, logs } = this.latest;
    state.version = animation.version;
    state.logCount = animation.logCount;
    member.deliver(toEvent(animation, logs, `${this.animationId}:snapshot:${animation.version}`));
    if (isTerminal(animation.status)) this.finish(member);
  }

  private async broadcast(change: AnimationChange): Promise<void> {
    const { animation, newLogs } = change;
    if (this.latest && animation.version === this.latest.animation.version + 1) {
      this.latest = { animation, logs: [...this.latest.logs, ...newLogs] };
    } else if (!this.latest || animation.version > this.latest.animation.version) {
      this.latest = undefined;
    }
    const event = toEvent(animation, newLogs, `${this.animationId}:change:${animation.version}`);
    let served = 0;
    let delivered = 0;
    for (const [member, state] of [...this.members]) {
      if (state.version < 0 || state.version >= animation.version || !this.members.has(member)) continue;
      if (state.version === animation.version - 1) {
        state.version = animation.version;
        state.logCount = animation.logCount;
        member.deliver(event);
        delivered++;
        if (isTerminal(animation.status)) this.finish(member);
      } else {
        // This member missed a change on the way: read what was recorded instead.
        await this.catchUp(member, state);
      }
      if (++served % SLICE === 0) await yieldToEventLoop();
    }
    if (delivered > 0) this.hooks.onDelivered?.(Date.now() - Date.parse(animation.updatedAt), delivered);
  }

  private async catchUp(member: FanoutMember, state: MemberState): Promise<void> {
    const caughtUp = await this.read(state.logCount);
    if (!caughtUp || !this.members.has(member)) return caughtUp ? undefined : this.finish(member);
    state.version = caughtUp.animation.version;
    state.logCount = caughtUp.animation.logCount;
    member.deliver(toEvent(caughtUp.animation, caughtUp.logs, undefined));
    if (isTerminal(caughtUp.animation.status)) this.finish(member);
  }

  /** The recorded animation and its lines after `afterSeq`, consistent with each other. */
  private async read(afterSeq: number): Promise<Latest | undefined> {
    const animation = await this.store.get(this.animationId);
    if (!animation) return undefined;
    // Lines recorded after the animation was read belong to a later change: leave them to it.
    const logs = (await this.store.logs(this.animationId, afterSeq)).filter((log) => log.seq <= animation.logCount);
    return { animation, logs };
  }

  private finish(member: FanoutMember, error?: unknown): void {
    member.complete(error);
    this.remove(member);
  }
}

function toEvent(animation: Animation, newLogs: AnimationLog[], shareKey: string | undefined): ProgressEvent {
  return {
    status: animation.status,
    queuePosition: animation.queuePosition,
    progress: animation.progress,
    newLogs,
    animation,
    shareKey,
  };
}

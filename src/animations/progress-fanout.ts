import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { AnimationEvents } from '../ports/animation-events.js';
import type { AnimationStore } from '../ports/animation-store.js';
import { isTerminal, type Animation, type AnimationChange, type AnimationLog, type AnimationStatus } from './model.js';

export interface ProgressEvent {
  status: AnimationStatus;
  queuePosition: number | null;
  progress: number | null;
  newLogs: AnimationLog[];
  animation: Animation;
}

/** One follower of an animation: a subscription on some transport. */
export interface FanoutMember {
  /**
   * Sends one event. `sharedVersion` is set when every member in step gets this same event
   * (the recorded change of that version), so a transport may serialise it once for all;
   * it is undefined for an event made for this member alone (its snapshot, a catch-up).
   */
  deliver(event: ProgressEvent, sharedVersion: number | undefined): void | Promise<void>;
  /** The animation is finished (after its terminal event), or the feed failed. */
  complete(error?: unknown): void;
}

export interface FanoutHooks {
  onError: (error: unknown) => void;
  /** A change reached a member `latencyMs` after it was recorded. */
  onDelivered?: (latencyMs: number) => void;
}

/** Members are served in slices, so a fan-out to thousands leaves room for other work. */
const SLICE = 500;

interface MemberState {
  version: number;
  logCount: number;
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
  private readonly members = new Map<FanoutMember, MemberState | undefined>();
  private work: Promise<void> = Promise.resolve();
  private unsubscribe: () => void = () => undefined;

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
    // Joined before its snapshot is read, so no change can fall between the two.
    this.members.set(member, undefined);
    this.enqueue(() => this.catchUp(member, 0));
    return () => this.remove(member);
  }

  private remove(member: FanoutMember): void {
    if (!this.members.delete(member) || this.members.size > 0) return;
    this.unsubscribe();
    this.onEmpty();
  }

  private enqueue(task: () => Promise<void>): void {
    this.work = this.work.then(task).catch((error: unknown) => {
      this.hooks.onError(error);
      for (const member of [...this.members.keys()]) this.finish(member, error);
    });
  }

  private async broadcast(change: AnimationChange): Promise<void> {
    const { animation } = change;
    const event = toEvent(animation, change.newLogs);
    let served = 0;
    for (const [member, state] of [...this.members]) {
      if (!state || state.version >= animation.version || !this.members.has(member)) continue;
      if (state.version === animation.version - 1) {
        this.members.set(member, { version: animation.version, logCount: animation.logCount });
        await member.deliver(event, animation.version);
        this.hooks.onDelivered?.(Date.now() - Date.parse(animation.updatedAt));
        if (isTerminal(animation.status)) this.finish(member);
      } else {
        // This member missed a change on the way: read what was recorded instead.
        await this.catchUp(member, state.logCount);
      }
      if (++served % SLICE === 0) await yieldToEventLoop();
    }
  }

  private async catchUp(member: FanoutMember, afterSeq: number): Promise<void> {
    if (!this.members.has(member)) return;
    const animation = await this.store.get(this.animationId);
    if (!animation) return this.finish(member);
    // Lines recorded after the animation was read belong to a later change: leave them to it.
    const logs = (await this.store.logs(this.animationId, afterSeq)).filter((log) => log.seq <= animation.logCount);
    if (!this.members.has(member)) return;
    this.members.set(member, { version: animation.version, logCount: animation.logCount });
    await member.deliver(toEvent(animation, logs), undefined);
    if (isTerminal(animation.status)) this.finish(member);
  }

  private finish(member: FanoutMember, error?: unknown): void {
    member.complete(error);
    this.remove(member);
  }
}

function toEvent(animation: Animation, newLogs: AnimationLog[]): ProgressEvent {
  return {
    status: animation.status,
    queuePosition: animation.queuePosition,
    progress: animation.progress,
    newLogs,
    animation,
  };
}

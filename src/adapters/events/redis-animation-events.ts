import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { AnimationChange } from '../../domain/animation.js';
import type { AnimationEvents } from '../../ports/animation-events.js';
import { InProcessAnimationEvents } from './in-process-animation-events.js';

export interface RedisEventsOptions {
  url: string;
  /** Prefix of every channel, so several deployments (or test runs) can share one Redis. */
  prefix: string;
  onError: (error: Error) => void;
  /** Longest a readiness ping may take. @default 2000 */
  pingTimeoutMs?: number;
}

interface Envelope {
  origin: string;
  change: AnimationChange;
}

/** Changes whose publish failed, kept to send when Redis is back (the newest per animation). */
const MAX_UNSENT = 10_000;
/** How long Redis keeps each animation's latest change, for replicas that reconnect: far longer than any outage it bridges. */
const LATEST_TTL_MS = 600_000;
/** Keys read per MGET when catching up after a reconnection. */
const CATCH_UP_BATCH = 500;

/**
 * Sets KEYS[1] to ARGV[2] (prefixed with its version ARGV[1]) and publishes ARGV[2] on
 * KEYS[2], unless Redis already holds that animation's change of this version or a later
 * one (a change sent again after a reconnection, which everyone has had).
 */
const PUBLISH_LATEST = `
local current = redis.call('GET', KEYS[1])
if current then
  local version = tonumber(string.match(current, '^(%d+):'))
  if version and version >= tonumber(ARGV[1]) then return -1 end
end
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. ARGV[2], 'PX', ARGV[3])
return redis.call('PUBLISH', KEYS[2], ARGV[2])
`;

type PublishingRedis = Redis & {
  publishLatest(key: string, channel: string, version: number, envelope: string, ttlMs: number): Promise<number>;
};

/**
 * Shares changes between replicas through Redis pub/sub: one channel per animation, which
 * this process listens to only while it has listeners for that animation. Its own changes
 * reach its own listeners at once and are skipped when Redis echoes them back.
 *
 * Pub/sub keeps nothing, so a change published while Redis (or a replica's connection to
 * it) is down would reach nobody: Redis also keeps each animation's latest change for a
 * while (`LATEST_TTL_MS`). A change whose publish failed is sent again once Redis is back;
 * every time both connections are back, this process subscribes its channels again and
 * reads the latest change of each animation it listens to. A subscriber that missed
 * changes then sees a version gap and reads what it missed from the store. Changes already
 * seen here are not delivered twice.
 */
export class RedisAnimationEvents implements AnimationEvents {
  private readonly origin = randomUUID();
  private readonly local = new InProcessAnimationEvents();
  private readonly listening = new Map<string, number>();
  /** The latest change known here of each animation listened to. */
  private readonly latest = new Map<string, AnimationChange>();
  private readonly unsent = new Map<string, AnimationChange>();
  private readonly publisher: PublishingRedis;
  private readonly subscriber: Redis;
  private started = false;
  private closing = false;
  /** Connections (or publishing) that reported an error since they were last ready: one report per outage. */
  private readonly troubled = new Set<unknown>();

  private constructor(private readonly options: RedisEventsOptions) {
    // No offline queue: while disconnected, a command fails at once rather than piling up;
    // what matters is sent again, or read, on reconnection.
    this.publisher = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false }) as PublishingRedis;
    this.publisher.defineCommand('publishLatest', { numberOfKeys: 2, lua: PUBLISH_LATEST });
    this.subscriber = new Redis(options.url, { lazyConnect: true, autoResubscribe: false, enableOfflineQueue: false });
    for (const connection of [this.publisher, this.subscriber]) {
      connection.on('error', (error: Error) => this.report(connection, error));
      connection.on('ready', () => {
        this.troubled.delete(connection);
        if (connection === this.publisher) this.troubled.delete('publish');
        if (this.started) this.resync();
      });
    }
    this.subscriber.on('messageBuffer', (_channel: Buffer, message: Buffer) => this.receive(message.toString('utf8')));
  }

  /** Connects both Redis connections; throws when Redis cannot be reached. */
  static async connect(options: RedisEventsOptions): Promise<RedisAnimationEvents> {
    const events = new RedisAnimationEvents(options);
    try {
      await Promise.all([events.publisher.connect(), events.subscriber.connect()]);
    } catch (error) {
      events.publisher.disconnect();
      events.subscriber.disconnect();
      throw error;
    }
    events.started = true;
    return events;
  }

  publish(change: AnimationChange): void {
    this.local.publish(change);
    if (this.listening.has(change.animation.id)) this.remember(change);
    this.send(change).catch((error: unknown) => {
      this.keepUnsent(change);
      this.report('publish', error as Error);
    });
  }

  subscribe(animationId: string, listener: (change: AnimationChange) => void): () => void {
    const unsubscribe = this.local.subscribe(animationId, listener);
    const count = (this.listening.get(animationId) ?? 0) + 1;
    this.listening.set(animationId, count);
    // While disconnected this fails; the channel is subscribed on reconnection.
    if (count === 1 && this.subscriber.status === 'ready') {
      this.subscriber.subscribe(this.channel(animationId)).catch((error: unknown) => this.report(this.subscriber, error as Error));
    }
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      unsubscribe();
      const left = (this.listening.get(animationId) ?? 1) - 1;
      if (left > 0) return void this.listening.set(animationId, left);
      this.listening.delete(animationId);
      this.latest.delete(animationId);
      if (this.subscriber.status === 'ready') this.subscriber.unsubscribe(this.channel(animationId)).catch(() => undefined);
    };
  }

  /** True only while both connections are up and Redis answers within the bound. */
  async ping(): Promise<boolean> {
    if (this.publisher.status !== 'ready' || this.subscriber.status !== 'ready') return false;
    let timer: NodeJS.Timeout | undefined;
    try {
      const answer = await Promise.race([
        this.publisher.ping(),
        new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.options.pingTimeoutMs ?? 2_000))),
      ]);
      return answer === 'PONG';
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.local.close();
    await Promise.all([this.publisher.quit(), this.subscriber.quit()]).catch(() => {
      this.publisher.disconnect();
      this.subscriber.disconnect();
    });
  }

  /**
   * After a reconnection, once both connections are up: sends what could not be sent,
   * subscribes every channel again, then reads each animation's latest change. A change
   * published after the subscription arrives as a message; one published before it is read.
   */
  private resync(): void {
    if (this.closing || this.publisher.status !== 'ready' || this.subscriber.status !== 'ready') return;
    const unsent = [...this.unsent.values()];
    this.unsent.clear();
    for (const change of unsent) this.send(change).catch(() => this.keepUnsent(change));
    const ids = [...this.listening.keys()];
    if (ids.length === 0) return;
    void (async () => {
      await this.subscriber.subscribe(...ids.map((id) => this.channel(id)));
      for (let from = 0; from < ids.length; from += CATCH_UP_BATCH) {
        const batch = ids.slice(from, from + CATCH_UP_BATCH);
        const values = await this.publisher.mget(...batch.map((id) => this.latestKey(id)));
        for (const value of values) {
          const separator = value?.indexOf(':') ?? -1;
          if (value && separator > 0) this.receive(value.slice(separator + 1), true);
        }
      }
    })().catch((error: unknown) => this.report(this.subscriber, error as Error));
  }

  private send(change: AnimationChange): Promise<number> {
    const id = change.animation.id;
    const envelope: Envelope = { origin: this.origin, change };
    return this.publisher.publishLatest(
      this.latestKey(id),
      this.channel(id),
      change.animation.version,
      JSON.stringify(envelope),
      LATEST_TTL_MS,
    );
  }

  /** Keeps the newest change of each animation listened to; true when `change` is newer than what was known. */
  private remember(change: AnimationChange): boolean {
    const known = this.latest.get(change.animation.id);
    if (known && known.animation.version >= change.animation.version) return false;
    this.latest.set(change.animation.id, change);
    return true;
  }

  private keepUnsent(change: AnimationChange): void {
    const known = this.unsent.get(change.animation.id);
    if (known && known.animation.version >= change.animation.version) return;
    this.unsent.delete(change.animation.id);
    this.unsent.set(change.animation.id, change);
    if (this.unsent.size > MAX_UNSENT) this.unsent.delete(this.unsent.keys().next().value!);
  }

  /** A change from Redis; `stored` when read back after a reconnection (possibly this process's own). */
  private receive(message: string, stored = false): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(message) as Envelope;
    } catch {
      return;
    }
    if (envelope.origin === this.origin && !stored) return;
    const id = envelope.change.animation.id;
    if (!this.listening.has(id)) return;
    if (this.remember(envelope.change)) this.local.publish(envelope.change);
  }

  private report(source: unknown, error: Error): void {
    if (this.closing || this.troubled.has(source)) return;
    this.troubled.add(source);
    this.options.onError(error);
  }

  private latestKey(animationId: string): string {
    return `${this.options.prefix}latest:${animationId}`;
  }

  private channel(animationId: string): string {
    return `${this.options.prefix}animation:${animationId}`;
  }
}

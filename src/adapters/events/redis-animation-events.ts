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
}

interface Envelope {
  origin: string;
  change: AnimationChange;
}

/**
 * Shares changes between replicas through Redis pub/sub: one channel per animation, which
 * this process listens to only while it has listeners for that animation. Its own changes
 * reach its own listeners at once and are skipped when Redis echoes them back.
 */
export class RedisAnimationEvents implements AnimationEvents {
  private readonly origin = randomUUID();
  private readonly local = new InProcessAnimationEvents();
  private readonly listening = new Map<string, number>();
  private readonly publisher: Redis;
  private readonly subscriber: Redis;

  private constructor(private readonly options: RedisEventsOptions) {
    this.publisher = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: 3 });
    this.subscriber = new Redis(options.url, { lazyConnect: true });
    for (const connection of [this.publisher, this.subscriber]) connection.on('error', options.onError);
    this.subscriber.on('messageBuffer', (_channel: Buffer, message: Buffer) => this.receive(message));
  }

  /** Connects both Redis connections; throws when Redis cannot be reached. */
  static async connect(options: RedisEventsOptions): Promise<RedisAnimationEvents> {
    const events = new RedisAnimationEvents(options);
    await Promise.all([events.publisher.connect(), events.subscriber.connect()]);
    return events;
  }

  publish(change: AnimationChange): void {
    this.local.publish(change);
    const envelope: Envelope = { origin: this.origin, change };
    this.publisher.publish(this.channel(change.animation.id), JSON.stringify(envelope)).catch(this.options.onError);
  }

  subscribe(animationId: string, listener: (change: AnimationChange) => void): () => void {
    const unsubscribe = this.local.subscribe(animationId, listener);
    const count = (this.listening.get(animationId) ?? 0) + 1;
    this.listening.set(animationId, count);
    if (count === 1) this.subscriber.subscribe(this.channel(animationId)).catch(this.options.onError);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      unsubscribe();
      const left = (this.listening.get(animationId) ?? 1) - 1;
      if (left > 0) return void this.listening.set(animationId, left);
      this.listening.delete(animationId);
      this.subscriber.unsubscribe(this.channel(animationId)).catch(this.options.onError);
    };
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.publisher.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.local.close();
    await Promise.all([this.publisher.quit(), this.subscriber.quit()]).catch(() => undefined);
  }

  private receive(message: Buffer): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(message.toString('utf8')) as Envelope;
    } catch {
      return;
    }
    if (envelope.origin !== this.origin) this.local.publish(envelope.change);
  }

  private channel(animationId: string): string {
    return `${this.options.prefix}animation:${animationId}`;
  }
}

import type { PublicVideo } from '../custody/media-links.js';
import type { AnimationStore } from '../../ports/animation-store.js';
import type { WebhookSender } from '../../ports/webhook-sender.js';
import { backoffDelay, pause } from '../upstream/backoff.js';
import type { Animation } from '../../domain/animation.js';
import type { Log } from '../../ports/log.js';

export interface WebhookTiming {
  /** Attempts per animation, the first included. */
  maxAttempts: number;
  /** Delay before the first retry; it doubles after each failure. */
  retryBaseMs: number;
  /** Longest delay between attempts. */
  maxRetryMs: number;
}

/**
 * Tells an owner's server that an animation finished: POSTs it, signed, to its webhookUrl,
 * retrying with backoff until a 2xx or the last attempt, recording every attempt. The
 * message id stays the same across attempts, so receivers can drop duplicates.
 */
export class WebhookNotifier {
  private readonly running = new Map<string, Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly deps: {
      store: AnimationStore;
      sender: WebhookSender;
      logger: Log;
      /** The id clients know the animation by. */
      publicId: (animation: Animation) => string;
      /** The video as its owner sees it; its URL is signed afresh for every attempt. */
      publicVideo: (animation: Animation) => PublicVideo | null;
      timing: WebhookTiming;
    },
  ) {}

  /** Starts delivering a finished animation's webhook, unless it has none or is already being delivered. */
  notify(animation: Animation): void {
    if (!animation.webhookUrl || this.running.has(animation.id) || this.stopping.signal.aborted) return;
    const delivery = this.deliver(animation, animation.webhookUrl)
      .catch((err: unknown) => this.deps.logger.warn({ animationId: animation.id, err }, 'webhook delivery stopped'))
      .finally(() => this.running.delete(animation.id));
    this.running.set(animation.id, delivery);
  }

  /** Resumes deliveries a previous run left unfinished. */
  async resume(): Promise<void> {
    for (const animation of await this.deps.store.listUndeliveredWebhooks()) this.notify(animation);
  }

  /** Stops retrying; deliveries resume at the next start. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.all(this.running.values());
  }

  private async deliver(animation: Animation, url: string): Promise<void> {
    const { store, sender, timing } = this.deps;
    const payload = JSON.stringify(this.payloadOf(animation));
    const messageId = `msg_${animation.id}`;
    const done = await store.webhookDeliveries(animation.id);
    for (let attempt = done.length + 1; attempt <= timing.maxAttempts; attempt++) {
      if (attempt > 1) await pause(backoffDelay(attempt - 2, timing.retryBaseMs, timing.maxRetryMs), this.stopping.signal);
      if (this.stopping.signal.aborted) return;
      const result = await sender.send(url, messageId, payload);
      const succeeded = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
      await store.recordWebhookDelivery(animation.id, { attempt, ...result, succeeded, at: new Date().toISOString() });
      this.deps.logger.info({ animationId: animation.id, attempt, statusCode: result.statusCode, succeeded }, 'webhook attempt');
      if (succeeded) return;
    }
  }

  private payloadOf(animation: Animation) {
    return {
      type: `animation.${animation.status.toLowerCase()}`,
      timestamp: animation.completedAt ?? animation.updatedAt,
      data: {
        id: this.deps.publicId(animation),
        requestId: animation.requestId,
        status: animation.status,
        prompt: animation.prompt,
        video: this.deps.publicVideo(animation),
        error: animation.error,
        createdAt: animation.createdAt,
        completedAt: animation.completedAt,
      },
    };
  }
}

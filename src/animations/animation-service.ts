import { randomUUID } from 'node:crypto';
import type { AnimationEvents } from '../ports/animation-events.js';
import { InvalidCursorError, type AnimationStore, type Page, type Usage } from '../ports/animation-store.js';
import { UpstreamFailure, type CancelAnswer, type Upstream } from '../ports/upstream.js';
import { badUserInput, notFound, rateLimited, upstreamError } from '../domain/errors.js';
import {
  isKept,
  isTerminal,
  secondsLeftToStart,
  type Animation,
  type KeptVideo,
  type AnimationLog,
  type AnimationStatus,
  type UpstreamOutcome,
  type WebhookDelivery,
} from '../domain/animation.js';
import { ProgressFanout, type ProgressEvent } from './live/progress-fanout.js';
import { progressFeed } from './live/progress-feed.js';
import type { AnimationRecorder } from './animation-recorder.js';
import { resolveMedia, type MediaSource } from './input/media.js';
import { changeFor } from '../domain/state-machine.js';
import { NO_TELEMETRY, type Telemetry } from '../ports/telemetry.js';
import { inputHash, validateCreateInput, validateWebhookUrl } from './input/validation.js';
import type { Log } from '../ports/log.js';
import type { MediaLinks, PublicVideo } from './custody/media-links.js';
import type { VideoCustody } from './custody/video-custody.js';
import { Admission } from './admission/admission.js';

export interface AnimationServiceOptions {
  /** Longest time a submit may wait for fal; older SUBMITTING rows are failed. */
  submitTimeoutMs: number;
  /** How often SUBMITTING animations older than the submit timeout are looked for. */
  submitSweepMs: number;
  /** Largest page `list` returns. */
  maxPageSize: number;
  /** Where fal should POST when a request finishes, if anywhere. */
  falWebhookUrl?: string;
  /** Animations one owner may have unfinished at once. */
  maxActiveAnimations: number;
  /** Animations one owner may create per rolling hour. */
  maxAnimationsPerHour: number;
  /** Largest reference image, uploaded or as a data: URI. */
  maxImageBytes: number;
  /** Largest driving video, uploaded or as a data: URI. */
  maxVideoBytes: number;
  /** Lets webhooks go to loopback, private and link-local addresses, and over plain http. */
  allowPrivateWebhooks: boolean;
  /** Whether owners' webhooks can be signed and sent (a signing secret is configured). */
  webhooksEnabled: boolean;
  /** FAL_CONCURRENCY: requests the account may have unfinished at fal at once; undefined: no limit. */
  falConcurrency: number | undefined;
  /** How often each replica looks for slots at fal freed elsewhere. */
  admissionTickMs: number;
  /** GPU seconds an owner's animations of the last 24 hours may use before new ones are refused; undefined: no cap. */
  maxInferenceSecondsPerDay: number | undefined;
}

const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** A hint only: how long an animation typically takes to finish. */
const UNFINISHED_RETRY_AFTER_SECONDS = 30;

function secondsUntil(epochMs: number, now: Date): number {
  return Math.max(1, Math.ceil((epochMs - now.getTime()) / 1000));
}

/**
 * The application: creating, reading, listing, cancelling and following animations for
 * an owner. Every method checks ownership: another owner's animation is NOT_FOUND,
 * exactly like a missing one.
 */
export class AnimationService {
  private readonly fanout: ProgressFanout;
  /** Present when FAL_CONCURRENCY limits what may be at fal at once. */
  private readonly admission: Admission | undefined;
  private sweep: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: {
      store: AnimationStore;
      events: AnimationEvents;
      upstream: Upstream;
      recorder: AnimationRecorder;
      /** Keeps results; erases everything of a deleted animation. */
      custody: VideoCustody;
      /** Signed URLs of kept videos. */
      links: MediaLinks;
      /** Starts following an animation upstream (once, cluster-wide). */
      watchers: { watch(animation: Animation): void };
      logger: Log;
      options: AnimationServiceOptions;
      telemetry?: Telemetry;
      now?: () => Date;
    },
  ) {
    this.fanout = new ProgressFanout(deps.store, deps.events, {
      onError: (err) => deps.logger.warn({ err }, 'progress feed failed'),
      onDelivered: (latencyMs) => this.telemetry().delivered(latencyMs),
      onJoined: () => this.telemetry().feedOpened(),
      onLeft: () => this.telemetry().feedClosed(),
    });
    const { falConcurrency, admissionTickMs } = deps.options;
    if (falConcurrency !== undefined) {
      const admission = new Admission({
        store: deps.store,
        recorder: deps.recorder,
        logger: deps.logger,
        limit: falConcurrency,
        tickMs: admissionTickMs,
        sendInBackground: (animation) => this.sendInBackground(animation),
        now: deps.now,
      });
      deps.recorder.onLineMoved(() => admission.fillInBackground());
      this.admission = admission;
    }
  }

  /** `reqId` is the caller's request id, for the log lines this writes. */
  async create(owner: string, request: Record<string, unknown>, reqId?: string): Promise<Animation> {
    const fields = validateCreateInput(request);
    const idempotencyKey = validateIdempotencyKey(request.idempotencyKey);
    const webhookUrl = validateWebhookUrl(request.webhookUrl, this.deps.options);
    const limits = this.deps.options;
    const media = {
      image: await resolveMedia('image', IMAGE_FIELDS, fields.imageUrl, request.image as Blob | null, limits),
      video: await resolveMedia('video', VIDEO_FIELDS, fields.videoUrl, request.video as Blob | null, limits),
    };
    // Uploaded bytes get a new fal URL each time, so a repeat is recognised by their digest.
    const hash = inputHash({ ...fields, imageUrl: identity(media.image), videoUrl: identity(media.video), webhookUrl });
    const now = this.now();
    const outcome = await this.deps.store.insert(
      {
        ...fields,
        imageUrl: placeholder(media.image),
        videoUrl: placeholder(media.video),
        id: randomUUID(),
        owner,
        requestId: null,
        status: 'SUBMITTING',
        queuePosition: null,
        progress: null,
        upstreamError: null,
        video: null,
        upstreamVideo: null,
        // Held for a slot at fal when there is a limit; otherwise it takes one at once.
        admittedAt: this.admission ? null : now.toISOString(),
        inferenceSeconds: null,
        error: null,
        idempotencyKey,
        inputHash: hash,
        webhookUrl,
        createdAt: now.toISOString(),
        completedAt: null,
      },
      {
        maxUnfinished: this.deps.options.maxActiveAnimations,
        maxInWindow: this.deps.options.maxAnimationsPerHour,
        windowStart: new Date(now.getTime() - HOUR_MS).toISOString(),
        maxInferenceSeconds: this.deps.options.maxInferenceSecondsPerDay,
        dayStart: new Date(now.getTime() - DAY_MS).toISOString(),
      },
    );
    switch (outcome.kind) {
      case 'created': {
        const uploaded = await this.upload(outcome.animation, media);
        return this.admission ? this.holdThenSend(uploaded, reqId) : this.submit(uploaded, reqId);
      }
      case 'existing':
        if (outcome.animation.inputHash !== hash) {
          throw badUserInput([{ field: 'idempotencyKey', message: 'was already used with a different input' }], {
            detail: 'IDEMPOTENCY_KEY_REUSED',
          });
        }
        return outcome.animation;
      case 'overQuota':
        throw this.refusal(outcome.limit, outcome.oldestInWindow, now);
    }
  }

  async usage(owner: string, since: string | null): Promise<Usage> {
    return this.deps.store.usage(owner, new Date(since ?? 0).toISOString());
  }

  async get(owner: string, id: string): Promise<Animation | undefined> {
    const animation = await this.deps.store.get(id);
    return animation?.owner === owner ? animation : undefined;
  }

  async list(owner: string, args: { first?: number | null; after?: string | null; status?: AnimationStatus | null }): Promise<Page> {
    const first = args.first ?? 20;
    if (first < 0) throw badUserInput([{ field: 'first', message: 'must not be negative' }]);
    try {
      return await this.deps.store.list(owner, {
        first: Math.min(first, this.deps.options.maxPageSize),
        after: args.after ?? null,
        status: args.status ?? null,
      });
    } catch (error) {
      if (error instanceof InvalidCursorError) throw badUserInput([{ field: 'after', message: 'is not a cursor from this list' }]);
      throw error;
    }
  }

  logs(animation: Animation): Promise<AnimationLog[]> {
    return this.deps.store.logs(animation.id);
  }

  webhookDeliveries(animation: Animation): Promise<WebhookDelivery[]> {
    return this.deps.store.webhookDeliveries(animation.id);
  }

  statusHistory(animation: Animation): Promise<{ status: AnimationStatus; at: string }[]> {
    return this.deps.store.statusHistory(animation.id);
  }

  /** The video as its owner sees it, with a fresh signed URL. */
  videoFile(animation: Animation): PublicVideo | null {
    return this.deps.links.videoOf(animation);
  }

  /** The kept video stored under `key` and its owner; the media route checks the URL's signature against them. */
  async keptVideo(key: string): Promise<{ owner: string; video: KeptVideo } | undefined> {
    const animation = await this.deps.store.get(key.slice(0, key.indexOf('/')));
    const video = animation?.video;
    return animation && video && isKept(video) && video.key === key ? { owner: animation.owner, video } : undefined;
  }

  /**
   * Follows an animation live, as an iterator over its shared feed; throws NOT_FOUND
   * before the first event when it is not the owner's.
   */
  async follow(owner: string, id: string): Promise<AsyncIterableIterator<ProgressEvent>> {
    if (!(await this.get(owner, id))) throw notFound();
    return progressFeed((member) => this.fanout.join(id, member));
  }

  async cancel(owner: string, id: string): Promise<Animation> {
    const animation = await this.get(owner, id);
    if (!animation) throw notFound();
    if (isTerminal(animation.status)) return animation;
    // Still SUBMITTING: recorded as cancelled now; the submit cancels upstream once fal answers.
    // fal says it already finished: the watcher records how. fal does not know it: nothing runs, so CANCELLED here.
    const answer = animation.requestId ? await this.cancelUpstream(animation.requestId) : 'accepted';
    if (answer === 'finished') return (await this.deps.store.get(id)) ?? animation;
    if (answer === 'unknown') this.deps.logger.info({ animationId: id, requestId: animation.requestId }, 'fal does not know it; cancelled');
    const recorded = await this.deps.recorder.record(id, { type: 'cancelled' });
    return recorded?.animation ?? (await this.deps.store.get(id)) ?? animation;
  }

  /**
   * Deletes an animation with its logs, history and kept files, cancelling it at fal first
   * when it is unfinished. Deleting it again answers the same; another owner's id is
   * NOT_FOUND like a missing one.
   */
  async delete(owner: string, id: string): Promise<string> {
    const animation = await this.get(owner, id);
    if (!animation) {
      if (await this.deps.store.wasDeleted(id, owner)) return id;
      throw notFound();
    }
    if (!isTerminal(animation.status)) {
      if (animation.requestId) await this.cancelUpstream(animation.requestId);
      // Stops its watcher, and a copy under way, before the files go.
      await this.deps.recorder.record(id, { type: 'cancelled' });
    }
    await this.deps.custody.erase(animation);
    this.deps.logger.info({ animationId: id }, 'animation deleted');
    return id;
  }

  private async cancelUpstream(requestId: string): Promise<CancelAnswer> {
    try {
      return await this.deps.upstream.cancel(requestId);
    } catch (error) {
      if (error instanceof UpstreamFailure) throw upstreamError('fal did not accept the cancellation.', error.status);
      throw error;
    }
  }

  /**
   * Records how a request ended, as fal's webhook reports it, without waiting for the
   * watcher. Returns false for a request id no animation has. Applying the same outcome
   * twice changes nothing the second time.
   */
  async finishFromWebhook(requestId: string, outcome: UpstreamOutcome): Promise<boolean> {
    const animation = await this.deps.store.findByRequestId(requestId);
    if (!animation) return false;
    await this.deps.recorder.record(animation.id, changeFor(outcome, this.now()));
    return true;
  }

  /**
   * Picks up after a restart: watches every in-flight animation again and resolves
   * SUBMITTING rows fal never confirmed, then keeps resolving them while it runs.
   */
  async start(): Promise<void> {
    for (const animation of await this.deps.store.listUnfinished()) {
      if (animation.status === 'SUBMITTING') continue;
      this.deps.watchers.watch(animation);
    }
    await this.failUnconfirmedSubmissions();
    this.admission?.start();
    this.sweep = setInterval(() => {
      this.failUnconfirmedSubmissions().catch((err: unknown) => this.deps.logger.error({ err }, 'submit sweep failed'));
    }, this.deps.options.submitSweepMs);
    this.sweep.unref();
  }

  stop(): void {
    clearInterval(this.sweep);
    this.admission?.stop();
  }

  /**
   * A SUBMITTING row older than the submit timeout means the gateway stopped between
   * recording the animation and hearing back from fal. It is marked FAILED rather than
   * submitted again, so nobody pays twice for one request.
   */
  async failUnconfirmedSubmissions(): Promise<number> {
    const cutoff = this.now().getTime() - this.deps.options.submitTimeoutMs;
    let failed = 0;
    for (const animation of await this.deps.store.listUnfinished()) {
      // Admitted for a slot at fal (with FAL_CONCURRENCY) but never confirmed: the same case.
      const sentAt = animation.status === 'SUBMITTING' ? animation.createdAt : animation.requestId === null ? animation.admittedAt : null;
      if (sentAt === null || Date.parse(sentAt) > cutoff) continue;
      const recorded = await this.deps.recorder.record(animation.id, {
        type: 'failed',
        error: {
          code: 'SUBMIT_UNCONFIRMED',
          message: 'The gateway stopped before fal confirmed the submission; it was not submitted again.',
        },
      });
      if (recorded) failed++;
    }
    return failed;
  }

  private refusal(limit: 'unfinished' | 'window' | 'inference', oldestInWindow: string | null, now: Date) {
    const { maxActiveAnimations, maxAnimationsPerHour, maxInferenceSecondsPerDay } = this.deps.options;
    const oldest = Date.parse(oldestInWindow ?? now.toISOString());
    switch (limit) {
      case 'unfinished':
        return rateLimited(`At most ${maxActiveAnimations} animations may be unfinished at once.`, UNFINISHED_RETRY_AFTER_SECONDS);
      case 'window':
        return rateLimited(`At most ${maxAnimationsPerHour} animations may be created per hour.`, secondsUntil(oldest + HOUR_MS, now));
      case 'inference':
        return rateLimited(
          `Your animations of the last 24 hours used ${maxInferenceSecondsPerDay} seconds of GPU time, the daily limit.`,
          secondsUntil(oldest + DAY_MS, now),
        );
    }
  }

  /** With FAL_CONCURRENCY: held until fair share gives it a slot; sent now when it gets one at once. */
  private async holdThenSend(animation: Animation, reqId: string | undefined): Promise<Animation> {
    if (animation.status !== 'SUBMITTING') return animation;
    await this.deps.recorder.record(animation.id, { type: 'held', queuePosition: await this.admission!.placeOf(animation) });
    let mine: Animation | undefined;
    for (const admitted of await this.admission!.fill()) {
      if (admitted.id === animation.id) mine = admitted;
      else this.sendInBackground(admitted);
    }
    return mine ? this.submit(mine, reqId) : ((await this.deps.store.get(animation.id)) ?? animation);
  }

  /** Sends an admitted animation nobody waits on; a refusal is recorded on it. */
  private sendInBackground(animation: Animation): void {
    this.submit(animation, undefined).catch((err: unknown) => this.deps.logger.warn({ animationId: animation.id, err }, 'submit failed'));
  }

  /** Puts uploaded files and data: URIs in fal storage, so fal always receives URLs. */
  private async upload(animation: Animation, media: { image: MediaSource; video: MediaSource }): Promise<Animation> {
    if (media.image.kind === 'url' && media.video.kind === 'url') return animation;
    let urls: { imageUrl: string; videoUrl: string };
    try {
      const [imageUrl, videoUrl] = await Promise.all([this.storedUrl(media.image), this.storedUrl(media.video)]);
      urls = { imageUrl, videoUrl };
    } catch (error) {
      if (!(error instanceof UpstreamFailure)) throw error;
      await this.recordRefusal(animation, error);
      throw upstreamError('fal storage did not accept the files.', error.status);
    }
    const recorded = await this.deps.recorder.record(animation.id, { type: 'mediaUploaded', ...urls });
    return recorded?.animation ?? { ...animation, ...urls };
  }

  private storedUrl(source: MediaSource): Promise<string> {
    return source.kind === 'url' ? Promise.resolve(source.url) : this.deps.upstream.upload(source.file);
  }

  private async submit(animation: Animation, reqId: string | undefined): Promise<Animation> {
    const { upstream, recorder, logger, options } = this.deps;
    const secondsLeft = secondsLeftToStart(animation, this.now());
    // fal needs more than a second to be worth asking; a deadline that close is missed already.
    if (secondsLeft !== undefined && secondsLeft <= 1) {
      const recorded = await recorder.record(animation.id, {
        type: 'failed',
        error: { code: 'TIMED_OUT', message: `It could not be sent within its startTimeout of ${animation.startTimeout} s.` },
      });
      return recorded?.animation ?? animation;
    }
    try {
      // The row exists before this call, so a crash here leaves a trace the start-up sweep resolves.
      const { requestId, queuePosition } = await upstream.submit(animation, {
        webhookUrl: options.falWebhookUrl,
        priority: animation.priority === 'LOW' ? 'low' : 'normal',
        startTimeoutSeconds: secondsLeft === undefined ? undefined : Math.ceil(secondsLeft),
        signal: AbortSignal.timeout(options.submitTimeoutMs),
      });
      this.telemetry().submitted('accepted');
      const recorded = await recorder.record(animation.id, { type: 'submitted', requestId, queuePosition });
      if (recorded) {
        this.deps.watchers.watch(recorded.animation);
        logger.info({ reqId, animationId: animation.id, falRequestId: requestId }, 'submitted');
        return recorded.animation;
      }
      // Cancelled (or timed out) while fal was answering: fal must not run it.
      await upstream.cancel(requestId).catch((error: unknown) => {
        logger.warn({ animationId: animation.id, err: error }, 'cancel after late submit failed');
      });
      return (await this.deps.store.get(animation.id)) ?? animation;
    } catch (error) {
      if (!(error instanceof UpstreamFailure)) throw error;
      this.telemetry().submitted(error.status === undefined ? 'unconfirmed' : 'refused');
      await this.recordRefusal(animation, error);
      if (error.status === 422 && error.fieldErrors.length > 0) throw badUserInput(error.fieldErrors);
      throw upstreamError(`fal did not accept the animation (${error.status ?? 'unreachable'}).`, error.status);
    }
  }

  private async recordRefusal(animation: Animation, error: UpstreamFailure): Promise<void> {
    await this.deps.recorder.record(animation.id, {
      type: 'failed',
      error: { code: refusalCode(error), message: error.message },
    });
    // A refused request may be retried with the same key once fixed.
    if (animation.idempotencyKey) await this.deps.store.releaseIdempotencyKey(animation.id);
  }

  private telemetry(): Telemetry {
    return this.deps.telemetry ?? NO_TELEMETRY;
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }
}

const IMAGE_FIELDS = { urlField: 'imageUrl', fileField: 'image' };
const VIDEO_FIELDS = { urlField: 'videoUrl', fileField: 'video' };

function identity(source: MediaSource): string {
  return source.kind === 'url' ? source.url : `sha256:${source.digest}`;
}

/** What imageUrl/videoUrl say until the upload to fal storage is done. */
function placeholder(source: MediaSource): string {
  return source.kind === 'url' ? source.url : `upload:${source.file.name}`;
}

/** Without an HTTP status fal never answered, so it may or may not have queued the request. */
function refusalCode(error: UpstreamFailure): string {
  if (error.status === 422) return 'UPSTREAM_REJECTED';
  return error.status === undefined ? 'SUBMIT_UNCONFIRMED' : 'UPSTREAM_ERROR';
}

function validateIdempotencyKey(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw badUserInput([{ field: 'idempotencyKey', message: `must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters` }]);
  }
  return value;
}

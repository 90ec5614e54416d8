import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { isKept, type Animation, type KeptVideo, type VideoFile } from '../../domain/animation.js';
import { SNIFF_BYTES, sniffType } from '../../domain/media-type.js';
import { gatewayLogLine } from '../../domain/state-machine.js';
import type { AnimationStore } from '../../ports/animation-store.js';
import type { Log } from '../../ports/log.js';
import type { MediaStore } from '../../ports/media-store.js';
import type { AnimationRecorder } from '../animation-recorder.js';
import { backoffDelay, pause } from '../upstream/backoff.js';

export interface CustodyOptions {
  /** Downloads of fal's file that may fail before the animation is FAILED with RESULT_UNAVAILABLE. */
  attempts: number;
  /** First delay between attempts; it grows to `maxBackoffMs`. */
  retryBaseMs: number;
  maxBackoffMs: number;
  /** Largest video copied; a bigger one fails the animation with RESULT_INVALID. */
  maxBytes: number;
  /** Days a kept video lives after completion; undefined: until deleted. */
  retentionDays: number | undefined;
}

/** Why one copy attempt failed. `final` problems are in the file itself: trying again cannot help. */
class CopyProblem extends Error {
  constructor(
    message: string,
    readonly source: 'fal' | 'store',
    readonly final = false,
  ) {
    super(message);
  }
}

const DAY_MS = 86_400_000;

/** Where an animation's files are in the media store. */
export function mediaPrefix(animationId: string): string {
  return `${animationId}/`;
}

/**
 * Takes custody of a result: streams fal's video into the media store (never whole in
 * memory, size-capped, its type read from the bytes), then records COMPLETED with the
 * kept copy. Runs under the watcher's lease, so once per animation in the cluster, and
 * again from the start after a restart. Fetch failures are retried with backoff and end
 * the animation FAILED (RESULT_UNAVAILABLE) when the attempts are used up; a failing
 * media store is retried for as long as it takes, since the result is already paid for.
 */
export class VideoCustody {
  constructor(
    private readonly deps: {
      media: MediaStore;
      store: AnimationStore;
      recorder: AnimationRecorder;
      logger: Log;
      options: CustodyOptions;
      fetch?: typeof fetch;
      now?: () => Date;
    },
  ) {}

  /** Resolves when the animation is COMPLETED or FAILED, or at once when `signal` aborts. */
  async keep(animationId: string, video: VideoFile, signal: AbortSignal): Promise<void> {
    const { options, logger } = this.deps;
    for (let attempt = 1, storeFailures = 0; ;) {
      let kept: KeptVideo;
      try {
        kept = await this.copy(animationId, video, signal);
      } catch (error) {
        if (signal.aborted) return;
        const problem = error instanceof CopyProblem ? error : new CopyProblem('the media store failed', 'store');
        logger.warn({ animationId, err: error, attempt }, 'copying the video failed');
        if (problem.final) return this.fail(animationId, 'RESULT_INVALID', `fal's video cannot be kept: ${problem.message}.`);
        if (problem.source === 'fal' && attempt >= options.attempts) {
          return this.fail(
            animationId,
            'RESULT_UNAVAILABLE',
            `fal's video could not be fetched (${problem.message}, ${attempt} attempts).`,
          );
        }
        const failures = problem.source === 'fal' ? attempt++ : ++storeFailures;
        const delayMs = backoffDelay(failures, options.retryBaseMs, options.maxBackoffMs);
        await this.note(animationId, `Saving the video failed (${problem.message}); trying again in ${Math.ceil(delayMs / 1000)} s`);
        await pause(delayMs, signal);
        if (signal.aborted) return;
        continue;
      }
      const recorded = await this.deps.recorder.record(animationId, { type: 'completed', video: kept });
      if (!recorded) await this.discardUnless(animationId, kept.key);
      return;
    }
  }

  /**
   * Removes an animation and everything of it: its files in the media store first (so a
   * failure leaves the record, and deleting again finishes the job), then its records.
   */
  async erase(animation: Animation): Promise<void> {
    await this.discard(animation.id);
    await this.deps.store.delete(animation.id, animation.owner, this.now().toISOString());
  }

  private discard(animationId: string): Promise<number> {
    return this.deps.media.deleteAll(mediaPrefix(animationId));
  }

  private async copy(animationId: string, video: VideoFile, signal: AbortSignal): Promise<KeptVideo> {
    const { maxBytes } = this.deps.options;
    let response: Response;
    try {
      // fal's files are public; the fal key is never sent with this request.
      response = await (this.deps.fetch ?? fetch)(video.url, { signal, redirect: 'follow' });
    } catch {
      throw new CopyProblem("fal's file could not be reached", 'fal');
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel().catch(() => undefined);
      throw new CopyProblem(`fal's file answered ${response.status}`, 'fal');
    }
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > maxBytes) {
      await response.body.cancel().catch(() => undefined);
      throw new CopyProblem(`it is larger than ${maxBytes} bytes`, 'fal', true);
    }

    const chunks = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>)[Symbol.asyncIterator]();
    let sourceProblem: CopyProblem | undefined;
    const next = async (): Promise<Buffer | undefined> => {
      try {
        const { value, done } = await chunks.next();
        return done ? undefined : Buffer.from(value as Uint8Array);
      } catch {
        throw (sourceProblem = new CopyProblem("fal's file stopped before its end", 'fal'));
      }
    };
    let head = Buffer.alloc(0);
    for (let chunk = await next(); chunk; chunk = head.length < SNIFF_BYTES ? await next() : undefined) head = Buffer.concat([head, chunk]);
    const type = sniffType(head.subarray(0, SNIFF_BYTES));
    if (type?.kind !== 'video') {
      await chunks.return?.();
      throw new CopyProblem('it is not an MP4, WebM or QuickTime video', 'fal', true);
    }

    const hash = createHash('sha256');
    let size = 0;
    const counted = (chunk: Buffer): Buffer => {
      size += chunk.length;
      if (size > maxBytes) throw (sourceProblem = new CopyProblem(`it is larger than ${maxBytes} bytes`, 'fal', true));
      hash.update(chunk);
      return chunk;
    };
    async function* bytes(): AsyncGenerator<Buffer> {
      try {
        yield counted(head);
        for (let chunk = await next(); chunk; chunk = await next()) yield counted(chunk);
      } finally {
        await chunks.return?.();
      }
    }
    const fileName = keptFileName(animationId, video.fileName, type.mime);
    const key = `${mediaPrefix(animationId)}${fileName}`;
    try {
      await this.deps.media.put(key, Readable.from(bytes()), type.mime);
    } catch (error) {
      throw sourceProblem ?? (signal.aborted ? error : new CopyProblem('the media store failed', 'store'));
    }
    const now = this.now();
    const { retentionDays } = this.deps.options;
    return {
      key,
      contentType: type.mime,
      fileName,
      fileSize: size,
      sha256: hash.digest('hex'),
      expiresAt: retentionDays === undefined ? null : new Date(now.getTime() + retentionDays * DAY_MS).toISOString(),
    };
  }

  /** A copy nobody recorded (the animation was deleted or ended meanwhile) is not kept. */
  private async discardUnless(animationId: string, key: string): Promise<void> {
    const current = await this.deps.store.get(animationId);
    const video = current?.video;
    if (current?.status === 'COMPLETED' && video && isKept(video) && video.key === key) return;
    await this.discard(animationId);
  }

  private async fail(animationId: string, code: string, message: string): Promise<void> {
    await this.deps.recorder.record(animationId, {
      type: 'failed',
      error: { code, message },
      logs: [gatewayLogLine(`The video could not be saved: ${message}`, 'ERROR', this.now())],
    });
  }

  private async note(animationId: string, message: string): Promise<void> {
    await this.deps.recorder.record(animationId, { type: 'noted', logs: [gatewayLogLine(message, 'WARN', this.now())] });
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }
}

const EXTENSIONS: Record<string, string> = { 'video/mp4': 'mp4', 'video/webm': 'webm', 'video/quicktime': 'mov' };

/** fal's file name when it is a plain one, with the extension of the type the bytes have. */
function keptFileName(animationId: string, reported: string | null, mime: string): string {
  const stem = reported && /^[\w.-]{1,100}$/.test(reported) ? reported.replace(/\.[^.]*$/, '') : animationId;
  return `${stem || animationId}.${EXTENSIONS[mime] ?? 'mp4'}`;
}

import { createHmac, timingSafeEqual } from 'node:crypto';
import { isKept, type Animation } from '../../domain/animation.js';

export const MEDIA_PATH = '/media/';

/** A video as clients see it. */
export interface PublicVideo {
  url: string;
  contentType: string | null;
  fileName: string | null;
  fileSize: number | null;
  expiresAt: string | null;
}

/** What a media URL's query must prove: a signature over the key, its owner and the expiry, not yet expired. */
export type LinkVerdict = 'valid' | 'expired' | 'forged';

/**
 * Signed, expiring URLs of kept videos: `<origin>/media/<animation id>/<file>?expires=<unix
 * seconds>&signature=<HMAC-SHA256, base64url>`. The signature covers the file, its owner
 * and the expiry, so a URL opens one file of one owner until it expires.
 */
export class MediaLinks {
  private origin: string | undefined;

  constructor(
    private readonly options: {
      /** Secret. */
      secret: string;
      ttlSeconds: number;
      /** PUBLIC_URL; when unset the server's URL is used once it listens. */
      publicUrl: string | undefined;
      now?: () => number;
    },
  ) {
    this.origin = options.publicUrl;
  }

  /** The server's own URL, used when no public URL is configured. */
  serveFrom(serverUrl: string): void {
    this.origin ??= serverUrl;
  }

  /** The animation's video with a fresh URL (fal's own, for animations completed before the gateway kept results). */
  videoOf(animation: Animation): PublicVideo | null {
    const { video, owner } = animation;
    if (!video) return null;
    if (!isKept(video)) return { ...video, expiresAt: null };
    return {
      url: this.urlFor(video.key, owner),
      contentType: video.contentType,
      fileName: video.fileName,
      fileSize: video.fileSize,
      expiresAt: video.expiresAt,
    };
  }

  urlFor(key: string, owner: string): string {
    if (!this.origin) throw new Error('media URLs are asked for before the server listens');
    const expires = Math.ceil(this.nowMs() / 1000) + this.options.ttlSeconds;
    return `${this.origin}${MEDIA_PATH}${key.split('/').map(encodeURIComponent).join('/')}?expires=${expires}&signature=${this.sign(key, owner, expires)}`;
  }

  /** The key a media path names, or undefined when it names none. */
  keyOf(pathname: string): string | undefined {
    if (!pathname.startsWith(MEDIA_PATH)) return undefined;
    try {
      const key = pathname.slice(MEDIA_PATH.length).split('/').map(decodeURIComponent).join('/');
      return /^[\w-]+\/[\w.-]+$/.test(key) ? key : undefined;
    } catch {
      return undefined;
    }
  }

  /** Whether the query's signature is this key's for this owner; `expired` is only said of an authentic URL. */
  verify(key: string, owner: string, query: URLSearchParams): LinkVerdict {
    const expires = Number(query.get('expires'));
    const signature = query.get('signature') ?? '';
    if (!Number.isSafeInteger(expires)) return 'forged';
    const expected = Buffer.from(this.sign(key, owner, expires));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'forged';
    return expires * 1000 < this.nowMs() ? 'expired' : 'valid';
  }

  /** Seconds the URL in `query` stays valid (for Cache-Control). */
  secondsLeft(query: URLSearchParams): number {
    return Math.max(0, Number(query.get('expires')) - Math.floor(this.nowMs() / 1000));
  }

  private sign(key: string, owner: string, expires: number): string {
    return createHmac('sha256', this.options.secret).update(`media-v1\n${key}\n${owner}\n${expires}`).digest('base64url');
  }

  private nowMs(): number {
    return this.options.now?.() ?? Date.now();
  }
}

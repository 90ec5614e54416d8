import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { UpstreamOutcome } from '../../domain/animation.js';
import type { UpstreamWebhooks, WebhookVerdict } from '../../ports/upstream.js';
import { errorSummary, outcomeOfError, outcomeOfOutput, type Scrub } from './fal-outcomes.js';

export interface FalWebhookOptions {
  /** JWKS with fal's Ed25519 webhook keys. */
  jwksUrl: string;
  scrub: Scrub;
  /**
   * The fal account's user id, as fal sends it in `X-Fal-Webhook-User-Id`: a delivery signed for
   * another user is refused. Unchecked when undefined.
   */
  userId?: string;
  /** Largest clock difference accepted, in seconds. @default 300 */
  toleranceSeconds?: number;
  /** How long fetched keys are trusted. @default 24 h */
  keysTtlMs?: number;
  /** Wait after a failed fetch of the keys before the next; it doubles per failure, up to a minute. @default 5000 */
  fetchRetryMs?: number;
  now?: () => number;
}

const HEADERS = {
  requestId: 'x-fal-webhook-request-id',
  userId: 'x-fal-webhook-user-id',
  timestamp: 'x-fal-webhook-timestamp',
  signature: 'x-fal-webhook-signature',
} as const;

/**
 * Keys may rotate: when no cached key verifies, fetch again, but not more often than this; failed
 * fetches back off up to it too. Whatever arrives, fal's key set is asked at most once a minute
 * once a fetch has succeeded, and a few times a minute while it fails: forged deliveries cannot
 * turn into outbound calls.
 */
const REFETCH_AFTER_MS = 60_000;

interface KeySet {
  list: KeyObject[];
  fetchedAt: number;
}

/**
 * fal's webhooks: an Ed25519 signature (hex) over `request id \n user id \n timestamp \n
 * hex(sha256(body))`, checked against the keys of a JWKS, within a clock tolerance. The signed
 * request id header must name the body's `request_id` (the outcome applies to it), and the user
 * id header must be the account's when it is known. Whatever can be refused without keys is
 * refused before any key is fetched.
 */
export class FalWebhooks implements UpstreamWebhooks {
  private keys: KeySet | undefined;
  /** When the last fetch of the keys started or ended, and how many failed in a row since the last success. */
  private lastFetchAt: number | undefined;
  private failedFetches = 0;
  private fetching: Promise<KeySet | undefined> | undefined;
  private readonly toleranceSeconds: number;
  private readonly keysTtlMs: number;
  private readonly fetchRetryMs: number;
  private readonly now: () => number;

  constructor(private readonly options: FalWebhookOptions) {
    this.toleranceSeconds = options.toleranceSeconds ?? 300;
    this.keysTtlMs = options.keysTtlMs ?? 24 * 3_600_000;
    this.fetchRetryMs = options.fetchRetryMs ?? 5_000;
    this.now = options.now ?? Date.now;
  }

  async verify(headers: Record<string, string | string[] | undefined>, rawBody: Uint8Array): Promise<WebhookVerdict> {
    const header = (name: string) => (typeof headers[name] === 'string' ? (headers[name] as string) : undefined);
    const requestId = header(HEADERS.requestId);
    const userId = header(HEADERS.userId);
    const timestamp = header(HEADERS.timestamp);
    const signatureHex = header(HEADERS.signature);
    if (!requestId || !userId || !timestamp || !signatureHex) return 'invalid';
    if (!/^\d{1,12}$/.test(timestamp) || Math.abs(this.now() / 1000 - Number(timestamp)) > this.toleranceSeconds) return 'invalid';
    if (!/^[0-9a-f]{128}$/i.test(signatureHex)) return 'invalid';
    if (this.options.userId !== undefined && userId !== this.options.userId) return 'invalid';
    if (bodyRequestId(rawBody) !== requestId) return 'invalid';

    const bodyDigest = createHash('sha256').update(rawBody).digest('hex');
    const message = Buffer.from(`${requestId}\n${userId}\n${timestamp}\n${bodyDigest}`, 'utf8');
    const signature = Buffer.from(signatureHex, 'hex');
    const verifies = (keys: KeySet) => keys.list.some((key) => verify(null, message, key, signature));

    const cached = this.keys;
    if (cached && this.now() - cached.fetchedAt <= this.keysTtlMs && verifies(cached)) return 'valid';
    // No keys yet, expired ones, or none that verifies (fal may have rotated them): fetch, if not fetched too recently.
    const current = await this.refreshedKeys();
    if (!current) return 'unavailable';
    return verifies(current) ? 'valid' : 'invalid';
  }

  parse(rawBody: Uint8Array): { requestId: string; outcome: UpstreamOutcome } | undefined {
    let body: { request_id?: unknown; status?: unknown; payload?: unknown; error?: unknown };
    try {
      body = (JSON.parse(Buffer.from(rawBody).toString('utf8')) ?? {}) as typeof body;
    } catch {
      return undefined;
    }
    if (typeof body.request_id !== 'string') return undefined;
    if (body.status === 'OK') {
      // A payload fal could not serialise: leave the outcome to the watcher's result read.
      return body.payload ? { requestId: body.request_id, outcome: outcomeOfOutput(body.payload, this.options.scrub) } : undefined;
    }
    if (body.status !== 'ERROR') return undefined;
    const status = Number(/\b(\d{3})\b/.exec(String(body.error ?? ''))?.[1] ?? 500);
    const answer = { status, body: body.payload, userTimeout: false };
    // A webhook reports fal's final answer, so even a 5xx here is how the request ended.
    const outcome = outcomeOfError(answer, this.options.scrub) ?? {
      kind: 'failed' as const,
      code: 'UPSTREAM_FAILED',
      message: errorSummary(status, body.payload, this.options.scrub),
    };
    return { requestId: body.request_id, outcome };
  }

  /**
   * The keys after fetching them again, or the keys as they are (however old) while a fetch is
   * not due: a minute after a successful fetch, or fetchRetryMs after a failed one, doubling per
   * failure up to a minute. Concurrent callers share one fetch.
   */
  private refreshedKeys(): Promise<KeySet | undefined> {
    if (this.fetching) return this.fetching;
    const wait =
      this.failedFetches === 0 ? REFETCH_AFTER_MS : Math.min(REFETCH_AFTER_MS, this.fetchRetryMs * 2 ** (this.failedFetches - 1));
    const due = this.lastFetchAt === undefined || this.now() - this.lastFetchAt >= wait;
    if (!due) return Promise.resolve(this.keys);
    this.lastFetchAt = this.now();
    this.fetching = this.fetchKeys().finally(() => {
      this.lastFetchAt = this.now();
      this.fetching = undefined;
    });
    return this.fetching;
  }

  private async fetchKeys(): Promise<KeySet | undefined> {
    try {
      const response = await fetch(this.options.jwksUrl, { signal: AbortSignal.timeout(5_000) });
      if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
      const { keys } = (await response.json()) as { keys?: unknown[] };
      const list = (Array.isArray(keys) ? keys : []).flatMap((jwk) => {
        const key = jwk as { kty?: string; crv?: string };
        if (key.kty !== 'OKP' || key.crv !== 'Ed25519') return [];
        try {
          return [createPublicKey({ key: jwk as never, format: 'jwk' })];
        } catch {
          return [];
        }
      });
      if (list.length === 0) throw new Error('JWKS has no Ed25519 key');
      this.keys = { list, fetchedAt: this.now() };
      this.failedFetches = 0;
    } catch {
      // Keep serving from the previous keys, however old, while the JWKS is unreachable.
      this.failedFetches++;
    }
    return this.keys;
  }
}

/** The body's `request_id`, or undefined when the body is not a JSON object with one. */
function bodyRequestId(rawBody: Uint8Array): string | undefined {
  try {
    const body = JSON.parse(Buffer.from(rawBody).toString('utf8')) as { request_id?: unknown } | null;
    return typeof body?.request_id === 'string' ? body.request_id : undefined;
  } catch {
    return undefined;
  }
}

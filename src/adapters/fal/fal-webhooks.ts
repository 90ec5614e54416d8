import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { UpstreamOutcome } from '../../domain/animation.js';
import type { UpstreamWebhooks, WebhookVerdict } from '../../ports/upstream.js';
import { errorSummary, outcomeOfError, outcomeOfOutput, type Scrub } from './fal-outcomes.js';

export interface FalWebhookOptions {
  /** JWKS with fal's Ed25519 webhook keys. */
  jwksUrl: string;
  scrub: Scrub;
  /** Largest clock difference accepted, in seconds. @default 300 */
  toleranceSeconds?: number;
  /** How long fetched keys are trusted. @default 24 h */
  keysTtlMs?: number;
  now?: () => number;
}

const HEADERS = {
  requestId: 'x-fal-webhook-request-id',
  userId: 'x-fal-webhook-user-id',
  timestamp: 'x-fal-webhook-timestamp',
  signature: 'x-fal-webhook-signature',
} as const;

/** Keys may rotate: when no cached key verifies, fetch again, but not more often than this. */
const REFETCH_AFTER_MS = 60_000;

/**
 * fal's webhooks: an Ed25519 signature (hex) over `request id \n user id \n timestamp \n
 * hex(sha256(body))`, checked against the keys of a JWKS, within a clock tolerance.
 */
export class FalWebhooks implements UpstreamWebhooks {
  private keys: { list: KeyObject[]; fetchedAt: number } | undefined;
  private readonly toleranceSeconds: number;
  private readonly keysTtlMs: number;
  private readonly now: () => number;

  constructor(private readonly options: FalWebhookOptions) {
    this.toleranceSeconds = options.toleranceSeconds ?? 300;
    this.keysTtlMs = options.keysTtlMs ?? 24 * 3_600_000;
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

    const bodyDigest = createHash('sha256').update(rawBody).digest('hex');
    const message = Buffer.from(`${requestId}\n${userId}\n${timestamp}\n${bodyDigest}`, 'utf8');
    const signature = Buffer.from(signatureHex, 'hex');
    const verifies = (keys: KeyObject[]) => keys.some((key) => verify(null, message, key, signature));

    const cached = await this.currentKeys(false);
    if (cached && verifies(cached.list)) return 'valid';
    if (cached && this.now() - cached.fetchedAt < REFETCH_AFTER_MS) return 'invalid';
    const fresh = await this.currentKeys(true);
    if (!fresh) return 'unavailable';
    return verifies(fresh.list) ? 'valid' : 'invalid';
  }

  parse(rawBody: Uint8Array): { requestId: string; outcome: UpstreamOutcome } | undefined {
    let body: { request_id?: unknown; status?: unknown; payload?: unknown; error?: unknown };
    try {
      body = JSON.parse(Buffer.from(rawBody).toString('utf8')) as typeof body;
    } catch {
      return undefined;
    }
    if (typeof body.request_id !== 'string') return undefined;
    if (body.status === 'OK') {
      // A payload fal could not serialise: leave the outcome to the watcher's result read.
      return body.payload ? { requestId: body.request_id, outcome: outcomeOfOutput(body.payload) } : undefined;
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

  private async currentKeys(refresh: boolean): Promise<{ list: KeyObject[]; fetchedAt: number } | undefined> {
    const stale = !this.keys || this.now() - this.keys.fetchedAt > this.keysTtlMs;
    if (!refresh && !stale) return this.keys;
    try {
      const response = await fetch(this.options.jwksUrl, { signal: AbortSignal.timeout(5_000) });
      if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
      const { keys } = (await response.json()) as { keys?: unknown[] };
      const list = (keys ?? []).flatMap((jwk) => {
        const key = jwk as { kty?: string; crv?: string };
        if (key.kty !== 'OKP' || key.crv !== 'Ed25519') return [];
        try {
          return [createPublicKey({ key: jwk as never, format: 'jwk' })];
        } catch {
          return [];
        }
      });
      this.keys = { list, fetchedAt: this.now() };
    } catch {
      // Keep serving from the previous keys, however old, while the JWKS is unreachable.
    }
    return this.keys;
  }
}

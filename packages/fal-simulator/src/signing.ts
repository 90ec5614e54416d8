import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

/** One public key of a JSON Web Key Set, as fal's `/.well-known/jwks.json` lists it. */
export interface Ed25519Jwk {
  kty: 'OKP';
  crv: 'Ed25519';
  /** base64url of the 32-byte public key. */
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

export interface Jwks {
  keys: Ed25519Jwk[];
}

/** Names as fal sends them. */
export const WEBHOOK_HEADERS = {
  requestId: 'X-Fal-Webhook-Request-Id',
  userId: 'X-Fal-Webhook-User-Id',
  timestamp: 'X-Fal-Webhook-Timestamp',
  signature: 'X-Fal-Webhook-Signature',
} as const;

/**
 * Signs webhooks like fal (protocol reference 11): Ed25519 over
 * `request_id \n user_id \n timestamp \n hex(sha256(body))`, with a key pair made at start.
 */
export class WebhookSigner {
  readonly jwks: Jwks;
  private readonly privateKey: KeyObject;

  constructor(readonly userId: string) {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    this.privateKey = privateKey;
    const { x } = publicKey.export({ format: 'jwk' });
    if (x === undefined) throw new Error('Ed25519 public key exported without x');
    this.jwks = { keys: [{ kty: 'OKP', crv: 'Ed25519', x, kid: thumbprint(x), alg: 'EdDSA', use: 'sig' }] };
  }

  /** The four signature headers for `body`; `timestamp` is in Unix seconds, default now. */
  sign(body: string, requestId: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
    const bodyHash = createHash('sha256').update(body, 'utf8').digest('hex');
    const message = Buffer.from([requestId, this.userId, String(timestamp), bodyHash].join('\n'), 'utf8');
    return {
      [WEBHOOK_HEADERS.requestId]: requestId,
      [WEBHOOK_HEADERS.userId]: this.userId,
      [WEBHOOK_HEADERS.timestamp]: String(timestamp),
      [WEBHOOK_HEADERS.signature]: sign(null, message, this.privateKey).toString('hex'),
    };
  }
}

/** RFC 7638 thumbprint: a kid that names this very key. */
function thumbprint(x: string): string {
  return createHash('sha256')
    .update(JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x }))
    .digest('base64url');
}

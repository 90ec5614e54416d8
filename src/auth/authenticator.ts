import { createHash, timingSafeEqual } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { GatewayError } from '../domain/errors.js';
import { authRequired, type AuthConfig } from '../config.js';

export interface Principal {
  /** Whose animations the caller may see and change. */
  owner: string;
  /** When the credential stops being valid (epoch ms), for JWTs; null for API keys. */
  expiresAt: number | null;
}

/**
 * A JWT's owner: its `sub` in a namespace of its own, so a token with `sub: alice` is not
 * the API-key owner `alice` (API-key owners never contain a colon: API_KEYS splits on it).
 */
export function jwtOwner(sub: string): string {
  return `jwt:${sub}`;
}

/** The only owner when no credentials are configured (loopback-only sandbox use). */
export const LOCAL_PRINCIPAL: Principal = { owner: 'local', expiresAt: null };

const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/**
 * Turns an `Authorization: Bearer …` value into a Principal: an API key (compared in
 * constant time against every configured key) or a JWT (HS256 secret or JWKS; `exp`
 * required, `iss`/`aud` checked when configured; the owner is `jwt:<sub>`). Throws
 * UNAUTHENTICATED, with a message that never repeats the credential.
 */
export class Authenticator {
  private readonly keys: { owner: string; digest: Buffer }[];
  /**
   * API keys already matched, to their owner: a key is digested and compared with every
   * configured key once, not on every request. Only configured keys get in, so it holds at
   * most one entry per key, and a hit says no more than the answer does (the key is valid).
   */
  private readonly matchedKeys = new Map<string, string>();
  private readonly verifyJwtPayload: Promise<(token: string) => Promise<JWTPayload>> | undefined;
  private readonly required: boolean;

  constructor(config: AuthConfig) {
    this.required = authRequired(config);
    this.keys = [...config.apiKeys].map(([owner, key]) => ({ owner, digest: digest(key) }));
    this.verifyJwtPayload = config.jwt.secret || config.jwt.jwksUrl ? jwtVerifier(config.jwt) : undefined;
  }

  /** False with no credentials configured: every caller is LOCAL_PRINCIPAL (loopback-only mode). */
  get credentialsRequired(): boolean {
    return this.required;
  }

  async authenticate(authorization: string | null | undefined): Promise<Principal> {
    if (!this.required) return LOCAL_PRINCIPAL;
    const credential = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (!credential) throw unauthenticated('Missing credentials: send Authorization: Bearer <API key or JWT>.');
    const owner = this.ownerOfKey(credential);
    if (owner) return { owner, expiresAt: null };
    if (this.verifyJwtPayload && JWT_SHAPE.test(credential)) return this.verifyJwt(this.verifyJwtPayload, credential);
    throw unauthenticated('Invalid credentials.');
  }

  /** Checks every key, whatever matches first, so timing says nothing about which keys exist. */
  private ownerOfKey(credential: string): string | undefined {
    const matched = this.matchedKeys.get(credential);
    if (matched !== undefined) return matched;
    const given = digest(credential);
    let owner: string | undefined;
    for (const key of this.keys) {
      if (timingSafeEqual(given, key.digest)) owner ??= key.owner;
    }
    if (owner !== undefined) this.matchedKeys.set(credential, owner);
    return owner;
  }

  private async verifyJwt(verifier: Promise<(token: string) => Promise<JWTPayload>>, token: string): Promise<Principal> {
    try {
      const payload = await (await verifier)(token);
      // A signed token can still carry a sub that is no name (an object, a number): refused like a bad signature.
      if (typeof payload.sub !== 'string' || payload.sub === '' || typeof payload.exp !== 'number') {
        throw new Error('sub (a string) and exp are required');
      }
      return { owner: jwtOwner(payload.sub), expiresAt: payload.exp * 1000 };
    } catch {
      throw unauthenticated('Invalid credentials.');
    }
  }
}

/** Checks a JWT's signature, `exp`, and `iss`/`aud` when configured; jose is loaded only when JWTs are. */
async function jwtVerifier(jwt: AuthConfig['jwt']): Promise<(token: string) => Promise<JWTPayload>> {
  const { createRemoteJWKSet, jwtVerify } = await import('jose');
  const options = { issuer: jwt.issuer, audience: jwt.audience, requiredClaims: ['exp', 'sub'] };
  if (jwt.secret) {
    const secret = new TextEncoder().encode(jwt.secret);
    return async (token) => (await jwtVerify(token, secret, { ...options, algorithms: ['HS256'] })).payload;
  }
  const keys = createRemoteJWKSet(new URL(jwt.jwksUrl!));
  return async (token) => (await jwtVerify(token, keys, options)).payload;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function unauthenticated(message: string): GatewayError {
  return new GatewayError('UNAUTHENTICATED', message);
}

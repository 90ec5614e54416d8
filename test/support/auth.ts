import { SignJWT } from 'jose';

export const ALICE_KEY = 'alice-key-0123456789abcdef';
export const BOB_KEY = 'bob-key-0123456789abcdef-b';
export const JWT_SECRET = 'jwt-secret-for-tests-0123456789abcdef';

/** Gateway settings with two API-key owners and HS256 JWTs. */
export const AUTH_ENV = {
  API_KEYS: `alice:${ALICE_KEY},bob:${BOB_KEY}`,
  JWT_SECRET,
  JWT_ISSUER: 'https://issuer.test',
  JWT_AUDIENCE: 'uni-animate',
};

export const bearer = (credential: string) => ({ authorization: `Bearer ${credential}` });

/** An HS256 JWT for `sub`, expiring `expiresInSeconds` from now (negative: already expired). */
export async function jwtFor(
  sub: string,
  { expiresInSeconds = 600, issuer = AUTH_ENV.JWT_ISSUER, audience = AUTH_ENV.JWT_AUDIENCE, secret = JWT_SECRET } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt(now)
    .setExpirationTime(now + expiresInSeconds)
    .sign(new TextEncoder().encode(secret));
}

import { z } from 'zod';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const intFrom = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);

const environment = z.object({
  /** Interface to listen on. @default 127.0.0.1 */
  HOST: z.string().default('127.0.0.1'),
  /** Port to listen on; 0 picks a free one. @default 4000 */
  PORT: intFrom(4000),
  /** fal API key; only ever sent to fal. */
  FAL_KEY: optionalString,
  /** Base URL of a fal-compatible API that replaces fal's queue and REST hosts. */
  FAL_API_URL: optionalString.pipe(z.url().optional()),
  /** The model endpoint. @default fal-ai/uni-animate */
  FAL_ENDPOINT: z.string().default('fal-ai/uni-animate'),
  /** Where the embedded database keeps its files. @default ./data */
  DATA_DIR: z.string().default('./data'),
  /** postgres://… to use PostgreSQL instead of the embedded database. */
  DATABASE_URL: optionalString,
  /** The gateway's public base URL; fal is then asked to call <PUBLIC_URL>/webhooks/fal. */
  PUBLIC_URL: optionalString.pipe(z.url().optional()),
  /** pino log level. @default info */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NODE_ENV: z.string().default('development'),
  /** GraphiQL at /graphql. @default on, off with NODE_ENV=production */
  GRAPHIQL: z.enum(['0', '1', 'true', 'false']).optional(),
  /** Longest wait for fal to confirm a submit. @default 120000 */
  SUBMIT_TIMEOUT_MS: intFrom(120_000, 1),
  /** Delay between status polls when the status stream is unavailable. @default 1000 */
  POLL_INTERVAL_MS: intFrom(1_000, 1),
  /** Longest delay between attempts while fal fails. @default 30000 */
  MAX_BACKOFF_MS: intFrom(30_000, 1),
  /** Longest a status, result or cancel call to fal may take, retries included. @default 15000 */
  UPSTREAM_TIMEOUT_MS: intFrom(15_000, 1),
  /** `owner:key` pairs, comma-separated; clients send `Authorization: Bearer <key>`. Secret. */
  API_KEYS: optionalString,
  /** HS256 secret for JWTs whose `sub` is the owner. Secret. */
  JWT_SECRET: optionalString,
  /** JWKS URL with the keys that sign accepted JWTs. */
  JWT_JWKS_URL: optionalString.pipe(z.url().optional()),
  /** Required `iss` of accepted JWTs, when set. */
  JWT_ISSUER: optionalString,
  /** Required `aud` of accepted JWTs, when set. */
  JWT_AUDIENCE: optionalString,
  /** Comma-separated origins allowed to open WebSockets and make CORS requests; any when unset. */
  ALLOWED_ORIGINS: optionalString,
  /** Introspection queries. @default on, off with NODE_ENV=production */
  INTROSPECTION: z.enum(['0', '1', 'true', 'false']).optional(),
  /** Animations an owner may have unfinished at once. @default 5 */
  MAX_ACTIVE_ANIMATIONS: intFrom(5, 1),
  /** Animations an owner may create per rolling hour. @default 100 */
  MAX_ANIMATIONS_PER_HOUR: intFrom(100, 1),
  /** Subscriptions one WebSocket may hold at once. @default 25 */
  MAX_SUBSCRIPTIONS_PER_SOCKET: intFrom(25, 1),
  /** WebSockets one owner may hold open at once. @default 50 */
  MAX_SOCKETS_PER_OWNER: intFrom(50, 1),
  /** Time a WebSocket has to send connection_init before it is closed with 4408. @default 3000 */
  WS_INIT_TIMEOUT_MS: intFrom(3_000, 1),
  /** Largest WebSocket message, in bytes; bigger ones close the socket with 1009. @default 65536 */
  WS_MAX_PAYLOAD_BYTES: intFrom(64 * 1024, 1024),
  /** Largest GraphQL request body that is not a file upload, in bytes. @default 1048576 */
  MAX_REQUEST_BYTES: intFrom(1024 * 1024, 1024),
  /** Largest reference image, uploaded or as a data: URI, in bytes. @default 20000000 */
  MAX_IMAGE_BYTES: intFrom(20_000_000, 1),
  /** Largest driving video, uploaded or as a data: URI, in bytes. @default 200000000 */
  MAX_VIDEO_BYTES: intFrom(200_000_000, 1),
  /** `1`: owners' webhooks may target loopback, private and link-local addresses, and plain http (local development). */
  ALLOW_PRIVATE_WEBHOOKS: z.enum(['0', '1', 'true', 'false']).optional(),
  /** Signing secret for owners' webhooks (Standard Webhooks, `whsec_…`). Secret. */
  WEBHOOK_SECRET: optionalString,
  /** JWKS with the keys fal signs its webhooks with. @default https://rest.alpha.fal.ai/.well-known/jwks.json */
  FAL_JWKS_URL: z.url().default('https://rest.alpha.fal.ai/.well-known/jwks.json'),
  /** redis://… to share subscription events between replicas. */
  REDIS_URL: optionalString,
  /** Prefix of the gateway's Redis channels. @default uni-animate: */
  REDIS_PREFIX: z.string().default('uni-animate:'),
  /** Lifetime of a replica's lease on an animation it watches. @default 10000 */
  LEASE_TTL_MS: intFrom(10_000, 100),
  /** How often leases are renewed and animations of stopped replicas taken over. @default 3000 */
  LEASE_RENEW_MS: intFrom(3_000, 50),
  /** Longest a graceful shutdown waits for requests in flight. @default 7000 */
  SHUTDOWN_GRACE_MS: intFrom(7_000, 0),
  /** Attempts to deliver an owner's webhook. @default 8 */
  WEBHOOK_MAX_ATTEMPTS: intFrom(8, 1),
  /** Delay before the first webhook retry; it doubles after each failure. @default 1000 */
  WEBHOOK_RETRY_BASE_MS: intFrom(1_000, 1),
  /** Delay between reconciliation polls of an animation whose status stream ended, when fal's webhooks are on. @default 60000 */
  RECONCILE_INTERVAL_MS: intFrom(60_000, 1),
});


export interface AuthConfig {
  /** owner → key. Secret. */
  apiKeys: Map<string, string>;
  jwt: { secret: string | undefined; jwksUrl: string | undefined; issuer: string | undefined; audience: string | undefined };
}

export interface LimitsConfig {
  maxActiveAnimations: number;
  maxAnimationsPerHour: number;
  maxSubscriptionsPerSocket: number;
  maxSocketsPerOwner: number;
  wsInitTimeoutMs: number;
  wsMaxPayloadBytes: number;
  maxRequestBytes: number;
  maxImageBytes: number;
  maxVideoBytes: number;
}

export interface Config {
  host: string;
  port: number;
  production: boolean;
  graphiql: boolean;
  introspection: boolean;
  auth: AuthConfig;
  allowedOrigins: string[] | undefined;
  limits: LimitsConfig;
  logLevel: z.infer<typeof environment>['LOG_LEVEL'];
  fal: {
    /** Secret: never logged or returned. */
    key: string | undefined;
    apiUrl: string | undefined;
    endpoint: string;
    /** No key and no API URL: the built-in simulator stands in for fal. */
    sandbox: boolean;
  };
  store: { kind: 'embedded'; dataDir: string } | { kind: 'postgres'; url: string };
  publicUrl: string | undefined;
  allowPrivateWebhooks: boolean;
  /** Secret. */
  webhookSecret: string | undefined;
  falJwksUrl: string;
  reconcileIntervalMs: number;
  webhookMaxAttempts: number;
  redis: { url: string; prefix: string } | undefined;
  leaseTtlMs: number;
  leaseRenewMs: number;
  shutdownGraceMs: number;
  webhookRetryBaseMs: number;
  submitTimeoutMs: number;
  pollIntervalMs: number;
  maxBackoffMs: number;
  upstreamTimeoutMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and checks the environment once; throws ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = environment.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const config: Config = {
    host: e.HOST,
    port: e.PORT,
    production,
    graphiql: flag(e.GRAPHIQL, !production),
    introspection: flag(e.INTROSPECTION, !production),
    auth: {
      apiKeys: parseApiKeys(e.API_KEYS),
      jwt: { secret: e.JWT_SECRET, jwksUrl: e.JWT_JWKS_URL, issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE },
    },
    allowedOrigins: e.ALLOWED_ORIGINS?.split(',').map((origin) => origin.trim()).filter(Boolean),
    limits: {
      maxActiveAnimations: e.MAX_ACTIVE_ANIMATIONS,
      maxAnimationsPerHour: e.MAX_ANIMATIONS_PER_HOUR,
      maxSubscriptionsPerSocket: e.MAX_SUBSCRIPTIONS_PER_SOCKET,
      maxSocketsPerOwner: e.MAX_SOCKETS_PER_OWNER,
      wsInitTimeoutMs: e.WS_INIT_TIMEOUT_MS,
      wsMaxPayloadBytes: e.WS_MAX_PAYLOAD_BYTES,
      maxRequestBytes: e.MAX_REQUEST_BYTES,
      maxImageBytes: e.MAX_IMAGE_BYTES,
      maxVideoBytes: e.MAX_VIDEO_BYTES,
    },
    logLevel: e.LOG_LEVEL,
    fal: {
      key: e.FAL_KEY,
      apiUrl: e.FAL_API_URL,
      endpoint: e.FAL_ENDPOINT,
      sandbox: e.FAL_KEY === undefined && e.FAL_API_URL === undefined,
    },
    store: e.DATABASE_URL ? { kind: 'postgres', url: e.DATABASE_URL } : { kind: 'embedded', dataDir: e.DATA_DIR },
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
    allowPrivateWebhooks: flag(e.ALLOW_PRIVATE_WEBHOOKS, false),
    webhookSecret: e.WEBHOOK_SECRET,
    falJwksUrl: e.FAL_JWKS_URL,
    reconcileIntervalMs: e.RECONCILE_INTERVAL_MS,
    webhookMaxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
    redis: e.REDIS_URL ? { url: e.REDIS_URL, prefix: e.REDIS_PREFIX } : undefined,
    leaseTtlMs: e.LEASE_TTL_MS,
    leaseRenewMs: e.LEASE_RENEW_MS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    webhookRetryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
    submitTimeoutMs: e.SUBMIT_TIMEOUT_MS,
    pollIntervalMs: e.POLL_INTERVAL_MS,
    maxBackoffMs: e.MAX_BACKOFF_MS,
    upstreamTimeoutMs: e.UPSTREAM_TIMEOUT_MS,
  };
  const problems = checkConsistency(config);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** True when callers must present credentials; otherwise every caller is the owner `local`. */
export function authRequired(auth: AuthConfig): boolean {
  return auth.apiKeys.size > 0 || auth.jwt.secret !== undefined || auth.jwt.jwksUrl !== undefined;
}

function flag(value: string | undefined, fallback: boolean): boolean {
  return value === undefined ? fallback : value === '1' || value === 'true';
}

function parseApiKeys(value: string | undefined): Map<string, string> {
  const keys = new Map<string, string>();
  for (const pair of value?.split(',') ?? []) {
    const separator = pair.indexOf(':');
    const owner = pair.slice(0, separator).trim();
    const key = pair.slice(separator + 1).trim();
    if (separator <= 0 || owner === '' || key === '') throw new ConfigError(['API_KEYS: expected comma-separated owner:key pairs']);
    keys.set(owner, key);
  }
  return keys;
}

function checkConsistency(config: Config): string[] {
  const problems: string[] = [];
  if (config.store.kind === 'postgres' && !/^postgres(ql)?:\/\//.test(config.store.url)) {
    problems.push('DATABASE_URL: must start with postgres:// or postgresql://');
  }
  if (!LOOPBACK_HOSTS.has(config.host) && !authRequired(config.auth)) {
    problems.push(
      `HOST: refusing to listen on ${config.host}, which is not a loopback address, without authentication: set API_KEYS or JWT_SECRET / JWT_JWKS_URL`,
    );
  }
  if (config.leaseRenewMs * 2 > config.leaseTtlMs) {
    problems.push('LEASE_RENEW_MS: must be at most half of LEASE_TTL_MS, or leases lapse between renewals');
  }
  if ([...config.auth.apiKeys.values()].some((key) => key.length < 16)) {
    problems.push('API_KEYS: every key must be at least 16 characters long');
  }
  return problems;
}

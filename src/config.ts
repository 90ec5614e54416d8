import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * The only reader of the environment. Each subsystem has one zod schema over the variables
 * it reads; the schema holds every default and turns the variables into that subsystem's
 * settings, and the Config type is inferred from the schemas.
 */

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

const text = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));
const url = text.pipe(z.url().optional());
const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
/** An optional whole number of at least `min`; unset (or empty) stays undefined. */
const optionalInt = (min: number) =>
  text.transform((value) => (value === undefined ? undefined : Number(value))).pipe(z.number().int().min(min).optional());
/** The simulated fal runs 2 at a time, like a new fal account, and the gateway shares them. */
const SANDBOX_CONCURRENCY = 2;
const flag = z
  .enum(['0', '1', 'true', 'false'])
  .optional()
  .transform((value) => (value === undefined ? undefined : value === '1' || value === 'true'));

const server = z
  .object({
    /** Interface to listen on. */
    HOST: z.string().default('127.0.0.1'),
    /** Port to listen on; 0 picks a free one. */
    PORT: int(4000),
    /** The gateway's public base URL; fal is then asked to call <PUBLIC_URL>/webhooks/fal. */
    PUBLIC_URL: url,
    /** `production` turns GraphiQL, introspection and limit details off unless set otherwise. */
    NODE_ENV: z.string().default('development'),
    /** GraphiQL at /graphql; on outside production. */
    GRAPHIQL: flag,
    /** Introspection queries; on outside production. */
    INTROSPECTION: flag,
    /** Comma-separated origins allowed to open WebSockets and make CORS requests; when unset, any with authentication configured, else loopback origins only. */
    ALLOWED_ORIGINS: text,
    /** Longest a graceful shutdown waits for requests in flight. */
    SHUTDOWN_GRACE_MS: int(7_000),
    /** Longest a client may take to send a request's headers; then the connection is closed (408). */
    REQUEST_HEADERS_TIMEOUT_MS: int(10_000, 1),
    /** Longest a client may take to send a whole request, body included (uploads too); then 408. Responses (SSE streams) and WebSockets are not limited. */
    REQUEST_TIMEOUT_MS: int(120_000, 1),
  })
  .refine((e) => e.REQUEST_HEADERS_TIMEOUT_MS <= e.REQUEST_TIMEOUT_MS, {
    path: ['REQUEST_HEADERS_TIMEOUT_MS'],
    message: 'must be at most REQUEST_TIMEOUT_MS',
  })
  .transform((e) => {
    const production = e.NODE_ENV === 'production';
    return {
      host: e.HOST,
      port: e.PORT,
      publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
      production,
      graphiql: e.GRAPHIQL ?? !production,
      introspection: e.INTROSPECTION ?? !production,
      allowedOrigins: e.ALLOWED_ORIGINS?.split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
      headersTimeoutMs: e.REQUEST_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
      /** How often Node looks for requests over those timeouts: often enough that a short timeout holds. */
      timeoutCheckMs: Math.max(50, Math.min(30_000, Math.floor(e.REQUEST_HEADERS_TIMEOUT_MS / 4))),
    };
  });

const metrics = z
  .object({
    /** Bearer token /metrics requires when authentication is configured; without it, only loopback peers may scrape. Secret. */
    METRICS_TOKEN: text.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  })
  .transform((e) => ({
    /** Secret: never logged. */
    token: e.METRICS_TOKEN,
  }));

const log = z
  .object({
    /** pino log level. */
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** `json` or `pretty` log lines; when unset, pretty on a terminal outside production, JSON otherwise. */
    LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  })
  .transform((e) => ({ level: e.LOG_LEVEL, format: e.LOG_FORMAT }));

const auth = z
  .object({
    /** `owner:key` pairs, comma-separated; clients send `Authorization: Bearer <key>`. Secret. */
    API_KEYS: text.transform((value, ctx) => {
      const keys = new Map<string, string>();
      for (const pair of value?.split(',') ?? []) {
        const separator = pair.indexOf(':');
        const owner = pair.slice(0, separator).trim();
        const key = pair.slice(separator + 1).trim();
        if (separator <= 0 || owner === '' || key === '') ctx.addIssue('expected comma-separated owner:key pairs');
        else if (key.length < 16) ctx.addIssue('every key must be at least 16 characters long');
        else keys.set(owner, key);
      }
      return keys;
    }),
    /** HS256 secret for JWTs whose `sub` is the owner. Secret. */
    JWT_SECRET: text,
    /** JWKS URL with the keys that sign accepted JWTs. */
    JWT_JWKS_URL: url,
    /** Required `iss` of accepted JWTs, when set. */
    JWT_ISSUER: text,
    /** Required `aud` of accepted JWTs, when set. */
    JWT_AUDIENCE: text,
  })
  .transform((e) => ({
    /** owner → key. Secret. */
    apiKeys: e.API_KEYS,
    jwt: { secret: e.JWT_SECRET, jwksUrl: e.JWT_JWKS_URL, issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE },
  }));

const limits = z
  .object({
    /** Animations an owner may have unfinished at once. */
    MAX_ACTIVE_ANIMATIONS: int(5, 1),
    /** Animations an owner may create per rolling hour. */
    MAX_ANIMATIONS_PER_HOUR: int(100, 1),
    /** GPU seconds (fal's inference time) an owner's animations of the last 24 hours may use; unset: no cap. */
    MAX_INFERENCE_SECONDS_PER_DAY: optionalInt(1),
    /** Largest page `animations(first:)` returns. */
    MAX_PAGE_SIZE: int(100, 1),
    /** Subscriptions one WebSocket may hold at once. */
    MAX_SUBSCRIPTIONS_PER_SOCKET: int(25, 1),
    /** WebSockets one owner may hold open at once. */
    MAX_SOCKETS_PER_OWNER: int(50, 1),
    /** Time a WebSocket has to send connection_init before it is closed with 4408. */
    WS_INIT_TIMEOUT_MS: int(3_000, 1),
    /** Largest WebSocket message, in bytes; bigger ones close the socket with 1009. */
    WS_MAX_PAYLOAD_BYTES: int(64 * 1024, 1024),
    /** Largest GraphQL request body that is not a file upload, in bytes. */
    MAX_REQUEST_BYTES: int(1024 * 1024, 1024),
    /** Largest reference image, uploaded or as a data: URI, in bytes. */
    MAX_IMAGE_BYTES: int(20_000_000, 1),
    /** Largest driving video, uploaded or as a data: URI, in bytes. */
    MAX_VIDEO_BYTES: int(200_000_000, 1),
  })
  .transform((e) => ({
    maxActiveAnimations: e.MAX_ACTIVE_ANIMATIONS,
    maxAnimationsPerHour: e.MAX_ANIMATIONS_PER_HOUR,
    maxInferenceSecondsPerDay: e.MAX_INFERENCE_SECONDS_PER_DAY,
    maxPageSize: e.MAX_PAGE_SIZE,
    maxSubscriptionsPerSocket: e.MAX_SUBSCRIPTIONS_PER_SOCKET,
    maxSocketsPerOwner: e.MAX_SOCKETS_PER_OWNER,
    wsInitTimeoutMs: e.WS_INIT_TIMEOUT_MS,
    wsMaxPayloadBytes: e.WS_MAX_PAYLOAD_BYTES,
    maxRequestBytes: e.MAX_REQUEST_BYTES,
    maxImageBytes: e.MAX_IMAGE_BYTES,
    maxVideoBytes: e.MAX_VIDEO_BYTES,
  }));

const fal = z
  .object({
    /** fal API key; only ever sent to fal. Secret. */
    FAL_KEY: text,
    /** Base URL of a fal-compatible API that replaces fal's queue and REST hosts. */
    FAL_API_URL: url,
    /** The model endpoint. */
    FAL_ENDPOINT: z.string().default('fal-ai/uni-animate'),
    /** fal's user id of the account (X-Fal-Webhook-User-Id); deliveries signed for another user are refused. */
    FAL_WEBHOOK_USER_ID: text,
    /** JWKS with the keys fal signs its webhooks with. */
    FAL_JWKS_URL: z.url().default('https://rest.alpha.fal.ai/.well-known/jwks.json'),
    /** Longest wait for fal to confirm a submit; older SUBMITTING animations are failed. */
    SUBMIT_TIMEOUT_MS: int(120_000, 1),
    /** Longest a status, result or cancel call to fal may take, retries included. */
    UPSTREAM_TIMEOUT_MS: int(15_000, 1),
    /** How long fal should keep the files of each request (uploads and results): long enough for the gateway to copy them. */
    FAL_OBJECT_TTL_S: int(86_400, 60),
    /** Requests the account may have unfinished at fal at once (its concurrency); the rest wait in the gateway. Unset: no limit (2 in sandbox mode). */
    FAL_CONCURRENCY: optionalInt(1),
  })
  .transform((e) => ({
    /** Secret: never logged or returned. */
    key: e.FAL_KEY,
    apiUrl: e.FAL_API_URL,
    endpoint: e.FAL_ENDPOINT,
    /** No key and no API URL: the built-in simulator stands in for fal. */
    sandbox: e.FAL_KEY === undefined && e.FAL_API_URL === undefined,
    jwksUrl: e.FAL_JWKS_URL,
    webhookUserId: e.FAL_WEBHOOK_USER_ID,
    submitTimeoutMs: e.SUBMIT_TIMEOUT_MS,
    /** How often SUBMITTING animations older than the submit timeout are looked for. */
    submitSweepMs: Math.max(1_000, Math.floor(e.SUBMIT_TIMEOUT_MS / 2)),
    callTimeoutMs: e.UPSTREAM_TIMEOUT_MS,
    objectTtlSeconds: e.FAL_OBJECT_TTL_S,
    concurrency: e.FAL_CONCURRENCY ?? (e.FAL_KEY === undefined && e.FAL_API_URL === undefined ? SANDBOX_CONCURRENCY : undefined),
    /** How often each replica looks for slots freed elsewhere. */
    admissionTickMs: 1_000,
  }));

/** The simulated fal of sandbox mode: timings a newcomer can watch. */
const sandbox = z
  .object({
    /** Time per sampling step of a simulated job. */
    SANDBOX_STEP_MS: int(150, 1),
    /** Time between moves of the simulated queue. */
    SANDBOX_QUEUE_TICK_MS: int(700, 1),
    /** Jobs the simulated queue pretends are ahead of each new one. */
    SANDBOX_QUEUE_AHEAD: int(3),
  })
  .transform((e) => ({
    stepMs: e.SANDBOX_STEP_MS,
    queueTickMs: e.SANDBOX_QUEUE_TICK_MS,
    queueAhead: e.SANDBOX_QUEUE_AHEAD,
    concurrency: SANDBOX_CONCURRENCY,
  }));

const watching = z
  .object({
    /** Delay between status polls when the status stream is unavailable. */
    POLL_INTERVAL_MS: int(1_000, 1),
    /** Longest delay between attempts while fal fails. */
    MAX_BACKOFF_MS: int(30_000, 1),
    /** Delay between reconciliation polls of an animation whose status stream ended, when fal's webhooks are on. */
    RECONCILE_INTERVAL_MS: int(60_000, 1),
    /** Result reads that may fail transiently before the animation is marked FAILED. */
    RESULT_ATTEMPTS: int(8, 1),
    /** Lifetime of a replica's lease on an animation it watches. */
    LEASE_TTL_MS: int(10_000, 100),
    /** How often leases are renewed and animations of stopped replicas taken over; at most half the lease lifetime. */
    LEASE_RENEW_MS: int(3_000, 50),
  })
  .refine((e) => e.LEASE_RENEW_MS * 2 <= e.LEASE_TTL_MS, {
    path: ['LEASE_RENEW_MS'],
    message: 'must be at most half of LEASE_TTL_MS, or leases lapse between renewals',
  })
  .transform((e) => ({
    pollIntervalMs: e.POLL_INTERVAL_MS,
    maxBackoffMs: e.MAX_BACKOFF_MS,
    reconcileIntervalMs: e.RECONCILE_INTERVAL_MS,
    resultAttempts: e.RESULT_ATTEMPTS,
    leaseTtlMs: e.LEASE_TTL_MS,
    leaseRenewMs: e.LEASE_RENEW_MS,
  }));

const store = z
  .object({
    /** Where the embedded database keeps its files. */
    DATA_DIR: z.string().default('./data'),
    /** postgres://… to use PostgreSQL instead of the embedded database. */
    DATABASE_URL: text.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
        .optional(),
    ),
    /** Connections in the PostgreSQL pool. */
    DATABASE_POOL_SIZE: int(10, 1),
    /** Longest opening a PostgreSQL connection may take (while the server is down or starting, statements fail after it). */
    DATABASE_CONNECT_TIMEOUT_MS: int(5_000, 1),
  })
  .transform((e) =>
    e.DATABASE_URL
      ? { kind: 'postgres' as const, url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE, connectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT_MS }
      : { kind: 'embedded' as const, dataDir: e.DATA_DIR },
  );

const media = z
  .object({
    /** The embedded media store keeps its files under DATA_DIR/media. */
    DATA_DIR: z.string().default('./data'),
    /** Keep results in this S3 bucket instead of DATA_DIR/media (credentials: the AWS SDK's standard chain). */
    MEDIA_S3_BUCKET: text,
    /** S3-compatible endpoint (MinIO, R2, …); AWS when unset. */
    MEDIA_S3_ENDPOINT: url,
    MEDIA_S3_REGION: z.string().default('us-east-1'),
    /** `1`: path-style bucket addressing, as most S3-compatible servers need. */
    MEDIA_S3_FORCE_PATH_STYLE: flag,
    /** Signs media URLs; every replica needs the same one. Generated and kept in DATA_DIR when unset. Secret. */
    MEDIA_SIGNING_SECRET: text.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
    /** Lifetime of a signed media URL; reading the animation again gives a fresh one. */
    MEDIA_URL_TTL_S: int(3_600, 1),
    /** Days a result is kept after it completes; kept until deleted when unset. */
    MEDIA_RETENTION_DAYS: text
      .transform((value) => (value === undefined ? undefined : Number(value)))
      .pipe(z.number().positive().optional()),
    /** Largest result video the gateway copies from fal. */
    MAX_RESULT_BYTES: int(1024 ** 3, 1),
    /** Downloads of fal's result file that may fail before the animation is FAILED with RESULT_UNAVAILABLE. */
    RESULT_COPY_ATTEMPTS: int(8, 1),
  })
  .transform((e) => ({
    store: e.MEDIA_S3_BUCKET
      ? {
          kind: 's3' as const,
          bucket: e.MEDIA_S3_BUCKET,
          endpoint: e.MEDIA_S3_ENDPOINT,
          region: e.MEDIA_S3_REGION,
          forcePathStyle: e.MEDIA_S3_FORCE_PATH_STYLE ?? false,
        }
      : { kind: 'files' as const, dir: `${e.DATA_DIR.replace(/\/+$/, '')}/media` },
    /** Secret. */
    signingSecret: e.MEDIA_SIGNING_SECRET,
    /** Where a generated signing secret is kept. */
    signingSecretFile: `${e.DATA_DIR.replace(/\/+$/, '')}/media-signing-secret`,
    urlTtlSeconds: e.MEDIA_URL_TTL_S,
    retentionDays: e.MEDIA_RETENTION_DAYS,
    /** How often expired results are looked for. */
    retentionSweepMs: 600_000,
    maxResultBytes: e.MAX_RESULT_BYTES,
    copyAttempts: e.RESULT_COPY_ATTEMPTS,
  }));

const redis = z
  .object({
    /** redis://… to share subscription events between replicas. */
    REDIS_URL: text,
    /** Prefix of the gateway's Redis channels. */
    REDIS_PREFIX: z.string().default('uni-animate:'),
  })
  .transform((e) => (e.REDIS_URL ? { url: e.REDIS_URL, prefix: e.REDIS_PREFIX } : undefined));

const ownerWebhooks = z
  .object({
    /** Signing secret for owners' webhooks (Standard Webhooks, `whsec_…`); without it, webhookUrl is refused. Secret. */
    WEBHOOK_SECRET: text,
    /** `1`: owners' webhooks may target loopback, private and link-local addresses, and plain http (local development). */
    ALLOW_PRIVATE_WEBHOOKS: flag,
    /** Attempts to deliver an owner's webhook, the first included. */
    WEBHOOK_MAX_ATTEMPTS: int(8, 1),
    /** Delay before the first webhook retry; it doubles after each failure. */
    WEBHOOK_RETRY_BASE_MS: int(1_000, 1),
    /** Longest delay between webhook attempts. */
    WEBHOOK_MAX_RETRY_MS: int(300_000, 1),
  })
  .transform((e) => ({
    /** Secret. */
    secret: e.WEBHOOK_SECRET,
    allowPrivate: e.ALLOW_PRIVATE_WEBHOOKS ?? false,
    maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
    retryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
    maxRetryMs: e.WEBHOOK_MAX_RETRY_MS,
  }));

const tracing = z
  .object({
    /** OTLP/HTTP collector base URL (`/v1/traces` is appended); setting it turns tracing on. The SDK reads the other OTEL_* variables itself. */
    OTEL_EXPORTER_OTLP_ENDPOINT: url,
    /** OTLP/HTTP URL for traces, used as is; setting it turns tracing on. */
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url,
    /** `true`: tracing stays off whatever the endpoints say. */
    OTEL_SDK_DISABLED: text,
    /** `1`: spans may carry prompts, GraphQL variables and media/webhook URLs. Secrets never. */
    TRACE_SENSITIVE_ATTRIBUTES: flag,
  })
  .transform((e) => ({
    enabled:
      (e.OTEL_EXPORTER_OTLP_ENDPOINT ?? e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) !== undefined &&
      e.OTEL_SDK_DISABLED?.toLowerCase() !== 'true',
    sensitiveAttributes: e.TRACE_SENSITIVE_ATTRIBUTES ?? false,
  }));

/** The studio page's trusted documents, generated by `npm run codegen` and committed (src/ and dist/ sit side by side). */
const STUDIO_MANIFEST = fileURLToPath(new URL('../web/src/gql/persisted-documents.json', import.meta.url));

const trustedDocuments = z
  .object({
    /** What becomes of a document sent as text rather than by a trusted document's id: `off` runs it, `allow` runs and logs it, `only` refuses it (for public browser clients). */
    PERSISTED_OPERATIONS: z.enum(['off', 'allow', 'only']).default('off'),
    /** Comma-separated manifests (codegen's persisted-documents.json) whose documents are trusted; the studio's when unset. */
    PERSISTED_OPERATIONS_MANIFESTS: text,
  })
  .transform((e) => ({
    mode: e.PERSISTED_OPERATIONS,
    manifests: e.PERSISTED_OPERATIONS_MANIFESTS?.split(',')
      .map((path) => path.trim())
      .filter(Boolean) ?? [STUDIO_MANIFEST],
  }));

const subsystems = {
  server,
  metrics,
  log,
  auth,
  limits,
  fal,
  sandbox,
  watching,
  store,
  media,
  redis,
  ownerWebhooks,
  tracing,
  trustedDocuments,
};

export type Config = { [Name in keyof typeof subsystems]: z.output<(typeof subsystems)[Name]> };
export type AuthConfig = Config['auth'];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and checks the environment once; throws ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const problems: string[] = [];
  const config: Partial<Record<keyof Config, unknown>> = {};
  for (const [name, schema] of Object.entries(subsystems)) {
    const parsed = schema.safeParse(env);
    if (parsed.success) config[name as keyof Config] = parsed.data;
    else problems.push(...parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  if (problems.length === 0) problems.push(...crossChecks(config as Config));
  if (problems.length > 0) throw new ConfigError(problems);
  return config as Config;
}

/** True when callers must present credentials; otherwise every caller is the owner `local`. */
export function authRequired(auth: AuthConfig): boolean {
  return auth.apiKeys.size > 0 || auth.jwt.secret !== undefined || auth.jwt.jwksUrl !== undefined;
}

function crossChecks(config: Config): string[] {
  if (LOOPBACK_HOSTS.has(config.server.host) || authRequired(config.auth)) return [];
  return [
    `HOST: refusing to listen on ${config.server.host}, which is not a loopback address, without authentication: set API_KEYS or JWT_SECRET / JWT_JWKS_URL`,
  ];
}

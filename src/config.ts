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
});

export type Environment = z.input<typeof environment>;

export interface Config {
  host: string;
  port: number;
  production: boolean;
  graphiql: boolean;
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
    graphiql: e.GRAPHIQL === undefined ? !production : e.GRAPHIQL === '1' || e.GRAPHIQL === 'true',
    logLevel: e.LOG_LEVEL,
    fal: {
      key: e.FAL_KEY,
      apiUrl: e.FAL_API_URL,
      endpoint: e.FAL_ENDPOINT,
      sandbox: e.FAL_KEY === undefined && e.FAL_API_URL === undefined,
    },
    store: e.DATABASE_URL ? { kind: 'postgres', url: e.DATABASE_URL } : { kind: 'embedded', dataDir: e.DATA_DIR },
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
    submitTimeoutMs: e.SUBMIT_TIMEOUT_MS,
    pollIntervalMs: e.POLL_INTERVAL_MS,
    maxBackoffMs: e.MAX_BACKOFF_MS,
    upstreamTimeoutMs: e.UPSTREAM_TIMEOUT_MS,
  };
  const problems = checkConsistency(config);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function checkConsistency(config: Config): string[] {
  const problems: string[] = [];
  if (config.store.kind === 'postgres' && !/^postgres(ql)?:\/\//.test(config.store.url)) {
    problems.push('DATABASE_URL: must start with postgres:// or postgresql://');
  }
  if (!LOOPBACK_HOSTS.has(config.host)) {
    problems.push(`HOST: ${config.host} is not a loopback address, and no API_KEYS or JWT settings are configured`);
  }
  return problems;
}

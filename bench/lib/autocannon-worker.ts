/**
 * One autocannon run in a process of its own (pinned to the load CPU by the bench).
 * argv[2] is a JSON AutocannonSpec. Every response body is checked for a GraphQL `errors` key,
 * and for `expectCount` when the spec has one (autocannon's verifyBody → mismatches). Prints one
 * line: BENCH_AUTOCANNON <json figures>.
 */
import { createRequire } from 'node:module';

export interface AutocannonSpec {
  url: string;
  connections: number;
  /** Seconds; ignored when amount is set. */
  durationSec: number;
  /** Total requests instead of a duration. */
  amount?: number;
  method: 'POST' | 'GET';
  headers: Record<string, string>;
  body: string;
  timeoutSec?: number;
  /** Every body must hold `needle` exactly `count` times (e.g. 20 edges of a page). */
  expectCount?: { needle: string; count: number };
}

export interface AutocannonFigures {
  requests: number;
  durationSec: number;
  rps: number;
  latencyMs: { mean: number; p50: number; p90: number; p97_5: number; p99: number; p99_9: number; max: number };
  status2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  errorSamples: string[];
}

interface AutocannonResult {
  requests: { total: number; average: number };
  duration: number;
  latency: { mean: number; p50: number; p90: number; p97_5: number; p99: number; p99_9: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
  '2xx': number;
}

type Autocannon = (options: Record<string, unknown>, callback: (error: Error | null, result: AutocannonResult) => void) => unknown;

const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as Autocannon;

const spec = JSON.parse(process.argv[2] ?? '{}') as AutocannonSpec;
const errorSamples: string[] = [];

function occurrences(text: string, needle: string): number {
  let count = 0;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) count++;
  return count;
}

function bodyIsValid(body: string): boolean {
  if (body.includes('"errors"')) return false;
  return !spec.expectCount || occurrences(body, spec.expectCount.needle) === spec.expectCount.count;
}

// The bench reads the server's CPU counters when it sees this line, so start-up is not counted.
console.log('BENCH_AUTOCANNON_START');

autocannon(
  {
    url: spec.url,
    connections: spec.connections,
    ...(spec.amount ? { amount: spec.amount } : { duration: spec.durationSec }),
    method: spec.method,
    headers: spec.headers,
    body: spec.body,
    timeout: spec.timeoutSec ?? 10,
    verifyBody: (body: string) => {
      const ok = bodyIsValid(String(body));
      if (!ok && errorSamples.length < 3) errorSamples.push(String(body).slice(0, 400));
      return ok;
    },
  },
  (error, result) => {
    if (error) {
      console.error(`autocannon failed: ${error.message}`);
      process.exit(1);
    }
    const figures: AutocannonFigures = {
      requests: result.requests.total,
      durationSec: result.duration,
      rps: result.requests.total / result.duration,
      latencyMs: {
        mean: result.latency.mean,
        p50: result.latency.p50,
        p90: result.latency.p90,
        p97_5: result.latency.p97_5,
        p99: result.latency.p99,
        p99_9: result.latency.p99_9,
        max: result.latency.max,
      },
      status2xx: result['2xx'],
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      mismatches: result.mismatches,
      errorSamples,
    };
    console.log(`BENCH_AUTOCANNON ${JSON.stringify(figures)}`);
    process.exit(0);
  },
);

/** What the HTTP rows (H1, H2) report of a gateway load: checks and details against baseline B, failures. */
import type { HttpLoadResult } from './http-load.js';
import { fmt, ratio, type Check } from './row.js';

/** Median req/s of the load, at least `minRatio` × B's. */
export function rpsAgainstB(load: HttpLoadResult, b: HttpLoadResult, minRatio: number): Check {
  return {
    label: 'req/s',
    figure: fmt(load.median.rps),
    baseline: `B ${fmt(b.median.rps)}`,
    ratio: ratio(load.median.rps, b.median.rps),
    target: `≥ ${minRatio.toFixed(2)}× B`,
    pass: load.median.rps >= minRatio * b.median.rps,
  };
}

/** No failed responses, with the label and target the row words it with. */
export function noFailures(load: HttpLoadResult, label: string, target: string): Check {
  return { label, figure: fmt(load.failures), baseline: '—', ratio: '—', target, pass: load.failures === 0 };
}

/** "Server CPU per request: H1 … µs vs B … µs (…×)", the opening of a details line. */
export function serverCpuAgainstB(row: string, load: HttpLoadResult, b: HttpLoadResult): string {
  const own = load.median.serverCpuUsPerRequest;
  const base = b.median.serverCpuUsPerRequest;
  return `Server CPU per request: ${row} ${fmt(own)} µs vs B ${fmt(base)} µs (${ratio(own, base)})`;
}

/** The first failed response as a details line, if any failed. */
export function firstFailedResponse(load: HttpLoadResult): string[] {
  return load.errorSamples.length ? [`First failed response: \`${load.errorSamples[0]!.slice(0, 200)}\``] : [];
}

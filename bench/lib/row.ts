/** What every row gets and gives back. */
import type { BenchConfig, RowId } from '../config.js';

export interface RowContext {
  config: BenchConfig;
  /** Scratch directory of this run (data dirs, logs, profiles). */
  workDir: string;
  log: (message: string) => void;
}

/** One target of a row, checked against a figure measured in this run. */
export interface Check {
  /** e.g. "req/s", "p99" */
  label: string;
  figure: string;
  /** The baseline figure measured in the same run ('—' when the target is absolute). */
  baseline: string;
  /** figure ÷ baseline, when meaningful. */
  ratio: string;
  target: string;
  pass: boolean;
}

export type RowStatus = 'PASS' | 'MISS' | 'ERROR' | 'SKIPPED';

export interface RowResult {
  id: RowId;
  what: string;
  status: RowStatus;
  checks: Check[];
  /** Markdown lines describing how the figure was measured and anything notable. */
  details: string[];
  /** Raw figures for bench-results.json. */
  raw: Record<string, unknown>;
  error?: string;
  elapsedMs: number;
}

export const ROW_TITLES: Record<RowId, string> = {
  H1: '`{ __typename }` through the full gateway (auth, limits, masking, production logging)',
  H2: '`createAnimation` with the embedded store and the simulator as upstream in its own process',
  P1: '`createAnimation`, embedded store, fal simulator upstream with jobs held in its queue, 20 connections',
  P2: '`createAnimation` with a full lifecycle (status stream, 30 log steps, result, the copy of the video), 50 connections',
  R1: '`animations(first: 20)` for an owner with 10,000 animations',
  S1: 'idle `animationProgress` subscriptions, one per socket, RSS slope 1k → 10k',
  S2: 'one upstream change fanned out to 10,000 subscribers of one animation',
  S3: 'subscriptions held by one process',
  S4: 'HTTP p99 of `createAnimation` while a 10k fan-out runs',
  U1: 'upstream calls per animation with 1, 100 and 1,000 subscribers',
};

export function statusOf(checks: Check[]): RowStatus {
  return checks.length > 0 && checks.every((check) => check.pass) ? 'PASS' : 'MISS';
}

export function failedRow(id: RowId, error: unknown, elapsedMs: number, raw: Record<string, unknown> = {}): RowResult {
  return {
    id,
    what: ROW_TITLES[id],
    status: 'ERROR',
    checks: [],
    details: [],
    raw,
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    elapsedMs,
  };
}

export function skippedRow(id: RowId, reason: string): RowResult {
  return { id, what: ROW_TITLES[id], status: 'SKIPPED', checks: [], details: [reason], raw: {}, elapsedMs: 0 };
}

/** Formats a number with thousands separators and `digits` decimals. */
export function fmt(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return String(value);
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function ratio(figure: number, baseline: number, digits = 2): string {
  return baseline > 0 && Number.isFinite(figure) ? `${fmt(figure / baseline, digits)}×` : '—';
}

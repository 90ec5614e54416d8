/** What fal's log lines tell: how far sampling is, and which lines of a report are new. */
import type { LogLine } from './animation.js';

const STEP_PATTERNS = [/step\s+(\d+)\s*\/\s*(\d+)/i, /(\d+)\s*\/\s*(\d+)/];
const PERCENT_PATTERN = /(\d{1,3}(?:\.\d+)?)\s*%/;

/** How far sampling is (0..1) according to the latest line that says `step N/M`, `N/M` or `NN%`. */
export function progressFromLogs(lines: readonly LogLine[]): number | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const fraction = progressFromLine(lines[i]!.message);
    if (fraction !== null) return fraction;
  }
  return null;
}

function progressFromLine(message: string): number | null {
  for (const pattern of STEP_PATTERNS) {
    const match = pattern.exec(message);
    if (match) {
      const total = Number(match[2]);
      if (total > 0) return clamp(Number(match[1]) / total);
    }
  }
  const percent = PERCENT_PATTERN.exec(message);
  return percent ? clamp(Number(percent[1]) / 100) : null;
}

function clamp(value: number): number {
  return Math.min(1, Math.max(0, value));
}

/**
 * The lines of `incoming` not already in `known`. fal's status stream may send only the
 * new lines in each event or every line so far, and polling always sends every line; so
 * `incoming` is taken to continue `known` after the longest suffix of `known` it repeats.
 */
export function unseenLogs(known: readonly LogLine[], incoming: readonly LogLine[]): LogLine[] {
  for (let overlap = Math.min(known.length, incoming.length); overlap > 0; overlap--) {
    if (isSameRun(known, known.length - overlap, incoming, overlap)) return incoming.slice(overlap);
  }
  return incoming.slice();
}

function isSameRun(known: readonly LogLine[], from: number, incoming: readonly LogLine[], length: number): boolean {
  for (let i = 0; i < length; i++) {
    if (!sameLine(known[from + i]!, incoming[i]!)) return false;
  }
  return true;
}

function sameLine(a: LogLine, b: LogLine): boolean {
  return a.timestamp === b.timestamp && a.message === b.message && a.level === b.level;
}

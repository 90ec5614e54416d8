/**
 * Re-renders BENCHMARKS.md from bench-results.json without measuring again (after editing
 * bench/notes.md, for instance): `tsx bench/render.ts [dir]` (default: the repository).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './lib/paths.js';
import { renderMarkdown, type BenchReport } from './lib/report.js';

const dir = process.argv[2] ?? REPO_ROOT;
const report = JSON.parse(readFileSync(join(dir, 'bench-results.json'), 'utf8')) as BenchReport;
writeFileSync(join(dir, 'BENCHMARKS.md'), renderMarkdown(report));
console.log(`wrote ${join(dir, 'BENCHMARKS.md')}`);

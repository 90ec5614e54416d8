/**
 * Re-renders BENCHMARKS.md from bench-results.json without measuring again (after editing
 * bench/notes.md, for instance): `npm run render -w @uni-animate/bench [-- dir]` (default: bench/results).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RESULTS_DIR } from './lib/paths.js';
import { renderMarkdown, type BenchReport } from './lib/report.js';

const dir = process.argv[2] ? resolve(process.env.INIT_CWD ?? process.cwd(), process.argv[2]) : RESULTS_DIR;
const report = JSON.parse(readFileSync(join(dir, 'bench-results.json'), 'utf8')) as BenchReport;
writeFileSync(join(dir, 'BENCHMARKS.md'), renderMarkdown(report));
console.log(`wrote ${join(dir, 'BENCHMARKS.md')}`);

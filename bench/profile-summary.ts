/**
 * Summarises saved CPU profiles (.cpuprofile, from `node --cpu-prof` or the bench's profile
 * pass, kept with BENCH_KEEP_LOGS=1): `tsx bench/profile-summary.ts <file.cpuprofile>…`
 * prints self time by package, inclusive time by package, and the top functions by self time.
 */
import { summariseProfileFile } from './lib/profile.js';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile>…');
  process.exit(2);
}
for (const file of files) {
  const summary = summariseProfileFile(file, 25);
  console.log(`\n${file}: ${Math.round(summary.busyMs)} ms busy of ${Math.round(summary.totalMs)} ms sampled`);
  console.log(
    `self by area: ${summary.byArea
      .slice(0, 12)
      .map((a) => `${a.area} ${a.percent.toFixed(1)}%`)
      .join(', ')}`,
  );
  console.log(
    `inclusive: ${summary.inclusiveByArea
      .slice(0, 12)
      .map((a) => `${a.area} ${a.percent.toFixed(1)}%`)
      .join(', ')}`,
  );
  for (const entry of summary.top) {
    console.log(`${entry.ms.toFixed(0).padStart(7)} ms ${entry.percent.toFixed(1).padStart(5)}%  ${entry.name}  ${entry.where}`);
  }
}

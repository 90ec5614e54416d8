'use strict';
/**
 * Preload for memory figures: `node --expose-gc --require bench/gc-on-signal.cjs <entry>`.
 * On SIGUSR2 it runs two full GCs and prints one line on stderr:
 *   BENCH_GC <n> {"rss":…,"heapUsed":…,"heapTotal":…,"external":…,"arrayBuffers":…}
 * where <n> counts the signals handled (1, 2, …), so the bench can wait for the answer to its
 * own signal. The gateway's code stays untouched; without --expose-gc it only reports.
 */
let handled = 0;
process.on('SIGUSR2', () => {
  handled += 1;
  if (typeof global.gc === 'function') {
    global.gc();
    global.gc();
  }
  const m = process.memoryUsage();
  const figures = {
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    gc: typeof global.gc === 'function',
  };
  process.stderr.write(`BENCH_GC ${handled} ${JSON.stringify(figures)}\n`);
});

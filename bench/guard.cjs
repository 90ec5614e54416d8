'use strict';
/**
 * Preloaded into every process the bench starts (`--require bench/guard.cjs`): the process exits
 * when the bench that started it is gone (its parent pid changes) or after BENCH_LIFETIME_MS
 * (default 15 minutes), so no bench process outlives a bench killed with SIGKILL.
 * One unref'd 1 Hz timer; nothing else.
 */
const parent = process.ppid;
const started = Date.now();
const lifetimeMs = Number(process.env.BENCH_LIFETIME_MS || 15 * 60_000);
setInterval(() => {
  if (process.ppid !== parent || Date.now() - started > lifetimeMs) process.exit(3);
}, 1_000).unref();

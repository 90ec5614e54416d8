/**
 * Time to ready and idle memory of the compiled gateway in embedded (sandbox) mode:
 * starts `node dist/main.js` (with the flags `npm start` gives it) five times on a fresh DATA_DIR, measures from spawn until
 * /readyz answers 200, then reads VmRSS after 3 s idle. Run `npm run build` first.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GATEWAY_NODE_ARGS, REPO_ROOT, repoPath } from './lib/paths.js';
import { freePort } from './lib/services.js';

const RUNS = 5;

export async function measureStartup(): Promise<{ readyMs: number; idleRssMiB: number }[]> {
  const results = [];
  for (let run = 0; run < RUNS; run++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'gateway-startup-'));
    const port = await freePort();
    const started = performance.now();
    const child = spawn(process.execPath, [...GATEWAY_NODE_ARGS, repoPath('dist/main.js')], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    try {
      let readyMs = Number.NaN;
      for (let attempt = 0; attempt < 1_000 && Number.isNaN(readyMs); attempt++) {
        const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => r.status === 200,
          () => false,
        );
        if (ok) readyMs = performance.now() - started;
        else await sleep(5);
      }
      await sleep(3_000);
      const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]);
      results.push({ readyMs: Math.round(readyMs), idleRssMiB: Math.round(rssKiB / 1024) });
    } finally {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await measureStartup();
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  console.log(results);
  console.log(`median: ready in ${median(results.map((r) => r.readyMs))} ms, idle RSS ${median(results.map((r) => r.idleRssMiB))} MiB`);
}

/**
 * Keeps the bench scripts working: runs every row of `npm run bench` at tiny sizes (a few
 * sockets, a few dozen requests, the gateway from source, unpinned) and checks what was
 * delivered, never how fast; and checks that pinning falls back when taskset is missing.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchConfig, ROW_IDS } from '../config.js';
import type { HttpLoadResult } from '../lib/http-load.js';
import { liveChildPids, pinningAvailable, ProcessGroup, resetPinningProbe } from '../lib/processes.js';
import type { RowResult } from '../lib/row.js';
import { runBench } from '../run.js';
import type { LoadedFanout } from '../rows/gateway-fanout.js';
import type { P1Figures } from '../rows/p1.js';
import type { P2Figures } from '../rows/p2.js';
import type { FirstPage } from '../rows/r1.js';
import type { RoundFigures } from '../lib/fanout.js';
import type { HoldFigures } from '../rows/s3.js';
import type { U1Case } from '../rows/u1.js';
import type { MemoryStep } from '../rows/w-fanout.js';

function row(rows: RowResult[], id: (typeof ROW_IDS)[number]): RowResult {
  const found = rows.find((r) => r.id === id);
  expect(found, `row ${id}`).toBeDefined();
  expect(found!.status, `${id}: ${found!.error ?? ''}`).not.toMatch(/ERROR|SKIPPED/);
  return found!;
}

describe('npm run bench, smoke size', () => {
  it('runs every row, delivers every event, answers every request, and reports every row', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
    const lines: string[] = [];
    try {
      // An empty environment: no BENCH_* flag of the caller changes what the smoke run covers.
      const config = benchConfig('smoke', {});
      const report = await runBench(config, { outDir, log: (line) => lines.push(line), keepWorkDir: 'never' });
      expect(report.rows.map((r) => r.id)).toEqual([...ROW_IDS]);

      // H1 and H2: every request answered 2xx without GraphQL errors; every createAnimation submitted once.
      const h1 = row(report.rows, 'H1').raw as { h1: HttpLoadResult; b: HttpLoadResult };
      expect(h1.h1.failures).toBe(0);
      expect(h1.b.failures).toBe(0);
      expect(h1.h1.runs[0]!.status2xx).toBe(config.http.amount);
      const h2 = row(report.rows, 'H2').raw as { h2: HttpLoadResult; submits: number; responses: number };
      expect(h2.h2.failures).toBe(0);
      expect(h2.h2.runs[0]!.status2xx).toBe(config.http.amount);
      expect(h2.submits).toBe(h2.responses);

      // P1: the gateway and the fal proxy each answered every create 2xx without errors, and the
      // simulator counted exactly one submit per answer on both sides; the proxy replayed the gateway's own submit.
      const p1 = row(report.rows, 'P1').raw as unknown as P1Figures;
      for (const side of [p1.gateway, p1.proxy]) {
        expect(side.load.failures).toBe(0);
        expect(side.load.runs.map((run) => run.status2xx)).toEqual([config.p1.amount]);
        expect(side.submits).toEqual([config.p1.amount]);
        expect(side.settled).toEqual([true]);
      }
      expect(p1.upstreamSubmit.path).toBe('/fal-ai/uni-animate');
      expect(JSON.parse(p1.upstreamSubmit.body)).toMatchObject({ prompt: 'a bench knight dancing', num_inference_steps: 30 });

      // P2: every create answered, and every animation's lifecycle ran to COMPLETED with its video copied.
      const p2 = row(report.rows, 'P2').raw as unknown as P2Figures;
      expect(p2.load.failures).toBe(0);
      expect(p2.load.runs[0]!.status2xx).toBe(config.p2.amount);
      expect(p2.settled).toBe(true);
      expect(p2.statuses).toEqual({ COMPLETED: config.p2.amount });
      expect(p2.calls).toMatchObject({ submit: config.p2.amount, result: config.p2.amount, resultFile: config.p2.amount });

      // R1: every page of the seeded owner's animations answered with exactly 20 edges, no errors.
      const r1 = row(report.rows, 'R1').raw as { r1: HttpLoadResult; b: HttpLoadResult; seeded: number; firstPage: FirstPage };
      expect(r1.seeded).toBe(config.r1.animations);
      expect(r1.firstPage).toEqual({ edges: 20, completed: 20, hasNextPage: true });
      expect(r1.r1.failures).toBe(0);
      expect(r1.r1.runs[0]!.status2xx).toBe(config.http.amount);

      // S1: every subscription got its snapshot at every count, on the gateway and on W.
      const s1 = row(report.rows, 'S1').raw as { gateway: { steps: MemoryStep[] }; w: { steps: MemoryStep[] } };
      for (const steps of [s1.gateway.steps, s1.w.steps]) {
        expect(steps.map((s) => s.subscriptions)).toEqual([0, ...config.fanout.rssSteps]);
        for (const step of steps.filter((s) => s.open)) expect(step.open!.failed).toBe(0);
        // Read from /proc after two forced GCs: a live process's resident memory holds at least its live JS heap.
        for (const step of steps) {
          expect(step.memory.gcForced).toBe(true);
          expect(step.memory.rssKiB * 1024).toBeGreaterThanOrEqual(step.memory.heapUsed);
        }
      }

      // S2: every subscriber received the fanned-out change, once per round.
      const s2 = row(report.rows, 'S2').raw as { gateway: { rounds: RoundFigures[]; drops: number }; w: { rounds: RoundFigures[] } };
      const subscribers = config.fanout.rssSteps.at(-1)!;
      expect(s2.gateway.rounds).toHaveLength(config.fanout.rounds);
      for (const round of [...s2.gateway.rounds, ...s2.w.rounds]) {
        expect(round.expected).toBe(subscribers);
        expect(round.received).toBe(subscribers);
        expect(round.latencyMs.count).toBe(subscribers);
      }
      expect(s2.gateway.drops).toBe(0);

      // S3: every subscription held and reached by the next change, on both servers.
      const s3 = row(report.rows, 'S3').raw as { gateway: HoldFigures; w: HoldFigures };
      for (const hold of [s3.gateway, s3.w]) {
        expect(hold.subscribed).toBe(config.s3.clients * config.s3.perClient);
        expect(hold.delivered).toBe(hold.subscribed);
        expect(hold.closed).toBe(0);
        expect(hold.drops).toBe(0);
      }

      // S4: createAnimation answered without errors idle and during the fan-out, and every step
      // fanned out during the load reached every subscriber.
      const s4 = row(report.rows, 'S4').raw as { idle: HttpLoadResult; loaded: HttpLoadResult; fanoutDuringLoad: LoadedFanout };
      expect(s4.idle.failures).toBe(0);
      expect(s4.loaded.failures).toBe(0);
      expect(s4.loaded.runs[0]!.status2xx).toBe(config.s4.amount);
      expect(s4.fanoutDuringLoad.invalid).toBe(0);
      for (const count of Object.values(s4.fanoutDuringLoad.receiptsPerStep)) expect(count).toBe(subscribers);

      // U1: one submit, one status stream, one result and one download of the video per animation, whatever the subscribers.
      const u1 = row(report.rows, 'U1').raw as { cases: U1Case[] };
      expect(u1.cases.map((c) => c.subscribers)).toEqual(config.u1.subscribers);
      for (const c of u1.cases) {
        expect(c.calls).toEqual({ submit: 1, status: 0, stream: 1, result: 1, cancel: 0, resultFile: 1 });
        expect(c.completedSubscribers).toBe(c.subscribers);
        expect(c.statuses.COMPLETED).toBe(c.subscribers);
      }

      // The report renders every row, and the JSON holds the raw figures.
      const markdown = readFileSync(join(outDir, 'BENCHMARKS.md'), 'utf8');
      for (const id of ROW_IDS) {
        expect(markdown).toMatch(new RegExp(`^\\| ${id} \\|`, 'm'));
        expect(markdown).toContain(`### ${id}:`);
      }
      expect(markdown).toContain('## Machine');
      const json = JSON.parse(readFileSync(join(outDir, 'bench-results.json'), 'utf8')) as { rows: { id: string }[] };
      expect(json.rows.map((r) => r.id)).toEqual([...ROW_IDS]);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
    // Every process the bench started is gone.
    expect(liveChildPids()).toEqual([]);
  }, 120_000);
});

describe('pinning', () => {
  it('runs a bench process pinned when taskset exists, and unpinned when it does not', async () => {
    const group = new ProcessGroup();
    const path = process.env.PATH;
    try {
      const pinned = group.spawnNode('probe', { args: ['-e', 'console.log("ran")'], cpu: 0 });
      await pinned.waitForLine(/^ran$/, 10_000);
      expect(pinned.pinnedCpu).toBe(pinningAvailable() ? 0 : undefined);

      // No taskset on the PATH: the probe says so and the process still runs, unpinned.
      process.env.PATH = '/nonexistent';
      resetPinningProbe();
      expect(pinningAvailable()).toBe(false);
      const unpinned = group.spawnNode('probe', { args: ['-e', 'console.log("ran")'], cpu: 0 });
      await unpinned.waitForLine(/^ran$/, 10_000);
      expect(unpinned.pinnedCpu).toBeUndefined();
    } finally {
      process.env.PATH = path;
      resetPinningProbe();
      await group.stopAll();
    }
  });
});

/**
 * R1: the first page of `animations(first: 20)` for an owner with 10,000 animations, through the
 * full gateway, vs B. The owner's animations are written into the gateway's embedded store before
 * it starts (with the gateway's own store code); the load authenticates as that owner. Every
 * response must hold exactly 20 edges (checked by the load generator on each body).
 */
import { join } from 'node:path';
import { BENCH_OWNER } from '../config.js';
import { seedAnimations } from '../lib/gateway-store.js';
import { EDGE_NEEDLE, LIST_ANIMATIONS, LIST_PAGE_SIZE } from '../lib/documents.js';
import { firstFailedResponse, noFailures, rpsAgainstB, serverCpuAgainstB } from '../lib/http-checks.js';
import type { HttpLoadResult } from '../lib/http-load.js';
import { ProcessGroup } from '../lib/processes.js';
import { fmt, ratio, ROW_TITLES, statusOf, type Check, type RowContext, type RowResult } from '../lib/row.js';
import { loadGateway, startFastJobSimulator, startGateway } from '../lib/row-servers.js';
import { graphql } from '../lib/services.js';

interface ListPage {
  animations: { edges: { cursor: string; node: { id: string; status: string } }[]; pageInfo: { hasNextPage: boolean } };
}

/** One page read before the load: what every response of the load looks like. */
export interface FirstPage {
  edges: number;
  completed: number;
  hasNextPage: boolean;
}

/** `b` may still be running in a smoke run (which checks code paths, not timings); full runs pass it measured. */
export async function runR1(ctx: RowContext, baseline: Promise<HttpLoadResult>): Promise<RowResult> {
  const started = performance.now();
  const group = new ProcessGroup();
  try {
    const dataDir = join(ctx.workDir, 'gateway-r1-data');
    const seedStarted = performance.now();
    const seeded = await seedAnimations(dataDir, BENCH_OWNER, ctx.config.r1.animations);
    const seedMs = performance.now() - seedStarted;
    const sim = await startFastJobSimulator(group, ctx.config.pin);
    const gateway = await startGateway(ctx, group, sim, { name: 'gateway-r1', dataDir });
    ctx.log(`R1: gateway pid ${gateway.pid}, ${seeded} animations of ${BENCH_OWNER} seeded in ${Math.round(seedMs)} ms`);
    const page = await graphql<ListPage>(gateway.graphqlUrl, LIST_ANIMATIONS);
    const firstPage: FirstPage = {
      edges: page.animations.edges.length,
      completed: page.animations.edges.filter((edge) => edge.node.status === 'COMPLETED').length,
      hasNextPage: page.animations.pageInfo.hasNextPage,
    };
    const r1 = await loadGateway(ctx, group, gateway, {
      label: 'R1',
      body: JSON.stringify({ query: LIST_ANIMATIONS }),
      size: ctx.config.http,
      expectCount: { needle: EDGE_NEEDLE, count: LIST_PAGE_SIZE },
      onRun: (run, i) =>
        ctx.log(
          `R1 run ${i + 1}: ${Math.round(run.rps)} req/s, ${Math.round(run.serverCpuUsPerRequest)} µs/req, p99 ${run.latencyMs.p99} ms, failed ${run.non2xx + run.errors + run.mismatches}`,
        ),
    });
    await gateway.stop();
    const b = await baseline;
    const checks: Check[] = [
      rpsAgainstB(r1, b, 0.3),
      {
        label: 'p99',
        figure: `${fmt(r1.median.p99Ms)} ms`,
        baseline: `B ${fmt(b.median.p99Ms)} ms`,
        ratio: ratio(r1.median.p99Ms, b.median.p99Ms),
        target: "≤ 3× B's",
        pass: r1.median.p99Ms <= 3 * b.median.p99Ms,
      },
      noFailures(r1, 'errors', `0 (each response 2xx, no GraphQL errors, exactly ${LIST_PAGE_SIZE} edges)`),
    ];
    return {
      id: 'R1',
      what: ROW_TITLES.R1,
      status: statusOf(checks),
      checks,
      details: [
        `The owner has ${fmt(seeded)} COMPLETED animations with kept videos, written into the gateway's embedded store before it started (${fmt(seedMs)} ms, the gateway's own store code); each response is checked for exactly ${LIST_PAGE_SIZE} edges. A page read before the load: ${firstPage.edges} edges, ${firstPage.completed} COMPLETED, hasNextPage ${firstPage.hasNextPage}.`,
        `${serverCpuAgainstB('R1', r1, b)}; p50/p99 R1 ${r1.median.p50Ms}/${r1.median.p99Ms} ms vs B ${b.median.p50Ms}/${b.median.p99Ms} ms; RSS R1 ${fmt(r1.median.serverRssKiB / 1024)} MiB.`,
        `Runs (req/s): R1 ${r1.runs.map((r) => fmt(r.rps)).join(' / ')}; B ${b.runs.map((r) => fmt(r.rps)).join(' / ')}.`,
        ...firstFailedResponse(r1),
      ],
      raw: { b, r1, seeded, firstPage },
      elapsedMs: performance.now() - started,
    };
  } finally {
    await group.stopAll();
  }
}

/** Baseline B: bare yoga `{ hello }` with maxRequestBodySize false, measured with the same harness as H1/H2. */
import { HELLO_QUERY } from '../lib/documents.js';
import { runHttpLoad, type HttpLoadResult } from '../lib/http-load.js';
import { ProcessGroup } from '../lib/processes.js';
import type { RowContext } from '../lib/row.js';
import { LOAD_CPU, startBaselineB } from '../lib/services.js';
import { BENCH_AUTHORIZATION } from '../config.js';

export async function measureB(ctx: RowContext): Promise<HttpLoadResult> {
  const group = new ProcessGroup();
  try {
    const b = await startBaselineB(group, ctx.config.pin);
    ctx.log(`B: yoga { hello } on pid ${b.proc.pid}`);
    return await runHttpLoad(
      group,
      {
        label: 'B',
        url: b.url,
        body: JSON.stringify({ query: HELLO_QUERY }),
        headers: { authorization: BENCH_AUTHORIZATION },
        serverPid: b.proc.pid,
      },
      ctx.config.http,
      {
        cpu: LOAD_CPU,
        pin: ctx.config.pin,
        onRun: (run, i) => ctx.log(`B run ${i + 1}: ${Math.round(run.rps)} req/s, ${Math.round(run.serverCpuUsPerRequest)} µs/req`),
      },
    );
  } finally {
    await group.stopAll();
  }
}

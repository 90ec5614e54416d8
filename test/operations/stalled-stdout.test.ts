import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { childEnvironment } from '../support/gateway-process.js';
import { CANARY_FAL_KEY, freePort, startSimulator, temporaryDirectory } from '../support/harness.js';
import { eventually, within } from '../support/eventually.js';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

/** A long operation name: every request logs it, so a few hundred requests write far more than a pipe holds (64 KiB on Linux). */
const OPERATION = `Padding${'x'.repeat(2_000)}`;
const REQUESTS = 400;

describe('a gateway whose stdout nobody reads', () => {
  it('keeps serving, counts the log lines it drops, and still exits 0 on SIGTERM', async () => {
    const simulator = await startSimulator();
    const port = await freePort();
    // stdout is a pipe this test never reads: once the OS buffer is full, every write to it would block.
    const child = spawn(process.execPath, ['--conditions=@uni-animate/source', '--import', 'tsx', MAIN], {
      env: childEnvironment({
        DATA_DIR: temporaryDirectory(),
        FAL_API_URL: simulator.url,
        FAL_KEY: CANARY_FAL_KEY,
        PORT: String(port),
        LOG_LEVEL: 'debug',
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    onTestFinished(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await within(exited, 15_000, `gateway process ${child.pid} to exit after SIGKILL at the end of the test`);
    });
    const base = `http://127.0.0.1:${port}`;
    const get = (path: string) => fetch(`${base}${path}`, { signal: AbortSignal.timeout(1_000) });

    await eventually(async () => expect((await get('/healthz')).status).toBe(200), 20_000);

    for (let i = 0; i < REQUESTS; i++) {
      const response = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `query ${OPERATION} { __typename }`, operationName: OPERATION }),
        signal: AbortSignal.timeout(1_000),
      });
      expect(response.status, `request ${i}`).toBe(200);
      await response.arrayBuffer();
    }
    expect((await get('/healthz')).status).toBe(200);

    const metrics = await (await get('/metrics')).text();
    const dropped = Number(/^gateway_log_lines_dropped_total (\d+)$/m.exec(metrics)?.[1]);
    expect(dropped).toBeGreaterThan(0);

    child.kill('SIGTERM');
    // The exit deadline of main.ts plus margin is the bound of this wait; no duration is measured.
    expect(await within(exited, 15_000, () => `the gateway to exit after SIGTERM with its stdout stalled; stderr:\n${stderr}`)).toBe(0);
  }, 60_000);
});

import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { within } from '../support/eventually.js';
import { childEnvironment } from '../support/gateway-process.js';
import { CANARY_FAL_KEY, temporaryDirectory } from '../support/harness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SMOKE = fileURLToPath(new URL('../../scripts/smoke.ts', import.meta.url));
const SIMULATOR_CLI = fileURLToPath(new URL('../../packages/fal-simulator/src/cli.ts', import.meta.url));

/** The bound of a whole smoke run (the script's own bound outside the real fal is 60 s). */
const SMOKE_BOUND_MS = 75_000;
const EXIT_BOUND_MS = 15_000;

interface Child {
  child: ChildProcess;
  stdout: string[];
  exited: Promise<number | NodeJS.Signals | null>;
}

/**
 * Spawns `node --conditions=@uni-animate/source --import tsx <args>` in its own process group with a clean environment
 * plus `env`; the whole group (the smoke script's gateway included) is killed when the test ends.
 */
function run(args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--conditions=@uni-animate/source', '--import', 'tsx', ...args], {
    cwd: ROOT,
    env: childEnvironment(env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const stdout: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => stdout.push(line));
  createInterface({ input: child.stderr! }).on('line', (line) => stdout.push(`stderr: ${line}`));
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  onTestFinished(async () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // the group is gone already
    }
    await within(exited, EXIT_BOUND_MS, `process ${child.pid} (${args.join(' ')}) to exit at the end of the test`);
  });
  return { child, stdout, exited };
}

async function smoke(env: Record<string, string>): Promise<string> {
  const { stdout, exited } = run([SMOKE], env);
  const code = await within(exited, SMOKE_BOUND_MS, () => `npm run smoke to exit; its output so far:\n${stdout.join('\n')}`);
  const output = stdout.join('\n');
  expect(code, output).toBe(0);
  return output;
}

function expectCompleted(output: string): void {
  expect(output).toContain('status COMPLETED');
  expect(output).toMatch(/result http:\/\/127\.0\.0\.1:\d+\/media\/\S+\.mp4\?expires=/);
  expect(output).toContain('video OK: HTTP 200, video/mp4');
  expect(output).toContain('SMOKE OK');
}

describe('npm run smoke', () => {
  it('runs one animation end to end in sandbox mode', { timeout: SMOKE_BOUND_MS + 10_000 }, async () => {
    const output = await smoke({ DATA_DIR: temporaryDirectory(), SANDBOX_STEP_MS: '20', SANDBOX_QUEUE_TICK_MS: '50' });
    expect(output).toContain('smoke test against sandbox');
    expectCompleted(output);
  });

  it(
    'runs one animation end to end against a fal simulator in its own process (FAL_API_URL)',
    { timeout: SMOKE_BOUND_MS + 30_000 },
    async () => {
      const simulator = run([SIMULATOR_CLI, '--port', '0', '--step-ms', '20', '--queue-tick-ms', '50'], {});
      const simulatorUrl = await within(
        new Promise<string>((resolve, reject) => {
          createInterface({ input: simulator.child.stdout! }).on('line', (line) => {
            const listening = /^fal simulator listening at (http:\/\/\S+)$/.exec(line);
            if (listening) resolve(listening[1]!);
          });
          void simulator.exited.then((code) =>
            reject(new Error(`the simulator exited (${String(code)}):\n${simulator.stdout.join('\n')}`)),
          );
        }),
        20_000,
        'the fal simulator to print its URL',
      );

      const output = await smoke({ DATA_DIR: temporaryDirectory(), FAL_API_URL: simulatorUrl, FAL_KEY: CANARY_FAL_KEY });
      expect(output).toContain(`smoke test against fal-compatible API at ${simulatorUrl}`);
      expectCompleted(output);
    },
  );
});

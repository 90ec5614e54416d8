import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import { within } from './eventually.js';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

/** How long a killed gateway may take to exit before a wait for its exit gives up. */
const EXIT_BOUND_MS = 15_000;

/**
 * What a child gateway inherits from the test process: only what Node and the OS need, never
 * the developer's gateway settings (DATABASE_URL, API_KEYS, FAL_KEY, NODE_ENV, MEDIA_*, AWS_*...).
 */
const INHERITED = ['PATH', 'HOME', 'TMPDIR', 'TMP', 'TEMP', 'LANG', 'LC_ALL', 'TZ', 'SYSTEMROOT', 'USER', 'LOGNAME', 'SHELL'];

/** A clean environment for a child gateway: the few inherited variables above, then `env`. */
export function childEnvironment(env: Record<string, string>): Record<string, string> {
  const inherited = Object.fromEntries(INHERITED.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]!]])));
  return { ...inherited, PORT: '0', LOG_LEVEL: 'info', ...env };
}

export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  /** Every log line the process printed so far. */
  lines: string[];
  /** Resolves with the exit code (or signal) once the process has exited (unbounded: bound it where it is awaited). */
  exited: Promise<number | NodeJS.Signals | null>;
  /** Sends `signal` and resolves with the exit code (or signal); rejects if the process has not exited within 15 s. */
  kill(signal?: NodeJS.Signals): Promise<number | NodeJS.Signals | null>;
}

/**
 * Starts the gateway as a real separate process (`node --conditions=@uni-animate/source --import tsx src/main.ts`) with
 * a clean environment plus `env` (see `childEnvironment`), and resolves once it logs the URL it serves; killed when the
 * test ends.
 */
export async function startGatewayProcess(env: Record<string, string>, timeoutMs = 20_000): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--conditions=@uni-animate/source', '--import', 'tsx', MAIN], {
    env: childEnvironment(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await within(exited, EXIT_BOUND_MS, `gateway process ${child.pid} to exit after SIGKILL at the end of the test`);
  });
  createInterface({ input: child.stderr! }).on('line', (line) => lines.push(line));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start within ${timeoutMs} ms:\n${lines.join('\n')}`)), timeoutMs);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      const served = /"url":"(http:\/\/[^"]+)\/graphql"/.exec(line);
      if (served) {
        clearTimeout(timer);
        resolve(served[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited (${String(code)}) before serving:\n${lines.join('\n')}`));
    });
  });

  return {
    url,
    child,
    lines,
    exited,
    kill(signal = 'SIGKILL') {
      child.kill(signal);
      return within(exited, EXIT_BOUND_MS, `gateway process ${child.pid} to exit after ${signal}`);
    },
  };
}

import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ENDPOINT, VALID_INPUT } from './helpers.js';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const WAIT_MS = 15_000;

interface CliProcess {
  child: ChildProcess;
  /** Every stdout line so far. */
  stdout: string[];
  /** Every stderr line so far. */
  stderr: string[];
  /** Resolves with the exit code (or signal) once the process has exited and its output is read. */
  exited: Promise<number | NodeJS.Signals | null>;
  /** Called with every stdout line after it is recorded. */
  onStdout: Set<(line: string) => void>;
}

/** `node --conditions=@uni-animate/source --import tsx src/cli.ts …args`, killed when the test ends. */
function runCli(args: string[]): CliProcess {
  const child = spawn(process.execPath, ['--conditions=@uni-animate/source', '--import', 'tsx', CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const onStdout = new Set<(line: string) => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    stdout.push(line);
    for (const listener of onStdout) listener(line);
  });
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  // 'close', not 'exit': by then stdout and stderr have been read to their end.
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.once('close', (code, signal) => resolve(signal ?? code)));
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return { child, stdout, stderr, exited, onStdout };
}

/** Resolves with the first stdout line matching `pattern`; rejects when the process exits first or after WAIT_MS. */
function waitForLine(cli: CliProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const seen = (): string => `stdout:\n${cli.stdout.join('\n')}\nstderr:\n${cli.stderr.join('\n')}`;
    const timer = setTimeout(() => reject(new Error(`no stdout line matching ${pattern} within ${WAIT_MS} ms\n${seen()}`)), WAIT_MS);
    const check = (line: string): void => {
      const match = pattern.exec(line);
      if (!match) return;
      clearTimeout(timer);
      cli.onStdout.delete(check);
      resolve(match);
    };
    cli.onStdout.add(check);
    cli.stdout.forEach(check);
    void cli.exited.then((code) => {
      clearTimeout(timer);
      cli.onStdout.delete(check);
      reject(new Error(`fal-simulator exited (${String(code)}) before printing a line matching ${pattern}\n${seen()}`));
    });
  });
}

/** Resolves with the exit code once the process has exited; rejects after WAIT_MS. */
function exitWithin(cli: CliProcess): Promise<number | NodeJS.Signals | null> {
  return Promise.race([
    cli.exited,
    new Promise<never>((_, reject) => {
      const timer = setTimeout(() => reject(new Error(`fal-simulator did not exit within ${WAIT_MS} ms`)), WAIT_MS);
      void cli.exited.then(() => clearTimeout(timer));
    }),
  ]);
}

describe('fal-simulator CLI', () => {
  it('prints its URL, serves fal’s queue there, and stops on SIGTERM', async () => {
    const cli = runCli(['--port', '0', '--step-ms', '5', '--queue-tick-ms', '10']);
    const [line, url] = await waitForLine(cli, /^fal simulator listening at (http:\/\/127\.0\.0\.1:(\d+))$/);
    expect(line).toBe(`fal simulator listening at ${url}`);
    expect(cli.stdout).toEqual([line]);

    const submitted = await fetch(`${url}/${ENDPOINT}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(VALID_INPUT),
      signal: AbortSignal.timeout(WAIT_MS),
    });
    expect(submitted.status).toBe(200);
    const body = (await submitted.json()) as Record<string, unknown>;
    expect(body.status).toBe('IN_QUEUE');
    expect(body.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.status_url).toBe(`${url}/${ENDPOINT}/requests/${String(body.request_id)}/status`);

    cli.child.kill('SIGTERM');
    expect(await exitWithin(cli)).toBe(0);
    expect(cli.stderr).toContain('fal-simulator: SIGTERM, stopping');
  });

  it('refuses a port that is not a number, with exit code 2 and the usage', async () => {
    const cli = runCli(['--port', 'eighty']);
    expect(await exitWithin(cli)).toBe(2);
    expect(cli.stderr[0]).toBe('fal-simulator: --port must be a non-negative integer, not "eighty"');
    expect(cli.stderr).toContain('Usage: fal-simulator [options]');
    expect(cli.stdout).toEqual([]);
  });
});

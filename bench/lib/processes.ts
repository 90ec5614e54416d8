/**
 * Child processes of the bench: spawned (pinned to a CPU with `taskset` when it exists), recorded
 * by pid, and always stopped by that pid (never by name): by their ProcessGroup when a row ends,
 * and by an exit hook if the bench itself dies.
 */
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const live = new Set<ChildProcess>();
/** Makes every child exit once the bench is gone (see guard.cjs). */
const GUARD = fileURLToPath(new URL('../guard.cjs', import.meta.url));
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort: synchronous, so it also runs on process.exit() and uncaught errors.
  process.on('exit', () => {
    for (const child of live) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/** SIGKILLs every child the bench started and that still runs (by its recorded pid). */
export function killAllChildren(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** SIGKILLs every child still running and waits (bounded) until each has exited. */
export async function killAllChildrenAndWait(timeoutMs = 10_000): Promise<void> {
  const exits = [...live].map((child) => new Promise<void>((resolve) => child.once('exit', () => resolve())));
  killAllChildren();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(exits), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}

/** Pids of every child still running (for reports and for the smoke test's leak check). */
export function liveChildPids(): number[] {
  return [...live].map((child) => child.pid!).filter((pid) => pid !== undefined);
}

let tasksetWorks: boolean | undefined;

/** Forgets the result of the taskset probe (tests run it again under another PATH). */
export function resetPinningProbe(): void {
  tasksetWorks = undefined;
}

/** True when `taskset` exists and the machine has at least two CPUs to split between server and load. */
export function pinningAvailable(): boolean {
  if (tasksetWorks === undefined) {
    try {
      const probe = spawnSync('taskset', ['-c', '1', 'true'], { stdio: 'ignore', timeout: 5_000 });
      tasksetWorks = probe.status === 0 && availableParallelism() >= 2;
    } catch {
      tasksetWorks = false;
    }
  }
  return tasksetWorks;
}

export interface SpawnOptions {
  /** Node arguments before the script, e.g. ['--expose-gc']. */
  nodeArgs?: string[];
  /** Script and its arguments. */
  args: string[];
  env?: Record<string, string | undefined>;
  /** CPU to pin to with taskset, when pinning is on and available. */
  cpu?: number;
  pin?: boolean;
  /** 'pipe' reads stdout line by line; a path appends it to that file; 'ignore' drops it. */
  stdout?: 'pipe' | 'ignore' | { file: string };
  /** stderr is always read line by line; with a file it is also appended there. */
  stderrFile?: string;
  /** Opens an IPC channel (child_process.fork style). */
  ipc?: boolean;
  cwd?: string;
}

type LineListener = (line: string, stream: 'stdout' | 'stderr') => void;

const TAIL_LINES = 400;

export class ManagedProcess {
  readonly pid: number;
  readonly pinnedCpu: number | undefined;
  readonly exited: Promise<ExitInfo>;
  /** The last lines the process printed on the streams we read. */
  readonly tail: string[] = [];
  private readonly listeners = new Set<LineListener>();
  private exitInfo: ExitInfo | undefined;
  private stderrFileClosed = false;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    pinnedCpu: number | undefined,
    stderrFd: number | undefined,
  ) {
    if (child.pid === undefined) throw new Error(`${name}: could not be started`);
    this.pid = child.pid;
    this.pinnedCpu = pinnedCpu;
    live.add(child);
    this.exited = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => {
        live.delete(child);
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
      child.once('error', () => {
        live.delete(child);
        this.exitInfo ??= { code: null, signal: null };
        resolve(this.exitInfo);
      });
    });
    const read = (stream: NodeJS.ReadableStream | null, kind: 'stdout' | 'stderr') => {
      if (!stream) return;
      createInterface({ input: stream }).on('line', (line) => {
        this.tail.push(line);
        if (this.tail.length > TAIL_LINES) this.tail.shift();
        if (kind === 'stderr' && stderrFd !== undefined && !this.stderrFileClosed) {
          try {
            writeSync(stderrFd, `${line}\n`);
          } catch {
            // the log file is best effort
          }
        }
        for (const listener of [...this.listeners]) listener(line, kind);
      });
    };
    read(child.stdout, 'stdout');
    read(child.stderr, 'stderr');
    if (stderrFd !== undefined) {
      // Closed once the stream has delivered everything, so no line is written to a reused fd.
      const closeFile = () => {
        if (this.stderrFileClosed) return;
        this.stderrFileClosed = true;
        closeSync(stderrFd);
      };
      if (child.stderr) child.stderr.once('close', closeFile);
      else void this.exited.then(closeFile);
    }
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  onLine(listener: LineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first line (already printed or coming) that matches; rejects on timeout or exit. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    for (const line of this.tail) {
      const match = pattern.exec(line);
      if (match) return Promise.resolve(match);
    }
    return new Promise((resolve, reject) => {
      const done = (error?: Error, match?: RegExpExecArray) => {
        clearTimeout(timer);
        off();
        if (error) reject(error);
        else resolve(match!);
      };
      const timer = setTimeout(
        () =>
          done(new Error(`${this.name}: no line matching ${String(pattern)} within ${timeoutMs} ms\n${this.tail.slice(-20).join('\n')}`)),
        timeoutMs,
      );
      const off = this.onLine((line) => {
        const match = pattern.exec(line);
        if (match) done(undefined, match);
      });
      void this.exited.then((info) => {
        if (this.listeners.size > 0) {
          done(
            new Error(
              `${this.name} exited (${info.code ?? info.signal}) while waiting for ${String(pattern)}\n${this.tail.slice(-20).join('\n')}`,
            ),
          );
        }
      });
    });
  }

  /** Sends `signal` (SIGTERM by default), waits up to graceMs for the exit, then SIGKILLs. */
  async stop(graceMs = 10_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<ExitInfo> {
    if (!this.running) return this.exitInfo!;
    try {
      process.kill(this.pid, signal);
    } catch {
      // already gone
    }
    const timer = setTimeout(() => this.kill(), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (!this.running) return;
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** The processes one row started; stopAll() ends them, newest first. */
export class ProcessGroup {
  private readonly members: ManagedProcess[] = [];

  spawnNode(name: string, options: SpawnOptions): ManagedProcess {
    installExitHook();
    const pinned = options.pin !== false && options.cpu !== undefined && pinningAvailable() ? options.cpu : undefined;
    const nodeArgv = ['--require', GUARD, ...(options.nodeArgs ?? []), ...options.args];
    const command = pinned === undefined ? process.execPath : 'taskset';
    // taskset execs node in place, so the pid we record is node's own.
    const argv = pinned === undefined ? nodeArgv : ['-c', String(pinned), process.execPath, ...nodeArgv];
    let stdoutFd: number | undefined;
    const stdoutOption = options.stdout ?? 'pipe';
    if (typeof stdoutOption === 'object') stdoutFd = openSync(stdoutOption.file, 'a');
    const stderrFd = options.stderrFile ? openSync(options.stderrFile, 'a') : undefined;
    const stdio: StdioOptions = [
      'ignore',
      stdoutFd ?? (stdoutOption === 'ignore' ? 'ignore' : 'pipe'),
      'pipe',
      ...(options.ipc ? (['ipc'] as const) : []),
    ];
    const child = spawn(command, argv, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env } as NodeJS.ProcessEnv,
      stdio,
    });
    if (stdoutFd !== undefined) closeSync(stdoutFd);
    const managed = new ManagedProcess(name, child, pinned, stderrFd);
    this.members.push(managed);
    return managed;
  }

  get processes(): readonly ManagedProcess[] {
    return this.members;
  }

  async stopAll(graceMs = 10_000): Promise<void> {
    const running = [...this.members].reverse().filter((member) => member.running);
    await Promise.all(running.map((member) => member.stop(graceMs)));
  }

  killAll(): void {
    for (const member of this.members) member.kill();
  }
}

/** Polls `probe` every intervalMs until it returns true; rejects after timeoutMs or when `alive()` turns false. */
export async function pollUntil(
  what: string,
  probe: () => Promise<boolean> | boolean,
  options: { timeoutMs: number; intervalMs?: number; alive?: () => boolean },
): Promise<void> {
  const deadline = performance.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 25;
  for (let attempt = 0; attempt < 100_000; attempt++) {
    if (await probe()) return;
    if (options.alive && !options.alive()) throw new Error(`${what}: the process exited`);
    if (performance.now() > deadline) throw new Error(`${what}: not reached within ${options.timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
  throw new Error(`${what}: gave up after too many attempts`);
}

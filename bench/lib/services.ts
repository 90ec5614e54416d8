/**
 * The servers a row starts, each in its own process: the gateway (compiled, or from source for
 * the smoke test), the fal simulator, and the two baselines B and W.
 */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { JobPlan, SimulatorOptions } from '@uni-animate/fal-simulator';
import { BENCH_AUTHORIZATION, BENCH_FAL_KEY } from '../config.js';
import { GATEWAY_NODE_ARGS, REPO_ROOT, repoPath, TSX_ARGS } from './paths.js';
import { fdCount, rssKiB } from './proc.js';
import { pollUntil, type ManagedProcess, type ProcessGroup } from './processes.js';

/** CPU of the server under test, and of everything that loads it (clients, autocannon, simulator). */
export const SERVER_CPU = 0;
export const LOAD_CPU = 1;

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface MemorySample {
  /** VmRSS from /proc after two forced GCs. */
  rssKiB: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  gcForced: boolean;
}

/** Asks a process started with the gc-on-signal preload for a GC, then reads its memory. */
async function memoryAfterGc(proc: ManagedProcess, seq: number): Promise<MemorySample> {
  process.kill(proc.pid, 'SIGUSR2');
  const line = await proc.waitForLine(new RegExp(`^BENCH_GC ${seq} (.*)$`), 60_000);
  const figures = JSON.parse(line[1]!) as { heapUsed: number; external: number; arrayBuffers: number; gc: boolean };
  return {
    rssKiB: rssKiB(proc.pid),
    heapUsed: figures.heapUsed,
    external: figures.external,
    arrayBuffers: figures.arrayBuffers,
    gcForced: figures.gc,
  };
}

const GC_PRELOAD = ['--expose-gc', '--require', repoPath('bench/gc-on-signal.cjs')];

export interface GatewayOptions {
  name?: string;
  simulatorUrl: string;
  workDir: string;
  /** DATA_DIR, when the row prepared it (e.g. seeded its store); default a fresh one under workDir. */
  dataDir?: string;
  entry: 'dist' | 'source';
  env: Record<string, string>;
  production: boolean;
  logLevel: 'warn' | 'info';
  /** Start with --expose-gc and the gc-on-signal preload, so memory() can force a GC. */
  gcHook: boolean;
  /** Open the inspector on a random loopback port (InspectorSession.attach profiles one phase). */
  inspect?: boolean;
  pin: boolean;
}

export class GatewayProcess {
  private gcSeq = 0;

  private constructor(
    readonly proc: ManagedProcess,
    readonly port: number,
    readonly dataDir: string,
    readonly logFile: string,
  ) {}

  get pid(): number {
    return this.proc.pid;
  }
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get graphqlUrl(): string {
    return `${this.url}/graphql`;
  }
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/graphql`;
  }

  static async start(group: ProcessGroup, options: GatewayOptions): Promise<GatewayProcess> {
    const name = options.name ?? 'gateway';
    const port = await freePort();
    const dir = join(options.workDir, `${name}-${port}`);
    const dataDir = options.dataDir ?? join(dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    mkdirSync(dir, { recursive: true });
    const logFile = join(dir, 'gateway.log');
    const nodeArgs = [
      ...GATEWAY_NODE_ARGS,
      ...(options.gcHook ? GC_PRELOAD : []),
      ...(options.inspect ? ['--inspect=127.0.0.1:0'] : []),
      ...(options.entry === 'source' ? TSX_ARGS : []),
    ];
    const proc = group.spawnNode(name, {
      nodeArgs,
      args: [repoPath(options.entry === 'dist' ? 'dist/main.js' : 'src/main.ts')],
      cpu: SERVER_CPU,
      pin: options.pin,
      cwd: REPO_ROOT,
      stdout: { file: logFile },
      stderrFile: logFile,
      env: {
        ...options.env,
        HOST: '127.0.0.1',
        PORT: String(port),
        DATA_DIR: dataDir,
        FAL_API_URL: options.simulatorUrl,
        FAL_KEY: BENCH_FAL_KEY,
        LOG_LEVEL: options.logLevel,
        NODE_ENV: options.production ? 'production' : 'development',
        DATABASE_URL: '',
      },
    });
    const gateway = new GatewayProcess(proc, port, dataDir, logFile);
    await pollUntil(
      `${name} ready on port ${port} (log: ${logFile})`,
      () =>
        fetch(`${gateway.url}/readyz`).then(
          (r) => r.status === 200,
          () => false,
        ),
      { timeoutMs: 30_000, intervalMs: 25, alive: () => proc.running },
    );
    return gateway;
  }

  /** RSS (and heap) after two forced GCs; needs gcHook. */
  memory(): Promise<MemorySample> {
    return memoryAfterGc(this.proc, ++this.gcSeq);
  }

  fds(): number {
    return fdCount(this.pid);
  }

  /** SIGTERM (the gateway shuts down cleanly), SIGKILL after graceMs. */
  stop(graceMs = 20_000) {
    return this.proc.stop(graceMs);
  }
}

export interface PlanRule {
  /** A substring of the prompt. */
  match: string;
  plan: JobPlan;
}

export interface SimulatorJob {
  requestId: string;
  status: string;
  /** Last step logged. */
  step: number;
  /** Steps the plan logs. */
  steps: number;
  paused: boolean;
  logCount: number;
  submittedAt: number;
  startedAt?: number;
  completedAt?: number;
  /** step → µs (CLOCK_MONOTONIC) when the simulator emitted it, for a watched job */
  stepTimes: Record<string, number>;
}

export interface RequestCalls {
  status: number;
  stream: number;
  result: number;
  cancel: number;
  /** Downloads of the result video (the gateway copies it once). */
  resultFile: number;
}

export interface CallTotals extends RequestCalls {
  submit: number;
}

/** A submit as the simulator received it (header names lower-cased). */
export interface RecordedSubmit {
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
}

/** The fal simulator in its own process (bench/simulator-process.ts), driven over its control port. */
export class SimulatorProcess {
  private constructor(
    readonly proc: ManagedProcess,
    readonly url: string,
    private readonly control: string,
  ) {}

  static async start(group: ProcessGroup, options: SimulatorOptions, settings: { pin: boolean; cpu?: number }): Promise<SimulatorProcess> {
    const proc = group.spawnNode('simulator', {
      nodeArgs: TSX_ARGS,
      args: [repoPath('bench/simulator-process.ts')],
      cpu: settings.cpu ?? LOAD_CPU,
      pin: settings.pin,
      cwd: REPO_ROOT,
      env: { BENCH_SIM_OPTIONS: JSON.stringify(options) },
    });
    const line = await proc.waitForLine(/^BENCH_SIMULATOR (.*)$/, 30_000);
    const info = JSON.parse(line[1]!) as { url: string; control: string };
    return new SimulatorProcess(proc, info.url, info.control);
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 15_000): Promise<T> {
    const response = await fetch(`${this.control}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const json = (await response.json()) as T & { error?: string };
    if (!response.ok) throw new Error(`simulator ${method} ${path}: ${response.status} ${json.error ?? ''}`);
    return json;
  }

  /** Plans of new jobs: the first rule whose `match` is in the prompt, else `fallback`. */
  plan(rules: PlanRule[], fallback?: JobPlan): Promise<unknown> {
    return this.call('POST', '/plan', { rules, fallback: fallback ?? null });
  }

  watch(requestId: string): Promise<{ step: number; status: string; paused: boolean }> {
    return this.call('POST', '/watch', { requestId });
  }

  unwatch(requestId: string): Promise<{ stepTimes: Record<string, number> }> {
    return this.call('POST', '/unwatch', { requestId });
  }

  resume(requestId: string): Promise<{ resumedAt: number }> {
    return this.call('POST', '/resume', { requestId });
  }

  job(requestId: string): Promise<SimulatorJob> {
    return this.call('GET', `/job?id=${encodeURIComponent(requestId)}`);
  }

  /** Waits until the job has logged `step`; answers the recorded step times (µs) of a watched job. */
  async waitStep(requestId: string, step: number, timeoutMs: number): Promise<Record<string, number>> {
    const answer = await this.call<{ stepTimes: Record<string, number> }>(
      'GET',
      `/wait-step?id=${encodeURIComponent(requestId)}&step=${step}&timeoutMs=${timeoutMs}`,
      undefined,
      timeoutMs + 5_000,
    );
    return answer.stepTimes;
  }

  calls(): Promise<CallTotals> {
    return this.call('GET', '/calls');
  }

  callsFor(requestId: string): Promise<RequestCalls> {
    return this.call('GET', `/calls?id=${encodeURIComponent(requestId)}`);
  }

  /** The latest submit received. */
  lastSubmit(): Promise<RecordedSubmit> {
    return this.call('GET', '/last-submit');
  }

  backlog(): Promise<{ submitted: number; unfinished: number }> {
    return this.call('GET', '/backlog', undefined, 30_000);
  }

  async stop(): Promise<void> {
    if (!this.proc.running) return;
    await this.call('POST', '/exit', {}, 3_000).catch(() => undefined);
    await this.proc.stop(5_000);
  }
}

/** Baseline B (bare yoga `{ hello }`), pinned like the gateway. */
export async function startBaselineB(group: ProcessGroup, pin: boolean): Promise<{ url: string; proc: ManagedProcess }> {
  const proc = group.spawnNode('baseline-B', {
    nodeArgs: TSX_ARGS,
    args: [repoPath('bench/baselines/yoga-hello.ts')],
    cpu: SERVER_CPU,
    pin,
    cwd: REPO_ROOT,
  });
  const line = await proc.waitForLine(/^BENCH_READY (.*)$/, 30_000);
  return { url: (JSON.parse(line[1]!) as { url: string }).url, proc };
}

/**
 * P1's baseline: `@fal-ai/server-proxy` in Express, forwarding to `upstreamHost` (host:port of the
 * simulator) with FAL_KEY, for callers sending `authorization`; pinned like the gateway.
 */
export async function startFalProxy(
  group: ProcessGroup,
  options: { pin: boolean; upstreamHost: string; falKey: string; authorization: string },
): Promise<{ url: string; proc: ManagedProcess }> {
  const proc = group.spawnNode('baseline-fal-proxy', {
    nodeArgs: TSX_ARGS,
    args: [repoPath('bench/baselines/fal-proxy.ts')],
    cpu: SERVER_CPU,
    pin: options.pin,
    cwd: REPO_ROOT,
    env: {
      NODE_ENV: 'production',
      BENCH_PROXY_UPSTREAM: options.upstreamHost,
      BENCH_PROXY_AUTHORIZATION: options.authorization,
      FAL_KEY: options.falKey,
    },
  });
  const line = await proc.waitForLine(/^BENCH_READY (.*)$/, 30_000);
  return { url: (JSON.parse(line[1]!) as { url: string }).url, proc };
}

/** Baseline W (bare `ws`, one pre-serialised string per broadcast), with the GC preload. */
export class BaselineW {
  private gcSeq = 0;

  private constructor(
    readonly proc: ManagedProcess,
    readonly wsUrl: string,
    private readonly control: string,
  ) {}

  static async start(group: ProcessGroup, pin: boolean): Promise<BaselineW> {
    const proc = group.spawnNode('baseline-W', {
      nodeArgs: [...GC_PRELOAD, ...TSX_ARGS],
      args: [repoPath('bench/baselines/ws-raw.ts')],
      cpu: SERVER_CPU,
      pin,
      cwd: REPO_ROOT,
    });
    const line = await proc.waitForLine(/^BENCH_READY (.*)$/, 30_000);
    const info = JSON.parse(line[1]!) as { url: string; control: string };
    return new BaselineW(proc, info.url, info.control);
  }

  get pid(): number {
    return this.proc.pid;
  }

  memory(): Promise<MemorySample> {
    return memoryAfterGc(this.proc, ++this.gcSeq);
  }

  async broadcast(step: number): Promise<{ t0: number; firstSend: number; lastSend: number; sent: number }> {
    const response = await fetch(`${this.control}/broadcast?step=${step}`, { method: 'POST', signal: AbortSignal.timeout(30_000) });
    return (await response.json()) as { t0: number; firstSend: number; lastSend: number; sent: number };
  }

  stop() {
    return this.proc.stop(5_000);
  }
}

/** One GraphQL request to the gateway over HTTP, with the bench's API key; throws on GraphQL errors. */
export async function graphql<T>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: BENCH_AUTHORIZATION },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (body.errors || !body.data)
    throw new Error(`GraphQL errors (${response.status}): ${JSON.stringify(body.errors ?? body).slice(0, 500)}`);
  return body.data;
}

import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallRecorder } from './calls.js';
import { ChangeSignal } from './change-signal.js';
import type { SimulatorContext } from './context.js';
import { createFaults, FaultDice } from './faults.js';
import { JobQueue } from './jobs.js';
import { createRequestHandler } from './server.js';
import { resolveFile } from './storage-api.js';
import { FileStore } from './storage.js';
import type { FalSimulator, SimulatorOptions } from './types.js';

export type {
  CallKind,
  FalSimulator,
  JobPlan,
  JobSnapshot,
  JobStatus,
  LogEntry,
  PlanFn,
  RecordedRequest,
  RequestCallCounts,
  SimulatorCalls,
  SimulatorFaults,
  SimulatorOptions,
  StoredFile,
} from './types.js';

const DEFAULT_WAIT_MS = 10_000;

/** Starts a fal queue + storage simulator on loopback; its `url` is the FAL_API_URL to use. */
export async function startFalSimulator(options: SimulatorOptions = {}): Promise<FalSimulator> {
  const host = options.host ?? '127.0.0.1';
  const resultClip = await readFile(new URL('./assets/result.mp4', import.meta.url));
  const server = createServer();
  await listen(server, options.port ?? 0, host);
  const { port } = server.address() as AddressInfo;
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const signal = new ChangeSignal();
  const notify = (): void => signal.notify();
  const queue = new JobQueue({
    queueTickMs: options.queueTickMs ?? 300,
    concurrency: options.concurrency ?? 1,
    queueAhead: options.queueAhead ?? 0,
    onChange: notify,
  });
  const ctx: SimulatorContext = {
    base,
    endpoint: options.endpoint ?? 'fal-ai/uni-animate',
    stepMs: options.stepMs ?? 100,
    logMode: options.logMode ?? 'delta',
    keepAliveMs: options.keepAliveMs ?? 15_000,
    queue,
    files: new FileStore(notify),
    calls: new CallRecorder(notify),
    faults: createFaults(),
    dice: new FaultDice(options.seed ?? 1),
    resultClip,
    planFn: undefined,
  };

  const latencyTimers = new Set<NodeJS.Timeout>();
  const delay = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        latencyTimers.delete(timer);
        resolve();
      }, ms);
      latencyTimers.add(timer);
    });
  server.on('request', createRequestHandler(ctx, delay));

  return {
    url: base,
    calls: ctx.calls,
    faults: ctx.faults,
    plan: (fn) => {
      ctx.planFn = fn;
    },
    job: (requestId) => {
      const job = queue.get(requestId);
      return job && queue.snapshot(job);
    },
    jobs: () => queue.all().map((job) => queue.snapshot(job)),
    resume: (requestId) => queue.resume(requestId),
    waitFor: (predicate, timeoutMs = DEFAULT_WAIT_MS) => signal.waitFor(predicate, timeoutMs),
    storedFile: (url) => {
      const parsed = URL.canParse(url, base) ? new URL(url, base) : undefined;
      return parsed?.origin === new URL(base).origin ? resolveFile(ctx, parsed.pathname) : undefined;
    },
    stop: async () => {
      queue.stop();
      signal.close();
      for (const timer of latencyTimers) clearTimeout(timer);
      latencyTimers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resultClipAsset } from './byte-source.js';
import { CallRecorder } from './calls.js';
import { ChangeSignal } from './change-signal.js';
import type { SimulatorContext } from './context.js';
import { createFaults, FaultDice } from './faults.js';
import { JobQueue, type Job } from './jobs.js';
import { JWKS_PATH } from './jwks-api.js';
import { resultAnswer } from './result-body.js';
import { createRequestHandler } from './server.js';
import { WebhookSigner } from './signing.js';
import { resolveFile, storedFileOf } from './storage-api.js';
import { FileStore } from './storage.js';
import type { FalSimulator, SimulatorOptions } from './types.js';
import { webhookBody } from './webhook-body.js';
import { WebhookDispatcher } from './webhooks.js';

export type {
  CallKind,
  FalSimulator,
  JobPlan,
  JobSnapshot,
  JobStatus,
  LogEntry,
  ObjectLifecycle,
  PlanFn,
  QueuePriority,
  RecordedRequest,
  RequestCallCounts,
  ResultDownloads,
  ResultStall,
  SimulatorCalls,
  SimulatorFaults,
  SimulatorOptions,
  StoredFile,
  UploadedFile,
  WebhookAttempt,
} from './types.js';
export { resultClipBytes, resultClipChunks } from './byte-source.js';
export type { Ed25519Jwk, Jwks } from './signing.js';

const DEFAULT_WAIT_MS = 10_000;

/** Starts a fal queue + storage simulator on loopback; its `url` is the FAL_API_URL to use. */
export async function startFalSimulator(options: SimulatorOptions = {}): Promise<FalSimulator> {
  const host = options.host ?? '127.0.0.1';
  const resultClip = resultClipAsset();
  const server = createServer();
  await listen(server, options.port ?? 0, host);
  const { port } = server.address() as AddressInfo;
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const signal = new ChangeSignal();
  const notify = (): void => signal.notify();
  const signer = new WebhookSigner(options.webhookUserId ?? 'sim-user-1');
  const webhooks = new WebhookDispatcher({
    signer,
    retries: options.webhookRetries ?? 10,
    retryBaseMs: options.webhookRetryBaseMs ?? 1000,
    timeoutMs: options.webhookTimeoutMs ?? 15_000,
    onChange: notify,
  });
  const faults = createFaults();
  const webhookOf = (job: Job): string => webhookBody(job.requestId, resultAnswer(base, job));
  const queue = new JobQueue({
    queueTickMs: options.queueTickMs ?? 300,
    concurrency: options.concurrency ?? 1,
    queueAhead: options.queueAhead ?? 0,
    onChange: notify,
    onComplete: (job) => {
      if (job.webhookUrl === undefined || !faults.webhooks) return;
      const body = webhookOf(job);
      const duplicates = Number.isFinite(faults.webhookDuplicates) ? Math.max(0, Math.floor(faults.webhookDuplicates)) : 0;
      for (let copy = 0; copy <= duplicates; copy += 1) webhooks.deliver(job.requestId, job.webhookUrl, body);
    },
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
    faults,
    dice: new FaultDice(options.seed ?? 1),
    resultClip,
    signer,
    notify,
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
    jwksUrl: `${base}${JWKS_PATH}`,
    webhookUserId: signer.userId,
    calls: ctx.calls,
    faults,
    get webhooks() {
      return webhooks.attempts;
    },
    signWebhook: (body, requestId, timestamp) => signer.sign(body, requestId, timestamp),
    redeliver: (requestId) => {
      const job = queue.get(requestId);
      if (job?.status !== 'COMPLETED' || job.webhookUrl === undefined) {
        throw new Error(`fal simulator: request ${requestId} is unknown, not finished, or has no webhook URL`);
      }
      webhooks.deliver(requestId, job.webhookUrl, webhookOf(job));
    },
    plan: (fn) => {
      ctx.planFn = fn;
    },
    job: (requestId) => {
      const job = queue.get(requestId);
      return job && queue.snapshot(job);
    },
    jobs: () => queue.all().map((job) => queue.snapshot(job)),
    unfinished: () => queue.unfinished(),
    get peakUnfinished() {
      return queue.peakUnfinished;
    },
    resume: (requestId) => queue.resume(requestId),
    waitFor: (predicate, timeoutMs = DEFAULT_WAIT_MS) => signal.waitFor(predicate, timeoutMs),
    storedFile: (url) => {
      const parsed = URL.canParse(url, base) ? new URL(url, base) : undefined;
      const resolved = parsed?.origin === new URL(base).origin ? resolveFile(ctx, parsed.pathname) : undefined;
      return resolved && storedFileOf(resolved);
    },
    files: () =>
      ctx.files.all().map(([filePath, file]) => ({
        url: `${base}${filePath}`,
        contentType: file.contentType,
        size: file.bytes.length,
        objectLifecycle: file.objectLifecycle && structuredClone(file.objectLifecycle),
      })),
    forgetResult: (requestId) => {
      const job = queue.get(requestId);
      if (!job) throw new Error(`fal simulator: request ${requestId} is unknown`);
      job.resultForgotten = true;
      notify();
    },
    stop: async () => {
      queue.stop();
      webhooks.stop();
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

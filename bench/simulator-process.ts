/**
 * The fal simulator in a process of its own, for the bench: `node --conditions=@uni-animate/source --import tsx bench/simulator-process.ts`.
 * Options come from BENCH_SIM_OPTIONS (JSON SimulatorOptions). Prints one line on stdout:
 *   BENCH_SIMULATOR {"url":"<FAL_API_URL>","control":"<control base URL>","pid":…}
 * and serves a small control API on another loopback port (JSON in, JSON out):
 *   POST /plan     {rules:[{match, plan}], fallback}   plan of each new job, by a substring of its prompt
 *   POST /watch    {requestId}                        start recording when each step of that job is emitted
 *   POST /unwatch  {requestId}
 *   POST /resume   {requestId}
 *   GET  /job?id=  snapshot (without input and logs), plus stepTimes/statusTimes of a watched job
 *   GET  /calls[?id=]  totals, or one request's {status, stream, result, cancel, resultFile}
 *   GET  /wait-step?id=&step=&timeoutMs=  resolves once that job has logged `step`
 *   GET  /backlog  jobs submitted and jobs not completed yet
 *   GET  /last-submit  the latest submit received: {path, query, headers, body}, 404 before the first
 *   POST /exit     stops the simulator and exits
 * Times are microseconds of CLOCK_MONOTONIC (process.hrtime), which every process shares, so the
 * bench can subtract them from receive times measured in its client processes. A step's time is
 * taken right after the simulator has written that change to every open status stream (the
 * simulator notifies its observers after its stream listeners).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFalSimulator, type JobPlan, type SimulatorOptions } from '@uni-animate/fal-simulator';

interface PlanRule {
  match: string;
  plan: JobPlan;
}

interface Watched {
  lastStep: number;
  lastStatus: string;
  /** step → µs when it was first seen */
  steps: Record<number, number>;
  /** status → µs when it was first seen */
  statuses: Record<string, number>;
}

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
const OBSERVER_WINDOW_MS = 10 * 60_000;
const LIFETIME_MS = Number(process.env.BENCH_SIM_LIFETIME_MS ?? 15 * 60_000);

const options = JSON.parse(process.env.BENCH_SIM_OPTIONS ?? '{}') as SimulatorOptions;
const sim = await startFalSimulator(options);
let rules: PlanRule[] = [];
let fallback: JobPlan | undefined;
sim.plan((input) => {
  const prompt = typeof input.prompt === 'string' ? input.prompt : '';
  return rules.find((rule) => prompt.includes(rule.match))?.plan ?? fallback;
});

const watched = new Map<string, Watched>();
let observing = false;
let stopping = false;

function observe(): void {
  const at = nowUs();
  for (const [requestId, record] of watched) {
    const job = sim.job(requestId);
    if (!job) continue;
    if (job.step !== record.lastStep) {
      for (let step = record.lastStep + 1; step <= job.step; step++) record.steps[step] ??= at;
      record.lastStep = job.step;
    }
    if (job.status !== record.lastStatus) {
      record.statuses[job.status] ??= at;
      record.lastStatus = job.status;
    }
  }
}

/** Runs observe() after every simulator change while anything is watched (re-armed, bounded windows). */
function startObserver(): void {
  if (observing || stopping) return;
  observing = true;
  sim
    .waitFor(() => {
      if (watched.size === 0) return true;
      observe();
      return false;
    }, OBSERVER_WINDOW_MS)
    .catch(() => undefined)
    .finally(() => {
      observing = false;
      if (watched.size > 0 && !stopping) startObserver();
    });
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://control');
  const id = url.searchParams.get('id') ?? '';
  switch (`${req.method} ${url.pathname}`) {
    case 'POST /plan': {
      const body = await readJson(req);
      rules = (body.rules as PlanRule[] | undefined) ?? [];
      fallback = (body.fallback as JobPlan | null | undefined) ?? undefined;
      return send(res, 200, { ok: true });
    }
    case 'POST /watch': {
      const { requestId } = (await readJson(req)) as { requestId: string };
      const job = sim.job(requestId);
      if (!job) return send(res, 404, { error: 'unknown request' });
      watched.set(requestId, { lastStep: job.step, lastStatus: job.status, steps: {}, statuses: {} });
      startObserver();
      return send(res, 200, { ok: true, step: job.step, status: job.status, paused: job.paused });
    }
    case 'POST /unwatch': {
      const { requestId } = (await readJson(req)) as { requestId: string };
      const record = watched.get(requestId);
      watched.delete(requestId);
      return send(res, 200, { ok: true, stepTimes: record?.steps ?? {}, statusTimes: record?.statuses ?? {} });
    }
    case 'POST /resume': {
      const { requestId } = (await readJson(req)) as { requestId: string };
      const resumedAt = nowUs();
      sim.resume(requestId);
      return send(res, 200, { ok: true, resumedAt });
    }
    case 'GET /job': {
      const job = sim.job(id);
      if (!job) return send(res, 404, { error: 'unknown request' });
      const { input: _input, logs, ...rest } = job;
      const record = watched.get(id);
      return send(res, 200, { ...rest, logCount: logs.length, stepTimes: record?.steps ?? {}, statusTimes: record?.statuses ?? {} });
    }
    case 'GET /calls': {
      const c = sim.calls;
      if (id) return send(res, 200, c.byRequest(id));
      return send(res, 200, {
        submit: c.submit,
        status: c.status,
        stream: c.stream,
        result: c.result,
        cancel: c.cancel,
        resultFile: c.resultFile,
      });
    }
    case 'GET /wait-step': {
      const step = Number(url.searchParams.get('step'));
      const timeoutMs = Math.min(Number(url.searchParams.get('timeoutMs') ?? 10_000), OBSERVER_WINDOW_MS);
      try {
        await sim.waitFor(() => (sim.job(id)?.step ?? -1) >= step, timeoutMs);
        return send(res, 200, { ok: true, stepTimes: watched.get(id)?.steps ?? {} });
      } catch (error) {
        return send(res, 504, { error: String(error) });
      }
    }
    case 'GET /backlog': {
      const jobs = sim.jobs();
      return send(res, 200, { submitted: jobs.length, unfinished: jobs.filter((job) => job.status !== 'COMPLETED').length });
    }
    case 'GET /last-submit': {
      const submitPath = `/${options.endpoint ?? 'fal-ai/uni-animate'}`;
      const last = sim.calls.requests.findLast((request) => request.method === 'POST' && request.path === submitPath);
      if (!last) return send(res, 404, { error: 'no submit yet' });
      return send(res, 200, { path: last.path, query: last.query, headers: last.headers, body: last.body });
    }
    case 'POST /exit': {
      send(res, 200, { ok: true });
      void shutdown(0);
      return;
    }
    default:
      return send(res, 404, { error: `no ${req.method} ${url.pathname}` });
  }
}

const control = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => send(res, 500, { error: String(error) }));
});
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
const controlPort = (control.address() as AddressInfo).port;

async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  watched.clear();
  const forced = setTimeout(() => process.exit(code), 5_000);
  forced.unref();
  control.close();
  control.closeAllConnections();
  await sim.stop().catch(() => undefined);
  process.exit(code);
}

process.once('SIGTERM', () => void shutdown(0));
process.once('SIGINT', () => void shutdown(0));
// Never outlive a bench that lost track of this process.
setTimeout(() => void shutdown(3), LIFETIME_MS).unref();
process.on('disconnect', () => void shutdown(0));

console.log(`BENCH_SIMULATOR ${JSON.stringify({ url: sim.url, control: `http://127.0.0.1:${controlPort}`, pid: process.pid })}`);

import type { IncomingHttpHeaders } from 'node:http';
import type { Route, RouteRequest, SimulatorContext } from './context.js';
import { falErrorBody } from './faults.js';
import { parseJson, sendJson } from './http.js';
import type { Job } from './jobs.js';
import { parseLifecycle, SUBMIT_LIFECYCLE_HEADER } from './lifecycle.js';
import { resolvePlan } from './plan.js';
import { resultAnswer } from './result-body.js';
import { requestUrls, statusBody } from './status-body.js';
import { openStatusStream } from './status-stream.js';
import type { QueuePriority } from './types.js';
import { validateInput } from './validation.js';

const PRIORITY_HEADER = 'x-fal-queue-priority';
const REQUEST_TIMEOUT_HEADER = 'x-fal-request-timeout';
/** fal's documented minimum of the start timeout (the client itself insists on more than 1 s). */
const MIN_REQUEST_TIMEOUT_SECONDS = 0.1;

const CANCEL_STATUS = { OK: 200, CANCELLATION_REQUESTED: 202, ALREADY_COMPLETED: 400, NOT_FOUND: 404 } as const;

/** The queue API of one endpoint: submit on `/{endpoint}`, the rest under `/{endpoint}/requests/{id}`. */
export function matchQueueRoute(ctx: SimulatorContext, pathname: string): Route | undefined {
  const prefix = `/${ctx.endpoint}`;
  if (pathname === prefix) {
    return { methods: ['POST'], call: { kind: 'submit' }, queueCall: true, handle: (r) => submit(ctx, r) };
  }
  if (!pathname.startsWith(`${prefix}/requests/`)) return undefined;
  const [requestId = '', ...rest] = pathname.slice(prefix.length + '/requests/'.length).split('/');
  if (requestId === '') return undefined;
  const action = rest.join('/');
  const route = (method: string, kind: 'status' | 'stream' | 'result' | 'cancel', handle: Route['handle']): Route => ({
    methods: [method],
    call: { kind, requestId },
    queueCall: true,
    handle,
  });
  switch (action) {
    case '':
      return route('GET', 'result', (r) => result(ctx, requestId, r));
    case 'status':
      return route('GET', 'status', (r) => status(ctx, requestId, r));
    case 'status/stream':
      return route('GET', 'stream', (r) => stream(ctx, requestId, r));
    case 'cancel':
      return route('PUT', 'cancel', (r) => cancel(ctx, requestId, r));
    default:
      return undefined;
  }
}

function submit(ctx: SimulatorContext, { req, res, url, body }: RouteRequest): void {
  const fault = ctx.faults.submit.shift();
  if (fault !== undefined) {
    sendJson(res, fault, falErrorBody(fault));
    return;
  }
  const timeout = requestTimeoutOf(req.headers[REQUEST_TIMEOUT_HEADER]);
  if (timeout === 'invalid') {
    sendJson(res, 400, {
      detail: `Invalid ${REQUEST_TIMEOUT_HEADER} header: a number of seconds greater than ${MIN_REQUEST_TIMEOUT_SECONDS} is expected`,
      error_type: 'bad_request',
    });
    return;
  }
  const parsed = parseJson(body);
  if (!parsed) {
    sendJson(res, 422, { detail: [{ loc: ['body'], msg: 'Invalid JSON', type: 'value_error.jsondecode' }] });
    return;
  }
  const validation = validateInput(parsed.value ?? {});
  if (!validation.ok) {
    sendJson(res, 422, { detail: validation.errors });
    return;
  }
  const { input } = validation;
  const job = ctx.queue.submit(input, resolvePlan(input, ctx.planFn?.(input), ctx.stepMs, ctx.resultClip.length), {
    webhookUrl: url.searchParams.get('fal_webhook') ?? undefined,
    falHeaders: falHeadersOf(req.headers),
    objectLifecycle: parseLifecycle(req.headers[SUBMIT_LIFECYCLE_HEADER]),
    priority: priorityOf(req.headers[PRIORITY_HEADER]),
    requestTimeoutSeconds: timeout,
  });
  sendJson(
    res,
    200,
    {
      status: 'IN_QUEUE',
      request_id: job.requestId,
      gateway_request_id: job.requestId,
      queue_position: ctx.queue.queuePosition(job) ?? 0,
      ...requestUrls(ctx.base, ctx.endpoint, job.requestId),
    },
    requestIdHeader(job.requestId),
  );
}

function status(ctx: SimulatorContext, requestId: string, { res, url }: RouteRequest): void {
  if (ctx.dice.hits(ctx.faults.rate.status)) {
    sendJson(res, 503, falErrorBody(503), requestIdHeader(requestId));
    return;
  }
  const job = findJob(ctx, requestId, res);
  if (!job) return;
  const logs = url.searchParams.get('logs') === '1' ? [...job.logs] : null;
  sendJson(
    res,
    job.status === 'COMPLETED' ? 200 : 202,
    statusBody(job, ctx.queue.queuePosition(job), logs, requestUrls(ctx.base, ctx.endpoint, requestId)),
    requestIdHeader(requestId),
  );
}

function stream(ctx: SimulatorContext, requestId: string, { res, url }: RouteRequest): void {
  const fault = ctx.dice.streamFault(ctx.faults.rate.stream);
  if (fault === 'unavailable') {
    sendJson(res, 503, falErrorBody(503), requestIdHeader(requestId));
    return;
  }
  const job = findJob(ctx, requestId, res);
  if (!job) return;
  openStatusStream(res, ctx.queue, job, requestUrls(ctx.base, ctx.endpoint, requestId), {
    withLogs: url.searchParams.get('logs') === '1',
    logMode: ctx.logMode,
    keepAliveMs: ctx.keepAliveMs,
    fault: fault === 'drop' ? 'drop' : ctx.faults.streamEndsEarly ? 'end' : 'none',
  });
}

function result(ctx: SimulatorContext, requestId: string, { res }: RouteRequest): void {
  const headers = requestIdHeader(requestId);
  if (ctx.dice.hits(ctx.faults.rate.result)) {
    sendJson(res, 503, falErrorBody(503), headers);
    return;
  }
  const job = findJob(ctx, requestId, res);
  if (!job) return;
  const answer = resultAnswer(ctx.base, job);
  sendJson(res, answer.status, answer.body, { ...headers, ...answer.headers });
}

function cancel(ctx: SimulatorContext, requestId: string, { res }: RouteRequest): void {
  if (ctx.faults.cancel !== undefined) {
    sendJson(res, ctx.faults.cancel, falErrorBody(ctx.faults.cancel), requestIdHeader(requestId));
    return;
  }
  const outcome = ctx.queue.cancel(requestId);
  sendJson(res, CANCEL_STATUS[outcome], { status: outcome }, requestIdHeader(requestId));
}

function findJob(ctx: SimulatorContext, requestId: string, res: RouteRequest['res']): Job | undefined {
  const job = ctx.queue.get(requestId);
  if (!job) sendJson(res, 404, { detail: 'Request not found' }, requestIdHeader(requestId));
  return job;
}

function requestIdHeader(requestId: string): Record<string, string> {
  return { 'x-fal-request-id': requestId };
}

function falHeadersOf(headers: IncomingHttpHeaders): Record<string, string> {
  const fal: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-fal-') && typeof value === 'string') fal[name] = value;
  }
  return fal;
}

/** `low` when the header says so; anything else, or none, is fal's default `normal`. */
function priorityOf(header: string | string[] | undefined): QueuePriority {
  return typeof header === 'string' && header.trim().toLowerCase() === 'low' ? 'low' : 'normal';
}

/** The start timeout in seconds; undefined without the header, 'invalid' when it is not a number above the minimum. */
function requestTimeoutOf(header: string | string[] | undefined): number | undefined | 'invalid' {
  if (header === undefined) return undefined;
  const text = Array.isArray(header) ? header.join(', ') : header;
  const seconds = text.trim() === '' ? Number.NaN : Number(text);
  return Number.isFinite(seconds) && seconds > MIN_REQUEST_TIMEOUT_SECONDS ? seconds : 'invalid';
}

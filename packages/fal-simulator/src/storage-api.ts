import { bufferSource, resultClipSource, type ByteSource } from './byte-source.js';
import type { Route, RouteRequest, SimulatorContext } from './context.js';
import { falErrorBody } from './faults.js';
import { serveFile, type ServeOptions } from './file-serving.js';
import { parseJson, sendJson } from './http.js';
import type { Job } from './jobs.js';
import { parseLifecycle, UPLOAD_LIFECYCLE_HEADER } from './lifecycle.js';
import { hasResult } from './result-body.js';
import { MULTIPART_UPLOAD_PREFIX, SINGLE_UPLOAD_PREFIX } from './storage.js';
import type { ResultDownloads, StoredFile } from './types.js';

const RESULT_CLIP = /^\/files\/result\/([^/]+)\.mp4$/;
const RESULT_CONTENT_TYPE = 'video/mp4';

/** What a file path serves: an upload, or the clip of a job that succeeded and was not forgotten. */
export type ResolvedFile = { kind: 'upload'; file: StoredFile } | { kind: 'result'; job: Job; source: ByteSource };

export function resolveFile(ctx: SimulatorContext, pathname: string): ResolvedFile | undefined {
  const clip = RESULT_CLIP.exec(pathname);
  if (!clip) {
    const file = ctx.files.get(pathname);
    return file && { kind: 'upload', file };
  }
  const job = ctx.queue.get(clip[1] ?? '');
  const served = job !== undefined && hasResult(job) && !job.resultForgotten;
  return served ? { kind: 'result', job, source: resultClipSource(ctx.resultClip, job.plan.resultBytes) } : undefined;
}

/** The file as `storedFile()` answers it; a result clip is generated whole. */
export function storedFileOf(resolved: ResolvedFile): StoredFile {
  if (resolved.kind === 'upload') return resolved.file;
  const { job, source } = resolved;
  return {
    bytes: Buffer.concat([...source.chunks(0, source.size - 1)]),
    contentType: RESULT_CONTENT_TYPE,
    objectLifecycle: job.objectLifecycle && structuredClone(job.objectLifecycle),
  };
}

/** fal's REST storage API, the upload URLs it hands out, and the file URLs. */
export function matchStorageRoute(ctx: SimulatorContext, pathname: string): Route | undefined {
  if (pathname === '/storage/upload/initiate' || pathname === '/storage/upload/initiate-multipart') {
    const multipart = pathname.endsWith('-multipart');
    return {
      methods: ['POST'],
      call: { kind: 'storageInitiate' },
      queueCall: false,
      handle: (r) => initiate(ctx, multipart, r),
    };
  }
  if (pathname.startsWith(SINGLE_UPLOAD_PREFIX)) {
    const token = pathname.slice(SINGLE_UPLOAD_PREFIX.length);
    return { methods: ['PUT'], call: { kind: 'storagePut' }, queueCall: false, handle: (r) => put(ctx, token, r) };
  }
  if (pathname.startsWith(MULTIPART_UPLOAD_PREFIX)) {
    const [token = '', part = '', ...extra] = pathname.slice(MULTIPART_UPLOAD_PREFIX.length).split('/');
    if (extra.length > 0) return undefined;
    if (part === 'complete') {
      return { methods: ['POST'], queueCall: false, handle: (r) => complete(ctx, token, r) };
    }
    const partNumber = Number(part);
    if (!Number.isInteger(partNumber) || partNumber < 1) return undefined;
    return {
      methods: ['PUT'],
      call: { kind: 'storagePut' },
      queueCall: false,
      handle: (r) => putPart(ctx, token, partNumber, r),
    };
  }
  if (pathname.startsWith('/files/')) {
    return { methods: ['GET', 'HEAD'], queueCall: false, handle: (r) => getFile(ctx, pathname, r) };
  }
  return undefined;
}

function initiate(ctx: SimulatorContext, multipart: boolean, { req, res, body }: RouteRequest): void {
  const request = (parseJson(body)?.value ?? {}) as { content_type?: unknown; file_name?: unknown };
  const missing = (['content_type', 'file_name'] as const).filter((field) => typeof request[field] !== 'string');
  if (missing.length > 0) {
    sendJson(res, 422, {
      detail: missing.map((field) => ({ loc: ['body', field], msg: 'field required', type: 'value_error.missing' })),
    });
    return;
  }
  const contentType = request.content_type as string;
  const fileName = request.file_name as string;
  const lifecycle = parseLifecycle(req.headers[UPLOAD_LIFECYCLE_HEADER]);
  const upload = multipart
    ? ctx.files.initiateMultipart(ctx.base, contentType, fileName, lifecycle)
    : ctx.files.initiate(ctx.base, contentType, fileName, lifecycle);
  sendJson(res, 200, upload);
}

function put(ctx: SimulatorContext, token: string, { req, res, body }: RouteRequest): void {
  if (ctx.files.put(token, body, req.headers['content-type'])) sendJson(res, 200, {});
  else sendJson(res, 404, { detail: 'Upload not found' });
}

function putPart(ctx: SimulatorContext, token: string, partNumber: number, { res, body }: RouteRequest): void {
  const part = ctx.files.putPart(token, partNumber, body);
  if (part) sendJson(res, 200, part);
  else sendJson(res, 404, { detail: 'Upload not found' });
}

function complete(ctx: SimulatorContext, token: string, { res, body }: RouteRequest): void {
  const request = parseJson(body)?.value as { parts?: unknown } | undefined;
  const failure = ctx.files.complete(token, request?.parts);
  if (failure) sendJson(res, 400, { detail: failure.error });
  else sendJson(res, 200, {});
}

function getFile(ctx: SimulatorContext, pathname: string, { req, res }: RouteRequest): void {
  const isGet = req.method === 'GET';
  const clip = RESULT_CLIP.exec(pathname);
  if (clip && isGet) ctx.calls.count('resultFile', clip[1]);
  const resolved = resolveFile(ctx, pathname);
  if (!resolved) {
    sendJson(res, 404, { detail: 'File not found' });
    return;
  }
  if (resolved.kind === 'upload') {
    serveFile(req, res, { contentType: resolved.file.contentType, source: bufferSource(resolved.file.bytes) });
    return;
  }
  const fault = ctx.faults.resultFile;
  if (isGet && fault && fault.times > 0) {
    fault.times -= 1;
    sendJson(res, fault.status, falErrorBody(fault.status));
    return;
  }
  serveFile(req, res, { contentType: RESULT_CONTENT_TYPE, source: resolved.source }, downloadOptions(ctx, resolved.job));
}

/** Counts the job's downloads, and stalls the first ones its plan says to. */
function downloadOptions(ctx: SimulatorContext, job: Job): ServeOptions {
  const count = (outcome: keyof ResultDownloads) => (): void => {
    job.resultDownloads[outcome] += 1;
    ctx.notify();
  };
  const stall = job.plan.resultStall;
  return {
    stallAfterBytes: stall && job.resultDownloads.started < stall.downloads ? stall.afterBytes : undefined,
    onStart: count('started'),
    onStall: count('stalled'),
    onComplete: count('completed'),
    onAbort: count('aborted'),
  };
}

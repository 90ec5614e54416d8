import type { Route, RouteRequest, SimulatorContext } from './context.js';
import { serveFile } from './file-serving.js';
import { parseJson, sendJson } from './http.js';
import { MULTIPART_UPLOAD_PREFIX, SINGLE_UPLOAD_PREFIX } from './storage.js';
import type { StoredFile } from './types.js';

const RESULT_CLIP = /^\/files\/result\/([^/]+)\.mp4$/;

/** The bytes behind a file path: an upload, or the clip of a job that succeeded. */
export function resolveFile(ctx: SimulatorContext, pathname: string): StoredFile | undefined {
  const clip = RESULT_CLIP.exec(pathname);
  if (!clip) return ctx.files.get(pathname);
  const job = ctx.queue.get(clip[1] ?? '');
  const succeeded = job?.status === 'COMPLETED' && !job.cancelled && !job.plan.fail;
  return succeeded ? { bytes: ctx.resultClip, contentType: 'video/mp4' } : undefined;
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

function initiate(ctx: SimulatorContext, multipart: boolean, { res, body }: RouteRequest): void {
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
  const upload = multipart
    ? ctx.files.initiateMultipart(ctx.base, contentType, fileName)
    : ctx.files.initiate(ctx.base, contentType, fileName);
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
  const file = resolveFile(ctx, pathname);
  if (file) serveFile(req, res, file);
  else sendJson(res, 404, { detail: 'File not found' });
}

import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { SimulatorContext } from './context.js';
import { readBody, sendJson } from './http.js';
import { matchJwksRoute } from './jwks-api.js';
import { matchQueueRoute } from './queue-api.js';
import { matchStorageRoute } from './storage-api.js';

/** Records every request, counts it, applies the latency fault to queue calls, then routes it. */
export function createRequestHandler(ctx: SimulatorContext, delay: (ms: number) => Promise<void>): RequestListener {
  return (req, res) => {
    handle(ctx, delay, req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { detail: `Simulator error: ${error instanceof Error ? error.message : String(error)}` });
    });
  };
}

async function handle(
  ctx: SimulatorContext,
  delay: (ms: number) => Promise<void>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', ctx.base);
  const body = await readBody(req);
  ctx.calls.record(method, url, req.headers, body);
  const route = matchQueueRoute(ctx, url.pathname) ?? matchStorageRoute(ctx, url.pathname) ?? matchJwksRoute(ctx, url.pathname);
  if (!route) {
    sendJson(res, 404, { detail: 'Not found' });
    return;
  }
  if (!route.methods.includes(method)) {
    sendJson(res, 405, { detail: 'Method not allowed' }, { Allow: route.methods.join(', ') });
    return;
  }
  if (route.call) ctx.calls.count(route.call.kind, route.call.requestId);
  if (route.queueCall && ctx.faults.latencyMs > 0) await delay(ctx.faults.latencyMs);
  route.handle({ req, res, url, body });
}

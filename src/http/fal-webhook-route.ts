import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AnimationService } from '../animations/animation-service.js';
import type { Logger } from '../logger.js';
import type { UpstreamWebhooks } from '../ports/upstream.js';

export const FAL_WEBHOOK_PATH = '/webhooks/fal';

/** fal's result payloads are small JSON; anything bigger is not fal. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * POST /webhooks/fal: verifies fal's signature on the raw body and finishes the animation.
 * 401 for a bad or stale signature, one for another fal user, or a body about another request
 * than the signed one (nothing changes), 503 when fal's keys cannot be fetched (fal retries),
 * 200 otherwise, including for request ids no animation has. The outcome applies to the signed
 * request id: the verifier refuses a body whose `request_id` is not it.
 */
export function falWebhookRoute(deps: { webhooks: UpstreamWebhooks; animations: AnimationService; logger: Logger }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') return reply(res, 405, { error: 'POST only' });
    const body = await readBody(req);
    if (!body) return reply(res, 413, { error: 'body too large' });
    const verdict = await deps.webhooks.verify(req.headers, body);
    if (verdict === 'unavailable') return reply(res, 503, { error: 'signing keys unavailable' });
    if (verdict === 'invalid') {
      deps.logger.warn('fal webhook refused: unsigned, stale, or not for this account or request');
      return reply(res, 401, { error: 'invalid signature' });
    }
    const delivery = deps.webhooks.parse(body);
    const applied = delivery ? await deps.animations.finishFromWebhook(delivery.requestId, delivery.outcome) : false;
    deps.logger.info({ requestId: delivery?.requestId, applied }, 'fal webhook received');
    reply(res, 200, { ok: true });
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

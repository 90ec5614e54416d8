import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { WebhookSender, WebhookSendResult } from '../ports/webhook-sender.js';
import type { CreationLinks } from './creation-links.js';
import { inSpan } from './spans.js';
import { FAL_REQUEST_ID } from './traced-upstream.js';

/**
 * The owner-webhook sender with a `webhook.deliver` span around each attempt, in its own
 * trace linked to the request that created the animation (found by the payload's
 * `data.requestId`, the fal request id every delivery carries).
 */
export class TracedWebhookSender implements WebhookSender {
  constructor(
    private readonly inner: WebhookSender,
    private readonly tracer: Tracer,
    private readonly links: CreationLinks,
    /** Whether the owner's URL may be recorded (it may hold a token of theirs). */
    private readonly sensitive: boolean,
  ) {}

  send(url: string, messageId: string, payload: string): Promise<WebhookSendResult> {
    const requestId = requestIdOf(payload);
    const options = { kind: SpanKind.CLIENT, links: this.links.linksOf(requestId), background: true };
    return inSpan(this.tracer, 'webhook.deliver', options, async (span) => {
      if (requestId !== undefined) span.setAttribute(FAL_REQUEST_ID, requestId);
      if (this.sensitive) span.setAttribute('url.full', url);
      const result = await this.inner.send(url, messageId, payload);
      if (result.statusCode !== null) span.setAttribute('http.response.status_code', result.statusCode);
      if (result.statusCode === null || result.statusCode >= 300) span.setStatus({ code: SpanStatusCode.ERROR });
      return result;
    });
  }
}

function requestIdOf(payload: string): string | undefined {
  const requestId = (JSON.parse(payload) as { data?: { requestId?: unknown } }).data?.requestId;
  return typeof requestId === 'string' ? requestId : undefined;
}

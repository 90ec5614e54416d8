import { SpanKind, type Span, type Tracer } from '@opentelemetry/api';
import type { AnimationInput } from '../domain/animation.js';
import type { SubmitOptions, Upstream, UpstreamStatus } from '../ports/upstream.js';
import type { CreationLinks } from './creation-links.js';
import { activeSpanContext, inSpan } from './spans.js';

export const FAL_REQUEST_ID = 'fal.request_id';

/**
 * The Upstream port with a client span around each fal call (`fal.submit`, `fal.status`,
 * `fal.stream`, `fal.result`, `fal.cancel`, `fal.upload`), carrying `fal.request_id`. The
 * submit remembers the request that created it; the watcher's calls (status, stream, result)
 * run in the background, so they start their own trace linked to that request.
 */
export class TracedUpstream implements Upstream {
  constructor(
    private readonly inner: Upstream,
    private readonly tracer: Tracer,
    private readonly links: CreationLinks,
    /** Whether the prompt may be recorded on `fal.submit`. */
    private readonly sensitive: boolean,
  ) {}

  submit(input: AnimationInput, options?: SubmitOptions): ReturnType<Upstream['submit']> {
    const creation = activeSpanContext();
    return this.call('fal.submit', undefined, false, async (span) => {
      if (this.sensitive) span.setAttribute('fal.prompt', input.prompt);
      const submitted = await this.inner.submit(input, options);
      span.setAttribute(FAL_REQUEST_ID, submitted.requestId);
      if (creation) this.links.remember(submitted.requestId, creation);
      return submitted;
    });
  }

  status(requestId: string, signal?: AbortSignal): Promise<UpstreamStatus> {
    return this.call('fal.status', requestId, true, () => this.inner.status(requestId, signal));
  }

  followStatus(
    requestId: string,
    onStatus: (status: UpstreamStatus) => void | Promise<void>,
    signal: AbortSignal,
  ): Promise<UpstreamStatus | undefined> {
    return this.call('fal.stream', requestId, true, () => this.inner.followStatus(requestId, onStatus, signal));
  }

  result(requestId: string, signal?: AbortSignal): ReturnType<Upstream['result']> {
    return this.call('fal.result', requestId, true, () => this.inner.result(requestId, signal));
  }

  cancel(requestId: string): ReturnType<Upstream['cancel']> {
    return this.call('fal.cancel', requestId, false, () => this.inner.cancel(requestId));
  }

  upload(file: Blob): Promise<string> {
    return this.call('fal.upload', undefined, false, () => this.inner.upload(file));
  }

  private call<T>(name: string, requestId: string | undefined, background: boolean, work: (span: Span) => Promise<T>): Promise<T> {
    const links = background ? this.links.linksOf(requestId) : undefined;
    return inSpan(this.tracer, name, { kind: SpanKind.CLIENT, links, background }, (span) => {
      if (requestId !== undefined) span.setAttribute(FAL_REQUEST_ID, requestId);
      return work(span);
    });
  }
}

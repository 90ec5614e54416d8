import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Link,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';

/**
 * Runs `work` in a new active span that ends when it settles. A failure marks the span as an
 * error with the error's name only: messages may quote what a caller sent (a database
 * error quotes the row), and spans must not carry it.
 */
export function inSpan<T>(
  tracer: Tracer,
  name: string,
  options: { links?: Link[]; kind?: SpanKind; background?: boolean },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  // Background work starts its own trace, linked to the request that caused it, instead of
  // hanging under a request that may have ended long ago.
  const parent = options.background ? ROOT_CONTEXT : context.active();
  return tracer.startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, links: options.links }, parent, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.setAttribute('error.type', error instanceof Error ? error.name : typeof error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The span context of the operation running now, if it is traced. */
export function activeSpanContext(): SpanContext | undefined {
  const active = trace.getSpan(context.active())?.spanContext();
  return active && trace.isSpanContextValid(active) ? active : undefined;
}

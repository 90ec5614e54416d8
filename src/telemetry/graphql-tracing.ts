import { setCurrentOtelContext, useOpenTelemetry } from '@envelop/opentelemetry';
import { context, propagation, SpanKind, SpanStatusCode, type Context, type Tracer, type TracerProvider } from '@opentelemetry/api';
import type { Plugin } from 'graphql-yoga';

/**
 * The yoga plugins that trace GraphQL, on HTTP, SSE and WebSocket alike: envelop's
 * OpenTelemetry plugin (a server span per operation, `mutation.CreateAnimation`), spans for
 * parse and validate (which that plugin does not make), and an incoming `traceparent` as the
 * parent of an HTTP request's spans. Variables are recorded only when `sensitive` (they hold
 * prompts and media URLs); envelop's plugin never records a document with inline arguments.
 */
export function graphqlTracingPlugins(provider: TracerProvider, sensitive: boolean): Plugin[] {
  const tracer = provider.getTracer('graphql');
  return [
    useParseAndValidateSpans(tracer),
    useIncomingTraceContext(),
    useOpenTelemetry({ variables: sensitive, result: false, resolvers: false }, provider, SpanKind.SERVER) as Plugin,
  ];
}

/** The trace context an HTTP request brought; a WebSocket operation has no request of its own (the socket's caller is no parent). */
function incomingContext(graphqlContext: unknown): Context {
  const request = (graphqlContext as { request?: Request }).request;
  if (!request) return context.active();
  return propagation.extract(context.active(), request.headers, {
    get: (headers, key) => headers.get(key) ?? undefined,
    keys: (headers) => [...headers.keys()],
  });
}

/** Makes the incoming context the parent of envelop's operation span (it must run before that plugin). */
function useIncomingTraceContext(): Plugin {
  const adopt = (contextValue: unknown) => setCurrentOtelContext(contextValue, incomingContext(contextValue));
  return {
    onExecute: ({ args }) => void adopt(args.contextValue),
    onSubscribe: ({ args }) => void adopt(args.contextValue),
  };
}

function useParseAndValidateSpans(tracer: Tracer): Plugin {
  return {
    onParse: ({ context: graphqlContext }) => {
      const span = tracer.startSpan('graphql.parse', {}, incomingContext(graphqlContext));
      return ({ result }) => {
        if (result instanceof Error) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      };
    },
    onValidate: ({ context: graphqlContext }) => {
      const span = tracer.startSpan('graphql.validate', {}, incomingContext(graphqlContext));
      return ({ valid }) => {
        if (!valid) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      };
    },
  };
}

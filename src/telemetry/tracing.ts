import { trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Plugin } from 'graphql-yoga';
import type { VideoCustody } from '../animations/custody/video-custody.js';
import type { AnimationStore } from '../ports/animation-store.js';
import type { Upstream } from '../ports/upstream.js';
import type { WebhookSender } from '../ports/webhook-sender.js';
import { CreationLinks } from './creation-links.js';
import { detachedWatchers, type Watchers } from './detached-watchers.js';
import { graphqlTracingPlugins } from './graphql-tracing.js';
import { tracePropagatingFetch } from './trace-propagating-fetch.js';
import { tracedAnimationStore } from './traced-animation-store.js';
import { TracedUpstream } from './traced-upstream.js';
import { TracedVideoCustody } from './traced-video-custody.js';
import { TracedWebhookSender } from './traced-webhook-sender.js';

const DEFAULT_SERVICE_NAME = 'uni-animate-gateway';
/** Longest a stop waits for the last spans to reach the collector. */
const FLUSH_BOUND_MS = 3_000;

export interface TracingSettings {
  /** Spans may carry prompts, GraphQL variables and media/webhook URLs. */
  sensitiveAttributes: boolean;
}

/** What the composition root wraps with tracing, and how it stops. */
export interface Tracing {
  /** Yoga plugins: a span per GraphQL operation, an incoming `traceparent` as its parent. */
  graphqlPlugins: Plugin[];
  upstream(upstream: Upstream): Upstream;
  store<S extends AnimationStore>(store: S): S;
  webhookSender(sender: WebhookSender): WebhookSender;
  /** The watchers the application starts watches with: outside the request's trace. */
  watchers(watchers: Watchers): Watchers;
  /** The VideoCustody to build: one that traces each copy. */
  custody(deps: ConstructorParameters<typeof VideoCustody>[0]): VideoCustody;
  /** Wraps the fetch the fal client uses so that fal receives the trace context. */
  fetch(baseFetch: typeof fetch): typeof fetch;
  /** Exports the spans still buffered (bounded), then stops. */
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry tracing: spans batched to an OTLP/HTTP collector, W3C Trace Context
 * in and out, context carried by AsyncLocalStorage. The SDK reads the standard variables
 * itself (OTEL_EXPORTER_OTLP_*, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER[_ARG],
 * OTEL_BSP_*). This module is imported only when tracing is configured.
 */
export function startTracing(settings: TracingSettings): Tracing {
  const provider = new NodeTracerProvider({
    resource: defaultResource()
      .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: DEFAULT_SERVICE_NAME }))
      .merge(detectResources({ detectors: [envDetector] })),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // Trace context only: baggage a caller sends is not passed on to fal.
  provider.register({ propagator: new W3CTraceContextPropagator() });
  const tracer = trace.getTracer(DEFAULT_SERVICE_NAME);
  const links = new CreationLinks();
  const sensitive = settings.sensitiveAttributes;
  return {
    graphqlPlugins: graphqlTracingPlugins(provider, sensitive),
    upstream: (upstream) => new TracedUpstream(upstream, tracer, links, sensitive),
    store: (store) => tracedAnimationStore(store, tracer, links),
    webhookSender: (sender) => new TracedWebhookSender(sender, tracer, links, sensitive),
    watchers: detachedWatchers,
    custody: (deps) => new TracedVideoCustody(deps, tracer, links, sensitive),
    fetch: tracePropagatingFetch,
    async shutdown() {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, FLUSH_BOUND_MS)));
      await Promise.race([provider.shutdown().catch(() => undefined), bound]);
      clearTimeout(timer);
    },
  };
}

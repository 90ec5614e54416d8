import { context, propagation } from '@opentelemetry/api';

/** A fetch that sends the active trace context onward (`traceparent`, W3C Trace Context) with every request. */
export function tracePropagatingFetch(baseFetch: typeof fetch): typeof fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    propagation.inject(context.active(), headers, { set: (carrier, key, value) => carrier.set(key, value) });
    return baseFetch(input, { ...init, headers });
  };
}

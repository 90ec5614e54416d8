import type { UpstreamCall, UpstreamCallOutcome } from '../../ports/telemetry.js';

/** Which fal call a request is, from its method and path. */
export function falCallKind(method: string, url: string): string {
  const path = new URL(url).pathname;
  if (path.includes('/storage/') || (method === 'PUT' && !path.endsWith('/cancel'))) return 'storage';
  if (path.endsWith('/status/stream')) return 'stream';
  if (path.endsWith('/status')) return 'status';
  if (path.endsWith('/cancel')) return 'cancel';
  if (path.includes('/requests/')) return 'result';
  return 'submit';
}

/** A fetch that reports every call's kind, outcome and duration (to the response's headers, or to the error). */
export function instrumentedFetch(baseFetch: typeof fetch, onCall: (call: UpstreamCall) => void): typeof fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const kind = falCallKind((init?.method ?? 'GET').toUpperCase(), url);
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const response = await baseFetch(input, init);
      onCall({ kind, outcome: `${Math.floor(response.status / 100)}xx` as UpstreamCallOutcome, seconds: seconds() });
      return response;
    } catch (error) {
      onCall({ kind, outcome: 'error', seconds: seconds() });
      throw error;
    }
  };
}

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

/** A fetch that reports every call's kind and outcome (`2xx`, `4xx`, `5xx` or `error`). */
export function instrumentedFetch(baseFetch: typeof fetch, onCall: (kind: string, outcome: string) => void): typeof fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const kind = falCallKind((init?.method ?? 'GET').toUpperCase(), url);
    try {
      const response = await baseFetch(input, init);
      onCall(kind, `${Math.floor(response.status / 100)}xx`);
      return response;
    } catch (error) {
      onCall(kind, 'error');
      throw error;
    }
  };
}

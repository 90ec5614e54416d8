const FAL_HOSTS = ['https://queue.fal.run/', 'https://rest.fal.ai/'];

/**
 * A fetch that sends every request @fal-ai/client addresses to fal's queue or REST host
 * to `apiUrl` instead, keeping path, query, method, headers and body. It is the client's
 * only hook that also sees storage uploads.
 */
export function redirectingFetch(apiUrl: string, baseFetch: typeof fetch = fetch): typeof fetch {
  const base = apiUrl.replace(/\/+$/, '') + '/';
  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const host = FAL_HOSTS.find((prefix) => url.startsWith(prefix));
    return baseFetch(host ? base + url.slice(host.length) : input, init);
  };
}

const CLIENT_REQUEST_ID = /^[\w.:-]{1,64}$/;

/** The caller's own `x-request-id` when it is a sane one, else a fresh one. */
export function requestIdFrom(header: string | string[] | undefined, fresh: () => string): string {
  return typeof header === 'string' && CLIENT_REQUEST_ID.test(header) ? header : fresh();
}

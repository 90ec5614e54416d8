import { AsyncLocalStorage } from 'node:async_hooks';

/** The request (or WebSocket operation) being served; log lines written while serving it carry its id. */
export const requestContext = new AsyncLocalStorage<{ requestId: string }>();

const CLIENT_REQUEST_ID = /^[\w.:-]{1,64}$/;

/** The caller's own `x-request-id` when it is a sane one, else a fresh one. */
export function requestIdFrom(header: string | string[] | undefined, fresh: () => string): string {
  return typeof header === 'string' && CLIENT_REQUEST_ID.test(header) ? header : fresh();
}

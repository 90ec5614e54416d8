import { randomUUID } from 'node:crypto';

const CLIENT_REQUEST_ID = /^[\w.:-]{1,64}$/;

/**
 * A fresh request id (a UUID). randomUUID's string is a tree of some twenty joined pieces;
 * a subscription keeps its request id as long as it is open, so the id is copied flat.
 */
export function newRequestId(): string {
  return Buffer.from(randomUUID(), 'latin1').toString('latin1');
}

/** The caller's own `x-request-id` when it is a sane one, else a fresh one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && CLIENT_REQUEST_ID.test(header) ? header : newRequestId();
}

import { WebSocket } from 'ws';
import type { SharedPayloads } from './shared-payloads.js';

/**
 * The WebSocket class the GraphQL endpoint's server makes its sockets of: frames are
 * written with their shared payloads in place, and text messages reach graphql-ws as
 * strings. (graphql-ws holds each subscribe message for as long as its subscription
 * runs; as a string it keeps only its text, not the buffer ws read it into.)
 *
 * graphql-ws waits for each frame's write callback before it takes the subscription's
 * next result. Frames to one socket go out in order whatever it waits for, and a socket
 * that fails is closed (graphql-ws hears of it by the close), so the callback is called
 * as soon as the frame is queued: a fan-out to thousands of sockets then costs no
 * callback round per frame. For the same reason no write error ever reaches graphql-ws
 * (which prints each one to stderr with its stack): a frame for a socket that is closing
 * or closed (a client gone, or too slow to read, while results were pending) is dropped
 * quietly and counted (`droppedFramesOf`).
 */
export function graphqlSocketClass(payloads: SharedPayloads): typeof WebSocket {
  return class GraphqlSocket extends WebSocket {
    override send(data: unknown, ...rest: unknown[]): void {
      const send = super.send as (data: unknown, ...rest: unknown[]) => void;
      const frame = typeof data === 'string' ? payloads.frame(data) : data;
      const written = rest.at(-1);
      const options = typeof written === 'function' ? rest.slice(0, -1) : rest;
      if (this.readyState === WebSocket.OPEN) send.call(this, frame, ...options);
      else countDropped(this);
      if (typeof written === 'function') (written as () => void)();
    }

    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'message' && args[1] === false && Buffer.isBuffer(args[0])) args[0] = args[0].toString('utf8');
      return super.emit(event, ...args);
    }
  };
}

const dropped = new WeakMap<WebSocket, number>();

function countDropped(socket: WebSocket): void {
  dropped.set(socket, (dropped.get(socket) ?? 0) + 1);
}

/** Frames dropped because `socket` was no longer open when they were sent. */
export function droppedFramesOf(socket: WebSocket): number {
  return dropped.get(socket) ?? 0;
}

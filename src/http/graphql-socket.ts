import { WebSocket } from 'ws';
import type { SharedPayloads } from './shared-payloads.js';

/**
 * The WebSocket class the GraphQL endpoint's server makes its sockets of: frames are
 * written with their shared payloads in place, and text messages reach graphql-ws as
 * strings. (graphql-ws holds each subscribe message for as long as its subscription
 * runs; as a string it keeps only its text, not the buffer ws read it into.)
 */
export function graphqlSocketClass(payloads: SharedPayloads): typeof WebSocket {
  return class GraphqlSocket extends WebSocket {
    override send(data: unknown, ...rest: unknown[]): void {
      const send = super.send as (data: unknown, ...rest: unknown[]) => void;
      send.call(this, typeof data === 'string' ? payloads.frame(data) : data, ...rest);
    }

    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'message' && args[1] === false && Buffer.isBuffer(args[0])) args[0] = args[0].toString('utf8');
      return super.emit(event, ...args);
    }
  };
}

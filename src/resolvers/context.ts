import type { AnimationService } from '../animations/animation-service.js';

/** One context shape for HTTP, SSE and WebSocket operations, built fresh per operation. */
export interface GatewayContext {
  /** Who is calling; every read and write is scoped to this owner. */
  owner: string;
  /** The HTTP request's id (`x-request-id`), or the WebSocket operation's; log lines about it carry it as `reqId`. */
  reqId: string;
  animations: AnimationService;
}

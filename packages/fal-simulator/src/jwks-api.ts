import type { Route, SimulatorContext } from './context.js';
import { sendJson } from './http.js';

export const JWKS_PATH = '/.well-known/jwks.json';

/** The public key set webhook receivers verify signatures with; not a queue call. */
export function matchJwksRoute(ctx: SimulatorContext, pathname: string): Route | undefined {
  if (pathname !== JWKS_PATH) return undefined;
  return { methods: ['GET'], queueCall: false, handle: ({ res }) => sendJson(res, 200, ctx.signer.jwks) };
}

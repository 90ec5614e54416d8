/**
 * Baseline for P1: what a team would deploy instead of the gateway, fal's own
 * `@fal-ai/server-proxy` in an Express 4 app, as its README sets it up (`express.json()`, then the
 * handler on `/api/fal/proxy`). The browser's `fal.queue.submit` goes through it; it forwards the
 * request named by `x-fal-target-url` and adds `Authorization: Key <FAL_KEY>`. Prints
 * `BENCH_READY {"url":…}`.
 *
 * Configured the way a deployed app must be: only the upstream's queue of the one model may be
 * targeted (BENCH_PROXY_UPSTREAM, e.g. 127.0.0.1:PORT, stands in for queue.fal.run); only the
 * app's own users may spend its fal key (a trivial check of the caller's bearer token against the
 * one key the bench's clients send: no store, no limits); and the fal key is always the app's own,
 * never the caller's Authorization header (the package's default would forward that one).
 */
import { createHandler, route } from '@fal-ai/server-proxy/express';
import express from 'express';
import { serveUntilStopped } from './serve-until-stopped.js';

const upstream = process.env.BENCH_PROXY_UPSTREAM;
const falKey = process.env.FAL_KEY;
const appAuthorization = process.env.BENCH_PROXY_AUTHORIZATION;
if (!upstream || !falKey || !appAuthorization) throw new Error('BENCH_PROXY_UPSTREAM, FAL_KEY and BENCH_PROXY_AUTHORIZATION are required');

const app = express();
app.use(express.json());
app.all(
  route,
  createHandler({
    allowedUrlPatterns: [`${upstream}/**`],
    allowedEndpoints: ['fal-ai/uni-animate'],
    allowUnauthorizedRequests: false,
    isAuthenticated: async (behavior) => behavior.getHeader('authorization') === appAuthorization,
    resolveFalAuth: async () => `Key ${falKey}`,
  }),
);

const port = await serveUntilStopped(app.listen(Number(process.env.PORT ?? 0), '127.0.0.1'));

console.log(`BENCH_READY ${JSON.stringify({ url: `http://127.0.0.1:${port}${route}`, pid: process.pid })}`);

import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { isIPv4, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AnimationService } from './animations/animation-service.js';
import type { Authenticator } from './auth/authenticator.js';
import { authRequired, type Config } from './config.js';
import { FAL_WEBHOOK_PATH, falWebhookRoute } from './http/fal-webhook-route.js';
import { staticSite } from './http/static-site.js';
import { attachGraphqlWs } from './http/websocket.js';
import { createGatewayYoga } from './http/yoga.js';
import { requestIdFrom } from './http/request-id.js';
import type { Logger } from './logger.js';
import type { PrometheusMetrics } from './adapters/metrics/prometheus-metrics.js';
import type { UpstreamWebhooks } from './ports/upstream.js';
import type { MediaStore } from './ports/media-store.js';
import { MEDIA_PATH, type MediaLinks } from './animations/custody/media-links.js';
import { mediaRoute } from './http/media-route.js';
import { OriginPolicy } from './http/shared-origins.js';
import { STOPPING, type Readiness, type ReadinessReport } from './animations/health/readiness.js';
import { TrustedDocuments } from './http/trusted-documents.js';

export interface ServerDeps {
  config: Config;
  animations: AnimationService;
  authenticator: Authenticator;
  logger: Logger;
  metrics: PrometheusMetrics;
  /** Kept videos, served at /media/… */
  media: MediaStore;
  /** Signs and checks media URLs; learns the server's URL when it listens. */
  links: MediaLinks;
  /** Verifies and reads fal's webhooks, served at /webhooks/fal. */
  falWebhooks: UpstreamWebhooks;
  /** The built studio page served at `/`. @default web/dist */
  siteDir?: string;
  /** Checks the gateway's dependencies (database, Redis, media store) for /readyz. */
  readiness: Readiness;
  /** Yoga plugins added ahead of the gateway's own (tracing's, when on). */
  graphqlPlugins?: Plugin[];
}

export interface GatewayServer {
  /** Starts listening where the configuration says; resolves with the URL it serves. */
  listen(): Promise<{ url: string; port: number }>;
  /**
   * Graceful stop: readiness turns false at once, no new connection is accepted, requests
   * in flight (mutations above all) get up to `graceMs` to finish, then WebSockets are
   * closed with 1001 and every remaining connection (SSE streams) is closed.
   */
  stop(graceMs?: number): Promise<void>;
}

/** One HTTP server: GraphQL over HTTP/SSE and GraphiQL, graphql-ws, webhooks, the studio page, health, readiness, metrics. */
export function createGatewayServer(deps: ServerDeps): GatewayServer {
  const { config, logger } = deps;
  const { server: settings, limits } = config;
  const trustedDocuments = TrustedDocuments.load(config.trustedDocuments, logger);
  const yoga = createGatewayYoga({
    animations: deps.animations,
    authenticator: deps.authenticator,
    logger,
    graphiql: settings.graphiql,
    introspection: settings.introspection,
    production: settings.production,
    allowedOrigins: settings.allowedOrigins,
    maxFileBytes: Math.max(limits.maxImageBytes, limits.maxVideoBytes),
    maxStreamsPerOwner: limits.maxSocketsPerOwner,
    trustedDocuments,
    plugins: deps.graphqlPlugins ?? [],
  });
  const site = staticSite(deps.siteDir);
  const falWebhook = falWebhookRoute({ webhooks: deps.falWebhooks, animations: deps.animations, logger });
  const media = mediaRoute({
    links: deps.links,
    findVideo: (key) => deps.animations.keptVideo(key),
    media: deps.media,
    logger,
  });
  const bodyLimit = requestBodyLimit(limits);
  const metricsAccess = metricsGate(config);
  let stopping = false;
  /** Requests that end on their own (not SSE streams), which a graceful stop waits for. */
  let inFlight = 0;
  let drained: (() => void) | undefined;

  // Node's own defaults (60 s for headers, 300 s for the whole request) let a client that never finishes hold a connection.
  const timeouts = {
    headersTimeout: settings.headersTimeoutMs,
    requestTimeout: settings.requestTimeoutMs,
    connectionsCheckingInterval: settings.timeoutCheckMs,
  };
  const origins = new OriginPolicy(settings.allowedOrigins, deps.authenticator.credentialsRequired);
  const server = createServer(timeouts, (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/healthz') return sendText(res, 200, 'ok');
    if (path === '/readyz') {
      void readiness().then((report) => {
        const body = JSON.stringify(report);
        res
          .writeHead(report.ready ? 200 : 503, {
            'content-type': 'application/json; charset=utf-8',
            'content-length': Buffer.byteLength(body),
            'cache-control': 'no-store',
          })
          .end(body);
      });
      return;
    }
    // Loopback-only mode: a page that reached the gateway through DNS rebinding names a foreign Host
    // (GraphQL answers that itself, as a GraphQL error).
    if (path !== yoga.graphqlEndpoint && !origins.allowsHost(req.headers.host)) return sendText(res, 403, 'forbidden');
    if (path === '/metrics') {
      const refused = metricsAccess(req);
      if (refused === 401) return sendText(res, 401, 'unauthorized', { 'www-authenticate': 'Bearer' });
      if (refused === 403) return sendText(res, 403, 'forbidden');
      void deps.metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': deps.metrics.registry.contentType }).end(text),
        () => sendText(res, 500, 'metrics unavailable'),
      );
      return;
    }
    const reqId = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('x-request-id', reqId);
    if (!(req.headers.accept ?? '').includes('text/event-stream')) {
      inFlight++;
      res.once('close', () => {
        if (--inFlight === 0) drained?.();
      });
    }
    if (path === FAL_WEBHOOK_PATH) {
      falWebhook(req, res).catch((err: unknown) => {
        logger.error({ err, reqId }, 'fal webhook failed');
        if (!res.headersSent) res.writeHead(500).end();
      });
      return;
    }
    if (path.startsWith(MEDIA_PATH)) {
      media(req, res, new URL(req.url ?? '/', 'http://gateway')).catch((err: unknown) => {
        logger.error({ err, reqId }, 'media request failed');
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
      return;
    }
    if (path !== yoga.graphqlEndpoint && site(req, res, path)) return;
    if (bodyLimit(req, res)) return;
    void yoga(req as IncomingMessage, res as ServerResponse, { reqId });
  });
  const graphqlWs = attachGraphqlWs(server, yoga, {
    authenticator: deps.authenticator,
    logger,
    telemetry: deps.metrics,
    allowedOrigins: settings.allowedOrigins,
    maxSubscriptionsPerSocket: limits.maxSubscriptionsPerSocket,
    maxSocketsPerOwner: limits.maxSocketsPerOwner,
    initTimeoutMs: limits.wsInitTimeoutMs,
    maxPayloadBytes: limits.wsMaxPayloadBytes,
    trustedDocuments,
  });
  // Stopping may begin while the dependencies are checked: readiness turns false at once.
  const readiness = async (): Promise<ReadinessReport> => {
    if (stopping) return STOPPING;
    const report = await deps.readiness.report();
    return stopping ? STOPPING : report;
  };

  return {
    async listen() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(settings.port, settings.host, () => resolve());
      });
      const { port } = server.address() as AddressInfo;
      const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
      const url = `http://${host}:${port}`;
      deps.links.serveFrom(url);
      return { url, port };
    },
    async stop(graceMs = 0) {
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        const grace = new AbortController();
        await Promise.race([
          new Promise<void>((resolve) => (drained = resolve)),
          sleep(graceMs, undefined, { signal: grace.signal }),
        ]).catch(() => undefined);
        grace.abort();
      }
      await graphqlWs.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

/**
 * Refuses a request body over the limit from its Content-Length, before yoga reads a byte
 * (yoga's own limiter costs about 80 µs per request). Bodies of unknown length are
 * refused too: every GraphQL client sends a Content-Length. Returns true when it answered.
 */
function requestBodyLimit(limits: Config['limits']) {
  const { maxRequestBytes, maxImageBytes, maxVideoBytes } = limits;
  const maxUploadBytes = maxImageBytes + maxVideoBytes + maxRequestBytes;
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return false;
    const length = req.headers['content-length'];
    if (length === undefined) {
      return sendGraphqlError(res, 411, 'A request body needs a Content-Length header.');
    }
    const isUpload = req.headers['content-type']?.toLowerCase().startsWith('multipart/form-data') ?? false;
    const limit = isUpload ? maxUploadBytes : maxRequestBytes;
    if (!/^\d+$/.test(length) || Number(length) > limit) {
      return sendGraphqlError(res, 413, `The request body is larger than ${limit} bytes.`);
    }
    return false;
  };
}

function sendGraphqlError(res: ServerResponse, status: number, message: string): true {
  const body = JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_USER_INPUT' } }] });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', connection: 'close' }).end(body);
  return true;
}

function sendText(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(body);
}

/**
 * Who may read /metrics. Without authentication it is open (the gateway then listens on
 * loopback only). With authentication, a METRICS_TOKEN must be presented as a bearer token
 * (compared in constant time; 401 otherwise), or, with no METRICS_TOKEN, only loopback
 * peers may read it (403 otherwise). Returns the refusal's status, or undefined.
 */
function metricsGate(config: Config): (req: IncomingMessage) => 401 | 403 | undefined {
  if (!authRequired(config.auth)) return () => undefined;
  const token = config.metrics.token;
  if (token === undefined) return (req) => (isLoopback(req.socket.remoteAddress) ? undefined : 403);
  const expected = digest(token);
  return (req) => {
    const header = req.headers.authorization ?? '';
    const given = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    return given !== undefined && timingSafeEqual(digest(given), expected) ? undefined : 401;
  };
}

/** Fixed-length digests, so the comparison's time does not depend on where or whether the lengths differ. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  if (address === '::1') return true;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return isIPv4(v4) && v4.startsWith('127.');
}

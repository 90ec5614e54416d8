import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocket, WebSocketServer } from 'ws';
import type { Authenticator, Principal } from '../auth/authenticator.js';
import type { Logger } from '../logger.js';
import type { Telemetry } from '../ports/telemetry.js';
import { droppedFramesOf, graphqlSocketClass } from './graphql-socket.js';
import { newRequestId } from './request-id.js';
import { OriginPolicy } from './shared-origins.js';
import { SharedPayloads } from './shared-payloads.js';
import type { TrustedDocuments } from './trusted-documents.js';
import type { GatewayYoga } from './yoga.js';

/** The enveloped execute and subscribe of one operation, carried to graphql-ws as its root value. */
interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}

function withRoot(args: ExecutionArgs, run: (root: EnvelopedRoot) => unknown): never {
  return run(args.rootValue as EnvelopedRoot) as never;
}

/** What the gateway keeps on each socket, beside graphql-ws's own `socket` and `request`. */
type SocketState = {
  principal?: Principal;
  expiry?: NodeJS.Timeout;
  /** Whose place in the per-owner count this socket holds, until it is released once. */
  counted?: string;
};

export interface WebSocketOptions {
  authenticator: Authenticator;
  logger: Logger;
  /** Counts open sockets. */
  telemetry: Pick<Telemetry, 'socketOpened' | 'socketClosed'>;
  /** Origins allowed to open a socket; when undefined, any with credentials configured, else only loopback ones. */
  allowedOrigins: string[] | undefined;
  maxSubscriptionsPerSocket: number;
  maxSocketsPerOwner: number;
  /** Time to send connection_init before the socket is closed with 4408. */
  initTimeoutMs: number;
  /** Largest message; a bigger one closes the socket with 1009. */
  maxPayloadBytes: number;
  /** The same trusted-documents rule as over HTTP: an id (`documentId`, or the `persistedQuery` extension) names the document. */
  trustedDocuments: TrustedDocuments;
}

/** Longest timer Node accepts; JWTs expiring later are simply re-checked then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * GraphQL over WebSocket (graphql-transport-ws only) on the HTTP server's /graphql path,
 * executed through yoga's getEnveloped so every yoga plugin (limits, masking, logging,
 * shared subscription execution) also runs here; a result sent to many sockets is
 * serialised once. The caller authenticates in connection_init (`{ authorization }`); a
 * missing or bad credential, or a JWT that expires while the socket is open, closes it
 * with 4403.
 */
export function attachGraphqlWs(server: Server, yoga: GatewayYoga, options: WebSocketOptions) {
  // SSE streams are capped per owner like sockets, each transport counted apart.
  const payloads = new SharedPayloads();
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes, WebSocket: graphqlSocketClass(payloads) });
  const socketsPerOwner = new Map<string, number>();
  const origins = new OriginPolicy(options.allowedOrigins, options.authenticator.credentialsRequired);
  // Shared by every socket rather than made for each.
  const socketClosed = function (this: WebSocket) {
    options.telemetry.socketClosed();
    const dropped = droppedFramesOf(this);
    // Once per socket: results that were on their way to a client that went (or read too slowly).
    if (dropped > 0) options.logger.debug({ dropped }, 'websocket closed with frames unsent');
  };
  const socketError = (err: Error) => options.logger.debug({ err }, 'websocket error');

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== yoga.graphqlEndpoint) {
      return refuseUpgrade(socket, 404, 'Not Found');
    }
    // Browsers always send Origin, so a foreign one is refused (cross-site WebSocket
    // hijacking); clients that are not browsers send none and prove themselves in
    // connection_init. Without credentials, a Host that is not loopback is DNS rebinding.
    if (!origins.allowsOrigin(request.headers.origin) || !origins.allowsHost(request.headers.host)) {
      return refuseUpgrade(socket, 403, 'Forbidden');
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, settledRequest(request)));
  });

  const graphqlWs = useServer<Record<string, unknown> | undefined, SocketState>(
    {
      connectionInitWaitTimeout: options.initTimeoutMs,
      onConnect: async (ctx) => {
        const authorization = ctx.connectionParams?.authorization;
        let principal: Principal;
        try {
          principal = await options.authenticator.authenticate(typeof authorization === 'string' ? authorization : undefined);
        } catch {
          return false;
        }
        // Authentication may end after the socket closed (a client that resets right after
        // connection_init): such a socket is never counted, for its close has already been heard.
        if (ctx.extra.socket.readyState !== WebSocket.OPEN) return false;
        const open = socketsPerOwner.get(principal.owner) ?? 0;
        if (open >= options.maxSocketsPerOwner) {
          ctx.extra.socket.close(CloseCode.Forbidden, 'Too many connections');
          return false;
        }
        socketsPerOwner.set(principal.owner, open + 1);
        ctx.extra.counted = principal.owner;
        ctx.extra.principal = principal;
        if (principal.expiresAt !== null) {
          const closeAtExpiry = () => ctx.extra.socket.close(CloseCode.Forbidden, 'Forbidden');
          ctx.extra.expiry = setTimeout(closeAtExpiry, Math.min(MAX_TIMER_MS, Math.max(0, principal.expiresAt - Date.now())));
        }
        return true;
      },
      // Every socket's close ends here, acknowledged or not; a counted one gives its place back once.
      onClose: (ctx) => {
        clearTimeout(ctx.extra.expiry);
        const owner = ctx.extra.counted;
        if (owner === undefined) return;
        ctx.extra.counted = undefined;
        const open = (socketsPerOwner.get(owner) ?? 1) - 1;
        if (open > 0) socketsPerOwner.set(owner, open);
        else socketsPerOwner.delete(owner);
      },
      execute: (args) => withRoot(args, (root) => root.execute(args)),
      subscribe: (args) => withRoot(args, (root) => root.subscribe(args)),
      onNext: (_ctx, _id, _payload, _args, result) => payloads.payloadOf(result),
      onSubscribe: async (ctx, _id, params) => {
        // graphql-ws has already registered this operation, so the count includes it.
        if (Object.keys(ctx.subscriptions).length > options.maxSubscriptionsPerSocket) {
          return [
            new GraphQLError(`At most ${options.maxSubscriptionsPerSocket} operations may run on one connection.`, {
              extensions: { code: 'RATE_LIMITED' },
            }),
          ];
        }
        // yoga's persisted-operations plugin reads HTTP params only, so the socket resolves ids here.
        const query = options.trustedDocuments.resolve(params);
        if (query instanceof GraphQLError) return [query];
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          socket: ctx.extra.socket,
          params: { ...params, query },
          principal: ctx.extra.principal,
          reqId: newRequestId(),
        });
        let document;
        try {
          document = parse(query);
        } catch (error) {
          return [withCode(error, 'GRAPHQL_PARSE_FAILED')];
        }
        let errors: readonly GraphQLError[];
        try {
          errors = validate(schema, document);
        } catch (error) {
          // graphql-armor throws to stop validating a document over a limit.
          errors = [error as GraphQLError];
        }
        if (errors.length > 0) return errors.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED'));
        return {
          schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe } satisfies EnvelopedRoot,
        };
      },
      onError: (_ctx, _id, _payload, errors) => {
        options.logger.debug({ errors: errors.map((e) => e.message) }, 'websocket operation refused');
      },
    },
    wss,
  );

  // graphql-ws prints every socket error (an oversized frame, a reset) to stderr and answers
  // it with 4500; ws has already closed such a socket with the right code (1009, 1006), so
  // the gateway only logs it.
  wss.on('connection', (ws) => {
    options.telemetry.socketOpened();
    ws.on('close', socketClosed);
    ws.removeAllListeners('error');
    ws.on('error', socketError);
  });

  return {
    /** Closes every socket with 1001 and stops accepting new ones. */
    async close(): Promise<void> {
      await graphqlWs.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** Same codes as yoga gives these errors over HTTP, so clients handle every transport alike. */
function withCode(error: unknown, code: string): GraphQLError {
  const message = error instanceof Error ? error.message : 'Invalid request.';
  const located = error as Partial<GraphQLError>;
  return new GraphQLError(message, {
    nodes: located.nodes,
    source: located.source,
    positions: located.positions,
    extensions: { ...located.extensions, code: located.extensions?.code ?? code },
  });
}

/**
 * What graphql-ws keeps as `extra.request` for the socket's life. Nothing reads the
 * upgrade request once the socket is open (the origin is checked before, the caller
 * proves itself in connection_init), so it keeps only the method and URL and lets the
 * request and its headers go: about 1.2 KB a socket.
 */
function settledRequest(request: IncomingMessage): IncomingMessage {
  return { method: request.method, url: request.url, headers: {} } as IncomingMessage;
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

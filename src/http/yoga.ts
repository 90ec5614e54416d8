import { EnvelopArmor } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { createFetch } from '@whatwg-node/fetch';
import type { GraphQLError } from 'graphql';
import {
  createGraphQLError,
  createYoga,
  type GraphiQLOptions,
  type Plugin,
  type YogaInitialContext,
  type YogaServerInstance,
} from 'graphql-yoga';
import type { AnimationService } from '../animations/animation-service.js';
import type { Authenticator, Principal } from '../auth/authenticator.js';
import type { Logger } from '../logger.js';
import type { GatewayContext } from '../resolvers/context.js';
import { schema } from '../schema/index.js';
import { useGetParamsCheck, useMultipartParser } from './get-request-params.js';
import { GRAPHIQL_DEFAULT_DOCUMENT } from './graphiql-document.js';
import { gatewayMaskError } from './mask-error.js';
import { useNoIntrospection } from './no-introspection.js';
import { useOperationLogging } from './operation-logging.js';
import { newRequestId } from './request-id.js';
import { OriginPolicy } from './shared-origins.js';
import { useSharedSubscriptionExecution } from './shared-subscription-execution.js';
import type { TrustedDocuments } from './trusted-documents.js';

/** What the server adds to yoga's initial context: the request id, and on WebSocket the socket's caller. */
export interface WebSocketInitialContext {
  reqId?: string;
  principal?: Principal;
}

export type GatewayYoga = YogaServerInstance<WebSocketInitialContext, GatewayContext>;

export interface YogaOptions {
  animations: AnimationService;
  authenticator: Authenticator;
  logger: Logger;
  graphiql: boolean;
  introspection: boolean;
  production: boolean;
  /** Origins allowed to make CORS requests; when undefined, any with credentials configured, else only loopback ones. */
  allowedOrigins: string[] | undefined;
  /** Largest file a multipart request may carry, in bytes. */
  maxFileBytes: number;
  /** Subscription streams one owner may hold over SSE (MAX_SOCKETS_PER_OWNER, the WebSocket limit too). */
  maxStreamsPerOwner: number;
  /** PERSISTED_OPERATIONS and its manifests: which documents may run, and by id. */
  trustedDocuments: TrustedDocuments;
  /** Plugins that run ahead of the gateway's own: tracing's, which must wrap every operation. */
  plugins: Plugin[];
}

/** What callers see instead of an internal error, on every transport. */
const MASKED_ERROR_MESSAGE = 'Unexpected error.';

/** The same limits on every transport: HTTP, SSE and WebSocket (through getEnveloped). */
export const QUERY_LIMITS = { depth: 6, aliases: 15, tokens: 1000, directives: 10, cost: 20_000 } as const;

/** graphql-armor's rejections carry no code; they are invalid documents like any other. */
function markAsInvalidDocument(_context: unknown, error: GraphQLError): void {
  (error.extensions as Record<string, unknown>).code ??= 'GRAPHQL_VALIDATION_FAILED';
}

/** GraphQL over HTTP and SSE at /graphql; the WebSocket binding reuses it through getEnveloped. */
export function createGatewayYoga(options: YogaOptions): GatewayYoga {
  let graphiqlPage: string | undefined;
  const limit = { exposeLimits: !options.production, onReject: [markAsInvalidDocument] };
  const armor = new EnvelopArmor({
    maxDepth: { n: QUERY_LIMITS.depth, flattenFragments: true, ...limit },
    maxAliases: { n: QUERY_LIMITS.aliases, ...limit },
    maxTokens: { n: QUERY_LIMITS.tokens, ...limit },
    maxDirectives: { n: QUERY_LIMITS.directives, ...limit },
    costLimit: { maxCost: QUERY_LIMITS.cost, ...limit },
    blockFieldSuggestion: { enabled: options.production },
  }).protect();

  const origins = new OriginPolicy(options.allowedOrigins, options.authenticator.credentialsRequired);
  const yoga = createYoga<WebSocketInitialContext, GatewayContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    logging: false,
    batching: false,
    // The id of a trusted document (GraphQL over HTTP's persisted documents), read by its plugin.
    extraParamNames: ['documentId'],
    // The request body size is enforced before yoga, where it is cheap (see server.ts).
    maxRequestBodySize: false,
    fetchAPI: createFetch({
      formDataLimits: { fileSize: options.maxFileBytes, files: 2, fields: 8, fieldSize: 1024 * 1024, parts: 10 },
    }),
    maskedErrors: { maskError: gatewayMaskError(options.production), errorMessage: MASKED_ERROR_MESSAGE },
    cors: corsOf(options.allowedOrigins, origins),
    plugins: [
      ...options.plugins,
      ...(origins.refusesForeignOrigins ? [useOriginCheck(origins)] : []),
      ...armor.plugins,
      useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf'] }),
      useGetParamsCheck(),
      ...options.trustedDocuments.yogaPlugins(),
      useSseStreamsPerOwner(options.maxStreamsPerOwner),
      useMultipartParser(),
      useOperationLogging(options.logger),
      useSharedSubscriptionExecution<GatewayContext>((context) => context.owner),
      ...(options.introspection ? [] : [useNoIntrospection()]),
    ],
    // GraphiQL with its assets bundled (no CDN, so it works offline). The ~9 MB page is loaded
    // on first use and rendered once.
    renderGraphiQL: async (graphiqlOptions?: GraphiQLOptions) => {
      const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
      return (graphiqlPage ??= renderGraphiQL(graphiqlOptions));
    },
    graphiql: options.graphiql && {
      title: 'uni-animate gateway',
      defaultQuery: GRAPHIQL_DEFAULT_DOCUMENT,
      subscriptionsProtocol: 'WS',
    },
    context: async ({ request, principal, reqId }: YogaInitialContext & WebSocketInitialContext): Promise<GatewayContext> => ({
      owner: (principal ?? (await options.authenticator.authenticate(request.headers.get('authorization')))).owner,
      reqId: reqId ?? newRequestId(),
      animations: options.animations,
    }),
  });
  return yoga;
}

const CORS_METHODS = ['GET', 'POST'];

/** CORS answers: the configured origins; else, without credentials, only a loopback origin; else any. */
function corsOf(allowedOrigins: string[] | undefined, origins: OriginPolicy) {
  if (allowedOrigins) return { origin: allowedOrigins, methods: CORS_METHODS };
  if (!origins.refusesForeignOrigins) return undefined;
  return (request: Request) => {
    const origin = request.headers.get('origin');
    return origin !== null && origins.allowsOrigin(origin) ? { origin: [origin], methods: CORS_METHODS } : (false as const);
  };
}

/**
 * Without credentials configured, refuses with 403 a request from a browser page of a
 * foreign origin, or naming a Host that is not loopback (DNS rebinding), before it is
 * parsed; a CORS preflight from such an origin gets no CORS headers.
 */
function useOriginCheck(origins: OriginPolicy): Plugin {
  return {
    onRequest: ({ request, fetchAPI, endResponse }) => {
      if (origins.allowsOrigin(request.headers.get('origin')) && origins.allowsHost(request.headers.get('host'))) return;
      const body = JSON.stringify({ errors: [{ message: 'Forbidden origin.', extensions: { code: 'BAD_REQUEST' } }] });
      endResponse(new fetchAPI.Response(body, { status: 403, headers: { 'content-type': 'application/json; charset=utf-8' } }));
    },
  };
}

/**
 * Counts the subscription streams each owner holds over HTTP (SSE); one over the limit is
 * answered with a RATE_LIMITED error (HTTP 200, one event, then the stream ends). A stream
 * gives its place back once, when it ends: completed, failed, or its client gone.
 * WebSocket operations (their context has the socket) are counted per socket instead.
 */
function useSseStreamsPerOwner(max: number): Plugin<GatewayContext> {
  const open = new Map<string, number>();
  const release = (owner: string) => {
    const left = (open.get(owner) ?? 1) - 1;
    if (left > 0) open.set(owner, left);
    else open.delete(owner);
  };
  return {
    onSubscribe: ({ args, setResultAndStopExecution }) => {
      const context = args.contextValue as GatewayContext & { socket?: unknown };
      if (context.socket !== undefined) return;
      const { owner } = context;
      const held = open.get(owner) ?? 0;
      if (held >= max) {
        setResultAndStopExecution({
          errors: [
            createGraphQLError(`At most ${max} subscriptions may stream at once for one caller.`, {
              extensions: { code: 'RATE_LIMITED' },
            }),
          ],
        });
        return;
      }
      open.set(owner, held + 1);
      let released = false;
      const releaseOnce = () => {
        if (released) return;
        released = true;
        release(owner);
      };
      return {
        onSubscribeResult: ({ result }) => {
          if (!isAsyncIterable(result)) return releaseOnce();
          return { onEnd: releaseOnce };
        },
        onSubscribeError: releaseOnce,
      };
    },
  };
}

function isAsyncIterable(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

import { EnvelopArmor } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { createFetch } from '@whatwg-node/fetch';
import type { GraphQLError } from 'graphql';
import { createYoga, type GraphiQLOptions, type YogaInitialContext, type YogaServerInstance } from 'graphql-yoga';
import type { AnimationService } from '../animations/animation-service.js';
import type { Authenticator, Principal } from '../auth/authenticator.js';
import type { Logger } from '../logger.js';
import type { GatewayContext } from '../resolvers/context.js';
import { schema } from '../schema/index.js';
import { useGetParamsCheck } from './get-request-params.js';
import { GRAPHIQL_DEFAULT_DOCUMENT } from './graphiql-document.js';
import { maskError } from './mask-error.js';
import { useNoIntrospection } from './no-introspection.js';
import { useOperationLogging } from './operation-logging.js';
import { newRequestId } from './request-id.js';
import { useSharedSubscriptionExecution } from './shared-subscription-execution.js';

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
  /** Origins allowed to make CORS requests; any when undefined. */
  allowedOrigins: string[] | undefined;
  /** Largest file a multipart request may carry, in bytes. */
  maxFileBytes: number;
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

  return createYoga<WebSocketInitialContext, GatewayContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    logging: false,
    batching: false,
    // The request body size is enforced before yoga, where it is cheap (see server.ts).
    maxRequestBodySize: false,
    fetchAPI: createFetch({
      formDataLimits: { fileSize: options.maxFileBytes, files: 2, fields: 8, fieldSize: 1024 * 1024, parts: 10 },
    }),
    maskedErrors: { maskError, errorMessage: MASKED_ERROR_MESSAGE },
    cors: options.allowedOrigins ? { origin: options.allowedOrigins, methods: ['GET', 'POST'] } : undefined,
    plugins: [
      ...armor.plugins,
      useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf'] }),
      useGetParamsCheck(),
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
}

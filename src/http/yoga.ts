import { createYoga, type GraphiQLOptions, type YogaServerInstance } from 'graphql-yoga';
import type { AnimationService } from '../animations/animation-service.js';
import type { GatewayContext } from '../resolvers/context.js';
import { schema } from '../schema/index.js';
import { GRAPHIQL_DEFAULT_DOCUMENT } from './graphiql-document.js';
import type { Logger } from '../logger.js';
import { maskError } from './mask-error.js';
import { useOperationLogging } from './operation-logging.js';

export type GatewayYoga = YogaServerInstance<Record<string, unknown>, GatewayContext>;

export interface YogaOptions {
  animations: AnimationService;
  graphiql: boolean;
  logger: Logger;
}

/** GraphQL over HTTP and SSE at /graphql; the WebSocket binding reuses it through getEnveloped. */
export function createGatewayYoga(options: YogaOptions): GatewayYoga {
  let graphiqlPage: string | undefined;
  return createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    logging: false,
    maskedErrors: { maskError },
    plugins: [useOperationLogging(options.logger)],
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
    context: (): GatewayContext => ({
      owner: 'local',
      animations: options.animations,
    }),
  });
}


import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AnimationService } from './animations/animation-service.js';
import { attachGraphqlWs } from './http/websocket.js';
import { createGatewayYoga } from './http/yoga.js';
import type { Logger } from './logger.js';

export interface ServerDeps {
  animations: AnimationService;
  host: string;
  port: number;
  graphiql: boolean;
  logger: Logger;
  /** True when the gateway can serve: database reachable, upstream configured. */
  isReady: () => Promise<boolean>;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Stops accepting, closes WebSockets with 1001 and open HTTP connections. */
  stop(): Promise<void>;
}

/** One HTTP server: GraphQL over HTTP/SSE and GraphiQL, graphql-ws, health and readiness. */
export async function startServer(deps: ServerDeps): Promise<RunningServer> {
  const yoga = createGatewayYoga({ animations: deps.animations, graphiql: deps.graphiql, logger: deps.logger });
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') return sendStatus(res, 200, 'ok');
    if (path === '/readyz') {
      void deps.isReady().then(
        (ready) => sendStatus(res, ready ? 200 : 503, ready ? 'ready' : 'not ready'),
        () => sendStatus(res, 503, 'not ready'),
      );
      return;
    }
    void yoga(req as IncomingMessage, res as ServerResponse);
  });
  const graphqlWs = attachGraphqlWs(server, yoga);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.port, deps.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = deps.host.includes(':') ? `[${deps.host}]` : deps.host;

  return {
    url: `http://${host}:${port}`,
    port,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await graphqlWs.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

function sendStatus(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
}

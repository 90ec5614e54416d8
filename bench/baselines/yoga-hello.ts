/**
 * Baseline B: bare graphql-yoga 5 answering `{ hello }` with `maxRequestBodySize: false`, on
 * node:http, as in docs §5 of the performance reference. Prints `BENCH_READY {"url":…}`.
 * The bench's clients send an Authorization header; B ignores it.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';

const yoga = createYoga({
  schema: createSchema({ typeDefs: 'type Query { hello: String! }', resolvers: { Query: { hello: () => 'world' } } }),
  logging: false,
  graphiql: false,
  landingPage: false,
  maxRequestBodySize: false,
});

const server = createServer(yoga);
await new Promise<void>((resolve) => server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2_000).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
setTimeout(stop, Number(process.env.BENCH_LIFETIME_MS ?? 15 * 60_000)).unref();

console.log(`BENCH_READY ${JSON.stringify({ url: `http://127.0.0.1:${port}/graphql`, pid: process.pid })}`);

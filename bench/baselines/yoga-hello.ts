/**
 * Baseline B: bare graphql-yoga 5 answering `{ hello }` with `maxRequestBodySize: false`, on
 * node:http, as in docs §5 of the performance reference. Prints `BENCH_READY {"url":…}`.
 * The bench's clients send an Authorization header; B ignores it.
 */
import { createServer } from 'node:http';
import { createSchema, createYoga } from 'graphql-yoga';
import { serveUntilStopped } from './serve-until-stopped.js';

const yoga = createYoga({
  schema: createSchema({ typeDefs: 'type Query { hello: String! }', resolvers: { Query: { hello: () => 'world' } } }),
  logging: false,
  graphiql: false,
  landingPage: false,
  maxRequestBodySize: false,
});

const port = await serveUntilStopped(createServer(yoga).listen(Number(process.env.PORT ?? 0), '127.0.0.1'));

console.log(`BENCH_READY ${JSON.stringify({ url: `http://127.0.0.1:${port}/graphql`, pid: process.pid })}`);

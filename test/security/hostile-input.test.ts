import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startGatewayProcess } from '../support/gateway-process.js';
import { CANARY_FAL_KEY, startSimulator, startTestGateway, temporaryDirectory } from '../support/harness.js';
import { rawSocket } from '../support/raw-websocket.js';

/** A seeded generator, so every run sends the same hostile corpus. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (max: number) => Math.floor(next() * max),
    pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!,
  };
}

interface HttpCase {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** The gateway may answer this one by closing the connection (a body it refuses before reading it whole). */
  mayReset?: boolean;
  /** The answer need not be GraphQL JSON (a path that is not /graphql). */
  anyBody?: boolean;
  /** The gateway may answer this one with this status and no body at all (415 for a content type it does not read). */
  bareStatus?: number;
}

const random = prng(20261123);
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const deep = (depth: number) => `{ ${'animations { edges { node { '.repeat(depth)}id${' } } }'.repeat(depth)} }`;
const aliasBomb = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ')} }`;
const nested = (depth: number): unknown => (depth === 0 ? 1 : { a: nested(depth - 1) });

/** Where a multipart map may try to put a file, to reach a prototype. */
const POLLUTION_TARGETS = [
  '__proto__',
  'constructor.prototype',
  'variables.__proto__.polluted',
  'variables.hasOwnProperty.call',
  '__proto__.toString',
];

/** JSON bodies whose own keys are `__proto__` or `constructor.prototype` (written out: JSON.stringify would drop them). */
const POLLUTING_JSON = [
  '{"query":"{ __typename }","variables":{"__proto__":{"polluted":"yes"}},"extensions":{"__proto__":{"polluted":"yes"}}}',
  '{"query":"{ __typename }","variables":{"constructor":{"prototype":{"polluted":"yes"}}}}',
  '{"__proto__":{"polluted":"yes"},"query":"{ __typename }"}',
  JSON.stringify({
    query: 'mutation($input: CreateAnimationInput!) { createAnimation(input: $input) { id } }',
    variables: { input: { prompt: 'x', imageUrl: 'https://example.com/i.png', videoUrl: 'https://example.com/v.mp4' } },
  }).replace('"prompt"', '"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"prompt"'),
];

/** Body generators: each returns one malformed or abusive POST to /graphql. */
const HTTP_GENERATORS: (() => HttpCase)[] = [
  () => ({
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json' },
    body: Buffer.from('{"query": "{ __typename'.slice(0, 1 + random.int(24))),
  }),
  () => ({
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(Array.from({ length: 64 }, () => random.int(256))),
  }),
  () => ({
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json' },
    body: Buffer.concat([
      Buffer.from('{"query":"{ __typename }","operationName":"'),
      Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
      Buffer.from('"}'),
    ]),
  }),
  () => ({
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': random.pick(['text/xml', 'application/octet-stream', 'image/png', 'application/graphql', '']) },
    body: json({ query: '{ __typename }' }),
    bareStatus: 415,
  }),
  () => ({
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json' },
    body: json({
      query: 'mutation($input: CreateAnimationInput!) { createAnimation(input: $input) { id } }',
      variables: { input: { prompt: 'x'.repeat(200_000 + random.int(500_000)) } },
    }),
  }),
  () => ({
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json' },
    body: json({ query: '{ __typename }', variables: nested(200 + random.int(800)) }),
  }),
  () => ({
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json' },
    body: json({ query: deep(10 + random.int(490)) }),
  }),
  () => ({
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json' },
    body: json({ query: aliasBomb(100 + random.int(10_000)) }),
  }),
  () => ({
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json' },
    body: json({ query: `{ ${'__typename '.repeat(5_000 + random.int(45_000))}}` }),
  }),
  () => ({
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json' },
    body: json(Array.from({ length: 2 + random.int(200) }, () => ({ query: '{ __typename }' }))),
  }),
  () => ({
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json' },
    body: json({ query: random.pick([5, null, {}, [], true]), variables: random.pick(['x', 3, []]) }),
  }),
  () => ({
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json' },
    body: json({ query: `{ ${'a'.repeat(1 + random.int(20))}(${'x: '.repeat(random.int(50))}) }` }),
  }),
  () => ({
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json' },
    body: json({ query: `{ __typename ${'@include(if: true) '.repeat(20 + random.int(500))}}` }),
  }),
  () => ({
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json' },
    body: json({ query: 'subscription { animationProgress(id: "x") { status } }' }),
  }),
  () => ({
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json', 'content-length': '99999999999' },
    body: Buffer.from('{}'),
  }),
  // Over the body limit: the gateway may answer 413 and close the connection while the client is still sending.
  () => ({
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json' },
    body: Buffer.alloc(2 * 1024 * 1024, 'a'),
    mayReset: true,
  }),
  () => multipartPollution(random.pick(POLLUTION_TARGETS)),
  () => ({
    method: 'GET',
    path: `/graphql?query=${encodeURIComponent(random.pick(['{', deep(50), aliasBomb(300), '{__schema{types{name}}}']))}&variables=${random.pick(['%7B', 'x', '[]'])}`,
    headers: { 'x-graphql-yoga-csrf': '1' },
  }),
  () => ({
    method: random.pick(['PUT', 'DELETE', 'PATCH', 'TRACE']),
    path: '/graphql',
    headers: { 'content-type': 'application/json' },
    body: json({ query: '{ __typename }' }),
  }),
  () => ({
    method: 'GET',
    path: random.pick(['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/assets/%00.js', '/graphql/../healthz', '/' + 'a'.repeat(5000)]),
    headers: {},
    anyBody: true,
  }),
];

function multipartPollution(target: string): HttpCase {
  const boundary = 'hostile-boundary';
  const operations = JSON.stringify({
    query: 'mutation($input: CreateAnimationInput!) { createAnimation(input: $input) { id } }',
    variables: { input: { prompt: 'x', imageUrl: null, videoUrl: 'https://example.com/v.mp4', image: null } },
  });
  const body = [
    `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${operations}\r\n`,
    `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n${JSON.stringify({ 0: [target] })}\r\n`,
    `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\nxxxx\r\n`,
    `--${boundary}--\r\n`,
  ].join('');
  return {
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'x-graphql-yoga-csrf': '1' },
    body: Buffer.from(body),
  };
}

type HttpAnswer = { status: number; contentType: string; body: string } | { reset: string };

/** Sends one hostile request; a connection the gateway resets is an answer of its own, for the caller to judge. */
function send(base: string, hostile: HttpCase, sse: boolean): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...hostile.headers };
    if (sse) headers.accept = 'text/event-stream';
    if (hostile.body && headers['content-length'] === undefined) headers['content-length'] = hostile.body.length;
    const request = httpRequest(`${base}${hostile.path}`, { method: hostile.method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode!, contentType: res.headers['content-type'] ?? '', body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    request.setTimeout(10_000, () => request.destroy(new Error('no answer within 10 s')));
    request.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNRESET' || error.code === 'EPIPE' ? resolve({ reset: error.code }) : reject(error),
    );
    request.end(hostile.body);
  });
}

/** What is wrong with a GraphQL answer (JSON, or an SSE stream of JSON events): bodies that are not JSON, errors without a code. */
function answerProblems(answer: { contentType: string; body: string }): string[] {
  const payloads = answer.contentType.startsWith('text/event-stream')
    ? [...answer.body.matchAll(/^data: ?(.*)$/gm)].map((m) => m[1]!).filter((data) => data !== '')
    : [answer.body];
  return payloads.flatMap((payload) => {
    let parsed: { errors?: { message: string; extensions?: { code?: string } }[] };
    try {
      parsed = JSON.parse(payload) as typeof parsed;
    } catch {
      return [`not JSON (${answer.contentType || 'no content-type'}): ${payload.slice(0, 200)}`];
    }
    return (parsed.errors ?? []).filter((e) => !e.extensions?.code).map((e) => `error without a code: ${e.message.slice(0, 200)}`);
  });
}

/** One abuse of an acknowledged socket, and what the gateway does about it: keep serving it, or close it with `closes`. */
interface WsAbuse {
  name: string;
  abuse: (ws: WebSocket) => void;
  closes?: number;
  /** When the operations the abuse started have all been answered; awaited before the request that follows it. */
  settled?: (messages: Record<string, unknown>[]) => boolean;
}

const FLOOD = Array.from({ length: 40 }, (_, i) => `f${i}`);

const WS_ABUSES: WsAbuse[] = [
  { name: 'text that is not JSON', abuse: (ws) => ws.send('not json at all'), closes: 4400 },
  { name: 'a binary frame', abuse: (ws) => ws.send(Buffer.from([0xff, 0xfe, 0x00, 0x01]), { binary: true }), closes: 4400 },
  { name: 'an unknown message type', abuse: (ws) => ws.send(JSON.stringify({ type: 'who-knows' })), closes: 4400 },
  { name: 'a numeric id', abuse: (ws) => ws.send(JSON.stringify({ id: 1, type: 'subscribe', payload: 'x' })), closes: 4400 },
  {
    name: 'a deep query',
    abuse: (ws) => ws.send(JSON.stringify({ id: 'a', type: 'subscribe', payload: { query: deep(20 + random.int(300)) } })),
  },
  {
    name: 'an alias bomb',
    abuse: (ws) => ws.send(JSON.stringify({ id: 'b', type: 'subscribe', payload: { query: aliasBomb(100 + random.int(2_000)) } })),
  },
  {
    name: 'a syntax error with deep variables',
    abuse: (ws) => ws.send(JSON.stringify({ id: 'c', type: 'subscribe', payload: { query: '{ __typename', variables: nested(100) } })),
  },
  { name: 'a 70 KiB message', abuse: (ws) => ws.send('x'.repeat(70 * 1024)), closes: 1009 },
  {
    name: 'introspection',
    abuse: (ws) => ws.send(JSON.stringify({ id: 'd', type: 'subscribe', payload: { query: '{ __schema { types { name } } }' } })),
  },
  {
    // Over the per-socket cap some are refused (RATE_LIMITED, coded); once all are answered the socket serves again.
    name: '40 operations at once',
    abuse: (ws) => {
      for (const id of FLOOD) ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query: '{ __typename }' } }));
    },
    settled: (messages) => FLOOD.every((id) => messages.some((m) => m.id === id && (m.type === 'complete' || m.type === 'error'))),
  },
];

const AFTER = { id: 'after', type: 'subscribe', payload: { query: '{ __typename }' } };

/**
 * Acknowledges a socket, abuses it, then sends a well-formed request; returns what went otherwise than the abuse says:
 * nothing when the gateway answered that request with its data or, for an abuse with `closes`, closed the socket so.
 */
async function abuseSocket(base: string, { name, abuse, closes, settled }: WsAbuse): Promise<string[]> {
  const socket = rawSocket(base);
  await socket.opened;
  socket.send({ type: 'connection_init', payload: {} });
  await socket.next((m) => m.type === 'connection_ack', 5_000);
  abuse(socket.ws);
  if (settled) await socket.next(() => settled(socket.messages), 10_000);
  socket.send(AFTER);
  const outcome = await Promise.race([
    socket.next((m) => m.id === 'after', 10_000).then((message) => ({ answered: message })),
    socket.closed.then((closed) => ({ closed })),
  ]);
  const problems: string[] = [];
  for (const message of socket.messages) {
    if (message.type !== 'error') continue;
    for (const error of message.payload as { message: string; extensions?: { code?: string } }[]) {
      if (!error.extensions?.code) problems.push(`${name}: error without a code ${JSON.stringify(message).slice(0, 200)}`);
    }
  }
  if (closes === undefined) {
    if ('closed' in outcome)
      problems.push(`${name}: closed the socket (${outcome.closed.code} ${outcome.closed.reason}) instead of serving it`);
    else if (
      JSON.stringify(outcome.answered) !== JSON.stringify({ id: 'after', type: 'next', payload: { data: { __typename: 'Query' } } })
    ) {
      problems.push(`${name}: answered the request after the abuse with ${JSON.stringify(outcome.answered).slice(0, 200)}`);
    }
  } else if (!('closed' in outcome) || outcome.closed.code !== closes) {
    problems.push(`${name}: expected a close with ${closes}, got ${JSON.stringify(outcome).slice(0, 200)}`);
  }
  socket.ws.close();
  await socket.closed;
  return problems;
}

/** A socket offering another subprotocol is never agreed to: no message, and a close (4406, or 1006 when the client aborts). */
async function foreignProtocolSocket(base: string, protocol: string): Promise<string[]> {
  const socket = rawSocket(base, { protocol });
  socket.ws.once('open', () => socket.send({ type: 'connection_init', payload: {} }));
  const { code } = await socket.closed;
  const problems = [1006, 4406].includes(code) ? [] : [`subprotocol ${protocol}: closed with ${code}`];
  if (socket.messages.length > 0) problems.push(`subprotocol ${protocol}: answered ${JSON.stringify(socket.messages).slice(0, 200)}`);
  return problems;
}

async function graphqlQuery(base: string, query: string): Promise<unknown> {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return response.json();
}

const rss = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

describe('hostile input', () => {
  it('survives 600+ malformed requests over HTTP, SSE and WebSocket: no crash, no 5xx, every error coded, memory bounded', async () => {
    const simulator = await startSimulator();
    const gateway = await startGatewayProcess({ FAL_API_URL: simulator.url, FAL_KEY: CANARY_FAL_KEY, DATA_DIR: temporaryDirectory() });
    const pid = gateway.child.pid!;
    const warm = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ __typename }"}',
    });
    expect(warm.status).toBe(200);
    const rssBefore = rss(pid);

    const failures: string[] = [];
    let sent = 0;
    for (let i = 0; i < 480; i++) {
      const hostile = HTTP_GENERATORS[i % HTTP_GENERATORS.length]!();
      const sse = i % 3 === 0;
      const answer = await send(gateway.url, hostile, sse);
      sent++;
      const label = `#${i} ${hostile.method} ${hostile.path.slice(0, 40)} ${hostile.headers['content-type'] ?? ''}${sse ? ' (SSE)' : ''}`;
      if ('reset' in answer) {
        if (!hostile.mayReset) failures.push(`${label}: connection reset (${answer.reset}) instead of an answer`);
        continue;
      }
      if (answer.status >= 500) failures.push(`${label}: HTTP ${answer.status} ${answer.body.slice(0, 200)}`);
      const bare = hostile.bareStatus === answer.status && answer.body === '';
      if (!hostile.anyBody && !bare)
        for (const problem of answerProblems(answer)) failures.push(`${label}: HTTP ${answer.status} ${problem}`);
    }
    for (let i = 0; i < 130; i++) {
      const problems =
        i % 13 === 0
          ? await foreignProtocolSocket(gateway.url, random.pick(['graphql-ws', 'chat', 'graphql-transport-ws-v2']))
          : await abuseSocket(gateway.url, WS_ABUSES[i % WS_ABUSES.length]!);
      sent++;
      failures.push(...problems.map((problem) => `socket #${i}: ${problem}`));
    }

    expect(sent).toBe(610);
    expect(failures).toEqual([]);
    expect(gateway.child.exitCode).toBeNull();
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    const after = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ __typename }"}',
    });
    expect(await after.json()).toEqual({ data: { __typename: 'Query' } });
    expect(rss(pid) - rssBefore).toBeLessThan(128);
    expect(gateway.lines.join('\n')).not.toContain(CANARY_FAL_KEY);
  }, 120_000);

  it('lets no request pollute the prototypes of the process that serves it (an in-process gateway, to look at them)', async () => {
    const gateway = await startTestGateway(await startSimulator());
    const prototypes = { Object: Object.prototype, Array: Array.prototype, Function: Function.prototype, String: String.prototype };
    const shape = () =>
      Object.fromEntries(
        Object.entries(prototypes).map(([name, prototype]) => [
          name,
          Object.fromEntries(Object.getOwnPropertyNames(prototype).map((key) => [key, Object.getOwnPropertyDescriptor(prototype, key)])),
        ]),
      );
    const before = shape();

    const cases: HttpCase[] = [
      ...POLLUTION_TARGETS.map(multipartPollution),
      ...POLLUTING_JSON.map((body) => ({
        method: 'POST',
        path: '/graphql',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(body),
      })),
    ];
    const problems: string[] = [];
    for (const [i, hostile] of cases.entries()) {
      const answer = await send(gateway.url, hostile, false);
      if ('reset' in answer) problems.push(`#${i}: connection reset (${answer.reset})`);
      else if (answer.status >= 500) problems.push(`#${i}: HTTP ${answer.status} ${answer.body.slice(0, 200)}`);
      else problems.push(...answerProblems(answer).map((problem) => `#${i}: HTTP ${answer.status} ${problem}`));
    }
    expect(problems).toEqual([]);

    expect(shape()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(String({})).toBe('[object Object]');
    const after = await graphqlQuery(gateway.url, '{ __typename }');
    expect(after).toEqual({ data: { __typename: 'Query' } });
  });
});

import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startGatewayProcess } from '../support/gateway-process.js';
import { CANARY_FAL_KEY, startSimulator, temporaryDirectory } from '../support/harness.js';

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
}

const random = prng(20261123);
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const deep = (depth: number) => `{ ${'animations { edges { node { '.repeat(depth)}id${' } } }'.repeat(depth)} }`;
const aliasBomb = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ')} }`;
const nested = (depth: number): unknown => (depth === 0 ? 1 : { a: nested(depth - 1) });

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
  () => ({ method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json' }, body: Buffer.alloc(2 * 1024 * 1024, 'a') }),
  () =>
    multipartPollution(
      random.pick([
        '__proto__',
        'constructor.prototype',
        'variables.__proto__.polluted',
        'variables.hasOwnProperty.call',
        '__proto__.toString',
      ]),
    ),
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

function send(base: string, hostile: HttpCase, sse: boolean): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...hostile.headers };
    if (sse) headers.accept = 'text/event-stream';
    if (hostile.body && headers['content-length'] === undefined) headers['content-length'] = hostile.body.length;
    const request = httpRequest(`${base}${hostile.path}`, { method: hostile.method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    request.setTimeout(10_000, () => request.destroy(new Error('no answer within 10 s')));
    request.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNRESET' || error.code === 'EPIPE' ? resolve({ status: 0, body: '' }) : reject(error),
    );
    request.end(hostile.body);
  });
}

/** Every GraphQL error in an answer (JSON or an SSE stream) must carry a code. */
function uncodedErrors(body: string): string[] {
  const payloads = body.startsWith('{') ? [body] : [...body.matchAll(/^data: (.+)$/gm)].map((m) => m[1]!);
  return payloads.flatMap((payload) => {
    try {
      const parsed = JSON.parse(payload) as { errors?: { message: string; extensions?: { code?: string } }[] };
      return (parsed.errors ?? []).filter((e) => !e.extensions?.code).map((e) => e.message);
    } catch {
      return [];
    }
  });
}

const WS_ABUSES: ((ws: WebSocket) => void)[] = [
  (ws) => ws.send('not json at all'),
  (ws) => ws.send(Buffer.from([0xff, 0xfe, 0x00, 0x01]), { binary: true }),
  (ws) => ws.send(JSON.stringify({ type: 'who-knows' })),
  (ws) => ws.send(JSON.stringify({ id: 1, type: 'subscribe', payload: 'x' })),
  (ws) => ws.send(JSON.stringify({ id: 'a', type: 'subscribe', payload: { query: deep(20 + random.int(300)) } })),
  (ws) => ws.send(JSON.stringify({ id: 'b', type: 'subscribe', payload: { query: aliasBomb(100 + random.int(2_000)) } })),
  (ws) => ws.send(JSON.stringify({ id: 'c', type: 'subscribe', payload: { query: '{ __typename', variables: nested(100) } })),
  (ws) => ws.send('x'.repeat(70 * 1024)),
  (ws) => ws.send(JSON.stringify({ id: 'd', type: 'subscribe', payload: { query: '{ __schema { types { name } } }' } })),
  (ws) => {
    for (let i = 0; i < 40; i++) ws.send(JSON.stringify({ id: `f${i}`, type: 'subscribe', payload: { query: '{ __typename }' } }));
  },
];

async function abuseSocket(base: string, protocol: string | undefined, abuse: (ws: WebSocket) => void): Promise<string[]> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/graphql`, protocol ? [protocol] : []);
  const seen: string[] = [];
  ws.on('message', (data) => seen.push(String(data)));
  ws.on('error', () => undefined);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      ws.terminate();
      resolve();
    }, 3_000);
    ws.once('close', (code) => {
      seen.push(`close ${code}`);
      clearTimeout(timer);
      resolve();
    });
    ws.once('open', () => {
      ws.send(JSON.stringify({ type: 'connection_init', payload: {} }));
      ws.once('message', () => {
        abuse(ws);
        // A well-formed request after the abuse shows whether the socket still works.
        ws.send(JSON.stringify({ id: 'after', type: 'subscribe', payload: { query: '{ __typename }' } }));
        setTimeout(() => ws.close(), 200);
      });
    });
  });
  return seen;
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
      if (answer.status >= 500) failures.push(`${label}: HTTP ${answer.status} ${answer.body.slice(0, 200)}`);
      for (const message of uncodedErrors(answer.body)) failures.push(`${label}: error without a code: ${message.slice(0, 200)}`);
    }
    for (let i = 0; i < 130; i++) {
      const protocol = i % 13 === 0 ? random.pick(['graphql-ws', 'chat', 'graphql-transport-ws-v2']) : 'graphql-transport-ws';
      const seen = await abuseSocket(gateway.url, protocol, WS_ABUSES[i % WS_ABUSES.length]!);
      sent++;
      for (const frame of seen) {
        if (/^close (1011|4500)/.test(frame)) failures.push(`socket #${i}: ${frame}`);
        if (frame.startsWith('{')) {
          const message = JSON.parse(frame) as { type: string; payload?: unknown };
          const errors = message.type === 'error' ? (message.payload as { extensions?: { code?: string } }[]) : [];
          for (const error of errors)
            if (!error.extensions?.code) failures.push(`socket #${i}: error without a code ${frame.slice(0, 200)}`);
        }
      }
    }

    expect(sent).toBeGreaterThanOrEqual(600);
    expect(failures).toEqual([]);
    expect(gateway.child.exitCode).toBeNull();
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    const after = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ __typename }"}',
    });
    expect(await after.json()).toEqual({ data: { __typename: 'Query' } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(rss(pid) - rssBefore).toBeLessThan(128);
    expect(gateway.lines.join('\n')).not.toContain(CANARY_FAL_KEY);
  }, 120_000);
});

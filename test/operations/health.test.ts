import { createServer } from 'node:http';
import { connect } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { FalReachability } from '../../src/animations/health/fal-reachability.js';
import type { UpstreamCallOutcome } from '../../src/ports/telemetry.js';
import { AnimationProgressDocument, CreateAnimationDocument } from '../gql/graphql.js';
import { within } from '../support/eventually.js';
import { dataOf, graphqlHttp, subscribeWs, wsClient } from '../support/graphql-clients.js';
import { freePort, startSimulator, startTestGateway, temporaryDirectory } from '../support/harness.js';
import { input } from '../support/inputs.js';
import { listenOnLoopback } from '../support/loopback-server.js';
import { progressOf } from '../support/progress.js';
import { freshRedisPrefix, REDIS_URL } from '../support/redis.js';
import { startS3Server } from '../support/s3.js';

/** Bound on one /readyz answer: each check has 2 s, and they run at once. */
const READYZ_BOUND_MS = 10_000;

async function readyz(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(READYZ_BOUND_MS) });
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  return { status: response.status, body: await response.json() };
}

/** The readiness body with every dependency as given, the rest up and Redis not configured. */
function dependencies(states: Partial<Record<'store' | 'redis' | 'mediaStore' | 'fal', string>> = {}) {
  return { store: 'up', redis: 'not configured', mediaStore: 'up', fal: 'unknown', ...states };
}

/** The samples of a Prometheus text page. (parse-prometheus-text-format drops the labels of a labelled histogram.) */
async function scrape(url: string) {
  const samples = (await (await fetch(`${url}/metrics`)).text()).split('\n').flatMap((line) => {
    const sample = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) return [];
    const labels = Object.fromEntries([...(sample[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((label) => [label[1]!, label[2]!]));
    return [{ name: sample[1]!, labels, value: Number(sample[3]) }];
  });
  const value = (name: string, labels: Record<string, string> = {}) =>
    samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
  return {
    gauge: (name: string) => {
      const found = value(name);
      if (found === undefined) throw new Error(`no metric ${name}`);
      return found;
    },
    /** A histogram's count and +Inf bucket for the labels; undefined when it has no such series. */
    histogram: (name: string, labels: Record<string, string>) => {
      const count = value(`${name}_count`, labels);
      return count === undefined ? undefined : { count, infBucket: value(`${name}_bucket`, { ...labels, le: '+Inf' }) };
    },
  };
}

async function work(url: string) {
  const metrics = await scrape(url);
  return {
    held: metrics.gauge('gateway_animations_held'),
    atFal: metrics.gauge('gateway_animations_at_fal'),
    copyBacklog: metrics.gauge('gateway_result_copy_backlog'),
  };
}

async function create(url: string, prompt = 'a knight dancing') {
  return dataOf(await graphqlHttp(url, CreateAnimationDocument, { input: input({ prompt }) })).createAnimation;
}

async function untilFinished(url: string, id: string) {
  return progressOf(await subscribeWs(wsClient(url), AnimationProgressDocument, { id }).untilComplete(30_000)).at(-1)!.status;
}

/** A gateway's settings for an S3 media store at `endpoint`; the SDK's standard chain finds `credentials` in the environment. */
function s3Env(endpoint: string, bucket: string, credentials: Record<string, string>): Record<string, string> {
  for (const [name, value] of Object.entries(credentials)) vi.stubEnv(name, value);
  onTestFinished(() => {
    vi.unstubAllEnvs();
  });
  return { MEDIA_S3_BUCKET: bucket, MEDIA_S3_ENDPOINT: endpoint, MEDIA_S3_REGION: 'us-east-1', MEDIA_S3_FORCE_PATH_STYLE: '1' };
}

describe('/readyz', () => {
  it('answers 200 with every dependency up, and fal unknown until a call to it was answered', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator, { REDIS_URL, REDIS_PREFIX: await freshRedisPrefix() });
    expect(await readyz(gateway.url)).toEqual({
      status: 200,
      body: { ready: true, dependencies: dependencies({ redis: 'up' }) },
    });

    const created = await create(gateway.url);
    expect(await untilFinished(gateway.url, created.id)).toBe('COMPLETED');
    expect((await readyz(gateway.url)).body).toEqual({ ready: true, dependencies: dependencies({ redis: 'up', fal: 'up' }) });
  });

  it('answers 503 naming the media store while its directory cannot be used, and 200 once it can', async () => {
    const dataDir = temporaryDirectory();
    const gateway = await startTestGateway(await startSimulator(), { DATA_DIR: dataDir });
    const mediaDir = join(dataDir, 'media');
    rmSync(mediaDir, { recursive: true, force: true });
    writeFileSync(mediaDir, 'a file where the media directory should be');
    expect(await readyz(gateway.url)).toEqual({
      status: 503,
      body: { ready: false, reason: 'dependency down', dependencies: dependencies({ mediaStore: 'down' }) },
    });

    rmSync(mediaDir);
    expect(await readyz(gateway.url)).toEqual({ status: 200, body: { ready: true, dependencies: dependencies() } });
  });

  it('asks the S3 bucket: 200 while it answers, 503 once it is gone', async () => {
    const s3 = await startS3Server();
    const gateway = await startTestGateway(await startSimulator(), s3Env(s3.endpoint, s3.bucket, s3.env));
    expect(await readyz(gateway.url)).toEqual({ status: 200, body: { ready: true, dependencies: dependencies() } });

    await s3.stop();
    expect(await readyz(gateway.url)).toEqual({
      status: 503,
      body: { ready: false, reason: 'dependency down', dependencies: dependencies({ mediaStore: 'down' }) },
    });
  });

  it('answers within its bound when a dependency hangs, naming it as timed out', async () => {
    // An "S3 service" that accepts every request and never answers.
    const hung = await listenOnLoopback(createServer(() => undefined));
    const env = s3Env(hung, 'media', { AWS_ACCESS_KEY_ID: 'key', AWS_SECRET_ACCESS_KEY: 'secret', AWS_REGION: 'us-east-1' });
    const gateway = await startTestGateway(await startSimulator(), env);
    expect(await readyz(gateway.url)).toEqual({
      status: 503,
      body: { ready: false, reason: 'dependency down', dependencies: dependencies({ mediaStore: 'timeout' }) },
    });
  });

  it('reports fal down once its calls fail, and stays ready: what is kept can still be served', async () => {
    const gateway = await startTestGateway(await startSimulator(), { FAL_API_URL: `http://127.0.0.1:${await freePort()}` });
    // The fal client tries a submit 4 times before giving up: enough failed calls in a row.
    const refused = await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() });
    expect(refused.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    expect(await readyz(gateway.url)).toEqual({
      status: 200,
      body: { ready: true, dependencies: dependencies({ fal: 'down' }) },
    });
  });

  it('answers 503 "stopping" from the moment the gateway begins to stop', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator);
    // A submit fal is slow to answer keeps this connection open while the gateway stops; /readyz is then asked on it.
    simulator.faults.latencyMs = 1_500;
    const { hostname, port } = new URL(gateway.url);
    const tcp = connect(Number(port), hostname);
    onTestFinished(() => void tcp.destroy());
    let received = '';
    tcp.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    const closed = new Promise<void>((resolve) => tcp.once('close', () => resolve()));
    const body = JSON.stringify({
      query: 'mutation($input: CreateAnimationInput!) { createAnimation(input: $input) { id } }',
      variables: { input: input() },
    });
    tcp.write(
      `POST /graphql HTTP/1.1\r\nhost: ${gateway.url.slice(7)}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    await simulator.waitFor(() => simulator.calls.submit === 1);
    const stopped = gateway.stop();
    tcp.write(`GET /readyz HTTP/1.1\r\nhost: ${gateway.url.slice(7)}\r\n\r\n`);
    await within(closed, 15_000, 'the gateway to close the connection as it stops');
    await stopped;

    const responses = received.split(/(?=HTTP\/1\.1 )/);
    expect(responses).toHaveLength(2);
    expect(responses[0]).toMatch(/^HTTP\/1\.1 200 /);
    expect(responses[1]).toMatch(/^HTTP\/1\.1 503 /);
    expect(JSON.parse(responses[1]!.slice(responses[1]!.indexOf('\r\n\r\n') + 4))).toEqual({ ready: false, reason: 'stopping' });
  });
});

describe('/metrics of the work in flight', () => {
  it('times each fal call by kind and outcome', async () => {
    const gateway = await startTestGateway(await startSimulator());
    expect((await scrape(gateway.url)).histogram('gateway_upstream_call_duration_seconds', { kind: 'submit', outcome: '2xx' })).toBe(
      undefined,
    );
    const created = await create(gateway.url);
    expect(await untilFinished(gateway.url, created.id)).toBe('COMPLETED');
    const metrics = await scrape(gateway.url);
    expect(metrics.histogram('gateway_upstream_call_duration_seconds', { kind: 'submit', outcome: '2xx' })).toEqual({
      count: 1,
      infBucket: 1,
    });
    expect(metrics.histogram('gateway_upstream_call_duration_seconds', { kind: 'result', outcome: '2xx' })).toEqual({
      count: 1,
      infBucket: 1,
    });
    expect(metrics.histogram('gateway_upstream_call_duration_seconds', { kind: 'submit', outcome: 'error' })).toBe(undefined);
    expect(await work(gateway.url)).toEqual({ held: 0, atFal: 0, copyBacklog: 0 });
  });

  it('counts the animations held for a slot and those at fal, with FAL_CONCURRENCY=1', async () => {
    const simulator = await startSimulator({ concurrency: 1 });
    simulator.plan((request) => (request.prompt === 'first' ? { pauseAtStep: 2 } : {}));
    const gateway = await startTestGateway(simulator, { FAL_CONCURRENCY: '1' });
    const first = await create(gateway.url, 'first');
    const held = [await create(gateway.url, 'second'), await create(gateway.url, 'third')];
    expect(held.map((animation) => [animation.status, animation.requestId])).toEqual([
      ['IN_QUEUE', null],
      ['IN_QUEUE', null],
    ]);
    expect(await work(gateway.url)).toEqual({ held: 2, atFal: 1, copyBacklog: 0 });

    simulator.resume(first.requestId!);
    const finals = await Promise.all([first, ...held].map((animation) => untilFinished(gateway.url, animation.id)));
    expect(finals).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    expect(await work(gateway.url)).toEqual({ held: 0, atFal: 0, copyBacklog: 0 });
  });

  it('counts an animation whose video is not kept yet in the copy backlog, until it is', async () => {
    const simulator = await startSimulator();
    simulator.faults.resultFile = { status: 503, times: Infinity };
    const gateway = await startTestGateway(simulator, { RESULT_COPY_ATTEMPTS: '1000' });
    const created = await create(gateway.url);
    await simulator.waitFor(() => simulator.calls.byRequest(created.requestId!).resultFile >= 1);
    expect(await work(gateway.url)).toEqual({ held: 0, atFal: 0, copyBacklog: 1 });

    simulator.faults.resultFile = undefined;
    expect(await untilFinished(gateway.url, created.id)).toBe('COMPLETED');
    expect(await work(gateway.url)).toEqual({ held: 0, atFal: 0, copyBacklog: 0 });
  });
});

describe("fal's reachability, from the outcomes of the last calls", () => {
  const after = (outcomes: UpstreamCallOutcome[]) => {
    const reachability = new FalReachability();
    for (const outcome of outcomes) reachability.callEnded(outcome);
    return reachability.state;
  };

  it('is down after 3 failed calls in a row, and up again at the first answer, a 4xx included', () => {
    expect(after([])).toBe('unknown');
    expect(after(['error', '5xx'])).toBe('unknown');
    expect(after(['error', '5xx', 'error'])).toBe('down');
    expect(after(['2xx', 'error', '5xx'])).toBe('up');
    expect(after(['2xx', 'error', '5xx', 'error'])).toBe('down');
    expect(after(['error', 'error', 'error', '4xx'])).toBe('up');
    expect(after(['error', 'error', 'error', '2xx', 'error'])).toBe('up');
  });
});

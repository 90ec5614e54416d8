import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { AnimationProgressDocument, AnimationsDocument, CreateAnimationDocument } from '../gql/graphql.js';
import { ALICE_KEY, AUTH_ENV, bearer, JWT_SECRET, jwtFor } from '../support/auth.js';
import { startGatewayProcess } from '../support/gateway-process.js';
import { dataOf, graphqlHttp, subscribeWs, wsClient } from '../support/graphql-clients.js';
import { CANARY_FAL_KEY, startSimulator, temporaryDirectory } from '../support/harness.js';
import { input } from '../support/inputs.js';
import { listenOnLoopback } from '../support/loopback-server.js';
import { OtlpReceiver, type ExportedSpan } from '../support/otlp-receiver.js';
import { progressOf } from '../support/progress.js';

const PROMPT = 'a lighthouse keeper waltzing in the fog';
const IMAGE_URL = 'https://media.example.com/lighthouse-keeper.png';
const VIDEO_URL = 'https://media.example.com/waltz-reference.mp4';
const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString('base64')}`;

/** The one span named `name`; fails when there are none or several. */
function only(spans: readonly ExportedSpan[], name: string): ExportedSpan {
  const named = spans.filter((span) => span.name === name);
  if (named.length !== 1) throw new Error(`expected one ${name} span, got ${named.length}: ${spans.map((s) => s.name).join(', ')}`);
  return named[0]!;
}

/** A child gateway (tracing is process-wide state) exporting to `receiver`, in batches 20 ms apart. */
function tracedGatewayEnv(simulatorUrl: string, receiver: OtlpReceiver, env: Record<string, string> = {}): Record<string, string> {
  return {
    DATA_DIR: temporaryDirectory(),
    FAL_API_URL: simulatorUrl,
    FAL_KEY: CANARY_FAL_KEY,
    POLL_INTERVAL_MS: '50',
    ...AUTH_ENV,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: '20',
    ...env,
  };
}

describe('OpenTelemetry tracing', () => {
  it('exports one trace from the incoming traceparent through the fal submit, links the background work to it, sends traceparent to fal, and exports no secret, prompt or URL', async () => {
    const simulator = await startSimulator();
    const receiver = await OtlpReceiver.start();
    const webhookUrl = `${await listenOnLoopback(createServer((_req, res) => res.writeHead(204).end()))}/hooks/owner-token-5f2e9a`;
    const gateway = await startGatewayProcess(tracedGatewayEnv(simulator.url, receiver, { WEBHOOK_SECRET, ALLOW_PRIVATE_WEBHOOKS: '1' }));
    const jwt = await jwtFor('alice');
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');

    const created = dataOf(
      await graphqlHttp(
        gateway.url,
        CreateAnimationDocument,
        { input: input({ prompt: PROMPT, imageUrl: IMAGE_URL, videoUrl: VIDEO_URL, webhookUrl }) },
        { ...bearer(ALICE_KEY), traceparent: `00-${traceId}-${callerSpanId}-01` },
      ),
    ).createAnimation;
    const socket = wsClient(gateway.url, { connectionParams: () => bearer(ALICE_KEY) });
    const last = progressOf(await subscribeWs(socket, AnimationProgressDocument, { id: created.id }).untilComplete()).at(-1)!;
    expect(last.status).toBe('COMPLETED');
    const keptVideoUrl = last.animation.video!.url;
    const falVideoUrl = `${simulator.url}/files/result/${created.requestId!}.mp4`;
    // A caller with a JWT (another owner: `jwt:alice`) is traced too.
    expect(dataOf(await graphqlHttp(gateway.url, AnimationsDocument, { first: 5 }, bearer(jwt))).animations.edges).toEqual([]);

    const BACKGROUND = ['fal.stream', 'fal.result', 'media.copy', 'webhook.deliver'];
    await receiver.until(
      (spans) =>
        ['mutation.CreateAnimation', 'fal.submit', 'query.Animations', ...BACKGROUND].every((name) =>
          spans.some((span) => span.name === name),
        ),
      "the create, its fal submit, the status stream, the result, the copy, the webhook and the JWT caller's query to be exported",
    );
    const spans = receiver.spans;

    const operation = only(spans, 'mutation.CreateAnimation');
    expect(operation).toMatchObject({ traceId, parentSpanId: callerSpanId, serviceName: 'uni-animate-gateway' });
    expect(operation.attributes['graphql.execute.operationName']).toBe('CreateAnimation');
    for (const phase of ['graphql.parse', 'graphql.validate']) {
      expect(spans.filter((span) => span.traceId === traceId && span.name === phase).map((span) => span.parentSpanId)).toEqual([
        callerSpanId,
      ]);
    }
    const submit = only(spans, 'fal.submit');
    expect(submit).toMatchObject({ traceId, parentSpanId: operation.spanId });
    expect(submit.attributes['fal.request_id']).toBe(created.requestId);
    expect(spans.filter((span) => span.traceId === traceId && span.name === 'store.insert')).toHaveLength(1);

    for (const name of BACKGROUND) {
      const background = only(spans, name);
      expect(background.parentSpanId, `${name} starts its own trace`).toBe('');
      expect(background.traceId).not.toBe(traceId);
      expect(background.links, `${name} links to the create`).toEqual([{ traceId, spanId: operation.spanId }]);
    }
    expect(only(spans, 'fal.stream').attributes['fal.request_id']).toBe(created.requestId);
    expect(only(spans, 'fal.result').attributes['fal.request_id']).toBe(created.requestId);
    expect(only(spans, 'media.copy').attributes['animation.id']).toBeTypeOf('string');
    expect(only(spans, 'webhook.deliver').attributes).toEqual({ 'fal.request_id': created.requestId, 'http.response.status_code': 204 });

    const submitted = simulator.calls.requests.filter((request) => request.method === 'POST' && request.path === '/fal-ai/uni-animate');
    expect(submitted.map((request) => request.headers.traceparent)).toEqual([`00-${traceId}-${submit.spanId}-01`]);

    const exported = receiver.bodies.join('\n');
    for (const secret of [
      ALICE_KEY,
      CANARY_FAL_KEY,
      jwt,
      JWT_SECRET,
      WEBHOOK_SECRET,
      webhookUrl,
      PROMPT,
      IMAGE_URL,
      VIDEO_URL,
      keptVideoUrl,
      falVideoUrl,
    ]) {
      expect(exported).not.toContain(secret);
    }
  }, 60_000);

  it('records the prompt and the variables only when TRACE_SENSITIVE_ATTRIBUTES allows it, and still no key', async () => {
    const simulator = await startSimulator();
    const receiver = await OtlpReceiver.start();
    const gateway = await startGatewayProcess(tracedGatewayEnv(simulator.url, receiver, { TRACE_SENSITIVE_ATTRIBUTES: '1' }));
    const variables = { input: input({ prompt: PROMPT, imageUrl: IMAGE_URL, videoUrl: VIDEO_URL }) };
    const created = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, variables, bearer(ALICE_KEY))).createAnimation;

    await receiver.until(
      (spans) => ['mutation.CreateAnimation', 'fal.submit'].every((name) => spans.some((span) => span.name === name)),
      'the create and its fal submit to be exported',
    );
    const submit = only(receiver.spans, 'fal.submit');
    expect(submit.attributes).toEqual({ 'fal.request_id': created.requestId, 'fal.prompt': PROMPT });
    const operation = only(receiver.spans, 'mutation.CreateAnimation');
    expect(JSON.parse(String(operation.attributes['graphql.execute.variables']))).toEqual(variables);
    const exported = receiver.bodies.join('\n');
    for (const secret of [ALICE_KEY, CANARY_FAL_KEY, AUTH_ENV.JWT_SECRET]) expect(exported).not.toContain(secret);
  }, 60_000);
});

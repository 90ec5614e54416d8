import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it, onTestFinished } from 'vitest';
import { StandardWebhookSender } from '../../src/adapters/webhooks/webhook-sender.js';
import { AnimationDocument, AnimationProgressDocument, CreateAnimationDocument } from '../gql/graphql.js';
import { eventually } from '../support/eventually.js';
import { dataOf, graphqlHttp, subscribeWs, wsClient } from '../support/graphql-clients.js';
import { startSimulator, startTestGateway } from '../support/harness.js';
import { input } from '../support/inputs.js';
import { download } from '../support/media.js';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A local webhook receiver answering each delivery with the next status of `answers` (then 200). */
async function receiver(answers: number[] = []) {
  const received: Received[] = [];
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answers.shift() ?? 200).end();
      for (const waiter of [...waiters]) waiter();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hooks/animation`,
    received,
    until: (count: number, timeoutMs = 15_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (received.length >= count) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve();
          }
        };
        const timer = setTimeout(() => reject(new Error(`only ${received.length} deliveries within ${timeoutMs} ms`)), timeoutMs);
        waiters.add(check);
        check();
      }),
  };
}

const WEBHOOK_ENV = { WEBHOOK_SECRET: SECRET, ALLOW_PRIVATE_WEBHOOKS: '1', WEBHOOK_RETRY_BASE_MS: '50' };

describe("owners' webhooks", () => {
  it('POSTs the finished animation, signed per Standard Webhooks, and records the delivery', async () => {
    const hook = await receiver();
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator, WEBHOOK_ENV);
    const created = dataOf(
      await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input({ webhookUrl: hook.url }) }),
    ).createAnimation;
    await subscribeWs(wsClient(gateway.url), AnimationProgressDocument, { id: created.id }).untilComplete();
    await hook.until(1);

    const [delivery] = hook.received;
    const verified = new Webhook(SECRET).verify(delivery!.body, delivery!.headers as Record<string, string>) as {
      type: string;
      data: { id: string; status: string; video: { url: string } };
    };
    expect(verified.type).toBe('animation.completed');
    expect(verified.data).toMatchObject({
      id: created.id,
      status: 'COMPLETED',
      video: { url: expect.stringMatching(/\.mp4\?expires=\d+&signature=/) },
    });
    // The receiver can fetch the video it is told of, from the gateway.
    expect((await download(verified.data.video.url)).status).toBe(200);
    expect(() => new Webhook(`whsec_${randomBytes(24).toString('base64')}`).verify(delivery!.body, delivery!.headers as never)).toThrow();

    await eventually(async () => {
      const { animation } = dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id: created.id }));
      expect(animation!.webhookUrl).toBe(hook.url);
      expect(animation!.webhookDeliveries).toMatchObject([{ attempt: 1, statusCode: 200, succeeded: true, error: null }]);
    });
  });

  it('retries after a 500 with the same message id, and records both attempts', async () => {
    const hook = await receiver([500]);
    const simulator = await startSimulator();
    simulator.plan(() => ({ fail: { status: 500, body: { detail: 'boom', error_type: 'runner_server_error' } } }));
    const gateway = await startTestGateway(simulator, WEBHOOK_ENV);
    const created = dataOf(
      await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input({ webhookUrl: hook.url }) }),
    ).createAnimation;
    await hook.until(2);
    expect(hook.received[0]!.headers['webhook-id']).toBe(hook.received[1]!.headers['webhook-id']);
    const verified = new Webhook(SECRET).verify(hook.received[1]!.body, hook.received[1]!.headers as never) as { type: string };
    expect(verified.type).toBe('animation.failed');
    await eventually(async () => {
      const { animation } = dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id: created.id }));
      expect(animation!.webhookDeliveries.map((d) => [d.attempt, d.statusCode, d.succeeded])).toEqual([
        [1, 500, false],
        [2, 200, true],
      ]);
    });
  });

  it('refuses a private, loopback or plain-http webhook URL without ALLOW_PRIVATE_WEBHOOKS, and any without a signing secret', async () => {
    const simulator = await startSimulator();
    const strict = await startTestGateway(simulator, { WEBHOOK_SECRET: SECRET });
    for (const webhookUrl of [
      'http://example.com/hook',
      'https://127.0.0.1/hook',
      'https://localhost/hook',
      'https://10.1.2.3/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://2130706433/hook',
      'https://0x7f000001/hook',
      'https://user:pass@example.com/hook',
    ]) {
      const result = await graphqlHttp(strict.url, CreateAnimationDocument, { input: input({ webhookUrl }) });
      expect(result.errors?.[0]?.extensions?.code, webhookUrl).toBe('BAD_USER_INPUT');
    }
    const unsigned = await startTestGateway(simulator);
    const result = await graphqlHttp(unsigned.url, CreateAnimationDocument, { input: input({ webhookUrl: 'https://example.com/hook' }) });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(simulator.calls.submit).toBe(0);
  });

  it('never connects to a name that resolves to a private address', async () => {
    const hook = await receiver();
    const sender = new StandardWebhookSender({
      secret: SECRET,
      allowPrivate: false,
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    const result = await sender.send(hook.url.replace('127.0.0.1', 'innocent.example'), 'msg_1', '{}');
    expect(result).toEqual({ statusCode: null, error: expect.stringMatching(/private/) });
    expect(hook.received).toEqual([]);

    const allowed = new StandardWebhookSender({
      secret: SECRET,
      allowPrivate: true,
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    expect(await allowed.send(hook.url.replace('127.0.0.1', 'innocent.example'), 'msg_2', '{}')).toEqual({ statusCode: 200, error: null });
    expect(hook.received).toHaveLength(1);
  });
});

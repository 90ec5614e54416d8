import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { AnimationDocument, CreateAnimationDocument } from '../gql/graphql.js';
import { eventually, within } from '../support/eventually.js';
import { startGatewayProcess } from '../support/gateway-process.js';
import { dataOf, graphqlHttp } from '../support/graphql-clients.js';
import { CANARY_FAL_KEY, startSimulator, temporaryDirectory } from '../support/harness.js';
import { input } from '../support/inputs.js';

const SUBSCRIPTIONS = 150;

/** Every event repeats the 2000-character prompt 15 times: about 30 KB per event and subscription. */
const HEAVY_PROGRESS = `subscription($id: ID!) { animationProgress(id: $id) { status progress animation { ${Array.from(
  { length: 15 },
  (_, i) => `p${i}: prompt`,
).join(' ')} } } }`;

async function openSockets(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return Number(/^gateway_websockets (\d+)$/m.exec(text)?.[1]);
}

/**
 * A graphql-transport-ws client on a bare TCP socket, so that once paused it reads nothing
 * at all (a ws client resumes its socket itself whenever its parser drains).
 */
async function slowClient(baseUrl: string) {
  const { hostname, port } = new URL(baseUrl);
  const tcp = connect(Number(port), hostname);
  onTestFinished(() => void tcp.destroy());
  tcp.on('error', () => undefined);
  let text = '';
  const listeners = new Set<() => void>();
  tcp.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
    for (const listener of [...listeners]) listener();
  });
  const received = (marker: string) =>
    within(
      new Promise<void>((resolve) => {
        const check = () => {
          if (!text.includes(marker)) return;
          listeners.delete(check);
          resolve();
        };
        listeners.add(check);
        check();
      }),
      10_000,
      () => `${marker} from the gateway; got ${text.slice(0, 300)}`,
    );
  tcp.write(
    `GET /graphql HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
      'Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n',
  );
  await received('HTTP/1.1 101');
  return { tcp, received, send: (message: unknown) => tcp.write(maskedTextFrame(JSON.stringify(message))) };
}

/** One client-to-server text frame (clients must mask theirs). */
function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const length =
    payload.length < 126
      ? Buffer.from([payload.length | 0x80])
      : payload.length < 65_536
        ? Buffer.from([126 | 0x80, payload.length >> 8, payload.length & 0xff])
        : Buffer.concat([Buffer.from([127 | 0x80]), bigEndian64(payload.length)]);
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x81]), length, mask, masked]);
}

function bigEndian64(value: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(value));
  return bytes;
}

describe('a WebSocket client that stops reading', () => {
  it('is dropped without a stack trace on stderr for each send still pending when it goes', async () => {
    const simulator = await startSimulator({ stepMs: 60 });
    const gateway = await startGatewayProcess({
      FAL_API_URL: simulator.url,
      FAL_KEY: CANARY_FAL_KEY,
      DATA_DIR: temporaryDirectory(),
      POLL_INTERVAL_MS: '40',
      MAX_SUBSCRIPTIONS_PER_SOCKET: String(SUBSCRIPTIONS),
    });
    const created = dataOf(
      await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input({ prompt: 'a dancing knight '.repeat(200).slice(0, 2000) }) }),
    ).createAnimation;

    const client = await slowClient(gateway.url);
    client.send({ type: 'connection_init', payload: {} });
    await client.received('"connection_ack"');
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      client.send({ id: `s${i}`, type: 'subscribe', payload: { query: HEAVY_PROGRESS, variables: { id: created.id } } });
    }
    await client.received('"type":"next"');
    client.tcp.pause();

    // Reading nothing while the animation runs on (each round of events is megabytes for this socket), then vanishing mid-way.
    await eventually(async () => {
      const { animation } = dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id: created.id }));
      expect(animation?.progress ?? 0, 'the animation to be half done while the client reads nothing').toBeGreaterThanOrEqual(0.5);
    }, 20_000);
    client.tcp.resetAndDestroy();
    await eventually(async () => expect(await openSockets(gateway.url), 'the gateway to drop the socket').toBe(0));
    // One more answered request: whatever the drop printed has been printed by now.
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);

    const stderr = gateway.lines.join('\n');
    expect(stderr).not.toContain('ERR_STREAM_DESTROYED');
    expect(stderr).not.toContain('Internal error');
    expect(gateway.child.exitCode).toBeNull();
  }, 60_000);
});

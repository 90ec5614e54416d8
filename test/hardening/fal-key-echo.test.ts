import { describe, expect, it } from 'vitest';
import type { FalSimulator, JobPlan } from '@uni-animate/fal-simulator';
import { AnimationDocument, AnimationProgressDocument, CreateAnimationDocument } from '../gql/graphql.js';
import { dataOf, graphqlHttp, subscribeWs, wsClient } from '../support/graphql-clients.js';
import { freePort, startSimulator, startTestGateway, type TestGateway } from '../support/harness.js';
import { input } from '../support/inputs.js';

/** A fal key shaped like fal's, `<key id>:<key secret>`, that the test looks for in everything the gateway says. */
const KEY_ID = 'fk_canary_7Hq2c5e1-9b3d-4a7f-8e21-6d0f4b9a3c58';
const KEY_SECRET = 'b7e24f9c1a0d8e63f5c2a94d7b1e0f38';
const FAL_KEY = `${KEY_ID}:${KEY_SECRET}`;
const HEADER = `Key ${FAL_KEY}`;

/** Shortest run of a spelling that must not survive anywhere. */
const FRAGMENT = 8;

/**
 * `text` base64-encoded as it reads inside a longer encoded text where it starts `offset` bytes
 * after a 3-byte boundary: the 4-character groups that hold only its bytes.
 */
function base64At(text: string, offset: number, encoding: 'base64' | 'base64url'): string {
  const encoded = Buffer.concat([Buffer.alloc(offset), Buffer.from(text)]).toString(encoding);
  return encoded.slice(offset ? 4 : 0, Math.floor((offset + Buffer.byteLength(text)) / 3) * 4);
}

function encodings(text: string): string[] {
  const hex = Buffer.from(text).toString('hex');
  const base64 = [0, 1, 2].flatMap((offset) => [base64At(text, offset, 'base64'), base64At(text, offset, 'base64url')]);
  return [text, encodeURIComponent(text), hex, hex.toUpperCase(), ...base64];
}

/** The key and each half, in every spelling an echo might use (base64 at each alignment, as inside an encoded header). */
const SPELLINGS = [FAL_KEY, KEY_ID, KEY_SECRET].flatMap(encodings);

/** Texts a misbehaving fal might send back: the key whole, halved and encoded, and cut short by fal itself. */
const ECHOES = [
  `auth was ${HEADER}`,
  `key id ${KEY_ID} and secret ${KEY_SECRET}`,
  `urlencoded ${encodeURIComponent(FAL_KEY)}`,
  `basic ${Buffer.from(HEADER).toString('base64')}`,
  `b64url ${Buffer.from(FAL_KEY).toString('base64url')}`,
  `hex ${Buffer.from(FAL_KEY).toString('hex')}`,
  `HEX ${Buffer.from(KEY_SECRET).toString('hex').toUpperCase()}`,
  `secret b64 ${Buffer.from(KEY_SECRET).toString('base64')}`,
  `cut by fal: ${FAL_KEY.slice(0, 20)}`,
];

/** Pads `text` so that the gateway's cut at `limit` characters falls `inside` characters into the key after `lead`. */
function straddling(limit: number, lead: string, inside: number): string {
  return `${'x'.repeat(limit - lead.length - inside)}${lead}${FAL_KEY} trailing words`;
}

/** Every run of FRAGMENT characters of every spelling found in `text`, with the spelling it came from. */
function fragmentsIn(text: string): string[] {
  const found = new Set<string>();
  for (const spelling of SPELLINGS) {
    for (let i = 0; i + FRAGMENT <= spelling.length; i++) {
      const run = spelling.slice(i, i + FRAGMENT);
      if (text.includes(run)) found.add(`${run} (of ${spelling})`);
    }
  }
  return [...found];
}

/** Creates an animation under `plan`, follows it to its end over WebSocket, reads it back, and returns all it saw. */
async function runJob(simulator: FalSimulator, gateway: TestGateway, plan: JobPlan): Promise<{ seen: string; status: string }> {
  simulator.plan(() => plan);
  const created = await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() });
  const { id } = dataOf(created).createAnimation;
  const events = await subscribeWs(wsClient(gateway.url), AnimationProgressDocument, { id }).untilComplete(15_000);
  const read = await graphqlHttp(gateway.url, AnimationDocument, { id });
  return { seen: JSON.stringify([created, events, read]), status: dataOf(read).animation!.status };
}

describe('a fal that echoes the fal key', () => {
  it('never gets any spelling or fragment of it into a response, a subscription event or a log line', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator, { FAL_KEY });
    const seen: string[] = [];
    const statuses: string[] = [];
    for (const plan of [
      // Error details that the gateway cuts at 200 characters, with the cut 20 characters into the key.
      { fail: { status: 500, body: { detail: straddling(200, 'runner crashed; header was Key ', 20) } } },
      { fail: { status: 500, body: { detail: ECHOES.join(' | '), error_type: `auth_${KEY_SECRET}` } } },
      // Validation messages, cut at 300 characters, 20 characters into the key.
      {
        fail: {
          status: 422,
          body: {
            detail: [
              { loc: ['body', 'prompt'], msg: straddling(300, 'bad key ', 20), type: 'value_error' },
              ...ECHOES.map((msg) => ({ loc: ['body', 'video_url'], msg, type: 'value_error' })),
              { loc: ['body', KEY_SECRET], msg: 'field named after the secret', type: 'value_error' },
            ],
          },
        },
      },
      // fal's log lines, which reach animation.logs, newLogs and the gateway's own log.
      { logLines: [...ECHOES, straddling(300, 'runner env FAL_KEY=', 20)] },
    ] satisfies JobPlan[]) {
      const job = await runJob(simulator, gateway, plan);
      seen.push(job.seen);
      statuses.push(job.status);
    }
    await gateway.stop();

    expect(statuses).toEqual(['FAILED', 'FAILED', 'FAILED', 'COMPLETED']);
    const everything = [...seen, ...gateway.logs.lines].join('\n');
    expect(fragmentsIn(everything)).toEqual([]);
    // What fal said around the key still reaches the user.
    expect(everything).toContain('runner crashed; header was Key [redacted]');
    expect(everything).toContain('cut by fal: [redacted]');
    expect(everything).toContain('Sampling step 30/30');
  });

  it("never lets it through in a fal webhook's failure payload either", async () => {
    const simulator = await startSimulator();
    simulator.faults.rate = { stream: 1 };
    const port = await freePort();
    const gateway = await startTestGateway(simulator, {
      FAL_KEY,
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      FAL_JWKS_URL: simulator.jwksUrl,
      RECONCILE_INTERVAL_MS: '600000',
    });
    const failed = await runJob(simulator, gateway, {
      fail: { status: 500, body: { detail: `${ECHOES.join(' | ')} ${straddling(150, 'then ', 20)}`, error_type: `auth_${KEY_ID}` } },
    });
    const rejected = await runJob(simulator, gateway, {
      fail: { status: 422, body: { detail: ECHOES.map((msg) => ({ loc: ['body', 'prompt'], msg, type: 'value_error' })) } },
    });
    await gateway.stop();

    expect([failed.status, rejected.status]).toEqual(['FAILED', 'FAILED']);
    // The outcomes came from fal's webhooks, not from reading results.
    expect(simulator.webhooks.map((attempt) => attempt.status)).toEqual([200, 200]);
    expect(simulator.calls.result).toBe(0);
    const everything = [failed.seen, rejected.seen, ...gateway.logs.lines].join('\n');
    expect(fragmentsIn(everything)).toEqual([]);
    expect(everything).toContain('auth was Key [redacted]');
  });
});

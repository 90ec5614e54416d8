import { describe, expect, it } from 'vitest';
import { startSimulator, startTestGateway } from '../support/harness.js';
import { answersOnEveryTransport, type Answer } from '../support/transports.js';

const heavy =
  'edges { node { id status prompt negativePrompt imageUrl videoUrl resolution seed numInferenceSteps cfgScale progress queuePosition requestId createdAt updatedAt completedAt upstreamError video { url contentType fileName fileSize } error { code message } logs { message level timestamp } statusHistory { status at } } cursor } pageInfo { hasNextPage endCursor }';
const aliases = (n: number) =>
  `{ ${Array.from({ length: n }, (_, i) => `a${i}: animations(first: 1) { pageInfo { hasNextPage } }`).join(' ')} }`;
const directives = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `t${i}: __typename @include(if: true)`).join(' ')} }`;
const tokens = (n: number) =>
  `query ($unused: [Int] = [${Array(n - 15)
    .fill('1')
    .join(' ')}]) { __typename }`;

/** Each limit: a document one over it, and one at or under it that must not trip it. */
const LIMITS: [string, string, string, RegExp][] = [
  [
    'depth 6',
    '{ animations { edges { node { video { url { x { y } } } } } } }',
    '{ animations { edges { node { video { url } } } } }',
    /depth limit/i,
  ],
  ['15 aliases', aliases(16), aliases(15), /aliases limit/i],
  ['10 directives', directives(11), directives(10), /directives limit/i],
  ['1000 tokens', tokens(1001), tokens(1000), /token limit/i],
  [
    'cost 20000',
    `{ a: animations(first: 100) { ${heavy} } b: animations(first: 100) { ${heavy} } }`,
    `{ animations(first: 100) { ${heavy} } }`,
    /cost limit/i,
  ],
];

function expectRejected(answer: Answer, rule: RegExp, where: string) {
  expect(answer.codes, where).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  expect(answer.messages.join(' '), where).toMatch(rule);
}

describe('query limits hold the same on HTTP, SSE and WebSocket', () => {
  it('rejects a document one over each limit, and lets one at the limit through that rule', async () => {
    const gateway = await startTestGateway(await startSimulator());
    for (const [limit, over, within, rule] of LIMITS) {
      const rejected = await answersOnEveryTransport(gateway.url, over);
      for (const [transport, answer] of Object.entries(rejected)) expectRejected(answer, rule, `${limit} over ${transport}`);
      const accepted = await answersOnEveryTransport(gateway.url, within);
      for (const [transport, answer] of Object.entries(accepted)) {
        expect(answer.messages.join(' '), `${limit} within, ${transport}`).not.toMatch(rule);
      }
    }
  });

  it('in production hides the limits, field suggestions and the schema, everywhere', async () => {
    const gateway = await startTestGateway(await startSimulator(), { NODE_ENV: 'production', API_KEYS: 'p:production-key-0123456789' });
    const headers = { authorization: 'Bearer production-key-0123456789' };
    const overLimit = await answersOnEveryTransport(gateway.url, aliases(16), { headers });
    for (const answer of Object.values(overLimit)) {
      expect(answer.codes).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(answer.messages.join(' ')).not.toMatch(/15/);
    }
    const typo = await answersOnEveryTransport(gateway.url, '{ animationz }', { headers });
    for (const answer of Object.values(typo)) {
      expect(answer.codes[0]).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(answer.messages.join(' ')).not.toMatch(/did you mean/i);
    }
    const introspection = await answersOnEveryTransport(gateway.url, '{ __schema { types { name } } }', { headers });
    for (const answer of Object.values(introspection)) {
      expect(answer.codes[0]).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(answer.data).toBeNull();
    }
    const page = await fetch(`${gateway.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toContain('YogaGraphiQL');
  });

  it('allows introspection outside production', async () => {
    const gateway = await startTestGateway(await startSimulator());
    const introspection = await answersOnEveryTransport(gateway.url, '{ __schema { queryType { name } } }');
    for (const answer of Object.values(introspection)) expect(answer.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });
});

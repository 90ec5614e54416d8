import { describe, expect, it } from 'vitest';
import { CreateAnimationDocument, type CreateAnimationInput } from '../gql/graphql.js';
import { graphqlHttp } from '../support/graphql-clients.js';
import { startSimulator, startTestGateway } from '../support/harness.js';
import { input } from '../support/inputs.js';

const longUrl = (length: number) => `https://example.com/${'a'.repeat(length - 'https://example.com/'.length)}`;

const REJECTED: [string, Partial<CreateAnimationInput>, string[]][] = [
  ['an empty prompt', { prompt: '' }, ['prompt']],
  ['a blank prompt', { prompt: '   ' }, ['prompt']],
  ['a prompt over 2000 characters', { prompt: 'x'.repeat(2001) }, ['prompt']],
  ['a negative prompt over 2000 characters', { negativePrompt: 'x'.repeat(2001) }, ['negativePrompt']],
  ['an http image URL', { imageUrl: 'http://example.com/a.png' }, ['imageUrl']],
  ['an ftp video URL', { videoUrl: 'ftp://example.com/a.mp4' }, ['videoUrl']],
  ['an image URL that is not a URL', { imageUrl: 'knight.png' }, ['imageUrl']],
  ['an image URL over 2048 characters', { imageUrl: longUrl(2049) }, ['imageUrl']],
  ['an image URL with credentials', { imageUrl: 'https://user:pass@example.com/a.png' }, ['imageUrl']],
  ['no image', { imageUrl: null }, ['imageUrl']],
  ['no video', { videoUrl: undefined }, ['videoUrl']],
  ['0 inference steps', { numInferenceSteps: 0 }, ['numInferenceSteps']],
  ['101 inference steps', { numInferenceSteps: 101 }, ['numInferenceSteps']],
  ['a negative CFG scale', { cfgScale: -0.1 }, ['cfgScale']],
  ['a CFG scale over 20', { cfgScale: 20.01 }, ['cfgScale']],
  ['a negative seed', { seed: -1 }, ['seed']],
  ['an empty idempotency key', { idempotencyKey: '' }, ['idempotencyKey']],
  ['an idempotency key over 255 characters', { idempotencyKey: 'k'.repeat(256) }, ['idempotencyKey']],
  ['several bad fields at once', { prompt: '', seed: -5, cfgScale: 99 }, ['prompt', 'seed', 'cfgScale']],
];

const ACCEPTED: [string, Partial<CreateAnimationInput>][] = [
  ['1 inference step', { numInferenceSteps: 1 }],
  ['100 inference steps', { numInferenceSteps: 100 }],
  ['a CFG scale of 0', { cfgScale: 0 }],
  ['a CFG scale of 20', { cfgScale: 20 }],
  ['seed 0', { seed: 0 }],
  ['a prompt of exactly 2000 characters', { prompt: 'x'.repeat(2000) }],
  ['an image URL of exactly 2048 characters', { imageUrl: longUrl(2048) }],
  ['720p', { resolution: 'RESOLUTION_720P' }],
];

describe('createAnimation input validation', () => {
  it('rejects every invalid input with BAD_USER_INPUT naming the field, and sends nothing to fal', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator);
    for (const [what, overrides, fields] of REJECTED) {
      const result = await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input(overrides) });
      const error = result.errors?.[0];
      expect(error?.extensions?.code, what).toBe('BAD_USER_INPUT');
      const named = (error?.extensions?.fields as { field: string }[]).map((problem) => problem.field);
      expect(named.sort(), what).toEqual([...fields].sort());
      for (const field of fields) expect(error?.message, what).toContain(field);
    }
    expect(simulator.calls.submit).toBe(0);
  });

  it('rejects values of the wrong GraphQL type with BAD_USER_INPUT, and sends nothing to fal', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator);
    const wrong = [
      { ...input(), seed: 'seven' },
      { ...input(), prompt: undefined },
      { ...input(), resolution: '1080p' },
    ];
    for (const bad of wrong) {
      const result = await graphqlHttp(gateway.url, CreateAnimationDocument, { input: bad as CreateAnimationInput });
      expect(result.errors?.[0]?.extensions?.code, JSON.stringify(bad)).toBe('BAD_USER_INPUT');
    }
    expect(simulator.calls.submit).toBe(0);
  });

  it('accepts the boundary values and sends fal its snake_case input with defaults filled in', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator);
    for (const [what, overrides] of ACCEPTED) {
      const result = await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input(overrides) });
      expect(result.errors, what).toBeUndefined();
    }
    expect(simulator.calls.submit).toBe(ACCEPTED.length);

    await graphqlHttp(gateway.url, CreateAnimationDocument, {
      input: input({ negativePrompt: 'blurry', seed: 42, resolution: 'RESOLUTION_720P', numInferenceSteps: 12, cfgScale: 2.5 }),
    });
    const [withDefaults, explicit] = simulator
      .jobs()
      .slice(-ACCEPTED.length - 1)
      .map((job) => job.input)
      .slice(-2);
    expect(explicit).toEqual({
      prompt: 'a knight in shining armour dancing',
      negative_prompt: 'blurry',
      image_url: 'https://example.com/knight.png',
      video_url: 'https://example.com/dance.mp4',
      resolution: '720p',
      seed: 42,
      num_inference_steps: 12,
      cfg_scale: 2.5,
    });
    expect(withDefaults).toMatchObject({ resolution: '720p', num_inference_steps: 30, cfg_scale: 1.5 });
    const first = simulator.jobs()[0]!.input;
    expect(first).toEqual({
      prompt: 'a knight in shining armour dancing',
      image_url: 'https://example.com/knight.png',
      video_url: 'https://example.com/dance.mp4',
      resolution: '480p',
      num_inference_steps: 1,
      cfg_scale: 1.5,
    });
  });
});

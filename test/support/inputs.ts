import type { CreateAnimationInput } from '../gql/graphql.js';

/** A valid input fal would accept; spread and override per test. */
export const VALID_INPUT: CreateAnimationInput = {
  prompt: 'a knight in shining armour dancing',
  imageUrl: 'https://example.com/knight.png',
  videoUrl: 'https://example.com/dance.mp4',
};

export function input(overrides: Partial<CreateAnimationInput> = {}): CreateAnimationInput {
  return { ...VALID_INPUT, ...overrides };
}

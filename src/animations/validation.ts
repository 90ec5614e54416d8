import { createHash } from 'node:crypto';
import { z } from 'zod';
import { badUserInput } from './errors.js';
import { RESOLUTIONS, type AnimationInput } from './model.js';

const MAX_URL_LENGTH = 2048;
const DATA_URI = /^data:[\w.+-]+\/[\w.+-]+(;[\w.+-]+=[\w.+-]+)*(;base64)?,/i;

const mediaUrl = z.string().refine(isAcceptedMediaUrl, {
  message: `must be an https URL of at most ${MAX_URL_LENGTH} characters or a data: URI`,
});

const createAnimationInput = z.object({
  prompt: z.string().trim().min(1, 'must not be empty').max(2000, 'must be at most 2000 characters'),
  negativePrompt: z.string().max(2000, 'must be at most 2000 characters').nullish(),
  imageUrl: mediaUrl,
  videoUrl: mediaUrl,
  resolution: z.enum(RESOLUTIONS).nullish(),
  seed: z.number().int('must be an integer').min(0, 'must be at least 0').nullish(),
  numInferenceSteps: z.number().int('must be an integer').min(1, 'must be at least 1').max(100, 'must be at most 100').nullish(),
  cfgScale: z.number().min(0, 'must be at least 0').max(20, 'must be at most 20').nullish(),
});

export type CreateAnimationRequest = z.input<typeof createAnimationInput> & { idempotencyKey?: string | null };

export const DEFAULTS = { resolution: '480p', numInferenceSteps: 30, cfgScale: 1.5 } as const;

/** Validates a request and applies defaults; throws BAD_USER_INPUT naming every bad field. */
export function validateCreateInput(request: Record<string, unknown>): AnimationInput {
  const parsed = createAnimationInput.safeParse(request);
  if (!parsed.success) {
    throw badUserInput(
      parsed.error.issues.map((issue) => ({
        field: issue.path.join('.') || 'input',
        message: issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message,
      })),
    );
  }
  const input = parsed.data;
  return {
    prompt: input.prompt,
    negativePrompt: input.negativePrompt ?? null,
    imageUrl: input.imageUrl,
    videoUrl: input.videoUrl,
    resolution: input.resolution ?? DEFAULTS.resolution,
    seed: input.seed ?? null,
    numInferenceSteps: input.numInferenceSteps ?? DEFAULTS.numInferenceSteps,
    cfgScale: input.cfgScale ?? DEFAULTS.cfgScale,
  };
}

function isAcceptedMediaUrl(value: string): boolean {
  if (DATA_URI.test(value)) return true;
  if (value.length > MAX_URL_LENGTH) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.hostname !== '' && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

/** A stable fingerprint of a validated input, to tell a repeated request from a different one. */
export function inputHash(input: AnimationInput): string {
  const canonical = JSON.stringify(Object.entries(input).sort(([a], [b]) => a.localeCompare(b)));
  return createHash('sha256').update(canonical).digest('hex');
}

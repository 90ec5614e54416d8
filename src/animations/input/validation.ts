import { createHash } from 'node:crypto';
import { z } from 'zod';
import { badUserInput } from '../../domain/errors.js';
import { PRIORITIES, RESOLUTIONS, type AnimationInput } from '../../domain/animation.js';
import { isNonPublicHost } from '../../domain/private-address.js';

const MAX_URL_LENGTH = 2048;
const DATA_URI = /^data:[\w.+-]+\/[\w.+-]+(;[\w.+-]+=[\w.+-]+)*(;base64)?,/i;

const mediaUrl = z.string().refine(isAcceptedMediaUrl, {
  message: `must be an https URL of at most ${MAX_URL_LENGTH} characters or a data: URI`,
});

const createAnimationInput = z.object({
  prompt: z.string().trim().min(1, 'must not be empty').max(2000, 'must be at most 2000 characters'),
  negativePrompt: z.string().max(2000, 'must be at most 2000 characters').nullish(),
  imageUrl: mediaUrl.nullish(),
  videoUrl: mediaUrl.nullish(),
  resolution: z.enum(RESOLUTIONS).nullish(),
  seed: z.number().int('must be an integer').min(0, 'must be at least 0').nullish(),
  numInferenceSteps: z.number().int('must be an integer').min(1, 'must be at least 1').max(100, 'must be at most 100').nullish(),
  cfgScale: z.number().min(0, 'must be at least 0').max(20, 'must be at most 20').nullish(),
  priority: z.enum(PRIORITIES).nullish(),
  startTimeout: z.number().int('must be an integer').min(1, 'must be at least 1').max(86_400, 'must be at most 86400').nullish(),
});

export const DEFAULTS = { resolution: '480p', numInferenceSteps: 30, cfgScale: 1.5 } as const;

/** A validated request with defaults applied; the input files are still to be resolved. */
export type ValidatedInput = Omit<AnimationInput, 'imageUrl' | 'videoUrl'> & {
  imageUrl: string | null;
  videoUrl: string | null;
};

/** Validates a request's fields and applies defaults; throws BAD_USER_INPUT naming every bad field. */
export function validateCreateInput(request: Record<string, unknown>): ValidatedInput {
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
    imageUrl: input.imageUrl ?? null,
    videoUrl: input.videoUrl ?? null,
    resolution: input.resolution ?? DEFAULTS.resolution,
    seed: input.seed ?? null,
    numInferenceSteps: input.numInferenceSteps ?? DEFAULTS.numInferenceSteps,
    cfgScale: input.cfgScale ?? DEFAULTS.cfgScale,
    priority: input.priority ?? 'NORMAL',
    startTimeout: input.startTimeout ?? null,
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

/** A stable fingerprint of a request, to tell a repeated request from a different one. */
export function inputHash(input: Record<string, unknown>): string {
  const canonical = JSON.stringify(Object.entries(input).sort(([a], [b]) => a.localeCompare(b)));
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * The owner's webhook URL: https (plain http only with `allowPrivate`), at most 2048
 * characters, no credentials, and not a loopback, private or link-local address unless
 * `allowPrivate`. Names are checked again, after DNS, when the webhook is sent.
 */
export function validateWebhookUrl(
  value: unknown,
  { allowPrivateWebhooks: allowPrivate, webhooksEnabled }: { allowPrivateWebhooks: boolean; webhooksEnabled: boolean },
): string | null {
  if (value === undefined || value === null) return null;
  const problem = (message: string) => badUserInput([{ field: 'webhookUrl', message }]);
  if (!webhooksEnabled) throw problem('webhooks are not enabled on this gateway (it has no WEBHOOK_SECRET)');
  if (typeof value !== 'string' || value.length > MAX_URL_LENGTH) throw problem(`must be a URL of at most ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw problem('must be an https URL');
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) throw problem('must be an https URL');
  if (url.username !== '' || url.password !== '') throw problem('must not contain credentials');
  if (!allowPrivate && isNonPublicHost(url.hostname)) throw problem('must not point to a loopback, private or link-local address');
  return url.href;
}

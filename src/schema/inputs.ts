import { builder } from './builder.js';
import { AnimationPriorityEnum, AnimationResolutionEnum } from './enums.js';

export const CreateAnimationInput = builder.inputType('CreateAnimationInput', {
  fields: (t) => ({
    prompt: t.string({ required: true }),
    negativePrompt: t.string({ description: "fal's default applies when omitted" }),
    imageUrl: t.string({ description: 'https URL or data: URI of the reference image; give this or `image`' }),
    image: t.field({ type: 'File' }),
    videoUrl: t.string({ description: 'https URL or data: URI of the driving video; give this or `video`' }),
    video: t.field({ type: 'File' }),
    resolution: t.field({ type: AnimationResolutionEnum, description: 'default RESOLUTION_480P' }),
    seed: t.int(),
    numInferenceSteps: t.int({ description: 'default 30' }),
    cfgScale: t.float({ description: 'default 1.5' }),
    webhookUrl: t.string({
      description: 'https URL the gateway POSTs the animation to (signed, Standard Webhooks) once it is finished',
    }),
    priority: t.field({ type: AnimationPriorityEnum, description: 'default NORMAL' }),
    startTimeout: t.int({
      description:
        'seconds (1..86400) from creation by which fal must have started it; held past it, or not started by fal in time, it ends FAILED with TIMED_OUT',
    }),
    idempotencyKey: t.string({
      description: 'the same key from the same owner returns the same animation and submits nothing new',
    }),
  }),
});

import { ANIMATION_STATUSES, PRIORITIES } from '../domain/animation.js';
import { builder } from './builder.js';

export const AnimationStatusEnum = builder.enumType('AnimationStatus', {
  description:
    "Where an animation stands. SUBMITTING: accepted by the gateway, not yet acknowledged by fal. IN_QUEUE / IN_PROGRESS mirror fal's queue. COMPLETED: the video is ready. FAILED: fal or the gateway gave up (see `error`). CANCELLED: cancelled by its owner. The last three are terminal: nothing changes after them.",
  values: ANIMATION_STATUSES,
});

export const AnimationResolutionEnum = builder.enumType('AnimationResolution', {
  description: 'The output resolution; fal\'s values are "480p" and "720p".',
  values: {
    RESOLUTION_480P: { value: '480p' as const },
    RESOLUTION_720P: { value: '720p' as const },
  },
});

export const AnimationPriorityEnum = builder.enumType('AnimationPriority', {
  description:
    "Among one owner's animations waiting for a slot at fal, LOW ones go after every NORMAL one; sent to fal as its `low` queue priority.",
  values: PRIORITIES,
});

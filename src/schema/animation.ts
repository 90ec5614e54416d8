import type { Animation, AnimationFailure, AnimationLog, WebhookDelivery } from '../domain/animation.js';
import type { PublicVideo } from '../animations/custody/media-links.js';
import type { Usage } from '../ports/animation-store.js';
import type { ProgressEvent } from '../animations/live/progress-fanout.js';
import * as resolve from '../resolvers/animation-fields.js';
import { builder } from './builder.js';
import { AnimationPriorityEnum, AnimationResolutionEnum, AnimationStatusEnum } from './enums.js';

export const AnimationLogType = builder.objectRef<AnimationLog>('AnimationLog').implement({
  fields: (t) => ({
    message: t.exposeString('message'),
    level: t.exposeString('level', { description: "fal's level: INFO, WARN, ERROR, DEBUG, STDOUT, STDERR" }),
    timestamp: t.expose('timestamp', { type: 'DateTime' }),
  }),
});

const VideoFileType = builder.objectRef<PublicVideo>('VideoFile').implement({
  fields: (t) => ({
    url: t.exposeString('url', {
      description: 'a signed URL on the gateway, valid for MEDIA_URL_TTL_S; reading the animation again gives a fresh one',
    }),
    contentType: t.exposeString('contentType', { nullable: true }),
    fileName: t.exposeString('fileName', { nullable: true }),
    fileSize: t.exposeInt('fileSize', { nullable: true }),
    expiresAt: t.expose('expiresAt', {
      type: 'DateTime',
      nullable: true,
      description: 'when the gateway deletes the video (MEDIA_RETENTION_DAYS); null: kept until deleted',
    }),
  }),
});

const AnimationErrorType = builder.objectRef<AnimationFailure>('AnimationError').implement({
  fields: (t) => ({
    code: t.exposeString('code', { description: 'e.g. UPSTREAM_FAILED, UPSTREAM_REJECTED, TIMED_OUT' }),
    message: t.exposeString('message'),
  }),
});

const WebhookDeliveryType = builder.objectRef<WebhookDelivery>('WebhookDelivery').implement({
  description: 'One attempt to POST the finished animation to its webhookUrl.',
  fields: (t) => ({
    attempt: t.exposeInt('attempt'),
    statusCode: t.exposeInt('statusCode', { nullable: true, description: "the receiver's HTTP status; null when it did not answer" }),
    succeeded: t.exposeBoolean('succeeded'),
    error: t.exposeString('error', { nullable: true }),
    at: t.expose('at', { type: 'DateTime' }),
  }),
});

const StatusChangeType = builder.objectRef<{ status: Animation['status']; at: string }>('AnimationStatusChange').implement({
  fields: (t) => ({
    status: t.expose('status', { type: AnimationStatusEnum }),
    at: t.expose('at', { type: 'DateTime' }),
  }),
});

export const AnimationType = builder.node(builder.objectRef<Animation>('Animation'), {
  description: 'A reference image animated by a driving pose video (fal-ai/uni-animate).',
  id: { resolve: (animation) => animation.id },
  isTypeOf: (value) => typeof value === 'object' && value !== null && 'inputHash' in value,
  fields: (t) => ({
    requestId: t.exposeString('requestId', { nullable: true, description: "fal's request id; null while SUBMITTING" }),
    status: t.expose('status', { type: AnimationStatusEnum }),
    queuePosition: t.exposeInt('queuePosition', { nullable: true, description: "position in fal's queue while IN_QUEUE, else null" }),
    progress: t.exposeFloat('progress', { nullable: true, description: '0..1 when the logs tell how far sampling is, else null' }),
    logs: t.field({
      type: [AnimationLogType],
      description: 'every log line fal reported, in order, without duplicates',
      resolve: resolve.logs,
    }),
    prompt: t.exposeString('prompt'),
    negativePrompt: t.exposeString('negativePrompt', { nullable: true }),
    imageUrl: t.exposeString('imageUrl'),
    videoUrl: t.exposeString('videoUrl'),
    resolution: t.expose('resolution', { type: AnimationResolutionEnum }),
    seed: t.exposeInt('seed', { nullable: true }),
    numInferenceSteps: t.exposeInt('numInferenceSteps'),
    cfgScale: t.exposeFloat('cfgScale'),
    priority: t.expose('priority', { type: AnimationPriorityEnum }),
    startTimeout: t.exposeInt('startTimeout', { nullable: true }),
    inferenceSeconds: t.exposeFloat('inferenceSeconds', {
      nullable: true,
      description: 'GPU seconds fal reported for the finished request (metrics.inference_time)',
    }),
    video: t.field({ type: VideoFileType, nullable: true, description: 'the generated video, once COMPLETED', resolve: resolve.video }),
    error: t.expose('error', { type: AnimationErrorType, nullable: true, description: 'why it FAILED' }),
    upstreamError: t.exposeString('upstreamError', {
      nullable: true,
      description: 'why fal cannot be reached right now while the gateway keeps trying; null when all is well',
    }),
    webhookUrl: t.exposeString('webhookUrl', { nullable: true }),
    webhookDeliveries: t.field({
      type: [WebhookDeliveryType],
      description: 'attempts to deliver the finished animation to webhookUrl, in order',
      resolve: resolve.webhookDeliveries,
    }),
    statusHistory: t.field({
      type: [StatusChangeType],
      description: 'each status the animation entered, oldest first',
      resolve: resolve.statusHistory,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
  }),
});

export const AnimationProgressType = builder.objectRef<ProgressEvent>('AnimationProgress').implement({
  description:
    'One change of an animation. The first event of a subscription is a snapshot of the current state, whose newLogs hold every log line so far; each later event carries only the log lines not sent before. The subscription completes right after the event with a terminal status (at once, after one event, when the animation is already terminal).',
  fields: (t) => ({
    status: t.expose('status', { type: AnimationStatusEnum }),
    queuePosition: t.exposeInt('queuePosition', { nullable: true }),
    progress: t.exposeFloat('progress', { nullable: true }),
    newLogs: t.expose('newLogs', { type: [AnimationLogType] }),
    animation: t.expose('animation', { type: AnimationType }),
  }),
});

export const AnimationConnectionType = builder.connectionObject({ type: AnimationType, name: 'AnimationConnection' });

export const DeleteAnimationPayloadType = builder.objectRef<{ deletedId: string }>('DeleteAnimationPayload').implement({
  fields: (t) => ({
    deletedId: t.exposeID('deletedId'),
  }),
});

export const UsageType = builder.objectRef<Usage>('Usage').implement({
  description: "The caller's animations created since a time, by outcome, with the GPU seconds fal reported for them.",
  fields: (t) => ({
    animations: t.exposeInt('animations'),
    completed: t.exposeInt('completed'),
    failed: t.exposeInt('failed'),
    cancelled: t.exposeInt('cancelled'),
    inferenceSeconds: t.exposeFloat('inferenceSeconds'),
  }),
});

/** The gateway's own view of an animation job; fal's wire shapes never leak past the fal adapter. */

export const ANIMATION_STATUSES = ['SUBMITTING', 'IN_QUEUE', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
export type AnimationStatus = (typeof ANIMATION_STATUSES)[number];

export const RESOLUTIONS = ['480p', '720p'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

/** Among an owner's held animations, LOW ones go after every NORMAL one; sent to fal as its `low` queue priority. */
export const PRIORITIES = ['NORMAL', 'LOW'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** One log line as fal reports it. */
export interface LogLine {
  message: string;
  level: string;
  timestamp: string;
}

export interface AnimationLog {
  /** 1-based position in the animation's log list. */
  seq: number;
  message: string;
  level: string;
  timestamp: string;
}

/** A file as fal reports it: on fal's CDN, public, kept only as long as fal keeps it. */
export interface VideoFile {
  url: string;
  contentType: string | null;
  fileName: string | null;
  fileSize: number | null;
}

/** A video the gateway copied into its own media store; served under signed URLs. */
export interface KeptVideo {
  /** Where it is in the media store: `<animation id>/<fileName>`. */
  key: string;
  /** Read from the bytes, not from fal's word. */
  contentType: string;
  fileName: string;
  fileSize: number;
  /** Strong validator for the route: the SHA-256 of the bytes, hex. */
  sha256: string;
  /** When the retention sweep deletes it; null: kept until deleted. */
  expiresAt: string | null;
}

export interface AnimationFailure {
  code: string;
  message: string;
}

/** What the caller asked for, validated and with defaults applied. */
export interface AnimationInput {
  prompt: string;
  negativePrompt: string | null;
  imageUrl: string;
  videoUrl: string;
  resolution: Resolution;
  seed: number | null;
  numInferenceSteps: number;
  cfgScale: number;
  priority: Priority;
  /** Seconds from creation by which fal must have started it; null: no deadline. */
  startTimeout: number | null;
}

export interface Animation extends AnimationInput {
  id: string;
  owner: string;
  requestId: string | null;
  status: AnimationStatus;
  queuePosition: number | null;
  progress: number | null;
  /** Why fal cannot be reached right now, while the watcher keeps trying; null when healthy. */
  upstreamError: string | null;
  /**
   * The result: a KeptVideo, or fal's own file for animations completed before the
   * gateway kept results (rows from earlier versions).
   */
  video: KeptVideo | VideoFile | null;
  /** fal's result while the gateway copies it (status IN_PROGRESS); private to the gateway. */
  upstreamVideo: VideoFile | null;
  /**
   * When the gateway let it take one of the account's slots at fal (FAL_CONCURRENCY); null
   * while it is held. Without a limit, at creation.
   */
  admittedAt: string | null;
  /** GPU seconds fal reports for the finished request (`metrics.inference_time`). */
  inferenceSeconds: number | null;
  error: AnimationFailure | null;
  idempotencyKey: string | null;
  inputHash: string;
  /** Where the gateway POSTs the finished animation (signed), if anywhere. */
  webhookUrl: string | null;
  /** Number of log lines recorded; the last one has this seq. */
  logCount: number;
  /** Incremented by every recorded change; events carry it so subscribers can skip what they have. */
  version: number;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
}

/** One attempt to POST a finished animation to its owner's webhook. */
export interface WebhookDelivery {
  attempt: number;
  /** HTTP status of the answer; null when there was none (network error, timeout, refused address). */
  statusCode: number | null;
  succeeded: boolean;
  error: string | null;
  at: string;
}

/** One recorded change of an animation, as published to subscribers. */
export interface AnimationChange {
  animation: Animation;
  /** The log lines this change added (seq > previous logCount). */
  newLogs: AnimationLog[];
}

export const TERMINAL_STATUSES: ReadonlySet<AnimationStatus> = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

export function isKept(video: KeptVideo | VideoFile): video is KeptVideo {
  return 'key' in video;
}

/** Seconds left until the animation's start deadline (negative once past), or undefined when it has none. */
export function secondsLeftToStart(animation: Pick<Animation, 'createdAt' | 'startTimeout'>, now: Date): number | undefined {
  if (animation.startTimeout === null) return undefined;
  return (Date.parse(animation.createdAt) + animation.startTimeout * 1000 - now.getTime()) / 1000;
}

export function isTerminal(status: AnimationStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

/** How a finished upstream request turned out, read from its result. */
export type UpstreamOutcome =
  { kind: 'succeeded'; video: VideoFile } | { kind: 'failed'; code: string; message: string } | { kind: 'cancelled' };

/**
 * The animation state machine as pure functions. Every recorded change goes through
 * `applyChange`, which keeps status monotonic: a late or repeated upstream report never
 * moves an animation backwards, and nothing changes after a terminal status.
 */
import {
  isTerminal,
  type Animation,
  type AnimationFailure,
  type AnimationLog,
  type AnimationStatus,
  type KeptVideo,
  type LogLine,
  type UpstreamOutcome,
  type VideoFile,
} from './animation.js';
import { progressFromLogs } from './progress.js';

export type Change =
  | { type: 'mediaUploaded'; imageUrl: string; videoUrl: string }
  /** Uploaded and waiting for one of the account's slots at fal; `queuePosition` counts what goes first. */
  | { type: 'held'; queuePosition: number }
  /** A held animation's place in line moved (never up). */
  | { type: 'movedUp'; queuePosition: number }
  | { type: 'submitted'; requestId: string; queuePosition: number | null }
  | {
      type: 'progressed';
      status: 'IN_QUEUE' | 'IN_PROGRESS';
      queuePosition: number | null;
      logs: LogLine[];
      /** fal's `metrics.inference_time`, once it reports the request finished. */
      inferenceSeconds?: number | null;
    }
  /** fal finished with this video; the gateway copies it before COMPLETED. */
  | { type: 'resultReady'; video: VideoFile; logs: LogLine[] }
  /** Log lines of the gateway's own (saving the video), with no other change. */
  | { type: 'noted'; logs: LogLine[] }
  | { type: 'completed'; video: KeptVideo }
  | { type: 'failed'; error: AnimationFailure; logs?: LogLine[] }
  | { type: 'cancelled' }
  | { type: 'upstreamTrouble'; message: string | null };

/** A log line the gateway adds to an animation's own, as fal's lines look. */
export function gatewayLogLine(message: string, level: 'INFO' | 'WARN' | 'ERROR', at: Date): LogLine {
  return { message, level, timestamp: at.toISOString() };
}

export const SAVING_THE_VIDEO = 'Saving the video';

/** The change that records how a finished upstream request turned out; a video is saved before COMPLETED. */
export function changeFor(outcome: UpstreamOutcome, at: Date): Change {
  switch (outcome.kind) {
    case 'succeeded':
      return { type: 'resultReady', video: outcome.video, logs: [gatewayLogLine(SAVING_THE_VIDEO, 'INFO', at)] };
    case 'failed':
      return { type: 'failed', error: { code: outcome.code, message: outcome.message } };
    case 'cancelled':
      return { type: 'cancelled' };
  }
}

export interface AppliedChange {
  next: Animation;
  appended: AnimationLog[];
}

const RANK: Record<AnimationStatus, number> = {
  SUBMITTING: 0,
  IN_QUEUE: 1,
  IN_PROGRESS: 2,
  COMPLETED: 3,
  FAILED: 3,
  CANCELLED: 3,
};

/** Returns the animation after `change`, or null when the change alters nothing. */
export function applyChange(current: Animation, change: Change, now: string): AppliedChange | null {
  if (isTerminal(current.status)) return null;
  const next: Animation = { ...current };
  let appended: AnimationLog[] = [];

  switch (change.type) {
    case 'mediaUploaded':
      if (current.status !== 'SUBMITTING') return null;
      next.imageUrl = change.imageUrl;
      next.videoUrl = change.videoUrl;
      break;
    case 'held':
      if (current.status !== 'SUBMITTING') return null;
      next.status = 'IN_QUEUE';
      next.queuePosition = change.queuePosition;
      break;
    case 'movedUp':
      if (current.requestId !== null || current.status !== 'IN_QUEUE') return null;
      next.queuePosition = lowerPosition(current.queuePosition, change.queuePosition);
      break;
    case 'submitted':
      if (current.requestId !== null) return null;
      next.requestId = change.requestId;
      advanceStatus(next, 'IN_QUEUE');
      // A held animation's position never rises when fal gives it one.
      if (next.status === 'IN_QUEUE') next.queuePosition = lowerPosition(current.queuePosition, change.queuePosition);
      break;
    case 'progressed':
      advanceStatus(next, change.status);
      if (next.status === 'IN_QUEUE' && change.status === 'IN_QUEUE') {
        next.queuePosition = lowerPosition(current.queuePosition, change.queuePosition);
      }
      appended = appendLogs(next, change.logs);
      next.upstreamError = null;
      if (change.inferenceSeconds != null) next.inferenceSeconds = change.inferenceSeconds;
      break;
    case 'resultReady':
      if (current.upstreamVideo !== null) return null;
      advanceStatus(next, 'IN_PROGRESS');
      next.upstreamVideo = change.video;
      next.upstreamError = null;
      appended = appendLogs(next, change.logs);
      break;
    case 'noted':
      appended = appendLogs(next, change.logs);
      break;
    case 'completed':
      next.status = 'COMPLETED';
      next.video = change.video;
      next.upstreamVideo = null;
      next.progress = 1;
      next.upstreamError = null;
      break;
    case 'failed':
      next.status = 'FAILED';
      next.error = change.error;
      next.upstreamVideo = null;
      next.upstreamError = null;
      appended = appendLogs(next, change.logs ?? []);
      break;
    case 'cancelled':
      next.status = 'CANCELLED';
      next.upstreamVideo = null;
      next.upstreamError = null;
      break;
    case 'upstreamTrouble':
      next.upstreamError = change.message;
      if (change.message !== null) next.queuePosition = null;
      break;
  }

  if (next.status !== 'IN_QUEUE') next.queuePosition = null;
  if (isTerminal(next.status)) next.completedAt = now;
  if (appended.length === 0 && sameState(current, next)) return null;
  next.version = current.version + 1;
  next.updatedAt = now;
  return { next, appended };
}

function advanceStatus(animation: Animation, status: AnimationStatus): void {
  if (RANK[status] > RANK[animation.status]) animation.status = status;
}

function lowerPosition(current: number | null, reported: number | null): number | null {
  if (reported === null) return current;
  if (current === null) return reported;
  return Math.min(current, reported);
}

function appendLogs(animation: Animation, lines: LogLine[]): AnimationLog[] {
  const appended = lines.map((line, i) => ({ ...line, seq: animation.logCount + i + 1 }));
  animation.logCount += appended.length;
  const reported = progressFromLogs(lines);
  if (reported !== null) animation.progress = Math.max(animation.progress ?? 0, reported);
  return appended;
}

function sameState(a: Animation, b: Animation): boolean {
  return (
    a.status === b.status &&
    a.requestId === b.requestId &&
    a.imageUrl === b.imageUrl &&
    a.videoUrl === b.videoUrl &&
    a.queuePosition === b.queuePosition &&
    a.progress === b.progress &&
    a.upstreamError === b.upstreamError &&
    a.video === b.video &&
    a.upstreamVideo === b.upstreamVideo &&
    a.inferenceSeconds === b.inferenceSeconds &&
    a.error === b.error
  );
}

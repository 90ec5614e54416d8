import type { AnimationStore } from '../../ports/animation-store.js';
import type { Log } from '../../ports/log.js';
import type { AnimationRecorder } from '../animation-recorder.js';

/** `error.code` of an animation whose request fal (or the sandbox's simulated fal) no longer knows. */
export const UPSTREAM_GONE = 'UPSTREAM_GONE';

/**
 * Consecutive 404 answers to status polls after which a request fal once acknowledged is
 * taken to be gone (purged, or FAL_ENDPOINT changed). With the polling backoff they are at
 * least three poll intervals apart in all (3 s with POLL_INTERVAL_MS=1000, about 8 s on
 * average), so one odd answer does not end an animation.
 */
export const GONE_AFTER_404S = 4;

export const SANDBOX_LOST_MESSAGE = "The sandbox's simulated fal restarted and lost this job.";

/**
 * Sandbox mode, at start: the simulated fal has just started empty, so every animation a
 * previous run sent to its own simulator (it has a request id, or was being submitted) is
 * unknown to it and would never finish. They are failed, with a log line, before anything
 * else runs; held animations, never sent, stay and are sent to the new simulator.
 * Returns how many were failed.
 */
export async function failJobsTheSandboxLost(deps: { store: AnimationStore; recorder: AnimationRecorder; logger: Log }): Promise<number> {
  const lost = (await deps.store.listUnfinished()).filter(
    (animation) => animation.requestId !== null || animation.status === 'SUBMITTING' || animation.admittedAt !== null,
  );
  let failed = 0;
  for (const animation of lost) {
    const recorded = await deps.recorder.record(animation.id, {
      type: 'failed',
      error: { code: UPSTREAM_GONE, message: SANDBOX_LOST_MESSAGE },
    });
    if (recorded) failed++;
  }
  if (failed > 0) {
    deps.logger.warn(
      { failed, code: UPSTREAM_GONE },
      `Sandbox mode: failed ${failed} unfinished animation(s) of a previous run: the simulated fal starts empty and cannot know their jobs`,
    );
  }
  return failed;
}

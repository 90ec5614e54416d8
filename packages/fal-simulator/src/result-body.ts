import type { Job } from './jobs.js';

/** What GET result answers for a job; the webhook's payload is this body too. */
export interface ResultAnswer {
  status: number;
  body: unknown;
  /** Extra headers beyond x-fal-request-id (a failure plan's own, or a user timeout's type). */
  headers: Record<string, string>;
}

/** What fal answers, 504 with `x-fal-request-timeout-type: user`, for a request not started within its x-fal-request-timeout. */
export const USER_TIMEOUT_BODY = { detail: 'Request timed out', error_type: 'request_timeout' };

/** Whether the job succeeded, so its result file exists (while not forgotten). */
export function hasResult(job: Job): boolean {
  return job.status === 'COMPLETED' && !job.cancelled && !job.timedOut && !job.plan.fail;
}

export function resultClipPath(requestId: string): string {
  return `/files/result/${requestId}.mp4`;
}

/** The one source of the result endpoint's status and body for a job, in any state. */
export function resultAnswer(base: string, job: Job): ResultAnswer {
  if (job.status !== 'COMPLETED') {
    return { status: 400, body: { detail: 'Request is still in progress' }, headers: {} };
  }
  if (job.cancelled) {
    return { status: 499, body: { detail: 'Request was cancelled', error_type: 'client_cancelled' }, headers: {} };
  }
  if (job.timedOut) {
    return { status: 504, body: USER_TIMEOUT_BODY, headers: { 'x-fal-request-timeout-type': 'user' } };
  }
  if (job.plan.fail) {
    return { status: job.plan.fail.status, body: job.plan.fail.body, headers: { ...job.plan.fail.headers } };
  }
  return {
    status: 200,
    body: {
      video: {
        url: `${base}${resultClipPath(job.requestId)}`,
        content_type: 'video/mp4',
        file_name: `${job.requestId}.mp4`,
        file_size: job.plan.resultBytes,
      },
      seed: job.seed,
    },
    headers: {},
  };
}

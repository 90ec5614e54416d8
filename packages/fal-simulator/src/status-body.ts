import { inferenceSeconds, type Job } from './jobs.js';
import type { LogEntry } from './types.js';

export interface RequestUrls {
  response_url: string;
  status_url: string;
  cancel_url: string;
}

export function requestUrls(base: string, endpoint: string, requestId: string): RequestUrls {
  const responseUrl = `${base}/${endpoint}/requests/${requestId}`;
  return { response_url: responseUrl, status_url: `${responseUrl}/status`, cancel_url: `${responseUrl}/cancel` };
}

/** The body of a polled status answer and of each status-stream event. */
export function statusBody(
  job: Job,
  queuePosition: number | undefined,
  logs: LogEntry[] | null,
  urls: RequestUrls,
): Record<string, unknown> {
  return {
    status: job.status,
    request_id: job.requestId,
    ...(job.status === 'IN_QUEUE' ? { queue_position: queuePosition } : {}),
    logs,
    ...metricsOf(job),
    ...urls,
  };
}

/** fal reports the runner's time once COMPLETED; a job that never ran to its end (cancelled, timed out) has none. */
function metricsOf(job: Job): { metrics?: { inference_time: number } } {
  const seconds = inferenceSeconds(job);
  return seconds === undefined ? {} : { metrics: { inference_time: seconds } };
}

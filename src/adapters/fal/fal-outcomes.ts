import type { VideoFile } from '../../domain/animation.js';
import type { UpstreamOutcome } from '../../domain/animation.js';

/** How a finished fal request turned out, from its result answer (or a webhook carrying it). */

/** Statuses fal's queue answers while it cannot serve; worth asking again. */
export const TRANSIENT_STATUSES = new Set([408, 429, 502, 503, 504]);

const GATEWAY_FIELDS: Record<string, string> = {
  prompt: 'prompt',
  negative_prompt: 'negativePrompt',
  image_url: 'imageUrl',
  video_url: 'videoUrl',
  resolution: 'resolution',
  seed: 'seed',
  num_inference_steps: 'numInferenceSteps',
  cfg_scale: 'cfgScale',
};

export type Scrub = (text: string) => string;

/** A successful result: the model's output must carry a video (its file name and type scrubbed like every text from fal). */
export function outcomeOfOutput(output: unknown, scrub: Scrub = (text) => text): UpstreamOutcome {
  const video = toVideo((output as { video?: unknown } | null)?.video, scrub);
  return video ? { kind: 'succeeded', video } : { kind: 'failed', code: 'UPSTREAM_FAILED', message: 'fal finished without a video.' };
}

/**
 * A failed result: cancelled, timed out, rejected input (422, with fal's field messages) or
 * a model failure. Returns undefined for statuses that only say fal cannot answer right now.
 */
export function outcomeOfError(answer: { status: number; body: unknown; userTimeout: boolean }, scrub: Scrub): UpstreamOutcome | undefined {
  const errorType = (answer.body as { error_type?: unknown } | undefined)?.error_type;
  if (answer.status === 499 || errorType === 'client_cancelled') return { kind: 'cancelled' };
  if (answer.userTimeout || errorType === 'request_timeout' || errorType === 'startup_timeout') {
    return { kind: 'failed', code: 'TIMED_OUT', message: 'fal timed out running the request.' };
  }
  if (TRANSIENT_STATUSES.has(answer.status)) return undefined;
  if (answer.status === 422) {
    const problems = fieldProblems(answer.body, scrub).map((p) => `${p.field}: ${p.message}`);
    return { kind: 'failed', code: 'UPSTREAM_REJECTED', message: problems.join('; ') || 'fal rejected the input.' };
  }
  return { kind: 'failed', code: 'UPSTREAM_FAILED', message: errorSummary(answer.status, answer.body, scrub) };
}

/**
 * fal's validation messages (`detail` as a list, or a plain string), named by the gateway's field
 * names. Every text is scrubbed before it is cut, so a cut cannot leave a fragment of a secret.
 */
export function fieldProblems(body: unknown, scrub: Scrub): { field: string; message: string }[] {
  const detail = (body as { detail?: unknown } | undefined)?.detail;
  const entries = Array.isArray(detail) ? detail : typeof detail === 'string' ? [{ loc: ['body'], msg: detail }] : [];
  return entries.map((entry: { loc?: unknown; msg?: unknown }) => {
    const loc = Array.isArray(entry.loc) ? entry.loc : [];
    const falField = String(loc[loc.length - 1] ?? 'input');
    return { field: GATEWAY_FIELDS[falField] ?? cut(scrub, falField, 100), message: cut(scrub, String(entry.msg ?? 'is invalid'), 300) };
  });
}

/** A short, secret-free description of an error answer; fal's body is never forwarded raw. */
export function errorSummary(status: number, body: unknown, scrub: Scrub): string {
  const { detail, error_type: errorType } = (body ?? {}) as { detail?: unknown; error_type?: unknown };
  const kind = typeof errorType === 'string' ? ` (${cut(scrub, errorType, 100)})` : '';
  const text = typeof detail === 'string' ? `: ${cut(scrub, detail, 200)}` : '';
  return `${status}${kind}${text}`;
}

/**
 * `text` scrubbed, then cut to `max` characters. Only a bounded head is scrubbed (a secret that
 * straddles the cut still lies whole inside it), so a huge upstream body costs little.
 */
export function cut(scrub: Scrub, text: string, max: number): string {
  return scrub(text.slice(0, max + 1024)).slice(0, max);
}

function toVideo(raw: unknown, scrub: Scrub): VideoFile | null {
  const video = raw as { url?: unknown; content_type?: unknown; file_name?: unknown; file_size?: unknown } | null;
  if (!video || typeof video.url !== 'string') return null;
  return {
    url: video.url,
    contentType: typeof video.content_type === 'string' ? scrub(video.content_type) : null,
    fileName: typeof video.file_name === 'string' ? scrub(video.file_name) : null,
    fileSize: typeof video.file_size === 'number' ? video.file_size : null,
  };
}

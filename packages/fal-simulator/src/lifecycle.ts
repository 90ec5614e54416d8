import type { ObjectLifecycle } from './types.js';

/** What a submit sends to set how long its result files live. */
export const SUBMIT_LIFECYCLE_HEADER = 'x-fal-object-lifecycle-preference';
/** What a storage upload initiate sends to set how long the uploaded file lives. */
export const UPLOAD_LIFECYCLE_HEADER = 'x-fal-object-lifecycle';

/** The header's JSON object; `{ raw }` with its text when it is not one; undefined when absent. */
export function parseLifecycle(header: string | string[] | undefined): ObjectLifecycle | undefined {
  if (header === undefined) return undefined;
  const raw = Array.isArray(header) ? header.join(', ') : header;
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as ObjectLifecycle;
  } catch {
    // Recorded as raw text below.
  }
  return { raw };
}

import type { ResultAnswer } from './result-body.js';

/** The JSON text fal POSTs to a webhook URL for a finished request (protocol reference 11). */
export function webhookBody(requestId: string, answer: ResultAnswer): string {
  const ok = answer.status >= 200 && answer.status < 300;
  return JSON.stringify({
    request_id: requestId,
    gateway_request_id: requestId,
    status: ok ? 'OK' : 'ERROR',
    ...(ok ? {} : { error: `Invalid status code: ${answer.status}` }),
    payload: answer.body,
  });
}

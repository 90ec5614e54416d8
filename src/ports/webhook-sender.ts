export interface WebhookSendResult {
  /** HTTP status of the answer; null when there was none. */
  statusCode: number | null;
  /** Why there was no answer (refused address, network error, timeout). */
  error: string | null;
}

/** Delivers one signed webhook attempt to an owner's URL. Never throws. */
export interface WebhookSender {
  send(url: string, messageId: string, payload: string): Promise<WebhookSendResult>;
}

/** Row shapes of the gateway's tables, shared by the SQLite and PostgreSQL backends. */
export interface Database {
  animations: AnimationRow;
  animation_logs: AnimationLogRow;
  animation_status_history: StatusHistoryRow;
  webhook_deliveries: WebhookDeliveryRow;
  watch_leases: WatchLeaseRow;
  deleted_animations: DeletedAnimationRow;
  owner_usage: OwnerUsageRow;
  owner_creations: OwnerCreationsRow;
}

/** Per owner, the animations not yet finished (the quota's count, kept exact). */
export interface OwnerUsageRow {
  owner: string;
  unfinished: number;
}

/** Per owner and minute since the epoch, the animations created. */
export interface OwnerCreationsRow {
  owner: string;
  minute: number;
  created: number;
}

export interface DeletedAnimationRow {
  id: string;
  owner: string;
  deleted_at: string;
}

export interface WatchLeaseRow {
  animation_id: string;
  holder: string;
  /** ISO-8601 */
  expires_at: string;
}

export interface WebhookDeliveryRow {
  animation_id: string;
  attempt: number;
  status_code: number | null;
  succeeded: number;
  error: string | null;
  at: string;
}

export interface AnimationRow {
  id: string;
  owner: string;
  request_id: string | null;
  status: string;
  queue_position: number | null;
  progress: number | null;
  upstream_error: string | null;
  prompt: string;
  negative_prompt: string | null;
  image_url: string;
  video_url: string;
  resolution: string;
  seed: number | null;
  num_inference_steps: number;
  cfg_scale: number;
  /** JSON of KeptVideo (or of fal's VideoFile, in rows from before the gateway kept results) */
  video: string | null;
  /** JSON of fal's VideoFile while the gateway copies it */
  upstream_video: string | null;
  /** The kept video's expiresAt, for the retention sweep */
  video_expires_at: string | null;
  priority: string;
  start_timeout_s: number | null;
  /** null while held for a slot at fal */
  admitted_at: string | null;
  inference_seconds: number | null;
  error_code: string | null;
  error_message: string | null;
  idempotency_key: string | null;
  input_hash: string;
  webhook_url: string | null;
  log_count: number;
  version: number;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

export interface AnimationLogRow {
  animation_id: string;
  seq: number;
  message: string;
  level: string;
  timestamp: string;
}

export interface StatusHistoryRow {
  animation_id: string;
  version: number;
  status: string;
  at: string;
}

import type { AnimationRow } from './database.js';

/** Every column of `animations`, in one fixed order for the hot INSERT and UPDATE. */
export const ANIMATION_COLUMNS = Object.keys({
  id: true,
  owner: true,
  request_id: true,
  status: true,
  queue_position: true,
  progress: true,
  upstream_error: true,
  prompt: true,
  negative_prompt: true,
  image_url: true,
  video_url: true,
  resolution: true,
  seed: true,
  num_inference_steps: true,
  cfg_scale: true,
  video: true,
  upstream_video: true,
  video_expires_at: true,
  priority: true,
  start_timeout_s: true,
  admitted_at: true,
  inference_seconds: true,
  error_code: true,
  error_message: true,
  idempotency_key: true,
  input_hash: true,
  webhook_url: true,
  log_count: true,
  version: true,
  created_at: true,
  updated_at: true,
  completed_at: true,
} satisfies Record<keyof AnimationRow, true>) as (keyof AnimationRow)[];

/** A row's values in ANIMATION_COLUMNS order. */
export function columnValues(row: AnimationRow): unknown[] {
  return ANIMATION_COLUMNS.map((column) => row[column]);
}

/** The fixed SQL texts of the create and record paths (`?` placeholders; see PreparedSql). */
export const STATEMENTS = {
  selectById: 'SELECT * FROM animations WHERE id = ?',
  selectByIdForUpdate: 'SELECT * FROM animations WHERE id = ? FOR UPDATE',
  selectByIdempotencyKey: 'SELECT * FROM animations WHERE owner = ? AND idempotency_key = ?',
  insertAnimation: `INSERT INTO animations (${ANIMATION_COLUMNS.join(', ')}) VALUES (${ANIMATION_COLUMNS.map(() => '?').join(', ')})`,
  updateAnimation: `UPDATE animations SET ${ANIMATION_COLUMNS.filter((c) => c !== 'id')
    .map((c) => `${c} = ?`)
    .join(', ')} WHERE id = ?`,
  insertStatus: 'INSERT INTO animation_status_history (animation_id, version, status, at) VALUES (?, ?, ?, ?)',
  selectLogs: 'SELECT seq, message, level, timestamp FROM animation_logs WHERE animation_id = ? AND seq > ? ORDER BY seq',
  ownerLock: 'SELECT pg_advisory_xact_lock(hashtext(?))',
  /** The owner's unfinished animations, kept exact in the transactions that change them. */
  unfinishedCount: 'SELECT unfinished FROM owner_usage WHERE owner = ?',
  addUnfinished: `INSERT INTO owner_usage (owner, unfinished) VALUES (?, ?)
    ON CONFLICT (owner) DO UPDATE SET unfinished = owner_usage.unfinished + excluded.unfinished`,
  /** An upper bound of the owner's animations created since a minute: deleted ones stay counted. */
  createdSinceMinute: 'SELECT COALESCE(SUM(created), 0) AS created FROM owner_creations WHERE owner = ? AND minute >= ?',
  countCreation: `INSERT INTO owner_creations (owner, minute, created) VALUES (?, ?, 1)
    ON CONFLICT (owner, minute) DO UPDATE SET created = owner_creations.created + 1`,
  forgetCreationsBefore: 'DELETE FROM owner_creations WHERE owner = ? AND minute < ?',
  /** The exact count, read only when the upper bound reaches the limit. */
  createdSince: 'SELECT COUNT(*) AS count, MIN(created_at) AS oldest FROM animations WHERE owner = ? AND created_at >= ?',
  inferenceSince: `SELECT SUM(inference_seconds) AS seconds, MIN(created_at) AS oldest FROM animations
    WHERE owner = ? AND created_at >= ? AND inference_seconds IS NOT NULL`,
} as const;

/** Creations are counted per minute since the epoch. */
export function minuteOf(iso: string): number {
  return Math.floor(Date.parse(iso) / 60_000);
}

const insertLogsTexts = new Map<number, string>();

/** The INSERT of `count` log lines (one text per count, so each is prepared once). */
export function insertLogsText(count: number): string {
  let text = insertLogsTexts.get(count);
  if (text === undefined) {
    const row = '(?, ?, ?, ?, ?)';
    text = `INSERT INTO animation_logs (animation_id, seq, message, level, timestamp) VALUES ${Array(count).fill(row).join(', ')}`;
    insertLogsTexts.set(count, text);
  }
  return text;
}

import { Migrator, sql, type Kysely, type Transaction } from 'kysely';
import type { Animation, AnimationChange, AnimationLog, AnimationStatus, WebhookDelivery } from '../../domain/animation.js';
import { ANIMATION_STATUSES, isKept, isTerminal, TERMINAL_STATUSES } from '../../domain/animation.js';
import type { AppliedChange } from '../../domain/state-machine.js';
import {
  InvalidCursorError,
  type AdmissionLine,
  type AnimationStore,
  type InsertOutcome,
  type NewAnimation,
  type Page,
  type PageRequest,
  type Quota,
  type Usage,
  type WorkInProgress,
} from '../../ports/animation-store.js';
import type { AnimationRow, Database } from './database.js';
import { migrationProvider } from './migrations.js';
import { columnValues, insertLogsText, minuteOf, STATEMENTS } from './animation-statements.js';
import { PreparedSql, type SqlRunner } from './prepared-sql.js';
import { SqlWatchLeases } from './sql-watch-leases.js';

const TERMINAL = [...TERMINAL_STATUSES];
/** Log lines per INSERT: few texts to prepare, far below SQLite's limit of bound values. */
const LOG_ROWS_PER_INSERT = 100;
/** Listed rather than negated, so the (owner, status) index can seek to them. */
const UNFINISHED = ANIMATION_STATUSES.filter((status) => !TERMINAL_STATUSES.has(status));

/** The AnimationStore over SQL, one implementation for the embedded SQLite and for PostgreSQL. */
export class SqlAnimationStore implements AnimationStore {
  /** The create and record paths' statements, without the query builder. */
  private readonly sql: PreparedSql;

  constructor(
    private readonly db: Kysely<Database>,
    /** PostgreSQL locks the row it is about to update; SQLite serialises whole transactions anyway. */
    private readonly locksRows: boolean,
  ) {
    this.sql = new PreparedSql(db, locksRows);
  }

  /** Applies pending migrations; throws with the failing migration's error. */
  async migrate(): Promise<void> {
    const { error } = await new Migrator({ db: this.db, provider: migrationProvider }).migrateToLatest();
    if (error) throw error;
  }

  async insert(animation: NewAnimation, quota?: Quota): Promise<InsertOutcome> {
    const row = toRow({ ...animation, version: 1, logCount: 0, updatedAt: animation.createdAt });
    return this.sql.transaction(async (sql) => {
      // Inserts of one owner take turns, so idempotency and quota checks see each other.
      if (this.locksRows) await sql.rows(STATEMENTS.ownerLock, [animation.owner]);
      if (animation.idempotencyKey !== null) {
        const [existing] = await sql.rows<AnimationRow>(STATEMENTS.selectByIdempotencyKey, [animation.owner, animation.idempotencyKey]);
        if (existing) return { kind: 'existing', animation: toAnimation(existing) };
      }
      if (quota) {
        const refusal = await checkQuota(sql, animation.owner, quota);
        if (refusal) return refusal;
      }
      await sql.rows(STATEMENTS.insertAnimation, columnValues(row));
      await sql.rows(STATEMENTS.insertStatus, [row.id, 1, row.status, row.created_at]);
      await sql.rows(STATEMENTS.addUnfinished, [row.owner, 1]);
      await sql.rows(STATEMENTS.countCreation, [row.owner, minuteOf(row.created_at)]);
      if (quota) await sql.rows(STATEMENTS.forgetCreationsBefore, [row.owner, minuteOf(quota.windowStart)]);
      return { kind: 'created', animation: toAnimation(row) };
    });
  }

  async get(id: string): Promise<Animation | undefined> {
    const [row] = await this.sql.rows<AnimationRow>(STATEMENTS.selectById, [id]);
    return row && toAnimation(row);
  }

  async list(owner: string, page: PageRequest): Promise<Page> {
    let query = this.db
      .selectFrom('animations')
      .selectAll()
      .where('owner', '=', owner)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(page.first + 1);
    if (page.status) query = query.where('status', '=', page.status);
    const after = page.after ? decodeCursor(page.after) : undefined;
    if (after) {
      query = query.where((eb) =>
        eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]),
      );
    }
    const rows = await query.execute();
    return {
      items: rows.slice(0, page.first).map((row) => ({ animation: toAnimation(row), cursor: encodeCursor(row) })),
      hasNextPage: rows.length > page.first,
    };
  }

  async logs(id: string, afterSeq = 0): Promise<AnimationLog[]> {
    return this.sql.rows<AnimationLog>(STATEMENTS.selectLogs, [id, afterSeq]);
  }

  async update(id: string, decide: (current: Animation) => AppliedChange | null): Promise<AnimationChange | null> {
    return this.sql.transaction(async (sql) => {
      const [row] = await sql.rows<AnimationRow>(this.locksRows ? STATEMENTS.selectByIdForUpdate : STATEMENTS.selectById, [id]);
      if (!row) return null;
      const current = toAnimation(row);
      const applied = decide(current);
      if (!applied) return null;
      const { next, appended } = applied;
      await sql.rows(STATEMENTS.updateAnimation, [...columnValues(toRow(next)).slice(1), id]);
      if (appended.length > 0) {
        for (let i = 0; i < appended.length; i += LOG_ROWS_PER_INSERT) {
          const chunk = appended.slice(i, i + LOG_ROWS_PER_INSERT);
          await sql.rows(
            insertLogsText(chunk.length),
            chunk.flatMap((log) => [id, log.seq, log.message, log.level, log.timestamp]),
          );
        }
      }
      if (next.status !== current.status) {
        await sql.rows(STATEMENTS.insertStatus, [id, next.version, next.status, next.updatedAt]);
        if (isTerminal(next.status) && !isTerminal(current.status)) {
          await sql.rows(STATEMENTS.addUnfinished, [current.owner, -1]);
        }
      }
      return { animation: next, newLogs: appended };
    });
  }

  async findByRequestId(requestId: string): Promise<Animation | undefined> {
    const row = await this.db.selectFrom('animations').selectAll().where('request_id', '=', requestId).executeTakeFirst();
    return row && toAnimation(row);
  }

  async recordWebhookDelivery(id: string, delivery: WebhookDelivery): Promise<void> {
    await this.db
      .insertInto('webhook_deliveries')
      .values({
        animation_id: id,
        attempt: delivery.attempt,
        status_code: delivery.statusCode,
        succeeded: delivery.succeeded ? 1 : 0,
        error: delivery.error,
        at: delivery.at,
      })
      .onConflict((conflict) => conflict.columns(['animation_id', 'attempt']).doNothing())
      .execute();
  }

  async webhookDeliveries(id: string): Promise<WebhookDelivery[]> {
    const rows = await this.db.selectFrom('webhook_deliveries').selectAll().where('animation_id', '=', id).orderBy('attempt').execute();
    return rows.map((row) => ({
      attempt: row.attempt,
      statusCode: row.status_code,
      succeeded: row.succeeded === 1,
      error: row.error,
      at: row.at,
    }));
  }

  async listUndeliveredWebhooks(): Promise<Animation[]> {
    const rows = await this.db
      .selectFrom('animations')
      .selectAll()
      .where('webhook_url', 'is not', null)
      .where('status', 'in', TERMINAL)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('webhook_deliveries')
              .select('attempt')
              .whereRef('webhook_deliveries.animation_id', '=', 'animations.id')
              .where('succeeded', '=', 1),
          ),
        ),
      )
      .execute();
    return rows.map(toAnimation);
  }

  async releaseIdempotencyKey(id: string): Promise<void> {
    await this.db.updateTable('animations').set({ idempotency_key: null }).where('id', '=', id).execute();
  }

  async countByStatus(): Promise<Partial<Record<AnimationStatus, number>>> {
    const rows = await this.db
      .selectFrom('animations')
      .select(['status', (eb) => eb.fn.countAll().as('count')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
  }

  async listUnfinished(): Promise<Animation[]> {
    const rows = await this.db.selectFrom('animations').selectAll().where('status', 'in', UNFINISHED).orderBy('created_at').execute();
    return rows.map(toAnimation);
  }

  async statusHistory(id: string): Promise<{ status: AnimationStatus; at: string }[]> {
    const rows = await this.db
      .selectFrom('animation_status_history')
      .select(['status', 'at'])
      .where('animation_id', '=', id)
      .orderBy('version')
      .execute();
    return rows.map((row) => ({ status: row.status as AnimationStatus, at: row.at }));
  }

  async delete(id: string, owner: string, at: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('watch_leases').where('animation_id', '=', id).execute();
      // Logs, status history and webhook deliveries go with the row (ON DELETE CASCADE).
      const deleted = await trx
        .deleteFrom('animations')
        .where('id', '=', id)
        .where('owner', '=', owner)
        .returning('status')
        .executeTakeFirst();
      if (deleted && !isTerminal(deleted.status as AnimationStatus)) {
        await trx
          .updateTable('owner_usage')
          .set((eb) => ({ unfinished: eb('unfinished', '-', 1) }))
          .where('owner', '=', owner)
          .execute();
      }
      await trx
        .insertInto('deleted_animations')
        .values({ id, owner, deleted_at: at })
        .onConflict((conflict) => conflict.column('id').doNothing())
        .execute();
    });
  }

  async admissionLine(): Promise<AdmissionLine> {
    return readAdmissionLine(this.db);
  }

  async admit(limit: number, at: string, pick: (line: AdmissionLine) => string | undefined): Promise<Animation | undefined> {
    return this.db.transaction().execute(async (trx) => {
      // One admission at a time, whichever replica: the count of what is at fal stays true.
      if (this.locksRows) await sql`select pg_advisory_xact_lock(hashtext('uni-animate:admission'))`.execute(trx);
      const line = await readAdmissionLine(trx);
      const atFal = Object.values(line.atFal).reduce((sum, n) => sum + n, 0);
      const id = atFal < limit ? pick(line) : undefined;
      if (id === undefined) return undefined;
      const admitted = await trx
        .updateTable('animations')
        .set({ admitted_at: at })
        .where('id', '=', id)
        .where('admitted_at', 'is', null)
        .where('status', '=', 'IN_QUEUE')
        .returningAll()
        .executeTakeFirst();
      return admitted && toAnimation(admitted);
    });
  }

  async usage(owner: string, since: string): Promise<Usage> {
    const row = await this.db
      .selectFrom('animations')
      .select((eb) => [
        eb.fn.countAll().as('animations'),
        eb.fn.sum(eb.case().when('status', '=', 'COMPLETED').then(1).else(0).end()).as('completed'),
        eb.fn.sum(eb.case().when('status', '=', 'FAILED').then(1).else(0).end()).as('failed'),
        eb.fn.sum(eb.case().when('status', '=', 'CANCELLED').then(1).else(0).end()).as('cancelled'),
        eb.fn.sum('inference_seconds').as('inferenceSeconds'),
      ])
      .where('owner', '=', owner)
      .where('created_at', '>=', since)
      .executeTakeFirstOrThrow();
    return {
      animations: Number(row.animations),
      completed: Number(row.completed ?? 0),
      failed: Number(row.failed ?? 0),
      cancelled: Number(row.cancelled ?? 0),
      inferenceSeconds: Number(row.inferenceSeconds ?? 0),
    };
  }

  async wasDeleted(id: string, owner: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('deleted_animations')
      .select('id')
      .where('id', '=', id)
      .where('owner', '=', owner)
      .executeTakeFirst();
    return row !== undefined;
  }

  async listExpired(now: string, limit: number): Promise<Animation[]> {
    const rows = await this.db
      .selectFrom('animations')
      .selectAll()
      .where('video_expires_at', '<=', now)
      .orderBy('video_expires_at')
      .limit(limit)
      .execute();
    return rows.map(toAnimation);
  }

  /** Leases on this database for one holder (a replica). */
  watchLeases(holder: string, ttlMs: number): SqlWatchLeases {
    return new SqlWatchLeases(this.db, this.sql, holder, ttlMs);
  }

  async ping(): Promise<boolean> {
    try {
      await sql`select 1`.execute(this.db);
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  async workInProgress(): Promise<WorkInProgress> {
    // The same definitions as readAdmissionLine's, over the unfinished rows only (the status index finds them).
    const row = await this.db
      .selectFrom('animations')
      .select((eb) => {
        const count = (when: ReturnType<typeof eb.and>) => eb.fn.sum<number | string | null>(eb.case().when(when).then(1).else(0).end());
        return [
          count(eb.and([eb('status', '=', 'IN_QUEUE'), eb('admitted_at', 'is', null)])).as('held'),
          count(eb.and([eb('admitted_at', 'is not', null), eb('upstream_video', 'is', null)])).as('atFal'),
          count(eb('upstream_video', 'is not', null)).as('awaitingCopy'),
        ];
      })
      .where('status', 'in', UNFINISHED)
      .executeTakeFirstOrThrow();
    return { held: Number(row.held ?? 0), atFal: Number(row.atFal ?? 0), awaitingCopy: Number(row.awaitingCopy ?? 0) };
  }
}

async function checkQuota(sql: SqlRunner, owner: string, quota: Quota): Promise<InsertOutcome | undefined> {
  const [usage] = await sql.rows<{ unfinished: number | string }>(STATEMENTS.unfinishedCount, [owner]);
  if (Number(usage?.unfinished ?? 0) >= quota.maxUnfinished) return { kind: 'overQuota', limit: 'unfinished', oldestInWindow: null };
  // The per-minute counts bound the window's from above; only near the limit are the rows counted.
  const [bound] = await sql.rows<{ created: number | string }>(STATEMENTS.createdSinceMinute, [owner, minuteOf(quota.windowStart)]);
  if (Number(bound!.created) >= quota.maxInWindow) {
    const [recent] = await sql.rows<{ count: number | string; oldest: string | null }>(STATEMENTS.createdSince, [owner, quota.windowStart]);
    if (Number(recent!.count) >= quota.maxInWindow) return { kind: 'overQuota', limit: 'window', oldestInWindow: recent!.oldest };
  }
  if (quota.maxInferenceSeconds !== undefined && quota.dayStart !== undefined) {
    const [day] = await sql.rows<{ seconds: number | string | null; oldest: string | null }>(STATEMENTS.inferenceSince, [
      owner,
      quota.dayStart,
    ]);
    if (Number(day!.seconds ?? 0) >= quota.maxInferenceSeconds) {
      return { kind: 'overQuota', limit: 'inference', oldestInWindow: day!.oldest };
    }
  }
  return undefined;
}

/** Held: uploaded, waiting, never admitted. At fal: admitted, unfinished, and fal has not reported a result. */
async function readAdmissionLine(db: Kysely<Database> | Transaction<Database>): Promise<AdmissionLine> {
  const held = await db
    .selectFrom('animations')
    .selectAll()
    .where('status', '=', 'IN_QUEUE')
    .where('admitted_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const atFal = await db
    .selectFrom('animations')
    .select(['owner', (eb) => eb.fn.countAll().as('count')])
    .where('status', 'in', UNFINISHED)
    .where('admitted_at', 'is not', null)
    .where('upstream_video', 'is', null)
    .groupBy('owner')
    .execute();
  return {
    held: held.map(toAnimation),
    atFal: Object.fromEntries(atFal.map((row) => [row.owner, Number(row.count)])),
  };
}

function toRow(a: Animation): AnimationRow {
  return {
    id: a.id,
    owner: a.owner,
    request_id: a.requestId,
    status: a.status,
    queue_position: a.queuePosition,
    progress: a.progress,
    upstream_error: a.upstreamError,
    prompt: a.prompt,
    negative_prompt: a.negativePrompt,
    image_url: a.imageUrl,
    video_url: a.videoUrl,
    resolution: a.resolution,
    seed: a.seed,
    num_inference_steps: a.numInferenceSteps,
    cfg_scale: a.cfgScale,
    video: a.video ? JSON.stringify(a.video) : null,
    upstream_video: a.upstreamVideo ? JSON.stringify(a.upstreamVideo) : null,
    video_expires_at: a.video && isKept(a.video) ? a.video.expiresAt : null,
    priority: a.priority,
    start_timeout_s: a.startTimeout,
    admitted_at: a.admittedAt,
    inference_seconds: a.inferenceSeconds,
    error_code: a.error?.code ?? null,
    error_message: a.error?.message ?? null,
    idempotency_key: a.idempotencyKey,
    input_hash: a.inputHash,
    webhook_url: a.webhookUrl,
    log_count: a.logCount,
    version: a.version,
    created_at: a.createdAt,
    updated_at: a.updatedAt,
    completed_at: a.completedAt,
  };
}

function toAnimation(row: AnimationRow): Animation {
  return {
    id: row.id,
    owner: row.owner,
    requestId: row.request_id,
    status: row.status as AnimationStatus,
    queuePosition: row.queue_position,
    progress: row.progress,
    upstreamError: row.upstream_error,
    prompt: row.prompt,
    negativePrompt: row.negative_prompt,
    imageUrl: row.image_url,
    videoUrl: row.video_url,
    resolution: row.resolution as Animation['resolution'],
    seed: row.seed,
    numInferenceSteps: row.num_inference_steps,
    cfgScale: row.cfg_scale,
    video: row.video ? JSON.parse(row.video) : null,
    upstreamVideo: row.upstream_video ? JSON.parse(row.upstream_video) : null,
    priority: row.priority as Animation['priority'],
    startTimeout: row.start_timeout_s,
    admittedAt: row.admitted_at,
    inferenceSeconds: row.inference_seconds,
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
    idempotencyKey: row.idempotency_key,
    inputHash: row.input_hash,
    webhookUrl: row.webhook_url,
    logCount: row.log_count,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    completedAt: row.completed_at,
  };
}

function encodeCursor(row: AnimationRow): string {
  return Buffer.from(JSON.stringify([row.created_at, row.id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'string') {
    return { createdAt: value[0], id: value[1] };
  }
  throw new InvalidCursorError();
}

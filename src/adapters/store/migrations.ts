import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/** Migrations see the database as it was when they were written, not as `Database` says it is now. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the usual type of a Kysely migration's database
type MigrationDb = any;

/** Schema migrations, applied in name order at start-up; written once for SQLite and PostgreSQL. */
const migrations: Record<string, Migration> = {
  '0001_animations': {
    async up(db: Kysely<MigrationDb>) {
      await db.schema
        .createTable('animations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('queue_position', 'integer')
        .addColumn('progress', 'double precision')
        .addColumn('upstream_error', 'text')
        .addColumn('prompt', 'text', (c) => c.notNull())
        .addColumn('negative_prompt', 'text')
        .addColumn('image_url', 'text', (c) => c.notNull())
        .addColumn('video_url', 'text', (c) => c.notNull())
        .addColumn('resolution', 'text', (c) => c.notNull())
        .addColumn('seed', 'integer')
        .addColumn('num_inference_steps', 'integer', (c) => c.notNull())
        .addColumn('cfg_scale', 'double precision', (c) => c.notNull())
        .addColumn('video', 'text')
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('idempotency_key', 'text')
        .addColumn('input_hash', 'text', (c) => c.notNull())
        .addColumn('log_count', 'integer', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('completed_at', 'text')
        .execute();
      await db.schema
        .createIndex('animations_owner_idempotency_key')
        .on('animations')
        .columns(['owner', 'idempotency_key'])
        .unique()
        .execute();
      await db.schema.createIndex('animations_owner_created').on('animations').columns(['owner', 'created_at', 'id']).execute();
      await db.schema.createIndex('animations_status').on('animations').column('status').execute();
      await db.schema.createIndex('animations_request_id').on('animations').column('request_id').execute();

      await db.schema
        .createTable('animation_logs')
        .addColumn('animation_id', 'text', (c) => c.notNull().references('animations.id').onDelete('cascade'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('level', 'text', (c) => c.notNull())
        .addColumn('timestamp', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('animation_logs_pk', ['animation_id', 'seq'])
        .execute();

      await db.schema
        .createTable('animation_status_history')
        .addColumn('animation_id', 'text', (c) => c.notNull().references('animations.id').onDelete('cascade'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('animation_status_history_pk', ['animation_id', 'version'])
        .execute();
    },
  },
};

migrations['0002_webhooks'] = {
  async up(db: Kysely<MigrationDb>) {
    await db.schema.alterTable('animations').addColumn('webhook_url', 'text').execute();
    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('animation_id', 'text', (c) => c.notNull().references('animations.id').onDelete('cascade'))
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('status_code', 'integer')
      .addColumn('succeeded', 'integer', (c) => c.notNull())
      .addColumn('error', 'text')
      .addColumn('at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('webhook_deliveries_pk', ['animation_id', 'attempt'])
      .execute();
  },
};

migrations['0003_watch_leases'] = {
  async up(db: Kysely<MigrationDb>) {
    await db.schema
      .createTable('watch_leases')
      .addColumn('animation_id', 'text', (c) => c.primaryKey())
      .addColumn('holder', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
  },
};

migrations['0004_owner_status_index'] = {
  async up(db: Kysely<MigrationDb>) {
    // Quota checks count an owner's unfinished animations on every submit.
    await db.schema.createIndex('animations_owner_status').on('animations').columns(['owner', 'status']).execute();
  },
};

migrations['0005_kept_videos'] = {
  async up(db: Kysely<MigrationDb>) {
    // fal's result while the gateway copies it, and when the retention sweep deletes the copy.
    await db.schema.alterTable('animations').addColumn('upstream_video', 'text').execute();
    await db.schema.alterTable('animations').addColumn('video_expires_at', 'text').execute();
    await db.schema.createIndex('animations_video_expires_at').on('animations').column('video_expires_at').execute();
    // What is left of a deleted animation: who owned it, so that deleting it again answers the same.
    await db.schema
      .createTable('deleted_animations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('deleted_at', 'text', (c) => c.notNull())
      .execute();
  },
};

migrations['0006_admission'] = {
  async up(db: Kysely<MigrationDb>) {
    await db.schema
      .alterTable('animations')
      .addColumn('priority', 'text', (c) => c.notNull().defaultTo('NORMAL'))
      .execute();
    await db.schema.alterTable('animations').addColumn('start_timeout_s', 'integer').execute();
    await db.schema.alterTable('animations').addColumn('admitted_at', 'text').execute();
    await db.schema.alterTable('animations').addColumn('inference_seconds', 'double precision').execute();
    // Everything already there was sent to fal without waiting for a slot.
    await db
      .updateTable('animations')
      .set({ admitted_at: sql`created_at` })
      .execute();
  },
};

/** The statuses that were not final when 0007 was written. */
const UNFINISHED_STATUSES = ['SUBMITTING', 'IN_QUEUE', 'IN_PROGRESS'];

migrations['0007_quota_counts'] = {
  async up(db: Kysely<MigrationDb>) {
    // Quota checks read counters instead of counting an owner's rows on every create.
    await db.schema
      .createTable('owner_usage')
      .addColumn('owner', 'text', (c) => c.primaryKey())
      .addColumn('unfinished', 'integer', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('owner_creations')
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('minute', 'integer', (c) => c.notNull())
      .addColumn('created', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('owner_creations_pk', ['owner', 'minute'])
      .execute();
    const unfinished = await db
      .selectFrom('animations')
      .select(['owner', (eb) => eb.fn.countAll().as('unfinished')])
      .where('status', 'in', UNFINISHED_STATUSES)
      .groupBy('owner')
      .execute();
    for (const row of unfinished) {
      await db
        .insertInto('owner_usage')
        .values({ owner: row.owner, unfinished: Number(row.unfinished) })
        .execute();
    }
    // The last day's creations, per minute: more than any window a quota looks back over.
    const since = new Date(Date.now() - 86_400_000).toISOString();
    const created = await db.selectFrom('animations').select(['owner', 'created_at']).where('created_at', '>=', since).execute();
    const perMinute = new Map<string, { owner: string; minute: number; created: number }>();
    for (const row of created) {
      const minute = Math.floor(Date.parse(row.created_at) / 60_000);
      const key = `${row.owner}\n${minute}`;
      const bucket = perMinute.get(key) ?? { owner: row.owner, minute, created: 0 };
      bucket.created++;
      perMinute.set(key, bucket);
    }
    for (const bucket of perMinute.values()) await db.insertInto('owner_creations').values(bucket).execute();
  },
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

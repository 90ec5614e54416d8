import type { Kysely } from 'kysely';
import type { WatchLeases } from '../../ports/watch-leases.js';
import type { Database } from './database.js';
import type { PreparedSql } from './prepared-sql.js';

const LEASE_STATEMENTS = {
  holder: 'SELECT holder FROM watch_leases WHERE animation_id = ?',
  /** Taken when free, expired, or already this holder's; no row back when another replica holds it. */
  take: `INSERT INTO watch_leases (animation_id, holder, expires_at) VALUES (?, ?, ?)
    ON CONFLICT (animation_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
    WHERE watch_leases.expires_at < ? OR watch_leases.holder = ?
    RETURNING holder`,
} as const;

/** Leases as rows with an expiry, taken and renewed with single atomic statements. */
export class SqlWatchLeases implements WatchLeases {
  constructor(
    private readonly db: Kysely<Database>,
    /** The same database, for the statement run on every new watch. */
    private readonly sql: PreparedSql,
    private readonly holder: string,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async acquire(animationId: string): Promise<{ takenOver: boolean } | null> {
    const now = new Date(this.now()).toISOString();
    // A transaction, so that on SQLite it shares its commit with the others of the moment.
    return this.sql.transaction(async (sql) => {
      const [previous] = await sql.rows<{ holder: string }>(LEASE_STATEMENTS.holder, [animationId]);
      const [taken] = await sql.rows(LEASE_STATEMENTS.take, [animationId, this.holder, this.expiry(), now, this.holder]);
      if (!taken) return null;
      return { takenOver: previous !== undefined && previous.holder !== this.holder };
    });
  }

  async renew(animationIds: string[]): Promise<string[]> {
    if (animationIds.length === 0) return [];
    const kept = await this.db
      .updateTable('watch_leases')
      .set({ expires_at: this.expiry() })
      .where('holder', '=', this.holder)
      .where('animation_id', 'in', animationIds)
      .returning('animation_id')
      .execute();
    const still = new Set(kept.map((row) => row.animation_id));
    return animationIds.filter((id) => !still.has(id));
  }

  async unheld(): Promise<string[]> {
    const now = new Date(this.now()).toISOString();
    const rows = await this.db
      .selectFrom('animations')
      .leftJoin('watch_leases', 'watch_leases.animation_id', 'animations.id')
      .select('animations.id')
      .where('animations.status', 'in', ['IN_QUEUE', 'IN_PROGRESS'])
      .where('animations.request_id', 'is not', null)
      .where((eb) => eb.or([eb('watch_leases.animation_id', 'is', null), eb('watch_leases.expires_at', '<', now)]))
      .execute();
    return rows.map((row) => row.id);
  }

  async release(animationId: string): Promise<void> {
    await this.db.deleteFrom('watch_leases').where('animation_id', '=', animationId).where('holder', '=', this.holder).execute();
  }

  private expiry(): string {
    return new Date(this.now() + this.ttlMs).toISOString();
  }
}

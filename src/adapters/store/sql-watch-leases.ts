import type { Kysely } from 'kysely';
import type { WatchLeases } from '../../ports/watch-leases.js';
import type { Database } from './database.js';

/** Leases as rows with an expiry, taken and renewed with single atomic statements. */
export class SqlWatchLeases implements WatchLeases {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly holder: string,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async acquire(animationId: string): Promise<{ takenOver: boolean } | null> {
    const now = new Date(this.now()).toISOString();
    const previous = await this.db
      .selectFrom('watch_leases')
      .select(['holder', 'expires_at'])
      .where('animation_id', '=', animationId)
      .executeTakeFirst();
    const taken = await this.db
      .insertInto('watch_leases')
      .values({ animation_id: animationId, holder: this.holder, expires_at: this.expiry() })
      .onConflict((conflict) =>
        conflict
          .column('animation_id')
          .doUpdateSet((eb) => ({ holder: eb.ref('excluded.holder'), expires_at: eb.ref('excluded.expires_at') }))
          .where((eb) => eb.or([eb('watch_leases.expires_at', '<', now), eb('watch_leases.holder', '=', this.holder)])),
      )
      .returning('holder')
      .executeTakeFirst();
    if (!taken) return null;
    return { takenOver: previous !== undefined && previous.holder !== this.holder };
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

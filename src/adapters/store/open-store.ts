import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';
import { SqlAnimationStore } from './sql-animation-store.js';

export type StoreLocation = { kind: 'embedded'; dataDir: string } | { kind: 'postgres'; url: string };

/** Opens the store and applies its migrations. */
export async function openAnimationStore(location: StoreLocation): Promise<SqlAnimationStore> {
  const store =
    location.kind === 'postgres'
      ? new SqlAnimationStore(new Kysely<Database>({ dialect: postgresDialect(location.url) }), true)
      : new SqlAnimationStore(new Kysely<Database>({ dialect: sqliteDialect(location.dataDir) }), false);
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

function postgresDialect(url: string): PostgresDialect {
  return new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 10 }) });
}

function sqliteDialect(dataDir: string): SqliteDialect {
  mkdirSync(dataDir, { recursive: true });
  const database = new Sqlite(join(dataDir, 'gateway.sqlite'));
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  return new SqliteDialect({ database });
}

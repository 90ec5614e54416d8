import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';
import { SqlAnimationStore } from './sql-animation-store.js';

/** `connectTimeoutMs` (PostgreSQL) defaults to 5000. */
export type StoreLocation =
  { kind: 'embedded'; dataDir: string } | { kind: 'postgres'; url: string; poolSize: number; connectTimeoutMs?: number };

/**
 * Opens the store and applies its migrations. `onConnectionError` hears about PostgreSQL
 * connections that fail (a server restart, say), idle or in use; the pool replaces them, and
 * the statements that were running on them fail (their callers retry).
 */
export async function openAnimationStore(
  location: StoreLocation,
  onConnectionError: (error: Error) => void = () => undefined,
): Promise<SqlAnimationStore> {
  const store =
    location.kind === 'postgres'
      ? new SqlAnimationStore(new Kysely<Database>({ dialect: postgresDialect(location, onConnectionError) }), true)
      : new SqlAnimationStore(new Kysely<Database>({ dialect: sqliteDialect(location.dataDir) }), false);
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

function postgresDialect(
  location: { url: string; poolSize: number; connectTimeoutMs?: number },
  onConnectionError: (error: Error) => void,
): PostgresDialect {
  const pool = new pg.Pool({
    connectionString: location.url,
    max: location.poolSize,
    // While the server is down or starting, a new connection fails within this bound instead of waiting on the OS.
    connectionTimeoutMillis: location.connectTimeoutMs ?? 5_000,
    keepAlive: true,
  });
  // The pool listens to its idle clients only: a client in use (between two statements of a
  // transaction, say) whose connection drops would emit an unheard 'error' and end the
  // process. Every client gets a listener for its whole life; the pool's own event is then
  // the same error again.
  pool.on('connect', (client) => client.on('error', onConnectionError));
  pool.on('error', () => undefined);
  return new PostgresDialect({ pool });
}

function sqliteDialect(dataDir: string): SqliteDialect {
  mkdirSync(dataDir, { recursive: true });
  const database = new Sqlite(join(dataDir, 'gateway.sqlite'));
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  // Reads of recent animations stay in memory (the default cache is 2 MiB); it grows only as pages are read.
  database.pragma('cache_size = -65536');
  return new SqliteDialect({ database: withStatementCache(database) });
}

/**
 * Kysely prepares every query again; better-sqlite3 statements are reusable, and the
 * gateway runs a small fixed set of queries, so each SQL text is prepared once.
 */
function withStatementCache(database: Sqlite.Database): SqliteDatabase {
  const statements = new Map<string, Sqlite.Statement>();
  return {
    prepare(sql) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = database.prepare(sql);
        if (statements.size < 1_000) statements.set(sql, statement);
      }
      return statement;
    },
    close: () => database.close(),
  };
}

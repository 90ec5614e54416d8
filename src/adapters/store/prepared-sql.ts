import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from './database.js';

/** Runs SQL text written once with `?` placeholders, on SQLite or PostgreSQL. */
export interface SqlRunner {
  rows<R>(text: string, params: readonly unknown[]): Promise<R[]>;
}

/**
 * The store's hot statements as fixed SQL text, bound per call: no query builder runs per
 * request, and better-sqlite3 prepares each text once (open-store.ts caches statements).
 * Everything still goes through Kysely's connections, so these statements and the query
 * builder's take turns on SQLite's one connection, and PostgreSQL's pool is shared.
 */
export class PreparedSql implements SqlRunner {
  private readonly postgresTexts = new Map<string, string>();
  /** SQLite: transactions waiting for the connection, committed together next. */
  private readonly waiting: GroupedWork[] = [];
  private committing = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly postgres: boolean,
  ) {}

  rows<R>(text: string, params: readonly unknown[]): Promise<R[]> {
    return runOn(this.db, this.compiled(text, params));
  }

  /**
   * Runs `work` in a transaction; rolls back what it wrote when it throws. On SQLite, the
   * works that arrive while the connection is busy share one commit (a savepoint each, so
   * one failing leaves the others), and each settles only once that commit is done: under
   * load, one WAL write carries many animations' changes.
   */
  transaction<T>(work: (sql: SqlRunner) => Promise<T>): Promise<T> {
    if (this.postgres) return this.alone(work);
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.committing) {
        this.committing = true;
        // The works the requests of this turn of the event loop bring go into the same commit.
        setImmediate(() => void this.commitWaiting());
      }
    });
  }

  private alone<T>(work: (sql: SqlRunner) => Promise<T>): Promise<T> {
    return this.db.connection().execute(async (connection) => {
      const sql = this.runnerOn(connection);
      await execute(connection, 'BEGIN');
      try {
        const result = await work(sql);
        await execute(connection, 'COMMIT');
        return result;
      } catch (error) {
        await execute(connection, 'ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  private async commitWaiting(): Promise<void> {
    try {
      while (this.waiting.length > 0) await this.commitGroup(this.waiting.splice(0));
    } finally {
      this.committing = false;
    }
  }

  private async commitGroup(group: GroupedWork[]): Promise<void> {
    const settled: (() => void)[] = [];
    try {
      await this.db.connection().execute(async (connection) => {
        const sql = this.runnerOn(connection);
        await execute(connection, 'BEGIN');
        try {
          for (const { work, resolve, reject } of group) {
            await execute(connection, 'SAVEPOINT grouped_work');
            try {
              const value = await work(sql);
              settled.push(() => resolve(value));
            } catch (error) {
              await execute(connection, 'ROLLBACK TO grouped_work');
              settled.push(() => reject(error));
            }
            await execute(connection, 'RELEASE grouped_work');
          }
          await execute(connection, 'COMMIT');
        } catch (error) {
          await execute(connection, 'ROLLBACK').catch(() => undefined);
          throw error;
        }
      });
    } catch (error) {
      for (const { reject } of group) reject(error);
      return;
    }
    for (const settle of settled) settle();
  }

  private runnerOn(connection: Kysely<Database>): SqlRunner {
    return { rows: (text, params) => runOn(connection, this.compiled(text, params)) };
  }

  private compiled(text: string, params: readonly unknown[]): CompiledQuery {
    return CompiledQuery.raw(this.postgres ? this.postgresText(text) : text, params as unknown[]);
  }

  /** PostgreSQL numbers its placeholders: `?` becomes `$1`, `$2`… (the hot texts hold no `?` in literals). */
  private postgresText(text: string): string {
    let converted = this.postgresTexts.get(text);
    if (converted === undefined) {
      let n = 0;
      converted = text.replace(/\?/g, () => `$${++n}`);
      this.postgresTexts.set(text, converted);
    }
    return converted;
  }
}

interface GroupedWork {
  work: (sql: SqlRunner) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

function execute(connection: Kysely<Database>, text: string): Promise<unknown> {
  return connection.executeQuery(CompiledQuery.raw(text));
}

async function runOn<R>(db: Kysely<Database>, query: CompiledQuery): Promise<R[]> {
  return (await db.executeQuery<R>(query)).rows;
}

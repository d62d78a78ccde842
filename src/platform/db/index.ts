import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import { PgTransaction, type PgDatabase, type PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { SQL } from 'drizzle-orm';
import pg from 'pg';

/**
 * A handle for queries: the root database or an open transaction. Services take one as their
 * first argument so a caller can pass its transaction on and the work of several modules commits
 * or rolls back together.
 */
export type Db = PgDatabase<PgQueryResultHKT, Record<string, unknown>>;

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly db: Db;
  /**
   * Gives `fn` one connection for schema work while holding a database-wide advisory lock, so two
   * processes starting at once never migrate at the same time.
   */
  withScriptSession<T>(lockKey: number, fn: (session: ScriptSession) => Promise<T>): Promise<T>;
  /** Embedded only: the whole data directory as a tarball, to start copies from (test snapshots). */
  dumpDataDir?: () => Promise<Blob>;
  close(): Promise<void>;
}

export interface ScriptSession {
  query<T>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs a multi-statement script in one transaction: all of it or none of it. */
  runInTransaction(script: string): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl?: string | undefined;
  /** Folder for the embedded database's files; absent means in memory. */
  pgliteDataDir?: string | undefined;
  /** A dumped PGlite data directory to start from (tests start from a migrated snapshot). */
  pgliteSnapshot?: Blob | undefined;
  poolMax?: number;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolMax ?? 10);
  return openPglite(options.pgliteDataDir, options.pgliteSnapshot);
}

async function openPglite(dataDir: string | undefined, snapshot: Blob | undefined): Promise<Database> {
  if (dataDir) mkdirSync(path.dirname(dataDir), { recursive: true });
  const client = await PGlite.create({
    // The extensions the migrations create (search indexes); the server has them as contrib modules.
    extensions: { pg_trgm, btree_gin },
    ...(dataDir ? { dataDir } : {}),
    ...(snapshot ? { loadDataDir: snapshot } : {}),
  });
  const db = drizzlePglite({ client }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    // PGlite is one in-process connection used by this process alone: no lock is needed.
    withScriptSession: (_lockKey, fn) =>
      fn({
        query: async <T>(text: string, params?: unknown[]) => (await client.query<T>(text, params)).rows,
        runInTransaction: async (script) => {
          await client.transaction(async (tx) => {
            await tx.exec(script);
          });
        },
      }),
    dumpDataDir: () => client.dumpDataDir('none'),
    async close() {
      if (!client.closed) await client.close();
    },
  };
}

async function openPostgres(databaseUrl: string, poolMax: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolMax });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it on the next checkout.
  });
  const probe = await pool.connect();
  probe.release();
  const db = drizzlePostgres({ client: pool }) as unknown as Db;
  return {
    kind: 'postgres',
    db,
    async withScriptSession(lockKey, fn) {
      const client = await pool.connect();
      try {
        await client.query('SELECT pg_advisory_lock($1)', [lockKey]);
        try {
          return await fn({
            query: async <T>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as T[],
            runInTransaction: async (script) => {
              await client.query('BEGIN');
              try {
                await client.query(script);
                await client.query('COMMIT');
              } catch (error) {
                await client.query('ROLLBACK');
                throw error;
              }
            },
          });
        } finally {
          await client.query('SELECT pg_advisory_unlock($1)', [lockKey]);
        }
      } finally {
        client.release();
      }
    },
    async close() {
      if (!pool.ended) await pool.end();
    },
  };
}

export function isTransaction(db: Db): boolean {
  return db instanceof PgTransaction;
}

/**
 * Runs `fn` in a transaction. Inside an open transaction it joins it rather than opening a
 * savepoint, so one use case is one transaction however many services it passes through.
 */
export async function inTransaction<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  if (isTransaction(db)) return fn(db);
  return db.transaction((tx) => fn(tx as unknown as Db));
}

/** Raw SQL returning rows: for the few queries the query builder cannot say (SKIP LOCKED claims). */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

export interface DatabaseErrorInfo {
  /** SQLSTATE, e.g. 23505 for a unique violation. */
  code: string;
  message: string;
  constraint: string | undefined;
}

/** The PostgreSQL error behind a failed query, whichever driver and wrapper raised it. */
export function databaseError(error: unknown): DatabaseErrorInfo | undefined {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const candidate = current as { code?: unknown; message?: unknown; constraint?: unknown };
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code)) {
      return {
        code: candidate.code,
        message: String(candidate.message ?? ''),
        constraint: typeof candidate.constraint === 'string' ? candidate.constraint : undefined,
      };
    }
  }
  return undefined;
}

export const isUniqueViolation = (error: unknown, constraint?: string): boolean => {
  const info = databaseError(error);
  return info?.code === '23505' && (constraint === undefined || info.constraint === constraint);
};

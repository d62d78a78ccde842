import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Database } from './index.ts';

/**
 * Forward-only migrations: SQL files named `NNNN_name.sql`, applied in order, each in its own
 * transaction, each recorded with a checksum. A file that changed after it was applied, an applied
 * file that disappeared, or a new file ordered before an applied one stops start-up: the database
 * and the code would otherwise disagree about the schema.
 */
export class MigrationError extends Error {
  override name = 'MigrationError';
}

export interface MigrationFile {
  name: string;
  checksum: string;
  sql: string;
}

const FILE_PATTERN = /^(\d{4})_[a-z0-9_]+\.sql$/;
const MIGRATION_LOCK_KEY = 7_130_001;

export function readMigrations(dir: string): MigrationFile[] {
  return readdirSync(dir)
    .filter((file) => FILE_PATTERN.test(file))
    .sort()
    .map((file) => {
      const sql = readFileSync(path.join(dir, file), 'utf8');
      return { name: file.replace(/\.sql$/, ''), checksum: createHash('sha256').update(sql).digest('hex'), sql };
    });
}

interface AppliedRow {
  name: string;
  checksum: string;
}

/** Decides what to apply; pure so that every refusal is tested without a database. */
export function planMigrations(files: MigrationFile[], applied: AppliedRow[]): MigrationFile[] {
  const byName = new Map(files.map((file) => [file.name, file]));
  for (const row of applied) {
    const file = byName.get(row.name);
    if (!file) throw new MigrationError(`migration ${row.name} was applied but its file is missing`);
    if (file.checksum !== row.checksum) {
      throw new MigrationError(`migration ${row.name} changed after it was applied (checksum mismatch); add a new migration instead`);
    }
  }
  const appliedNames = new Set(applied.map((row) => row.name));
  const lastApplied = applied.map((row) => row.name).sort().at(-1);
  const pending = files.filter((file) => !appliedNames.has(file.name));
  const early = pending.find((file) => lastApplied !== undefined && file.name < lastApplied);
  if (early) {
    throw new MigrationError(`migration ${early.name} is ordered before the already applied ${lastApplied}; give it a later number`);
  }
  return pending;
}

export async function migrate(database: Database, dir: string): Promise<string[]> {
  const files = readMigrations(dir);
  return database.withScriptSession(MIGRATION_LOCK_KEY, async (session) => {
    await session.query(
      `CREATE TABLE IF NOT EXISTS caravan_migrations (
         name text PRIMARY KEY,
         checksum text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const applied = await session.query<AppliedRow>('SELECT name, checksum FROM caravan_migrations ORDER BY name');
    const pending = planMigrations(files, applied);
    for (const file of pending) {
      // Names and checksums are [a-z0-9_] and hex, checked above, so they are safe to inline.
      await session.runInTransaction(
        `${file.sql}\n;\nINSERT INTO caravan_migrations (name, checksum) VALUES ('${file.name}', '${file.checksum}');`,
      );
    }
    return pending.map((file) => file.name);
  });
}

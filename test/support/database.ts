import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../src/platform/db/index.ts';
import { serverUrlFor } from './paths.ts';

export interface TestDatabase {
  database: Database;
  /** Set on PostgreSQL: a URL other connections (a second "process") can open. */
  url: string | undefined;
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own for one test file (or one test). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = inject('postgresTemplate');
  const databaseUrl = process.env.DATABASE_URL;
  if (template && databaseUrl) {
    const name = `${template}_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
    } finally {
      await admin.end();
    }
    const url = serverUrlFor(databaseUrl, name);
    const database = await openDatabase({ databaseUrl: url, poolMax: 5 });
    return {
      database,
      url,
      async drop() {
        await database.close();
        const dropper = new pg.Client({ connectionString: databaseUrl });
        await dropper.connect();
        try {
          await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        } finally {
          await dropper.end();
        }
      },
    };
  }
  const snapshotPath = inject('pgliteSnapshotPath');
  if (!snapshotPath) throw new Error('the global test setup did not run');
  const database = await openDatabase({ pgliteSnapshot: new Blob([readFileSync(snapshotPath)]) });
  return { database, url: undefined, drop: () => database.close() };
}

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/platform/db/index.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { MIGRATIONS_DIR } from '../../src/platform/paths.ts';
import { serverUrlFor } from './paths.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteSnapshotPath: string | null;
    postgresTemplate: string | null;
  }
}

/**
 * Migrates one database per run and hands test files a way to copy it: a PGlite data-directory
 * dump, or a PostgreSQL template database. Each test file then starts from a fresh copy in well
 * under a second instead of migrating again.
 */
export default async function setup(project: TestProject) {
  const databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl) {
    const template = `caravan_tpl_${process.pid}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${template}`);
    const database = await openDatabase({ databaseUrl: serverUrlFor(databaseUrl, template) });
    await migrate(database, MIGRATIONS_DIR);
    await database.close();
    project.provide('postgresTemplate', template);
    project.provide('pgliteSnapshotPath', null);
    return async () => {
      const leftovers = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${template}%`]);
      for (const { datname } of leftovers.rows) {
        await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
      }
      await admin.end();
    };
  }

  const dir = mkdtempSync(path.join(tmpdir(), 'caravan-test-'));
  const database = await openDatabase({});
  await migrate(database, MIGRATIONS_DIR);
  const snapshot = await database.dumpDataDir!();
  const snapshotPath = path.join(dir, 'migrated.tar');
  writeFileSync(snapshotPath, Buffer.from(await snapshot.arrayBuffer()));
  await database.close();
  project.provide('pgliteSnapshotPath', snapshotPath);
  project.provide('postgresTemplate', null);
  return () => rmSync(dir, { recursive: true, force: true });
}

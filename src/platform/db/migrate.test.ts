import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { MIGRATIONS_DIR } from '../paths.ts';
import { queryRows } from './index.ts';
import { migrate, MigrationError, planMigrations, readMigrations } from './migrate.ts';

const file = (name: string, checksum = `sum-${name}`) => ({ name, checksum, sql: '' });

describe('planMigrations', () => {
  it('applies what is new, in order', () => {
    const pending = planMigrations([file('0000_a'), file('0001_b'), file('0002_c')], [{ name: '0000_a', checksum: 'sum-0000_a' }]);
    expect(pending.map((f) => f.name)).toEqual(['0001_b', '0002_c']);
  });

  it('refuses a migration edited after it was applied', () => {
    expect(() => planMigrations([file('0000_a', 'new')], [{ name: '0000_a', checksum: 'old' }])).toThrow(/changed after it was applied/);
  });

  it('refuses when an applied migration disappeared', () => {
    expect(() => planMigrations([file('0001_b')], [{ name: '0000_a', checksum: 'x' }])).toThrow(/file is missing/);
  });

  it('refuses a new migration numbered before one already applied', () => {
    expect(() =>
      planMigrations([file('0000_a'), file('0001_late'), file('0002_c')], [
        { name: '0000_a', checksum: 'sum-0000_a' },
        { name: '0002_c', checksum: 'sum-0002_c' },
      ]),
    ).toThrow(MigrationError);
  });
});

describe('migrate on a real database', () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabase();
  });
  afterAll(() => testDb.drop());

  it('has applied every migration once, and a second run applies nothing', async () => {
    const { database } = testDb;
    const applied = await queryRows<{ name: string }>(database.db, sql`SELECT name FROM caravan_migrations ORDER BY name`);
    expect(applied.map((r) => r.name)).toEqual(readMigrations(MIGRATIONS_DIR).map((m) => m.name));
    expect(await migrate(database, MIGRATIONS_DIR)).toEqual([]);
  });

  it('applies a new migration atomically: a failing one leaves no trace', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'caravan-migrations-'));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    writeFileSync(path.join(dir, '9000_probe.sql'), 'CREATE TABLE migration_probe (id int);\nINSERT INTO migration_probe VALUES (1);');
    writeFileSync(path.join(dir, '9001_broken.sql'), 'CREATE TABLE migration_broken (id int);\nSELECT no_such_function();');
    await expect(migrate(testDb.database, dir)).rejects.toThrow(/no_such_function/);
    const tables = await queryRows<{ name: string }>(
      testDb.database.db,
      sql`SELECT table_name AS name FROM information_schema.tables WHERE table_name LIKE 'migration_%' ORDER BY 1`,
    );
    expect(tables.map((t) => t.name)).toEqual(['migration_probe']);
    const recorded = await queryRows<{ name: string }>(testDb.database.db, sql`SELECT name FROM caravan_migrations WHERE name LIKE '900%'`);
    expect(recorded.map((r) => r.name)).toEqual(['9000_probe']);
  });

  it('stops when an applied migration was edited', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'caravan-migrations-'));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    writeFileSync(path.join(dir, '9000_probe.sql'), 'CREATE TABLE migration_probe (id int); -- edited');
    await expect(migrate(testDb.database, dir)).rejects.toThrow(/9000_probe changed after it was applied/);
  });
});

import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { databaseError, inTransaction, isTransaction, isUniqueViolation, queryRows, type Db } from './index.ts';

describe('database and the transaction helper', () => {
  let testDb: TestDatabase;
  const count = async () => (await queryRows<{ n: number }>(testDb.database.db, sql`SELECT count(*)::int AS n FROM tx_probe`))[0]?.n;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    await testDb.database.db.execute(sql`CREATE TABLE tx_probe (id text PRIMARY KEY)`);
  });
  afterAll(() => testDb.drop());
  beforeEach(async () => {
    await testDb.database.db.execute(sql`DELETE FROM tx_probe`);
  });

  it('commits the work of a use case, or none of it', async () => {
    await inTransaction(testDb.database.db, async (tx) => {
      await tx.execute(sql`INSERT INTO tx_probe VALUES ('a'), ('b')`);
    });
    await expect(
      inTransaction(testDb.database.db, async (tx) => {
        await tx.execute(sql`INSERT INTO tx_probe VALUES ('c')`);
        throw new Error('a rule said no');
      }),
    ).rejects.toThrow('a rule said no');
    expect(await count()).toBe(2);
  });

  it('lets a service called inside a transaction join it rather than commit on its own', async () => {
    const otherService = (db: Db) =>
      inTransaction(db, async (tx) => {
        expect(isTransaction(tx)).toBe(true);
        await tx.execute(sql`INSERT INTO tx_probe VALUES ('from-the-other-module')`);
      });
    await expect(
      inTransaction(testDb.database.db, async (tx) => {
        await tx.execute(sql`INSERT INTO tx_probe VALUES ('mine')`);
        await otherService(tx);
        throw new Error('the caller failed afterwards');
      }),
    ).rejects.toThrow();
    expect(await count()).toBe(0);
    expect(isTransaction(testDb.database.db)).toBe(false);
  });

  it('tells constraint violations apart through the driver and the ORM wrappers', async () => {
    await testDb.database.db.execute(sql`INSERT INTO tx_probe VALUES ('dup')`);
    const failure = await testDb.database.db.execute(sql`INSERT INTO tx_probe VALUES ('dup')`).then(() => undefined, (error: unknown) => error);
    expect(databaseError(failure)).toMatchObject({ code: '23505', constraint: 'tx_probe_pkey' });
    expect(isUniqueViolation(failure, 'tx_probe_pkey')).toBe(true);
    expect(isUniqueViolation(failure, 'another_constraint')).toBe(false);
    expect(databaseError(new Error('not a database error'))).toBeUndefined();
  });
});

import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseError, queryRows } from '../db/index.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { ManualClock } from '../clock/index.ts';
import { createIdGenerator } from '../ids/index.ts';
import { createAuditLog } from './index.ts';

describe('audit log', () => {
  let testDb: TestDatabase;
  const clock = new ManualClock('2026-03-02T08:00:00Z');
  const audit = createAuditLog({ clock, ids: createIdGenerator(clock) });

  beforeAll(async () => {
    testDb = await createTestDatabase();
  });
  afterAll(() => testDb.drop());

  it('records who, when, what, from, to and why, newest first', async () => {
    const { db } = testDb.database;
    await audit.record(db, {
      actor: { type: 'operator', id: 'acc_01', requestId: 'req_1' },
      action: 'seller_application.reject',
      subject: { type: 'seller_application', id: 'sap_1' },
      sellerId: 'sel_1',
      from: { status: 'under_review' },
      to: { status: 'rejected' },
      reason: 'Licence expired',
    });
    clock.advance({ minutes: 5 });
    await audit.record(db, { actor: { type: 'system', id: 'scheduler' }, action: 'x.touch', subject: { type: 'seller_application', id: 'sap_1' } });
    const records = await audit.list(db, { subjectType: 'seller_application', subjectId: 'sap_1', limit: 10 });
    expect(records).toHaveLength(2);
    expect(records[1]).toMatchObject({
      actorType: 'operator',
      actorId: 'acc_01',
      action: 'seller_application.reject',
      fromState: { status: 'under_review' },
      toState: { status: 'rejected' },
      reason: 'Licence expired',
      requestId: 'req_1',
      sellerId: 'sel_1',
      occurredAt: new Date('2026-03-02T08:00:00Z'),
    });
    expect(records[0]?.action).toBe('x.touch');
  });

  it('cannot be edited, deleted or truncated, even with raw SQL', async () => {
    const { db } = testDb.database;
    for (const statement of [sql`UPDATE audit_log SET reason = 'tampered'`, sql`DELETE FROM audit_log`, sql`TRUNCATE audit_log`]) {
      const failure = await db.execute(statement).then(() => undefined, (error: unknown) => error);
      expect(databaseError(failure)?.message).toMatch(/audit_log is append-only/);
    }
    const [row] = await queryRows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM audit_log WHERE reason = 'tampered'`);
    expect(row?.n).toBe(0);
  });
});

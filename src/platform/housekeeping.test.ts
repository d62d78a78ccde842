import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { testLogger } from '../../test/support/logger.ts';
import { ManualClock } from './clock/index.ts';
import { queryRows } from './db/index.ts';
import { EventBus } from './events/index.ts';
import { purgeFinishedWork } from './housekeeping.ts';
import { IdempotencyStore } from './http/idempotency.ts';
import { createIdGenerator } from './ids/index.ts';
import { JobQueue } from './jobs/index.ts';

describe('housekeeping', () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabase();
  });
  afterAll(() => testDb.drop());

  it('removes finished jobs and dispatched events past their retention, and nothing else', async () => {
    const clock = new ManualClock('2026-05-01T00:00:00Z');
    const ids = createIdGenerator(clock);
    const db = testDb.database.db;
    const jobs = new JobQueue({ db, clock, ids, logger: testLogger });
    const events = new EventBus({ db, clock, ids, logger: testLogger });
    jobs.define('probe.ok', async () => undefined);
    jobs.define('probe.bad', async () => {
      throw new Error('no');
    }, { maxAttempts: 1 });
    events.subscribe('probe', ['probe.event'], async () => undefined);

    // Old work: finished on 1 May.
    await jobs.enqueue(db, 'probe.ok', {});
    await jobs.enqueue(db, 'probe.bad', {});
    await events.publish(db, { type: 'probe.event', subject: { type: 'probe', id: 'old' }, payload: {} });
    await jobs.drain();
    await events.drain();
    // Recent work: 1 June, and a job still queued.
    clock.set('2026-06-01T00:00:00Z');
    await jobs.enqueue(db, 'probe.ok', {});
    await jobs.drain();
    await events.publish(db, { type: 'probe.event', subject: { type: 'probe', id: 'new' }, payload: {} });
    await events.drain();
    await jobs.enqueue(db, 'probe.ok', {}, { runAt: new Date('2026-07-01T00:00:00Z') });

    clock.set('2026-06-05T00:00:00Z');
    const removed = await purgeFinishedWork(db, clock, new IdempotencyStore(db, clock));
    // 35 days on: the old success (kept 7 days), the old failure and the old event (30 days) go.
    expect(removed).toEqual({ succeededJobs: 1, failedJobs: 1, events: 1, idempotencyKeys: 0 });
    const left = await queryRows<{ status: string }>(db, sql`SELECT status FROM jobs ORDER BY id`);
    expect(left.map((j) => j.status)).toEqual(['succeeded', 'queued']);
    const eventsLeft = await queryRows<{ subject_id: string }>(db, sql`SELECT subject_id FROM outbox_events`);
    expect(eventsLeft).toEqual([{ subject_id: 'new' }]);
    const receipts = await queryRows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM event_receipts`);
    expect(receipts[0]?.n).toBe(1);
  });
});

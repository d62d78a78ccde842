import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { testLogger } from '../../../test/support/logger.ts';
import { ManualClock } from '../clock/index.ts';
import { openDatabase, queryRows, type Database } from '../db/index.ts';
import { createIdGenerator } from '../ids/index.ts';
import { JobQueue, nextOccurrence } from './index.ts';
import { retryDelayMs } from './retry.ts';

describe('retryDelayMs', () => {
  const policy = { baseDelayMs: 1000, maxDelayMs: 10_000, jitter: 0.5 };
  it('doubles per attempt, caps, and adds bounded jitter', () => {
    expect([1, 2, 3, 4, 5, 6].map((attempt) => retryDelayMs(attempt, policy, () => 0))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(retryDelayMs(2, policy, () => 1)).toBe(3000);
  });
});

describe('nextOccurrence', () => {
  it('evaluates cron in the schedule’s time zone', () => {
    // 09:00 in Shanghai is 01:00 UTC.
    expect(nextOccurrence('0 9 * * *', 'Asia/Shanghai', new Date('2026-05-01T02:00:00Z')).toISOString()).toBe('2026-05-02T01:00:00.000Z');
    expect(nextOccurrence('*/15 * * * *', 'UTC', new Date('2026-05-01T02:07:00Z')).toISOString()).toBe('2026-05-01T02:15:00.000Z');
  });
});

describe('job queue', () => {
  let testDb: TestDatabase;
  const clock = new ManualClock('2026-05-01T00:00:00Z');
  const ids = createIdGenerator(clock);

  beforeAll(async () => {
    testDb = await createTestDatabase();
    await testDb.database.db.execute(sql`CREATE TABLE job_probe (job_id text NOT NULL, worker text NOT NULL, payload jsonb)`);
  });
  afterAll(() => testDb.drop());
  beforeEach(async () => {
    for (const table of ['jobs', 'job_schedules', 'job_probe']) await testDb.database.db.execute(sql.raw(`DELETE FROM ${table}`));
  });

  function queue(database: Database = testDb.database, workerId?: string) {
    return new JobQueue({ db: database.db, clock, ids, logger: testLogger, ...(workerId ? { workerId } : {}) });
  }

  const runs = () => queryRows<{ job_id: string; worker: string; payload: unknown }>(testDb.database.db, sql`SELECT * FROM job_probe ORDER BY job_id`);

  it('runs a delayed job only once its time has come', async () => {
    const q = queue();
    q.define<{ note: string }>('probe.note', async (payload, { jobId, db }) => {
      await db.execute(sql`INSERT INTO job_probe VALUES (${jobId}, ${q.workerId}, ${JSON.stringify(payload)}::jsonb)`);
    });
    await q.enqueue(testDb.database.db, 'probe.note', { note: 'later' }, { runAt: new Date('2026-05-01T01:00:00Z') });
    expect(await q.drain()).toBe(0);
    clock.advance({ hours: 1 });
    expect(await q.drain()).toBe(1);
    expect((await runs()).map((r) => r.payload)).toEqual([{ note: 'later' }]);
    expect(await q.drain()).toBe(0);
  });

  it('retries with back-off and gives up after the last attempt, keeping the error', async () => {
    const q = queue();
    let calls = 0;
    q.define('probe.fail', async () => {
      calls++;
      throw new Error(`boom ${calls}`);
    }, { maxAttempts: 3, retry: { baseDelayMs: 60_000, maxDelayMs: 600_000, jitter: 0 } });
    const id = await q.enqueue(testDb.database.db, 'probe.fail', {});
    await q.drain();
    expect(calls).toBe(1);
    clock.advance({ seconds: 59 });
    await q.drain();
    expect(calls).toBe(1);
    clock.advance({ seconds: 1 });
    await q.drain();
    clock.advance({ minutes: 2 });
    await q.drain();
    clock.advance({ hours: 1 });
    await q.drain();
    expect(calls).toBe(3);
    const [job] = await queryRows<{ status: string; attempts: number; last_error: string }>(testDb.database.db, sql`SELECT status, attempts, last_error FROM jobs WHERE id = ${id}`);
    expect(job).toEqual({ status: 'failed', attempts: 3, last_error: 'boom 3' });
  });

  it('keeps one job per dedupe key', async () => {
    const q = queue();
    q.define('probe.once', async () => undefined);
    const first = await q.enqueue(testDb.database.db, 'probe.once', {}, { dedupeKey: 'once:1' });
    const second = await q.enqueue(testDb.database.db, 'probe.once', {}, { dedupeKey: 'once:1' });
    expect(first).not.toBeNull();
    expect(second).toBeNull();
  });

  it('enqueues a scheduled job once per slot however many ticks run', async () => {
    clock.set('2026-05-01T00:00:00Z');
    const q = queue();
    let runsSeen = 0;
    q.define('probe.tick', async () => {
      runsSeen++;
    });
    q.schedule('probe.tick', '*/15 * * * *');
    await q.installSchedules();
    clock.set('2026-05-01T00:16:00Z');
    await Promise.all([q.enqueueDueSchedules(), q.enqueueDueSchedules()]);
    await q.drain();
    expect(runsSeen).toBe(1);
    clock.set('2026-05-01T00:20:00Z');
    await q.drain();
    expect(runsSeen).toBe(1);
    clock.set('2026-05-01T00:30:00Z');
    await q.drain();
    expect(runsSeen).toBe(2);
  });

  it('gives a job whose worker died to another worker once the lease runs out', async () => {
    const crashed = queue(testDb.database, 'worker-crashed');
    crashed.define('probe.lease', async () => new Promise(() => undefined), { leaseMs: 60_000 }); // never finishes
    const id = await crashed.enqueue(testDb.database.db, 'probe.lease', {});
    void crashed.runDue(1);
    await new Promise((resolve) => setTimeout(resolve, 50));

    const rescuer = queue(testDb.database, 'worker-rescuer');
    rescuer.define('probe.lease', async (_payload, { jobId, db }) => {
      await db.execute(sql`INSERT INTO job_probe VALUES (${jobId}, 'worker-rescuer', NULL)`);
    }, { leaseMs: 60_000 });
    expect(await rescuer.runDue()).toBe(0); // still leased
    clock.advance({ minutes: 1 });
    expect(await rescuer.runDue()).toBe(1);
    expect(await runs()).toEqual([{ job_id: id, worker: 'worker-rescuer', payload: null }]);
    const [job] = await queryRows<{ status: string; attempts: number }>(testDb.database.db, sql`SELECT status, attempts FROM jobs WHERE id = ${id}`);
    expect(job).toEqual({ status: 'succeeded', attempts: 2 });
  });

  it('leases each kind of job for its own time, and fails one that died on its last attempt', async () => {
    const dying = queue(testDb.database, 'worker-dying');
    dying.define('probe.short', async () => new Promise(() => undefined), { leaseMs: 60_000, maxAttempts: 1 });
    dying.define('probe.long', async () => new Promise(() => undefined), { leaseMs: 3_600_000 });
    const short = await dying.enqueue(testDb.database.db, 'probe.short', {});
    const long = await dying.enqueue(testDb.database.db, 'probe.long', {});
    void dying.runDue(1);
    void dying.runDue(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const leases = await queryRows<{ id: string; locked_until: Date }>(testDb.database.db, sql`SELECT id, locked_until FROM jobs ORDER BY id`);
    const leaseOf = (id: string | null) => new Date(leases.find((l) => l.id === id)!.locked_until).getTime() - clock.now().getTime();
    expect([leaseOf(short), leaseOf(long)]).toEqual([60_000, 3_600_000]);

    clock.advance({ minutes: 2 });
    const rescuer = queue(testDb.database, 'worker-rescuer-2');
    rescuer.define('probe.short', async () => undefined, { leaseMs: 60_000, maxAttempts: 1 });
    rescuer.define('probe.long', async () => undefined, { leaseMs: 3_600_000 });
    expect(await rescuer.runDue()).toBe(0); // the long one is still leased; the short one used its only attempt
    const states = await queryRows<{ id: string; status: string; last_error: string | null }>(testDb.database.db, sql`SELECT id, status, last_error FROM jobs ORDER BY id`);
    expect(states).toEqual([
      { id: short, status: 'failed', last_error: 'lease expired: the worker stopped before finishing' },
      { id: long, status: 'running', last_error: null },
    ]);
  });

  it('never lets two workers with their own connections run the same job', async () => {
    // On PostgreSQL the second worker has a pool of its own, as a second process would.
    const second = testDb.url ? await openDatabase({ databaseUrl: testDb.url, poolMax: 4 }) : testDb.database;
    try {
      const workers = [queue(testDb.database, 'worker-a'), queue(second, 'worker-b')];
      for (const worker of workers) {
        worker.define('probe.count', async (_payload, { jobId, db }) => {
          await db.execute(sql`INSERT INTO job_probe VALUES (${jobId}, ${worker.workerId}, NULL)`);
        });
      }
      for (let i = 0; i < 60; i++) await workers[0]!.enqueue(testDb.database.db, 'probe.count', { i });
      await Promise.all(workers.flatMap((worker) => [worker.drain(), worker.drain()]));
      const rows = await runs();
      expect(rows).toHaveLength(60);
      expect(new Set(rows.map((r) => r.job_id)).size).toBe(60);
      const [left] = await queryRows<{ n: number }>(testDb.database.db, sql`SELECT count(*)::int AS n FROM jobs WHERE status <> 'succeeded'`);
      expect(left?.n).toBe(0);
    } finally {
      if (second !== testDb.database) await second.close();
    }
  });
});

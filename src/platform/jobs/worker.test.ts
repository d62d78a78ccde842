import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { testLogger } from '../../../test/support/logger.ts';
import { systemClock } from '../clock/index.ts';
import { queryRows } from '../db/index.ts';
import { createIdGenerator } from '../ids/index.ts';
import { EventBus } from '../events/index.ts';
import { JobQueue } from './index.ts';
import { Worker } from './worker.ts';

describe('Worker', () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabase();
  });
  afterAll(() => testDb.drop());

  it('runs due jobs and dispatches events in the background until stopped, finishing the batch in hand', async () => {
    const ids = createIdGenerator(systemClock);
    const queue = new JobQueue({ db: testDb.database.db, clock: systemClock, ids, logger: testLogger });
    const events = new EventBus({ db: testDb.database.db, clock: systemClock, ids, logger: testLogger });
    const ran: string[] = [];
    let release: (() => void) | undefined;
    queue.define<{ n: number }>('probe.background', async ({ n }) => {
      if (n === 2) await new Promise<void>((resolve) => (release = resolve));
      ran.push(`job ${n}`);
    });
    events.subscribe('probe', ['probe.happened'], async (event) => {
      ran.push(`event ${event.subject.id}`);
    });
    const worker = new Worker(queue, events, testLogger, 20);
    worker.start();
    await queue.enqueue(testDb.database.db, 'probe.background', { n: 1 });
    await events.publish(testDb.database.db, { type: 'probe.happened', subject: { type: 'probe', id: 'e1' }, payload: {} });
    await vi.waitFor(() => expect(ran).toEqual(expect.arrayContaining(['job 1', 'event e1'])), { timeout: 10_000 });

    await queue.enqueue(testDb.database.db, 'probe.background', { n: 2 });
    await vi.waitFor(() => expect(release).not.toBe(undefined), { timeout: 10_000 });
    await vi.waitFor(async () => {
      const [row] = await queryRows<{ n: number }>(testDb.database.db, sql`SELECT count(*)::int AS n FROM jobs WHERE status = 'running'`);
      expect(row?.n).toBe(1);
    }, { timeout: 10_000 });
    const stopping = worker.stop();
    release?.();
    await stopping;
    expect(ran).toContain('job 2');
    await queue.enqueue(testDb.database.db, 'probe.background', { n: 3 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ran).not.toContain('job 3');
  });
});

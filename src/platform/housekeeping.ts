import { sql, type SQL } from 'drizzle-orm';
import type { Clock } from './clock/index.ts';
import { queryRows, type Db } from './db/index.ts';
import type { IdempotencyStore } from './http/idempotency.ts';
import type { JobQueue } from './jobs/index.ts';

/**
 * How long the platform keeps finished work. Job payloads and events can hold personal data
 * (e-mail addresses, names), so they go once they are no use for diagnosis. The audit log stays.
 */
export const RETENTION_DAYS = { succeededJobs: 7, failedJobs: 30, dispatchedEvents: 30 } as const;

export const HOUSEKEEPING_JOB = 'platform.housekeeping';

async function deleted(db: Db, statement: SQL): Promise<number> {
  const [row] = await queryRows<{ n: number }>(db, sql`WITH gone AS (${statement} RETURNING 1) SELECT count(*)::int AS n FROM gone`);
  return row?.n ?? 0;
}

export async function purgeFinishedWork(db: Db, clock: Clock, idempotency: IdempotencyStore) {
  const daysAgo = (days: number) => new Date(clock.now().getTime() - days * 86_400_000);
  const succeededJobs = await deleted(db, sql`DELETE FROM jobs WHERE status = 'succeeded' AND finished_at < ${daysAgo(RETENTION_DAYS.succeededJobs)}`);
  const failedJobs = await deleted(db, sql`DELETE FROM jobs WHERE status = 'failed' AND finished_at < ${daysAgo(RETENTION_DAYS.failedJobs)}`);
  const cutoff = daysAgo(RETENTION_DAYS.dispatchedEvents);
  await db.execute(sql`DELETE FROM event_receipts WHERE event_id IN (SELECT id FROM outbox_events WHERE dispatched_at < ${cutoff})`);
  const events = await deleted(db, sql`DELETE FROM outbox_events WHERE dispatched_at < ${cutoff}`);
  return { succeededJobs, failedJobs, events, idempotencyKeys: await idempotency.purgeExpired() };
}

export function registerHousekeeping(jobs: JobQueue, db: Db, clock: Clock, idempotency: IdempotencyStore): void {
  jobs.define(HOUSEKEEPING_JOB, async () => {
    await purgeFinishedWork(db, clock, idempotency);
  });
  jobs.schedule(HOUSEKEEPING_JOB, '17 * * * *');
}

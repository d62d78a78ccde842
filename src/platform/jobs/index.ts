import { randomUUID } from 'node:crypto';
import { CronExpressionParser } from 'cron-parser';
import { and, eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Clock } from '../clock/index.ts';
import { inTransaction, queryRows, type Db } from '../db/index.ts';
import { registerIdPrefix, type IdGenerator } from '../ids/index.ts';
import { defaultRetryPolicy, retryDelayMs, type RetryPolicy } from './retry.ts';
import { jobs, jobSchedules } from './schema.ts';

export { jobs, jobSchedules } from './schema.ts';
export { retryDelayMs, defaultRetryPolicy, type RetryPolicy } from './retry.ts';

/**
 * Delayed and scheduled work kept in PostgreSQL. Workers claim due jobs with
 * `FOR UPDATE SKIP LOCKED` and hold them under a lease: two workers never hold the same job, and a
 * job whose worker died becomes claimable again when its lease runs out. Delivery is therefore at
 * least once; handlers are written to be safe to repeat.
 */
export interface JobContext {
  jobId: string;
  attempt: number;
  db: Db;
}

export type JobHandler<P> = (payload: P, context: JobContext) => Promise<void>;

interface JobDefinition {
  handler: JobHandler<never>;
  maxAttempts: number;
  leaseMs: number;
  retry: RetryPolicy;
}

export interface DefineJobOptions {
  maxAttempts?: number;
  leaseMs?: number;
  retry?: RetryPolicy;
}

export interface EnqueueOptions {
  runAt?: Date;
  /** At most one job ever exists per dedupe key; enqueueing it again is a no-op. */
  dedupeKey?: string;
}

const JOB_PREFIX = registerIdPrefix('job', 'job');

interface ClaimedJob {
  id: string;
  name: string;
  payload: unknown;
  attempts: number;
  max_attempts: number;
}

export interface JobQueueOptions {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  workerId?: string;
}

export class JobQueue {
  readonly #definitions = new Map<string, JobDefinition>();
  readonly #schedules = new Map<string, { cron: string; timezone: string }>();
  readonly #options: JobQueueOptions;
  readonly workerId: string;

  constructor(options: JobQueueOptions) {
    this.#options = options;
    this.workerId = options.workerId ?? `worker-${randomUUID()}`;
  }

  define<P>(name: string, handler: JobHandler<P>, options: DefineJobOptions = {}): void {
    if (this.#definitions.has(name)) throw new Error(`job "${name}" is already defined`);
    this.#definitions.set(name, {
      handler: handler as JobHandler<never>,
      maxAttempts: options.maxAttempts ?? 5,
      leaseMs: options.leaseMs ?? 5 * 60_000,
      retry: options.retry ?? defaultRetryPolicy,
    });
  }

  /** Runs job `name` on a cron expression, evaluated in `timezone`. Stored by `installSchedules`. */
  schedule(name: string, cron: string, timezone = 'UTC'): void {
    if (!this.#definitions.has(name)) throw new Error(`job "${name}" must be defined before it is scheduled`);
    CronExpressionParser.parse(cron, { tz: timezone });
    this.#schedules.set(name, { cron, timezone });
  }

  async enqueue(tx: Db, name: string, payload: unknown, options: EnqueueOptions = {}): Promise<string | null> {
    const definition = this.#definitions.get(name);
    if (!definition) throw new Error(`job "${name}" is not defined`);
    const now = this.#options.clock.now();
    const id = this.#options.ids(JOB_PREFIX);
    const inserted = await tx
      .insert(jobs)
      .values({
        id,
        name,
        payload: payload ?? {},
        status: 'queued',
        runAt: options.runAt ?? now,
        maxAttempts: definition.maxAttempts,
        dedupeKey: options.dedupeKey ?? null,
        createdAt: now,
      })
      .onConflictDoNothing()
      .returning({ id: jobs.id });
    return inserted[0]?.id ?? null;
  }

  /** Writes the declared schedules, keeping each one's next run unless its cron changed. */
  async installSchedules(): Promise<void> {
    const { db, clock } = this.#options;
    for (const [name, { cron, timezone }] of this.#schedules) {
      const nextRunAt = nextOccurrence(cron, timezone, clock.now());
      await db
        .insert(jobSchedules)
        .values({ name, cron, timezone, nextRunAt })
        .onConflictDoUpdate({
          target: jobSchedules.name,
          set: { cron, timezone, nextRunAt: sql`CASE WHEN ${jobSchedules.cron} = ${cron} AND ${jobSchedules.timezone} = ${timezone} THEN ${jobSchedules.nextRunAt} ELSE ${nextRunAt} END` },
        });
    }
  }

  /** Enqueues one job for every schedule that is due; the dedupe key makes a double tick harmless. */
  async enqueueDueSchedules(): Promise<number> {
    const { db, clock } = this.#options;
    const now = clock.now();
    return inTransaction(db, async (tx) => {
      const due = await queryRows<{ name: string; cron: string; timezone: string; next_run_at: Date | string }>(
        tx,
        sql`SELECT name, cron, timezone, next_run_at FROM job_schedules
            WHERE next_run_at <= ${now} ORDER BY next_run_at FOR UPDATE SKIP LOCKED`,
      );
      for (const schedule of due) {
        if (!this.#definitions.has(schedule.name)) continue;
        const slot = new Date(schedule.next_run_at);
        await this.enqueue(tx, schedule.name, { scheduledFor: slot.toISOString() }, { dedupeKey: `${schedule.name}@${slot.toISOString()}` });
        await tx
          .update(jobSchedules)
          .set({ nextRunAt: nextOccurrence(schedule.cron, schedule.timezone, now), lastEnqueuedAt: now })
          .where(eq(jobSchedules.name, schedule.name));
      }
      return due.length;
    });
  }

  /** Claims and runs up to `limit` due jobs; returns how many ran. */
  async runDue(limit = 10): Promise<number> {
    const { db, clock } = this.#options;
    const now = clock.now();
    const names = [...this.#definitions.keys()];
    if (names.length === 0) return 0;
    // A job whose worker died after its last allowed attempt is not run again: it failed.
    await db.execute(
      sql`UPDATE jobs SET status = 'failed', finished_at = ${now}, locked_until = NULL,
            last_error = coalesce(last_error, 'lease expired: the worker stopped before finishing')
          WHERE status = 'running' AND locked_until <= ${now} AND attempts >= max_attempts`,
    );
    // Each job is leased for as long as its kind may take.
    const leases = sql.join(
      [...this.#definitions].map(([name, definition]) => sql`WHEN ${name} THEN ${new Date(now.getTime() + definition.leaseMs)}::timestamptz`),
      sql` `,
    );
    const claimed = await queryRows<ClaimedJob>(
      db,
      sql`UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = ${this.workerId},
            locked_until = CASE name ${leases} END
          WHERE id IN (
            SELECT id FROM jobs
            WHERE name IN ${names}
              AND ((status = 'queued' AND run_at <= ${now}) OR (status = 'running' AND locked_until <= ${now}))
            ORDER BY run_at, id LIMIT ${limit}
            FOR UPDATE SKIP LOCKED)
          RETURNING id, name, payload, attempts, max_attempts`,
    );
    for (const job of claimed) await this.#run(job);
    return claimed.length;
  }

  /** Runs schedules and jobs until nothing is due now (tests move the clock, then call this). */
  async drain(): Promise<number> {
    let total = 0;
    await this.enqueueDueSchedules();
    for (;;) {
      const ran = await this.runDue();
      total += ran;
      if (ran === 0) return total;
    }
  }

  async #run(job: ClaimedJob): Promise<void> {
    const { db, clock, logger } = this.#options;
    const definition = this.#definitions.get(job.name);
    if (!definition) return;
    const mine = and(eq(jobs.id, job.id), eq(jobs.lockedBy, this.workerId));
    try {
      await (definition.handler as JobHandler<unknown>)(job.payload, { jobId: job.id, attempt: job.attempts, db });
      await db.update(jobs).set({ status: 'succeeded', finishedAt: clock.now(), lockedUntil: null, lastError: null }).where(mine);
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      logger.warn({ err: error, jobId: job.id, job: job.name, attempt: job.attempts }, 'job failed');
      const now = clock.now();
      if (job.attempts >= job.max_attempts) {
        await db.update(jobs).set({ status: 'failed', finishedAt: now, lockedUntil: null, lastError: message }).where(mine);
      } else {
        const runAt = new Date(now.getTime() + retryDelayMs(job.attempts, definition.retry));
        await db.update(jobs).set({ status: 'queued', runAt, lockedUntil: null, lockedBy: null, lastError: message }).where(mine);
      }
    }
  }
}

export function nextOccurrence(cron: string, timezone: string, after: Date): Date {
  return CronExpressionParser.parse(cron, { currentDate: after, tz: timezone }).next().toDate();
}

/**
 * The application server of the tracking benchmark, in a process of its own as `caravan start`
 * runs it (HTTP and the platform's background worker), with the aggregator provider pointed at the
 * fake aggregator. The load generator talks to it over IPC to follow parcels (as labels being bought
 * would), to run the poll job now, to set the clock, and to read its instruments: CPU time,
 * event-loop use, memory, and the SQL statements it sent with their time.
 *
 * Started by bench/tracking.ts; configured through the environment (BENCH_DATABASE_URL, …).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/platform/config/index.ts';
import { inTransaction } from '../../src/platform/db/index.ts';
import { Worker } from '../../src/platform/jobs/worker.ts';
import { ScaledClock, type ClockSetting } from './clock.ts';

export interface ServerStats {
  cpuSeconds: number;
  wallSeconds: number;
  eventLoopUtilisation: number;
  rssMiB: number;
  statements: number;
  /** Statement text (shortened) → calls and milliseconds from sending to answer. */
  queries: Record<string, { calls: number; ms: number }>;
}

export interface FollowedParcel {
  carrierCode: string;
  trackingNumber: string;
  registeredAt: number;
}

export type Command =
  | { type: 'follow'; parcels: FollowedParcel[] }
  | { type: 'poll' }
  | { type: 'clock'; setting: ClockSetting }
  | { type: 'stats' }
  | { type: 'reset' }
  | { type: 'close' };

let queries = new Map<string, { calls: number; ms: number }>();

/**
 * Counts every statement and its time. Pooled queries run through a client's query too, so the
 * client is where to count; the pool calls it with a callback, other callers get a promise.
 */
function instrumentPg(): void {
  const clientQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, config: unknown, ...rest: unknown[]) {
    const started = performance.now();
    const text = (typeof config === 'string' ? config : ((config as { text?: string } | null)?.text ?? '?')).replace(/\s+/g, ' ').trim().slice(0, 200);
    const done = () => {
      const entry = queries.get(text) ?? { calls: 0, ms: 0 };
      entry.calls++;
      entry.ms += performance.now() - started;
      queries.set(text, entry);
    };
    const callback = rest.at(-1);
    if (typeof callback === 'function') {
      rest[rest.length - 1] = (...answer: unknown[]) => {
        done();
        return (callback as (...args: unknown[]) => unknown)(...answer);
      };
    }
    const result = clientQuery.call(this, config, ...rest);
    if (result && typeof (result as Promise<unknown>).then === 'function') (result as Promise<unknown>).then(done, done);
    return result;
  } as typeof pg.Client.prototype.query;
}

async function main(): Promise<void> {
  instrumentPg();
  const env = process.env;
  const clock = new ScaledClock(JSON.parse(env.BENCH_CLOCK!) as ClockSetting);
  const config = loadConfig({
    NODE_ENV: 'production',
    CARAVAN_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'caravan-bench-tracking-')),
    LOG_LEVEL: env.BENCH_LOG_LEVEL ?? 'warn',
    CARAVAN_SEED_DEMO: 'false',
    DATABASE_URL: env.BENCH_DATABASE_URL,
    DATABASE_POOL_MAX: env.BENCH_POOL_MAX ?? '10',
    TRACKING_PROVIDER: 'aggregator',
    TRACKING_AGGREGATOR_URL: env.BENCH_AGGREGATOR_URL,
    TRACKING_AGGREGATOR_API_KEY: env.BENCH_AGGREGATOR_API_KEY,
    TRACKING_WEBHOOK_SECRET: env.BENCH_WEBHOOK_SECRET,
  });
  const app = await createApp(config, { clock });
  const address = await app.http.listen({ port: 0, host: '127.0.0.1' });
  // The platform's worker, looking for due work once a second of the clock's time: on a faster
  // clock it looks as much more often in real time, or every run would start late by a real second.
  let worker = new Worker(app.platform.jobs, app.platform.events, app.platform.logger, 1000 / clock.speed);
  worker.start();

  let elu = performance.eventLoopUtilization();
  let cpu = process.cpuUsage();
  let since = performance.now();
  const snapshot = (): ServerStats => {
    const used = process.cpuUsage(cpu);
    const all = Object.fromEntries([...queries].sort((a, b) => b[1].ms - a[1].ms));
    return {
      cpuSeconds: (used.user + used.system) / 1e6,
      wallSeconds: (performance.now() - since) / 1000,
      eventLoopUtilisation: performance.eventLoopUtilization(elu).utilization,
      rssMiB: process.memoryUsage.rss() / 2 ** 20,
      statements: [...queries.values()].reduce((sum, q) => sum + q.calls, 0),
      queries: all,
    };
  };

  const { tracking } = app.modules;
  const handle = async (command: Command): Promise<unknown> => {
    switch (command.type) {
      case 'follow': {
        // As labels being bought would: the tracking module follows each number in the label's transaction.
        for (let i = 0; i < command.parcels.length; i += 500) {
          const chunk = command.parcels.slice(i, i + 500);
          await inTransaction(app.platform.db, async (tx) => {
            for (const parcel of chunk) {
              await tracking.service.follow(tx, { sellerId: `sel_bench_${parcel.trackingNumber.slice(-3)}`, shipmentId: `shp_bench_${parcel.trackingNumber}`, carrierCode: parcel.carrierCode, trackingNumber: parcel.trackingNumber });
            }
            // The labels were bought over the past weeks: tracking started then.
            await tx.execute(sql`UPDATE tracked_parcels p SET registered_at = v.at
                FROM jsonb_to_recordset(${JSON.stringify(chunk.map((p) => ({ number: p.trackingNumber, at: new Date(p.registeredAt).toISOString() })))}::jsonb) AS v(number text, at timestamptz)
                WHERE p.tracking_number = v.number AND p.stopped_at IS NULL`);
          });
        }
        return null;
      }
      case 'poll':
        return app.platform.jobs.enqueue(app.platform.db, 'tracking.poll', { requestedBy: 'bench' });
      case 'clock':
        clock.set(command.setting);
        await worker.stop();
        worker = new Worker(app.platform.jobs, app.platform.events, app.platform.logger, 1000 / clock.speed);
        worker.start();
        return null;
      case 'stats':
        return snapshot();
      case 'reset': {
        const out = snapshot();
        queries = new Map();
        elu = performance.eventLoopUtilization();
        cpu = process.cpuUsage();
        since = performance.now();
        return out;
      }
      case 'close':
        await worker.stop();
        await app.close();
        return null;
    }
  };

  process.on('message', (message: Command & { id: number }) => {
    void handle(message).then(
      (reply) => process.send!({ id: message.id, reply }, () => message.type === 'close' && process.exit(0)),
      (error: Error) => process.send!({ id: message.id, error: (error.stack ?? error.message).slice(0, 3000) }),
    );
  });
  process.send!({ id: 0, reply: { address, pid: process.pid } });
}

await main();

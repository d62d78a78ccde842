import type { Logger } from 'pino';
import type { AuditLog } from './audit/index.ts';
import type { Clock } from './clock/index.ts';
import type { Config } from './config/index.ts';
import type { Database, Db } from './db/index.ts';
import type { EventBus } from './events/index.ts';
import type { IdGenerator } from './ids/index.ts';
import type { JobQueue } from './jobs/index.ts';
import type { Metrics } from './metrics/index.ts';
import type { ObjectStorage } from './storage/index.ts';

/** What every module is built with. Modules receive it; the platform never imports a module. */
export interface Platform {
  config: Config;
  database: Database;
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  audit: AuditLog;
  events: EventBus;
  jobs: JobQueue;
  storage: ObjectStorage;
  metrics: Metrics;
}

import path from 'node:path';
import { readFileSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import { createAuditLog } from './platform/audit/index.ts';
import { systemClock, type Clock } from './platform/clock/index.ts';
import type { Config } from './platform/config/index.ts';
import { openDatabase, type Database, type Db } from './platform/db/index.ts';
import { migrate } from './platform/db/migrate.ts';
import { EventBus } from './platform/events/index.ts';
import { IdempotencyStore } from './platform/http/idempotency.ts';
import { createHttpServer, type HttpApp } from './platform/http/server.ts';
import { createIdGenerator } from './platform/ids/index.ts';
import type { Platform } from './platform/index.ts';
import { registerHousekeeping } from './platform/housekeeping.ts';
import { JobQueue } from './platform/jobs/index.ts';
import { Metrics, scrapeAllowed } from './platform/metrics/index.ts';
import { AppError, unauthenticated } from './platform/errors/index.ts';
import { Worker } from './platform/jobs/worker.ts';
import { MIGRATIONS_DIR, PACKAGE_ROOT } from './platform/paths.ts';
import { LocalDiskStorage, type ObjectStorage } from './platform/storage/index.ts';
import { CATALOG_LANGUAGES, createCatalogModule } from './modules/catalog/index.ts';
import { createComplianceModule, type SanctionsScreener } from './modules/compliance/index.ts';
import { createIdentityModule } from './modules/identity/index.ts';
import { createInventoryModule } from './modules/inventory/index.ts';
import { createLogisticsModule } from './modules/logistics/index.ts';
import { createTrackingModule, type TrackingProvider } from './modules/tracking/index.ts';
import { createMarketsModule } from './modules/markets/index.ts';
import { createNotificationsModule, type Mailer } from './modules/notifications/index.ts';
import { createPaymentsModule, type PaymentProvider } from './modules/payments/index.ts';
import { createOrdersModule } from './modules/orders/index.ts';
import { createCheckoutModule } from './modules/checkout/index.ts';
import { createSearchModule } from './modules/search/index.ts';
import { createSellersModule } from './modules/sellers/index.ts';

export interface AppOverrides {
  clock?: Clock;
  /** An already migrated database (tests pass a fresh copy of a migrated snapshot). */
  database?: Database;
  logger?: Logger;
  storage?: ObjectStorage;
  screener?: SanctionsScreener;
  mailer?: Mailer;
  /** Where tracking events come from, instead of the one the configuration names. */
  trackingProvider?: TrackingProvider;
  /** Who takes payments, instead of the one the configuration names. */
  paymentProvider?: PaymentProvider;
}

const VERSION = (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** JSON logs for machines; readable lines when a developer watches a terminal. */
export function createLogger(config: Config): Logger {
  const readable = config.env === 'development' && process.stdout.isTTY;
  return pino({
    level: config.logLevel,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token'], censor: '[redacted]' },
    ...(readable ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } } : {}),
  });
}

export function openAppDatabase(config: Config): Promise<Database> {
  return openDatabase({
    databaseUrl: config.databaseUrl,
    pgliteDataDir: path.join(config.dataDir, 'pgdata'),
    poolMax: config.databasePoolMax,
  });
}

async function openMigratedDatabase(config: Config): Promise<Database> {
  const database = await openAppDatabase(config);
  await migrate(database, MIGRATIONS_DIR);
  return database;
}

/** Wires the platform, the modules and the HTTP surfaces together: the composition root. */
export async function createApp(config: Config, overrides: AppOverrides = {}) {
  const logger = overrides.logger ?? createLogger(config);
  const clock = overrides.clock ?? systemClock;
  const database = overrides.database ?? (await openMigratedDatabase(config));
  const db = database.db;
  const ids = createIdGenerator(clock);
  const events = new EventBus({ db, clock, ids, logger });
  const jobs = new JobQueue({ db, clock, ids, logger });
  const platform: Platform = {
    config,
    database,
    db,
    clock,
    ids,
    logger,
    audit: createAuditLog({ clock, ids }),
    events,
    jobs,
    storage: overrides.storage ?? new LocalDiskStorage(path.join(config.dataDir, 'uploads')),
    metrics: new Metrics(),
  };

  const idempotency = new IdempotencyStore(db, clock);
  registerHousekeeping(jobs, db, clock, idempotency);

  const identity = createIdentityModule(platform);
  const markets = createMarketsModule(platform);
  const directory = markets.service.directory;
  const compliance = createComplianceModule(platform, {
    markets: { groups: directory.groups, expand: directory.expand, languageOf: (code) => directory.get(code)?.language },
    ...(overrides.screener ? { screener: overrides.screener } : {}),
  });
  const notifications = createNotificationsModule(platform, { identity: identity.service, ...(overrides.mailer ? { mailer: overrides.mailer } : {}) });
  const sellers = createSellersModule(platform, { identity: identity.service, markets: markets.service, compliance: compliance.service });
  const inventory = createInventoryModule(platform);
  const catalog = createCatalogModule(platform, { compliance, inventory: inventory.service, markets: directory, sellers: sellers.service });
  const tracking = createTrackingModule(platform, overrides.trackingProvider ? { provider: overrides.trackingProvider } : {});
  const fxRates = (tx: Db) => markets.service.fxRates(tx);
  const logistics = createLogisticsModule(platform, { markets: directory, fxRates, tracking: tracking.service });
  const payments = createPaymentsModule(platform, overrides.paymentProvider ? { provider: overrides.paymentProvider } : {});
  const orders = createOrdersModule(platform, { inventory: inventory.service, logistics: logistics.service, tracking: tracking.service, sellers: sellers.service });
  const checkout = createCheckoutModule(platform, {
    catalog,
    inventory: inventory.service,
    logistics: logistics.service,
    markets: { directory, fxRates },
    orders: orders.service,
    payments: payments.service,
  });
  const search = createSearchModule(platform, {
    feed: catalog.feed,
    categories: async (tx) => (await catalog.categories.list(tx)).map((category) => ({ code: category.code, names: category.names })),
    catalogLanguages: CATALOG_LANGUAGES,
    markets: directory,
    sellers: sellers.service,
    logistics: logistics.service,
    warehouses: async (tx) => (await logistics.reference.current(tx)).services.flatMap((service) => (service.warehouse ? [{ code: service.warehouse.code, country: service.warehouse.country, serviceCode: service.code }] : [])),
    fxRates,
  });
  const modules = { identity, markets, compliance, notifications, sellers, inventory, catalog, tracking, logistics, payments, orders, checkout, search };
  await sellers.installReferenceData();
  await compliance.installReferenceData();
  await catalog.installReferenceData();
  await logistics.installReferenceData();
  await search.installReferenceData();

  const http: HttpApp = await createHttpServer({
    logger,
    bodyLimitBytes: config.bodyLimitBytes,
    uploadMaxBytes: config.uploadMaxBytes,
    trustProxy: config.trustProxy,
    version: VERSION,
    authenticate: (token) => identity.service.authenticate(token),
    principalScope: (principal) => `account:${(principal as { accountId: string }).accountId}`,
    idempotency,
  });
  for (const module of Object.values(modules)) if ('registerRoutes' in module) module.registerRoutes(http);
  http.get('/health', { config: { public: true }, schema: { hide: true } }, async () => ({ status: 'ok', version: VERSION }));
  http.get('/metrics', { config: { public: true, ownAuthorization: true }, schema: { hide: true } }, async (request, reply) => {
    const token = config.metricsToken;
    if (!token) throw new AppError(404, 'metrics_closed', 'Not found', 'Metrics are served only to a scraper presenting METRICS_TOKEN, and none is configured.');
    if (!scrapeAllowed(token, request.headers.authorization)) throw unauthenticated('A metrics scrape needs the bearer token configured in METRICS_TOKEN.');
    return reply.type(platform.metrics.contentType()).send(await platform.metrics.render());
  });
  await jobs.installSchedules();

  const worker = new Worker(jobs, events, logger);
  return {
    config,
    platform,
    modules,
    http,
    worker,
    /** Runs every reaction that is due now: the outbox and due jobs (tests call it after moving the clock). */
    async settle(): Promise<void> {
      for (;;) {
        const work = (await jobs.drain()) + (await events.drain());
        if (work === 0) return;
      }
    },
    async close(): Promise<void> {
      await worker.stop();
      await http.close();
      await database.close();
    },
  };
}

export type App = Awaited<ReturnType<typeof createApp>>;

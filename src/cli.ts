import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { Command, Option } from 'commander';
import closeWithGrace from 'close-with-grace';
import { createApp, createLogger, openAppDatabase } from './app.ts';
import { ConfigError, loadConfig, type Config } from './platform/config/index.ts';
import { migrate } from './platform/db/migrate.ts';
import { MIGRATIONS_DIR } from './platform/paths.ts';
import { DATA_ACCESS_TIERS, OPERATOR_ROLES, type DataAccessTier, type OperatorRole, type SellerPrincipal } from './modules/identity/index.ts';
import { credentialsFile, formatCredentials, seedDemoData } from './seed/demo.ts';

function config(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}

function databaseLabel(cfg: Config): string {
  if (!cfg.databaseUrl) return `embedded PGlite in ${cfg.dataDir}/pgdata`;
  const url = new URL(cfg.databaseUrl);
  return `PostgreSQL at ${url.host}${url.pathname}`;
}

async function seedAndReport(cfg: Config, app: Awaited<ReturnType<typeof createApp>>): Promise<void> {
  const { file, remember } = credentialsFile(cfg.dataDir);
  const created = await seedDemoData(app, remember);
  if (created.length > 0) {
    console.log(`\nDemo data created. Sign in with these accounts (shown once; also saved to ${file}):\n${formatCredentials(created)}\n`);
  } else {
    console.log(`Demo data already present; its accounts are listed in ${file}.`);
  }
}

const program = new Command('caravan').description('Caravan cross-border marketplace platform');

program
  .command('start')
  .description('Migrate, seed demo data (unless CARAVAN_SEED_DEMO=false) and serve the API with background workers')
  .option('--no-workers', 'serve HTTP only; run jobs and event dispatch in other processes')
  .action(async (options: { workers: boolean }) => {
    const cfg = config();
    const app = await createApp(cfg);
    if (cfg.seedDemoData) await seedAndReport(cfg, app);
    closeWithGrace({ delay: 10_000 }, async ({ err, signal }) => {
      if (err) app.platform.logger.error({ err }, 'shutting down after an error');
      else app.platform.logger.info({ signal }, 'shutting down');
      await app.close();
    });
    const address = await app.http.listen({ port: cfg.port, host: cfg.host });
    if (options.workers && cfg.runWorkers) app.worker.start();
    console.log(`Caravan is running on ${address} (${databaseLabel(cfg)}). API docs: ${address}/docs`);
  });

program
  .command('migrate')
  .description('Apply pending database migrations and exit')
  .action(async () => {
    const cfg = config();
    const database = await openAppDatabase(cfg);
    const applied = await migrate(database, MIGRATIONS_DIR);
    await database.close();
    console.log(`Database is up to date (${databaseLabel(cfg)}).${applied.length ? ` Applied: ${applied.join(', ')}` : ''}`);
  });

program
  .command('seed')
  .description('Create the demo operators and sellers (once)')
  .action(async () => {
    const cfg = config();
    const app = await createApp(cfg, { logger: createLogger({ ...cfg, logLevel: 'warn' }) });
    await seedAndReport(cfg, app);
    await app.close();
  });

program
  .command('create-operator')
  .description('Create an operator account (the first admin of a new marketplace, for instance)')
  .requiredOption('--email <email>', 'sign-in e-mail')
  .requiredOption('--name <name>', 'display name')
  .addOption(new Option('--roles <roles>', `comma-separated: ${OPERATOR_ROLES.join(', ')}`).default('admin'))
  .addOption(new Option('--tier <tier>', 'data-access tier').choices([...DATA_ACCESS_TIERS]).default('full'))
  .action(async (options: { email: string; name: string; roles: string; tier: DataAccessTier }) => {
    const cfg = config();
    const roles = options.roles.split(',').map((r) => r.trim()) as OperatorRole[];
    const unknown = roles.filter((r) => !OPERATOR_ROLES.includes(r));
    if (unknown.length > 0) {
      console.error(`Unknown role(s): ${unknown.join(', ')}. Roles: ${OPERATOR_ROLES.join(', ')}.`);
      process.exit(2);
    }
    // The password comes from the environment, never the command line (it would stay in shell history).
    const password = process.env.CARAVAN_OPERATOR_PASSWORD ?? randomBytes(12).toString('base64url');
    const app = await createApp(cfg, { logger: createLogger({ ...cfg, logLevel: 'warn' }) });
    try {
      const operator = await app.modules.identity.service.createOperator(null, { email: options.email, password, displayName: options.name, roles, dataTier: options.tier });
      console.log(`Operator ${operator.account.email} created (${roles.join(', ')}; ${options.tier} tier).`);
      if (!process.env.CARAVAN_OPERATOR_PASSWORD) console.log(`Password (shown once): ${password}`);
    } finally {
      await app.close();
    }
  });

/** The seller member on whose behalf the command line imports and exports. */
async function memberOf(app: Awaited<ReturnType<typeof createApp>>, seller: string): Promise<SellerPrincipal> {
  const principal = await app.modules.identity.service.sellerMemberPrincipal(seller, 'cli');
  if (!principal) {
    console.error(`No active seller member ${seller}: give a seller id (sel_…, acting as its owner) or a member's e-mail.`);
    process.exit(2);
  }
  return principal;
}

const importCommand = program.command('import').description('Import data from files');
importCommand
  .command('products <file>')
  .description('Import a CSV or Excel (.xlsx) product file in the template for a seller, with a progress bar')
  .requiredOption('--seller <seller>', 'the seller: its id (sel_…, acting as its owner) or a member’s e-mail')
  .action(async (file: string, options: { seller: string }) => {
    const cfg = config();
    const content = readFileSync(file);
    const app = await createApp(cfg, { logger: createLogger({ ...cfg, logLevel: 'warn' }) });
    try {
      const principal = await memberOf(app, options.seller);
      const { imports } = app.modules.catalog;
      const started = await imports.start({ principal }, { fileName: path.basename(file), content });
      const bar = new SingleBar({ format: 'Importing |{bar}| {value} rows · {created} new · {updated} changed · {unchanged} unchanged · {failed} refused', hideCursor: true }, Presets.shades_classic);
      bar.start(countRows(content), 0, { created: 0, updated: 0, unchanged: 0, failed: 0 });
      const done = await imports.run(started.id, principal, (counts) => {
        // A spreadsheet's row count is only known as it is read.
        if (counts.rows > bar.getTotal()) bar.setTotal(counts.rows);
        bar.update(counts.rows, { created: counts.productsCreated, updated: counts.productsUpdated, unchanged: counts.productsUnchanged, failed: counts.rowsFailed });
      });
      bar.stop();
      await app.settle();
      const { rowsImported, rowsFailed, productsCreated, productsUpdated, productsUnchanged } = done.counts;
      console.log(`Import ${done.id} ${done.status}: ${rowsImported} rows imported, ${rowsFailed} refused; products: ${productsCreated} new, ${productsUpdated} changed, ${productsUnchanged} unchanged.`);
      for (const error of done.errors.slice(0, 50)) console.log(`  row ${error.row}, ${error.column}: ${error.message}`);
      if (done.errors.length > 50) console.log(`  … ${done.errors.length - 50} more (GET /v1/seller/imports/${done.id})`);
      if (done.failure) console.log(done.failure);
      process.exitCode = done.status === 'succeeded' ? 0 : 1;
    } finally {
      await app.close();
    }
  });

const exportCommand = program.command('export').description('Export data to files');
exportCommand
  .command('products')
  .description('Export a seller’s catalogue in the import template')
  .requiredOption('--seller <seller>', 'the seller: its id (sel_…, acting as its owner) or a member’s e-mail')
  .option('--format <format>', 'csv or xlsx', 'xlsx')
  .requiredOption('--out <file>', 'where to write it')
  .action(async (options: { seller: string; format: string; out: string }) => {
    if (options.format !== 'csv' && options.format !== 'xlsx') {
      console.error('--format is csv or xlsx');
      process.exit(2);
    }
    const cfg = config();
    const app = await createApp(cfg, { logger: createLogger({ ...cfg, logLevel: 'warn' }) });
    try {
      const principal = await memberOf(app, options.seller);
      const file = await app.modules.catalog.imports.export({ principal }, options.format);
      writeFileSync(options.out, file.content);
      console.log(`Wrote ${options.out} (${file.content.length} bytes).`);
    } finally {
      await app.close();
    }
  });

const searchCommand = program.command('search').description('The search index');
searchCommand
  .command('rebuild')
  .description('Rebuild the search index from the catalogue, in one transaction (searches see the old index until it is done)')
  .action(async () => {
    const cfg = config();
    const app = await createApp(cfg, { logger: createLogger({ ...cfg, logLevel: 'warn' }) });
    try {
      const started = Date.now();
      const { products, documents } = await app.modules.search.index.rebuild();
      console.log(`Search index rebuilt: ${documents} listings of ${products} products in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    } finally {
      await app.close();
    }
  });

/** Rows in a CSV file, for the progress bar's total; spreadsheets grow it as they are read. */
function countRows(content: Buffer): number {
  if (content.readUInt32LE(0) === 0x04034b50) return 0;
  let lines = 0;
  for (const byte of content) if (byte === 0x0a) lines++;
  return Math.max(0, lines - 1);
}

program.parseAsync().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

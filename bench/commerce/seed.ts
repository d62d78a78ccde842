/**
 * The seeded marketplace the commerce benchmark runs against, built once and kept on the
 * PostgreSQL server as a template database; every run starts from a copy of it.
 *
 * Everything goes through the application's own services, as sellers and operators would:
 * sellers sign up, apply, upload documents and are approved (their stores open); one seller lists
 * a product in every category through the single-product save, which also tells which markets each
 * category can be sold in; every other seller uploads a product file through the importer (the
 * path of bulk listing, with compliance judging every listing); about a third set up a freight
 * template. The search index, when the search module is present, is rebuilt from scratch the way
 * `caravan search rebuild` does it.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { createApp, type App } from '../../src/app.ts';
import type { Clock } from '../../src/platform/clock/index.ts';
import { loadConfig } from '../../src/platform/config/index.ts';
import { queryRows } from '../../src/platform/db/index.ts';
import { MigrationError, readMigrations } from '../../src/platform/db/migrate.ts';
import { MIGRATIONS_DIR } from '../../src/platform/paths.ts';
import { jpegFile, pdfFile, pngFile } from '../../src/seed/sample-files.ts';
import type { Caller, SellerPrincipal } from '../../src/modules/identity/index.ts';
import { residentIdCheckCharacter, usccCheckCharacter } from '../../src/modules/sellers/index.ts';
import { generateProduct, productFile, randomSource, sellerProfile, skuBudgets, type GeneratedProduct, type SellerProfile } from './catalog.ts';

/** Markets the catalogue is offered in; buyers of the benchmark shop in some of them. */
export const CATALOGUE_MARKETS = ['ES', 'FR', 'GB', 'US', 'BR'] as const;
const TEMPLATE_PREFIX = 'caravan_bench_commerce_';
const PASSWORD = 'bench password 1';

export interface SeedOptions {
  /** postgres:// URL of any database on the server: templates are created beside it. */
  serverUrl: string;
  sellers: number;
  skus: number;
  clock: Clock;
  log: (line: string) => void;
}

export interface SeedSummary {
  /** Hash of the code that decided the data; a template with the same one can be migrated rather than seeded again. */
  codeHash: string;
  /** The last migration the template has. */
  schema: string;
  /** When it was migrated to a newer schema rather than seeded again, the migrations applied. */
  upgradedWith: string[];
  sellers: number;
  products: number;
  skus: number;
  categories: number;
  freightTemplates: number;
  rowsRefused: number;
  searchIndexed: boolean;
  seconds: number;
  steps: Record<string, number>;
}

export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * The template's name carries the size asked for, and a hash that changes whenever the code that
 * decides the data (the generator, the seeding steps) or the schema does.
 */
export function templateName(options: Pick<SeedOptions, 'sellers' | 'skus'>): { name: string; size: string; codeHash: string; schema: string } {
  const code = createHash('sha256');
  code.update(readFileSync(path.join(import.meta.dirname, 'catalog.ts')));
  for (const step of [onboard, seed, readyForRuns]) code.update(step.toString());
  const codeHash = code.digest('hex').slice(0, 12);
  const migrations = readMigrations(MIGRATIONS_DIR);
  const name = createHash('sha256').update(codeHash);
  for (const migration of migrations) name.update(migration.checksum);
  const size = `${TEMPLATE_PREFIX}${options.sellers}s_${options.skus}k_`;
  return { name: `${size}${name.digest('hex').slice(0, 12)}`, size, codeHash, schema: migrations.at(-1)?.name ?? '' };
}

/**
 * The seeded template database. Built now if there is none for this seed and schema — or, when
 * only the schema moved on, copied from the older template and migrated, as a live marketplace
 * would be, which takes a minute instead of several.
 */
export async function seededTemplate(options: SeedOptions): Promise<{ name: string; summary: SeedSummary; builtNow: boolean }> {
  const { name, size, codeHash, schema } = templateName(options);
  const admin = new pg.Client({ connectionString: options.serverUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string; note: string | null }>(
      `SELECT datname, shobj_description(oid, 'pg_database') AS note FROM pg_database WHERE left(datname, length($1)) = $1`,
      [size],
    );
    const existing = rows.find((row) => row.datname === name);
    if (existing?.note) return { name, summary: JSON.parse(existing.note) as SeedSummary, builtNow: false };
    if (existing) await admin.query(`DROP DATABASE ${name} WITH (FORCE)`); // half-built
    const older = rows.map((row) => ({ ...row, summary: row.note ? (JSON.parse(row.note) as SeedSummary) : null })).find((row) => row.summary?.codeHash === codeHash);
    let summary: SeedSummary | undefined;
    if (older?.summary) {
      options.log(`migrating the seeded marketplace ${older.datname} to the current schema as ${name}`);
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${older.datname}`);
      try {
        summary = await upgrade(databaseUrl(options.serverUrl, name), older.summary, schema, options);
      } catch (error) {
        // Migrations rewritten since (squashed while branches merge) cannot be applied on top: seed anew.
        if (!(error instanceof MigrationError)) throw error;
        options.log(`  it cannot be migrated (${error.message})`);
        await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
      }
    }
    if (!summary) {
      await admin.query(`CREATE DATABASE ${name}`);
      options.log(`seeding ${name}: ${options.sellers} sellers, ≥ ${options.skus} SKUs (once; later runs copy it)`);
      summary = await seed(databaseUrl(options.serverUrl, name), { ...options, codeHash, schema });
    }
    // The summary doubles as the mark that the template is complete.
    await admin.query(`COMMENT ON DATABASE ${name} IS ${pg.escapeLiteral(JSON.stringify(summary))}`);
    // Templates of this size from an older schema or generator, or a half-built one, are of no further use.
    for (const row of rows) if (row.datname !== name) await admin.query(`DROP DATABASE IF EXISTS ${row.datname} WITH (FORCE)`);
    return { name, summary, builtNow: true };
  } finally {
    await admin.end();
  }
}

function appFor(url: string, dataDir: string, clock: Clock): Promise<App> {
  const config = loadConfig({ NODE_ENV: 'production', CARAVAN_DATA_DIR: dataDir, LOG_LEVEL: 'warn', CARAVAN_WORKERS: 'false', CARAVAN_SEED_DEMO: 'false', DATABASE_URL: url, DATABASE_POOL_MAX: '8' });
  return createApp(config, { clock });
}

/**
 * What every template goes through last: read models rebuilt, the seed's own events marked
 * delivered, statistics gathered. Returns whether a search index was built.
 */
async function readyForRuns(app: App, url: string, step: (name: string) => void): Promise<boolean> {
  const search = (app.modules as Record<string, unknown>).search as { index?: { rebuild?: () => Promise<unknown> } } | undefined;
  if (search?.index?.rebuild) {
    await search.index.rebuild();
    step('search index rebuilt');
  }
  // The seed's events have nobody left to tell: the read models were rebuilt from scratch above,
  // and a benchmark must not start with a backlog the worker would chew through during the run.
  await app.platform.db.execute(sql`UPDATE outbox_events SET dispatched_at = now() WHERE dispatched_at IS NULL`);
  await app.close();
  // The planner needs statistics, as autovacuum would have gathered on a live database.
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('VACUUM ANALYZE');
  await client.end();
  step('vacuum analyze');
  return Boolean(search?.index?.rebuild);
}

function stepTimer(log: (line: string) => void) {
  const steps: Record<string, number> = {};
  let stepStarted = performance.now();
  return {
    steps,
    step(name: string) {
      steps[name] = Math.round((performance.now() - stepStarted) / 100) / 10;
      log(`  ${name}: ${steps[name]} s`);
      stepStarted = performance.now();
    },
  };
}

/** An older template's copy brought to the current schema: migrations and reference data at start-up, then made ready for runs. */
async function upgrade(url: string, before: SeedSummary, schema: string, options: SeedOptions): Promise<SeedSummary> {
  const started = performance.now();
  const { steps, step } = stepTimer(options.log);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'caravan-bench-seed-'));
  try {
    const app = await appFor(url, dataDir, options.clock);
    step('migrated');
    const applied = readMigrations(MIGRATIONS_DIR).map((m) => m.name).filter((m) => m > before.schema);
    const searchIndexed = await readyForRuns(app, url, step);
    return { ...before, schema, upgradedWith: [...before.upgradedWith, ...applied], searchIndexed, seconds: before.seconds, steps: { ...before.steps, ...Object.fromEntries(Object.entries(steps).map(([k, v]) => [`upgrade: ${k}`, v])), upgrade: Math.round((performance.now() - started) / 1000) } };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Runs `work` over `items` with at most `limit` at a time. */
async function inPool<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!, index);
      }
    }),
  );
  return results;
}

interface SeededSeller {
  principal: SellerPrincipal;
  caller: Caller;
  profile: SellerProfile;
}

async function onboard(app: App, admin: Caller, index: number, profile: SellerProfile): Promise<SeededSeller> {
  const { sellers } = app.modules;
  const n = String(index).padStart(6, '0');
  const signUp = await sellers.service.signUp({ email: `seller-${n}@sellers.example`, password: PASSWORD, displayName: `${profile.brand} owner`, sellerName: `${profile.brand} ${profile.city} ${n}` }, {});
  const principal: SellerPrincipal = { kind: 'seller', accountId: signUp.account.id, sessionId: 'bench-seed', sellerId: signUp.seller.id, role: 'owner', permissions: [] };
  const caller: Caller = { principal };
  const uscc17 = `91440300MA${n}0`;
  const id17 = `44030819900101${String(index % 1000).padStart(3, '0')}`;
  const mobile = `+86138${n.padStart(8, '0')}`;
  const company = `${profile.city}市${profile.brand}${n}贸易有限公司`;
  const form = {
    entity: { name: company, uscc: `${uscc17}${usccCheckCharacter(uscc17)}`, registered_address: `${profile.city} Industrial Park ${index % 90}`, business_scope: '货物进出口；跨境电子商务', licence_valid_until: null },
    representative: { name: '王芳', id_number: `${id17}${residentIdCheckCharacter(id17)}`, mobile },
    bank_account: { holder_name: company, bank_name: '招商银行', account_number: `7559${n}12345` },
    payment_account: { account_id: `seller-${n}`, bound_mobile: mobile },
    store: { name: `${profile.brand} Store ${n}`, type: 'standard' as const },
  };
  const draft = await sellers.service.createApplication(caller, { kind: 'enterprise', form });
  for (const [kind, file] of [['business_licence', pdfFile], ['id_card_front', pngFile], ['id_card_back', jpegFile]] as const) {
    await sellers.service.uploadDocument(caller, draft.application.id, { kind, filename: `${kind}.bin`, content: file() });
  }
  await sellers.service.submitApplication(caller, draft.application.id);
  await sellers.service.startReview(admin, draft.application.id, 'Documents complete');
  await sellers.service.approve(admin, draft.application.id, { reason: 'Licence, identity and accounts verified' });
  if (!(await sellers.service.openStore(app.platform.db, principal.sellerId))) throw new Error(`the store of seller ${index} did not open`);
  return { principal, caller, profile };
}

async function seed(url: string, options: SeedOptions & { codeHash: string; schema: string }): Promise<SeedSummary> {
  const started = performance.now();
  const { steps, step } = stepTimer(options.log);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'caravan-bench-seed-'));
  const app = await appFor(url, dataDir, options.clock);
  try {
    const { identity, sellers, catalog, logistics } = app.modules;
    const operator = await identity.service.createOperator(null, { email: 'bench-admin@ops.example', password: PASSWORD, displayName: 'Bench admin', roles: ['admin'], dataTier: 'full' });
    const admin: Caller = { principal: { kind: 'operator', accountId: operator.account.id, sessionId: 'bench-seed', roles: ['admin'], dataTier: 'full' } };
    await sellers.service.createFeePolicy(admin, { effectiveFrom: '2026-01-01', effectiveTo: null, entryFee: { amount: 0, currency: 'CNY' }, note: 'Benchmark marketplace: no entry fee' });
    const { categories: tree } = await catalog.categories.resolved(app.platform.db);
    const leaves = [...tree.values()].filter((c) => c.isLeaf);
    const categoryOf = (code: string) => tree.get(code)!;

    // Sellers: the onboarding path, a few at a time (argon2id makes sign-up deliberately slow).
    const profiles = Array.from({ length: options.sellers }, (_, i) => sellerProfile(i, leaves.map((c) => c.code)));
    let onboarded = 0;
    const seeded = await inPool(profiles, 3, async (profile, i) => {
      const seller = await onboard(app, admin, i, profile);
      if (++onboarded % 100 === 0) options.log(`  ${onboarded} sellers onboarded`);
      return seller;
    });
    step('sellers onboarded (sign-up, application, documents, review, approval)');

    // One seller lists a product in every leaf category through the single save: where each
    // category's listing goes live says which markets sellers can offer it in.
    const prober = seeded[0]!;
    const sellable = new Map<string, string[]>();
    let probeProducts = 0;
    let probeSkus = 0;
    for (const [n, category] of leaves.entries()) {
      const { input } = generateProduct(prober.profile, n, category, CATALOGUE_MARKETS);
      try {
        const product = await catalog.service.create(prober.caller, input, { publish: true });
        probeProducts++;
        probeSkus += product.skus.length;
        const live = product.listings.filter((l) => l.status === 'active').map((l) => l.market);
        if (live.length > 0) sellable.set(category.code, live);
      } catch (error) {
        options.log(`  category ${category.code} skipped: ${(error as Error).message} ${JSON.stringify((error as { errors?: unknown }).errors ?? '')}`);
      }
    }
    step(`one product per category through the single save (${sellable.size} of ${leaves.length} categories live somewhere)`);

    // Everyone else lists through a product file, with a catalogue of their own size and trade.
    const sellableCodes = [...sellable.keys()];
    const budgets = skuBudgets(options.sellers - 1, Math.max(0, options.skus - probeSkus));
    let refused = 0;
    let imported = 0;
    const batches: SeededSeller[][] = [];
    for (let i = 1; i < seeded.length; i += 10) batches.push(seeded.slice(i, i + 10));
    for (const batch of batches) {
      for (const seller of batch) {
        const profile = sellerProfile(seller.profile.index, sellableCodes);
        seller.profile = profile;
        const products: GeneratedProduct[] = [];
        let skus = 0;
        for (let n = 0; skus < budgets[profile.index - 1]!; n++) {
          const category = categoryOf(profile.categories[n % profile.categories.length]!);
          const product = generateProduct(profile, n, category, sellable.get(category.code)!);
          products.push(product);
          skus += product.input.skus.length;
        }
        await catalog.imports.start(seller.caller, { fileName: `catalogue-${profile.index}.csv`, content: productFile(products, categoryOf) });
      }
      // The import jobs run as the background worker would run them, two at a time.
      await Promise.all([app.platform.jobs.drain(), app.platform.jobs.drain()]);
      imported += batch.length;
      if (imported % 100 < 10) options.log(`  ${imported + 1} catalogues imported`);
    }
    // The counts the importer recorded, summed: what a seller's import page shows, for all of them.
    const [counts] = await queryRows<{ refused: string; unfinished: string }>(
      app.platform.db,
      sql`SELECT coalesce(sum((counts->>'rowsFailed')::int), 0) AS refused, count(*) FILTER (WHERE status <> 'succeeded') AS unfinished FROM product_imports`,
    );
    refused = Number(counts!.refused);
    if (Number(counts!.unfinished) > 0) throw new Error(`${counts!.unfinished} product imports did not succeed`);
    step('catalogues imported through product files');

    // A third of the sellers set their own shipping terms; the rest ship under the default ones.
    const random = randomSource(99);
    let templates = 0;
    for (const seller of seeded) {
      if (!random.chance(0.35)) continue;
      await logistics.service.templates.create(seller.caller, {
        name: 'Main markets',
        handlingDays: random.int(1, 3),
        rules: [
          {
            destinations: ['ES', 'FR'],
            services: ['line_cn_es_fr', 'caravan_standard', 'express_integrator'],
            freeShipping: random.chance(0.5) ? { kind: 'over', threshold: { amount: random.pick([9900, 19900, 29900]), currency: 'CNY' }, service: 'line_cn_es_fr' } : { kind: 'none' },
          },
          { destinations: ['BR'], services: ['line_cn_br', 'caravan_standard'], freeShipping: { kind: 'none' } },
          { destinations: ['*'], services: ['caravan_standard', 'express_integrator'], freeShipping: { kind: 'none' } },
        ],
      });
      templates++;
    }
    step(`freight templates (${templates})`);

    const [totals] = await queryRows<{ products: string; skus: string }>(
      app.platform.db,
      sql`SELECT (SELECT count(*) FROM products WHERE deleted_at IS NULL) AS products, (SELECT count(*) FROM skus WHERE deleted_at IS NULL) AS skus`,
    );
    if (probeProducts === 0) throw new Error('no product could be listed');
    const searchIndexed = await readyForRuns(app, url, step);
    return {
      codeHash: options.codeHash,
      schema: options.schema,
      upgradedWith: [],
      sellers: seeded.length,
      products: Number(totals!.products),
      skus: Number(totals!.skus),
      categories: sellable.size,
      freightTemplates: templates,
      rowsRefused: refused,
      searchIndexed,
      seconds: Math.round((performance.now() - started) / 1000),
      steps,
    };
  } catch (error) {
    await app.close().catch(() => {});
    throw error;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

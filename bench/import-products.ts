/**
 * Speed of product files: importing a 10,000-row Excel file (2,000 products × 5 SKUs across seven
 * categories, titles in 3–8 languages, a few percent of bad rows) through the imports service —
 * the code the background job and `caravan import products` run — importing it again (nothing may
 * change), and exporting the catalogue. Runs the real app on a fresh database — embedded PGlite,
 * or PostgreSQL when DATABASE_URL is set — and writes a table to bench/results/.
 *
 *   npx tsx bench/import-products.ts
 *   DATABASE_URL=postgres://… npx tsx bench/import-products.ts
 *
 * Knobs: BENCH_PRODUCTS (2000), BENCH_PROFILE=0 to leave the services unwrapped.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import ExcelJS from 'exceljs';
import pg from 'pg';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/platform/config/index.ts';
import { PACKAGE_ROOT } from '../src/platform/paths.ts';
import { jpegFile, pdfFile, pngFile } from '../src/seed/sample-files.ts';
import type { Caller, SellerPrincipal } from '../src/modules/identity/index.ts';
import type { ImportCounts, ProductImport } from '../src/modules/catalog/index.ts';
import { productFromRows, type SheetRow } from '../src/modules/catalog/bulk.ts';
import { readSheet } from '../src/modules/catalog/sheets.ts';
import type { CATALOG_LANGUAGES } from '../src/modules/catalog/taxonomy.ts';
import { residentIdCheckCharacter, usccCheckCharacter } from '../src/modules/sellers/index.ts';

const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 2000);
const SKUS_PER_PRODUCT = 5;
const PROFILE = process.env.BENCH_PROFILE !== '0';

// ─── The file ────────────────────────────────────────────────────────────────────────────────

interface Family {
  category: string;
  attributes: Record<string, string>;
  /** Five SKU variants, each distinct, as the category's SKU attributes require. */
  variants: Record<string, string>[];
  markets: string;
  currency: string;
  prices: string[];
  titles: Partial<Record<(typeof CATALOG_LANGUAGES)[number], string>>;
}

const FIVE_COLOURS = ['black', 'white', 'grey', 'red', 'pink'];
const FAMILIES: Family[] = [
  {
    category: 'lighting.bulbs.led_bulbs',
    attributes: { wattage_w: '9', luminous_flux_lm: '806', dimmable: 'no' },
    variants: ['warm_white', 'neutral_white', 'cool_white', 'tunable_white', 'rgb'].map((c) => ({ light_colour: c, lamp_base: 'e27' })),
    markets: 'ES FR DE IT GB',
    currency: 'CNY',
    prices: ['12.90', '12.90', '13.50', '19.90', '24.00'],
    titles: { zh: 'LED 灯泡 9W E27', en: 'LED bulb 9 W E27', es: 'Bombilla LED 9 W E27', fr: 'Ampoule LED 9 W E27', ru: 'Светодиодная лампа 9 Вт E27', pt: 'Lâmpada LED 9 W E27', ar: 'مصباح LED بقوة 9 واط', ko: 'LED 전구 9W E27' },
  },
  {
    category: 'apparel.mens.tshirts',
    attributes: { fibre_composition: '100% cotton' },
    variants: ['s', 'm', 'l', 'xl', 'xxl'].map((size) => ({ size, colour: 'black' })),
    markets: 'US GB',
    currency: 'USD',
    prices: ['9.99', '9.99', '9.99', '10.99', '11.99'],
    titles: { en: 'Men’s cotton T-shirt', zh: '男士纯棉T恤', es: 'Camiseta de algodón para hombre', fr: 'T-shirt homme en coton', ru: 'Мужская хлопковая футболка', pt: 'Camiseta masculina de algodão', ar: 'قميص قطني للرجال', ko: '남성 면 티셔츠' },
  },
  {
    category: 'home_garden.textiles.towels',
    attributes: { material: 'cotton' },
    variants: FIVE_COLOURS.map((colour) => ({ colour })),
    markets: 'SA',
    currency: 'KWD',
    prices: ['3.250', '3.250', '3.500', '4.125', '4.125'],
    titles: { en: 'Cotton bath towel', ar: 'منشفة حمام قطنية', zh: '纯棉浴巾', fr: 'Serviette de bain en coton', es: 'Toalla de baño de algodón', ru: 'Хлопковое банное полотенце', pt: 'Toalha de banho de algodão', ko: '면 목욕 타월' },
  },
  {
    category: 'phones.cases_covers.back_cases',
    attributes: { compatible_brand: 'apple', material: 'tpu' },
    variants: FIVE_COLOURS.map((colour, i) => ({ colour, compatible_model: `iPhone ${13 + (i % 3)}` })),
    markets: 'US KR',
    currency: 'USD',
    prices: ['4.99', '4.99', '5.49', '5.49', '5.99'],
    titles: { en: 'Clear TPU phone case', zh: '透明TPU手机壳', ko: '투명 TPU 휴대폰 케이스', es: 'Funda de TPU transparente', fr: 'Coque en TPU transparente', ru: 'Прозрачный чехол из ТПУ', pt: 'Capa de TPU transparente', ar: 'جراب هاتف شفاف' },
  },
  {
    category: 'sports.fitness.dumbbells',
    attributes: {},
    variants: ['2', '4', '6', '8', '10'].map((weight_kg) => ({ weight_kg })),
    markets: 'US',
    currency: 'USD',
    prices: ['12.00', '18.00', '24.00', '30.00', '36.00'],
    titles: { en: 'Neoprene dumbbell', zh: '氯丁橡胶哑铃', es: 'Mancuerna de neopreno', fr: 'Haltère en néoprène', ru: 'Неопреновая гантель', pt: 'Haltere de neoprene', ar: 'دمبل نيوبرين', ko: '네오프렌 덤벨' },
  },
  {
    category: 'jewellery.fashion.rings',
    attributes: { base_material: 'stainless_steel', gemstone: 'cubic_zirconia' },
    variants: ['us_5', 'us_6', 'us_7', 'us_8', 'us_9'].map((ring_size) => ({ ring_size, metal_colour: 'silver_tone' })),
    markets: 'US KR BR',
    currency: 'KRW',
    prices: ['15000', '15000', '15000', '16500', '16500'],
    titles: { ko: '스테인리스 반지', en: 'Stainless steel ring', zh: '不锈钢戒指', pt: 'Anel de aço inoxidável', es: 'Anillo de acero inoxidable', fr: 'Bague en acier inoxydable', ru: 'Кольцо из нержавеющей стали', ar: 'خاتم من الفولاذ المقاوم للصدأ' },
  },
  {
    category: 'pet_supplies.walking.collars',
    attributes: { pet_type: 'dog' },
    variants: ['xs', 's', 'm', 'l', 'xl'].map((pet_size) => ({ pet_size, colour: 'red' })),
    markets: 'ES FR US',
    currency: 'EUR',
    prices: ['6.50', '6.50', '7.00', '7.50', '8.00'],
    titles: { en: 'Nylon dog collar', es: 'Collar de nailon para perro', fr: 'Collier en nylon pour chien', zh: '尼龙狗项圈', ru: 'Нейлоновый ошейник', pt: 'Coleira de náilon', ar: 'طوق نايلون للكلاب', ko: '나일론 강아지 목걸이' },
  },
];

const GPSR = {
  manufacturer_name: 'Shenzhen Caravan Goods Co., Ltd.',
  manufacturer_address: '88 Keji Road, Nanshan, Shenzhen, China',
  manufacturer_email: 'safety@caravan-goods.example',
  manufacturer_country: 'CN',
  eu_rp_name: 'Caravan Goods Europe B.V.',
  eu_rp_address: 'Keizersgracht 1, 1015 Amsterdam, Netherlands',
  eu_rp_email: 'eu-rp@caravan-goods.example',
  eu_rp_country: 'NL',
};

/** Kinds of bad products, one in BAD_EVERY: each refused for one reason in one row. */
const BAD_EVERY = 40;
const BAD_KINDS = ['price', 'category', 'variant', 'title'] as const;

function generateRows(): { columns: string[]; rows: Record<string, string | number>[]; badProducts: number } {
  const rows: Record<string, string | number>[] = [];
  let badProducts = 0;
  for (let p = 0; p < PRODUCTS; p++) {
    const family = FAMILIES[p % FAMILIES.length]!;
    const ref = `P${String(p).padStart(5, '0')}`;
    const languageCount = 3 + (p % 6);
    const languages = Object.keys(family.titles).slice(0, languageCount) as (keyof Family['titles'])[];
    const bad = p % BAD_EVERY === BAD_EVERY - 1 ? BAD_KINDS[(p / BAD_EVERY) % BAD_KINDS.length | 0]! : null;
    if (bad) badProducts++;
    const product: Record<string, string | number> = {
      product_ref: ref,
      category: bad === 'category' ? `${family.category}_discontinued` : family.category,
      main_language: languages[0]!,
      brand: 'Caravan Goods',
      model: `CG-${p}`,
      markets: family.markets,
      publish: p % 5 === 4 ? 'no' : 'yes',
      image_1: `https://images.example.com/${ref}-1.jpg`,
      image_2: `https://images.example.com/${ref}-2.jpg`,
      description_en: `${family.titles.en} — model CG-${p}. Sturdy, well made and tested before it ships. ${'Details follow. '.repeat(6)}`,
      ...GPSR,
      warning_en: 'Keep away from children under 3 years.',
      warning_es: 'Mantener fuera del alcance de niños menores de 3 años.',
      warning_fr: 'Tenir hors de portée des enfants de moins de 3 ans.',
    };
    for (const lang of languages) product[`title_${lang}`] = `${family.titles[lang]} ${ref}`;
    if (bad === 'title') product[`title_${languages[0]}`] = '';
    for (const [code, value] of Object.entries(family.attributes)) product[`attr:${code}`] = value;
    family.variants.forEach((variant, s) => {
      const cells: Record<string, string | number> = {
        ...product,
        seller_sku: `${ref}-${s + 1}`,
        // Excel keeps what a seller types as a number a number.
        price: bad === 'price' && s === 2 ? 'TBD' : Number(family.prices[s]),
        currency: family.currency,
        weight_g: 100 + s * 10,
        length_mm: 200,
        width_mm: 150,
        height_mm: 50,
        stock: (p * 7 + s * 13) % 500,
      };
      if (family.currency === 'CNY' || family.currency === 'EUR') cells['price:ES'] = `${(2.49 + s).toFixed(2)} EUR`;
      for (const [code, value] of Object.entries(variant)) cells[`variant:${code}`] = bad === 'variant' && s === 4 ? 'chartreuse' : value;
      rows.push(cells);
    });
  }
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return { columns, rows, badProducts };
}

async function xlsxOf(columns: readonly string[], rows: readonly Record<string, string | number>[]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('products');
  sheet.addRow([...columns]);
  for (const row of rows) sheet.addRow(columns.map((c) => row[c] ?? ''));
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

// ─── Where the time goes ─────────────────────────────────────────────────────────────────────

const spent = new Map<string, { ms: number; calls: number }>();

/** Replaces a method with one that adds up its wall time; nested wrapped calls count in both. */
function timed(name: string, target: Record<string, unknown>, method: string): void {
  const original = target[method] as (...args: unknown[]) => Promise<unknown>;
  target[method] = async (...args: unknown[]) => {
    const start = performance.now();
    if (process.env.BENCH_TRACE) console.log('>', name, Array.isArray(args[1]) ? (args[1] as unknown[]).length : Array.isArray(args[2]) ? (args[2] as unknown[]).length : '');
    try {
      return await original.apply(target, args);
    } finally {
      const entry = spent.get(name) ?? { ms: 0, calls: 0 };
      entry.ms += performance.now() - start;
      entry.calls++;
      spent.set(name, entry);
    }
  };
}

// ─── The run ─────────────────────────────────────────────────────────────────────────────────

async function main() {
  if (process.env.BENCH_SQLTRACE) {
    const { PGlite } = await import('@electric-sql/pglite');
    const proto = PGlite.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
    const create = PGlite.create.bind(PGlite);
    (PGlite as unknown as { create: (o: object) => unknown }).create = (o: object) => create({ ...o, debug: 1 } as never);
    const original = proto.execProtocolRaw!;
    proto.execProtocolRaw = function (this: unknown, message: unknown, ...rest: unknown[]) {
      const bytes = message as Uint8Array;
      console.log('SQL', bytes.length, Buffer.from(bytes.subarray(0, 160)).toString('latin1').replace(/[^\x20-\x7e]/g, '.'));
      return original.call(this, message, ...rest);
    };
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'caravan-bench-'));
  let databaseUrl: string | undefined;
  let dropDatabase = async () => {};
  if (process.env.DATABASE_URL) {
    const name = `caravan_bench_${Date.now()}`;
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    dropDatabase = async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    };
  }
  const config = loadConfig({ NODE_ENV: 'test', CARAVAN_DATA_DIR: dataDir, LOG_LEVEL: 'silent', CARAVAN_WORKERS: 'false', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) });
  const memory = process.env.BENCH_MEMORY ? await (await import('../src/platform/db/index.ts')).openDatabase({}) : undefined;
  if (memory) await (await import('../src/platform/db/migrate.ts')).migrate(memory, (await import('../src/platform/paths.ts')).MIGRATIONS_DIR);
  const app = await createApp(config, memory ? { database: memory } : {});
  const { identity, sellers, catalog, compliance, inventory } = app.modules;

  console.log('opening a store…');
  const operator = await identity.service.createOperator(null, { email: 'bench-admin@ops.example', password: 'bench password 1', displayName: 'Bench', roles: ['admin'], dataTier: 'full' });
  const admin: Caller = { principal: { kind: 'operator', accountId: operator.account.id, sessionId: 'bench', roles: ['admin'], dataTier: 'full' } };
  await sellers.service.createFeePolicy(admin, { effectiveFrom: '2026-01-01', effectiveTo: null, entryFee: { amount: 0, currency: 'CNY' }, note: 'bench' });
  const signUp = await sellers.service.signUp({ email: 'bench-importer@sellers.example', password: 'bench password 1', displayName: 'Importer', sellerName: 'Bench Importer' }, {});
  const principal: SellerPrincipal = { kind: 'seller', accountId: signUp.account.id, sessionId: 'bench', sellerId: signUp.seller.id, role: 'owner', permissions: [] };
  const owner: Caller = { principal };
  const uscc17 = '91440300MA5FBENCH';
  const id17 = '44030819900101123';
  const form = {
    entity: { name: '深圳市基准贸易有限公司', uscc: `${uscc17}${usccCheckCharacter(uscc17)}`, registered_address: '深圳市南山区', business_scope: '货物进出口', licence_valid_until: null },
    representative: { name: '王芳', id_number: `${id17}${residentIdCheckCharacter(id17)}`, mobile: '+8613800138000' },
    bank_account: { holder_name: '深圳市基准贸易有限公司', bank_name: '招商银行', account_number: '755912345610801' },
    payment_account: { account_id: 'bench-importer', bound_mobile: '+8613800138000' },
    store: { name: 'Bench Import Store', type: 'standard' as const },
  };
  const draft = await sellers.service.createApplication(owner, { kind: 'enterprise', form });
  for (const [kind, file] of [['business_licence', pdfFile], ['id_card_front', pngFile], ['id_card_back', jpegFile]] as const) {
    await sellers.service.uploadDocument(owner, draft.application.id, { kind, filename: `${kind}.bin`, content: file() });
  }
  await sellers.service.submitApplication(owner, draft.application.id);
  await sellers.service.startReview(admin, draft.application.id, 'Bench review');
  await sellers.service.approve(admin, draft.application.id, { reason: 'Bench approval' });
  if (!(await sellers.service.openStore(app.platform.db, principal.sellerId))) throw new Error('the bench seller’s store did not open');

  console.log(`generating ${PRODUCTS} products × ${SKUS_PER_PRODUCT} SKUs…`);
  const { columns, rows, badProducts } = generateRows();
  let started = performance.now();
  const file = await xlsxOf(columns, rows);
  const generateSeconds = (performance.now() - started) / 1000;
  console.log(`  ${rows.length} rows, ${columns.length} columns, ${(file.length / 1024 / 1024).toFixed(1)} MiB, ${badProducts} bad products, written in ${generateSeconds.toFixed(1)} s`);

  // Reading and parsing alone, no database: the floor under any import of this file.
  started = performance.now();
  const { categories } = await catalog.categories.resolved(app.platform.db);
  let group: SheetRow[] = [];
  let parsedProducts = 0;
  for await (const item of readSheet(file, 'xlsx')) {
    if ('header' in item) continue;
    if (group.length > 0 && group[0]!.cells.product_ref !== item.cells.product_ref) {
      if ('product' in productFromRows(group, (code) => categories.get(code))) parsedProducts++;
      group = [];
    }
    group.push(item);
  }
  if ('product' in productFromRows(group, (code) => categories.get(code))) parsedProducts++;
  const parseSeconds = (performance.now() - started) / 1000;
  console.log(`  read and parsed in ${parseSeconds.toFixed(1)} s (${parsedProducts} products parse)`);

  if (PROFILE) {
    const internals = catalog.service.internals as unknown as Record<string, unknown>;
    timed('catalog.judge (listings, audit, events)', internals, 'judge');
    timed('catalog.writeSkus (SKUs and stock)', internals, 'writeSkus');
    timed('catalog.skuOwners', internals, 'skuOwners');
    timed('categories.resolved', catalog.categories as unknown as Record<string, unknown>, 'resolved');
    timed('admission.evaluate', compliance.admission as unknown as Record<string, unknown>, 'evaluate');
    timed('inventory.apply', inventory.service as unknown as Record<string, unknown>, 'apply');
    timed('audit.recordMany', app.platform.audit as unknown as Record<string, unknown>, 'recordMany');
    timed('events.publishMany', app.platform.events as unknown as Record<string, unknown>, 'publishMany');
  }

  const runImport = async (label: string): Promise<{ seconds: number; done: ProductImport; profile: Map<string, { ms: number; calls: number }> }> => {
    spent.clear();
    const begin = performance.now();
    const queued = await catalog.imports.start(owner, { fileName: 'bench-products.xlsx', content: file });
    let last = 0;
    const done = await catalog.imports.run(queued.id, principal, (counts: ImportCounts) => {
      if (counts.rows - last >= 2000) {
        last = counts.rows;
        console.log(`  ${label}: ${counts.rows} rows after ${((performance.now() - begin) / 1000).toFixed(1)} s`);
      }
    });
    const seconds = (performance.now() - begin) / 1000;
    console.log(`${label}: ${done.status} in ${seconds.toFixed(1)} s — ${JSON.stringify(done.counts)}`);
    return { seconds, done, profile: new Map(spent) };
  };

  console.log('importing…');
  const first = await runImport('import');
  console.log('importing the same file again…');
  const second = await runImport('re-import');

  spent.clear();
  started = performance.now();
  const exported = await catalog.imports.export(owner, 'xlsx');
  const exportSeconds = (performance.now() - started) / 1000;
  console.log(`export: ${(exported.content.length / 1024 / 1024).toFixed(1)} MiB in ${exportSeconds.toFixed(1)} s`);
  started = performance.now();
  const exportedCsv = await catalog.imports.export(owner, 'csv');
  const exportCsvSeconds = (performance.now() - started) / 1000;

  const exportedRows = first.done.counts.rowsImported;
  const line = (name: string, rowCount: number, seconds: number, note: string) => `| ${name} | ${rowCount.toLocaleString('en')} | ${seconds.toFixed(1)} | ${Math.round(rowCount / seconds).toLocaleString('en')} | ${note} |`;
  const counts = (c: ImportCounts) => `${c.productsCreated} created, ${c.productsUpdated} updated, ${c.productsUnchanged} unchanged; ${c.rowsFailed} rows refused`;
  const table = [
    '| step | rows | seconds | rows/s | result |',
    '|---|---:|---:|---:|---|',
    line('read and parse the .xlsx only (no database)', rows.length, parseSeconds, `${parsedProducts} of ${PRODUCTS} products parse`),
    line('(a) import', first.done.counts.rows, first.seconds, `${first.done.status}: ${counts(first.done.counts)}`),
    line('(b) import the same file again', second.done.counts.rows, second.seconds, `${second.done.status}: ${counts(second.done.counts)}`),
    line('(c) export to .xlsx', exportedRows, exportSeconds, `${(exported.content.length / 1024 / 1024).toFixed(1)} MiB`),
    line('export to .csv', exportedRows, exportCsvSeconds, `${(exportedCsv.content.length / 1024 / 1024).toFixed(1)} MiB`),
  ];
  const profileTable = (profile: Map<string, { ms: number; calls: number }>, total: number) => [
    '| inside the run | calls | seconds | share |',
    '|---|---:|---:|---:|',
    ...[...profile.entries()].sort((a, b) => b[1].ms - a[1].ms).map(([name, { ms, calls }]) => `| ${name} | ${calls} | ${(ms / 1000).toFixed(2)} | ${Math.round((ms / 1000 / total) * 100)} % |`),
  ];

  const database = databaseUrl ? 'PostgreSQL' : 'PGlite (embedded)';
  const command = `${databaseUrl ? 'DATABASE_URL=… ' : ''}npx tsx bench/import-products.ts`;
  const report = [
    `# Product import benchmark — ${database}`,
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} with \`${command}\` on ${cpus().length} CPU cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node.js ${process.version}, one process. ` +
      `The file: ${rows.length.toLocaleString('en')} rows (${PRODUCTS.toLocaleString('en')} products × ${SKUS_PER_PRODUCT} SKUs in ${FAMILIES.length} categories, titles in 3–8 languages, ` +
      `${badProducts} products with one bad row each), ${columns.length} columns, ${(file.length / 1024 / 1024).toFixed(1)} MiB of .xlsx. ` +
      'Imports run through the imports service (the code the background job and `caravan import products` run), on a fresh database.',
    '',
    ...table,
    '',
    ...(PROFILE
      ? [
          `Where the first import’s ${first.seconds.toFixed(1)} s go (wall time of wrapped service calls; judge includes admission, audit and events):`,
          '',
          ...profileTable(first.profile, first.seconds),
          '',
          `And the second’s ${second.seconds.toFixed(1)} s:`,
          '',
          ...profileTable(second.profile, second.seconds),
          '',
        ]
      : []),
  ].join('\n');
  const out = path.join(PACKAGE_ROOT, 'bench', 'results', `import-products-${databaseUrl ? 'postgres' : 'pglite'}.md`);
  writeFileSync(out, report);
  console.log(`\n${report}\nwritten to ${path.relative(PACKAGE_ROOT, out)}`);

  await app.close();
  await dropDatabase();
  rmSync(dataDir, { recursive: true, force: true });
}

await main();

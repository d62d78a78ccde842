import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../../platform/db/index.ts';
import type { SellerPrincipal } from '../identity/index.ts';
import { useTestApp } from '../../../test/support/app.ts';
import { sellerWithOpenStore, signUpSeller, type SellerActor } from '../../../test/support/actors.ts';
import { ledBulb } from '../../../test/support/fixtures.ts';
import { apiClient } from '../../../test/support/http.ts';

/**
 * Product files through the API: uploaded, imported by the background job, refused row by row,
 * imported again without changing anything, exported and read back.
 */

type Cells = Record<string, string | number>;

const COLUMNS = [
  'product_ref',
  'category',
  'main_language',
  'title_zh',
  'title_en',
  'title_es',
  'title_fr',
  'title_ar',
  'title_ko',
  'description_en',
  'brand',
  'model',
  'hs_code',
  'markets',
  'publish',
  'image_1',
  'manufacturer_name',
  'manufacturer_address',
  'manufacturer_email',
  'manufacturer_country',
  'eu_rp_name',
  'eu_rp_address',
  'eu_rp_email',
  'eu_rp_country',
  'warning_en',
  'warning_es',
  'warning_fr',
  'attr:wattage_w',
  'attr:dimmable',
  'seller_sku',
  'price',
  'currency',
  'weight_g',
  'barcode',
  'stock',
  'variant:light_colour',
  'variant:lamp_base',
  'variant:colour',
  'price:ES',
];

const gpsr = {
  manufacturer_name: 'Foshan Lumen Lighting Co., Ltd.',
  manufacturer_address: '8 Lighting Road, Foshan, Guangdong, China',
  manufacturer_email: 'safety@lumen.example',
  manufacturer_country: 'CN',
  eu_rp_name: 'Lumen Europe B.V.',
  eu_rp_address: 'Keizersgracht 1, 1015 Amsterdam, Netherlands',
  eu_rp_email: 'eu-rp@lumen.example',
  eu_rp_country: 'NL',
};

/** An LED bulb complete in every respect but its CE certificate. */
const bulb = (ref: string): Cells => ({
  product_ref: ref,
  category: 'lighting.bulbs.led_bulbs',
  main_language: 'zh',
  title_zh: 'LED 灯泡 9W E27 暖白光',
  title_en: 'LED bulb 9 W E27 warm white',
  title_es: 'Bombilla LED 9 W E27',
  title_fr: 'Ampoule LED 9 W E27',
  description_en: 'Energy-saving LED bulb, 806 lumen.',
  brand: 'Lumen Home',
  model: 'LH-A60-9W',
  hs_code: '853952',
  markets: 'ES FR',
  publish: 'yes',
  image_1: 'https://images.example.com/led-1.jpg',
  ...gpsr,
  warning_en: 'Switch off the mains before fitting.',
  warning_es: 'Desconecte la red antes de instalar.',
  warning_fr: 'Coupez le courant avant l’installation.',
  'attr:wattage_w': '9',
  'attr:dimmable': 'no',
});

const vase = (ref: string): Cells => ({
  product_ref: ref,
  category: 'home_garden.decor.vases',
  main_language: 'en',
  title_en: 'Ceramic vase, 30 cm',
  title_ar: 'مزهرية خزفية ٣٠ سم',
  title_ko: '세라믹 꽃병 30cm',
  brand: 'Clay & Co',
  model: 'CV-30',
  markets: 'US',
  publish: 'yes',
  image_1: 'https://images.example.com/vase.jpg',
});

const towel = (ref: string): Cells => ({ product_ref: ref, category: 'home_garden.textiles.towels', main_language: 'en', title_en: 'Cotton bath towel', markets: 'SA', publish: 'no' });

const sku = (code: string, price: string | number, currency: string, extra: Cells = {}): Cells => ({ seller_sku: code, price, currency, ...extra });

/**
 * Three good products (a published LED bulb, a published vase, a draft towel priced in KWD) among
 * bad ones, each refused for one reason. Rows are numbered as a spreadsheet shows them.
 */
function mixedRows(tag: string): Cells[] {
  return [
    /* 2 */ { ...bulb(`A-${tag}`), ...sku(`A-${tag}-WW`, '12.90', 'CNY', { weight_g: 60, barcode: '6901234567892', stock: 500, 'variant:light_colour': 'warm_white', 'variant:lamp_base': 'e27', 'price:ES': '2.49 EUR' }) },
    /* 3 */ { product_ref: `A-${tag}`, ...sku(`A-${tag}-CW`, '12.9', 'CNY', { stock: 300, 'variant:light_colour': 'cool_white', 'variant:lamp_base': 'e14' }) },
    /* 4 */ { ...vase(`B-${tag}`), ...sku(`B-${tag}-1`, '24.99', 'USD', { stock: 12 }) },
    /* 5 */ { ...towel(`C-${tag}`), ...sku(`C-${tag}-W`, '3.250', 'KWD', { stock: 40, 'variant:colour': 'white' }) },
    /* 6 */ { product_ref: `C-${tag}`, ...sku(`C-${tag}-G`, '4.5', 'KWD', { stock: 0, 'variant:colour': 'grey' }) },
    /* 7 */ { ...vase(`D-${tag}`), category: 'home_garden.decor.crystal_balls', ...sku(`D-${tag}-1`, '5', 'USD') },
    /* 8 */ { ...bulb(`E-${tag}`), ...sku(`E-${tag}-1`, '12.90', 'CNY', { 'variant:light_colour': 'warm_white', 'variant:lamp_base': 'e27' }) },
    /* 9 */ { product_ref: `E-${tag}`, ...sku(`E-${tag}-2`, '12.999', 'CNY', { 'variant:light_colour': 'cool_white', 'variant:lamp_base': 'e27' }) },
    /* 10 */ { ...vase(`F-${tag}`), ...sku(`F-${tag}-1`, '5.00', 'XYZ') },
    /* 11 */ { ...vase(`G-${tag}`), title_en: '', title_zh: '陶瓷花瓶', ...sku(`G-${tag}-1`, '5.00', 'USD') },
    /* 12 */ { ...vase(`H-${tag}`), ...sku(`A-${tag}-WW`, '5.00', 'USD') },
    /* 13 */ { ...vase(''), ...sku(`N-${tag}-1`, '5.00', 'USD') },
    /* 14 */ { ...bulb(`I-${tag}`), ...sku(`I-${tag}-1`, '12.90', 'CNY', { 'variant:light_colour': 'warm_white', 'variant:lamp_base': 'e27' }) },
    /* 15 */ { product_ref: `I-${tag}`, ...sku(`I-${tag}-2`, '12.90', 'CNY', { 'variant:light_colour': 'warm_white', 'variant:lamp_base': 'e99' }) },
  ];
}

const MIXED_ERRORS = [
  [7, 'category', 'unknown_category'],
  [9, 'price', 'invalid_price'],
  [10, 'currency', 'unknown_currency'],
  [11, 'title_en', 'required'],
  [12, 'seller_sku', 'duplicate_seller_sku'],
  [13, 'product_ref', 'required'],
  [15, 'variant:lamp_base', 'invalid_attribute_value'],
];
const MIXED_COUNTS = { rows: 14, rows_imported: 5, rows_failed: 9 };

const text = (value: string | number | undefined) => (value === undefined ? '' : String(value));

function csvFile(rows: readonly Cells[], columns: readonly string[] = COLUMNS): Buffer {
  return Buffer.from(stringify([columns, ...rows.map((row) => columns.map((c) => text(row[c])))]), 'utf8');
}

/** Numbers stay numbers in the sheet, as a seller typing into Excel leaves them. */
async function xlsxFile(rows: readonly Cells[], columns: readonly string[] = COLUMNS): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('products');
  sheet.addRow([...columns]);
  for (const row of rows) sheet.addRow(columns.map((c) => (typeof row[c] === 'number' ? row[c] : text(row[c]))));
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** Prices and quantities typed as numbers, for the spreadsheet variant of a file. */
const numeric = (rows: readonly Cells[]): Cells[] =>
  rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, ['price', 'stock', 'weight_g', 'attr:wattage_w'].includes(k) && /^\d+(\.\d+)?$/.test(String(v)) ? Number(v) : v])));

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

describe('product imports', () => {
  const app = useTestApp({ now: '2026-03-02T02:00:00Z' });
  const api = apiClient(app);
  const db = () => app().platform.db;

  async function upload(seller: SellerActor, file: Buffer, name: string) {
    return api.upload(`/v1/seller/imports`, file, name, name.endsWith('.xlsx') ? XLSX_TYPE : 'text/csv', { token: seller.token });
  }

  /** Uploads a file, lets the job run, and answers the finished import as the seller sees it. */
  async function importFile(seller: SellerActor, file: Buffer, name: string) {
    const started = await upload(seller, file, name);
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.headers.location).toBe(`/v1/seller/imports/${started.body.id}`);
    expect(started.body.status).toBe('queued');
    await app().settle();
    const done = await api.get(`/v1/seller/imports/${started.body.id}`, { token: seller.token });
    expect(done.status).toBe(200);
    return done.body;
  }

  const errorTriples = (errors: { row: number; column: string; code: string }[]) => errors.map((e) => [e.row, e.column, e.code]).sort((a, b) => Number(a[0]) - Number(b[0]));

  async function productsOf(seller: SellerActor): Promise<any[]> {
    const page = await api.get('/v1/seller/products?limit=100', { token: seller.token });
    expect(page.status).toBe(200);
    return page.body.data;
  }

  /** Everything an import may write for a seller, summed up so that any write shows. */
  async function footprint(sellerId: string) {
    const one = async (query: ReturnType<typeof sql>) => (await queryRows<Record<string, unknown>>(db(), query))[0];
    return {
      products: await one(sql`SELECT count(*)::int AS n, max(id) AS max_id, sum(version)::int AS versions, max(updated_at)::text AS updated FROM products WHERE seller_id = ${sellerId}`),
      skus: await one(sql`SELECT count(*)::int AS n, max(id) AS max_id, count(deleted_at)::int AS deleted FROM skus WHERE seller_id = ${sellerId}`),
      stock: await one(sql`SELECT count(*)::int AS n, sum(on_hand)::int AS on_hand, max(updated_at)::text AS updated FROM stock_levels WHERE seller_id = ${sellerId}`),
      movements: await one(sql`SELECT count(*)::int AS n, max(id) AS max_id FROM stock_movements WHERE seller_id = ${sellerId}`),
      listings: await one(sql`SELECT count(*)::int AS n, max(updated_at)::text AS updated, max(evaluated_at)::text AS evaluated FROM listings WHERE seller_id = ${sellerId}`),
      listingAudit: await one(sql`SELECT count(*)::int AS n, max(id) AS max_id FROM audit_log WHERE seller_id = ${sellerId} AND subject_type = 'listing'`),
      otherAudit: await one(sql`SELECT count(*)::int AS n, max(id) AS max_id FROM audit_log WHERE seller_id = ${sellerId} AND subject_type NOT IN ('listing', 'product_import')`),
    };
  }

  const principalOf = (seller: SellerActor): SellerPrincipal => ({ kind: 'seller', accountId: seller.accountId, sessionId: 'test', sellerId: seller.sellerId, role: 'owner', permissions: [] });
  const tick = () => app().clock.advance({ minutes: 1 });

  it('serves the template', async () => {
    const seller = await sellerWithOpenStore(app(), api);
    const template = await api.get('/v1/seller/imports/template', { token: seller.token });
    expect(template.status).toBe(200);
    expect(template.body.required).toEqual(['product_ref', 'category', 'main_language', 'markets', 'seller_sku', 'price', 'currency']);
    expect(template.body.product_columns).toEqual(expect.arrayContaining(['title_en', 'title_ko', 'description_ar', 'warning_es', 'eu_rp_email', 'publish']));
    expect(template.body.prefixes).toEqual({ attribute: 'attr:', variant: 'variant:', countryPrice: 'price:' });
  });

  it('imports the good products of a CSV file, refuses the bad rows by row and column, and changes nothing the second time', async () => {
    const seller = await sellerWithOpenStore(app(), api);
    const file = csvFile(mixedRows('csv'));
    const done = await importFile(seller, file, 'products.csv');
    expect(done).toMatchObject({ status: 'succeeded', file_name: 'products.csv', format: 'csv', failure: null });
    expect(done.started_at).not.toBeNull();
    expect(done.finished_at).not.toBeNull();
    expect(done.counts).toEqual({ ...MIXED_COUNTS, products_created: 3, products_updated: 0, products_unchanged: 0 });
    const triples = errorTriples(done.errors);
    expect(triples.filter(([row]) => row !== 10)).toEqual(MIXED_ERRORS.filter(([row]) => row !== 10));
    expect.soft(triples.find(([row]) => row === 10), 'an unknown currency is fixed in the currency column').toEqual([10, 'currency', 'unknown_currency']);
    for (const error of done.errors) expect(error.message).toEqual(expect.any(String));

    const products = await productsOf(seller);
    expect(products.map((p) => p.seller_ref).sort()).toEqual(['A-csv', 'B-csv', 'C-csv']);
    const byRef = Object.fromEntries(products.map((p) => [p.seller_ref, p]));
    const bulbProduct = byRef['A-csv'];
    expect(bulbProduct).toMatchObject({ status: 'published', category: 'lighting.bulbs.led_bulbs', main_language: 'zh', markets: ['ES', 'FR'], attributes: { wattage_w: 9, dimmable: false }, version: 1 });
    expect(bulbProduct.titles).toEqual({ zh: 'LED 灯泡 9W E27 暖白光', en: 'LED bulb 9 W E27 warm white', es: 'Bombilla LED 9 W E27', fr: 'Ampoule LED 9 W E27' });
    expect(bulbProduct.skus).toEqual([
      expect.objectContaining({ seller_sku: 'A-csv-WW', variant: { light_colour: 'warm_white', lamp_base: 'e27' }, price: { amount: 1290, currency: 'CNY' }, country_prices: { ES: { amount: 249, currency: 'EUR' } }, weight_grams: 60, barcode: '6901234567892', available: 500 }),
      expect.objectContaining({ seller_sku: 'A-csv-CW', variant: { light_colour: 'cool_white', lamp_base: 'e14' }, price: { amount: 1290, currency: 'CNY' }, available: 300 }),
    ]);
    // Published products are judged like any other: an LED lamp without CE is delisted in the EU.
    expect(bulbProduct.listings.map((l: any) => [l.market, l.status])).toEqual([
      ['ES', 'delisted'],
      ['FR', 'delisted'],
    ]);
    expect(bulbProduct.listings[0].findings).toEqual([expect.objectContaining({ rule: 'certification.required', outcome: 'delist', market: 'ES', message: expect.stringContaining('CE') })]);
    expect(byRef['B-csv']).toMatchObject({ status: 'published', titles: { en: 'Ceramic vase, 30 cm', ar: 'مزهرية خزفية ٣٠ سم', ko: '세라믹 꽃병 30cm' }, skus: [expect.objectContaining({ price: { amount: 2499, currency: 'USD' }, available: 12 })] });
    expect(byRef['B-csv'].listings).toEqual([expect.objectContaining({ market: 'US', status: 'active', findings: [] })]);
    expect(byRef['C-csv']).toMatchObject({ status: 'draft', listings: [] });
    expect(byRef['C-csv'].skus.map((s: any) => [s.seller_sku, s.price, s.variant, s.available])).toEqual([
      ['C-csv-W', { amount: 3250, currency: 'KWD' }, { colour: 'white' }, 40],
      ['C-csv-G', { amount: 4500, currency: 'KWD' }, { colour: 'grey' }, 0],
    ]);
    const movements = await api.get(`/v1/seller/inventory/movements?sku_id=${bulbProduct.skus[0].id}`, { token: seller.token });
    expect(movements.body.data).toEqual([expect.objectContaining({ delta: 500, on_hand_after: 500, reason: 'import' })]);
    // The SKU codes of refused products stay free.
    expect((await api.get('/v1/seller/products?seller_sku=I-csv-1', { token: seller.token })).body.data).toEqual([]);

    // The same file again: nothing new, nothing changed, the same refusals.
    tick();
    const before = await footprint(seller.sellerId);
    const again = await importFile(seller, file, 'products.csv');
    expect(again.id).not.toBe(done.id);
    expect(again.status).toBe('succeeded');
    expect(again.counts).toEqual({ ...MIXED_COUNTS, products_created: 0, products_updated: 0, products_unchanged: 3 });
    expect(errorTriples(again.errors)).toEqual(errorTriples(done.errors));
    expect(await footprint(seller.sellerId)).toEqual(before);

    // One price changed: one product updated, the others left alone.
    tick();
    const changed = mixedRows('csv').map((row) => (row.seller_sku === 'B-csv-1' ? { ...row, price: '25.99' } : row));
    const third = await importFile(seller, csvFile(changed), 'products.csv');
    expect(third.counts).toEqual({ ...MIXED_COUNTS, products_created: 0, products_updated: 1, products_unchanged: 2 });
    const after = await footprint(seller.sellerId);
    expect(after.products).toMatchObject({ n: 3, max_id: before.products!.max_id, versions: Number(before.products!.versions) + 1 });
    expect(after.skus).toEqual(before.skus);
    expect(after.movements).toEqual(before.movements);
    const vaseNow = (await productsOf(seller)).find((p) => p.seller_ref === 'B-csv');
    expect(vaseNow).toMatchObject({ version: 2, skus: [expect.objectContaining({ price: { amount: 2599, currency: 'USD' }, available: 12 })] });
    expect(vaseNow.listings).toEqual([expect.objectContaining({ market: 'US', status: 'active' })]);

    // The seller's imports, newest first, without their errors.
    const list = await api.get('/v1/seller/imports', { token: seller.token });
    expect(list.body.data.map((i: any) => i.id)).toEqual([third.id, again.id, done.id]);
    expect(list.body.data.every((i: any) => i.errors.length === 0)).toBe(true);
  });

  it('reads an Excel file with typed cells the same way as the CSV', async () => {
    const seller = await sellerWithOpenStore(app(), api);
    const done = await importFile(seller, await xlsxFile(numeric(mixedRows('xlsx'))), 'products.xlsx');
    expect(done).toMatchObject({ status: 'succeeded', format: 'xlsx', file_name: 'products.xlsx' });
    expect(done.counts).toEqual({ ...MIXED_COUNTS, products_created: 3, products_updated: 0, products_unchanged: 0 });
    const triples = errorTriples(done.errors);
    expect(triples.filter(([row]) => row !== 10)).toEqual(MIXED_ERRORS.filter(([row]) => row !== 10));
    const byRef = Object.fromEntries((await productsOf(seller)).map((p) => [p.seller_ref, p]));
    expect(byRef['A-xlsx'].skus.map((s: any) => [s.price.amount, s.available, s.weight_grams])).toEqual([
      [1290, 500, 60],
      [1290, 300, null],
    ]);
    expect(byRef['C-xlsx'].skus.map((s: any) => s.price)).toEqual([
      { amount: 3250, currency: 'KWD' },
      { amount: 4500, currency: 'KWD' },
    ]);

    // The same products as a CSV file: the format makes no difference.
    tick();
    const before = await footprint(seller.sellerId);
    const again = await importFile(seller, csvFile(mixedRows('xlsx')), 'products.csv');
    expect(again.counts).toEqual({ ...MIXED_COUNTS, products_created: 0, products_updated: 0, products_unchanged: 3 });
    expect(await footprint(seller.sellerId)).toEqual(before);
  });

  it('resumes an interrupted import after its last committed batch, without duplicates', async () => {
    const seller = await sellerWithOpenStore(app(), api);
    // 130 products × 2 SKUs: the first batch of 100 products commits before the interruption.
    const rows: Cells[] = [];
    for (let i = 0; i < 130; i++) {
      const ref = `R-${String(i).padStart(3, '0')}`;
      rows.push(
        { ...towel(ref), markets: 'US', publish: 'yes', ...sku(`${ref}-W`, '9.90', 'USD', { stock: 5, 'variant:colour': 'white' }) },
        { product_ref: ref, ...sku(`${ref}-G`, '14.90', 'USD', { stock: 7, 'variant:colour': 'grey' }) },
      );
    }
    rows[41] = { ...rows[41]!, price: 'n/a' }; // row 43, in the first batch
    rows[241] = { ...rows[241]!, price: 'n/a' }; // row 243, after the interruption
    const started = await upload(seller, csvFile(rows), 'big.csv');
    expect(started.status).toBe(202);
    const { imports } = app().modules.catalog;

    // A worker that dies right after its first commit.
    await expect(
      imports.run(started.body.id, principalOf(seller), () => {
        throw new Error('worker stopped');
      }),
    ).rejects.toThrow('worker stopped');
    const halfway = await api.get(`/v1/seller/imports/${started.body.id}`, { token: seller.token });
    expect(halfway.body.status).toBe('running');
    expect(halfway.body.counts).toEqual({ rows: 202, rows_imported: 200, rows_failed: 2, products_created: 100, products_updated: 0, products_unchanged: 0 });
    const [progress] = await queryRows<{ resume_after_row: number }>(db(), sql`SELECT resume_after_row FROM product_imports WHERE id = ${started.body.id}`);
    expect(progress?.resume_after_row).toBe(203);
    expect((await footprint(seller.sellerId)).products).toMatchObject({ n: 100 });

    // The queued job picks it up where it stopped.
    await app().settle();
    const done = await api.get(`/v1/seller/imports/${started.body.id}`, { token: seller.token });
    expect(done.body.status).toBe('succeeded');
    expect(done.body.counts).toEqual({ rows: 260, rows_imported: 256, rows_failed: 4, products_created: 128, products_updated: 0, products_unchanged: 0 });
    expect(errorTriples(done.body.errors)).toEqual([
      [43, 'price', 'invalid_price'],
      [243, 'price', 'invalid_price'],
    ]);
    const footprintAfter = await footprint(seller.sellerId);
    expect(footprintAfter.products).toMatchObject({ n: 128 });
    expect(footprintAfter.skus).toMatchObject({ n: 256, deleted: 0 });
    expect(footprintAfter.movements).toMatchObject({ n: 256 });
    expect(footprintAfter.stock).toMatchObject({ n: 256, on_hand: 128 * 12 });
    expect(footprintAfter.listings).toMatchObject({ n: 128 });

    // Running it again, as a retried job would, changes nothing.
    await imports.run(started.body.id, principalOf(seller));
    expect(await footprint(seller.sellerId)).toEqual(footprintAfter);
  });

  it('skips the rows before resume_after_row of a queued import', async () => {
    const seller = await sellerWithOpenStore(app(), api);
    const rows = [0, 1, 2].map((i) => ({ ...vase(`Q-${i}`), ...sku(`Q-${i}-1`, '9.90', 'USD', { stock: 1 }) }));
    const started = await upload(seller, csvFile(rows), 'skip.csv');
    await db().execute(sql`UPDATE product_imports SET resume_after_row = 3 WHERE id = ${started.body.id}`);
    const done = await app().modules.catalog.imports.run(started.body.id, principalOf(seller));
    expect(done.status).toBe('succeeded');
    expect(done.counts).toMatchObject({ rows: 1, rowsImported: 1, productsCreated: 1 });
    expect((await productsOf(seller)).map((p) => p.seller_ref)).toEqual(['Q-2']);
    // The queued job finds it finished.
    await app().settle();
    expect((await productsOf(seller)).map((p) => p.seller_ref)).toEqual(['Q-2']);
  });

  it('fails a file whose header does not match the template, saying why', async () => {
    const seller = await sellerWithOpenStore(app(), api);
    const done = await importFile(seller, csvFile(mixedRows('hdr'), [...COLUMNS.filter((c) => c !== 'currency'), 'colour']), 'products.csv');
    expect(done.status).toBe('failed');
    expect(done.failure).toBe('The header row does not match the template: missing column currency; unknown column colour.');
    expect(done.errors).toEqual([
      { row: 1, column: '', code: 'invalid_header', message: 'missing column currency' },
      { row: 1, column: '', code: 'invalid_header', message: 'unknown column colour' },
    ]);
    expect(await productsOf(seller)).toEqual([]);
  });

  it('fails a file that has a header and no rows, saying so', async () => {
    const seller = await sellerWithOpenStore(app(), api);
    for (const [file, name] of [
      [csvFile([]), 'header-only.csv'],
      [await xlsxFile([]), 'header-only.xlsx'],
    ] as const) {
      const done = await importFile(seller, file, name);
      expect(done.status).toBe('failed');
      expect(done.failure).toMatch(/no (product )?rows/i);
    }
  });

  it('fails a file that cannot be read, saying so', async () => {
    const seller = await sellerWithOpenStore(app(), api);
    const unclosedQuote = Buffer.from(`${COLUMNS.join(',')}\n"A-1,lighting.bulbs.led_bulbs,zh\n`);
    const csv = await importFile(seller, unclosedQuote, 'broken.csv');
    expect(csv.status).toBe('failed');
    expect(csv.failure).toMatch(/^The file could not be read/);

    const truncated = (await xlsxFile(mixedRows('zip'))).subarray(0, 400);
    const xlsx = await importFile(seller, truncated, 'broken.xlsx');
    expect(xlsx.format).toBe('xlsx');
    expect(xlsx.status).toBe('failed');
    expect(xlsx.failure).toMatch(/^The file could not be read/);

    const empty = await upload(seller, Buffer.alloc(0), 'empty.csv');
    expect(empty.status).toBe(422);
    expect(empty.body.code).toBe('empty_file');
    expect(await productsOf(seller)).toEqual([]);
  });

  it('lets only a seller with an open store import, and only the importer read the import', async () => {
    const newcomer = await signUpSeller(api);
    const refused = await upload(newcomer, csvFile(mixedRows('closed')), 'products.csv');
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('store_not_open');
    expect((await api.get('/v1/seller/imports', { token: newcomer.token })).body.data).toEqual([]);

    const owner = await sellerWithOpenStore(app(), api);
    const other = await sellerWithOpenStore(app(), api);
    const started = await upload(owner, csvFile(mixedRows('own')), 'products.csv');
    await app().settle();
    const peek = await api.get(`/v1/seller/imports/${started.body.id}`, { token: other.token });
    expect(peek.status).toBe(404);
    expect((await api.get('/v1/seller/imports', { token: other.token })).body.data).toEqual([]);
    expect((await api.get(`/v1/seller/imports/${started.body.id}`)).status).toBe(401);
    const export_ = await api.get('/v1/seller/exports/products?format=csv', { token: other.token });
    expect(parse(export_.body as string)).toHaveLength(1);
  });

  it('exports the catalogue as CSV and Excel in the template, and importing either back changes nothing', async () => {
    const seller = await sellerWithOpenStore(app(), api);
    const first = await importFile(seller, csvFile(mixedRows('exp')), 'products.csv');
    expect(first.counts.products_created).toBe(3);

    const csv = await api.get('/v1/seller/exports/products?format=csv', { token: seller.token });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="products-2026-03-02.csv"');
    const [header, ...rows] = parse(csv.body as string) as string[][];
    expect(header!.slice(0, 3)).toEqual(['product_ref', 'category', 'main_language']);
    expect(header).toEqual(expect.arrayContaining(['attr:wattage_w', 'attr:dimmable', 'variant:light_colour', 'variant:lamp_base', 'variant:colour', 'price:ES']));
    const records = rows.map((r) => Object.fromEntries(header!.map((c, i) => [c, r[i]])));
    expect(records.map((r) => [r.product_ref, r.seller_sku, r.price, r.currency, r.stock, r.publish]).sort()).toEqual([
      ['A-exp', 'A-exp-CW', '12.90', 'CNY', '300', 'yes'],
      ['A-exp', 'A-exp-WW', '12.90', 'CNY', '500', 'yes'],
      ['B-exp', 'B-exp-1', '24.99', 'USD', '12', 'yes'],
      ['C-exp', 'C-exp-G', '4.500', 'KWD', '0', 'no'],
      ['C-exp', 'C-exp-W', '3.250', 'KWD', '40', 'no'],
    ]);
    expect(records.find((r) => r.seller_sku === 'A-exp-WW')).toMatchObject({ 'price:ES': '2.49 EUR', title_zh: 'LED 灯泡 9W E27 暖白光', 'attr:dimmable': 'false', eu_rp_country: 'NL' });

    const xlsx = await app().http.inject({ method: 'GET', url: '/v1/seller/exports/products?format=xlsx', headers: { authorization: `Bearer ${seller.token}` } });
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.headers['content-type']).toBe(XLSX_TYPE);
    expect(xlsx.headers['content-disposition']).toBe('attachment; filename="products-2026-03-02.xlsx"');

    tick();
    const before = await footprint(seller.sellerId);
    for (const [file, name] of [
      [Buffer.from(csv.body as string, 'utf8'), 'export.csv'],
      [xlsx.rawPayload, 'export.xlsx'],
    ] as const) {
      const back = await importFile(seller, file, name);
      expect(back.status).toBe('succeeded');
      expect(back.errors).toEqual([]);
      expect(back.counts).toEqual({ rows: 5, rows_imported: 5, rows_failed: 0, products_created: 0, products_updated: 0, products_unchanged: 3 });
    }
    expect(await footprint(seller.sellerId)).toEqual(before);
  });

  it('reads a spreadsheet whose header has a blank column', async () => {
    const seller = await sellerWithOpenStore(app(), api);
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('products');
    // A seller's own notes column, left without a heading; blank columns are allowed by the template.
    sheet.addRow([...COLUMNS.slice(0, 5), null, ...COLUMNS.slice(5)]);
    const row = { ...vase('GAP-1'), ...sku('GAP-1-1', '5.00', 'USD') };
    sheet.addRow([...COLUMNS.slice(0, 5).map((c) => text(row[c])), 'my note', ...COLUMNS.slice(5).map((c) => text(row[c]))]);
    const done = await importFile(seller, Buffer.from(await workbook.xlsx.writeBuffer()), 'notes.xlsx');
    expect(done.status).toBe('succeeded');
    expect(done.counts).toMatchObject({ rows: 1, rows_imported: 1, products_created: 1 });
  });

  it('numbers CSV rows as a spreadsheet shows them when a cell spans several lines', async () => {
    const seller = await sellerWithOpenStore(app(), api);
    const rows = [
      { ...vase('ML-1'), description_en: 'Hand-glazed.\nDishwasher safe.\nMade in Jingdezhen.', ...sku('ML-1-1', '5.00', 'USD') },
      { ...vase('ML-2'), ...sku('ML-2-1', 'five', 'USD') },
    ];
    const done = await importFile(seller, csvFile(rows), 'multiline.csv');
    expect(done.counts).toMatchObject({ rows: 2, rows_imported: 1, rows_failed: 1 });
    expect(errorTriples(done.errors)).toEqual([[3, 'price', 'invalid_price']]);
  });

  it('skips blank rows of a CSV file as it does in a spreadsheet', async () => {
    const seller = await sellerWithOpenStore(app(), api);
    // Spreadsheet programs save rows that were once used as a line of separators.
    const blank = `${','.repeat(COLUMNS.length - 1)}\n`;
    const file = Buffer.from(`${csvFile([{ ...vase('BL-1'), ...sku('BL-1-1', '5.00', 'USD') }]).toString('utf8')}${blank}${blank}`);
    const done = await importFile(seller, file, 'blank-rows.csv');
    expect(done.errors).toEqual([]);
    expect(done.counts).toEqual({ rows: 1, rows_imported: 1, rows_failed: 0, products_created: 1, products_updated: 0, products_unchanged: 0 });
  });

  it('refuses the rows of a product that come apart from its first ones, and imports the rest', async () => {
    const seller = await sellerWithOpenStore(app(), api);
    // A sheet sorted by another column: every row repeats the product columns, as exports do.
    const rows = [
      { ...towel('SP-1'), ...sku('SP-1-W', '5.00', 'USD', { 'variant:colour': 'white' }) },
      { ...towel('SP-2'), ...sku('SP-2-W', '5.00', 'USD', { 'variant:colour': 'white' }) },
      { ...towel('SP-1'), ...sku('SP-1-G', '6.00', 'USD', { 'variant:colour': 'grey' }) },
    ];
    const done = await importFile(seller, csvFile(rows), 'sorted.csv');
    expect(done.status).toBe('succeeded');
    expect(done.errors).toEqual([expect.objectContaining({ row: 4, column: 'product_ref' })]);
    expect((await productsOf(seller)).map((p) => p.seller_ref)).toContain('SP-2');
  });

  it('holds imported products to the limits the API holds them to', async () => {
    const seller = await sellerWithOpenStore(app(), api);
    const rows = [
      /* 2 */ { ...vase('LIM-1'), ...sku('', '5.00', 'USD') },
      /* 3 */ { ...vase('LIM-2'), ...sku('LIM 2 blue', '5.00', 'USD') },
      /* 4 */ { ...vase('LIM-3'), title_en: 'Vase '.repeat(60), ...sku('LIM-3-1', '5.00', 'USD') },
      /* 5 */ { ...vase('LIM-4'), ...sku('LIM-4-1', '-5.00', 'USD') },
      /* 6 */ { ...vase('LIM-5'), image_1: 'ftp://images.example.com/vase.jpg', ...sku('LIM-5-1', '5.00', 'USD') },
    ];
    const done = await importFile(seller, csvFile(rows), 'limits.csv');
    expect(errorTriples(done.errors).map(([row, column]) => [row, column])).toEqual([
      [2, 'seller_sku'],
      [3, 'seller_sku'],
      [4, 'title_en'],
      [5, 'price'],
      [6, 'image_1'],
    ]);
    expect(await productsOf(seller)).toEqual([]);
  });

  it('reads back unchanged the export of products made through the API, offline ones included', async () => {
    const seller = await sellerWithOpenStore(app(), api);
    const live = await api.post('/v1/seller/products', { ...ledBulb({ seller_ref: 'API-LIVE' }), publish: true }, { token: seller.token });
    const resting = await api.post('/v1/seller/products', { ...ledBulb({ seller_ref: 'API-OFF' }), publish: true }, { token: seller.token });
    expect([live.status, resting.status]).toEqual([201, 201]);
    expect((await api.post(`/v1/seller/products/${resting.body.id}/status`, { status: 'offline' }, { token: seller.token })).body.status).toBe('offline');
    const csv = await api.get('/v1/seller/exports/products?format=csv', { token: seller.token });
    tick();
    const before = await footprint(seller.sellerId);
    const back = await importFile(seller, Buffer.from(csv.body as string, 'utf8'), 'export.csv');
    expect(back.errors).toEqual([]);
    expect.soft(back.counts).toEqual({ rows: 4, rows_imported: 4, rows_failed: 0, products_created: 0, products_updated: 0, products_unchanged: 2 });
    const byRef = Object.fromEntries((await productsOf(seller)).map((p) => [p.seller_ref, p]));
    expect.soft(byRef['API-OFF'].status).toBe('offline');
    expect.soft([byRef['API-LIVE'].version, byRef['API-OFF'].version]).toEqual([1, 2]);
    expect(await footprint(seller.sellerId)).toEqual(before);
  });

  it('exports and re-imports stock without moving other warehouses’ stock into the seller’s own', async () => {
    const seller = await sellerWithOpenStore(app(), api);
    await importFile(seller, csvFile(mixedRows('wh')), 'products.csv');
    const bulbProduct = (await productsOf(seller)).find((p) => p.seller_ref === 'A-wh');
    const moved = await api.post('/v1/seller/products/batch/stock', { items: [{ product_id: bulbProduct.id, skus: [{ seller_sku: 'A-wh-WW', warehouse: 'EU-ES', quantity: 7 }] }] }, { token: seller.token });
    expect(moved.body.results[0].ok).toBe(true);
    const levels = () => queryRows<{ warehouse: string; on_hand: number }>(db(), sql`SELECT l.warehouse, l.on_hand FROM stock_levels l JOIN skus s ON s.id = l.sku_id WHERE s.seller_sku = 'A-wh-WW' ORDER BY l.warehouse`);
    expect(await levels()).toEqual([
      { warehouse: 'EU-ES', on_hand: 7 },
      { warehouse: 'SELLER', on_hand: 500 },
    ]);
    const csv = await api.get('/v1/seller/exports/products?format=csv', { token: seller.token });
    await importFile(seller, Buffer.from(csv.body as string, 'utf8'), 'export.csv');
    expect(await levels()).toEqual([
      { warehouse: 'EU-ES', on_hand: 7 },
      { warehouse: 'SELLER', on_hand: 500 },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import type { FieldError } from '../../platform/errors/index.ts';
import { isCurrency } from '../../platform/money/index.ts';
import { COLUMN_PREFIXES, exportColumns, headerProblems, locate, PRODUCT_COLUMNS, productFromRows, REQUIRED_COLUMNS, rowsFromProduct, SKU_COLUMNS, type ParsedProduct, type RowError, type SheetRow } from './bulk.ts';
import { contentHash, productProblems, type ProductInput } from './rules.ts';
import { DEFAULT_TAXONOMY_FILE, loadTaxonomyFile, resolveCategories } from './taxonomy.ts';

// The shipped tree, so attribute types come from the data sellers are told about.
const categories = resolveCategories(loadTaxonomyFile(DEFAULT_TAXONOMY_FILE));
const categoryOf = (code: string) => categories.get(code);
const TEMPLATE = [...PRODUCT_COLUMNS, ...SKU_COLUMNS] as string[];

const sheetRow = (row: number, cells: Record<string, string>): SheetRow => ({ row, cells });

/** Rows as a file gives them: every row carries every column of the header, blanks included. */
function fileRows(first: number, rows: readonly Record<string, string>[]): SheetRow[] {
  const header = [...new Set([...TEMPLATE, ...rows.flatMap((r) => Object.keys(r))])];
  return rows.map((cells, i) => sheetRow(first + i, Object.fromEntries(header.map((c) => [c, cells[c] ?? '']))));
}

function parsed(rows: readonly SheetRow[]): ParsedProduct {
  const result = productFromRows(rows, categoryOf);
  if ('errors' in result) throw new Error(`expected a product, got ${JSON.stringify(result.errors)}`);
  return result.product;
}

function errorsOf(rows: readonly SheetRow[]): Pick<RowError, 'row' | 'column' | 'code'>[] {
  const result = productFromRows(rows, categoryOf);
  if (!('errors' in result)) throw new Error('expected errors, got a product');
  return result.errors.map(({ row, column, code }) => ({ row, column, code })).sort((a, b) => a.row - b.row || a.column.localeCompare(b.column));
}

const withoutStock = (input: ProductInput): ProductInput => ({ ...input, skus: input.skus.map(({ stock: _stock, ...sku }) => sku) });

const bulb = {
  product_ref: 'LED-A60',
  category: 'lighting.bulbs.led_bulbs',
  main_language: 'zh',
  title_zh: 'LED 灯泡 9W E27',
  title_en: 'LED bulb 9 W E27',
  title_ar: 'مصباح LED بقوة 9 واط',
  title_ko: 'LED 전구 9W',
  description_en: 'Energy-saving LED bulb, 806 lumen.',
  brand: 'Lumen Home',
  model: 'LH-A60-9W',
  hs_code: '853952',
  markets: 'es, fr;gb',
  publish: 'yes',
  image_1: 'https://images.example.com/led-1.jpg',
  image_2: 'https://images.example.com/led-2.jpg',
  manufacturer_name: 'Foshan Lumen Lighting Co., Ltd.',
  manufacturer_address: '8 Lighting Road, Foshan',
  manufacturer_email: 'safety@lumen.example',
  manufacturer_country: 'CN',
  warning_en: 'Switch off the mains before fitting.',
  warning_es: 'Desconecte la red antes de instalar.',
  'attr:wattage_w': '9',
  'attr:dimmable': 'no',
};
const warmSku = {
  seller_sku: 'LED-A60-WW',
  price: '12.90',
  currency: 'CNY',
  weight_g: '60',
  length_mm: '120',
  width_mm: '65',
  height_mm: '65',
  barcode: '6901234567892',
  stock: '500',
  'variant:light_colour': 'warm_white',
  'variant:lamp_base': 'e27',
  'price:ES': '2.49 EUR',
};
const coolSku = { seller_sku: 'LED-A60-CW', price: '12.9', currency: 'cny', stock: '300', 'variant:light_colour': 'cool_white', 'variant:lamp_base': 'e14' };
const bulbRows = () => fileRows(2, [{ ...bulb, ...warmSku }, coolSku]);

describe('headerProblems', () => {
  it('accepts the template, in any order', () => {
    expect(headerProblems(TEMPLATE)).toEqual([]);
    expect(headerProblems([...TEMPLATE].reverse())).toEqual([]);
    expect(headerProblems([...REQUIRED_COLUMNS])).toEqual([]);
  });

  it('names every missing required column', () => {
    const header = TEMPLATE.filter((c) => c !== 'currency' && c !== 'product_ref');
    expect(headerProblems(header)).toEqual(['missing column product_ref', 'missing column currency']);
  });

  it('refuses columns outside the template, and bare prefixes', () => {
    expect(headerProblems([...REQUIRED_COLUMNS, 'colour', 'Price', 'attr:', 'variant:', 'price:'])).toEqual([
      'unknown column colour',
      'unknown column Price',
      'unknown column attr:',
      'unknown column variant:',
      'unknown column price:',
    ]);
  });

  it('refuses a column given twice, prefixed ones included', () => {
    expect(headerProblems([...REQUIRED_COLUMNS, 'price', 'attr:wattage_w', 'attr:wattage_w'])).toEqual(['column price appears twice', 'column attr:wattage_w appears twice']);
  });

  it('accepts the open-ended prefixes with any code, and blank columns', () => {
    expect(COLUMN_PREFIXES).toEqual({ attribute: 'attr:', variant: 'variant:', countryPrice: 'price:' });
    expect(headerProblems([...REQUIRED_COLUMNS, 'attr:wattage_w', 'variant:lamp_base', 'price:ES', 'attr:anything_at_all', '', ''])).toEqual([]);
  });
});

describe('productFromRows', () => {
  it('reads a product from its first row and one SKU from each row', () => {
    const product = parsed(bulbRows());
    expect(product.ref).toBe('LED-A60');
    expect(product.publish).toBe(true);
    expect(product.rows.map((r) => r.row)).toEqual([2, 3]);
    expect(product.input).toEqual({
      seller_ref: 'LED-A60',
      category: 'lighting.bulbs.led_bulbs',
      main_language: 'zh',
      titles: { zh: 'LED 灯泡 9W E27', en: 'LED bulb 9 W E27', ar: 'مصباح LED بقوة 9 واط', ko: 'LED 전구 9W' },
      descriptions: { en: 'Energy-saving LED bulb, 806 lumen.' },
      attributes: { wattage_w: 9, dimmable: false },
      images: ['https://images.example.com/led-1.jpg', 'https://images.example.com/led-2.jpg'],
      video: null,
      brand: 'Lumen Home',
      model: 'LH-A60-9W',
      manufacturer: { name: 'Foshan Lumen Lighting Co., Ltd.', address: '8 Lighting Road, Foshan', email: 'safety@lumen.example', country: 'CN' },
      eu_responsible_person: null,
      warnings: { en: 'Switch off the mains before fitting.', es: 'Desconecte la red antes de instalar.' },
      hs_code: '853952',
      markets: ['ES', 'FR', 'GB'],
      skus: [
        {
          seller_sku: 'LED-A60-WW',
          variant: { light_colour: 'warm_white', lamp_base: 'e27' },
          price: { amount: 1290, currency: 'CNY' },
          country_prices: { ES: { amount: 249, currency: 'EUR' } },
          weight_grams: 60,
          package_mm: { length: 120, width: 65, height: 65 },
          barcode: '6901234567892',
          stock: 500,
        },
        { seller_sku: 'LED-A60-CW', variant: { light_colour: 'cool_white', lamp_base: 'e14' }, price: { amount: 1290, currency: 'CNY' }, weight_grams: null, package_mm: null, barcode: null, stock: 300 },
      ],
    });
    // No country price means no key at all: the content hash must not see an empty object.
    expect(product.input.skus[1]).not.toHaveProperty('country_prices');
  });

  it('leaves stock out when the cell is blank, so the quantity on hand is not touched', () => {
    const product = parsed(fileRows(2, [{ ...bulb, ...warmSku, stock: '' }]));
    expect(product.input.skus[0]).not.toHaveProperty('stock');
  });

  it('reads publish as yes or no, blank meaning a draft', () => {
    expect(parsed(fileRows(2, [{ ...bulb, ...warmSku, publish: '' }])).publish).toBe(false);
    expect(parsed(fileRows(2, [{ ...bulb, ...warmSku, publish: 'NO' }])).publish).toBe(false);
    expect(parsed(fileRows(2, [{ ...bulb, ...warmSku, publish: 'Y' }])).publish).toBe(true);
  });

  it.each([
    ['12.90', 'CNY', 1290],
    ['12.9', 'CNY', 1290],
    ['0.05', 'CNY', 5],
    [' 7 ', 'EUR', 700],
    ['15000', 'KRW', 15000],
    ['12.345', 'KWD', 12345],
    ['3.25', 'KWD', 3250],
    ['980', 'JPY', 980],
  ])('reads the decimal price %s %s as %i minor units', (price, currency, amount) => {
    const product = parsed(fileRows(2, [{ ...bulb, ...warmSku, price, currency, 'price:ES': '' }]));
    expect(product.input.skus[0]!.price).toEqual({ amount, currency });
  });

  it.each([
    ['12.999', 'CNY'],
    ['15000.5', 'KRW'],
    ['12.3456', 'KWD'],
    ['1,99', 'EUR'],
    ['€1.99', 'EUR'],
    ['abc', 'EUR'],
    ['', 'EUR'],
  ])('refuses the price %j %s in the price column of its row', (price, currency) => {
    expect(errorsOf(fileRows(2, [{ ...bulb, ...warmSku }, { ...coolSku, price, currency }]))).toEqual([{ row: 3, column: 'price', code: 'invalid_price' }]);
  });

  it('reports an unknown currency in the currency column, where it is fixed', () => {
    expect(errorsOf(fileRows(2, [{ ...bulb, ...warmSku, currency: 'XYZ' }]))).toEqual([{ row: 2, column: 'currency', code: 'unknown_currency' }]);
    expect(errorsOf(fileRows(2, [{ ...bulb, ...warmSku }, { ...coolSku, currency: '' }])).map((e) => [e.row, e.column])).toEqual([[3, 'currency']]);
  });

  it('reads country prices as an amount and a currency in one cell', () => {
    const product = parsed(fileRows(2, [{ ...bulb, ...warmSku, 'price:ES': '2.49 eur', 'price:KR': '3500 KRW', 'price:GB': ' 1.99   GBP ' }]));
    expect(product.input.skus[0]!.country_prices).toEqual({ ES: { amount: 249, currency: 'EUR' }, KR: { amount: 3500, currency: 'KRW' }, GB: { amount: 199, currency: 'GBP' } });
    expect(
      errorsOf(fileRows(2, [{ ...bulb, ...warmSku, 'price:ES': '2.49' }, { ...coolSku, 'price:FR': '2.499 EUR' }, { ...coolSku, seller_sku: 'X', 'variant:lamp_base': 'b22', 'price:GB': '2 QQQ' }])),
    ).toEqual([
      { row: 2, column: 'price:ES', code: 'invalid_price' },
      { row: 3, column: 'price:FR', code: 'invalid_price' },
      { row: 4, column: 'price:GB', code: 'unknown_currency' },
    ]);
  });

  it('types product attributes and variants by the category’s attribute types', () => {
    const strip = {
      product_ref: 'STRIP-5',
      category: 'lighting.led_strips.led_strip_lights',
      main_language: 'en',
      title_en: 'LED strip',
      markets: 'US',
      'attr:wattage_w': '24.5',
      'attr:dimmable': 'TRUE',
      'attr:luminous_flux_lm': '1200',
    };
    const product = parsed(
      fileRows(2, [
        { ...strip, seller_sku: 'S-5', price: '9.99', currency: 'USD', 'variant:length_m': '5', 'variant:light_colour': 'rgb' },
        { seller_sku: 'S-2.5', price: '5.99', currency: 'USD', 'variant:length_m': '2.5', 'variant:light_colour': 'RGB' },
      ]),
    );
    expect(product.input.attributes).toEqual({ wattage_w: 24.5, dimmable: true, luminous_flux_lm: 1200 });
    // Enum values are kept as written: whether they are allowed is the rules' question, not the reader's.
    expect(product.input.skus.map((s) => s.variant)).toEqual([
      { length_m: 5, light_colour: 'rgb' },
      { length_m: 2.5, light_colour: 'RGB' },
    ]);
    expect(
      errorsOf(
        fileRows(2, [
          { ...strip, 'attr:wattage_w': '24,5', seller_sku: 'S-5', price: '9.99', currency: 'USD', 'variant:length_m': '5m', 'variant:light_colour': 'rgb' },
          { seller_sku: 'S-2', price: '5.99', currency: 'USD', 'variant:length_m': '2', 'variant:light_colour': 'rgb' },
          { seller_sku: 'S-1', price: '4.99', currency: 'USD', 'variant:length_m': 'one', 'variant:light_colour': 'rgb' },
        ]),
      ),
    ).toEqual([
      { row: 2, column: 'attr:wattage_w', code: 'invalid_number' },
      { row: 2, column: 'variant:length_m', code: 'invalid_number' },
      { row: 4, column: 'variant:length_m', code: 'invalid_number' },
    ]);
  });

  it('keeps attributes as text when the category is unknown, leaving the verdict to the rules', () => {
    const product = parsed(fileRows(2, [{ ...bulb, ...warmSku, category: 'lighting.bulbs.laser_bulbs' }]));
    expect(product.input.category).toBe('lighting.bulbs.laser_bulbs');
    expect(product.input.attributes).toEqual({ wattage_w: '9', dimmable: 'no' });
  });

  it.each([
    ['yes', true],
    ['Y', true],
    ['1', true],
    ['true', true],
    ['No', false],
    ['n', false],
    ['0', false],
    ['FALSE', false],
  ])('reads the boolean %s as %s', (text, value) => {
    expect(parsed(fileRows(2, [{ ...bulb, ...warmSku, 'attr:dimmable': text }])).input.attributes!.dimmable).toBe(value);
  });

  it('reports every bad cell of a product at once, each with its row and column', () => {
    expect(
      errorsOf(
        fileRows(7, [
          { ...bulb, ...warmSku, 'attr:wattage_w': 'nine', 'attr:dimmable': 'maybe', publish: 'soon', video_url: 'https://video.example.com/a.mp4', video_seconds: '' },
          { ...coolSku, weight_g: '0.5', stock: '-3', length_mm: '0' },
          { ...coolSku, seller_sku: 'LED-A60-NW', 'variant:light_colour': 'neutral_white', price: '1.2.3', 'price:ES': '2.49' },
        ]),
      ),
    ).toEqual([
      { row: 7, column: 'attr:dimmable', code: 'invalid_boolean' },
      { row: 7, column: 'attr:wattage_w', code: 'invalid_number' },
      { row: 7, column: 'publish', code: 'invalid_boolean' },
      { row: 7, column: 'video_seconds', code: 'invalid_number' },
      { row: 8, column: 'length_mm', code: 'invalid_number' },
      { row: 8, column: 'stock', code: 'invalid_number' },
      { row: 8, column: 'weight_g', code: 'invalid_number' },
      { row: 9, column: 'price', code: 'invalid_price' },
      { row: 9, column: 'price:ES', code: 'invalid_price' },
    ]);
  });

  it('reads a video with its length, and parties from the cells given', () => {
    const product = parsed(fileRows(2, [{ ...bulb, ...warmSku, video_url: 'https://video.example.com/a.mp4', video_seconds: '25', manufacturer_address: '', manufacturer_email: '', manufacturer_country: '', eu_rp_name: 'Lumen Europe B.V.', eu_rp_country: 'NL' }]));
    expect(product.input.video).toEqual({ url: 'https://video.example.com/a.mp4', duration_seconds: 25 });
    expect(product.input.manufacturer).toEqual({ name: 'Foshan Lumen Lighting Co., Ltd.' });
    expect(product.input.eu_responsible_person).toEqual({ name: 'Lumen Europe B.V.', country: 'NL' });
  });

  it('reads package dimensions only when all three are given', () => {
    const product = parsed(fileRows(2, [{ ...bulb, ...warmSku, height_mm: '' }]));
    expect(product.input.skus[0]!.package_mm).toBeNull();
  });
});

describe('locate', () => {
  const rows = bulbRows();
  const at = (path: string) => {
    const { row, column } = locate({ in: 'body', path, code: 'x', message: 'y' }, rows);
    return [row, column];
  };

  it.each([
    ['/skus/1/variant/lamp_base', 3, 'variant:lamp_base'],
    ['/skus/0/price/currency', 2, 'currency'],
    ['/skus/1/price/amount', 3, 'price'],
    ['/skus/1/country_prices/ES', 3, 'price:ES'],
    ['/skus/0/country_prices/FR/currency', 2, 'price:FR'],
    ['/skus/1/weight_grams', 3, 'weight_g'],
    ['/skus/0/package_mm/width', 2, 'width_mm'],
    ['/skus/1/barcode', 3, 'barcode'],
    ['/skus/1/seller_sku', 3, 'seller_sku'],
    ['/skus', 2, 'seller_sku'],
    ['/titles/en', 2, 'title_en'],
    ['/descriptions/fr', 2, 'description_fr'],
    ['/warnings/es', 2, 'warning_es'],
    ['/attributes/wattage_w', 2, 'attr:wattage_w'],
    ['/markets/1', 2, 'markets'],
    ['/manufacturer/email', 2, 'manufacturer_email'],
    ['/eu_responsible_person', 2, 'eu_rp_name'],
    ['/eu_responsible_person/address', 2, 'eu_rp_address'],
    ['/images/2', 2, 'image_3'],
    ['/video/url', 2, 'video_url'],
    ['/video/duration_seconds', 2, 'video_seconds'],
    ['/seller_ref', 2, 'product_ref'],
    ['/category', 2, 'category'],
    ['/hs_code', 2, 'hs_code'],
    ['/main_language', 2, 'main_language'],
  ])('puts %s at row %i, column %s', (path, row, column) => {
    expect(at(path)).toEqual([row, column]);
  });

  it('keeps the problem’s code and message', () => {
    const error: FieldError = { in: 'body', path: '/skus/1/variant/lamp_base', code: 'invalid_attribute_value', message: 'must be one of e27, e14' };
    expect(locate(error, rows)).toEqual({ row: 3, column: 'variant:lamp_base', code: 'invalid_attribute_value', message: 'must be one of e27, e14' });
  });

  it('points every problem the rules find in a file’s product at a column of that file', () => {
    const header = Object.keys(rows[0]!.cells);
    const cases: Record<string, string>[][] = [
      // The same variant twice.
      [{ ...bulb, ...warmSku }, { ...coolSku, 'variant:light_colour': 'warm_white', 'variant:lamp_base': 'e27' }],
      // A main language the catalogue does not have.
      [{ ...bulb, ...warmSku, main_language: 'de' }],
    ];
    const located = cases.flatMap((cells) => {
      const product = parsed(fileRows(2, cells));
      const problems = productProblems(product.input, { category: categoryOf(product.input.category), isMarket: (m) => /^[A-Z]{2}$/.test(m), isCurrency });
      return problems.map((p) => ({ path: p.path, column: locate(p, product.rows).column }));
    });
    expect(located.map((l) => l.path)).toEqual(['/skus/1/variant', '/titles/de']);
    for (const { path, column } of located) expect.soft(header, `${path} is located at "${column}"`).toContain(column);
  });
});

describe('rowsFromProduct and exportColumns', () => {
  const product = parsed(bulbRows());
  const stock = new Map([
    ['LED-A60-WW', 500],
    ['LED-A60-CW', 300],
  ]);

  it('writes one row per SKU in the template, prices as decimals', () => {
    const rows = rowsFromProduct(product.input, 'published', stock);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      product_ref: 'LED-A60',
      category: 'lighting.bulbs.led_bulbs',
      main_language: 'zh',
      title_ar: 'مصباح LED بقوة 9 واط',
      title_fr: '',
      markets: 'ES FR GB',
      publish: 'yes',
      'attr:wattage_w': '9',
      'attr:dimmable': 'false',
      seller_sku: 'LED-A60-WW',
      price: '12.90',
      currency: 'CNY',
      'price:ES': '2.49 EUR',
      'variant:lamp_base': 'e27',
      weight_g: '60',
      length_mm: '120',
      barcode: '6901234567892',
      stock: '500',
    });
    expect(rows[1]).toMatchObject({ product_ref: 'LED-A60', seller_sku: 'LED-A60-CW', price: '12.90', weight_g: '', length_mm: '', stock: '300' });
    expect(rows[1]).not.toHaveProperty('price:ES');
    expect(rowsFromProduct(product.input, 'draft', new Map())[0]).toMatchObject({ publish: 'no', stock: '0' });
  });

  it.each([
    ['12.345', 'KWD'],
    ['15000', 'KRW'],
    ['0.05', 'CNY'],
    ['980', 'JPY'],
  ])('writes %s %s back as it was read', (price, currency) => {
    const read = parsed(fileRows(2, [{ ...bulb, ...warmSku, price, currency, 'price:ES': '' }]));
    expect(rowsFromProduct(read.input, 'draft', stock)[0]).toMatchObject({ price, currency });
  });

  it('lists the template’s columns, then the open-ended ones in use, sorted', () => {
    const rows = [...rowsFromProduct(product.input, 'published', stock), ...rowsFromProduct({ ...product.input, seller_ref: 'OTHER', attributes: { luminous_flux_lm: 806 } }, 'draft', stock)];
    const columns = exportColumns(rows);
    expect(columns.slice(0, TEMPLATE.length)).toEqual(TEMPLATE);
    expect(columns.slice(TEMPLATE.length)).toEqual(['attr:dimmable', 'attr:luminous_flux_lm', 'attr:wattage_w', 'price:ES', 'variant:lamp_base', 'variant:light_colour']);
    expect(headerProblems(columns)).toEqual([]);
  });

  it('reads back what it writes: the same product, the same content hash, the same stock and status', () => {
    const rows = rowsFromProduct(product.input, 'published', stock);
    const columns = exportColumns(rows);
    const back = parsed(rows.map((cells, i) => sheetRow(2 + i, Object.fromEntries(columns.map((c) => [c, cells[c] ?? ''])))));
    expect(back.input).toEqual(product.input);
    expect(back.publish).toBe(true);
    expect(contentHash(withoutStock(back.input))).toBe(contentHash(withoutStock(product.input)));
  });
});

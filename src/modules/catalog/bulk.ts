import type { FieldError } from '../../platform/errors/index.ts';
import { fromDecimal, isCurrency, MoneyError, toDecimal } from '../../platform/money/index.ts';
import type { ProductInput, SkuInput } from './rules.ts';
import { CATALOG_LANGUAGES, type AttributeDefinition, type CatalogLanguage, type ResolvedCategory } from './taxonomy.ts';

/**
 * The product file template, for CSV and Excel alike: one row per SKU, the rows of one product
 * consecutive and sharing its `product_ref`; product columns are read from the product's first
 * row. Prices are decimals in the currency's major unit ("12.90").
 */
export const PRODUCT_COLUMNS = [
  'product_ref',
  'category',
  'main_language',
  ...CATALOG_LANGUAGES.map((l) => `title_${l}`),
  ...CATALOG_LANGUAGES.map((l) => `description_${l}`),
  'brand',
  'model',
  'hs_code',
  'markets',
  'publish',
  'image_1',
  'image_2',
  'image_3',
  'image_4',
  'image_5',
  'image_6',
  'video_url',
  'video_seconds',
  'manufacturer_name',
  'manufacturer_address',
  'manufacturer_email',
  'manufacturer_country',
  'eu_rp_name',
  'eu_rp_address',
  'eu_rp_email',
  'eu_rp_country',
  ...CATALOG_LANGUAGES.map((l) => `warning_${l}`),
] as const;

export const SKU_COLUMNS = ['seller_sku', 'price', 'currency', 'weight_g', 'length_mm', 'width_mm', 'height_mm', 'barcode', 'stock'] as const;

/** Open-ended columns: `attr:<code>` (product attribute), `variant:<code>` (SKU attribute), `price:<CC>` ("19.99 EUR"). */
export const COLUMN_PREFIXES = { attribute: 'attr:', variant: 'variant:', countryPrice: 'price:' } as const;

export const REQUIRED_COLUMNS = ['product_ref', 'category', 'main_language', 'markets', 'seller_sku', 'price', 'currency'] as const;

export interface SheetRow {
  /** The row's number in the file, the header being row 1. */
  row: number;
  cells: Readonly<Record<string, string>>;
}

export interface RowError {
  row: number;
  column: string;
  code: string;
  message: string;
}

export function headerProblems(header: readonly string[]): string[] {
  const known = new Set<string>([...PRODUCT_COLUMNS, ...SKU_COLUMNS]);
  const problems: string[] = [];
  for (const column of REQUIRED_COLUMNS) if (!header.includes(column)) problems.push(`missing column ${column}`);
  for (const column of header) {
    if (column === '' || known.has(column)) continue;
    if (Object.values(COLUMN_PREFIXES).some((prefix) => column.startsWith(prefix) && column.length > prefix.length)) continue;
    problems.push(`unknown column ${column}`);
  }
  const seen = new Set<string>();
  for (const column of header) {
    if (column !== '' && seen.has(column)) problems.push(`column ${column} appears twice`);
    seen.add(column);
  }
  return problems;
}

const cell = (row: SheetRow, column: string) => (row.cells[column] ?? '').trim();

const BOOLEANS: Record<string, boolean> = { true: true, yes: true, y: true, '1': true, false: false, no: false, n: false, '0': false };

class CellError extends Error {
  constructor(readonly column: string, readonly code: string, message: string) {
    super(message);
  }
}

function integer(row: SheetRow, column: string, min = 0): number | undefined {
  const text = cell(row, column);
  if (text === '') return undefined;
  if (!/^-?\d+$/.test(text) || Number(text) < min) throw new CellError(column, 'invalid_number', `must be a whole number of at least ${min}`);
  return Number(text);
}

function attributeValue(definition: AttributeDefinition | undefined, text: string, column: string): string | number | boolean {
  if (definition?.type === 'number') {
    if (!/^-?\d+(\.\d+)?$/.test(text)) throw new CellError(column, 'invalid_number', 'must be a number');
    return Number(text);
  }
  if (definition?.type === 'boolean') {
    const value = BOOLEANS[text.toLowerCase()];
    if (value === undefined) throw new CellError(column, 'invalid_boolean', 'must be yes or no');
    return value;
  }
  return text;
}

/**
 * An amount and its currency. A bad currency is reported where it is written: the SKU's own
 * currency column, or the one cell of a country price that holds both.
 */
function money(text: string, currency: string, column: string, currencyColumn = column): { amount: number; currency: string } {
  if (currency === '') throw new CellError(currencyColumn, 'required', 'give the currency of the price, e.g. EUR');
  if (!isCurrency(currency)) throw new CellError(currencyColumn, 'unknown_currency', `${currency} is not an ISO 4217 currency`);
  try {
    return fromDecimal(text, currency);
  } catch (error) {
    if (error instanceof MoneyError) throw new CellError(column, 'invalid_price', error.message);
    throw error;
  }
}

export interface ParsedProduct {
  ref: string;
  rows: readonly SheetRow[];
  input: ProductInput;
  publish: boolean;
}

/** The product a group of rows describes, or every problem its cells have. */
export function productFromRows(rows: readonly SheetRow[], categoryOf: (code: string) => ResolvedCategory | undefined): { product: ParsedProduct } | { errors: RowError[] } {
  const first = rows[0]!;
  const errors: RowError[] = [];
  const attempt = <T>(row: SheetRow, read: () => T): T | undefined => {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof CellError)) throw error;
      errors.push({ row: row.row, column: error.column, code: error.code, message: error.message });
      return undefined;
    }
  };
  const category = categoryOf(cell(first, 'category'));
  const definitions = new Map((category?.attributes ?? []).map((a) => [a.code, a]));
  const perLanguage = (prefix: string) => {
    const values: Partial<Record<CatalogLanguage, string>> = {};
    for (const lang of CATALOG_LANGUAGES) {
      const text = cell(first, `${prefix}_${lang}`);
      if (text) values[lang] = text;
    }
    return values;
  };
  const party = (prefix: string) => {
    const values = { name: cell(first, `${prefix}_name`), address: cell(first, `${prefix}_address`), email: cell(first, `${prefix}_email`), country: cell(first, `${prefix}_country`) };
    const present = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ''));
    return Object.keys(present).length > 0 ? present : null;
  };
  const attributes: Record<string, string | number | boolean> = {};
  for (const column of Object.keys(first.cells)) {
    if (!column.startsWith(COLUMN_PREFIXES.attribute) || cell(first, column) === '') continue;
    const code = column.slice(COLUMN_PREFIXES.attribute.length);
    const value = attempt(first, () => attributeValue(definitions.get(code), cell(first, column), column));
    if (value !== undefined) attributes[code] = value;
  }
  const videoUrl = cell(first, 'video_url');
  const videoSeconds = attempt(first, () => {
    const text = cell(first, 'video_seconds');
    if (!videoUrl) return undefined;
    if (!/^\d+(\.\d+)?$/.test(text)) throw new CellError('video_seconds', 'invalid_number', 'give the video’s length in seconds');
    return Number(text);
  });
  const publishText = cell(first, 'publish').toLowerCase();
  const publish = publishText === '' ? false : BOOLEANS[publishText];
  if (publish === undefined) errors.push({ row: first.row, column: 'publish', code: 'invalid_boolean', message: 'must be yes or no' });

  const skus: SkuInput[] = [];
  for (const row of rows) {
    const currency = cell(row, 'currency').toUpperCase();
    const price = attempt(row, () => money(cell(row, 'price'), currency, 'price', 'currency'));
    const variant: Record<string, string | number | boolean> = {};
    const countryPrices: Record<string, { amount: number; currency: string }> = {};
    for (const column of Object.keys(row.cells)) {
      const text = cell(row, column);
      if (text === '') continue;
      if (column.startsWith(COLUMN_PREFIXES.variant)) {
        const code = column.slice(COLUMN_PREFIXES.variant.length);
        const value = attempt(row, () => attributeValue(definitions.get(code), text, column));
        if (value !== undefined) variant[code] = value;
      } else if (column.startsWith(COLUMN_PREFIXES.countryPrice)) {
        const match = /^(\S+)\s+([A-Za-z]{3})$/.exec(text);
        if (!match) errors.push({ row: row.row, column, code: 'invalid_price', message: 'write an amount and a currency, e.g. 19.99 EUR' });
        else {
          const value = attempt(row, () => money(match[1]!, match[2]!.toUpperCase(), column));
          if (value) countryPrices[column.slice(COLUMN_PREFIXES.countryPrice.length)] = value;
        }
      }
    }
    const [weight, length, width, height, stock] = ['weight_g', 'length_mm', 'width_mm', 'height_mm', 'stock'].map((column) => attempt(row, () => integer(row, column, column === 'stock' ? 0 : 1)));
    const barcode = cell(row, 'barcode');
    if (price) {
      skus.push({
        seller_sku: cell(row, 'seller_sku'),
        variant,
        price,
        ...(Object.keys(countryPrices).length > 0 ? { country_prices: countryPrices } : {}),
        weight_grams: weight ?? null,
        package_mm: length && width && height ? { length, width, height } : null,
        barcode: barcode || null,
        ...(stock !== undefined ? { stock } : {}),
      });
    }
  }
  if (errors.length > 0) return { errors };
  const hsCode = cell(first, 'hs_code');
  const model = cell(first, 'model');
  const brand = cell(first, 'brand');
  const input: ProductInput = {
    seller_ref: cell(first, 'product_ref'),
    category: cell(first, 'category'),
    main_language: cell(first, 'main_language') as CatalogLanguage,
    titles: perLanguage('title'),
    descriptions: perLanguage('description'),
    attributes,
    images: [1, 2, 3, 4, 5, 6].map((i) => cell(first, `image_${i}`)).filter((url) => url !== ''),
    video: videoUrl && videoSeconds !== undefined ? { url: videoUrl, duration_seconds: videoSeconds } : null,
    brand: brand || null,
    model: model || null,
    manufacturer: party('manufacturer'),
    eu_responsible_person: party('eu_rp'),
    warnings: perLanguage('warning'),
    hs_code: hsCode || null,
    markets: cell(first, 'markets').split(/[\s,;]+/).filter(Boolean).map((m) => m.toUpperCase()),
    skus,
  };
  return { product: { ref: input.seller_ref!, rows, input, publish: publish ?? false } };
}

/**
 * The open-ended column to fix when a problem concerns all of a row's columns with this prefix
 * (another SKU has the same variant; too many attributes): the first the row fills in, else the
 * first the file has, else the fallback.
 */
function prefixedColumn(row: SheetRow, prefix: string, fallback: string): string {
  const columns = Object.keys(row.cells).filter((column) => column.startsWith(prefix));
  return columns.find((column) => cell(row, column) !== '') ?? columns[0] ?? fallback;
}

/** Where a problem with a product's field sits in the file: the row and the column to fix. */
export function locate(error: FieldError, rows: readonly SheetRow[]): RowError {
  const first = rows[0]!;
  const parts = error.path.split('/').filter(Boolean);
  const at = (row: SheetRow, column: string): RowError => ({ row: row.row, column, code: error.code, message: error.message });
  switch (parts[0]) {
    case 'skus': {
      const row = rows[Number(parts[1])] ?? first;
      const field = parts[2];
      if (field === 'variant') return at(row, parts[3] ? `${COLUMN_PREFIXES.variant}${parts[3]}` : prefixedColumn(row, COLUMN_PREFIXES.variant, 'seller_sku'));
      if (field === 'price') return at(row, parts[3] === 'currency' ? 'currency' : 'price');
      if (field === 'country_prices') return at(row, parts[3] ? `${COLUMN_PREFIXES.countryPrice}${parts[3]}` : prefixedColumn(row, COLUMN_PREFIXES.countryPrice, 'price'));
      if (field === 'weight_grams') return at(row, 'weight_g');
      if (field === 'package_mm') return at(row, `${parts[3] ?? 'length'}_mm`);
      return at(row, field ?? 'seller_sku');
    }
    case 'titles':
    case 'descriptions':
    case 'warnings': {
      // A language the template has no column for can only come from the main language (a title is required in it).
      const language = parts[1] ?? '';
      if (!(CATALOG_LANGUAGES as readonly string[]).includes(language)) return at(first, 'main_language');
      return at(first, `${parts[0].replace(/s$/, '')}_${language}`);
    }
    case 'attributes':
      return at(first, parts[1] ? `${COLUMN_PREFIXES.attribute}${parts[1]}` : prefixedColumn(first, COLUMN_PREFIXES.attribute, 'category'));
    case 'markets':
      return at(first, 'markets');
    case 'manufacturer':
      return at(first, `manufacturer_${parts[1] ?? 'name'}`);
    case 'eu_responsible_person':
      return at(first, `eu_rp_${parts[1] ?? 'name'}`);
    case 'images':
      return at(first, `image_${Number(parts[1] ?? 0) + 1}`);
    case 'video':
      return at(first, parts[1] === 'duration_seconds' ? 'video_seconds' : 'video_url');
    case 'seller_ref':
      return at(first, 'product_ref');
    default:
      return at(first, parts[0] ?? 'product_ref');
  }
}

/** The rows that describe a product, for export in the same template. */
export function rowsFromProduct(input: ProductInput, status: string, stockBySku: ReadonlyMap<string, number>): Record<string, string>[] {
  const productCells: Record<string, string> = {
    product_ref: input.seller_ref ?? '',
    category: input.category,
    main_language: input.main_language,
    brand: input.brand ?? '',
    model: input.model ?? '',
    hs_code: input.hs_code ?? '',
    markets: input.markets.join(' '),
    publish: status === 'published' ? 'yes' : 'no',
    video_url: input.video?.url ?? '',
    video_seconds: input.video ? String(input.video.duration_seconds) : '',
  };
  for (const lang of CATALOG_LANGUAGES) {
    productCells[`title_${lang}`] = input.titles[lang] ?? '';
    productCells[`description_${lang}`] = input.descriptions?.[lang] ?? '';
    productCells[`warning_${lang}`] = input.warnings?.[lang] ?? '';
  }
  (input.images ?? []).forEach((url, i) => (productCells[`image_${i + 1}`] = url));
  for (const [prefix, party] of [['manufacturer', input.manufacturer], ['eu_rp', input.eu_responsible_person]] as const) {
    for (const field of ['name', 'address', 'email', 'country'] as const) productCells[`${prefix}_${field}`] = party?.[field] ?? '';
  }
  for (const [code, value] of Object.entries(input.attributes ?? {})) productCells[`${COLUMN_PREFIXES.attribute}${code}`] = String(value);
  return input.skus.map((sku) => {
    const cells: Record<string, string> = {
      ...productCells,
      seller_sku: sku.seller_sku,
      price: toDecimal(sku.price),
      currency: sku.price.currency,
      weight_g: sku.weight_grams ? String(sku.weight_grams) : '',
      length_mm: sku.package_mm ? String(sku.package_mm.length) : '',
      width_mm: sku.package_mm ? String(sku.package_mm.width) : '',
      height_mm: sku.package_mm ? String(sku.package_mm.height) : '',
      barcode: sku.barcode ?? '',
      stock: String(stockBySku.get(sku.seller_sku) ?? 0),
    };
    for (const [code, value] of Object.entries(sku.variant ?? {})) cells[`${COLUMN_PREFIXES.variant}${code}`] = String(value);
    for (const [country, price] of Object.entries(sku.country_prices ?? {})) cells[`${COLUMN_PREFIXES.countryPrice}${country}`] = `${toDecimal(price)} ${price.currency}`;
    return cells;
  });
}

/** The columns an export needs: the template's own, then the open-ended ones in use, sorted. */
export function exportColumns(rows: readonly Record<string, string>[]): string[] {
  const fixed = [...PRODUCT_COLUMNS, ...SKU_COLUMNS] as string[];
  const extra = new Set<string>();
  for (const row of rows) for (const column of Object.keys(row)) if (!fixed.includes(column)) extra.add(column);
  return [...fixed, ...[...extra].sort()];
}

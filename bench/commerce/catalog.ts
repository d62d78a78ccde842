/**
 * A catalogue as sellers would write it, generated from the marketplace's own category tree:
 * every attribute a category asks for, variants from its SKU-defining attributes, titles in the
 * languages buyers read, GPSR data, an HS code, prices in the seller's currency (some with a euro
 * price for Spain) and stock. Deterministic: the same seed gives the same catalogue.
 */
import { stringify } from 'csv-stringify/sync';
import type { ProductInput, ResolvedCategory } from '../../src/modules/catalog/index.ts';
import type { SkuInput } from '../../src/modules/catalog/rules.ts';

/** A small fast PRNG (mulberry32): the catalogue must be the same on every machine. */
export function randomSource(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
    /** Index into a list whose popularity falls off like real demand (Zipf, s ≈ 1). */
    zipf: (n: number) => Math.min(n - 1, Math.floor(Math.exp(next() * Math.log(n + 1)) - 1)),
  };
}
export type Random = ReturnType<typeof randomSource>;

/** Words sellers put in titles, per language, position for position the same meaning. */
const DESCRIPTORS = {
  en: ['premium', 'portable', 'waterproof', 'adjustable', 'lightweight', 'durable', 'classic', 'modern', 'vintage', 'compact', 'soft', 'heavy duty', 'eco friendly', 'handmade', 'foldable', 'non-slip', 'breathable', 'universal', 'mini', 'large', 'professional', 'stainless', 'quick dry', 'anti-scratch', 'reusable', 'multifunction', 'luxury', 'slim', 'warm', 'magnetic'],
  es: ['premium', 'portátil', 'impermeable', 'ajustable', 'ligero', 'resistente', 'clásico', 'moderno', 'vintage', 'compacto', 'suave', 'reforzado', 'ecológico', 'artesanal', 'plegable', 'antideslizante', 'transpirable', 'universal', 'mini', 'grande', 'profesional', 'inoxidable', 'secado rápido', 'antiarañazos', 'reutilizable', 'multifunción', 'de lujo', 'fino', 'cálido', 'magnético'],
  fr: ['premium', 'portable', 'imperméable', 'réglable', 'léger', 'résistant', 'classique', 'moderne', 'vintage', 'compact', 'doux', 'renforcé', 'écologique', 'fait main', 'pliable', 'antidérapant', 'respirant', 'universel', 'mini', 'grand', 'professionnel', 'inoxydable', 'séchage rapide', 'anti-rayures', 'réutilisable', 'multifonction', 'de luxe', 'fin', 'chaud', 'magnétique'],
  pt: ['premium', 'portátil', 'impermeável', 'ajustável', 'leve', 'resistente', 'clássico', 'moderno', 'vintage', 'compacto', 'macio', 'reforçado', 'ecológico', 'artesanal', 'dobrável', 'antiderrapante', 'respirável', 'universal', 'mini', 'grande', 'profissional', 'inoxidável', 'secagem rápida', 'antirriscos', 'reutilizável', 'multifuncional', 'de luxo', 'fino', 'quente', 'magnético'],
  zh: ['高级', '便携', '防水', '可调节', '轻便', '耐用', '经典', '现代', '复古', '紧凑', '柔软', '加厚', '环保', '手工', '折叠', '防滑', '透气', '通用', '迷你', '大号', '专业', '不锈钢', '速干', '防刮', '可重复使用', '多功能', '豪华', '超薄', '保暖', '磁吸'],
} as const;
export type TitleLanguage = keyof typeof DESCRIPTORS;
const TITLE_LANGUAGES = Object.keys(DESCRIPTORS) as TitleLanguage[];

const BRAND_PARTS = ['Lumi', 'Nova', 'Orbi', 'Zen', 'Kora', 'Vela', 'Tido', 'Mira', 'Sola', 'Pax', 'Rivo', 'Yuki', 'Hexa', 'Luma', 'Brio', 'Fenn', 'Gala', 'Iko', 'Juno', 'Kibo'];
const BRAND_ENDS = ['tek', 'home', 'wear', 'go', 'max', 'lab', 'life', 'craft', 'ly', 'ra'];
const CITIES = ['Shenzhen', 'Guangzhou', 'Yiwu', 'Foshan', 'Ningbo', 'Dongguan', 'Xiamen', 'Hangzhou', 'Suzhou', 'Qingdao'];

export interface SellerProfile {
  index: number;
  brand: string;
  city: string;
  /** The categories the seller lists in: sellers specialise. */
  categories: string[];
  currency: 'CNY' | 'USD';
}

export function sellerProfile(index: number, categories: readonly string[]): SellerProfile {
  const random = randomSource(7919 * (index + 1));
  const brand = `${random.pick(BRAND_PARTS)}${random.pick(BRAND_ENDS)}`;
  const city = random.pick(CITIES);
  const currency = random.chance(0.85) ? 'CNY' : 'USD';
  const own = new Set<string>();
  const wanted = random.int(2, 4);
  while (own.size < Math.min(wanted, categories.length)) own.add(random.pick(categories));
  return { index, brand, city, categories: [...own], currency };
}

/**
 * How many SKUs each seller lists: a few large catalogues and many small ones (a power law), at
 * least 5 each, summing to at least `skus`.
 */
export function skuBudgets(sellers: number, skus: number): number[] {
  const weights = Array.from({ length: sellers }, (_, i) => 1 / Math.pow(1 + (i % 97), 0.6));
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => Math.max(5, Math.ceil((w / total) * skus)));
}

function attributeValue(definition: ResolvedCategory['attributes'][number], random: Random, brand: string): string | number | boolean {
  switch (definition.type) {
    case 'enum':
      return definition.values?.length ? random.pick(definition.values).code : 'other';
    case 'number': {
      const min = definition.min ?? 1;
      const max = definition.max ?? Math.max(min + 100, 1000);
      return Math.max(min, Math.min(max, random.int(Math.ceil(min), Math.floor(Math.min(max, min + 500)))));
    }
    case 'boolean':
      return random.chance(0.5);
    case 'text': {
      const text = `${brand} ${random.int(100, 999)}`;
      return text.slice(0, definition.maxLength ?? 100);
    }
  }
}

/** Up to `count` distinct variants from the SKU-defining attributes (fewer when the category has fewer). */
function variants(category: ResolvedCategory, count: number, random: Random, brand: string): Record<string, string | number | boolean>[] {
  const defining = category.attributes.filter((a) => a.skuDefining);
  if (defining.length === 0) return [{}];
  const [first, ...rest] = defining;
  const base: Record<string, string | number | boolean> = {};
  for (const definition of rest) if (definition.required || random.chance(0.5)) base[definition.code] = attributeValue(definition, random, brand);
  const seen = new Set<string>();
  const out: Record<string, string | number | boolean>[] = [];
  for (let tries = 0; out.length < count && tries < count * 6; tries++) {
    let value: string | number | boolean;
    if (first!.type === 'number') value = (first!.min ?? 0) + out.length + 1 <= (first!.max ?? Infinity) ? (first!.min ?? 0) + out.length + 1 : attributeValue(first!, random, brand);
    else if (first!.type === 'text') value = `${brand} ${String.fromCharCode(65 + out.length)}`.slice(0, first!.maxLength ?? 100);
    else value = attributeValue(first!, random, brand);
    const key = JSON.stringify(value);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ ...base, [first!.code]: value });
  }
  return out;
}

function title(language: TitleLanguage, category: ResolvedCategory, brand: string, model: string, descriptors: number[], colour: string | undefined): string {
  const name = category.names[language];
  const words = descriptors.map((d) => DESCRIPTORS[language][d]!);
  if (language === 'zh') return `${brand} ${words.join('')}${colour ?? ''}${name} ${model}`;
  if (language === 'en') return `${brand} ${words.join(' ')} ${name}${colour ? `, ${colour}` : ''} ${model}`;
  // Romance languages put the adjectives after the noun.
  return `${name} ${words.join(' ')}${colour ? ` ${colour}` : ''} ${brand} ${model}`;
}

export interface GeneratedProduct {
  input: ProductInput;
  publish: boolean;
}

/** Product `n` of a seller, in one category, offered in the given markets. */
export function generateProduct(seller: SellerProfile, n: number, category: ResolvedCategory, markets: readonly string[]): GeneratedProduct {
  const random = randomSource(seller.index * 100_003 + n * 7 + 1);
  const brand = seller.brand;
  const model = `${brand.slice(0, 2).toUpperCase()}-${1000 + n}${String.fromCharCode(65 + (n % 26))}`;
  const descriptors = [random.int(0, 29), random.int(0, 29)].filter((v, i, all) => all.indexOf(v) === i);
  const attributes: Record<string, string | number | boolean> = {};
  for (const definition of category.attributes.filter((a) => !a.skuDefining)) {
    if (definition.required || random.chance(0.6)) attributes[definition.code] = attributeValue(definition, random, brand);
  }
  const skuCount = random.pick([1, 2, 3, 4, 4, 5, 5, 6, 8]);
  const skuVariants = variants(category, skuCount, random, brand);
  const colourAttribute = category.attributes.find((a) => a.code === 'colour' && !a.skuDefining && a.type === 'enum');
  const colourValue = colourAttribute && typeof attributes.colour === 'string' ? colourAttribute.values?.find((v) => v.code === attributes.colour) : undefined;
  const languages = TITLE_LANGUAGES.filter((l) => l === 'en' || l === 'zh' || random.chance(l === 'es' ? 0.9 : 0.6));
  const titles: ProductInput['titles'] = {};
  for (const language of languages) titles[language] = title(language, category, brand, model, descriptors, colourValue?.names[language]);
  const base = random.int(5, 400) * 100 - 10;
  const weight = random.int(40, 2500);
  const skus: SkuInput[] = skuVariants.map((variant, s) => {
    const amount = base + s * random.pick([0, 0, 100, 200, 500]);
    const price = { amount: seller.currency === 'USD' ? Math.round(amount / 7) : amount, currency: seller.currency };
    return {
      seller_sku: `${model}-${s + 1}`,
      variant,
      price,
      // A third of the products have a price set for Spain in euros.
      ...(n % 3 === 0 && markets.includes('ES') ? { country_prices: { ES: { amount: Math.round(amount / 7.7) + 99, currency: 'EUR' } } } : {}),
      weight_grams: weight + s * 10,
      package_mm: { length: random.int(80, 400), width: random.int(60, 300), height: random.int(20, 200) },
      barcode: null,
      stock: random.int(200, 5000),
    };
  });
  const heading = category.hsHeading ?? '3926';
  return {
    publish: true,
    input: {
      seller_ref: `P${String(seller.index).padStart(4, '0')}-${String(n).padStart(4, '0')}`,
      category: category.code,
      main_language: 'zh',
      titles,
      descriptions: {
        en: `${titles.en}. ${DESCRIPTORS.en[descriptors[0]!]} and made to last; ships from ${seller.city}, China. Tested before it ships.`,
        ...(titles.es ? { es: `${titles.es}. Producto ${DESCRIPTORS.es[descriptors[0]!]}, enviado desde ${seller.city} (China). Probado antes del envío.` } : {}),
      },
      attributes,
      images: Array.from({ length: random.int(2, 5) }, (_, i) => `https://images.example.com/${seller.brand.toLowerCase()}/${model}-${i + 1}.jpg`),
      brand,
      model,
      manufacturer: { name: `${seller.city} ${brand} Co., Ltd.`, address: `${random.int(1, 300)} Industrial Road, ${seller.city}, China`, email: `safety@${brand.toLowerCase()}.example`, country: 'CN' },
      eu_responsible_person: { name: `${brand} Europe B.V.`, address: 'Keizersgracht 1, 1015 Amsterdam, Netherlands', email: `eu-rp@${brand.toLowerCase()}.example`, country: 'NL' },
      warnings: { en: 'Keep away from children under 3 years.', es: 'Mantener fuera del alcance de niños menores de 3 años.', fr: 'Tenir hors de portée des enfants de moins de 3 ans.' },
      hs_code: `${heading}90`,
      markets: [...markets],
      skus,
    },
  };
}

/** The products of a seller as the import template writes them: one row per SKU. */
export function productFile(products: readonly GeneratedProduct[], categoryOf: (code: string) => ResolvedCategory): Buffer {
  const rows: Record<string, string>[] = [];
  for (const { input, publish } of products) {
    const definitions = new Map(categoryOf(input.category).attributes.map((a) => [a.code, a]));
    const cellOf = (code: string, value: string | number | boolean) => (definitions.get(code)?.type === 'boolean' ? (value ? 'yes' : 'no') : String(value));
    const product: Record<string, string> = {
      product_ref: input.seller_ref!,
      category: input.category,
      main_language: input.main_language,
      brand: input.brand ?? '',
      model: input.model ?? '',
      hs_code: input.hs_code ?? '',
      markets: input.markets.join(' '),
      publish: publish ? 'yes' : 'no',
      manufacturer_name: input.manufacturer?.name ?? '',
      manufacturer_address: input.manufacturer?.address ?? '',
      manufacturer_email: input.manufacturer?.email ?? '',
      manufacturer_country: input.manufacturer?.country ?? '',
      eu_rp_name: input.eu_responsible_person?.name ?? '',
      eu_rp_address: input.eu_responsible_person?.address ?? '',
      eu_rp_email: input.eu_responsible_person?.email ?? '',
      eu_rp_country: input.eu_responsible_person?.country ?? '',
    };
    for (const [language, text] of Object.entries(input.titles)) product[`title_${language}`] = text;
    for (const [language, text] of Object.entries(input.descriptions ?? {})) product[`description_${language}`] = text;
    for (const [language, text] of Object.entries(input.warnings ?? {})) product[`warning_${language}`] = text;
    (input.images ?? []).forEach((url, i) => (product[`image_${i + 1}`] = url));
    for (const [code, value] of Object.entries(input.attributes ?? {})) product[`attr:${code}`] = cellOf(code, value);
    for (const sku of input.skus) {
      const row: Record<string, string> = {
        ...product,
        seller_sku: sku.seller_sku,
        price: (sku.price.amount / 100).toFixed(2),
        currency: sku.price.currency,
        weight_g: String(sku.weight_grams ?? ''),
        length_mm: String(sku.package_mm?.length ?? ''),
        width_mm: String(sku.package_mm?.width ?? ''),
        height_mm: String(sku.package_mm?.height ?? ''),
        stock: String(sku.stock ?? ''),
      };
      for (const [code, value] of Object.entries(sku.variant ?? {})) row[`variant:${code}`] = cellOf(code, value);
      for (const [country, price] of Object.entries(sku.country_prices ?? {})) row[`price:${country}`] = `${(price.amount / 100).toFixed(2)} ${price.currency}`;
      rows.push(row);
    }
  }
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  return Buffer.from(stringify(rows, { header: true, columns }));
}

/**
 * What buyers type into the search box in a market's language: category words, a category word
 * with a descriptor, brands, and a few misspellings. Ordered by popularity (pick with zipf).
 */
export function searchQueries(categoryNames: readonly string[], language: TitleLanguage, brands: readonly string[], count = 400): string[] {
  const random = randomSource(4242);
  const names = categoryNames.map((name) => name.toLowerCase());
  const words = [...new Set(names.flatMap((n) => n.split(/[\s,&/()-]+/)).filter((w) => w.length >= 4 && !['para', 'with', 'pour', 'avec', 'sans'].includes(w)))];
  const queries = new Set<string>();
  while (queries.size < count) {
    const kind = random.next();
    if (kind < 0.45) queries.add(random.pick(words));
    else if (kind < 0.7) queries.add(random.pick(names));
    else if (kind < 0.85) queries.add(`${random.pick(words)} ${random.pick(DESCRIPTORS[language])}`);
    else if (kind < 0.95) queries.add(random.pick(brands).toLowerCase());
    else {
      // A typo: two letters swapped.
      const word = random.pick(words);
      const at = random.int(1, word.length - 2);
      queries.add(word.slice(0, at) + word[at + 1] + word[at] + word.slice(at + 2));
    }
  }
  return [...queries];
}

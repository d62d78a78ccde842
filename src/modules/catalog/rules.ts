import { createHash } from 'node:crypto';
import { canonicalJson } from '../../platform/canonical-json.ts';
import type { FieldError } from '../../platform/errors/index.ts';
import type { AttributeDefinition, CatalogLanguage, ResolvedCategory } from './taxonomy.ts';

// ─── Listing lifecycle ────────────────────────────────────────────────────────────────────────

/** A product's status is the seller's intent; each market's listing says what buyers get. */
export const PRODUCT_STATUSES = ['draft', 'published', 'offline'] as const;
export type ProductStatus = (typeof PRODUCT_STATUSES)[number];

export const LISTING_STATUSES = ['pending_review', 'active', 'rejected', 'throttled', 'delisted', 'offline'] as const;
export type ListingStatus = (typeof LISTING_STATUSES)[number];

type By = 'seller' | 'system' | 'operator';

/**
 * The listing lifecycle as data: draft → pending_review → active | rejected; active ⇄ throttled;
 * → delisted; ⇄ offline. Compliance (system) and operators move listings along it; every move is
 * one of these rows, audited with its rule and reason.
 */
export const LISTING_TRANSITIONS: readonly { action: string; from: readonly (ListingStatus | 'none')[]; to: ListingStatus; by: readonly By[] }[] = [
  { action: 'submit', from: ['none', 'rejected'], to: 'pending_review', by: ['seller', 'system'] },
  { action: 'approve', from: ['pending_review'], to: 'active', by: ['system', 'operator'] },
  { action: 'reject', from: ['pending_review'], to: 'rejected', by: ['system', 'operator'] },
  { action: 'throttle', from: ['active', 'pending_review'], to: 'throttled', by: ['system', 'operator'] },
  { action: 'unthrottle', from: ['throttled'], to: 'active', by: ['system', 'operator'] },
  { action: 'delist', from: ['active', 'throttled', 'pending_review'], to: 'delisted', by: ['system', 'operator'] },
  { action: 'relist', from: ['delisted'], to: 'pending_review', by: ['system', 'operator'] },
  // A live listing edited to name a restricted item goes back to review, still a listing that was live.
  { action: 'hold', from: ['active', 'throttled'], to: 'pending_review', by: ['system', 'operator'] },
  { action: 'take_offline', from: ['pending_review', 'active', 'throttled', 'delisted', 'rejected'], to: 'offline', by: ['seller'] },
  { action: 'put_online', from: ['offline'], to: 'pending_review', by: ['seller', 'system'] },
];

export interface ListingStep {
  action: string;
  from: ListingStatus | 'none';
  to: ListingStatus;
}

/** The shortest run of allowed moves from one status to another for this actor, or null if none. */
export function listingPath(from: ListingStatus | 'none', to: ListingStatus, by: By): ListingStep[] | null {
  if (from === to) return [];
  const queue: { at: ListingStatus | 'none'; path: ListingStep[] }[] = [{ at: from, path: [] }];
  const seen = new Set<string>([from]);
  while (queue.length > 0) {
    const { at, path } = queue.shift()!;
    for (const rule of LISTING_TRANSITIONS) {
      if (!rule.by.includes(by) || !rule.from.includes(at) || seen.has(rule.to)) continue;
      const next = [...path, { action: rule.action, from: at, to: rule.to }];
      if (rule.to === to) return next;
      seen.add(rule.to);
      queue.push({ at: rule.to, path: next });
    }
  }
  return null;
}

/** What compliance decided for one market. */
export type ComplianceOutcome = 'pass' | 'throttle' | 'delist' | 'hold' | 'reject';

/**
 * The status a compliance outcome leads to. A prohibited item is rejected when it asks to be
 * listed; one already live (or previously live) is delisted. A hold waits in pending_review.
 */
export function statusForOutcome(current: ListingStatus | 'none', outcome: ComplianceOutcome): ListingStatus {
  switch (outcome) {
    case 'pass':
      return 'active';
    case 'throttle':
      return 'throttled';
    case 'delist':
      return 'delisted';
    case 'hold':
      return 'pending_review';
    case 'reject':
      return current === 'none' || current === 'pending_review' || current === 'rejected' ? 'rejected' : 'delisted';
  }
}

// ─── Products ─────────────────────────────────────────────────────────────────────────────────

export const LIMITS = { mainImages: 6, skusPerProduct: 200, titleLength: 255, descriptionLength: 20_000, warningLength: 2_000 } as const;

export interface Money {
  amount: number;
  currency: string;
}

export interface Party {
  name?: string;
  address?: string;
  email?: string;
  country?: string;
}

export interface SkuInput {
  seller_sku: string;
  variant?: Record<string, string | number | boolean>;
  price: Money;
  country_prices?: Record<string, Money>;
  weight_grams?: number | null;
  package_mm?: { length: number; width: number; height: number } | null;
  barcode?: string | null;
  stock?: number;
}

/** What a seller says about a product, as the API and the import template carry it. */
export interface ProductInput {
  seller_ref?: string | null;
  category: string;
  main_language: CatalogLanguage;
  titles: Partial<Record<CatalogLanguage, string>>;
  descriptions?: Partial<Record<CatalogLanguage, string>>;
  attributes?: Record<string, string | number | boolean>;
  images?: string[];
  video?: { url: string; duration_seconds: number } | null;
  brand?: string | null;
  model?: string | null;
  manufacturer?: Party | null;
  eu_responsible_person?: Party | null;
  warnings?: Partial<Record<CatalogLanguage, string>>;
  hs_code?: string | null;
  markets: string[];
  skus: SkuInput[];
}

/** GS1 check digit of a GTIN-8, -12, -13 or -14. */
export function gtinIsValid(code: string): boolean {
  if (!/^(\d{8}|\d{12,14})$/.test(code)) return false;
  const digits = [...code].map(Number);
  const check = digits.pop()!;
  const sum = digits.reverse().reduce((total, digit, i) => total + digit * (i % 2 === 0 ? 3 : 1), 0);
  return (10 - (sum % 10)) % 10 === check;
}

const err = (path: string, code: string, message: string): FieldError => ({ in: 'body', path, code, message });

function attributeProblem(definition: AttributeDefinition, value: unknown, path: string): FieldError | null {
  switch (definition.type) {
    case 'enum':
      return typeof value === 'string' && definition.values?.some((v) => v.code === value)
        ? null
        : err(path, 'invalid_attribute_value', `must be one of ${(definition.values ?? []).map((v) => v.code).join(', ')}`);
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return err(path, 'invalid_attribute_value', 'must be a number');
      if (definition.min !== undefined && value < definition.min) return err(path, 'invalid_attribute_value', `must be at least ${definition.min}`);
      if (definition.max !== undefined && value > definition.max) return err(path, 'invalid_attribute_value', `must be at most ${definition.max}`);
      return null;
    case 'text':
      return typeof value === 'string' && value.trim() !== '' && value.length <= (definition.maxLength ?? 200)
        ? null
        : err(path, 'invalid_attribute_value', `must be text of 1–${definition.maxLength ?? 200} characters`);
    case 'boolean':
      return typeof value === 'boolean' ? null : err(path, 'invalid_attribute_value', 'must be true or false');
  }
}

export interface ProductContext {
  category: ResolvedCategory | undefined;
  isMarket(code: string): boolean;
  isCurrency(code: string): boolean;
}

/**
 * Every structural problem of a product, reported together: what the category requires, what
 * its SKUs must say. (Whether it may be sold in a market is compliance's question, not this one.)
 */
export function productProblems(input: ProductInput, context: ProductContext): FieldError[] {
  const problems: FieldError[] = [];
  const { category } = context;
  if (!category) problems.push(err('/category', 'unknown_category', 'is not a category of this marketplace'));
  else if (!category.isLeaf) problems.push(err('/category', 'not_a_leaf_category', 'products belong to a leaf category; choose one of its subcategories'));

  if (!input.titles[input.main_language]?.trim()) problems.push(err(`/titles/${input.main_language}`, 'required', 'a title in the main language is required'));

  const attributes = input.attributes ?? {};
  const definitions = category?.isLeaf ? category.attributes : [];
  const productLevel = definitions.filter((d) => !d.skuDefining);
  const skuLevel = definitions.filter((d) => d.skuDefining);
  for (const definition of productLevel) {
    const value = attributes[definition.code];
    if (value === undefined) {
      if (definition.required) problems.push(err(`/attributes/${definition.code}`, 'required', 'is required in this category'));
      continue;
    }
    const problem = attributeProblem(definition, value, `/attributes/${definition.code}`);
    if (problem) problems.push(problem);
  }
  if (category?.isLeaf) {
    for (const code of Object.keys(attributes)) {
      if (skuLevel.some((d) => d.code === code)) problems.push(err(`/attributes/${code}`, 'variant_attribute', 'varies by SKU: give it in each SKU’s variant'));
      else if (!productLevel.some((d) => d.code === code)) problems.push(err(`/attributes/${code}`, 'unknown_attribute', 'is not an attribute of this category'));
    }
  }

  const markets = new Set<string>();
  input.markets.forEach((market, i) => {
    if (!context.isMarket(market)) problems.push(err(`/markets/${i}`, 'unknown_market', `${market} is not a market of this marketplace`));
    else if (markets.has(market)) problems.push(err(`/markets/${i}`, 'duplicate_market', `${market} is listed twice`));
    markets.add(market);
  });

  if (input.skus.length === 0) problems.push(err('/skus', 'required', 'a product needs at least one SKU'));
  const codes = new Set<string>();
  const variants = new Set<string>();
  const currency = input.skus[0]?.price.currency;
  input.skus.forEach((sku, i) => {
    const at = `/skus/${i}`;
    if (codes.has(sku.seller_sku)) problems.push(err(`${at}/seller_sku`, 'duplicate_seller_sku', 'is used by another SKU of this product'));
    codes.add(sku.seller_sku);
    if (!context.isCurrency(sku.price.currency)) problems.push(err(`${at}/price/currency`, 'unknown_currency', 'is not an ISO 4217 currency'));
    else if (sku.price.currency !== currency) problems.push(err(`${at}/price/currency`, 'mixed_currencies', `all SKUs are priced in the seller's currency (${currency})`));
    for (const [country, price] of Object.entries(sku.country_prices ?? {})) {
      if (!context.isMarket(country)) problems.push(err(`${at}/country_prices/${country}`, 'unknown_market', `${country} is not a market of this marketplace`));
      if (!context.isCurrency(price.currency)) problems.push(err(`${at}/country_prices/${country}/currency`, 'unknown_currency', 'is not an ISO 4217 currency'));
    }
    if (sku.barcode && !gtinIsValid(sku.barcode)) problems.push(err(`${at}/barcode`, 'invalid_barcode', 'must be a GTIN-8, -12, -13 or -14 with a correct check digit'));
    const variant = sku.variant ?? {};
    for (const definition of skuLevel) {
      const value = variant[definition.code];
      if (value === undefined) {
        if (definition.required) problems.push(err(`${at}/variant/${definition.code}`, 'required', 'is required for each SKU in this category'));
        continue;
      }
      const problem = attributeProblem(definition, value, `${at}/variant/${definition.code}`);
      if (problem) problems.push(problem);
    }
    if (category?.isLeaf) {
      for (const code of Object.keys(variant)) {
        if (!skuLevel.some((d) => d.code === code)) problems.push(err(`${at}/variant/${code}`, 'unknown_attribute', 'is not a variant attribute of this category'));
      }
    }
    const key = JSON.stringify(Object.entries(variant).sort(([a], [b]) => (a < b ? -1 : 1)));
    if (input.skus.length > 1 && variants.has(key)) problems.push(err(`${at}/variant`, 'duplicate_variant', 'another SKU has the same variant'));
    variants.add(key);
  });
  return problems;
}

/**
 * A stable hash of what a seller said, so saving or importing the same product again changes
 * nothing. It is taken over the product as it is stored — a left-out field is its empty value —
 * and without stock counts, which are not content.
 */
export function contentHash(input: ProductInput): string {
  const stored = {
    ...input,
    seller_ref: input.seller_ref ?? null,
    descriptions: input.descriptions ?? {},
    attributes: input.attributes ?? {},
    images: input.images ?? [],
    video: input.video ?? null,
    brand: input.brand ?? null,
    model: input.model ?? null,
    manufacturer: input.manufacturer ?? null,
    eu_responsible_person: input.eu_responsible_person ?? null,
    warnings: input.warnings ?? {},
    hs_code: input.hs_code ?? null,
    skus: input.skus.map(({ stock: _stock, ...sku }) => ({
      ...sku,
      variant: sku.variant ?? {},
      country_prices: sku.country_prices ?? {},
      weight_grams: sku.weight_grams ?? null,
      package_mm: sku.package_mm ?? null,
      barcode: sku.barcode ?? null,
    })),
  };
  return createHash('sha256').update(canonicalJson(stored)).digest('hex');
}

/** The title a buyer reads: in their language, else the market's, else English, else the seller's main language. */
export function titleFor(titles: Readonly<Record<string, string | undefined>>, languages: readonly string[], mainLanguage: string): { language: string; text: string } {
  for (const language of [...languages, 'en', mainLanguage]) {
    const text = titles[language];
    if (text) return { language, text };
  }
  const [language, text] = Object.entries(titles).find(([, t]) => !!t) ?? [mainLanguage, ''];
  return { language, text: text ?? '' };
}

import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const products = pgTable(
  'products',
  {
    sellerId: text('seller_id').notNull(),
    id: text('id').notNull(),
    /** The seller's own key for the product (imports match on it). */
    sellerRef: text('seller_ref'),
    categoryCode: text('category_code').notNull(),
    /** draft | published | offline — what the seller wants; each market's listing says what is shown. */
    status: text('status').notNull(),
    /** The product as the seller described it: titles, descriptions, attributes, media, GPSR data. */
    content: jsonb('content').notNull(),
    markets: text('markets').array().notNull(),
    /** Hash of the content and SKUs, so re-saving or re-importing the same data changes nothing. */
    contentHash: text('content_hash').notNull(),
    version: integer('version').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.sellerId, t.id] }),
    uniqueIndex('products_id_idx').on(t.id),
    uniqueIndex('products_seller_ref_idx').on(t.sellerId, t.sellerRef).where(sql`${t.deletedAt} IS NULL`),
    index('products_seller_category_idx').on(t.sellerId, t.categoryCode),
  ],
);

export const skus = pgTable(
  'skus',
  {
    sellerId: text('seller_id').notNull(),
    id: text('id').notNull(),
    productId: text('product_id').notNull(),
    sellerSku: text('seller_sku').notNull(),
    variant: jsonb('variant').notNull(),
    priceAmount: bigint('price_amount', { mode: 'number' }).notNull(),
    priceCurrency: text('price_currency').notNull(),
    /** Prices for particular countries: { "ES": { "amount": 1999, "currency": "EUR" } }. */
    countryPrices: jsonb('country_prices').notNull(),
    weightGrams: integer('weight_grams'),
    lengthMm: integer('length_mm'),
    widthMm: integer('width_mm'),
    heightMm: integer('height_mm'),
    barcode: text('barcode'),
    position: integer('position').notNull(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.sellerId, t.id] }),
    uniqueIndex('skus_id_idx').on(t.id),
    uniqueIndex('skus_seller_sku_idx').on(t.sellerId, t.sellerSku).where(sql`${t.deletedAt} IS NULL`),
    index('skus_product_idx').on(t.sellerId, t.productId),
  ],
);

/** A product as shown in one market: its own status, and the findings that decided it. */
export const listings = pgTable(
  'listings',
  {
    sellerId: text('seller_id').notNull(),
    productId: text('product_id').notNull(),
    market: text('market').notNull(),
    status: text('status').notNull(),
    /** Compliance findings behind the status: rule id and version, evidence, how to fix. */
    findings: jsonb('findings').notNull(),
    /** An operator's override of the findings, with its reason; lapses when the findings change. */
    override: jsonb('override'),
    held: boolean('held').notNull().default(false),
    evaluatedAt: timestamp('evaluated_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.sellerId, t.productId, t.market] }),
    index('listings_held_idx').on(t.evaluatedAt).where(sql`${t.held}`),
    index('listings_market_status_idx').on(t.market, t.status),
  ],
);

/** A product file being imported: where it stands, what it did, and which rows were refused. */
export const productImports = pgTable(
  'product_imports',
  {
    sellerId: text('seller_id').notNull(),
    id: text('id').notNull(),
    /** queued | running | succeeded | failed */
    status: text('status').notNull(),
    fileName: text('file_name').notNull(),
    fileKey: text('file_key').notNull(),
    format: text('format').notNull(),
    sha256: text('sha256').notNull(),
    createdBy: text('created_by').notNull(),
    /** Rows up to this one are committed: a restarted import goes on from here. */
    resumeAfterRow: integer('resume_after_row').notNull().default(1),
    counts: jsonb('counts').notNull(),
    /** The refused rows, each with its column and reason (the first few thousand). */
    errors: jsonb('errors').notNull(),
    failure: text('failure'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.sellerId, t.id] }), uniqueIndex('product_imports_id_idx').on(t.id)],
);

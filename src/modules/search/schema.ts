import { bigint, boolean, customType, doublePrecision, index, integer, jsonb, pgTable, primaryKey, smallint, text, timestamp } from 'drizzle-orm/pg-core';

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/**
 * The search read model: one row per product and market where buyers may see it (an active or
 * throttled listing), denormalised from the catalogue, inventory, sellers and logistics so a
 * search reads this table alone. Fed by events, rebuilt from scratch by `caravan search rebuild`.
 * Keyed by market first: every search is within one market.
 */
export const searchDocuments = pgTable(
  'search_documents',
  {
    market: text('market').notNull(),
    productId: text('product_id').notNull(),
    sellerId: text('seller_id').notNull(),
    storeName: text('store_name').notNull(),
    /** active | throttled: other listings are not in the read model at all. */
    listingStatus: text('listing_status').notNull(),
    categoryCode: text('category_code').notNull(),
    categoryPath: text('category_path').array().notNull(),
    mainLanguage: text('main_language').notNull(),
    /** Titles by catalogue language, for showing the buyer's with a fallback. */
    titles: jsonb('titles').notNull(),
    mainImage: text('main_image'),
    /** Titles and descriptions in every language, each stemmed by its own language's configuration. */
    searchVector: tsvector('search_vector').notNull(),
    /** Titles, brand and model as plain text, for the typo-tolerant (trigram) fallback. */
    searchText: text('search_text').notNull(),
    /** The cheapest and dearest SKU in this market, in the currency the seller priced them. */
    priceFromAmount: bigint('price_from_amount', { mode: 'number' }).notNull(),
    priceFromCurrency: text('price_from_currency').notNull(),
    priceToAmount: bigint('price_to_amount', { mode: 'number' }).notNull(),
    priceToCurrency: text('price_to_currency').notNull(),
    /** The same in US cents, for price filters and bands in any buyer currency. */
    priceFromUsd: bigint('price_from_usd', { mode: 'number' }).notNull(),
    priceToUsd: bigint('price_to_usd', { mode: 'number' }).notNull(),
    /** The FX snapshot the US-cent figures were converted at. */
    fxSnapshot: text('fx_snapshot').notNull(),
    inStock: boolean('in_stock').notNull(),
    qualityScore: smallint('quality_score').notNull(),
    storeScore: smallint('store_score').notNull(),
    marketPreference: doublePrecision('market_preference').notNull(),
    /** Quality × store score × market preference × listing status, as rules.ts defines it. */
    rankWeight: doublePrecision('rank_weight').notNull(),
    /** The rank weight as an integer, the order of results when nothing is searched for. */
    rankKey: bigint('rank_key', { mode: 'number' }).notNull(),
    shipsFrom: text('ships_from').array().notNull(),
    /** Fulfilment paths of the shipping offers: standard, dedicated_line, overseas_warehouse, express. */
    fulfilment: text('fulfilment').array().notNull(),
    freeShipping: boolean('free_shipping').notNull(),
    /** The quickest offer's delivery window (handling time included); null when no offer is known. */
    deliveryDaysMin: smallint('delivery_days_min'),
    deliveryDaysMax: smallint('delivery_days_max'),
    indexedAt: timestamp('indexed_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.market, t.productId] }),
    // Multi-column GIN indexes (btree_gin) so a market's matches are found without reading other markets'.
    index('search_documents_text_idx').using('gin', t.market, t.searchVector),
    index('search_documents_trigram_idx').using('gin', t.market, t.searchText.op('gin_trgm_ops')),
    index('search_documents_category_idx').using('gin', t.market, t.categoryPath),
    // Browsing without a query reads a market in result order.
    index('search_documents_browse_idx').on(t.market, t.inStock.desc(), t.rankKey.desc(), t.productId),
    index('search_documents_seller_idx').on(t.sellerId),
    index('search_documents_product_idx').on(t.productId),
  ],
);

/** Category codes and names in every catalogue language, for naming the category facet. */
export const searchCategories = pgTable('search_categories', {
  code: text('code').primaryKey(),
  names: jsonb('names').notNull(),
});

/** Every search a buyer ran: what the selection engine reads as hot words. */
export const searchQueries = pgTable(
  'search_queries',
  {
    id: text('id').primaryKey(),
    market: text('market').notNull(),
    language: text('language').notNull(),
    /** As typed (trimmed); empty when the buyer only browsed with filters. */
    query: text('query').notNull(),
    /** Lower-cased, width- and space-normalised: what hot words group by. */
    normalizedQuery: text('normalized_query').notNull(),
    filters: jsonb('filters').notNull(),
    resultsCount: integer('results_count').notNull(),
    /** True when nothing matched exactly and the results are the typo-tolerant fallback's. */
    fuzzy: boolean('fuzzy').notNull(),
    buyerAccountId: text('buyer_account_id'),
    /** The client's anonymous session (X-Session-Id), when no buyer is signed in. */
    sessionId: text('session_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('search_queries_market_time_idx').on(t.market, t.createdAt)],
);

/** A result a buyer opened from a search; one per search and product however often it is clicked. */
export const searchClicks = pgTable(
  'search_clicks',
  {
    searchId: text('search_id').notNull(),
    productId: text('product_id').notNull(),
    /** 1-based position of the result in the list the buyer saw. */
    position: integer('position').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.searchId, t.productId] })],
);

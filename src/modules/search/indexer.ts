import { and, asc, eq, getTableColumns, gt, ne, notInArray, sql, type SQL } from 'drizzle-orm';
import type { Platform } from '../../platform/index.ts';
import { inTransaction, queryRows, type Db } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import { convert, type Money } from '../../platform/money/index.ts';
import type { FeedProduct, FeedSelection, FeedSku } from '../catalog/index.ts';
import { SELLERS_SHIP_FROM, type LogisticsService } from '../logistics/index.ts';
import type { FxRateTable, MarketDirectory } from '../markets/index.ts';
import type { SellersService } from '../sellers/index.ts';
import {
  contentLanguage,
  isVisible,
  listingQuality,
  listingWeight,
  marketPreference,
  rankKey,
  shippingSummary,
  stockLocations,
  trigramText,
  vectorParts,
  type Offer,
  type QualityInput,
  type VisibleStatus,
} from './rules.ts';
import { searchCategories, searchDocuments } from './schema.ts';

/** A logistics warehouse: the service that delivers from it, and where it is. */
export interface Warehouse {
  code: string;
  country: string;
  serviceCode: string;
}

export interface IndexDependencies {
  /** The catalogue's products as read models need them (catalog's search feed). */
  feed(tx: Db, selection: FeedSelection): Promise<FeedProduct[]>;
  /** Category codes with their names in every catalogue language. */
  categories(tx: Db): Promise<{ code: string; names: Record<string, string> }[]>;
  catalogLanguages: readonly string[];
  markets: MarketDirectory;
  sellers: Pick<SellersService, 'storeScores' | 'openStore'>;
  logistics: Pick<LogisticsService, 'shippingOffers'>;
  warehouses(tx: Db): Promise<Warehouse[]>;
  fxRates(tx: Db): Promise<FxRateTable>;
}

/**
 * Every seller is a mainland China business (seller onboarding admits no other), so parcels leave
 * from China unless they ship from stock in an overseas warehouse.
 */

/**
 * The search index keeps each market's offers at country level; the quote engine asks for a
 * postal code, and this one falls in no country's excluded or remote-area ranges in the rate data.
 */
const COUNTRY_LEVEL_POSTAL_CODE = '00';

/** Products read, quoted and written per step when many are refreshed. */
const PRODUCTS_PER_PAGE = 200;
const WRITE_BATCH = 250;

type DocumentRow = typeof searchDocuments.$inferInsert;

export function createSearchIndex(platform: Platform, deps: IndexDependencies) {
  const { db, clock, logger } = platform;
  const today = () => clock.now().toISOString().slice(0, 10);

  function vectorOf(product: FeedProduct): SQL {
    const parts = vectorParts(product.content);
    if (parts.length === 0) return sql`''::tsvector`;
    return sql.join(
      parts.map((part) => sql`setweight(to_tsvector(${part.config}::regconfig, ${part.text}), ${sql.raw(`'${part.weight}'`)})`),
      sql` || `,
    );
  }

  function certificationIn(product: FeedProduct, market: string, date: string): QualityInput['certification'] {
    const covers = (codes: readonly string[]) => codes.some((code) => deps.markets.expand(code).includes(market));
    const required = product.categoryCertifications.filter((rule) => covers(rule.markets));
    if (required.length === 0) return 'none_required';
    const usable = (rule: { anyOf: string[] }, status: string) =>
      product.certificates.some((c) => c.status === status && rule.anyOf.includes(c.type) && covers(c.markets) && c.validFrom <= date && (c.validTo === null || date <= c.validTo));
    if (required.every((rule) => usable(rule, 'verified'))) return 'verified';
    if (required.every((rule) => usable(rule, 'verified') || usable(rule, 'submitted'))) return 'submitted';
    return 'missing';
  }

  const available = (sku: FeedSku) => Object.values(sku.availableByWarehouse).reduce((sum, n) => sum + n, 0);

  /** What buyers in a market are offered to ship one unit of a SKU, as the index keeps it. */
  async function offersFor(tx: Db, product: FeedProduct, market: string, sku: FeedSku, price: Money, warehouses: readonly Warehouse[]): Promise<Offer[]> {
    if (!sku.weightGrams) return [];
    const stock = stockLocations(sku.availableByWarehouse, warehouses);
    try {
      const { offers } = await deps.logistics.shippingOffers(tx, product.sellerId, {
        parcel: {
          originCountry: SELLERS_SHIP_FROM,
          destination: { country: market, postalCode: COUNTRY_LEVEL_POSTAL_CODE },
          items: [{ weightG: sku.weightGrams, value: price, hsCode: product.content.hs_code ?? '', quantity: 1, ...(sku.packageMm ? { dimensionsMm: { lengthMm: sku.packageMm.length, widthMm: sku.packageMm.width, heightMm: sku.packageMm.height } } : {}) }],
        },
        date: today(),
        warehouseStock: stock.countries,
      });
      if (!offers.ships) return [];
      const byService = new Map(warehouses.map((w) => [w.serviceCode, w.country]));
      return offers.offers
        .filter((offer) => stock.atOrigin || byService.has(offer.serviceCode))
        .map((offer) => ({ path: offer.quote.path, shipsFrom: byService.get(offer.serviceCode) ?? SELLERS_SHIP_FROM, free: offer.free, deliveryDays: offer.deliveryDays }));
    } catch (error) {
      // A parcel the quote engine cannot price (no package size, say) has no offers to show.
      if (error instanceof AppError) return [];
      throw error;
    }
  }

  /** The index rows of some products: one per market where a buyer may see the listing. */
  async function documentsFor(tx: Db, products: readonly FeedProduct[]): Promise<DocumentRow[]> {
    const sellerIds = [...new Set(products.map((p) => p.sellerId))];
    const scores = await deps.sellers.storeScores(tx, sellerIds);
    const stores = new Map<string, string>();
    for (const sellerId of sellerIds) {
      const store = await deps.sellers.openStore(tx, sellerId);
      if (store) stores.set(sellerId, store.name);
    }
    const warehouses = await deps.warehouses(tx);
    const fx = await deps.fxRates(tx);
    const date = today();
    const snapshot = fx.snapshotOn(date)?.id ?? 'none';
    const now = clock.now();
    const toUsd = (value: Money): number | null => {
      if (value.currency === 'USD') return value.amount;
      const rate = fx.rate(value.currency, 'USD', date);
      return rate ? convert(value, rate, 'half_up').amount : null;
    };

    const rows: DocumentRow[] = [];
    for (const product of products) {
      const storeName = stores.get(product.sellerId);
      if (!storeName || product.status !== 'published') continue;
      const content = product.content;
      const vector = vectorOf(product);
      const searchText = trigramText(content);
      for (const listing of product.listings) {
        const market = deps.markets.get(listing.market);
        if (!market || !isVisible(listing.status) || !product.markets.includes(listing.market)) continue;
        const priced = product.skus
          .map((sku) => {
            const price = sku.countryPrices[market.code] ?? sku.price;
            return { sku, price, usd: toUsd(price), available: available(sku) };
          })
          .filter((p): p is typeof p & { usd: number } => p.usd !== null)
          .sort((a, b) => a.usd - b.usd);
        const cheapest = priced[0];
        const dearest = priced.at(-1);
        if (!cheapest || !dearest) {
          logger.warn({ productId: product.id, market: market.code }, 'no SKU price converts to USD: left out of search');
          continue;
        }
        const inStock = priced.some((p) => p.available > 0);
        // Shipping is shown for the cheapest SKU a buyer can order, weighed.
        const shipped = priced.find((p) => p.available > 0 && p.sku.weightGrams) ?? priced.find((p) => p.sku.weightGrams);
        const offers = shipped ? await offersFor(tx, product, market.code, shipped.sku, shipped.price, warehouses) : [];
        const shipping = shippingSummary(offers);
        const language = contentLanguage(market.language, deps.catalogLanguages);
        const quality = listingQuality({
          language,
          titles: content.titles,
          descriptions: content.descriptions ?? {},
          images: content.images?.length ?? 0,
          video: content.video ? { durationSeconds: content.video.duration_seconds } : null,
          attributesDefined: product.categoryAttributes.length,
          attributesFilled: product.categoryAttributes.filter((code) => content.attributes?.[code] !== undefined).length,
          certification: certificationIn(product, market.code, date),
          brand: !!content.brand,
          model: !!content.model,
        }).score;
        const storeScore = scores.get(product.sellerId) ?? 100;
        const preference = marketPreference({ localised: !!content.titles[language as keyof typeof content.titles]?.trim(), localFulfilment: shipping.shipsFrom.includes(market.code) });
        const weight = listingWeight({ quality, storeScore, preference, status: listing.status as VisibleStatus });
        rows.push({
          market: market.code,
          productId: product.id,
          sellerId: product.sellerId,
          storeName,
          listingStatus: listing.status,
          categoryCode: product.categoryCode,
          categoryPath: product.categoryPath,
          mainLanguage: content.main_language,
          titles: content.titles,
          mainImage: content.images?.[0] ?? null,
          searchVector: vector as unknown as string,
          searchText,
          priceFromAmount: cheapest.price.amount,
          priceFromCurrency: cheapest.price.currency,
          priceToAmount: dearest.price.amount,
          priceToCurrency: dearest.price.currency,
          priceFromUsd: cheapest.usd,
          priceToUsd: dearest.usd,
          fxSnapshot: snapshot,
          inStock,
          qualityScore: quality,
          storeScore,
          marketPreference: preference,
          rankWeight: weight,
          rankKey: rankKey(1, weight),
          shipsFrom: shipping.shipsFrom,
          fulfilment: shipping.fulfilment,
          freeShipping: shipping.freeShipping,
          deliveryDaysMin: shipping.deliveryDays?.min ?? null,
          deliveryDaysMax: shipping.deliveryDays?.max ?? null,
          indexedAt: now,
        });
      }
    }
    return rows;
  }

  async function write(tx: Db, rows: readonly DocumentRow[]): Promise<void> {
    const replaced = Object.fromEntries(
      Object.entries(getTableColumns(searchDocuments))
        .filter(([key]) => key !== 'market' && key !== 'productId')
        .map(([key, column]) => [key, sql.raw(`excluded.${column.name}`)]),
    );
    for (let i = 0; i < rows.length; i += WRITE_BATCH) {
      await tx
        .insert(searchDocuments)
        .values(rows.slice(i, i + WRITE_BATCH))
        .onConflictDoUpdate({ target: [searchDocuments.market, searchDocuments.productId], set: replaced });
    }
  }

  /**
   * Brings some products' rows up to date, in the caller's transaction: rows written for the
   * markets where they are visible now, the others removed. Running it twice changes nothing more.
   */
  async function refresh(tx: Db, productIds: readonly string[]): Promise<void> {
    if (productIds.length === 0) return;
    const rows = await documentsFor(tx, await deps.feed(tx, { productIds }));
    await queryRows(
      tx,
      sql`DELETE FROM search_documents d
          WHERE d.product_id = ANY(${sql.param([...productIds])}::text[])
            AND NOT EXISTS (SELECT 1 FROM unnest(${sql.param(rows.map((r) => r.market))}::text[], ${sql.param(rows.map((r) => r.productId))}::text[]) AS k(market, product_id)
                            WHERE k.market = d.market AND k.product_id = d.product_id)`,
    );
    await write(tx, rows);
  }

  /** The category names facets show, as the catalogue has them now. */
  async function refreshCategories(tx: Db): Promise<void> {
    const categories = await deps.categories(tx);
    await tx.delete(searchCategories).where(categories.length > 0 ? notInArray(searchCategories.code, categories.map((c) => c.code)) : undefined);
    for (let i = 0; i < categories.length; i += 500) {
      await tx
        .insert(searchCategories)
        .values(categories.slice(i, i + 500))
        .onConflictDoUpdate({ target: searchCategories.code, set: { names: sql`excluded.names` } });
    }
  }

  return {
    refresh,
    refreshCategories,

    /**
     * Refreshes the next page of indexed products after `afterId` in product order — one seller's,
     * or everyone's — in the caller's transaction. Returns where the next page starts, or null when
     * this was the last. Products not in the index are passed over: how a product ships never
     * decides whether it is shown, so a change to shipping alone cannot bring one in.
     */
    async refreshIndexedPage(tx: Db, page: { sellerId?: string; afterId?: string }, limit = PRODUCTS_PER_PAGE): Promise<string | null> {
      const rows = await tx
        .selectDistinct({ productId: searchDocuments.productId })
        .from(searchDocuments)
        .where(and(page.sellerId ? eq(searchDocuments.sellerId, page.sellerId) : undefined, page.afterId ? gt(searchDocuments.productId, page.afterId) : undefined))
        .orderBy(asc(searchDocuments.productId))
        .limit(limit);
      await refresh(tx, rows.map((row) => row.productId));
      return rows.length === limit ? rows.at(-1)!.productId : null;
    },

    /**
     * The whole index again from the catalogue, in one transaction: searches see the old index
     * until the new one is complete. Returns how many rows it holds.
     */
    async rebuild(): Promise<{ products: number; documents: number }> {
      return inTransaction(db, async (tx) => {
        await tx.delete(searchDocuments);
        await refreshCategories(tx);
        let afterId: string | null = null;
        let products = 0;
        let documents = 0;
        for (;;) {
          const page = await deps.feed(tx, { afterId, limit: PRODUCTS_PER_PAGE });
          if (page.length === 0) break;
          const rows = await documentsFor(tx, page);
          await write(tx, rows);
          products += page.length;
          documents += rows.length;
          afterId = page.at(-1)!.id;
        }
        return { products, documents };
      });
    },

    /** A store's new score, into every row of its listings (their rank weight with it). */
    async applyStoreScore(tx: Db, sellerId: string, score: number): Promise<void> {
      const rows = await tx
        .select({ market: searchDocuments.market, productId: searchDocuments.productId, quality: searchDocuments.qualityScore, preference: searchDocuments.marketPreference, status: searchDocuments.listingStatus })
        .from(searchDocuments)
        .where(and(eq(searchDocuments.sellerId, sellerId), ne(searchDocuments.storeScore, score)));
      if (rows.length === 0) return;
      const weights = rows.map((row) => listingWeight({ quality: row.quality, storeScore: score, preference: row.preference, status: row.status as VisibleStatus }));
      await queryRows(
        tx,
        sql`UPDATE search_documents d SET store_score = ${score}, rank_weight = k.weight, rank_key = k.rank_key
            FROM unnest(${sql.param(rows.map((r) => r.market))}::text[], ${sql.param(rows.map((r) => r.productId))}::text[],
                        ${sql.param(weights)}::float8[], ${sql.param(weights.map((w) => rankKey(1, w)))}::bigint[]) AS k(market, product_id, weight, rank_key)
            WHERE d.market = k.market AND d.product_id = k.product_id`,
      );
    },

    /**
     * US-cent prices again at the FX snapshot in force today, for rows converted at another one
     * (an older snapshot, or a version an operator has since replaced): price filters and bands
     * compare in US cents, so they follow the rates in force.
     */
    async renormalisePrices(tx: Db): Promise<number> {
      const fx = await deps.fxRates(tx);
      const date = today();
      const snapshot = fx.snapshotOn(date)?.id;
      if (!snapshot) return 0;
      const stale = await tx
        .select({ market: searchDocuments.market, productId: searchDocuments.productId, fromAmount: searchDocuments.priceFromAmount, fromCurrency: searchDocuments.priceFromCurrency, toAmount: searchDocuments.priceToAmount, toCurrency: searchDocuments.priceToCurrency })
        .from(searchDocuments)
        .where(ne(searchDocuments.fxSnapshot, snapshot));
      const usd = (amount: number, currency: string) => {
        if (currency === 'USD') return amount;
        const rate = fx.rate(currency, 'USD', date);
        return rate ? convert({ amount, currency }, rate, 'half_up').amount : null;
      };
      const updates = stale.flatMap((row) => {
        const from = usd(row.fromAmount, row.fromCurrency);
        const to = usd(row.toAmount, row.toCurrency);
        return from === null || to === null ? [] : [{ ...row, from, to }];
      });
      for (let i = 0; i < updates.length; i += 1000) {
        const batch = updates.slice(i, i + 1000);
        await queryRows(
          tx,
          sql`UPDATE search_documents d SET price_from_usd = k.from_usd, price_to_usd = k.to_usd, fx_snapshot = ${snapshot}
              FROM unnest(${sql.param(batch.map((r) => r.market))}::text[], ${sql.param(batch.map((r) => r.productId))}::text[],
                          ${sql.param(batch.map((r) => r.from))}::bigint[], ${sql.param(batch.map((r) => r.to))}::bigint[]) AS k(market, product_id, from_usd, to_usd)
              WHERE d.market = k.market AND d.product_id = k.product_id`,
        );
      }
      return updates.length;
    },
  };
}

export type SearchIndex = ReturnType<typeof createSearchIndex>;

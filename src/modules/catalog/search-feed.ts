import { and, asc, eq, gt, inArray, isNull, type SQL } from 'drizzle-orm';
import type { Db } from '../../platform/db/index.ts';
import type { CertificatesService } from '../compliance/index.ts';
import type { InventoryService } from '../inventory/index.ts';
import type { CategoriesService } from './categories.ts';
import type { Sku } from './service.ts';
import type { ListingStatus, ProductInput, ProductStatus } from './rules.ts';
import { listings, products, skus } from './schema.ts';

/**
 * What read models (search, product pages) need to know of products, in one call: content, SKUs
 * with their stock by warehouse, each market's listing status, the category's place in the tree
 * and the certificates that may admit the product. Read models keep their own copies and ask
 * again when the catalogue says something changed; they never read the catalogue's tables.
 */
export interface FeedSku extends Omit<Sku, 'barcode' | 'available'> {
  /** Available to sell (on hand less reserved), per warehouse; warehouses without any are left out. */
  availableByWarehouse: Record<string, number>;
}

export interface FeedProduct {
  id: string;
  sellerId: string;
  status: ProductStatus;
  categoryCode: string;
  /** Category codes from the root down to the product's own. */
  categoryPath: string[];
  /** Attributes the category defines for the whole product (not per SKU), for completeness scores. */
  categoryAttributes: string[];
  /** Certificates the category calls for, by market or market group: any one type of each rule. */
  categoryCertifications: { markets: string[]; anyOf: string[] }[];
  content: Omit<ProductInput, 'skus' | 'markets' | 'category' | 'seller_ref'>;
  markets: string[];
  listings: { market: string; status: ListingStatus }[];
  skus: FeedSku[];
  certificates: { type: string; markets: string[]; status: 'submitted' | 'verified' | 'rejected'; validFrom: string; validTo: string | null }[];
  updatedAt: Date;
}

/** Named products, or the next page of every live product in id order (for rebuilding from scratch). */
export type FeedSelection = { productIds: readonly string[] } | { afterId: string | null; limit: number };

export function createSearchFeed(deps: { categories: CategoriesService; inventory: InventoryService; certificates: CertificatesService }) {
  /** Live (not deleted) products, in the caller's transaction; products named but gone are simply absent. */
  return async function feedProducts(tx: Db, selection: FeedSelection): Promise<FeedProduct[]> {
    const live = isNull(products.deletedAt);
    let where: SQL | undefined;
    if ('productIds' in selection) {
      if (selection.productIds.length === 0) return [];
      where = and(live, inArray(products.id, [...selection.productIds]));
    } else {
      where = and(live, selection.afterId ? gt(products.id, selection.afterId) : undefined);
    }
    const query = tx.select().from(products).where(where).orderBy(asc(products.id));
    const rows = 'limit' in selection ? await query.limit(selection.limit) : await query;
    if (rows.length === 0) return [];

    const { categories } = await deps.categories.resolved(tx);
    const bySeller = new Map<string, string[]>();
    for (const row of rows) bySeller.set(row.sellerId, [...(bySeller.get(row.sellerId) ?? []), row.id]);

    const skusByProduct = new Map<string, FeedSku[]>();
    const listingsByProduct = new Map<string, FeedProduct['listings']>();
    const certificatesByProduct = new Map<string, FeedProduct['certificates']>();
    for (const [sellerId, productIds] of bySeller) {
      const skuRows = await tx
        .select()
        .from(skus)
        .where(and(eq(skus.sellerId, sellerId), inArray(skus.productId, productIds), isNull(skus.deletedAt)))
        .orderBy(asc(skus.productId), asc(skus.position));
      const stock = new Map<string, Record<string, number>>();
      for (const level of await deps.inventory.levels(tx, sellerId, skuRows.map((sku) => sku.id))) {
        if (level.available <= 0) continue;
        stock.set(level.skuId, { ...stock.get(level.skuId), [level.warehouse]: level.available });
      }
      for (const sku of skuRows) {
        const list = skusByProduct.get(sku.productId) ?? [];
        list.push({
          id: sku.id,
          sellerSku: sku.sellerSku,
          variant: sku.variant as FeedSku['variant'],
          price: { amount: sku.priceAmount, currency: sku.priceCurrency },
          countryPrices: sku.countryPrices as FeedSku['countryPrices'],
          weightGrams: sku.weightGrams,
          packageMm: sku.lengthMm && sku.widthMm && sku.heightMm ? { length: sku.lengthMm, width: sku.widthMm, height: sku.heightMm } : null,
          availableByWarehouse: stock.get(sku.id) ?? {},
        });
        skusByProduct.set(sku.productId, list);
      }
      const listingRows = await tx
        .select({ productId: listings.productId, market: listings.market, status: listings.status })
        .from(listings)
        .where(and(eq(listings.sellerId, sellerId), inArray(listings.productId, productIds)));
      for (const listing of listingRows) {
        listingsByProduct.set(listing.productId, [...(listingsByProduct.get(listing.productId) ?? []), { market: listing.market, status: listing.status as ListingStatus }]);
      }
      for (const [productId, facts] of await deps.certificates.factsFor(tx, sellerId, productIds)) {
        certificatesByProduct.set(productId, facts.map(({ type, markets, status, validFrom, validTo }) => ({ type, markets, status, validFrom, validTo })));
      }
    }

    return rows.map((row) => {
      const category = categories.get(row.categoryCode);
      return {
        id: row.id,
        sellerId: row.sellerId,
        status: row.status as ProductStatus,
        categoryCode: row.categoryCode,
        categoryPath: category?.path ?? [row.categoryCode],
        categoryAttributes: (category?.attributes ?? []).filter((a) => !a.skuDefining).map((a) => a.code),
        categoryCertifications: (category?.certifications ?? []).map((rule) => ({ markets: rule.markets, anyOf: rule.anyOf })),
        content: row.content as FeedProduct['content'],
        markets: row.markets,
        listings: listingsByProduct.get(row.id) ?? [],
        skus: skusByProduct.get(row.id) ?? [],
        certificates: certificatesByProduct.get(row.id) ?? [],
        updatedAt: row.updatedAt,
      };
    });
  };
}

export type SearchFeed = ReturnType<typeof createSearchFeed>;

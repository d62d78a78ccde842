import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../../platform/db/index.ts';
import type { Money } from '../../platform/money/index.ts';
import type { CategoriesService } from './categories.ts';
import type { CatalogLanguage } from './taxonomy.ts';
import { commissionRateOn } from './taxonomy.ts';
import type { ListingStatus } from './rules.ts';
import { listings, products, skus } from './schema.ts';

/** Listings a buyer may put in a cart and order in a market: shown, even if demoted. */
const ORDERABLE: readonly ListingStatus[] = ['active', 'throttled'];

/** A SKU as a buyer may order it in one market, with what an order must freeze. */
export interface PurchasableSku {
  skuId: string;
  sellerId: string;
  productId: string;
  sellerSku: string;
  variant: Record<string, string | number | boolean>;
  titles: Partial<Record<CatalogLanguage, string>>;
  mainLanguage: CatalogLanguage;
  image: string | null;
  /** The price in that market: the seller's price for the country, else the SKU's own. */
  price: Money;
  weightGrams: number | null;
  packageMm: { length: number; width: number; height: number } | null;
  hsCode: string | null;
  categoryCode: string;
  /** The category's commission rate in force on the day asked, as an exact decimal ("0.08"). */
  commissionRate: string | null;
  /** Why it cannot be ordered there; null when it can. */
  unavailable: null | 'not_offered_in_market' | 'listing_not_shown' | 'product_offline' | 'sku_removed';
  listingStatus: ListingStatus | null;
}

interface Content {
  titles: Partial<Record<CatalogLanguage, string>>;
  main_language: CatalogLanguage;
  images?: string[];
  hs_code?: string | null;
}

/**
 * SKUs as a cart and an order see them, in one statement: price for the market, weight and size
 * for shipping, HS code for customs, commission rate for the order, and whether the listing may be
 * bought there at all.
 */
export function createPurchaseView(categories: Pick<CategoriesService, 'resolved'>) {
  return async function purchasable(tx: Db, skuIds: readonly string[], market: string, date: string): Promise<Map<string, PurchasableSku>> {
    if (skuIds.length === 0) return new Map();
    const rows = await tx
      .select({ sku: skus, product: products, listingStatus: listings.status })
      .from(skus)
      .innerJoin(products, and(eq(products.sellerId, skus.sellerId), eq(products.id, skus.productId)))
      .leftJoin(listings, and(eq(listings.sellerId, skus.sellerId), eq(listings.productId, skus.productId), eq(listings.market, market)))
      .where(and(inArray(skus.id, [...skuIds]), isNull(products.deletedAt)));
    const { categories: tree } = await categories.resolved(tx);
    const found = new Map<string, PurchasableSku>();
    for (const { sku, product, listingStatus } of rows) {
      const content = product.content as Content;
      const countryPrice = (sku.countryPrices as Record<string, Money>)[market];
      const category = tree.get(product.categoryCode);
      const status = (listingStatus ?? null) as ListingStatus | null;
      found.set(sku.id, {
        skuId: sku.id,
        sellerId: sku.sellerId,
        productId: product.id,
        sellerSku: sku.sellerSku,
        variant: sku.variant as PurchasableSku['variant'],
        titles: content.titles,
        mainLanguage: content.main_language,
        image: content.images?.[0] ?? null,
        price: countryPrice ?? { amount: sku.priceAmount, currency: sku.priceCurrency },
        weightGrams: sku.weightGrams,
        packageMm: sku.lengthMm && sku.widthMm && sku.heightMm ? { length: sku.lengthMm, width: sku.widthMm, height: sku.heightMm } : null,
        hsCode: content.hs_code ?? null,
        categoryCode: product.categoryCode,
        commissionRate: category ? (commissionRateOn(category, date) ?? null) : null,
        unavailable: sku.deletedAt
          ? 'sku_removed'
          : product.status !== 'published'
            ? 'product_offline'
            : status === null
              ? 'not_offered_in_market'
              : ORDERABLE.includes(status)
                ? null
                : 'listing_not_shown',
        listingStatus: status,
      });
    }
    return found;
  };
}

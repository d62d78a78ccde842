import type { Platform } from '../../platform/index.ts';
import type { HttpApp } from '../../platform/http/server.ts';
import { CERTIFICATE_EVENTS, LISTING_REVIEW_EVENTS, PROHIBITED_LIST_EVENTS, type ComplianceModule, type Finding } from '../compliance/index.ts';
import type { InventoryService } from '../inventory/index.ts';
import type { MarketDirectory } from '../markets/index.ts';
import type { SellersService } from '../sellers/index.ts';
import { CATEGORY_EVENTS, createCategoriesService } from './categories.ts';
import { registerCatalogRoutes } from './routes.ts';
import { createImportsService, IMPORT_JOB } from './imports.ts';
import { createCatalogService } from './service.ts';
import { createPurchaseView } from './purchase.ts';
import { createSearchFeed } from './search-feed.ts';
import type { SellerPrincipal } from '../identity/index.ts';

export { CATALOG_EVENTS, type CatalogService, type Product } from './service.ts';
export { IMPORT_JOB, type ImportCounts, type ImportsService, type ProductImport } from './imports.ts';
export { LISTING_STATUSES, PRODUCT_STATUSES, titleFor, type ListingStatus, type ProductInput, type ProductStatus } from './rules.ts';
export { CATALOG_LANGUAGES, type CatalogLanguage, type ResolvedCategory } from './taxonomy.ts';
export { CATEGORY_EVENTS } from './categories.ts';
export type { PurchasableSku } from './purchase.ts';
export type { FeedProduct, FeedSelection, FeedSku, SearchFeed } from './search-feed.ts';

/** Re-judges a seller's products in batches, after a change that may affect many of them. */
export const REJUDGE_JOB = 'catalog.rejudge';

interface RejudgePayload {
  sellerId?: string;
  categoryPrefix?: string;
  productIds?: string[];
  afterId?: string;
}

export function createCatalogModule(platform: Platform, deps: { compliance: ComplianceModule; inventory: InventoryService; markets: MarketDirectory; sellers: SellersService }) {
  const categories = createCategoriesService(platform);
  const service = createCatalogService(platform, {
    categories,
    inventory: deps.inventory,
    admission: deps.compliance.admission,
    certificates: deps.compliance.certificates,
    reviews: deps.compliance.reviews,
    markets: deps.markets,
    sellers: deps.sellers,
  });
  const { jobs, events } = platform;
  const imports = createImportsService(platform, service.internals);

  jobs.define<{ importId: string; principal: SellerPrincipal }>(IMPORT_JOB, async ({ importId, principal }) => {
    await imports.run(importId, principal);
  }, { leaseMs: 30 * 60_000, maxAttempts: 3 });

  jobs.define<RejudgePayload>(REJUDGE_JOB, async (payload) => {
    const sellerIds = payload.sellerId ? [payload.sellerId] : await service.sellersWithProducts();
    for (const sellerId of sellerIds) {
      let after: string | null | undefined = payload.afterId;
      do {
        after = await service.rejudge(sellerId, { ...(payload.productIds ? { productIds: payload.productIds } : {}), ...(payload.categoryPrefix ? { categoryPrefix: payload.categoryPrefix } : {}) }, after ?? undefined);
      } while (after);
    }
  });

  // A certificate admits one product, or all of a seller's: judge again what it may change.
  events.subscribe('catalog.certificates', [CERTIFICATE_EVENTS.changed], async (event, tx) => {
    const { productId } = event.payload as { productId: string | null };
    await jobs.enqueue(tx, REJUDGE_JOB, { sellerId: event.sellerId, ...(productId ? { productIds: [productId] } : {}) });
  });
  events.subscribe('catalog.rules', [PROHIBITED_LIST_EVENTS.changed, CATEGORY_EVENTS.changed], async (event, tx) => {
    const categoryPrefix = event.type === CATEGORY_EVENTS.changed ? (event.payload as { code: string }).code : undefined;
    await jobs.enqueue(tx, REJUDGE_JOB, categoryPrefix ? { categoryPrefix } : {});
  });
  // An operator's decision on a held or reported listing becomes a standing override.
  events.subscribe('catalog.listing-reviews', [LISTING_REVIEW_EVENTS.decided], async (event, tx) => {
    const decision = event.payload as { productId: string; market: string; outcome: 'approve' | 'reject' | 'dismiss'; reason: string; operatorId: string; findings?: Finding[] };
    if (decision.outcome === 'dismiss') return;
    await service.applyReviewDecision(tx, { ...decision, outcome: decision.outcome });
  });

  return {
    service,
    /** SKUs as carts and orders see them in a market, in the caller's transaction. */
    purchasable: createPurchaseView(categories),
    categories,
    imports,
    /** Products as read models (search, product pages) need them. */
    feed: createSearchFeed({ categories, inventory: deps.inventory, certificates: deps.compliance.certificates }),
    installReferenceData: () => categories.installReferenceData(),
    registerRoutes: (app: HttpApp) =>
      registerCatalogRoutes(app, { catalog: service, categories, imports, certificates: deps.compliance.certificates, reviews: deps.compliance.reviews, today: () => platform.clock.now().toISOString().slice(0, 10) }),
  };
}

export type CatalogModule = ReturnType<typeof createCatalogModule>;

import type { Platform } from '../../platform/index.ts';
import { inTransaction } from '../../platform/db/index.ts';
import type { HttpApp } from '../../platform/http/server.ts';
import { CATALOG_EVENTS, CATEGORY_EVENTS } from '../catalog/index.ts';
import { CHECKOUT_EVENTS } from '../checkout/index.ts';
import { FREIGHT_TEMPLATE_EVENTS, LOGISTICS_DATA_EVENTS } from '../logistics/index.ts';
import { MARKETS_EVENTS } from '../markets/index.ts';
import { ORDER_EVENTS } from '../orders/index.ts';
import { SELLER_EVENTS } from '../sellers/index.ts';
import { createSearchIndex, type IndexDependencies } from './indexer.ts';
import { createProductPages } from './product-page.ts';
import { registerSearchRoutes } from './routes.ts';
import { createSearchService } from './service.ts';

export { FULFILMENT_PATHS, type Facets, type HotWord, type HotWords, type SearchHit, type SearchRequest, type SearchResults, type SearchService } from './service.ts';
export { type IndexDependencies, type SearchIndex, type Warehouse } from './indexer.ts';
export type { ProductPage, ProductPageRequest, ProductPages, ShippingOption, TaxEstimate } from './product-page.ts';
export { listingQuality, listingWeight, QUALITY_POINTS, RANKING, stockState, type Quality, type QualityInput, type StockState } from './rules.ts';

/** Re-converts indexed prices to US cents when another FX snapshot is in force. */
export const RENORMALISE_PRICES_JOB = 'search.renormalise_prices';

/**
 * Quotes the shipping of indexed products again, a page per run: one seller's after their default
 * freight template changed, everyone's after the logistics data did.
 */
export const REFRESH_SHIPPING_JOB = 'search.refresh_shipping';

/** A walk through the index: `walk` names it, `afterId` is where its next page starts. */
interface ShippingWalk {
  walk: string;
  sellerId?: string;
  afterId?: string;
}

/**
 * Buyer search and its read model: the index is kept up to date from the catalogue's, the
 * sellers', the categories', the FX snapshots' and logistics' events (freight templates, logistics
 * data), and can be rebuilt from scratch (`caravan search rebuild`).
 */
export function createSearchModule(platform: Platform, deps: IndexDependencies) {
  const index = createSearchIndex(platform, deps);
  const service = createSearchService(platform, { markets: deps.markets, catalogLanguages: deps.catalogLanguages, fxRates: deps.fxRates });
  const pages = createProductPages(platform, deps);
  const { events, jobs } = platform;

  // Whatever changed about a product, its rows are worked out again from the catalogue as it is now.
  events.subscribe('search.products', [CATALOG_EVENTS.listingChanged, CATALOG_EVENTS.productChanged, CATALOG_EVENTS.pricesChanged, CATALOG_EVENTS.stockChanged], async (event, tx) => {
    await index.refresh(tx, [(event.payload as { productId: string }).productId]);
  });
  // Orders take and give back stock outside the catalogue: a product may go out of stock or come back.
  events.subscribe('search.order-stock', [CHECKOUT_EVENTS.placed, ORDER_EVENTS.stockReleased], async (event, tx) => {
    await index.refresh(tx, (event.payload as { productIds: string[] }).productIds);
  });
  // The score is read again rather than taken from the event, so a late delivery cannot undo a newer one.
  events.subscribe('search.store-scores', [SELLER_EVENTS.storeScoreChanged], async (event, tx) => {
    const { sellerId } = event.payload as { sellerId: string };
    const scores = await deps.sellers.storeScores(tx, [sellerId]);
    await index.applyStoreScore(tx, sellerId, scores.get(sellerId)!);
  });
  events.subscribe('search.categories', [CATEGORY_EVENTS.changed], async (_event, tx) => {
    await index.refreshCategories(tx);
  });

  // Each page commits with the job for the next one: a walk never holds one long transaction, and
  // after a crash it resumes at the page it was on; a page run twice does not start a second walk.
  jobs.define<ShippingWalk>(REFRESH_SHIPPING_JOB, async (walk) => {
    await inTransaction(platform.db, async (tx) => {
      const next = await index.refreshIndexedPage(tx, walk);
      if (next) await jobs.enqueue(tx, REFRESH_SHIPPING_JOB, { ...walk, afterId: next } satisfies ShippingWalk, { dedupeKey: `${REFRESH_SHIPPING_JOB}:${walk.walk}:${next}` });
    });
  });
  // Buyers are offered the seller's default template: only a change to it, or of which one it is, moves their shipping.
  events.subscribe('search.freight-templates', [FREIGHT_TEMPLATE_EVENTS.created, FREIGHT_TEMPLATE_EVENTS.changed, FREIGHT_TEMPLATE_EVENTS.deleted], async (event, tx) => {
    const { sellerId, isDefault, wasDefault } = event.payload as { sellerId: string; isDefault: boolean; wasDefault: boolean };
    if (!isDefault && !wasDefault) return;
    await jobs.enqueue(tx, REFRESH_SHIPPING_JOB, { walk: event.id, sellerId } satisfies ShippingWalk);
  });
  // Files changed together (a release's) share a revision: one walk re-quotes with all of them.
  events.subscribe('search.logistics-data', [LOGISTICS_DATA_EVENTS.changed], async (event, tx) => {
    const walk = `logistics-data@${(event.payload as { revision: number }).revision}`;
    await jobs.enqueue(tx, REFRESH_SHIPPING_JOB, { walk } satisfies ShippingWalk, { dedupeKey: `${REFRESH_SHIPPING_JOB}:${walk}` });
  });

  // A new day's snapshot comes into force on its date; an operator's snapshot may replace today's at any time.
  jobs.define(RENORMALISE_PRICES_JOB, async () => {
    await inTransaction(platform.db, (tx) => index.renormalisePrices(tx));
  });
  events.subscribe('search.fx-snapshots', [MARKETS_EVENTS.fxSnapshotSaved], async (_event, tx) => {
    await index.renormalisePrices(tx);
  });
  jobs.schedule(RENORMALISE_PRICES_JOB, '20 0 * * *');

  return {
    service,
    index,
    pages,
    installReferenceData: () => inTransaction(platform.db, (tx) => index.refreshCategories(tx)),
    registerRoutes: (app: HttpApp) => registerSearchRoutes(app, service, pages),
  };
}

export type SearchModule = ReturnType<typeof createSearchModule>;

import type { Platform } from '../../platform/index.ts';
import type { HttpApp } from '../../platform/http/server.ts';
import { registerMarketsRoutes } from './routes.ts';
import { createMarketsService } from './service.ts';

export type { MarketsService } from './service.ts';
export { shippedMarkets, type BuyerIdentifierRequirement, type Market, type MarketDirectory } from './countries.ts';
export type { BusinessCalendar } from '../../platform/calendar/index.ts';

export function createMarketsModule(platform: Platform) {
  const service = createMarketsService(platform);
  return { service, registerRoutes: (app: HttpApp) => registerMarketsRoutes(app, service) };
}

export type MarketsModule = ReturnType<typeof createMarketsModule>;

export { landedCost, type LandedCostInput, type LandedCostResult, type TaxLine } from './landed-cost.ts';
export { shippedFxRates, type DatedFxRate, type FxLookup, type FxRateTable } from './fx.ts';
export { MARKETS_EVENTS, type ConvertedAmount, type FxSnapshotChange, type FxSnapshotView } from './fx-service.ts';
export { BUYER_IDENTIFIER_KINDS, checkBuyerIdentifier, type BuyerIdentifierKind, type IdentifierCheck } from './identifiers.ts';
export { displayDecimals, displayPrice, marketLocale, type DisplayPrice } from './display.ts';

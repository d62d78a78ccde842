import type { Platform } from '../../platform/index.ts';
import type { HttpApp } from '../../platform/http/server.ts';
import { registerMarketsRoutes } from './routes.ts';
import { createMarketsService } from './service.ts';

export type { MarketsService } from './service.ts';
export type { Market, MarketDirectory } from './countries.ts';
export type { BusinessCalendar } from '../../platform/calendar/index.ts';

export function createMarketsModule(platform: Platform) {
  const service = createMarketsService(platform);
  return { service, registerRoutes: (app: HttpApp) => registerMarketsRoutes(app, service) };
}

export type MarketsModule = ReturnType<typeof createMarketsModule>;

export { landedCost, type LandedCostInput, type LandedCostResult, type TaxLine } from './landed-cost.ts';
export { shippedFxRates, type FxLookup, type FxRateTable } from './fx.ts';

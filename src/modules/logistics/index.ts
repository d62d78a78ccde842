import type { Platform } from '../../platform/index.ts';
import type { HttpApp } from '../../platform/http/server.ts';
import { registerLogisticsRoutes } from './routes.ts';
import { createLogisticsService, type LogisticsDependencies } from './service.ts';

export { LOGISTICS_EVENTS, type LogisticsService, type NewShipment, type QuoteRequest, type Shipment } from './service.ts';
export { OWN_CARRIER_SERVICE, PLATFORM_CARRIER, platformTrackingNumber, type ShipmentStatus } from './rules.ts';

/** Logistics services and rate sheets, quotes, shipments and their labels. */
export function createLogisticsModule(platform: Platform, deps: LogisticsDependencies) {
  const service = createLogisticsService(platform, deps);
  return { service, registerRoutes: (app: HttpApp) => registerLogisticsRoutes(app, service) };
}

export type LogisticsModule = ReturnType<typeof createLogisticsModule>;

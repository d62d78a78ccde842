import type { Platform } from '../../platform/index.ts';
import type { HttpApp } from '../../platform/http/server.ts';
import { registerLogisticsRoutes } from './routes.ts';
import { createLogisticsReference } from './reference.ts';
import { createLogisticsService, type LogisticsDependencies } from './service.ts';
import { TRACKING_EVENTS, type MainStatus } from '../tracking/index.ts';

export { AddressSchema, addressIn, addressOut, ownCarrierIn, OwnCarrierSchema, RecipientSchema } from './address-schema.ts';
export type { LabelAddress } from './label.ts';
export { FREIGHT_TEMPLATE_EVENTS, type ShippingOffer, type TemplateOffers } from './freight-templates.ts';
export type { Parcel, QuoteResult, ServiceQuote } from './quote.ts';
export { LOGISTICS_DATA_EVENTS } from './reference.ts';
export { LOGISTICS_EVENTS, type LogisticsService, type NewShipment, type QuoteRequest, type Shipment } from './service.ts';
export { DEFAULT_HANDLING_DAYS, SELLERS_SHIP_FROM, OWN_CARRIER_SERVICE, PLATFORM_CARRIER, platformTrackingNumber, type ShipmentStatus } from './rules.ts';

/** Logistics services and rate sheets, quotes, shipments and their labels. */
export function createLogisticsModule(platform: Platform, deps: LogisticsDependencies) {
  const reference = createLogisticsReference(platform);
  const service = createLogisticsService(platform, deps, reference);
  // Any stage past the label means the carrier has the parcel: it can no longer be cancelled.
  platform.events.subscribe('logistics.hand-over', [TRACKING_EVENTS.stageReached], async (event, tx) => {
    const { shipmentId, stage, occurredAt } = event.payload as { shipmentId: string; stage: MainStatus; occurredAt: string };
    if (stage === 'pending' || stage === 'info_received' || !event.sellerId) return;
    await service.handOver(tx, event.sellerId, shipmentId, new Date(occurredAt));
  });
  return { service, reference, installReferenceData: () => reference.installReferenceData(), registerRoutes: (app: HttpApp) => registerLogisticsRoutes(app, service, reference) };
}

export type LogisticsModule = ReturnType<typeof createLogisticsModule>;

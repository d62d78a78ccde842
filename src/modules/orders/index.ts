import type { Platform } from '../../platform/index.ts';
import type { HttpApp } from '../../platform/http/server.ts';
import { TRACKING_EVENTS, type MainStatus } from '../tracking/index.ts';
import { registerOrdersRoutes } from './routes.ts';
import { createOrdersService, SETTLE_ORDER_JOB, type OrdersDependencies } from './service.ts';

export { ORDER_EVENTS, type NewOrder, type NewOrderLine, type Order, type OrderShipping, type OrderTaxes, type OrderTaxLine, type OrdersService, type ShippingAddress } from './service.ts';
export { OrderSchema, orderView } from './routes.ts';
export { ORDER_STATUSES, ORDER_TIMINGS, type EndReason, type OrderStatus } from './rules.ts';

export const ORDER_TIMER_JOBS = {
  releaseRiskHolds: 'orders.release_risk_holds',
  detectLateShipments: 'orders.detect_late_shipments',
  autoConfirm: 'orders.auto_confirm',
} as const;

/** The order lifecycle: payment, the risk hold, handling time, shipping, delivery, confirmation, settlement. */
export function createOrdersModule(platform: Platform, deps: OrdersDependencies) {
  const service = createOrdersService(platform, deps);
  const { jobs, events } = platform;

  // Each timer drains what is due in batches; a crashed run is simply run again.
  const drain = (step: () => Promise<number>) => async () => {
    while ((await step()) > 0);
  };
  jobs.define(ORDER_TIMER_JOBS.releaseRiskHolds, drain(service.releaseRiskHolds));
  jobs.define(ORDER_TIMER_JOBS.detectLateShipments, drain(service.detectLateShipments));
  jobs.define(ORDER_TIMER_JOBS.autoConfirm, drain(service.autoConfirm));
  jobs.schedule(ORDER_TIMER_JOBS.releaseRiskHolds, '* * * * *');
  jobs.schedule(ORDER_TIMER_JOBS.detectLateShipments, '*/5 * * * *');
  jobs.schedule(ORDER_TIMER_JOBS.autoConfirm, '*/15 * * * *');
  jobs.define<{ orderId: string }>(SETTLE_ORDER_JOB, ({ orderId }) => service.settle(orderId));

  events.subscribe('orders.delivery', [TRACKING_EVENTS.stageReached], async (event, tx) => {
    const { shipmentId, stage, occurredAt } = event.payload as { shipmentId: string; stage: MainStatus; occurredAt: string };
    if (stage === 'delivered') await service.parcelDelivered(tx, shipmentId, new Date(occurredAt));
  });

  return { service, registerRoutes: (app: HttpApp) => registerOrdersRoutes(app, service) };
}

export type OrdersModule = ReturnType<typeof createOrdersModule>;

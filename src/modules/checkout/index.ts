import type { Platform } from '../../platform/index.ts';
import type { HttpApp } from '../../platform/http/server.ts';
import { ORDER_EVENTS, type EndReason, type OrderStatus } from '../orders/index.ts';
import { PAYMENT_EVENTS, type PaymentEventPayload } from '../payments/index.ts';
import { registerCheckoutRoutes } from './routes.ts';
import { createCheckoutService, REFUNDED_END_REASONS, type CancelledOrder, type CheckoutDependencies } from './service.ts';

export { CHECKOUT_EVENTS, type Cart, type Checkout, type CheckoutQuote, type CheckoutService } from './service.ts';

const OUTCOMES = {
  [PAYMENT_EVENTS.succeeded]: 'succeeded',
  [PAYMENT_EVENTS.failed]: 'failed',
  [PAYMENT_EVENTS.expired]: 'expired',
  [PAYMENT_EVENTS.canceled]: 'canceled',
} as const;

/** The part of an order's status change that checkout reads. */
type OrderStatusChange = Omit<CancelledOrder, 'endReason'> & { to: OrderStatus; endReason: EndReason | null };

/**
 * Carts, checkout quotes and placing orders; a checkout's payment outcome moves its orders, and a
 * paid order that is cancelled is refunded from the checkout's payment.
 */
export function createCheckoutModule(platform: Platform, deps: CheckoutDependencies) {
  const service = createCheckoutService(platform, deps);
  platform.events.subscribe('checkout.payment-outcomes', Object.keys(OUTCOMES), async (event, tx) => {
    const payload = event.payload as PaymentEventPayload;
    if (payload.reference.type !== 'checkout') return;
    await service.paymentSettled(tx, payload.reference.id, OUTCOMES[event.type as keyof typeof OUTCOMES]);
  });
  platform.events.subscribe('checkout.order-refunds', [ORDER_EVENTS.statusChanged], async (event, tx) => {
    const { orderId, checkoutId, to, endReason, grandTotal } = event.payload as OrderStatusChange;
    if (to !== 'FINISH' || !endReason || !REFUNDED_END_REASONS.includes(endReason)) return;
    await service.orderCancelled(tx, { orderId, checkoutId, endReason, grandTotal });
  });
  return { service, registerRoutes: (app: HttpApp) => registerCheckoutRoutes(app, service) };
}

export type CheckoutModule = ReturnType<typeof createCheckoutModule>;

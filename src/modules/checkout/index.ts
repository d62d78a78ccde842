import type { Platform } from '../../platform/index.ts';
import type { HttpApp } from '../../platform/http/server.ts';
import { PAYMENT_EVENTS, type PaymentEventPayload } from '../payments/index.ts';
import { registerCheckoutRoutes } from './routes.ts';
import { createCheckoutService, type CheckoutDependencies } from './service.ts';

export { CHECKOUT_EVENTS, type Cart, type Checkout, type CheckoutQuote, type CheckoutService } from './service.ts';

const OUTCOMES = {
  [PAYMENT_EVENTS.succeeded]: 'succeeded',
  [PAYMENT_EVENTS.failed]: 'failed',
  [PAYMENT_EVENTS.expired]: 'expired',
  [PAYMENT_EVENTS.canceled]: 'canceled',
} as const;

/** Carts, checkout quotes and placing orders; a checkout's payment outcome moves its orders. */
export function createCheckoutModule(platform: Platform, deps: CheckoutDependencies) {
  const service = createCheckoutService(platform, deps);
  platform.events.subscribe('checkout.payment-outcomes', Object.keys(OUTCOMES), async (event, tx) => {
    const payload = event.payload as PaymentEventPayload;
    if (payload.reference.type !== 'checkout') return;
    await service.paymentSettled(tx, payload.reference.id, OUTCOMES[event.type as keyof typeof OUTCOMES]);
  });
  return { service, registerRoutes: (app: HttpApp) => registerCheckoutRoutes(app, service) };
}

export type CheckoutModule = ReturnType<typeof createCheckoutModule>;

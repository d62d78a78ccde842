import type { Platform } from '../../platform/index.ts';
import type { HttpApp } from '../../platform/http/server.ts';
import type { PaymentProvider } from './providers/provider.ts';
import { SandboxPaymentProvider } from './providers/sandbox.ts';
import { registerPaymentsRoutes } from './routes.ts';
import { createPaymentsService, PAYMENT_EXPIRY_JOB, PAYMENT_STATUS_CHECK_JOB, REFUND_JOB, REFUND_STATUS_CHECK_JOB } from './service.ts';

export {
  PAYMENT_EVENTS,
  type Confirmation,
  type NewPaymentIntent,
  type NewRefund,
  type Payment,
  type PaymentAttempt,
  type PaymentEventPayload,
  type PaymentReference,
  type PaymentsService,
  type Refund,
  type RefundEventPayload,
} from './service.ts';
export { FINAL_STATUSES, MAX_ATTEMPTS, PAYMENT_STATUSES, REFUND_STATUSES, type AttemptStatus, type PaymentStatus, type RefundStatus } from './rules.ts';
export { PaymentMethodRejected, type AttemptRequest, type NextAction, type PaymentMethodSummary, type PaymentMethodToken, type PaymentProvider, type ProviderAnswer, type RefundAnswer } from './providers/provider.ts';
export { SANDBOX_TEST_CARDS, SandboxPaymentProvider, type SandboxCardToken } from './providers/sandbox.ts';

/**
 * Buyers' payments: intents, their attempts with a provider, 3-D Secure, expiry, status checks and
 * refunds.
 * The provider is the one the configuration names; only the built-in sandbox exists so far.
 */
export function createPaymentsModule(platform: Platform, options: { provider?: PaymentProvider } = {}) {
  const provider = options.provider ?? configuredProvider(platform);
  const service = createPaymentsService(platform, { provider });

  platform.jobs.define(PAYMENT_EXPIRY_JOB, async () => {
    await service.expireDue();
  });
  platform.jobs.schedule(PAYMENT_EXPIRY_JOB, '* * * * *');
  platform.jobs.define(PAYMENT_STATUS_CHECK_JOB, async () => {
    // A batch per run: the next run picks up the rest, so a slow provider never holds the queue.
    await service.checkPending();
  });
  platform.jobs.schedule(PAYMENT_STATUS_CHECK_JOB, '* * * * *');
  platform.jobs.define<{ refundId: string }>(REFUND_JOB, async ({ refundId }) => {
    await service.sendRefund(refundId);
  });
  platform.jobs.define(REFUND_STATUS_CHECK_JOB, async () => {
    await service.checkRefunds();
  });
  platform.jobs.schedule(REFUND_STATUS_CHECK_JOB, '* * * * *');

  return {
    service,
    provider,
    // The sandbox's own endpoints (card tokens) exist only while the sandbox takes the payments.
    registerRoutes: (app: HttpApp) => registerPaymentsRoutes(app, service, { sandbox: provider instanceof SandboxPaymentProvider }),
  };
}

function configuredProvider(platform: Platform): PaymentProvider {
  switch (platform.config.payments.provider) {
    case 'sandbox':
      return new SandboxPaymentProvider({ now: () => platform.clock.now() });
  }
}

export type PaymentsModule = ReturnType<typeof createPaymentsModule>;

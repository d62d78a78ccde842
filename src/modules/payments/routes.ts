import { Type, type TProperties } from 'typebox';
import { IdOf, NullableTimestamp, Timestamp } from '../../platform/http/schemas.ts';
import type { HttpApp } from '../../platform/http/server.ts';
import { callerOf } from '../identity/index.ts';
import type { NextAction, PaymentMethodSummary } from './providers/provider.ts';
import { SANDBOX_THREE_DS_RESULTS } from './providers/sandbox.ts';
import { ATTEMPT_STATUSES, PAYMENT_STATUSES, REFUND_STATUSES } from './rules.ts';
import type { Payment, PaymentAttempt, PaymentsService, Refund } from './service.ts';

const obj = <P extends TProperties>(properties: P) => Type.Object(properties, { additionalProperties: false });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code.' });
const PaymentParams = Type.Object({ paymentId: IdOf('pay') });

const NextActionSchema = Type.Union(
  [
    Type.Object({ type: Type.Literal('three_ds'), url: Type.String({ description: 'Where the card holder authenticates. Sandbox: the API path of its challenge.' }) }),
    Type.Object({ type: Type.Literal('redirect_to_url'), url: Type.String(), return_url: Nullable(Type.String()) }),
    Type.Object({ type: Type.Literal('display_qr_code'), data: Type.String({ description: 'The code to show, e.g. a Pix BR Code ("copia e cola").' }), image_url: Nullable(Type.String()), expires_at: NullableTimestamp }),
    Type.Object({ type: Type.Literal('wait'), retry_after_seconds: Type.Integer() }),
  ],
  { description: 'What the buyer must do next while the status is requires_action.' },
);

const MethodSchema = Type.Object(
  { type: Type.Literal('card'), brand: Nullable(Type.String()), last4: Nullable(Type.String()), exp_month: Nullable(Type.Integer()), exp_year: Nullable(Type.Integer()) },
  { description: 'What may be shown of the payment method: never the card number.' },
);

const AttemptSchema = Type.Object({
  id: IdOf('pat'),
  number: Type.Integer(),
  provider: Type.String({ description: '"sandbox" for the built-in sandbox, with which no money moves.' }),
  status: Type.Enum(ATTEMPT_STATUSES),
  provider_reference: Nullable(Type.String()),
  provider_status: Nullable(Type.String()),
  payment_method: MethodSchema,
  failure_code: Nullable(Type.String()),
  failure_message: Nullable(Type.String()),
  created_at: Timestamp,
  updated_at: Timestamp,
  completed_at: NullableTimestamp,
});

const RefundSchema = Type.Object({
  id: IdOf('rfd'),
  status: Type.Enum(REFUND_STATUSES, { description: 'pending until the provider answers explicitly; manual_review when it has not for 24 hours (finance looks at it).' }),
  amount: Type.Integer({ description: 'Given back, in the currency’s minor units.' }),
  currency: Type.String(),
  reason: Type.String(),
  reference: Type.Object({ type: Type.String(), id: Type.String() }, { description: 'What is refunded, e.g. an order of the checkout.' }),
  provider_reference: Nullable(Type.String()),
  failure_code: Nullable(Type.String()),
  failure_message: Nullable(Type.String()),
  created_at: Timestamp,
  updated_at: Timestamp,
  completed_at: NullableTimestamp,
});

const paymentProperties = {
  id: IdOf('pay'),
  status: Type.Enum(PAYMENT_STATUSES),
  amount: Type.Integer({ description: 'In the currency’s minor units.' }),
  currency: Type.String(),
  reference: Type.Object({ type: Type.String(), id: Type.String() }, { description: 'What is paid for, e.g. an order.' }),
  description: Nullable(Type.String()),
  next_action: Nullable(NextActionSchema),
  payment_method: Nullable(MethodSchema),
  last_payment_error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
  attempts: Type.Array(AttemptSchema),
  refunds: Type.Array(RefundSchema, { description: 'Oldest first. The payment stays succeeded however much of it is refunded.' }),
  amount_refunded: Type.Integer({ description: 'What the succeeded refunds gave back, in minor units.' }),
  created_at: Timestamp,
  updated_at: Timestamp,
  expires_at: Timestamp,
  closed_at: NullableTimestamp,
};
const PaymentSchema = Type.Object(paymentProperties);
const OpsPaymentSchema = Type.Object({ ...paymentProperties, buyer_account_id: Type.String(), cancellation_reason: Nullable(Type.String()) });

function nextActionView(action: NextAction | null) {
  if (!action) return null;
  switch (action.type) {
    case 'three_ds':
      return { type: action.type, url: action.url };
    case 'redirect_to_url':
      return { type: action.type, url: action.url, return_url: action.returnUrl };
    case 'display_qr_code':
      return { type: action.type, data: action.data, image_url: action.imageUrl, expires_at: action.expiresAt };
    case 'wait':
      return { type: action.type, retry_after_seconds: action.retryAfterSeconds };
  }
}

const methodView = (method: PaymentMethodSummary) => ({ type: method.type, brand: method.brand, last4: method.last4, exp_month: method.expMonth, exp_year: method.expYear });

const attemptView = (attempt: PaymentAttempt) => ({
  id: attempt.id,
  number: attempt.number,
  provider: attempt.provider,
  status: attempt.status,
  provider_reference: attempt.providerReference,
  provider_status: attempt.providerStatus,
  payment_method: methodView(attempt.method),
  failure_code: attempt.failureCode,
  failure_message: attempt.failureMessage,
  created_at: attempt.createdAt.toISOString(),
  updated_at: attempt.updatedAt.toISOString(),
  completed_at: attempt.completedAt?.toISOString() ?? null,
});

const refundView = (refund: Refund) => ({
  id: refund.id,
  status: refund.status,
  amount: refund.amount,
  currency: refund.currency,
  reason: refund.reason,
  reference: refund.reference,
  provider_reference: refund.providerReference,
  failure_code: refund.failure?.code ?? null,
  failure_message: refund.failure?.message ?? null,
  created_at: refund.createdAt.toISOString(),
  updated_at: refund.updatedAt.toISOString(),
  completed_at: refund.completedAt?.toISOString() ?? null,
});

const paymentView = (payment: Payment) => ({
  id: payment.id,
  status: payment.status,
  amount: payment.amount,
  currency: payment.currency,
  reference: payment.reference,
  description: payment.description,
  next_action: nextActionView(payment.nextAction),
  payment_method: payment.method ? methodView(payment.method) : null,
  last_payment_error: payment.lastError,
  attempts: payment.attempts.map(attemptView),
  refunds: payment.refunds.map(refundView),
  amount_refunded: payment.amountRefunded,
  created_at: payment.createdAt.toISOString(),
  updated_at: payment.updatedAt.toISOString(),
  expires_at: payment.expiresAt.toISOString(),
  closed_at: payment.closedAt?.toISOString() ?? null,
});

const opsPaymentView = (payment: Payment) => ({ ...paymentView(payment), buyer_account_id: payment.buyerAccountId, cancellation_reason: payment.cancellationReason });

export function registerPaymentsRoutes(app: HttpApp, payments: PaymentsService, options: { sandbox: boolean }): void {
  if (options.sandbox) {
    app.post(
      '/v1/store/payments/sandbox/card-tokens',
      {
        // No idempotency record: its request fingerprint would be a digest of the card number and CVC, and a token moves no money.
        schema: {
          tags: ['store: payments'],
          summary: 'Sandbox — no money moves: turn a test card into a card token, as a processor’s client-side tokenisation would',
          description:
            'Takes only the sandbox’s test cards: 4242 4242 4242 4242 (Visa) and 5555 5555 5555 4444 (Mastercard) are approved; 4000 0000 0000 0002 is declined (card_declined); ' +
            '4000 0000 0000 9995 is declined (insufficient_funds); 4000 0000 0000 3220 asks for 3-D Secure. Any future expiry and any 3-digit CVC. The number is checked (Luhn), never stored or logged.',
          body: obj({
            number: Type.String({ pattern: '^[0-9 ]{12,23}$', description: 'The card number; spaces between groups are allowed.' }),
            exp_month: Type.Integer({ minimum: 1, maximum: 12 }),
            exp_year: Type.Integer({ minimum: 2000, maximum: 2100, description: 'Four digits.' }),
            cvc: Type.String({ pattern: '^[0-9]{3,4}$' }),
          }),
          response: { 201: Type.Object({ token: Type.String(), card: Type.Object({ brand: Type.String(), last4: Type.String(), exp_month: Type.Integer(), exp_year: Type.Integer() }) }) },
        },
      },
      async (request, reply) => {
        const { number, exp_month, exp_year, cvc } = request.body;
        const { token, card } = await payments.tokenizeSandboxCard(callerOf(request), { number, expMonth: exp_month, expYear: exp_year, cvc });
        return reply.code(201).send({ token, card: { brand: card.brand, last4: card.last4, exp_month: card.expMonth, exp_year: card.expYear } });
      },
    );
  }

  app.get(
    '/v1/store/payments/:paymentId',
    { schema: { tags: ['store: payments'], summary: 'A payment of the signed-in buyer: status, next action, attempts, refunds', params: PaymentParams, response: { 200: PaymentSchema } } },
    async (request) => paymentView(await payments.get(callerOf(request), request.params.paymentId)),
  );

  app.post(
    '/v1/store/payments/:paymentId/confirm',
    {
      config: { idempotency: 'required' },
      schema: {
        tags: ['store: payments'],
        summary: 'Pay: confirm the payment with a payment method’s token, for the amount the buyer was shown',
        description:
          'Answers the payment as it now stands: succeeded; requires_action with a next_action (3-D Secure); requires_payment_method with last_payment_error after a decline ' +
          '(try another card; the fifth declined attempt fails the payment); or processing while the provider has not answered. The same Idempotency-Key never pays twice.',
        params: PaymentParams,
        body: obj({
          payment_method: obj({
            type: Type.Literal('card'),
            token: Type.String({ pattern: '^[A-Za-z0-9_]{8,255}$', description: 'The provider’s card token. Sandbox: from POST /v1/store/payments/sandbox/card-tokens.' }),
          }),
          amount: Type.Integer({ minimum: 1, maximum: 1_000_000_000_000, description: 'The amount the buyer agreed to pay, in minor units: it must be the payment’s.' }),
          currency: Currency,
        }),
        response: { 200: PaymentSchema },
      },
    },
    async (request) => {
      const { payment_method, amount, currency } = request.body;
      return paymentView(await payments.confirm(callerOf(request), request.params.paymentId, { method: payment_method, amount, currency }));
    },
  );

  app.post(
    '/v1/store/payments/:paymentId/three-ds',
    {
      config: { idempotency: 'required' },
      schema: {
        tags: ['store: payments'],
        summary: 'Answer the payment’s 3-D Secure challenge (sandbox: the card holder passes or fails it)',
        params: PaymentParams,
        body: obj({ result: Type.Enum(SANDBOX_THREE_DS_RESULTS, { description: 'Sandbox — no money moves: pass or fail the challenge.' }) }),
        response: { 200: PaymentSchema },
      },
    },
    async (request) => paymentView(await payments.completeThreeDs(callerOf(request), request.params.paymentId, request.body.result)),
  );

  app.get(
    '/v1/ops/payments/:paymentId',
    {
      schema: {
        tags: ['ops: payments'],
        summary: 'Any payment with its attempts, refunds, the buyer and the provider’s references (finance operators and admins)',
        params: PaymentParams,
        response: { 200: OpsPaymentSchema },
      },
    },
    async (request) => opsPaymentView(await payments.get(callerOf(request), request.params.paymentId)),
  );

  app.post(
    '/v1/ops/payments/:paymentId/refunds',
    {
      config: { idempotency: 'required' },
      schema: {
        tags: ['ops: payments'],
        summary: 'Give back part or all of a succeeded payment: a goodwill refund (finance operators and admins)',
        description:
          'Refunds of cancelled orders are made by the platform itself; this is for anything else (a goodwill gesture, an order’s refund the provider refused). ' +
          'At most what is left of the payment once its refunds that have not failed are counted (409 refund_exceeds_payment), in its currency (409 refund_currency_mismatch), ' +
          'and only from a succeeded payment (409 payment_not_refundable). The answer is the refund, pending until the provider answers; the payment lists it. The same Idempotency-Key never refunds twice.',
        params: PaymentParams,
        body: obj({
          amount: Type.Integer({ minimum: 1, maximum: 1_000_000_000_000, description: 'In the payment currency’s minor units.' }),
          currency: Currency,
          reason: Type.String({ minLength: 1, maxLength: 500, description: 'Why, for the audit log and the buyer’s payment.' }),
        }),
        response: { 201: RefundSchema },
      },
    },
    async (request, reply) => {
      const { amount, currency, reason } = request.body;
      return reply.code(201).send(refundView(await payments.refundByOperator(callerOf(request), request.params.paymentId, { amount, currency, reason })));
    },
  );
}

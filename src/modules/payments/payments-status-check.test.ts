import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { unique } from '../../../test/support/actors.ts';
import { useTestApp } from '../../../test/support/app.ts';
import { expectProblem } from '../../../test/support/expect.ts';
import { apiClient } from '../../../test/support/http.ts';
import { inTransaction, queryRows } from '../../platform/db/index.ts';
import { PAYMENT_EVENTS, type AttemptRequest, type PaymentMethodSummary, type PaymentMethodToken, type PaymentProvider, type ProviderAnswer, type RefundAnswer } from './index.ts';

/**
 * A card processor that times out on the charge and then, asked again, answers vaguely before it
 * says what happened: the stand-in for any real provider's bad day. The payment stays processing
 * until an explicit answer, is neither cancelled nor expired under the provider, and the status
 * check settles it.
 */
class SlowProcessor implements PaymentProvider {
  readonly name = 'slow_processor';
  /** What each status check answers, in turn, per attempt. */
  readonly statusAnswers = new Map<string, ProviderAnswer[]>();
  readonly asked: string[] = [];

  async describeMethod(method: PaymentMethodToken): Promise<PaymentMethodSummary> {
    return { type: method.type, brand: 'visa', last4: '1111', expMonth: 12, expYear: 2030 };
  }

  async authorize(): Promise<ProviderAnswer> {
    throw new Error('the processor did not answer within 30 s');
  }

  async completeAction(): Promise<ProviderAnswer> {
    throw new Error('no action is ever asked for');
  }

  async fetchStatus(request: AttemptRequest): Promise<ProviderAnswer> {
    this.asked.push(request.attemptId);
    const next = this.statusAnswers.get(request.paymentId)?.shift();
    if (!next) throw new Error('still no answer');
    return next;
  }

  async refund(): Promise<RefundAnswer> {
    return { kind: 'failed', code: 'not_supported', message: 'Not in this test.' };
  }
}

describe('a provider that does not answer at once', () => {
  const processor = new SlowProcessor();
  const app = useTestApp({ now: '2026-03-02T02:00:00Z', paymentProvider: () => processor });
  const api = apiClient(app);
  let buyer: { token: string; accountId: string };

  beforeAll(async () => {
    const signUp = await api.post('/v1/store/sign-up', { email: `${unique('buyer')}@buyers.example`, password: 'buyer password 123', display_name: 'Buyer' });
    buyer = { token: signUp.body.token, accountId: signUp.body.account.id };
  });

  const createIntent = (minutes: number) =>
    inTransaction(app().platform.db, (tx) =>
      app().modules.payments.service.createIntent(tx, { buyerAccountId: buyer.accountId, reference: { type: 'order', id: unique('ord') }, amount: 4990, currency: 'BRL', expiresAt: new Date(app().clock.now().getTime() + minutes * 60_000) }),
    );
  const confirm = (paymentId: string) => api.post(`/v1/store/payments/${paymentId}/confirm`, { payment_method: { type: 'card', token: 'card_token_from_processor' }, amount: 4990, currency: 'BRL' }, { token: buyer.token });
  const view = async (paymentId: string) => (await api.get(`/v1/store/payments/${paymentId}`, { token: buyer.token })).body;
  const eventTypes = async (paymentId: string) => (await queryRows<{ type: string }>(app().platform.db, sql`SELECT type FROM outbox_events WHERE subject_id = ${paymentId} ORDER BY id`)).map((e) => e.type);
  const minutesPass = async (minutes: number) => {
    app().clock.advance({ minutes });
    await app().settle();
  };

  it('offers the sandbox’s card tokens only while the sandbox takes the payments', async () => {
    const paths = Object.keys((await app().http.inject({ method: 'GET', url: '/docs/json' })).json().paths as object);
    expect(paths).toContain('/v1/store/payments/{paymentId}/confirm');
    expect(paths.filter((path) => path.includes('sandbox'))).toEqual([]);
    expectProblem(await api.post('/v1/store/payments/sandbox/card-tokens', {}, { token: buyer.token }), 404, 'route_not_found');
  });

  it('keeps the payment processing through silence and vague answers, then takes the explicit success', async () => {
    const payment = await createIntent(10);
    processor.statusAnswers.set(payment.id, [
      { kind: 'unknown', providerReference: 'ch_77', providerStatus: 'RECEIVED' },
      { kind: 'pending', providerReference: 'ch_77', providerStatus: 'AUTHORISING' },
      { kind: 'succeeded', providerReference: 'ch_77', providerStatus: 'CAPTURED' },
    ]);
    const confirmed = await confirm(payment.id);
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body).toMatchObject({ status: 'processing', attempts: [{ status: 'pending', provider: 'slow_processor', provider_status: 'no_answer', payment_method: { brand: 'visa', last4: '1111' } }] });

    // Under the provider, the payment is neither paid again, nor cancelled, nor expired.
    expectProblem(await confirm(payment.id), 409, 'payment_in_progress');
    await expect(inTransaction(app().platform.db, (tx) => app().modules.payments.service.cancelIntent(tx, payment.id, 'The order was closed.'))).rejects.toMatchObject({ status: 409, code: 'payment_in_progress' });

    await minutesPass(2);
    expect(await view(payment.id)).toMatchObject({ status: 'processing', attempts: [{ status: 'pending', provider_status: 'RECEIVED', provider_reference: 'ch_77' }] });
    await minutesPass(2);
    expect(await view(payment.id)).toMatchObject({ status: 'processing', attempts: [{ status: 'pending', provider_status: 'AUTHORISING' }] });
    expect(await eventTypes(payment.id)).toEqual([]);

    // Past its expiry, and the provider finally says the money was taken: that is what stands.
    await minutesPass(10);
    expect(await view(payment.id)).toMatchObject({ status: 'succeeded', attempts: [{ status: 'succeeded', provider_status: 'CAPTURED' }] });
    expect(await eventTypes(payment.id)).toEqual([PAYMENT_EVENTS.succeeded]);
    const [settled] = await queryRows<{ actor_type: string; actor_id: string }>(app().platform.db, sql`SELECT actor_type, actor_id FROM audit_log WHERE subject_id = ${payment.id} AND action = 'payment.succeeded'`);
    expect(settled).toEqual({ actor_type: 'system', actor_id: 'payments.status_check' });
    expect(processor.asked.filter((id) => id === confirmed.body.attempts[0].id)).toHaveLength(3);
  });

  it('asks about an attempt only once it has waited a minute, and lets a late decline expire', async () => {
    const payment = await createIntent(3);
    processor.statusAnswers.set(payment.id, [{ kind: 'declined', providerReference: 'ch_78', providerStatus: 'REFUSED', code: 'do_not_honor', message: 'The issuer refused.' }]);
    const confirmed = await confirm(payment.id);
    const attemptId = confirmed.body.attempts[0].id as string;
    await app().modules.payments.service.checkPending();
    expect(processor.asked).not.toContain(attemptId);

    // Declined after its expiry: back to the buyer for another card, but its time is up, so the expiry job closes it.
    await minutesPass(5);
    expect((await view(payment.id)).attempts).toMatchObject([{ status: 'failed' }]);
    await minutesPass(1);
    const closed = await view(payment.id);
    expect(closed).toMatchObject({ status: 'expired', last_payment_error: { code: 'do_not_honor' }, attempts: [{ status: 'failed', failure_code: 'do_not_honor' }] });
    expect(await eventTypes(payment.id)).toEqual([PAYMENT_EVENTS.expired]);
  });
});

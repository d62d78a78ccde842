import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOperator, unique } from '../../../test/support/actors.ts';
import { useTestApp } from '../../../test/support/app.ts';
import { payWithCard } from '../../../test/support/commerce.ts';
import { expectProblem } from '../../../test/support/expect.ts';
import { apiClient } from '../../../test/support/http.ts';
import type { Money } from '../../platform/money/index.ts';
import { inTransaction, queryRows } from '../../platform/db/index.ts';
import { PAYMENT_EVENTS, SandboxPaymentProvider, type NewRefund, type RefundAnswer } from './index.ts';

/**
 * The sandbox with a card processor's bad days on refunds: each refund call takes the next scripted
 * answer — a timeout, a vague "pending", an explicit failure — and, once the script is spent,
 * refunds as the sandbox does. Payments themselves go through the sandbox unchanged.
 */
class ScriptedRefunds extends SandboxPaymentProvider {
  readonly script: (RefundAnswer | 'no_answer')[] = [];
  /** The idempotency key of every refund call, in order. */
  readonly asked: string[] = [];

  override async refund(request: { providerReference: string; amount: Money; idempotencyKey: string }): Promise<RefundAnswer> {
    this.asked.push(request.idempotencyKey);
    const next = this.script.shift();
    if (next === 'no_answer') throw new Error('the processor did not answer within 30 s');
    return next ?? super.refund(request);
  }
}

describe('refunds', () => {
  let provider: ScriptedRefunds;
  const app = useTestApp({
    now: '2026-03-02T02:00:00Z',
    paymentProvider: (clock) => (provider = new ScriptedRefunds({ now: () => clock.now() })),
  });
  const api = apiClient(app);
  let buyer: { token: string; accountId: string };

  beforeAll(async () => {
    const signUp = await api.post('/v1/store/sign-up', { email: `${unique('buyer')}@buyers.example`, password: 'buyer password 123', display_name: 'Buyer' });
    buyer = { token: signUp.body.token, accountId: signUp.body.account.id };
  });

  const service = () => app().modules.payments.service;
  const db = () => app().platform.db;

  async function intent(amount = 10_000) {
    return inTransaction(db(), (tx) =>
      service().createIntent(tx, { buyerAccountId: buyer.accountId, reference: { type: 'checkout', id: unique('chk') }, amount, currency: 'BRL', expiresAt: new Date(app().clock.now().getTime() + 3_600_000) }),
    );
  }
  async function paidPayment(amount = 10_000) {
    const payment = await intent(amount);
    const paid = await payWithCard(api, buyer.token, payment);
    expect(paid.body.status).toBe('succeeded');
    await app().settle();
    return payment;
  }
  const refund = (paymentId: string, amount: number, referenceId = unique('ord'), extra: Partial<NewRefund> = {}) =>
    inTransaction(db(), (tx) => service().requestRefund(tx, { paymentId, amount, currency: 'BRL', reason: 'The order was cancelled', reference: { type: 'order', id: referenceId }, ...extra }));
  const view = async (paymentId: string) => (await api.get(`/v1/store/payments/${paymentId}`, { token: buyer.token })).body;
  const refundCount = async () => (await queryRows<{ n: number }>(db(), sql`SELECT count(*)::int AS n FROM payment_refunds`))[0]!.n;
  const events = (refundId: string) => queryRows<{ type: string }>(db(), sql`SELECT type FROM outbox_events WHERE subject_type = 'refund' AND subject_id = ${refundId} ORDER BY id`);
  const trail = (refundId: string) => queryRows<{ action: string; actor_id: string }>(db(), sql`SELECT action, actor_id FROM audit_log WHERE subject_type = 'refund' AND subject_id = ${refundId} ORDER BY occurred_at, id`);
  const minutesPass = async (minutes: number) => {
    app().clock.advance({ minutes });
    await app().settle();
  };

  it('never gives back more than was paid, only from a paid payment, and answers the same reference with the same refund', async () => {
    const payment = await paidPayment(10_000);
    const first = await refund(payment.id, 4_000, 'ord_first');
    expect(first).toMatchObject({ status: 'pending', amount: 4_000, currency: 'BRL', reference: { type: 'order', id: 'ord_first' } });
    // The same order again is the same refund, even before the provider has answered.
    expect((await refund(payment.id, 4_000, 'ord_first')).id).toBe(first.id);
    await app().settle();

    const before = await refundCount();
    const unpaid = await intent();
    const refusals: [() => Promise<unknown>, number, string][] = [
      [() => refund(payment.id, 6_001), 409, 'refund_exceeds_payment'],
      [() => refund(payment.id, 4_000, 'ord_first', { amount: 5_000 }), 409, 'refund_reference_taken'],
      [() => refund(payment.id, 1_000, undefined, { currency: 'USD' }), 409, 'refund_currency_mismatch'],
      [() => refund(unpaid.id, 1_000), 409, 'payment_not_refundable'],
      [() => refund('pay_01JD3Z8Q4X5N6M7P8R9S0T1V2W', 1_000), 404, 'not_found'],
      [() => refund(payment.id, 0), 422, 'validation_failed'],
      [() => refund(payment.id, -5), 422, 'validation_failed'],
      [() => refund(payment.id, 1.5), 422, 'validation_failed'],
      [() => refund(payment.id, 1_000, undefined, { reason: ' ' }), 422, 'validation_failed'],
      [() => refund(payment.id, 1_000, ''), 422, 'validation_failed'],
    ];
    for (const [attempt, status, code] of refusals) await expect(attempt()).rejects.toMatchObject({ status, code });
    expect(await refundCount()).toBe(before);

    // Exactly what is left can still go back; after that, nothing.
    await refund(payment.id, 6_000, 'ord_second');
    await expect(refund(payment.id, 1)).rejects.toMatchObject({ status: 409, code: 'refund_exceeds_payment' });
    await app().settle();
    expect(await view(payment.id)).toMatchObject({
      status: 'succeeded',
      amount_refunded: 10_000,
      refunds: [
        { id: first.id, status: 'succeeded', amount: 4_000 },
        { status: 'succeeded', amount: 6_000, reference: { type: 'order', id: 'ord_second' } },
      ],
    });
  });

  it('keeps an unanswered refund pending, and the status check settles it without refunding twice', async () => {
    const payment = await paidPayment();
    provider.script.push('no_answer', { kind: 'pending', providerReference: 're_slow_1' }, { kind: 'succeeded', providerReference: 're_slow_1' });
    const requested = await refund(payment.id, 2_500);
    await app().settle();
    expect(await view(payment.id)).toMatchObject({ amount_refunded: 0, refunds: [{ id: requested.id, status: 'pending', provider_reference: null, completed_at: null }] });

    await minutesPass(1);
    expect(await view(payment.id)).toMatchObject({ amount_refunded: 0, refunds: [{ status: 'pending', provider_reference: 're_slow_1' }] });
    expect(await events(requested.id)).toEqual([]);
    // Asked again only once its (doubled) wait is over.
    await minutesPass(1);
    expect(provider.asked.filter((key) => key === requested.id)).toHaveLength(2);
    await minutesPass(1);
    expect(await view(payment.id)).toMatchObject({ status: 'succeeded', amount_refunded: 2_500, refunds: [{ status: 'succeeded', provider_reference: 're_slow_1', completed_at: app().clock.now().toISOString() }] });

    // Every call carried the refund's id as its idempotency key, so the provider refunds once.
    expect(provider.asked.filter((key) => key === requested.id)).toHaveLength(3);
    expect(await events(requested.id)).toEqual([{ type: PAYMENT_EVENTS.refundSucceeded }]);
    expect(await trail(requested.id)).toEqual([
      { action: 'refund.create', actor_id: 'payments' },
      { action: 'refund.succeeded', actor_id: 'payments.refund_check' },
    ]);
  });

  it('fails a refund the provider refuses, and no longer counts it against the payment', async () => {
    const payment = await paidPayment(8_000);
    provider.script.push({ kind: 'failed', code: 'charge_disputed', message: 'The charge is under dispute.' });
    const refused = await refund(payment.id, 8_000);
    await app().settle();
    expect(await view(payment.id)).toMatchObject({ amount_refunded: 0, refunds: [{ id: refused.id, status: 'failed', failure_code: 'charge_disputed', failure_message: 'The charge is under dispute.' }] });
    expect(await events(refused.id)).toEqual([{ type: PAYMENT_EVENTS.refundFailed }]);
    expect((await trail(refused.id)).map((entry) => entry.action)).toEqual(['refund.create', 'refund.failed']);
    // A failure is final: the status check leaves it alone.
    await minutesPass(5);
    expect(provider.asked.filter((key) => key === refused.id)).toHaveLength(1);

    const retried = await refund(payment.id, 8_000, unique('goodwill'));
    await app().settle();
    expect((await view(payment.id)).refunds.map((r: { id: string; status: string }) => [r.id, r.status])).toEqual([
      [refused.id, 'failed'],
      [retried.id, 'succeeded'],
    ]);
  });

  it('hands a refund left without an answer for a day to finance, and still takes the provider’s late answer', async () => {
    const payment = await paidPayment();
    provider.script.push('no_answer', 'no_answer');
    const requested = await refund(payment.id, 3_000);
    await app().settle();
    app().clock.advance({ hours: 25 });
    await app().settle();
    const [row] = await queryRows<{ status: string; checks: number }>(db(), sql`SELECT status, checks FROM payment_refunds WHERE id = ${requested.id}`);
    expect(row).toEqual({ status: 'manual_review', checks: 2 });

    await minutesPass(60);
    expect(await trail(requested.id)).toEqual([
      { action: 'refund.create', actor_id: 'payments' },
      { action: 'refund.manual_review', actor_id: 'payments.refund_check' },
      { action: 'refund.succeeded', actor_id: 'payments.refund_check' },
    ]);
    expect(await events(requested.id)).toEqual([{ type: PAYMENT_EVENTS.refundSucceeded }]);
  });

  it('lets finance give back what is left of a payment, once per request, audited with who decided', async () => {
    const payment = await paidPayment(5_000);
    await refund(payment.id, 2_000);
    const [finance, support] = [await createOperator(app(), api, ['finance']), await createOperator(app(), api, ['support'])];
    const goodwill = (token: string, body: object, idempotencyKey?: string) => api.post(`/v1/ops/payments/${payment.id}/refunds`, body, { token, ...(idempotencyKey ? { idempotencyKey } : {}) });
    const body = { amount: 3_000, currency: 'BRL', reason: 'The parcel arrived a month late' };
    const before = await refundCount();

    expectProblem(await goodwill(support.token, body), 403, 'permission_denied');
    expectProblem(await goodwill(buyer.token, body), 403, 'operator_account_required');
    expectProblem(await goodwill(finance.token, { ...body, amount: 3_001 }), 409, 'refund_exceeds_payment');
    expectProblem(await goodwill(finance.token, { ...body, currency: 'EUR' }), 409, 'refund_currency_mismatch');
    expectProblem(await goodwill(finance.token, { ...body, reason: '   ' }), 422, 'validation_failed');
    expect(await refundCount()).toBe(before);

    const made = await goodwill(finance.token, body, `goodwill-${payment.id}`);
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({ id: expect.stringMatching(/^rfd_/), status: 'pending', amount: 3_000, currency: 'BRL', reason: 'The parcel arrived a month late', reference: { type: 'goodwill', id: expect.stringMatching(/^gwr_/) } });
    // A retry of the same request answers the same refund.
    expect((await goodwill(finance.token, body, `goodwill-${payment.id}`)).body.id).toBe(made.body.id);
    expect(await refundCount()).toBe(before + 1);
    await app().settle();

    expect((await api.get(`/v1/ops/payments/${payment.id}`, { token: finance.token })).body).toMatchObject({ status: 'succeeded', amount_refunded: 5_000, refunds: [{ amount: 2_000 }, { id: made.body.id, status: 'succeeded' }] });
    const [decided] = await queryRows<{ actor_type: string; actor_id: string; reason: string }>(db(), sql`SELECT actor_type, actor_id, reason FROM audit_log WHERE subject_id = ${made.body.id} AND action = 'refund.create'`);
    expect(decided).toEqual({ actor_type: 'operator', actor_id: finance.accountId, reason: 'The parcel arrived a month late' });
  });

  it('counts refunds asked for at the same moment one after the other', async () => {
    const payment = await paidPayment(10_000);
    // Ten orders of 3,000 each from a payment of 10,000: three fit.
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => refund(payment.id, 3_000)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
    for (const outcome of outcomes.filter((o) => o.status === 'rejected')) expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: 'refund_exceeds_payment' });

    // One order told about ten times at once: one refund.
    const other = await paidPayment(10_000);
    const same = await Promise.all(Array.from({ length: 10 }, () => refund(other.id, 3_000, 'ord_told_often')));
    expect(new Set(same.map((r) => r.id)).size).toBe(1);
    await app().settle();
    expect(await view(payment.id)).toMatchObject({ amount_refunded: 9_000 });
    expect(await view(other.id)).toMatchObject({ amount_refunded: 3_000, refunds: [{ reference: { id: 'ord_told_often' } }] });
  });
});

import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { unique } from '../../../test/support/actors.ts';
import { useTestApp } from '../../../test/support/app.ts';
import { apiClient, type ApiResponse } from '../../../test/support/http.ts';
import { inTransaction, queryRows } from '../../platform/db/index.ts';
import { MAX_ATTEMPTS, PAYMENT_EVENTS } from './index.ts';

/**
 * A buyer's double click, a retrying client, two tabs: confirmations of one payment arriving at
 * the same moment. On PostgreSQL they really run side by side (the pool has several connections);
 * whatever the order, a payment is taken once.
 */
describe('payments confirmed at the same moment', () => {
  const app = useTestApp({ now: '2026-03-02T02:00:00Z' });
  const api = apiClient(app);
  let buyer: { token: string; accountId: string };

  beforeAll(async () => {
    const signUp = await api.post('/v1/store/sign-up', { email: `${unique('buyer')}@buyers.example`, password: 'buyer password 123', display_name: 'Buyer' });
    buyer = { token: signUp.body.token, accountId: signUp.body.account.id };
  });

  const createIntent = () =>
    inTransaction(app().platform.db, (tx) =>
      app().modules.payments.service.createIntent(tx, { buyerAccountId: buyer.accountId, reference: { type: 'order', id: unique('ord') }, amount: 15000, currency: 'KRW', expiresAt: new Date(app().clock.now().getTime() + 3_600_000) }),
    );
  const cardToken = async (number: string) => (await api.post('/v1/store/payments/sandbox/card-tokens', { number, exp_month: 12, exp_year: 2030, cvc: '123' }, { token: buyer.token })).body.token as string;
  const confirmations = (paymentId: string, token: string, keys: string[]) =>
    Promise.all(keys.map((key) => api.post(`/v1/store/payments/${paymentId}/confirm`, { payment_method: { type: 'card', token }, amount: 15000, currency: 'KRW' }, { token: buyer.token, idempotencyKey: key })));
  const attempts = (paymentId: string) => queryRows<{ number: number; status: string }>(app().platform.db, sql`SELECT number, status FROM payment_attempts WHERE payment_id = ${paymentId} ORDER BY number`);
  const eventTypes = async (paymentId: string) => (await queryRows<{ type: string }>(app().platform.db, sql`SELECT type FROM outbox_events WHERE subject_id = ${paymentId} ORDER BY id`)).map((e) => e.type);
  const outcomes = (responses: ApiResponse[]) => responses.map((r) => (r.status === 200 ? `200 ${r.body.status}` : `${r.status} ${r.body.code}`));

  it('pays once for 20 confirmations with the same Idempotency-Key', async () => {
    const payment = await createIntent();
    const responses = await confirmations(payment.id, await cardToken('4242424242424242'), Array.from({ length: 20 }, () => `double-click-${payment.id}`));
    // The first runs; the others wait for it (409) or get its answer replayed.
    for (const outcome of outcomes(responses)) expect(['200 succeeded', '409 idempotency_request_in_progress']).toContain(outcome);
    expect(outcomes(responses)).toContain('200 succeeded');
    expect(await attempts(payment.id)).toEqual([{ number: 1, status: 'succeeded' }]);
    expect(await eventTypes(payment.id)).toEqual([PAYMENT_EVENTS.succeeded]);
  });

  it('pays once for 20 confirmations with 20 different Idempotency-Keys', async () => {
    const payment = await createIntent();
    const responses = await confirmations(payment.id, await cardToken('5555555555554444'), Array.from({ length: 20 }, (_, i) => `tab-${i}-${payment.id}`));
    const seen = outcomes(responses);
    expect(seen.filter((o) => o === '200 succeeded')).toHaveLength(1);
    for (const outcome of seen.filter((o) => o !== '200 succeeded')) expect(['409 payment_in_progress', '409 payment_already_succeeded']).toContain(outcome);
    expect(await attempts(payment.id)).toEqual([{ number: 1, status: 'succeeded' }]);
    expect(await eventTypes(payment.id)).toEqual([PAYMENT_EVENTS.succeeded]);
  });

  it('never lets 20 declined confirmations make more attempts than allowed', async () => {
    const payment = await createIntent();
    const responses = await confirmations(payment.id, await cardToken('4000000000000002'), Array.from({ length: 20 }, (_, i) => `declined-${i}-${payment.id}`));
    const made = await attempts(payment.id);
    expect(made.length).toBeGreaterThanOrEqual(1);
    expect(made.length).toBeLessThanOrEqual(MAX_ATTEMPTS);
    expect(made.map((a) => a.number)).toEqual(made.map((_, i) => i + 1));
    expect(made.every((a) => a.status === 'failed')).toBe(true);
    const final = await api.get(`/v1/store/payments/${payment.id}`, { token: buyer.token });
    expect(final.body.status).toBe(made.length === MAX_ATTEMPTS ? 'failed' : 'requires_payment_method');
    expect(await eventTypes(payment.id)).toEqual(made.length === MAX_ATTEMPTS ? [PAYMENT_EVENTS.failed] : []);
    expect(outcomes(responses).filter((o) => o.startsWith('200'))).toHaveLength(made.length);
  });
});

import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOperator, signUpSeller, unique } from '../../../test/support/actors.ts';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { expectProblem } from '../../../test/support/expect.ts';
import { apiClient } from '../../../test/support/http.ts';
import { inTransaction, queryRows } from '../../platform/db/index.ts';
import { PAYMENT_EVENTS, SANDBOX_TEST_CARDS, type NewPaymentIntent } from './index.ts';

/**
 * A buyer pays through the sandbox provider, end to end over HTTP: every test card's outcome, a
 * decline then another card, 3-D Secure passed and failed, expiry by moving the clock, who may
 * see a payment, and bad input that changes nothing. Intents are created through the service, as
 * checkout will create them.
 */

const VISA = '4242 4242 4242 4242';
const MASTERCARD = '5555 5555 5555 4444';
const DECLINED = '4000 0000 0000 0002';
const NO_FUNDS = '4000 0000 0000 9995';
const THREE_DS = '4000 0000 0000 3220';

interface Buyer {
  token: string;
  accountId: string;
}

describe('payments', () => {
  let app: TestApp;
  const api = apiClient(() => app);
  const logLines: string[] = [];
  let buyer: Buyer;
  let otherBuyer: Buyer;

  beforeAll(async () => {
    // Every log line of every level is kept, to show that no card number is ever logged.
    const capture = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    app = await startTestApp({ now: '2026-03-02T02:00:00Z', logger: pino({ level: 'trace' }, capture) });
    buyer = await signUpBuyer();
    otherBuyer = await signUpBuyer();
  });

  afterAll(async () => {
    await app.close();
  });

  async function signUpBuyer(): Promise<Buyer> {
    const response = await api.post('/v1/store/sign-up', { email: `${unique('buyer')}@buyers.example`, password: 'buyer password 123', display_name: 'Buyer' });
    if (response.status !== 201) throw new Error(`buyer sign-up failed: ${JSON.stringify(response.body)}`);
    return { token: response.body.token, accountId: response.body.account.id };
  }

  const service = () => app.modules.payments.service;
  const inMinutes = (minutes: number) => new Date(app.clock.now().getTime() + minutes * 60_000);

  function createIntent(owner: Buyer = buyer, overrides: Partial<NewPaymentIntent> = {}) {
    return inTransaction(app.platform.db, (tx) =>
      service().createIntent(tx, { buyerAccountId: owner.accountId, reference: { type: 'order', id: unique('ord') }, amount: 2599, currency: 'EUR', expiresAt: inMinutes(30), ...overrides }),
    );
  }

  async function cardToken(number: string, owner: Buyer = buyer, expiry: { exp_month: number; exp_year: number } = { exp_month: 12, exp_year: 2030 }): Promise<string> {
    const response = await api.post('/v1/store/payments/sandbox/card-tokens', { number, ...expiry, cvc: '123' }, { token: owner.token });
    if (response.status !== 201) throw new Error(`tokenisation failed: ${JSON.stringify(response.body)}`);
    return response.body.token as string;
  }

  const confirm = async (paymentId: string, number: string, options: { owner?: Buyer; amount?: number; currency?: string; idempotencyKey?: string } = {}) =>
    api.post(
      `/v1/store/payments/${paymentId}/confirm`,
      { payment_method: { type: 'card', token: await cardToken(number, options.owner ?? buyer) }, amount: options.amount ?? 2599, currency: options.currency ?? 'EUR' },
      { token: (options.owner ?? buyer).token, ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}) },
    );
  const answerChallenge = (paymentId: string, result: string, owner: Buyer = buyer) => api.post(`/v1/store/payments/${paymentId}/three-ds`, { result }, { token: owner.token });
  const view = (paymentId: string, owner: Buyer = buyer) => api.get(`/v1/store/payments/${paymentId}`, { token: owner.token });

  const eventsOf = (paymentId: string) =>
    queryRows<{ type: string; payload: Record<string, unknown> }>(app.platform.db, sql`SELECT type, payload FROM outbox_events WHERE subject_type = 'payment' AND subject_id = ${paymentId} ORDER BY id`);
  const trail = (paymentId: string) =>
    queryRows<{ action: string; from_state: { status: string } | null; to_state: { status: string } }>(app.platform.db, sql`SELECT action, from_state, to_state FROM audit_log WHERE subject_type = 'payment' AND subject_id = ${paymentId} ORDER BY id`);

  /** Row counts and digests of everything a payment request could change. */
  const snapshot = () =>
    queryRows(
      app.platform.db,
      sql`SELECT (SELECT count(*)::int FROM payment_intents) AS intents, (SELECT md5(coalesce(string_agg(t::text, '' ORDER BY id), '')) FROM payment_intents t) AS intents_digest,
                 (SELECT count(*)::int FROM payment_attempts) AS attempts, (SELECT md5(coalesce(string_agg(t::text, '' ORDER BY id), '')) FROM payment_attempts t) AS attempts_digest,
                 (SELECT count(*)::int FROM outbox_events) AS events, (SELECT count(*)::int FROM audit_log) AS audit`,
    );

  describe('each test card, through HTTP', () => {
    it.each([
      [VISA, 'visa', '4242', 'succeeded', 'succeeded', null],
      [MASTERCARD, 'mastercard', '4444', 'succeeded', 'succeeded', null],
      [DECLINED, 'visa', '0002', 'requires_payment_method', 'failed', 'card_declined'],
      [NO_FUNDS, 'visa', '9995', 'requires_payment_method', 'failed', 'insufficient_funds'],
      [THREE_DS, 'visa', '3220', 'requires_action', 'requires_action', null],
    ])('%s (%s, last four %s): the payment %s, the attempt %s', async (number, brand, last4, paymentStatus, attemptStatus, failureCode) => {
      const payment = await createIntent();
      expect(payment).toMatchObject({ status: 'requires_payment_method', attempts: [], nextAction: null });
      const confirmed = await confirm(payment.id, number);
      expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
      expect(confirmed.body).toMatchObject({
        id: payment.id,
        status: paymentStatus,
        amount: 2599,
        currency: 'EUR',
        reference: payment.reference,
        payment_method: { type: 'card', brand, last4, exp_month: 12, exp_year: 2030 },
        last_payment_error: failureCode ? { code: failureCode, message: expect.any(String) } : null,
        next_action: paymentStatus === 'requires_action' ? { type: 'three_ds', url: `/v1/store/payments/${payment.id}/three-ds` } : null,
        attempts: [{ number: 1, provider: 'sandbox', status: attemptStatus, failure_code: failureCode, provider_reference: expect.stringMatching(/^sandbox_pat_/), payment_method: { brand, last4 } }],
      });
      expect((await view(payment.id)).body).toEqual(confirmed.body);

      // Only the success is final and announced; the decline and the challenge leave the payment open.
      const events = await eventsOf(payment.id);
      if (paymentStatus === 'succeeded') {
        expect(events).toEqual([{ type: PAYMENT_EVENTS.succeeded, payload: { paymentId: payment.id, reference: payment.reference, amount: 2599, currency: 'EUR', buyerAccountId: buyer.accountId } }]);
        expect(confirmed.body.closed_at).toBe(app.clock.now().toISOString());
      } else {
        expect(events).toEqual([]);
      }
      // Every transition is audited: created, with the provider, then its answer.
      expect((await trail(payment.id)).map((entry) => [entry.action, entry.from_state?.status ?? null, entry.to_state.status])).toEqual([
        ['payment.create', null, 'requires_payment_method'],
        ['payment.processing', 'requires_payment_method', 'processing'],
        [`payment.${paymentStatus}`, 'processing', paymentStatus],
      ]);
    });
  });

  it('takes another card after a decline, and announces the one success once', async () => {
    const payment = await createIntent();
    const declined = await confirm(payment.id, DECLINED);
    expect(declined.body).toMatchObject({ status: 'requires_payment_method', last_payment_error: { code: 'card_declined' } });
    const paid = await confirm(payment.id, MASTERCARD);
    expect(paid.body).toMatchObject({ status: 'succeeded', last_payment_error: null, payment_method: { brand: 'mastercard', last4: '4444' } });
    expect(paid.body.attempts.map((a: { number: number; status: string; failure_code: string | null }) => [a.number, a.status, a.failure_code])).toEqual([
      [1, 'failed', 'card_declined'],
      [2, 'succeeded', null],
    ]);
    expect((await eventsOf(payment.id)).map((e) => e.type)).toEqual([PAYMENT_EVENTS.succeeded]);
    // Paid: a third confirmation charges nothing.
    const again = await confirm(payment.id, VISA);
    expectProblem(again, 409, 'payment_already_succeeded');
    expect((await view(payment.id)).body.attempts).toHaveLength(2);
  });

  it('fails the payment for good at the fifth declined attempt', async () => {
    const payment = await createIntent();
    for (let attempt = 1; attempt <= 4; attempt++) expect((await confirm(payment.id, attempt % 2 ? DECLINED : NO_FUNDS)).body.status).toBe('requires_payment_method');
    const fifth = await confirm(payment.id, DECLINED);
    expect(fifth.body).toMatchObject({ status: 'failed', last_payment_error: { code: 'card_declined' } });
    expect(fifth.body.attempts).toHaveLength(5);
    expect((await eventsOf(payment.id)).map((e) => e.type)).toEqual([PAYMENT_EVENTS.failed]);
    expectProblem(await confirm(payment.id, VISA), 409, 'payment_not_confirmable');
  });

  describe('3-D Secure', () => {
    it('succeeds when the card holder passes the challenge', async () => {
      const payment = await createIntent();
      const challenged = await confirm(payment.id, THREE_DS);
      expect(challenged.body).toMatchObject({ status: 'requires_action', next_action: { type: 'three_ds' } });
      const passed = await answerChallenge(payment.id, 'pass');
      expect(passed.status, JSON.stringify(passed.body)).toBe(200);
      expect(passed.body).toMatchObject({ status: 'succeeded', next_action: null, attempts: [{ status: 'succeeded', provider_status: 'succeeded' }] });
      expect((await eventsOf(payment.id)).map((e) => e.type)).toEqual([PAYMENT_EVENTS.succeeded]);
      expect((await trail(payment.id)).map((entry) => entry.to_state.status)).toEqual(['requires_payment_method', 'processing', 'requires_action', 'processing', 'succeeded']);
      // The challenge is answered once.
      expectProblem(await answerChallenge(payment.id, 'pass'), 409, 'payment_not_awaiting_action');
    });

    it('declines the attempt when the challenge fails, and another card can still pay', async () => {
      const payment = await createIntent();
      await confirm(payment.id, THREE_DS);
      const failed = await answerChallenge(payment.id, 'fail');
      expect(failed.body).toMatchObject({ status: 'requires_payment_method', next_action: null, last_payment_error: { code: 'authentication_failed' }, attempts: [{ status: 'failed', failure_code: 'authentication_failed' }] });
      expect(await eventsOf(payment.id)).toEqual([]);
      expect((await confirm(payment.id, VISA)).body.status).toBe('succeeded');
    });

    it('abandons an unanswered challenge when the buyer pays with another card', async () => {
      const payment = await createIntent();
      await confirm(payment.id, THREE_DS);
      const paid = await confirm(payment.id, VISA);
      expect(paid.body.status).toBe('succeeded');
      expect(paid.body.attempts.map((a: { status: string; failure_code: string | null }) => [a.status, a.failure_code])).toEqual([
        ['canceled', 'abandoned'],
        ['succeeded', null],
      ]);
      expectProblem(await answerChallenge(payment.id, 'pass'), 409, 'payment_not_awaiting_action');
    });

    it('has no challenge to answer before one is asked for', async () => {
      const payment = await createIntent();
      const before = await snapshot();
      expectProblem(await answerChallenge(payment.id, 'pass'), 409, 'payment_not_awaiting_action');
      expect(await snapshot()).toEqual(before);
    });
  });

  describe('expiry', () => {
    it('expires unpaid payments once their time is up, closing an unanswered challenge, and announces each', async () => {
      const untouched = await createIntent(buyer, { expiresAt: inMinutes(20) });
      const challenged = await createIntent(buyer, { expiresAt: inMinutes(20) });
      const paid = await createIntent(buyer, { expiresAt: inMinutes(20) });
      const later = await createIntent(buyer, { expiresAt: inMinutes(90) });
      await confirm(challenged.id, THREE_DS);
      await confirm(paid.id, VISA);

      app.clock.advance({ minutes: 19 });
      await app.settle();
      expect((await view(untouched.id)).body.status).toBe('requires_payment_method');

      app.clock.advance({ minutes: 2 });
      await app.settle();
      const expired = await view(untouched.id);
      expect(expired.body).toMatchObject({ status: 'expired', closed_at: app.clock.now().toISOString() });
      const expiredChallenge = (await view(challenged.id)).body;
      expect(expiredChallenge).toMatchObject({ status: 'expired', next_action: null, attempts: [{ status: 'canceled', failure_code: 'payment_expired' }] });
      expect((await view(paid.id)).body.status).toBe('succeeded');
      expect((await view(later.id)).body.status).toBe('requires_payment_method');
      for (const payment of [untouched, challenged]) {
        expect(await eventsOf(payment.id)).toEqual([{ type: PAYMENT_EVENTS.expired, payload: { paymentId: payment.id, reference: payment.reference, amount: 2599, currency: 'EUR', buyerAccountId: buyer.accountId } }]);
      }
      expect((await trail(untouched.id)).at(-1)).toMatchObject({ action: 'payment.expired', from_state: { status: 'requires_payment_method' }, to_state: { status: 'expired' } });

      expectProblem(await confirm(untouched.id, VISA), 409, 'payment_not_confirmable');
      expectProblem(await answerChallenge(challenged.id, 'pass'), 409, 'payment_not_awaiting_action');
    });

    it('refuses to take a payment past its expiry even before the expiry job has closed it', async () => {
      const payment = await createIntent(buyer, { expiresAt: inMinutes(5) });
      app.clock.advance({ minutes: 6 });
      const before = await snapshot();
      const late = await confirm(payment.id, VISA);
      expectProblem(late, 409, 'payment_not_confirmable');
      expect(late.body.detail).toMatch(/expired/);
      expect(await snapshot()).toEqual(before);
    });
  });

  describe('who sees a payment', () => {
    it('shows a buyer only their own payments, finance operators and admins any, and nobody else', async () => {
      const payment = await createIntent();
      await confirm(payment.id, VISA);
      const seller = await signUpSeller(api);
      const [finance, admin, reviewer] = [await createOperator(app, api, ['finance']), await createOperator(app, api, ['admin']), await createOperator(app, api, ['reviewer'])];

      expectProblem(await view(payment.id, otherBuyer), 404, 'not_found');
      expectProblem(await api.get(`/v1/store/payments/${payment.id}`, { token: seller.token }), 403, 'buyer_account_required');
      expectProblem(await api.get(`/v1/store/payments/${payment.id}`), 401, 'unauthenticated');
      for (const operator of [finance, admin]) {
        const seen = await api.get(`/v1/ops/payments/${payment.id}`, { token: operator.token });
        expect(seen.status).toBe(200);
        expect(seen.body).toMatchObject({ id: payment.id, status: 'succeeded', buyer_account_id: buyer.accountId, cancellation_reason: null, attempts: [{ provider: 'sandbox', provider_reference: expect.any(String) }] });
      }
      expectProblem(await api.get(`/v1/ops/payments/${payment.id}`, { token: reviewer.token }), 403, 'permission_denied');
      expectProblem(await api.get(`/v1/ops/payments/${payment.id}`, { token: buyer.token }), 403, 'operator_account_required');
      expectProblem(await api.get('/v1/ops/payments/pay_01JD3Z8Q4X5N6M7P8R9S0T1V2W', { token: finance.token }), 404, 'not_found');
    });

    it('lets no other buyer pay or answer a challenge on someone’s payment', async () => {
      const payment = await createIntent();
      const challenged = await createIntent();
      await confirm(challenged.id, THREE_DS);
      const before = await snapshot();
      expectProblem(await confirm(payment.id, VISA, { owner: otherBuyer }), 404, 'not_found');
      expectProblem(await answerChallenge(challenged.id, 'fail', otherBuyer), 404, 'not_found');
      expect(await snapshot()).toEqual(before);
    });

    it('takes payments and card tokens from buyers only', async () => {
      const payment = await createIntent();
      const seller = await signUpSeller(api);
      const token = await cardToken(VISA);
      expectProblem(await api.post(`/v1/store/payments/${payment.id}/confirm`, { payment_method: { type: 'card', token }, amount: 2599, currency: 'EUR' }, { token: seller.token }), 403, 'buyer_account_required');
      expectProblem(await api.post('/v1/store/payments/sandbox/card-tokens', { number: VISA, exp_month: 12, exp_year: 2030, cvc: '123' }, { token: seller.token }), 403, 'buyer_account_required');
    });
  });

  describe('bad input changes nothing', () => {
    it.each<[string, Record<string, unknown>, string, string]>([
      ['a number whose check digit is wrong', { number: '4242 4242 4242 4241' }, '/number', 'invalid_number'],
      ['a card that has expired', { exp_month: 1, exp_year: 2026 }, '/exp_year', 'expired_card'],
      ['a card number that is no test card', { number: '4111 1111 1111 1111' }, '/number', 'sandbox_test_card_required'],
      ['a CVC of 4 digits on a Visa', { cvc: '1234' }, '/cvc', 'invalid_cvc'],
    ])('refuses to tokenise %s', async (_label, change, path, code) => {
      const before = await snapshot();
      const refused = await api.post('/v1/store/payments/sandbox/card-tokens', { number: VISA, exp_month: 12, exp_year: 2030, cvc: '123', ...change }, { token: buyer.token });
      expectProblem(refused, 422, 'validation_failed');
      expect(refused.body.errors).toEqual([{ in: 'body', path, code, message: expect.any(String) }]);
      expect(await snapshot()).toEqual(before);
    });

    it('refuses a confirmation in another currency or for another amount than the payment’s', async () => {
      const payment = await createIntent();
      const before = await snapshot();
      const otherCurrency = await confirm(payment.id, VISA, { currency: 'USD' });
      expectProblem(otherCurrency, 422, 'amount_mismatch');
      expect(otherCurrency.body.errors).toEqual([{ in: 'body', path: '/currency', code: 'amount_mismatch', message: 'the payment is in EUR' }]);
      const otherAmount = await confirm(payment.id, VISA, { amount: 2500 });
      expectProblem(otherAmount, 422, 'amount_mismatch');
      expect(otherAmount.body.errors[0]).toMatchObject({ path: '/amount' });
      expect(await snapshot()).toEqual(before);
    });

    it('refuses a token the sandbox never issued', async () => {
      const payment = await createIntent();
      const before = await snapshot();
      const refused = await api.post(`/v1/store/payments/${payment.id}/confirm`, { payment_method: { type: 'card', token: 'tok_sandbox_1111_203012_0123456789abcdef' }, amount: 2599, currency: 'EUR' }, { token: buyer.token });
      expectProblem(refused, 422, 'validation_failed');
      expect(refused.body.errors).toEqual([{ in: 'body', path: '/payment_method/token', code: 'invalid_token', message: expect.any(String) }]);
      expect(await snapshot()).toEqual(before);
    });

    it('refuses to confirm a payment that is already final', async () => {
      const paid = await createIntent();
      await confirm(paid.id, VISA);
      const cancelled = await createIntent();
      await inTransaction(app.platform.db, (tx) => service().cancelIntent(tx, cancelled.id, 'The order was closed unpaid.'));
      const before = await snapshot();
      expectProblem(await confirm(paid.id, VISA), 409, 'payment_already_succeeded');
      expectProblem(await confirm(cancelled.id, VISA), 409, 'payment_not_confirmable');
      expect(await snapshot()).toEqual(before);
    });

    it('never pays twice for one Idempotency-Key, and refuses the key for another request', async () => {
      const payment = await createIntent();
      const token = await cardToken(VISA);
      const body = { payment_method: { type: 'card', token }, amount: 2599, currency: 'EUR' };
      const first = await api.post(`/v1/store/payments/${payment.id}/confirm`, body, { token: buyer.token, idempotencyKey: 'pay-once' });
      const retry = await api.post(`/v1/store/payments/${payment.id}/confirm`, body, { token: buyer.token, idempotencyKey: 'pay-once' });
      expect(first.body.status).toBe('succeeded');
      expect(retry.status).toBe(200);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.body).toEqual(first.body);
      expectProblem(await api.post(`/v1/store/payments/${payment.id}/confirm`, { ...body, amount: 2598 }, { token: buyer.token, idempotencyKey: 'pay-once' }), 422, 'idempotency_key_reused');
      expect((await view(payment.id)).body.attempts).toHaveLength(1);
    });
  });

  describe('what checkout calls', () => {
    it('keeps one open payment per order, and allows a new one once the last was cancelled', async () => {
      const reference = { type: 'order', id: unique('ord') };
      const first = await createIntent(buyer, { reference });
      await expect(createIntent(buyer, { reference })).rejects.toMatchObject({ status: 409, code: 'payment_exists_for_reference' });
      const cancelled = await inTransaction(app.platform.db, (tx) => service().cancelIntent(tx, first.id, 'The buyer changed the order.'));
      expect(cancelled).toMatchObject({ status: 'canceled', cancellationReason: 'The buyer changed the order.' });
      expect(await eventsOf(first.id)).toEqual([{ type: PAYMENT_EVENTS.canceled, payload: { paymentId: first.id, reference, amount: 2599, currency: 'EUR', buyerAccountId: buyer.accountId } }]);
      const second = await createIntent(buyer, { reference });
      expect(second.status).toBe('requires_payment_method');
      // A paid order takes no second payment either.
      await confirm(second.id, VISA);
      await expect(createIntent(buyer, { reference })).rejects.toMatchObject({ status: 409, code: 'payment_exists_for_reference' });
    });

    it('cancels a payment waiting for a challenge, and does nothing to a final one', async () => {
      const challenged = await createIntent();
      await confirm(challenged.id, THREE_DS);
      const cancelled = await inTransaction(app.platform.db, (tx) => service().cancelIntent(tx, challenged.id, 'The order was closed unpaid.'));
      expect(cancelled).toMatchObject({ status: 'canceled', nextAction: null, attempts: [{ status: 'canceled', failureCode: 'payment_canceled' }] });
      const paid = await createIntent();
      await confirm(paid.id, VISA);
      const before = await snapshot();
      for (const payment of [paid, challenged]) {
        const unchanged = await inTransaction(app.platform.db, (tx) => service().cancelIntent(tx, payment.id, 'Closed again.'));
        expect(unchanged.status).toBe(payment.id === paid.id ? 'succeeded' : 'canceled');
      }
      expect(await snapshot()).toEqual(before);
      expect((await eventsOf(challenged.id)).map((e) => e.type)).toEqual([PAYMENT_EVENTS.canceled]);
    });

    it.each<[string, Partial<NewPaymentIntent>, string]>([
      ['no amount', { amount: 0 }, '/amount'],
      ['a fractional amount', { amount: 12.5 }, '/amount'],
      ['an unknown currency', { currency: 'XYZ' }, '/currency'],
      ['an expiry in the past', { expiresAt: new Date('2020-01-01T00:00:00Z') }, '/expires_at'],
      ['an empty reference', { reference: { type: 'order', id: ' ' } }, '/reference/id'],
    ])('refuses an intent with %s', async (_label, overrides, path) => {
      const before = await snapshot();
      await expect(createIntent(buyer, overrides)).rejects.toMatchObject({ status: 422, code: 'validation_failed', errors: [expect.objectContaining({ path })] });
      expect(await snapshot()).toEqual(before);
    });
  });

  it('never stores or logs a card number', async () => {
    const payment = await createIntent();
    await confirm(payment.id, DECLINED);
    await confirm(payment.id, VISA);
    const everything = await queryRows<{ text: string }>(
      app.platform.db,
      sql`SELECT string_agg(t::text, E'\\n') AS text FROM (SELECT row_to_json(i)::text AS t FROM payment_intents i UNION ALL SELECT row_to_json(a)::text FROM payment_attempts a
            UNION ALL SELECT row_to_json(k)::text FROM idempotency_keys k UNION ALL SELECT row_to_json(l)::text FROM audit_log l UNION ALL SELECT row_to_json(e)::text FROM outbox_events e) rows`,
    );
    const logs = logLines.join('');
    expect(logs).toContain('/v1/store/payments/sandbox/card-tokens');
    for (const { number } of SANDBOX_TEST_CARDS) {
      expect(everything[0]!.text).not.toContain(number);
      expect(logs).not.toContain(number);
      expect(logs).not.toContain(number.replace(/(\d{4})(?=\d)/g, '$1 '));
    }
  });
});

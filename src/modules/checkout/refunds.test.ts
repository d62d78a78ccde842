import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOperator, sellerWithOpenStore, type SellerActor } from '../../../test/support/actors.ts';
import { useTestApp } from '../../../test/support/app.ts';
import { buyerAccount, listedInBrazil, paidAndWaitingForSeller, placeInBrazil, signInBuyerAgain, type BuyerActor } from '../../../test/support/commerce.ts';
import { apiClient } from '../../../test/support/http.ts';
import { inTransaction, queryRows } from '../../platform/db/index.ts';
import { ORDER_EVENTS } from '../orders/index.ts';
import { PAYMENT_EVENTS } from '../payments/index.ts';

/**
 * A checkout's one payment covers one order per seller. When a paid order is cancelled — by the
 * buyer with the seller's consent, or at once because the seller is late — that order's grand total
 * goes back to the buyer from the payment; the other orders and the payment itself are untouched.
 */
describe('refunds of cancelled orders', () => {
  const app = useTestApp({ now: '2026-11-25T10:00:00Z' });
  const api = apiClient(app);
  const sellers: (SellerActor & { product: Awaited<ReturnType<typeof listedInBrazil>> })[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const seller = await sellerWithOpenStore(app(), api);
      sellers.push({ ...seller, product: await listedInBrazil(api, seller) });
    }
  });

  const payment = async (buyer: BuyerActor, paymentId: string) => (await api.get(`/v1/store/payments/${paymentId}`, { token: buyer.token })).body;
  const order = async (buyer: BuyerActor, orderId: string) => (await api.get(`/v1/store/orders/${orderId}`, { token: buyer.token })).body;
  const refundEvents = (paymentId: string) =>
    queryRows<{ type: string; payload: Record<string, unknown> }>(app().platform.db, sql`SELECT type, payload FROM outbox_events WHERE type LIKE 'payments.refund.%' AND payload->>'paymentId' = ${paymentId} ORDER BY id`);
  const refundRows = (paymentId: string) => queryRows<{ id: string }>(app().platform.db, sql`SELECT id FROM payment_refunds WHERE payment_id = ${paymentId}`);

  /** A checkout with one order from each seller, paid, both orders waiting for their sellers. */
  async function twoSellerCheckout(buyer: BuyerActor) {
    const placed = await paidAndWaitingForSeller(app(), api, buyer, [
      { skuId: sellers[0]!.product.skus[0]!.id, quantity: 2 },
      { skuId: sellers[1]!.product.skus[0]!.id, quantity: 3 },
    ]);
    const orders = await Promise.all(placed.checkout.order_ids.map((id) => order(buyer, id)));
    const bySeller = (seller: SellerActor) => orders.find((o) => o.seller_id === seller.sellerId)!;
    return { placed, first: bySeller(sellers[0]!), second: bySeller(sellers[1]!) };
  }

  it('refunds exactly the cancelled order’s grand total, once, and leaves the other order and the payment as they were', async () => {
    const buyer = await buyerAccount(api);
    const { placed, first, second } = await twoSellerCheckout(buyer);
    const paymentId = placed.checkout.payment_id;
    expect(first.totals.grand.amount + second.totals.grand.amount).toBe(placed.checkout.grand_total.amount);
    expect(first.totals.grand.amount).not.toBe(second.totals.grand.amount);

    expect((await api.post(`/v1/store/orders/${first.id}/cancel`, { reason: 'Ordered the wrong colour' }, { token: buyer.token })).body.status).toBe('IN_CANCEL');
    await app().settle();
    // Asking is not cancelling: nothing goes back while the seller has not answered.
    expect(await payment(buyer, paymentId)).toMatchObject({ refunds: [], amount_refunded: 0 });

    const accepted = await api.post(`/v1/seller/orders/${first.id}/cancellation`, { accept: true, reason: 'No problem' }, { token: sellers[0]!.token });
    expect(accepted.body).toMatchObject({ status: 'FINISH', end_reason: 'buyer_cancelled' });
    await app().settle();

    const refunded = await payment(buyer, paymentId);
    expect(refunded).toMatchObject({
      status: 'succeeded',
      amount: placed.checkout.grand_total.amount,
      amount_refunded: first.totals.grand.amount,
      refunds: [
        {
          status: 'succeeded',
          amount: first.totals.grand.amount,
          currency: 'BRL',
          reference: { type: 'order', id: first.id },
          provider_reference: expect.stringMatching(/^sandbox_.+_refund_/),
          failure_code: null,
          completed_at: app().clock.now().toISOString(),
        },
      ],
    });
    expect(refunded.refunds[0].id).toMatch(/^rfd_/);
    expect(refunded.refunds[0].reason).toContain(first.id);
    expect(await order(buyer, second.id)).toMatchObject({ status: 'WAIT_SELLER_SEND_GOODS', end_reason: null });
    expect(await refundEvents(paymentId)).toEqual([
      {
        type: PAYMENT_EVENTS.refundSucceeded,
        payload: { refundId: refunded.refunds[0].id, paymentId, reference: { type: 'order', id: first.id }, amount: first.totals.grand.amount, currency: 'BRL', buyerAccountId: buyer.accountId },
      },
    ]);

    // Every step of the refund is on record: asked for by checkout, made by the refund job.
    const trail = await queryRows<{ action: string; actor_id: string }>(app().platform.db, sql`SELECT action, actor_id FROM audit_log WHERE subject_type = 'refund' AND subject_id = ${refunded.refunds[0].id} ORDER BY occurred_at, id`);
    expect(trail).toEqual([
      { action: 'refund.create', actor_id: 'checkout.refunds' },
      { action: 'refund.succeeded', actor_id: 'payments.refund' },
    ]);

    // The same cancellation announced again gives nothing more back.
    const [announced] = await queryRows<{ payload: Record<string, unknown> }>(
      app().platform.db,
      sql`SELECT payload FROM outbox_events WHERE type = ${ORDER_EVENTS.statusChanged} AND subject_id = ${first.id} AND payload->>'to' = 'FINISH'`,
    );
    await inTransaction(app().platform.db, (tx) => app().platform.events.publish(tx, { type: ORDER_EVENTS.statusChanged, subject: { type: 'order', id: first.id }, payload: announced!.payload }));
    await app().settle();
    // Handled, not failed and left to retry: asking again for the order's refund answers the one made.
    const deliveries = await queryRows<{ dispatched: boolean; last_error: string | null }>(
      app().platform.db,
      sql`SELECT dispatched_at IS NOT NULL AS dispatched, last_error FROM outbox_events WHERE type = ${ORDER_EVENTS.statusChanged} AND subject_id = ${first.id} AND payload->>'to' = 'FINISH'`,
    );
    expect(deliveries).toEqual([
      { dispatched: true, last_error: null },
      { dispatched: true, last_error: null },
    ]);
    expect(await refundRows(paymentId)).toHaveLength(1);
    expect(await payment(buyer, paymentId)).toMatchObject({ amount_refunded: first.totals.grand.amount, refunds: [{ id: refunded.refunds[0].id }] });
    expect(await refundEvents(paymentId)).toHaveLength(1);

    // Finance sees the refund on the payment; another buyer does not see the payment at all.
    const finance = await createOperator(app(), api, ['finance']);
    expect((await api.get(`/v1/ops/payments/${paymentId}`, { token: finance.token })).body).toMatchObject({ buyer_account_id: buyer.accountId, amount_refunded: first.totals.grand.amount, refunds: [{ id: refunded.refunds[0].id, status: 'succeeded' }] });
    const stranger = await buyerAccount(api);
    expect((await api.get(`/v1/store/payments/${paymentId}`, { token: stranger.token })).status).toBe(404);
  });

  it('gives back only what is left when finance already refunded part of the payment', async () => {
    const buyer = await buyerAccount(api);
    const { placed, first, second } = await twoSellerCheckout(buyer);
    const paymentId = placed.checkout.payment_id;
    // A goodwill refund larger than the second order: the first order's total no longer fits whole.
    const goodwill = second.totals.grand.amount + 100;
    const finance = await createOperator(app(), api, ['finance']);
    const given = await api.post(`/v1/ops/payments/${paymentId}/refunds`, { amount: goodwill, currency: 'BRL', reason: 'Goodwill for the wait' }, { token: finance.token });
    expect(given.status, JSON.stringify(given.body)).toBe(201);
    await app().settle();

    await api.post(`/v1/store/orders/${first.id}/cancel`, { reason: 'No longer needed' }, { token: buyer.token });
    await api.post(`/v1/seller/orders/${first.id}/cancellation`, { accept: true, reason: 'Fine' }, { token: sellers[0]!.token });
    await app().settle();
    const refunded = await payment(buyer, paymentId);
    expect(refunded).toMatchObject({
      amount_refunded: placed.checkout.grand_total.amount,
      refunds: [
        { amount: goodwill, reference: { type: 'goodwill' } },
        { amount: first.totals.grand.amount - 100, status: 'succeeded', reference: { type: 'order', id: first.id } },
      ],
    });
    expect(refunded.refunds[1].reason).toContain('already been refunded');
  });

  it('refunds nothing for a checkout that closes unpaid', async () => {
    const buyer = await buyerAccount(api);
    const placed = await placeInBrazil(api, buyer, [{ skuId: sellers[0]!.product.skus[1]!.id, quantity: 1 }]);
    app().clock.advance({ minutes: 61 });
    await app().settle();
    expect(await order(buyer, placed.checkout.order_ids[0]!)).toMatchObject({ status: 'FINISH', end_reason: 'pay_timeout' });
    expect(await payment(buyer, placed.checkout.payment_id)).toMatchObject({ status: 'expired', refunds: [], amount_refunded: 0 });
    expect(await refundRows(placed.checkout.payment_id)).toEqual([]);
  });

  it('refunds an order the buyer cancels because the seller is late', async () => {
    let buyer = await buyerAccount(api);
    const placed = await paidAndWaitingForSeller(app(), api, buyer, [{ skuId: sellers[1]!.product.skus[1]!.id, quantity: 1 }]);
    const orderId = placed.checkout.order_ids[0]!;
    app().clock.advance({ hours: 73 });
    await app().settle();
    buyer = await signInBuyerAgain(api, buyer);
    const cancelled = await api.post(`/v1/store/orders/${orderId}/cancel`, { reason: 'It never shipped' }, { token: buyer.token });
    expect(cancelled.body).toMatchObject({ status: 'FINISH', end_reason: 'cancelled_late_shipment' });
    await app().settle();
    // One order was the whole checkout: all of it goes back, and the payment still says it was paid.
    expect(await payment(buyer, placed.checkout.payment_id)).toMatchObject({
      status: 'succeeded',
      amount_refunded: placed.checkout.grand_total.amount,
      refunds: [{ status: 'succeeded', amount: placed.checkout.grand_total.amount, reference: { type: 'order', id: orderId } }],
    });
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { sellerWithOpenStore, type SellerActor } from '../../../test/support/actors.ts';
import { useTestApp } from '../../../test/support/app.ts';
import { availableOf, buyerAccount, listedInBrazil, payWithCard, placeInBrazil, TEST_CARDS } from '../../../test/support/commerce.ts';
import { expectProblem } from '../../../test/support/expect.ts';
import { apiClient } from '../../../test/support/http.ts';

/**
 * What the payment's outcome does to a checkout's orders: success moves them to the risk check;
 * expiry and failure close them, each with its own end reason, and give their stock back.
 */
describe('payment outcomes of a checkout', () => {
  const app = useTestApp({ now: '2026-11-25T10:00:00Z' });
  const api = apiClient(app);
  let seller: SellerActor;
  let product: Awaited<ReturnType<typeof listedInBrazil>>;

  beforeAll(async () => {
    seller = await sellerWithOpenStore(app(), api);
    product = await listedInBrazil(api, seller);
  });

  const ordersOf = async (token: string, ids: string[]) => Promise.all(ids.map(async (id) => (await api.get(`/v1/store/orders/${id}`, { token })).body));

  it('lets the buyer try another card after a decline, and moves the orders on when it succeeds', async () => {
    const buyer = await buyerAccount(api);
    const placed = await placeInBrazil(api, buyer, [{ skuId: product.skus[0]!.id, quantity: 2 }]);
    const payment = { id: placed.checkout.payment_id, ...placed.checkout.grand_total };

    const declined = await payWithCard(api, buyer.token, payment, TEST_CARDS.declined);
    expect(declined.status).toBe(200);
    expect(declined.body).toMatchObject({ status: 'requires_payment_method', last_payment_error: { code: 'card_declined' } });
    await app().settle();
    const [waiting] = await ordersOf(buyer.token, placed.checkout.order_ids);
    expect(waiting).toMatchObject({ status: 'PLACE_ORDER_SUCCESS', paid_at: null, end_reason: null });

    const paid = await payWithCard(api, buyer.token, payment);
    expect(paid.body.status).toBe('succeeded');
    expect(paid.body.attempts.map((a: { status: string }) => a.status)).toEqual(['failed', 'succeeded']);
    await app().settle();
    const [moved] = await ordersOf(buyer.token, placed.checkout.order_ids);
    expect(moved.status).toBe('RISK_CONTROL');
    expect(moved.paid_at).toBe(app().clock.now().toISOString());
    expect(new Date(moved.ship_due_at).getTime() - new Date(moved.paid_at).getTime()).toBe(72 * 3_600_000);
    // A paid payment cannot be paid twice.
    expectProblem(await payWithCard(api, buyer.token, payment), 409, 'payment_already_succeeded');
  });

  it('closes the orders as pay_timeout and gives the stock back when the 60-minute window passes unpaid', async () => {
    const buyer = await buyerAccount(api);
    const before = await availableOf(api, seller, product.id);
    const placed = await placeInBrazil(api, buyer, [{ skuId: product.skus[0]!.id, quantity: 3 }]);
    expect(await availableOf(api, seller, product.id)).toBe(before - 3);
    const payment = { id: placed.checkout.payment_id, ...placed.checkout.grand_total };
    expect(placed.orders[0].pay_due_at).toBe(new Date(app().clock.now().getTime() + 60 * 60_000).toISOString());

    // A minute before the end, nothing closes.
    app().clock.advance({ minutes: 59 });
    await app().settle();
    expect((await ordersOf(buyer.token, placed.checkout.order_ids))[0].status).toBe('PLACE_ORDER_SUCCESS');

    app().clock.advance({ minutes: 2 });
    await app().settle();
    expect((await api.get(`/v1/store/payments/${payment.id}`, { token: buyer.token })).body.status).toBe('expired');
    const [closed] = await ordersOf(buyer.token, placed.checkout.order_ids);
    expect(closed).toMatchObject({ status: 'FINISH', end_reason: 'pay_timeout', paid_at: null, finished_at: app().clock.now().toISOString() });
    expect(await availableOf(api, seller, product.id)).toBe(before);
    const history = await api.get(`/v1/seller/orders/${closed.id}/history`, { token: seller.token });
    expect(history.body.data[0]).toMatchObject({ action: 'order.close_unpaid', actor_type: 'system', from: { status: 'PLACE_ORDER_SUCCESS' }, to: { status: 'FINISH', endReason: 'pay_timeout' } });
    // Too late to pay now.
    expectProblem(await payWithCard(api, buyer.token, payment), 409, 'payment_not_confirmable');
  });

  it('closes the orders as payment_failed and gives the stock back when every attempt is declined', async () => {
    const buyer = await buyerAccount(api);
    const before = await availableOf(api, seller, product.id);
    const placed = await placeInBrazil(api, buyer, [{ skuId: product.skus[0]!.id, quantity: 4 }]);
    const payment = { id: placed.checkout.payment_id, ...placed.checkout.grand_total };
    for (let attempt = 1; attempt <= 5; attempt++) {
      const declined = await payWithCard(api, buyer.token, payment, TEST_CARDS.declined);
      expect(declined.body.status).toBe(attempt < 5 ? 'requires_payment_method' : 'failed');
    }
    await app().settle();
    const [closed] = await ordersOf(buyer.token, placed.checkout.order_ids);
    expect(closed).toMatchObject({ status: 'FINISH', end_reason: 'payment_failed' });
    expect(await availableOf(api, seller, product.id)).toBe(before);
    expectProblem(await payWithCard(api, buyer.token, payment), 409, 'payment_not_confirmable');
  });
});

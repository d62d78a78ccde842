import { beforeAll, describe, expect, it } from 'vitest';
import { createOperator, sellerWithOpenStore, signInAgain, type SellerActor } from '../../../test/support/actors.ts';
import { useTestApp } from '../../../test/support/app.ts';
import { availableOf, buyerAccount, FOSHAN, listedInBrazil, paidAndWaitingForSeller, signInBuyerAgain } from '../../../test/support/commerce.ts';
import { apiClient } from '../../../test/support/http.ts';

const HOUR = 3_600_000;

/**
 * A new seller has 72 hours from payment to hand an order to the carrier. Past that the order is
 * marked late once, a late FIRST order costs the store 10 points with the reason on record, and the
 * buyer may cancel at once without asking the seller.
 */
describe('handling time', () => {
  const app = useTestApp({ now: '2026-11-25T10:00:00Z' });
  const api = apiClient(app);
  // Opened before the clock moves: approving a store needs an admin whose session is still alive.
  const sellers: SellerActor[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 3; i++) sellers.push(await sellerWithOpenStore(app(), api));
  });

  it('marks a late first order, deducts store score once, and lets the buyer cancel at once', async () => {
    let seller = sellers[0]!;
    const product = await listedInBrazil(api, seller);
    // The same bulb from a store that ships on time, listed later: at equal scores it ranks second.
    const rival = await listedInBrazil(api, sellers[2]!);
    await app().settle();
    const ranking = async () => ((await api.get('/v1/store/search?market=BR&q=LED%20bulb&lang=en')).body.data as { product_id: string }[]).map((hit) => hit.product_id).filter((id) => id === product.id || id === rival.id);
    expect(await ranking()).toEqual([product.id, rival.id]);
    const stock = await availableOf(api, seller, product.id);
    let first = await buyerAccount(api);
    let second = await buyerAccount(api);
    const firstOrder = (await paidAndWaitingForSeller(app(), api, first, [{ skuId: product.skus[0]!.id, quantity: 2 }])).checkout.order_ids[0]!;
    app().clock.advance({ hours: 1 });
    const secondOrder = (await paidAndWaitingForSeller(app(), api, second, [{ skuId: product.skus[0]!.id, quantity: 1 }])).checkout.order_ids[0]!;
    const waiting = (await api.get(`/v1/seller/orders/${firstOrder}`, { token: seller.token })).body;
    expect(waiting).toMatchObject({ status: 'WAIT_SELLER_SEND_GOODS', handling_hours: 72, late_at: null });
    const shipDueAt = new Date(waiting.ship_due_at);
    expect(shipDueAt.getTime() - new Date(waiting.paid_at).getTime()).toBe(72 * HOUR);
    expect((await api.get('/v1/seller/store/score', { token: seller.token })).body.score).toBe(100);

    // Just before the deadline nothing happens.
    app().clock.set(new Date(shipDueAt.getTime() - 60_000));
    await app().settle();
    seller = await signInAgain(api, seller);
    expect((await api.get(`/v1/seller/orders/${firstOrder}`, { token: seller.token })).body.late_at).toBeNull();

    // Past both orders' deadlines.
    app().clock.set(new Date(shipDueAt.getTime() + 2 * HOUR));
    await app().settle();
    seller = await signInAgain(api, seller);
    const late = (await api.get(`/v1/seller/orders/${firstOrder}`, { token: seller.token })).body;
    expect(late.status).toBe('WAIT_SELLER_SEND_GOODS');
    expect(new Date(late.late_at).getTime()).toBeGreaterThanOrEqual(shipDueAt.getTime());
    expect((await api.get(`/v1/seller/orders/${secondOrder}`, { token: seller.token })).body.late_at).not.toBeNull();
    const history = (await api.get(`/v1/seller/orders/${firstOrder}/history`, { token: seller.token })).body.data;
    expect(history[0]).toMatchObject({ action: 'order.late', reason: 'Not handed over within 72 hours', to: expect.objectContaining({ firstOrder: true }) });

    // Ten points off, once, for the first order only, with the reason and the order on record.
    const score = (await api.get('/v1/seller/store/score', { token: seller.token })).body;
    expect(score.score).toBe(90);
    expect(score.changes.data).toEqual([expect.objectContaining({ code: 'late_first_shipment', delta: -10, score_after: 90, reference: firstOrder })]);
    expect(score.changes.data[0].reason).toContain(firstOrder);
    expect(score.changes.data[0].reason).toContain('handling time');
    // Search ranking follows the store score: the late store's bulb now comes after the rival's.
    expect(await ranking()).toEqual([rival.id, product.id]);
    app().clock.advance({ hours: 1 });
    await app().settle();
    expect((await api.get('/v1/seller/store/score', { token: seller.token })).body.score).toBe(90);

    // The seller is warned in the Seller Center, once per late order, and told of the score change.
    const inbox = (await api.get('/v1/seller/notifications?limit=50', { token: seller.token })).body.data as { type: string; body: string }[];
    const warnings = inbox.filter((n) => n.type === 'orders.order.shipment_late');
    expect(warnings.map((n) => n.body.includes(firstOrder) || n.body.includes(secondOrder))).toEqual([true, true]);
    expect(inbox.filter((n) => n.type === 'sellers.store_score.changed')).toHaveLength(1);

    // The buyer cancels without asking the seller: the order ends and its stock comes back.
    first = await signInBuyerAgain(api, first);
    const cancelled = await api.post(`/v1/store/orders/${firstOrder}/cancel`, { reason: 'It never shipped' }, { token: first.token });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'FINISH', end_reason: 'cancelled_late_shipment', cancel_request: null });
    expect(await availableOf(api, seller, product.id)).toBe(stock - 1);

    // Shipping late is still allowed while the buyer has not cancelled.
    const shipped = await api.post(`/v1/seller/orders/${secondOrder}/shipments`, { sender: FOSHAN, weight_g: 100 }, { token: seller.token });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(201);
    second = await signInBuyerAgain(api, second);
    expect((await api.get(`/v1/store/orders/${secondOrder}`, { token: second.token })).body.status).toBe('WAIT_BUYER_ACCEPT_GOODS');
  });

  it('takes a cancellation waiting for the seller’s answer at once once the order is late', async () => {
    let seller = await signInAgain(api, sellers[1]!);
    const product = await listedInBrazil(api, seller);
    let buyer = await buyerAccount(api);
    const orderId = (await paidAndWaitingForSeller(app(), api, buyer, [{ skuId: product.skus[0]!.id, quantity: 1 }])).checkout.order_ids[0]!;
    const requested = await api.post(`/v1/store/orders/${orderId}/cancel`, { reason: 'Found it cheaper' }, { token: buyer.token });
    expect(requested.body.status).toBe('IN_CANCEL');
    app().clock.advance({ hours: 73 });
    await app().settle();
    // Leaving the request unanswered does not spare the seller: the order is late, and it was their first.
    seller = await signInAgain(api, sellers[1]!);
    expect((await api.get(`/v1/seller/orders/${orderId}`, { token: seller.token })).body).toMatchObject({ status: 'IN_CANCEL', late_at: expect.any(String) });
    expect((await api.get('/v1/seller/store/score', { token: seller.token })).body.score).toBe(90);
    buyer = await signInBuyerAgain(api, buyer);
    const cancelled = await api.post(`/v1/store/orders/${orderId}/cancel`, { reason: 'Still not shipped' }, { token: buyer.token });
    expect(cancelled.body).toMatchObject({ status: 'FINISH', end_reason: 'cancelled_late_shipment' });
  });

  it('stops the handling-time clock while an operator holds the order frozen', async () => {
    let seller = await signInAgain(api, sellers[2]!);
    const product = await listedInBrazil(api, seller);
    const buyer = await buyerAccount(api);
    const orderId = (await paidAndWaitingForSeller(app(), api, buyer, [{ skuId: product.skus[0]!.id, quantity: 1 }])).checkout.order_ids[0]!;
    const dueBefore = new Date((await api.get(`/v1/seller/orders/${orderId}`, { token: seller.token })).body.ship_due_at).getTime();
    app().clock.advance({ hours: 1 });
    const reviewer = await createOperator(app(), api, ['admin']);
    expect((await api.post(`/v1/ops/orders/${orderId}/freeze`, { reason: 'Payment under fraud review' }, { token: reviewer.token })).body.status).toBe('IN_FROZEN');

    // Frozen for 100 hours: past the 72 the seller had, through no fault of theirs.
    app().clock.advance({ hours: 100 });
    await app().settle();
    const releaser = await createOperator(app(), api, ['admin']);
    const lifted = await api.post(`/v1/ops/orders/${orderId}/unfreeze`, { reason: 'Review cleared the payment' }, { token: releaser.token });
    expect(lifted.body.status).toBe('WAIT_SELLER_SEND_GOODS');
    expect(new Date(lifted.body.ship_due_at).getTime()).toBe(dueBefore + 100 * HOUR);
    await app().settle();
    seller = await signInAgain(api, seller);
    expect((await api.get(`/v1/seller/orders/${orderId}`, { token: seller.token })).body.late_at).toBeNull();
    expect((await api.get('/v1/seller/store/score', { token: seller.token })).body.score).toBe(100);

    // The clock runs again from where it stopped.
    app().clock.set(new Date(dueBefore + 100 * HOUR + 60_000));
    await app().settle();
    seller = await signInAgain(api, seller);
    expect((await api.get(`/v1/seller/orders/${orderId}`, { token: seller.token })).body.late_at).not.toBeNull();
  });

});

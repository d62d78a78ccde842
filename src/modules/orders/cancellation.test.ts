import { beforeAll, describe, expect, it } from 'vitest';
import { adminFor, sellerWithOpenStore, type SellerActor } from '../../../test/support/actors.ts';
import { useTestApp } from '../../../test/support/app.ts';
import { availableOf, buyerAccount, FOSHAN, listedInBrazil, paidAndWaitingForSeller, placeInBrazil, type BuyerActor } from '../../../test/support/commerce.ts';
import { expectProblem } from '../../../test/support/expect.ts';
import { apiClient } from '../../../test/support/http.ts';

/**
 * A buyer's cancellation before shipment goes to the seller, who accepts (the order ends and its
 * stock comes back) or refuses (the order goes on, the refusal's reason kept). After shipment the
 * buyer confirms receipt instead, which releases the seller's funds. A parcel the order cannot
 * hold is refused before any label is bought.
 */
describe('cancellation and confirmation by the buyer', () => {
  const app = useTestApp({ now: '2026-11-25T10:00:00Z' });
  const api = apiClient(app);
  let seller: SellerActor;
  let product: Awaited<ReturnType<typeof listedInBrazil>>;

  beforeAll(async () => {
    seller = await sellerWithOpenStore(app(), api);
    product = await listedInBrazil(api, seller);
  });

  /** A paid order of a new buyer, waiting for the seller to ship it. */
  async function waitingOrder(quantity = 2): Promise<{ buyer: BuyerActor; orderId: string }> {
    const buyer = await buyerAccount(api);
    const placed = await paidAndWaitingForSeller(app(), api, buyer, [{ skuId: product.skus[0]!.id, quantity }]);
    const orderId = placed.checkout.order_ids[0]!;
    expect((await api.get(`/v1/seller/orders/${orderId}`, { token: seller.token })).body.status).toBe('WAIT_SELLER_SEND_GOODS');
    return { buyer, orderId };
  }
  const cancel = (buyer: BuyerActor, orderId: string, reason = 'Ordered the wrong colour') => api.post(`/v1/store/orders/${orderId}/cancel`, { reason }, { token: buyer.token });
  const answer = (orderId: string, accept: boolean, reason: string) => api.post(`/v1/seller/orders/${orderId}/cancellation`, { accept, reason }, { token: seller.token });
  const ship = (orderId: string) => api.post(`/v1/seller/orders/${orderId}/shipments`, { sender: FOSHAN, weight_g: 300 }, { token: seller.token });
  const actions = async (orderId: string) => (await api.get(`/v1/seller/orders/${orderId}/history`, { token: seller.token })).body.data.map((h: { action: string; reason: string | null }) => [h.action, h.reason]);

  it('asks the seller; a refusal returns the order to the seller with the reason kept', async () => {
    const { buyer, orderId } = await waitingOrder();
    const requested = await cancel(buyer, orderId);
    expect(requested.status, JSON.stringify(requested.body)).toBe(200);
    expect(requested.body).toMatchObject({ status: 'IN_CANCEL', suspended_from: 'WAIT_SELLER_SEND_GOODS', cancel_request: { reason: 'Ordered the wrong colour', requested_at: app().clock.now().toISOString(), refused_reason: null } });
    // Asked once is enough; and the seller must answer before shipping.
    expectProblem(await cancel(buyer, orderId), 409, 'illegal_transition');
    expectProblem(await ship(orderId), 409, 'illegal_transition');

    const refused = await answer(orderId, false, 'Already packed and labelled');
    expect(refused.status).toBe(200);
    expect(refused.body).toMatchObject({ status: 'WAIT_SELLER_SEND_GOODS', suspended_from: null, end_reason: null, cancel_request: { reason: 'Ordered the wrong colour', refused_reason: 'Already packed and labelled' } });
    expect((await api.get(`/v1/store/orders/${orderId}`, { token: buyer.token })).body.cancel_request.refused_reason).toBe('Already packed and labelled');
    expect((await actions(orderId)).slice(0, 2)).toEqual([
      ['order.refuse_cancel', 'Already packed and labelled'],
      ['order.request_cancel', 'Ordered the wrong colour'],
    ]);
    // Nothing left to answer.
    expectProblem(await answer(orderId, true, 'Changed my mind'), 409, 'illegal_transition');
    expect((await ship(orderId)).body.status).toBe('WAIT_BUYER_ACCEPT_GOODS');
  });

  it('ends the order as buyer_cancelled when the seller accepts, and gives the stock back', async () => {
    const before = await availableOf(api, seller, product.id);
    const { buyer, orderId } = await waitingOrder(3);
    expect(await availableOf(api, seller, product.id)).toBe(before - 3);
    await cancel(buyer, orderId);
    const accepted = await answer(orderId, true, 'No problem');
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ status: 'FINISH', end_reason: 'buyer_cancelled', finished_at: app().clock.now().toISOString(), suspended_from: null });
    expect(await availableOf(api, seller, product.id)).toBe(before);
    expectProblem(await ship(orderId), 409, 'illegal_transition');
  });

  it('keeps a cancellation request through an operator’s freeze: lifting it returns to the request', async () => {
    const { buyer, orderId } = await waitingOrder();
    await cancel(buyer, orderId);
    const admin = await adminFor(app(), api);
    const frozen = await api.post(`/v1/ops/orders/${orderId}/freeze`, { reason: 'Card-testing pattern under review' }, { token: admin.token });
    expect(frozen.body).toMatchObject({ status: 'IN_FROZEN', suspended_from: 'IN_CANCEL' });
    expectProblem(await answer(orderId, false, 'Already packed'), 409, 'illegal_transition');
    const lifted = await api.post(`/v1/ops/orders/${orderId}/unfreeze`, { reason: 'Review found nothing' }, { token: admin.token });
    expect(lifted.body).toMatchObject({ status: 'IN_CANCEL', suspended_from: 'WAIT_SELLER_SEND_GOODS', cancel_request: { reason: 'Ordered the wrong colour' } });
    expect((await answer(orderId, false, 'Already packed')).body).toMatchObject({ status: 'WAIT_SELLER_SEND_GOODS', suspended_from: null });
  });

  it('refuses cancellation once the goods left; the buyer confirms receipt, which finishes the order', async () => {
    const { buyer, orderId } = await waitingOrder();
    expectProblem(await api.post(`/v1/store/orders/${orderId}/confirm-receipt`, {}, { token: buyer.token }), 409, 'illegal_transition');
    const shipped = await ship(orderId);
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(201);
    expect(shipped.body.status).toBe('WAIT_BUYER_ACCEPT_GOODS');
    expectProblem(await cancel(buyer, orderId), 409, 'illegal_transition');
    expectProblem(await answer(orderId, true, 'Fine by me'), 409, 'illegal_transition');

    const confirmed = await api.post(`/v1/store/orders/${orderId}/confirm-receipt`, {}, { token: buyer.token });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('FUND_PROCESSING');
    await app().settle();
    const finished = (await api.get(`/v1/store/orders/${orderId}`, { token: buyer.token })).body;
    expect(finished).toMatchObject({ status: 'FINISH', end_reason: 'completed' });
    expect(finished.tracking).toHaveLength(1);
    expect((await actions(orderId)).map(([action]: [string]) => action).slice(0, 3)).toEqual(['order.settle', 'order.confirm_receipt', 'order.ship_all']);
    expectProblem(await api.post(`/v1/store/orders/${orderId}/confirm-receipt`, {}, { token: buyer.token }), 409, 'illegal_transition');
  });

  it('refuses a parcel with lines it cannot ship, buying no label and moving nothing', async () => {
    const { orderId } = await waitingOrder(2);
    const parcel = (lines: unknown) => api.post(`/v1/seller/orders/${orderId}/shipments`, { sender: FOSHAN, weight_g: 300, lines }, { token: seller.token });
    const refusals: [unknown, string, string][] = [
      [[{ line_no: 2, quantity: 1 }], '/lines/0/line_no', 'unknown_line'],
      [[{ line_no: 1, quantity: 3 }], '/lines/0/quantity', 'more_than_left'],
      [[{ line_no: 1, quantity: 1 }, { line_no: 1, quantity: 1 }], '/lines/1/line_no', 'duplicate_line'],
    ];
    for (const [lines, path, code] of refusals) {
      const refused = await parcel(lines);
      expectProblem(refused, 422, 'validation_failed');
      expect(refused.body.errors).toEqual([expect.objectContaining({ path, code })]);
    }
    expect((await parcel([{ line_no: 1, quantity: 0 }])).status).toBe(400);
    expect((await api.post(`/v1/seller/orders/${orderId}/shipments`, { sender: { ...FOSHAN, country: 'China' }, weight_g: 300 }, { token: seller.token })).status).toBe(400);
    const order = (await api.get(`/v1/seller/orders/${orderId}`, { token: seller.token })).body;
    expect(order).toMatchObject({ status: 'WAIT_SELLER_SEND_GOODS', parcels: [], lines: [expect.objectContaining({ shipped_quantity: 0 })] });
    expect((await api.get(`/v1/seller/shipments?order_ref=${orderId}`, { token: seller.token })).body.data).toEqual([]);

    const part = await parcel([{ line_no: 1, quantity: 1 }]);
    expect(part.body).toMatchObject({ status: 'SELLER_PART_SEND_GOODS', lines: [expect.objectContaining({ shipped_quantity: 1 })] });
    expect((await parcel([{ line_no: 1, quantity: 2 }])).body.errors).toEqual([expect.objectContaining({ code: 'more_than_left' })]);
    expect((await ship(orderId)).body).toMatchObject({ status: 'WAIT_BUYER_ACCEPT_GOODS', parcels: [expect.anything(), expect.anything()] });
  });

  it('refuses cancelling an order the buyer has not paid', async () => {
    const buyer = await buyerAccount(api);
    const placed = await placeInBrazil(api, buyer, [{ skuId: product.skus[0]!.id, quantity: 1 }]);
    expectProblem(await cancel(buyer, placed.checkout.order_ids[0]!), 409, 'illegal_transition');
    expect((await api.get(`/v1/store/orders/${placed.checkout.order_ids[0]}`, { token: buyer.token })).body.status).toBe('PLACE_ORDER_SUCCESS');
  });
});

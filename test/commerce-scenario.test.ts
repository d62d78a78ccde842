import { describe, expect, it } from 'vitest';
import { sellerWithOpenStore, signInAgain, type SellerActor } from './support/actors.ts';
import { useTestApp } from './support/app.ts';
import { buyerAccount, FOSHAN, listedInBrazil, payWithCard, SAO_PAULO, signInBuyerAgain, VALID_CPF } from './support/commerce.ts';
import { expectProblem } from './support/expect.ts';
import { apiClient } from './support/http.ts';

/**
 * The loop a marketplace exists for, through HTTP: a buyer in Brazil buys from two sellers in one
 * checkout, sees shipping and taxes itemised in BRL, pays, each seller ships, the simulated carriers
 * deliver, the orders are confirmed automatically and finish.
 */

const HOUR = 3_600_000;

describe('a buyer in Brazil buys from two sellers in one checkout', () => {
  const app = useTestApp({ now: '2026-11-25T10:00:00Z' });
  const api = apiClient(app);

  it('quotes in BRL, places one order per seller, pays, ships, delivers, confirms and finishes', async () => {
    let lumen: SellerActor = await sellerWithOpenStore(app(), api);
    let brightway: SellerActor = await sellerWithOpenStore(app(), api);
    const bulb = await listedInBrazil(api, lumen);
    const lamp = await listedInBrazil(api, brightway, { titles: { zh: '台灯', en: 'LED desk lamp', pt: 'Luminária LED de mesa' } });
    const buyer = await buyerAccount(api);

    expect((await api.post('/v1/store/cart/items', { sku_id: bulb.skus[0]!.id, quantity: 3, market: 'BR' }, { token: buyer.token })).status).toBe(200);
    const cart = await api.post('/v1/store/cart/items', { sku_id: lamp.skus[1]!.id, quantity: 2, market: 'BR' }, { token: buyer.token });
    expect(cart.status).toBe(200);
    expect(cart.body.currency).toBe('BRL');
    expect(cart.body.sellers).toHaveLength(2);
    const lamps = cart.body.sellers[1].lines[0];
    expect(lamps.title).toBe('Luminária LED de mesa');
    expect(lamps.unit_price).toEqual({ amount: 1290, currency: 'CNY' });
    expect(lamps.buyer_unit_price.currency).toBe('BRL');
    expect(lamps.line_total.amount).toBe(lamps.buyer_unit_price.amount * 2);

    // Without the CPF Brazilian customs needs, the quote says what is missing and placing is refused.
    const withoutCpf = await api.post('/v1/store/checkout/quote', { market: 'BR', shipping_address: SAO_PAULO }, { token: buyer.token });
    expect(withoutCpf.status).toBe(200);
    expect(withoutCpf.body.problems.map((p: { path: string }) => p.path)).toContain('/identifiers/cpf');
    expectProblem(await api.post('/v1/store/checkouts', { market: 'BR', shipping_address: SAO_PAULO }, { token: buyer.token }), 422, 'cannot_place_order');

    const quote = await api.post('/v1/store/checkout/quote', { market: 'BR', shipping_address: SAO_PAULO, identifiers: { cpf: VALID_CPF } }, { token: buyer.token });
    expect(quote.status).toBe(200);
    expect(quote.body.problems).toEqual([]);
    expect(quote.body.currency).toBe('BRL');
    for (const seller of quote.body.sellers) {
      expect(seller.ships).toBe(true);
      expect(seller.chosen).not.toBeNull();
      expect(seller.shipping.lines.length).toBeGreaterThan(0);
      for (const line of [...seller.shipping.lines, ...seller.taxes.collected]) expect(line.amount.currency).toBe('BRL');
      expect(seller.shipping.total.amount).toBe(seller.shipping.lines.reduce((sum: number, l: { amount: { amount: number } }) => sum + l.amount.amount, 0));
      // Remessa Conforme: import tax and ICMS are collected with the order.
      expect(seller.taxes.collected.map((l: { code: string }) => l.code)).toEqual(expect.arrayContaining(['import_tax', 'icms']));
      expect(seller.totals.total.amount).toBe(seller.totals.goods.amount + seller.totals.shipping.amount + seller.totals.taxes.amount);
    }
    const grand = quote.body.totals.grand;
    expect(grand.amount).toBe(quote.body.sellers.reduce((sum: number, s: { totals: { total: { amount: number } } }) => sum + s.totals.total.amount, 0));
    expect(quote.body.fx_rate_ids.length).toBeGreaterThan(0);

    const placed = await api.post('/v1/store/checkouts', { market: 'BR', shipping_address: SAO_PAULO, identifiers: { cpf: VALID_CPF }, expected_total: grand }, { token: buyer.token });
    expect(placed.status).toBe(201);
    expect(placed.body.checkout.grand_total).toEqual(grand);
    expect(placed.body.orders).toHaveLength(2);
    expect(placed.body.orders.map((o: { status: string }) => o.status)).toEqual(['PLACE_ORDER_SUCCESS', 'PLACE_ORDER_SUCCESS']);
    expect(placed.body.orders[0].lines[0].commission_rate).toBe('0.08');
    expect((await api.get('/v1/store/cart?market=BR', { token: buyer.token })).body.sellers).toEqual([]);

    // Stock is held for the buyer while the payment is open.
    const held = await api.get(`/v1/seller/products/${bulb.id}`, { token: lumen.token });
    expect(held.body.skus[0].available).toBe(497);

    const payment = await payWithCard(api, buyer.token, { id: placed.body.checkout.payment_id, ...grand });
    expect(payment.status).toBe(200);
    expect(payment.body.status).toBe('succeeded');
    await app().settle();
    const orderIds: string[] = placed.body.checkout.order_ids;
    for (const id of orderIds) expect((await api.get(`/v1/store/orders/${id}`, { token: buyer.token })).body.status).toBe('RISK_CONTROL');

    app().clock.advance({ minutes: 11 });
    await app().settle();
    const lumenOrder = orderIds.find((id) => placed.body.orders.find((o: { id: string; seller_id: string }) => o.id === id && o.seller_id === lumen.sellerId))!;
    const brightwayOrder = orderIds.find((id) => id !== lumenOrder)!;
    const waiting = await api.get(`/v1/seller/orders/${lumenOrder}`, { token: lumen.token });
    expect(waiting.body.status).toBe('WAIT_SELLER_SEND_GOODS');
    expect(waiting.body.handling_hours).toBe(72);
    expect(new Date(waiting.body.ship_due_at).getTime() - new Date(waiting.body.paid_at).getTime()).toBe(72 * HOUR);
    // A seller sees only their own orders.
    expectProblem(await api.get(`/v1/seller/orders/${brightwayOrder}`, { token: lumen.token }), 404, 'not_found');

    const shipped = await api.post(`/v1/seller/orders/${lumenOrder}/shipments`, { sender: FOSHAN, weight_g: 400 }, { token: lumen.token });
    expect(shipped.status).toBe(201);
    expect(shipped.body.status).toBe('WAIT_BUYER_ACCEPT_GOODS');
    expect(shipped.body.parcels).toHaveLength(1);
    // Brightway ships in two parcels.
    const first = await api.post(`/v1/seller/orders/${brightwayOrder}/shipments`, { sender: FOSHAN, weight_g: 200, lines: [{ line_no: 1, quantity: 1 }] }, { token: brightway.token });
    expect(first.status).toBe(201);
    expect(first.body.status).toBe('SELLER_PART_SEND_GOODS');
    const second = await api.post(`/v1/seller/orders/${brightwayOrder}/shipments`, { sender: FOSHAN, weight_g: 200 }, { token: brightway.token });
    expect(second.body.status).toBe('WAIT_BUYER_ACCEPT_GOODS');
    expect(second.body.lines[0].shipped_quantity).toBe(2);
    expectProblem(await api.post(`/v1/seller/orders/${brightwayOrder}/shipments`, { sender: FOSHAN, weight_g: 200 }, { token: brightway.token }), 409, 'illegal_transition');

    // Shipped units leave stock for good.
    const afterShipping = await api.get(`/v1/seller/products/${bulb.id}`, { token: lumen.token });
    expect(afterShipping.body.skus[0].available).toBe(497);

    // The simulated carriers take the parcels across; every parcel is delivered within a month.
    for (let day = 0; day < 30; day++) {
      app().clock.advance({ days: 1 });
      await app().settle();
    }
    lumen = await signInAgain(api, lumen);
    brightway = await signInAgain(api, brightway);
    const buyerToken = (await signInBuyerAgain(api, buyer)).token;
    for (const id of orderIds) {
      const order = await api.get(`/v1/store/orders/${id}`, { token: buyerToken });
      expect(order.body.tracking.length).toBe(order.body.parcels.length);
      for (const parcel of order.body.parcels) expect(parcel.delivered_at).not.toBeNull();
      for (const timeline of order.body.tracking) expect(timeline.status).toBe('delivered');
      // Seven days after delivery the receipt is confirmed for the buyer and the funds are released.
      expect(order.body.status).toBe('FINISH');
      expect(order.body.end_reason).toBe('completed');
      const history = await api.get(`/v1/seller/orders/${id}/history`, { token: id === lumenOrder ? lumen.token : brightway.token });
      expect(history.body.data.map((h: { action: string }) => h.action).reverse()).toEqual(
        expect.arrayContaining(['order.place', 'order.pay', 'order.clear_risk', 'order.ship_all', 'order.delivered', 'order.auto_confirm', 'order.settle']),
      );
    }
  });
});

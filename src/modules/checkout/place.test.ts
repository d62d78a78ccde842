import { beforeAll, describe, expect, it } from 'vitest';
import { adminFor, sellerWithOpenStore, type SellerActor } from '../../../test/support/actors.ts';
import { useTestApp } from '../../../test/support/app.ts';
import { availableOf, brazilCheckout, buyerAccount, listedInBrazil, type BuyerActor } from '../../../test/support/commerce.ts';
import { expectProblem } from '../../../test/support/expect.ts';
import { ledBulb } from '../../../test/support/fixtures.ts';
import { apiClient } from '../../../test/support/http.ts';

/**
 * Placing a cart: one order per seller with everything the buyer agreed to frozen on it, stock
 * reserved all or nothing, once per Idempotency-Key; anything wrong writes nothing.
 */
describe('placing a checkout', () => {
  const app = useTestApp({ now: '2026-11-25T10:00:00Z' });
  const api = apiClient(app);
  let lumen: SellerActor;
  let brightway: SellerActor;

  beforeAll(async () => {
    lumen = await sellerWithOpenStore(app(), api);
    brightway = await sellerWithOpenStore(app(), api);
  });

  const add = async (buyer: BuyerActor, skuId: string, quantity: number) => {
    const added = await api.post('/v1/store/cart/items', { sku_id: skuId, quantity, market: 'BR' }, { token: buyer.token });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
  };
  const quote = async (buyer: BuyerActor, extra: Record<string, unknown> = {}) => {
    const quoted = await api.post('/v1/store/checkout/quote', brazilCheckout(extra), { token: buyer.token });
    expect(quoted.status, JSON.stringify(quoted.body)).toBe(200);
    return quoted.body;
  };
  const nothingPlaced = async (buyer: BuyerActor) => {
    expect((await api.get('/v1/store/checkouts', { token: buyer.token })).body.data).toEqual([]);
    expect((await api.get('/v1/store/orders', { token: buyer.token })).body.data).toEqual([]);
  };

  it('replays the same checkout for the same Idempotency-Key, and refuses the key with another body', async () => {
    const bulb = await listedInBrazil(api, lumen);
    const lamp = await listedInBrazil(api, brightway);
    const buyer = await buyerAccount(api);
    await add(buyer, bulb.skus[0]!.id, 2);
    await add(buyer, lamp.skus[1]!.id, 1);
    const before = await availableOf(api, lumen, bulb.id);
    const key = `place-${buyer.accountId}`;

    const first = await api.post('/v1/store/checkouts', brazilCheckout(), { token: buyer.token, idempotencyKey: key });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.orders.map((o: { seller_id: string }) => o.seller_id).sort()).toEqual([lumen.sellerId, brightway.sellerId].sort());
    expect(first.body.checkout.grand_total.amount).toBe(first.body.orders.reduce((sum: number, o: { totals: { grand: { amount: number } } }) => sum + o.totals.grand.amount, 0));
    const replay = await api.post('/v1/store/checkouts', brazilCheckout(), { token: buyer.token, idempotencyKey: key });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect((await api.get('/v1/store/checkouts', { token: buyer.token })).body.data.map((c: { id: string }) => c.id)).toEqual([first.body.checkout.id]);
    expect(await availableOf(api, lumen, bulb.id)).toBe(before - 2);

    const different = await api.post('/v1/store/checkouts', brazilCheckout({ services: { [lumen.sellerId]: 'express_integrator' } }), { token: buyer.token, idempotencyKey: key });
    expectProblem(different, 422, 'idempotency_key_reused');
    // Placing needs a key at all.
    const keyless = await app().http.inject({ method: 'POST', url: '/v1/store/checkouts', headers: { authorization: `Bearer ${buyer.token}` }, payload: brazilCheckout() });
    expect(keyless.statusCode).toBe(400);
    expect((await api.get('/v1/store/checkouts', { token: buyer.token })).body.data).toHaveLength(1);
  });

  it('refuses with 409 quote_changed when the total is not the one the buyer accepted, writing nothing', async () => {
    const bulb = await listedInBrazil(api, lumen);
    const buyer = await buyerAccount(api);
    await add(buyer, bulb.skus[0]!.id, 3);
    const quoted = await quote(buyer);
    const stock = await availableOf(api, lumen, bulb.id);

    // The seller raises the price between the quote and the click.
    await api.post('/v1/seller/products/batch/prices', { items: [{ product_id: bulb.id, skus: [{ seller_sku: bulb.skus[0]!.seller_sku, price: { amount: 1490, currency: 'CNY' } }] }] }, { token: lumen.token });
    expectProblem(await api.post('/v1/store/checkouts', brazilCheckout({ expected_total: quoted.totals.grand }), { token: buyer.token }), 409, 'quote_changed');
    await nothingPlaced(buyer);
    expect(await availableOf(api, lumen, bulb.id)).toBe(stock);
    expect((await api.get('/v1/store/cart?market=BR', { token: buyer.token })).body.sellers[0].lines[0].quantity).toBe(3);

    const requoted = await quote(buyer);
    expect(requoted.totals.grand.amount).toBeGreaterThan(quoted.totals.grand.amount);
    const placed = await api.post('/v1/store/checkouts', brazilCheckout({ expected_total: requoted.totals.grand }), { token: buyer.token });
    expect(placed.status).toBe(201);
    expect(placed.body.checkout.grand_total).toEqual(requoted.totals.grand);
  });

  it('freezes prices, FX rates, commission and taxes on the order: later changes leave it as placed', async () => {
    const bulb = await listedInBrazil(api, lumen);
    const buyer = await buyerAccount(api);
    await add(buyer, bulb.skus[0]!.id, 2);
    const quoted = await quote(buyer);
    const placed = await api.post('/v1/store/checkouts', brazilCheckout({ expected_total: quoted.totals.grand }), { token: buyer.token });
    expect(placed.status).toBe(201);
    const [order] = placed.body.orders;
    const sellerQuote = quoted.sellers[0];
    expect(order.fx_rate_ids).toEqual(quoted.fx_rate_ids);
    expect(order.fx_rate_ids.length).toBeGreaterThan(0);
    expect(order.lines[0]).toMatchObject({ quantity: 2, unit_price: { amount: 1290, currency: 'CNY' }, buyer_unit_price: sellerQuote.lines[0].buyer_unit_price, buyer_line_total: sellerQuote.lines[0].line_total, commission_rate: '0.08' });
    expect(order.lines[0].commission).toEqual({ amount: Math.round(order.lines[0].buyer_line_total.amount * 0.08), currency: 'BRL' });
    expect(order.commission).toEqual(order.lines[0].commission);
    expect(order.taxes.collected).toEqual(sellerQuote.taxes.collected);
    expect(order.taxes.collected.map((l: { code: string }) => l.code)).toEqual(expect.arrayContaining(['import_tax', 'icms']));
    expect(order.shipping.lines).toEqual(sellerQuote.shipping.lines);
    expect(order.totals).toEqual({ goods: sellerQuote.totals.goods, shipping: sellerQuote.totals.shipping, taxes: sellerQuote.totals.taxes, grand: sellerQuote.totals.total });

    // The seller doubles the price and the marketplace raises the category's commission.
    await api.post('/v1/seller/products/batch/prices', { items: [{ product_id: bulb.id, skus: [{ seller_sku: bulb.skus[0]!.seller_sku, price: { amount: 2580, currency: 'CNY' } }] }] }, { token: lumen.token });
    const admin = await adminFor(app(), api);
    const category = (await api.get('/v1/ops/categories/lighting.bulbs.led_bulbs', { token: admin.token })).body.definition;
    const raised = await api.put('/v1/ops/categories/lighting.bulbs.led_bulbs', { definition: { ...category, commission: [{ from: '2026-11-25', rate: '0.12' }] }, reason: 'LED bulbs: new commission from today' }, { token: admin.token });
    expect(raised.status, JSON.stringify(raised.body)).toBe(200);

    const { version: _seller, ...asSellerSees } = (await api.get(`/v1/seller/orders/${order.id}`, { token: lumen.token })).body;
    const { version: _placed, ...asPlaced } = order;
    expect(asSellerSees).toEqual(asPlaced);

    // A new order takes today's price and rate.
    const next = await buyerAccount(api);
    await add(next, bulb.skus[0]!.id, 1);
    const later = await api.post('/v1/store/checkouts', brazilCheckout(), { token: next.token });
    expect(later.body.orders[0].lines[0]).toMatchObject({ unit_price: { amount: 2580, currency: 'CNY' }, commission_rate: '0.12' });
  });

  it('charges no shipping for a seller whose freight template ships free, with the template’s handling time', async () => {
    const freeShipper = await sellerWithOpenStore(app(), api);
    const template = await api.post(
      '/v1/seller/freight-templates',
      { name: 'Brazil free', is_default: true, handling_days: 2, rules: [{ destinations: ['BR'], services: ['line_cn_br', 'caravan_standard'], free_shipping: { kind: 'always', service: 'line_cn_br' } }] },
      { token: freeShipper.token },
    );
    expect(template.status, JSON.stringify(template.body)).toBe(201);
    const bulb = await listedInBrazil(api, freeShipper);
    const lamp = await listedInBrazil(api, brightway);
    const buyer = await buyerAccount(api);
    await add(buyer, bulb.skus[0]!.id, 2);
    await add(buyer, lamp.skus[0]!.id, 2);

    const quoted = await quote(buyer);
    const free = quoted.sellers.find((s: { seller_id: string }) => s.seller_id === freeShipper.sellerId);
    const charged = quoted.sellers.find((s: { seller_id: string }) => s.seller_id === brightway.sellerId);
    expect(free.offers.map((o: { service_code: string }) => o.service_code)).toEqual(['line_cn_br', 'caravan_standard']);
    expect(free.chosen).toMatchObject({ service_code: 'line_cn_br', free: true, buyer_pays: { amount: 0, currency: 'BRL' } });
    expect(free.shipping).toEqual({ lines: [], total: { amount: 0, currency: 'BRL' } });
    expect(free.handling_days).toBe(2);
    expect(charged.shipping.total.amount).toBeGreaterThan(0);
    expect(quoted.totals.shipping).toEqual(charged.shipping.total);

    const placed = await api.post('/v1/store/checkouts', brazilCheckout({ expected_total: quoted.totals.grand }), { token: buyer.token });
    expect(placed.status).toBe(201);
    const order = placed.body.orders.find((o: { seller_id: string }) => o.seller_id === freeShipper.sellerId);
    expect(order.shipping).toMatchObject({ service_code: 'line_cn_br', free: true, lines: [], total: { amount: 0, currency: 'BRL' } });
    expect(order.totals.shipping).toEqual({ amount: 0, currency: 'BRL' });
    expect(order.handling_hours).toBe(48);
  });

  it('takes the service the buyer chooses, and refuses one the seller does not offer with 422, writing nothing', async () => {
    const bulb = await listedInBrazil(api, lumen);
    const buyer = await buyerAccount(api);
    await add(buyer, bulb.skus[0]!.id, 1);
    const cheapest = await quote(buyer);
    const offered = cheapest.sellers[0].offers.map((o: { service_code: string }) => o.service_code);
    const other = offered.find((code: string) => code !== cheapest.sellers[0].chosen.service_code);
    const chosen = await quote(buyer, { services: { [lumen.sellerId]: other } });
    expect(chosen.sellers[0].chosen.service_code).toBe(other);
    expect(chosen.problems).toEqual([]);

    expect(offered).not.toContain('line_cn_sa');
    const notOffered = await quote(buyer, { services: { [lumen.sellerId]: 'line_cn_sa' } });
    expect(notOffered.problems).toEqual([expect.objectContaining({ path: `/services/${lumen.sellerId}`, code: 'service_not_offered' })]);
    const refused = await api.post('/v1/store/checkouts', brazilCheckout({ services: { [lumen.sellerId]: 'line_cn_sa' } }), { token: buyer.token });
    expectProblem(refused, 422, 'cannot_place_order');
    expect(refused.body.errors).toEqual([expect.objectContaining({ path: `/services/${lumen.sellerId}`, code: 'service_not_offered' })]);
    const stranger = await api.post('/v1/store/checkouts', brazilCheckout({ services: { [brightway.sellerId]: 'caravan_standard' } }), { token: buyer.token });
    expectProblem(stranger, 422, 'cannot_place_order');
    expect(stranger.body.errors).toEqual([expect.objectContaining({ path: `/services/${brightway.sellerId}`, code: 'seller_not_in_cart' })]);
    await nothingPlaced(buyer);

    const placed = await api.post('/v1/store/checkouts', brazilCheckout({ services: { [lumen.sellerId]: other } }), { token: buyer.token });
    expect(placed.body.orders[0].shipping.service_code).toBe(other);
  });

  it('never sells more than the stock: of two buyers wanting the last units, the second is refused and nothing of theirs is written', async () => {
    const scarce = await listedInBrazil(api, lumen, { skus: [{ ...ledBulb().skus[0], stock: 3 }] });
    const skuId = scarce.skus[0]!.id;
    const first = await buyerAccount(api);
    const second = await buyerAccount(api);
    await add(first, skuId, 2);
    await add(second, skuId, 2);
    expect((await api.post('/v1/store/checkouts', brazilCheckout(), { token: first.token })).status).toBe(201);
    const refused = await api.post('/v1/store/checkouts', brazilCheckout(), { token: second.token });
    expectProblem(refused, 422, 'cannot_place_order');
    expect(refused.body.errors).toEqual([expect.objectContaining({ path: `/cart/${skuId}`, code: 'insufficient_stock' })]);
    await nothingPlaced(second);
    expect(await availableOf(api, lumen, scarce.id)).toBe(1);

    // Two buyers racing for the last unit: one order, never a negative stock.
    const racers = [await buyerAccount(api), await buyerAccount(api)];
    for (const racer of racers) await add(racer, skuId, 1);
    const results = await Promise.all(racers.map((racer) => api.post('/v1/store/checkouts', brazilCheckout(), { token: racer.token })));
    expect(results.map((r) => r.status).sort()).toEqual([201, expect.any(Number)]);
    const loser = results.find((r) => r.status !== 201)!;
    expect([409, 422]).toContain(loser.status);
    expect(await availableOf(api, lumen, scarce.id)).toBe(0);
  });

  it('is for buyers only, and a buyer sees only their own checkouts', async () => {
    const bulb = await listedInBrazil(api, lumen);
    const buyer = await buyerAccount(api);
    const other = await buyerAccount(api);
    await add(buyer, bulb.skus[0]!.id, 1);
    const placed = await api.post('/v1/store/checkouts', brazilCheckout(), { token: buyer.token });
    expect((await api.get(`/v1/store/checkouts/${placed.body.checkout.id}`, { token: buyer.token })).body).toEqual(placed.body.checkout);
    expectProblem(await api.get(`/v1/store/checkouts/${placed.body.checkout.id}`, { token: other.token }), 404, 'not_found');
    expect((await api.get('/v1/store/checkouts', { token: other.token })).body.data).toEqual([]);
    expectProblem(await api.post('/v1/store/checkouts', brazilCheckout(), { token: lumen.token }), 403, 'buyers_only');
    // An empty cart places nothing.
    const empty = await api.post('/v1/store/checkouts', brazilCheckout(), { token: other.token });
    expectProblem(empty, 422, 'cannot_place_order');
    expect(empty.body.errors).toEqual([expect.objectContaining({ path: '/cart', code: 'cart_empty' })]);
    // The address must be in the market bought in.
    expectProblem(await api.post('/v1/store/checkout/quote', brazilCheckout({ shipping_address: { ...brazilCheckout().shipping_address, country: 'ES', state: undefined } }), { token: buyer.token }), 422, 'validation_failed');
  });
});

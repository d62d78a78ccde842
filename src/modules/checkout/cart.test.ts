import { beforeAll, describe, expect, it } from 'vitest';
import { adminFor, sellerWithOpenStore, type SellerActor } from '../../../test/support/actors.ts';
import { useTestApp } from '../../../test/support/app.ts';
import { availableOf, brazilCheckout, buyerAccount, listedInBrazil, type BuyerActor } from '../../../test/support/commerce.ts';
import { expectProblem } from '../../../test/support/expect.ts';
import { ledBulb } from '../../../test/support/fixtures.ts';
import { apiClient } from '../../../test/support/http.ts';

type Product = Awaited<ReturnType<typeof listedInBrazil>>;

/**
 * A buyer's cart across sellers, re-priced and re-checked at every read: what the seller changes
 * after an item was added shows on the line, and stops the order being placed when it must.
 */
describe('the cart', () => {
  const app = useTestApp({ now: '2026-11-25T10:00:00Z' });
  const api = apiClient(app);
  let lumen: SellerActor;
  let brightway: SellerActor;

  beforeAll(async () => {
    lumen = await sellerWithOpenStore(app(), api);
    brightway = await sellerWithOpenStore(app(), api);
  });

  const add = (buyer: BuyerActor, skuId: string, quantity: number, market = 'BR') => api.post('/v1/store/cart/items', { sku_id: skuId, quantity, market }, { token: buyer.token });
  const cartOf = async (buyer: BuyerActor) => {
    const cart = await api.get('/v1/store/cart?market=BR', { token: buyer.token });
    expect(cart.status, JSON.stringify(cart.body)).toBe(200);
    return cart.body;
  };
  const lineOf = (cart: { sellers: { lines: { sku_id: string }[] }[] }, skuId: string) => cart.sellers.flatMap((s) => s.lines).find((l) => l.sku_id === skuId) as any;

  /** Placing is refused and leaves no checkout, no order, the cart as it was and the stock untouched. */
  async function expectPlacingRefused(buyer: BuyerActor, product: Product, seller: SellerActor, problem: { path: string; code: string }) {
    const cartBefore = await cartOf(buyer);
    const stockBefore = await availableOf(api, seller, product.id);
    const quote = await api.post('/v1/store/checkout/quote', brazilCheckout(), { token: buyer.token });
    expect(quote.status).toBe(200);
    expect(quote.body.problems).toContainEqual(expect.objectContaining(problem));
    const refused = await api.post('/v1/store/checkouts', brazilCheckout(), { token: buyer.token });
    expectProblem(refused, 422, 'cannot_place_order');
    expect(refused.body.errors).toContainEqual(expect.objectContaining(problem));
    expect((await api.get('/v1/store/checkouts', { token: buyer.token })).body.data).toEqual([]);
    expect((await api.get('/v1/store/orders', { token: buyer.token })).body.data).toEqual([]);
    expect(await cartOf(buyer)).toEqual(cartBefore);
    expect(await availableOf(api, seller, product.id)).toBe(stockBefore);
  }

  it('groups lines by seller in the market’s currency and re-prices them when the seller changes the price', async () => {
    const bulb = await listedInBrazil(api, lumen);
    const lamp = await listedInBrazil(api, brightway);
    const buyer = await buyerAccount(api);
    expect((await add(buyer, bulb.skus[0]!.id, 2)).status).toBe(200);
    const added = await add(buyer, lamp.skus[0]!.id, 1);
    expect(added.body.currency).toBe('BRL');
    expect(added.body.sellers.map((s: { seller_id: string }) => s.seller_id)).toEqual([lumen.sellerId, brightway.sellerId]);
    const before = lineOf(added.body, bulb.skus[0]!.id);
    expect(before).toMatchObject({ quantity: 2, unit_price: { amount: 1290, currency: 'CNY' }, previous_price: null, problem: null });

    const repriced = await api.post('/v1/seller/products/batch/prices', { items: [{ product_id: bulb.id, skus: [{ seller_sku: bulb.skus[0]!.seller_sku, price: { amount: 2580, currency: 'CNY' } }] }] }, { token: lumen.token });
    expect(repriced.status, JSON.stringify(repriced.body)).toBe(200);
    const cart = await cartOf(buyer);
    const after = lineOf(cart, bulb.skus[0]!.id);
    expect(after.unit_price).toEqual({ amount: 2580, currency: 'CNY' });
    expect(after.previous_price).toEqual({ amount: 1290, currency: 'CNY' });
    expect(after.buyer_unit_price.amount).toBeGreaterThan(before.buyer_unit_price.amount);
    expect(after.line_total).toEqual({ amount: after.buyer_unit_price.amount * 2, currency: 'BRL' });
    expect(cart.sellers[0].subtotal).toEqual(after.line_total);
    expect(cart.subtotal.amount).toBe(after.line_total.amount + lineOf(cart, lamp.skus[0]!.id).line_total.amount);

    // Adding it again acknowledges the new price.
    expect(lineOf((await add(buyer, bulb.skus[0]!.id, 1)).body, bulb.skus[0]!.id)).toMatchObject({ quantity: 3, previous_price: null });
  });

  it('shows a line whose product went offline as a problem, in the quote too, and refuses to place it', async () => {
    const bulb = await listedInBrazil(api, lumen);
    const buyer = await buyerAccount(api);
    await add(buyer, bulb.skus[0]!.id, 2);
    expect((await api.post(`/v1/seller/products/${bulb.id}/status`, { status: 'offline' }, { token: lumen.token })).status).toBe(200);
    const line = lineOf(await cartOf(buyer), bulb.skus[0]!.id);
    expect(line.problem).toBe('product_offline');
    expect((await cartOf(buyer)).subtotal.amount).toBe(0);
    await expectPlacingRefused(buyer, bulb, lumen, { path: `/cart/${bulb.skus[0]!.id}`, code: 'product_offline' });
    // Nor can more of it be added.
    expectProblem(await add(buyer, bulb.skus[0]!.id, 1), 422, 'product_offline');
  });

  it('shows a line whose listing an operator delisted as a problem and refuses to place it', async () => {
    const bulb = await listedInBrazil(api, lumen);
    const buyer = await buyerAccount(api);
    await add(buyer, bulb.skus[1]!.id, 1);
    const admin = await adminFor(app(), api);
    const delisted = await api.post(`/v1/ops/listings/${bulb.id}/BR/override`, { outcome: 'delist', reason: 'Counterfeit report confirmed' }, { token: admin.token });
    expect(delisted.status, JSON.stringify(delisted.body)).toBe(200);
    expect(delisted.body.listings.find((l: { market: string }) => l.market === 'BR').status).toBe('delisted');
    expect(lineOf(await cartOf(buyer), bulb.skus[1]!.id).problem).toBe('listing_not_shown');
    await expectPlacingRefused(buyer, bulb, lumen, { path: `/cart/${bulb.skus[1]!.id}`, code: 'listing_not_shown' });
  });

  it('shows stock that dropped below the cart’s quantity and refuses to place it', async () => {
    const bulb = await listedInBrazil(api, lumen);
    const buyer = await buyerAccount(api);
    await add(buyer, bulb.skus[0]!.id, 3);
    await add(buyer, bulb.skus[1]!.id, 1);
    const cut = await api.post('/v1/seller/products/batch/stock', { items: [{ product_id: bulb.id, skus: [{ seller_sku: bulb.skus[0]!.seller_sku, quantity: 2 }] }] }, { token: lumen.token });
    expect(cut.status, JSON.stringify(cut.body)).toBe(200);
    expect(lineOf(await cartOf(buyer), bulb.skus[0]!.id)).toMatchObject({ quantity: 3, available: 2, problem: 'insufficient_stock' });
    await expectPlacingRefused(buyer, bulb, lumen, { path: `/cart/${bulb.skus[0]!.id}`, code: 'insufficient_stock' });
    // The quote counts only what can be ordered, as the cart does: the other line and its shipping.
    const cart = await cartOf(buyer);
    const quote = (await api.post('/v1/store/checkout/quote', brazilCheckout(), { token: buyer.token })).body;
    expect(quote.sellers[0].totals.goods).toEqual(lineOf(cart, bulb.skus[1]!.id).line_total);
    expect(quote.sellers[0].totals.goods).toEqual(cart.subtotal);
    expect(quote.totals.grand.amount).toBe(quote.totals.goods.amount + quote.totals.shipping.amount + quote.totals.taxes.amount);
    // Lowering the quantity to what is left clears it.
    const lowered = await api.put(`/v1/store/cart/items/${bulb.skus[0]!.id}`, { quantity: 2, market: 'BR' }, { token: buyer.token });
    expect(lineOf(lowered.body, bulb.skus[0]!.id)).toMatchObject({ quantity: 2, problem: null });
  });

  it('sets quantities, removes a line with 0, and refuses more than the stock or the per-line limit', async () => {
    const bulb = await listedInBrazil(api, lumen, { skus: [{ ...ledBulb().skus[0], stock: 2000 }] });
    const skuId = bulb.skus[0]!.id;
    const buyer = await buyerAccount(api);
    await add(buyer, skuId, 1);
    const set = await api.put(`/v1/store/cart/items/${skuId}`, { quantity: 5, market: 'BR' }, { token: buyer.token });
    expect(set.status).toBe(200);
    expect(lineOf(set.body, skuId).quantity).toBe(5);
    expect(lineOf(set.body, skuId).line_total.amount).toBe(lineOf(set.body, skuId).buyer_unit_price.amount * 5);

    expectProblem(await api.put(`/v1/store/cart/items/${skuId}`, { quantity: 2001, market: 'BR' }, { token: buyer.token }), 400, 'invalid_request');
    expectProblem(await api.put(`/v1/store/cart/items/${skuId}`, { quantity: -1, market: 'BR' }, { token: buyer.token }), 400, 'invalid_request');
    expectProblem(await add(buyer, skuId, 0), 400, 'invalid_request');
    expectProblem(await add(buyer, skuId, -3), 400, 'invalid_request');
    expectProblem(await add(buyer, skuId, 1000), 400, 'invalid_request');
    // 5 in the cart and 995 more would be 1000 of one item: over the limit even though the stock has them.
    const tooMany = await add(buyer, skuId, 995);
    expectProblem(tooMany, 422, 'quantity_too_large');
    expect(lineOf(await cartOf(buyer), skuId).quantity).toBe(5);

    const other = await listedInBrazil(api, lumen);
    await add(buyer, other.skus[0]!.id, 1);
    expectProblem(await api.put(`/v1/store/cart/items/${other.skus[0]!.id}`, { quantity: 501, market: 'BR' }, { token: buyer.token }), 409, 'insufficient_stock');
    expectProblem(await add(buyer, other.skus[0]!.id, 500), 409, 'insufficient_stock');
    expect(lineOf(await cartOf(buyer), other.skus[0]!.id).quantity).toBe(1);

    const removed = await api.put(`/v1/store/cart/items/${skuId}`, { quantity: 0, market: 'BR' }, { token: buyer.token });
    expect(removed.status).toBe(200);
    expect(lineOf(removed.body, skuId)).toBeUndefined();
    expectProblem(await api.put(`/v1/store/cart/items/${skuId}`, { quantity: 1, market: 'BR' }, { token: buyer.token }), 404, 'not_found');
  });

  it('refuses the wrong currency for the market, an unknown market, and a SKU not offered in the market', async () => {
    const spainOnly = await api.post('/v1/seller/products', { ...ledBulb({ markets: ['ES'] }), publish: true }, { token: lumen.token });
    expect(spainOnly.status, JSON.stringify(spainOnly.body)).toBe(201);
    const bulb = await listedInBrazil(api, lumen);
    const buyer = await buyerAccount(api);
    await add(buyer, bulb.skus[0]!.id, 1);
    const cart = await cartOf(buyer);

    const wrongCurrency = await api.get('/v1/store/cart?market=BR&currency=EUR', { token: buyer.token });
    expectProblem(wrongCurrency, 422, 'wrong_currency');
    expect(wrongCurrency.body.errors).toEqual([expect.objectContaining({ path: '/currency', code: 'wrong_currency' })]);
    expectProblem(await api.post('/v1/store/checkout/quote', brazilCheckout({ currency: 'USD' }), { token: buyer.token }), 422, 'wrong_currency');
    expectProblem(await api.post('/v1/store/checkouts', brazilCheckout({ currency: 'USD' }), { token: buyer.token }), 422, 'wrong_currency');
    expect((await api.get('/v1/store/cart?market=BR&currency=BRL', { token: buyer.token })).status).toBe(200);

    const unknownMarket = await api.get('/v1/store/cart?market=ZZ', { token: buyer.token });
    expectProblem(unknownMarket, 422, 'validation_failed');
    expect(unknownMarket.body.errors).toEqual([expect.objectContaining({ code: 'unknown_market' })]);
    expectProblem(await add(buyer, bulb.skus[0]!.id, 1, 'ZZ'), 422, 'validation_failed');

    const notOffered = await add(buyer, spainOnly.body.skus[0].id, 1, 'BR');
    expectProblem(notOffered, 422, 'not_offered_in_market');
    expect(notOffered.body.errors).toEqual([expect.objectContaining({ path: '/sku_id', code: 'not_offered_in_market' })]);
    expectProblem(await add(buyer, 'sku_01JD0000000000000000000000', 1), 404, 'not_found');
    expect(await cartOf(buyer)).toEqual(cart);
  });

  it('belongs to its buyer: another buyer cannot touch it, and sellers have none', async () => {
    const bulb = await listedInBrazil(api, lumen);
    const buyer = await buyerAccount(api);
    const other = await buyerAccount(api);
    await add(buyer, bulb.skus[0]!.id, 2);
    const cart = await cartOf(buyer);
    expectProblem(await api.put(`/v1/store/cart/items/${bulb.skus[0]!.id}`, { quantity: 0, market: 'BR' }, { token: other.token }), 404, 'not_found');
    expect((await cartOf(other)).sellers).toEqual([]);
    expect(await cartOf(buyer)).toEqual(cart);
    expectProblem(await api.get('/v1/store/cart?market=BR', { token: lumen.token }), 403, 'buyers_only');
    expectProblem(await add({ ...buyer, token: lumen.token }, bulb.skus[0]!.id, 1), 403, 'buyers_only');
    expectProblem(await api.get('/v1/store/cart?market=BR'), 401, 'unauthenticated');
  });
});

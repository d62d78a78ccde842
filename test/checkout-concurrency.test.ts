import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../src/platform/db/index.ts';
import { sellerWithOpenStore } from './support/actors.ts';
import { useTestApp } from './support/app.ts';
import { apiClient } from './support/http.ts';
import { buyerAccount, listedInBrazil } from './support/commerce.ts';

/**
 * Never oversell: many buyers racing for the last units of one SKU get exactly as many orders as
 * there are units, and one Idempotency-Key sent many times at once makes one checkout.
 */

const RECIFE = { name: 'Bruno Lima', lines: ['Rua da Aurora 100'], city: 'Recife', postal_code: '50050-000', country: 'BR', phone: '+55 81 98888 7777', state: 'PE' };
const PLACE = { market: 'BR', shipping_address: RECIFE, identifiers: { cpf: '529.982.247-25' } };
const BUYERS = 200;
const UNITS = 10;

describe('buyers racing for the last units', () => {
  const app = useTestApp({ now: '2026-11-25T10:00:00Z' });
  const api = apiClient(app);

  it(`${BUYERS} buyers racing for ${UNITS} units produce exactly ${UNITS} orders`, async () => {
    const seller = await sellerWithOpenStore(app(), api);
    const product = await listedInBrazil(api, seller, { skus: [{ seller_sku: `LAST-UNITS-${Date.now()}`, variant: { light_colour: 'warm_white', lamp_base: 'e27' }, price: { amount: 4990, currency: 'CNY' }, weight_grams: 80, stock: UNITS }] });
    const sku = product.skus[0]!.id;
    const buyers = [];
    for (let i = 0; i < BUYERS; i++) buyers.push(await buyerAccount(api));
    // Everyone gets a unit into the cart while there are still ten.
    for (const buyer of buyers) expect((await api.post('/v1/store/cart/items', { sku_id: sku, quantity: 1, market: 'BR' }, { token: buyer.token })).status).toBe(200);

    const answers = await Promise.all(buyers.map((buyer) => api.post('/v1/store/checkouts', PLACE, { token: buyer.token })));

    const placed = answers.filter((a) => a.status === 201);
    expect(placed).toHaveLength(UNITS);
    for (const refused of answers.filter((a) => a.status !== 201)) {
      expect([409, 422]).toContain(refused.status);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(['insufficient_stock', 'cannot_place_order']).toContain(refused.body.code);
    }
    const db = app().platform.db;
    const [stock] = await queryRows<{ on_hand: number; reserved: number }>(db, sql`SELECT on_hand, reserved FROM stock_levels WHERE sku_id = ${sku}`);
    expect(stock).toEqual({ on_hand: UNITS, reserved: UNITS });
    const [orders] = await queryRows<{ orders: number; units: number }>(db, sql`SELECT count(DISTINCT order_id)::int AS orders, sum(quantity)::int AS units FROM order_lines WHERE sku_id = ${sku}`);
    expect(orders).toEqual({ orders: UNITS, units: UNITS });
    const [payments] = await queryRows<{ count: number }>(db, sql`SELECT count(*)::int AS count FROM payment_intents WHERE buyer_account_id IN ${buyers.map((b) => b.accountId)}`);
    expect(payments!.count).toBe(UNITS);

    // Search shows it sold out; when the unpaid orders close, the units are back on sale.
    const inStock = async () => {
      await app().settle();
      const hits = (await api.get('/v1/store/search?market=BR&q=LED%20bulb&lang=en&limit=50')).body.data as { product_id: string; in_stock: boolean }[];
      return hits.find((hit) => hit.product_id === product.id)?.in_stock;
    };
    expect(await inStock()).toBe(false);
    app().clock.advance({ minutes: 61 });
    expect(await inStock()).toBe(true);
    const [released] = await queryRows<{ reserved: number }>(db, sql`SELECT reserved FROM stock_levels WHERE sku_id = ${sku}`);
    expect(released!.reserved).toBe(0);
  });

  it('one Idempotency-Key sent twenty times at once makes one checkout', async () => {
    const seller = await sellerWithOpenStore(app(), api);
    const product = await listedInBrazil(api, seller);
    const buyer = await buyerAccount(api);
    await api.post('/v1/store/cart/items', { sku_id: product.skus[0]!.id, quantity: 2, market: 'BR' }, { token: buyer.token });
    const key = `checkout-${Date.now()}`;

    const answers = await Promise.all(Array.from({ length: 20 }, () => api.post('/v1/store/checkouts', PLACE, { token: buyer.token, idempotencyKey: key })));

    const created = answers.filter((a) => a.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((a) => a.body.checkout.id)).size).toBe(1);
    // The others were told the first is still running (409) — none placed a second checkout.
    for (const other of answers.filter((a) => a.status !== 201)) expect(other.status).toBe(409);
    const replay = await api.post('/v1/store/checkouts', PLACE, { token: buyer.token, idempotencyKey: key });
    expect(replay.status).toBe(201);
    expect(replay.body.checkout.id).toBe(created[0]!.body.checkout.id);
    const [count] = await queryRows<{ count: number }>(app().platform.db, sql`SELECT count(*)::int AS count FROM checkouts WHERE buyer_account_id = ${buyer.accountId}`);
    expect(count!.count).toBe(1);
  });
});

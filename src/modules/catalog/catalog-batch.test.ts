import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../../test/support/app.ts';
import { sellerWithOpenStore, type SellerActor } from '../../../test/support/actors.ts';
import { ledBulb } from '../../../test/support/fixtures.ts';
import { apiClient } from '../../../test/support/http.ts';
import { expectProblem } from '../../../test/support/expect.ts';

/**
 * The batch endpoints ERP tools call: prices and stock for many products at once. Each product is
 * its own unit of work, so one bad item is reported beside the others instead of sinking them.
 */

/** A dumbbell set: weight varies by SKU, so a product can carry the full 200 SKUs. */
function dumbbells(skuCount: number, prefix: string) {
  return {
    category: 'sports.fitness.dumbbells',
    main_language: 'en',
    titles: { en: 'Cast iron dumbbell' },
    images: ['https://images.example.com/dumbbell.jpg'],
    model: 'CI-DB',
    markets: ['US'],
    skus: Array.from({ length: skuCount }, (_, i) => ({
      seller_sku: `${prefix}-${i}`,
      variant: { weight_kg: (i + 1) / 2 },
      price: { amount: 1000 + i, currency: 'CNY' },
    })),
  };
}

describe('batch prices and stock', () => {
  const app = useTestApp({ now: '2026-03-02T02:00:00Z' });
  const api = apiClient(app);
  let seller: SellerActor;
  let rival: SellerActor;

  beforeAll(async () => {
    seller = await sellerWithOpenStore(app(), api);
    rival = await sellerWithOpenStore(app(), api);
  });

  const create = async (owner: SellerActor, body: object) => {
    const created = await api.post('/v1/seller/products', body, { token: owner.token });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body;
  };
  const get = async (owner: SellerActor, id: string) => (await api.get(`/v1/seller/products/${id}`, { token: owner.token })).body;

  it('updates the prices of several products, answering for each, and applies the good ones', async () => {
    const first = await create(seller, ledBulb({ markets: ['US'] }));
    const second = await create(seller, ledBulb({ markets: ['US'] }));
    const theirs = await create(rival, ledBulb({ markets: ['US'] }));
    const [firstSku, otherFirstSku] = first.skus;

    const batch = await api.post(
      '/v1/seller/products/batch/prices',
      {
        items: [
          { product_id: first.id, skus: [{ seller_sku: firstSku.seller_sku, price: { amount: 1590, currency: 'CNY' }, country_prices: { US: { amount: 229, currency: 'USD' } } }] },
          { product_id: theirs.id, skus: [{ seller_sku: theirs.skus[0].seller_sku, price: { amount: 1, currency: 'CNY' } }] },
          {
            product_id: second.id,
            skus: [
              { seller_sku: second.skus[0].seller_sku, price: { amount: 999, currency: 'CNY' } },
              { seller_sku: 'NO-SUCH-SKU', price: { amount: 999, currency: 'CNY' } },
            ],
          },
        ],
      },
      { token: seller.token },
    );
    expect(batch.status).toBe(200);
    expect(batch.body.results).toEqual([
      { index: 0, ok: true, id: first.id },
      { index: 1, ok: false, id: theirs.id, error: { status: 404, code: 'not_found', message: expect.any(String), errors: [] } },
      {
        index: 2,
        ok: false,
        id: second.id,
        error: { status: 422, code: 'validation_failed', message: expect.any(String), errors: [{ in: 'body', path: '/skus/1/seller_sku', code: 'unknown_sku', message: expect.stringContaining('NO-SUCH-SKU') }] },
      },
    ]);

    const after = await get(seller, first.id);
    expect(after.version).toBe(first.version + 1);
    expect(after.skus.map((s: any) => [s.seller_sku, s.price, s.country_prices])).toEqual([
      [firstSku.seller_sku, { amount: 1590, currency: 'CNY' }, { US: { amount: 229, currency: 'USD' } }],
      [otherFirstSku.seller_sku, { amount: 1290, currency: 'CNY' }, {}],
    ]);
    // A refused item changes nothing, not even the SKUs it named correctly.
    const untouched = await get(seller, second.id);
    expect(untouched.version).toBe(second.version);
    expect(untouched.skus.map((s: any) => s.price.amount)).toEqual([1290, 1290]);
    expect((await get(rival, theirs.id)).skus.map((s: any) => s.price.amount)).toEqual([1290, 1290]);

    const audit = await app().platform.audit.list(app().platform.db, { subjectType: 'product', subjectId: first.id, limit: 10 });
    expect(audit.map((r) => r.action)).toEqual(['product.prices', 'product.create']);
  });

  it('checks a batch price like any price: an unknown market is refused for that product', async () => {
    const product = await create(seller, ledBulb({ markets: ['US'] }));
    const batch = await api.post(
      '/v1/seller/products/batch/prices',
      { items: [{ product_id: product.id, skus: [{ seller_sku: product.skus[0].seller_sku, price: { amount: 1290, currency: 'CNY' }, country_prices: { ZZ: { amount: 1, currency: 'USD' } } }] }] },
      { token: seller.token },
    );
    expect(batch.status).toBe(200);
    expect(batch.body.results).toEqual([
      { index: 0, ok: false, id: product.id, error: { status: 422, code: 'validation_failed', message: expect.any(String), errors: [expect.objectContaining({ path: '/skus/0/country_prices/ZZ', code: 'unknown_market' })] } },
    ]);
    expect((await get(seller, product.id)).version).toBe(product.version);
  });

  it('points a refused batch price at the SKU the caller sent, not at its place in the stored product', async () => {
    const product = await create(seller, ledBulb({ markets: ['US'] }));
    // The item names the product's second SKU only: an error can only be about /skus/0 of this item.
    const batch = await api.post(
      '/v1/seller/products/batch/prices',
      { items: [{ product_id: product.id, skus: [{ seller_sku: product.skus[1].seller_sku, price: { amount: 180, currency: 'EUR' } }] }] },
      { token: seller.token },
    );
    expect(batch.status).toBe(200);
    expect(batch.body.results).toEqual([
      { index: 0, ok: false, id: product.id, error: { status: 422, code: 'validation_failed', message: expect.any(String), errors: [expect.objectContaining({ path: '/skus/0/price/currency', code: 'mixed_currencies' })] } },
    ]);
    expect((await get(seller, product.id)).skus.map((s: any) => s.price)).toEqual([
      { amount: 1290, currency: 'CNY' },
      { amount: 1290, currency: 'CNY' },
    ]);
  });

  it('accepts the documented limits of 50 products × 200 SKUs and refuses a batch beyond them', async () => {
    const big = await create(seller, dumbbells(200, `DB-${process.pid}`));
    expect(big.skus).toHaveLength(200);
    const prices = (amount: number) => big.skus.map((s: any) => ({ seller_sku: s.seller_sku, price: { amount, currency: 'CNY' } }));
    // One product changes its 200 prices, then 49 more items repeat them: 50 × 200 in one call.
    const items = Array.from({ length: 50 }, () => ({ product_id: big.id, skus: prices(2500) }));
    const accepted = await api.post('/v1/seller/products/batch/prices', { items }, { token: seller.token });
    expect(accepted.status).toBe(200);
    expect(accepted.body.results).toHaveLength(50);
    expect(accepted.body.results.every((r: any) => r.ok)).toBe(true);
    const after = await get(seller, big.id);
    expect(after.skus.every((s: any) => s.price.amount === 2500)).toBe(true);
    // Repeating the same prices is not a new version.
    expect(after.version).toBe(big.version + 1);

    const tooMany = await api.post('/v1/seller/products/batch/prices', { items: [...items, items[0]] }, { token: seller.token });
    expectProblem(tooMany, 400, 'invalid_request');
    expect(tooMany.body.errors).toEqual([expect.objectContaining({ path: '/items', code: 'invalid_maxItems' })]);

    const tooWide = await api.post('/v1/seller/products/batch/prices', { items: [{ product_id: big.id, skus: [...prices(1), prices(1)[0]] }] }, { token: seller.token });
    expectProblem(tooWide, 400, 'invalid_request');
    expect(tooWide.body.errors).toEqual([expect.objectContaining({ path: '/items/0/skus', code: 'invalid_maxItems' })]);

    const stockTooMany = await api.post('/v1/seller/products/batch/stock', { items: Array.from({ length: 51 }, () => ({ product_id: big.id, skus: [{ seller_sku: big.skus[0].seller_sku, quantity: 1 }] })) }, { token: seller.token });
    expectProblem(stockTooMany, 400, 'invalid_request');
    // Refused whole: nothing of it was applied.
    expect((await get(seller, big.id)).skus[0].available).toBe(0);
  });

  it('sets and adjusts stock per warehouse, refuses a result below zero, and records every movement', async () => {
    const product = await create(seller, ledBulb({ markets: ['US'] }));
    const other = await create(seller, ledBulb({ markets: ['US'] }));
    const [warm, cool] = product.skus;
    expect([warm.available, cool.available]).toEqual([500, 300]);

    const batch = await api.post(
      '/v1/seller/products/batch/stock',
      {
        items: [
          {
            product_id: product.id,
            skus: [
              { seller_sku: warm.seller_sku, quantity: 40 },
              { seller_sku: warm.seller_sku, delta: 5 },
              { seller_sku: warm.seller_sku, warehouse: 'FBA-DE', quantity: 10 },
              { seller_sku: cool.seller_sku, delta: -300 },
            ],
          },
          { product_id: other.id, skus: [{ seller_sku: other.skus[0].seller_sku, delta: -501 }] },
          { product_id: other.id, skus: [{ seller_sku: other.skus[1].seller_sku, quantity: 1, delta: 1 }] },
        ],
      },
      { token: seller.token },
    );
    expect(batch.status).toBe(200);
    expect(batch.body.results).toEqual([
      { index: 0, ok: true, id: product.id },
      { index: 1, ok: false, id: other.id, error: { status: 409, code: 'insufficient_stock', message: expect.any(String), errors: [] } },
      { index: 2, ok: false, id: other.id, error: { status: 422, code: 'validation_failed', message: expect.any(String), errors: [expect.objectContaining({ path: '/skus/0', code: 'quantity_or_delta' })] } },
    ]);

    const after = await get(seller, product.id);
    expect(after.skus.map((s: any) => [s.seller_sku, s.available])).toEqual([
      [warm.seller_sku, 55],
      [cool.seller_sku, 0],
    ]);
    expect((await get(seller, other.id)).skus.map((s: any) => s.available)).toEqual([500, 300]);
    // Stock is not content: the product's version does not move.
    expect(after.version).toBe(product.version);

    const movements = await api.get(`/v1/seller/inventory/movements?sku_id=${warm.id}`, { token: seller.token });
    expect(movements.status).toBe(200);
    expect(movements.body.data.map((m: any) => [m.warehouse, m.delta, m.on_hand_after, m.reason, m.reference, m.actor_id])).toEqual([
      ['FBA-DE', 10, 10, 'set', `stock:${product.id}`, seller.accountId],
      ['SELLER', 5, 45, 'adjust', `stock:${product.id}`, seller.accountId],
      ['SELLER', -460, 40, 'set', `stock:${product.id}`, seller.accountId],
      ['SELLER', 500, 500, 'set', `product:${product.id}`, seller.accountId],
    ]);
    const paged = await api.get(`/v1/seller/inventory/movements?sku_id=${warm.id}&limit=3`, { token: seller.token });
    expect(paged.body.data).toHaveLength(3);
    const rest = await api.get(`/v1/seller/inventory/movements?sku_id=${warm.id}&limit=3&cursor=${paged.body.next_cursor}`, { token: seller.token });
    expect(rest.body.data.map((m: any) => m.delta)).toEqual([500]);
    expect(rest.body.next_cursor).toBeNull();

    // The refused adjustment left no trace.
    const refused = await api.get(`/v1/seller/inventory/movements?sku_id=${other.skus[0].id}`, { token: seller.token });
    expect(refused.body.data.map((m: any) => m.delta)).toEqual([500]);
  });

  it('refuses a stock change for a SKU code the product does not have, and leaves its other changes out', async () => {
    const product = await create(seller, ledBulb({ markets: ['US'] }));
    const batch = await api.post(
      '/v1/seller/products/batch/stock',
      { items: [{ product_id: product.id, skus: [{ seller_sku: product.skus[0].seller_sku, quantity: 7 }, { seller_sku: 'NOT-MINE', quantity: 7 }] }] },
      { token: seller.token },
    );
    expect(batch.body.results).toEqual([
      { index: 0, ok: false, id: product.id, error: { status: 422, code: 'validation_failed', message: expect.any(String), errors: [{ in: 'body', path: '/skus/1/seller_sku', code: 'unknown_sku', message: expect.any(String) }] } },
    ]);
    expect((await get(seller, product.id)).skus.map((s: any) => s.available)).toEqual([500, 300]);
  });
});

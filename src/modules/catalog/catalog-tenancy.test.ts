import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../../test/support/app.ts';
import { addStaff, createOperator, sellerWithOpenStore, signUpSeller, type SellerActor } from '../../../test/support/actors.ts';
import { ledBulb } from '../../../test/support/fixtures.ts';
import { apiClient } from '../../../test/support/http.ts';
import { expectProblem } from '../../../test/support/expect.ts';
import { pdfFile } from '../../seed/sample-files.ts';

/**
 * Whose products are whose: another seller's owner or staff never sees nor changes a product (it
 * does not exist for them), staff need the `products` permission, and a store must be open.
 */

describe('tenancy and permissions', () => {
  const app = useTestApp({ now: '2026-03-02T02:00:00Z' });
  const api = apiClient(app);
  let owner: SellerActor;
  let product: any;
  let certificateId: string;

  beforeAll(async () => {
    owner = await sellerWithOpenStore(app(), api);
    const created = await api.post('/v1/seller/products', { ...ledBulb({ markets: ['US', 'ES'] }), publish: true }, { token: owner.token });
    expect(created.status).toBe(201);
    product = created.body;
    const certificate = await api.post(`/v1/seller/products/${product.id}/certificates`, { type: 'CE', number: 'DoC-1', markets: ['EU'], issuer: 'Lumen', valid_from: '2026-01-01' }, { token: owner.token });
    certificateId = certificate.body.id;
    await app().settle();
    product = (await api.get(`/v1/seller/products/${product.id}`, { token: owner.token })).body;
  });

  /** Everything a seller can do to one product, answered for a caller that must not. */
  async function everyMove(token: string) {
    const sku = product.skus[0].seller_sku;
    return {
      get: await api.get(`/v1/seller/products/${product.id}`, { token }),
      patch: await api.patch(`/v1/seller/products/${product.id}`, { patch: { brand: 'Stolen' } }, { token }),
      publish: await api.post(`/v1/seller/products/${product.id}/status`, { status: 'offline' }, { token }),
      delete: await api.delete(`/v1/seller/products/${product.id}`, { token }),
      certificate: await api.post(`/v1/seller/products/${product.id}/certificates`, { type: 'UKCA', number: 'X', markets: ['GB'], issuer: 'Me', valid_from: '2026-01-01' }, { token }),
      prices: await api.post('/v1/seller/products/batch/prices', { items: [{ product_id: product.id, skus: [{ seller_sku: sku, price: { amount: 1, currency: 'CNY' } }] }] }, { token }),
      stock: await api.post('/v1/seller/products/batch/stock', { items: [{ product_id: product.id, skus: [{ seller_sku: sku, quantity: 0 }] }] }, { token }),
    };
  }

  /** The product exactly as its owner left it: content, status, listings, stock, certificates. */
  async function unchanged() {
    const now = (await api.get(`/v1/seller/products/${product.id}`, { token: owner.token })).body;
    expect(now).toEqual(product);
    const certificates = await api.get('/v1/seller/certificates', { token: owner.token });
    expect(certificates.body.data.map((c: { id: string }) => c.id)).toEqual([certificateId]);
  }

  it('lets another seller’s owner neither see nor change the product: it does not exist for them', async () => {
    const rival = await sellerWithOpenStore(app(), api);
    const answers = await everyMove(rival.token);
    for (const key of ['get', 'patch', 'publish', 'delete', 'certificate'] as const) {
      expectProblem(answers[key], 404, 'not_found');
      expect(JSON.stringify(answers[key].body)).not.toContain('Lumen');
    }
    for (const key of ['prices', 'stock'] as const) {
      expect(answers[key].status).toBe(200);
      expect(answers[key].body.results).toEqual([{ index: 0, ok: false, id: product.id, error: { status: 404, code: 'not_found', message: expect.any(String), errors: [] } }]);
    }
    expect((await api.get('/v1/seller/products', { token: rival.token })).body.data).toEqual([]);
    // The owner's SKU codes are theirs alone: another seller may use the same code.
    const sameCode = await api.post('/v1/seller/products', ledBulb({ skus: [{ ...ledBulb().skus[0], seller_sku: product.skus[0].seller_sku }] }), { token: rival.token });
    expect(sameCode.status).toBe(201);
    await unchanged();
  });

  it('treats another seller’s staff with the products permission the same way', async () => {
    const rival = await sellerWithOpenStore(app(), api);
    const staff = await addStaff(api, rival, ['products']);
    const answers = await everyMove(staff.token);
    for (const key of ['get', 'patch', 'publish', 'delete', 'certificate'] as const) expectProblem(answers[key], 404, 'not_found');
    for (const key of ['prices', 'stock'] as const) expect(answers[key].body.results[0]).toMatchObject({ ok: false, error: { status: 404, code: 'not_found' } });
    await unchanged();
  });

  it('keeps another seller away from the owner’s certificates and stock history', async () => {
    const rival = await sellerWithOpenStore(app(), api);
    expectProblem(await api.get(`/v1/seller/certificates/${certificateId}`, { token: rival.token }), 404, 'not_found');
    expectProblem(await api.delete(`/v1/seller/certificates/${certificateId}`, { token: rival.token }), 404, 'not_found');
    expectProblem(await api.upload(`/v1/seller/certificates/${certificateId}/file`, pdfFile(), 'doc.pdf', 'application/pdf', { token: rival.token }), 404, 'not_found');
    expectProblem(await api.get(`/v1/seller/certificates/${certificateId}/file`, { token: rival.token }), 404, 'not_found');
    expect((await api.get(`/v1/seller/certificates?product_id=${product.id}`, { token: rival.token })).body.data).toEqual([]);
    expectProblem(await api.get(`/v1/seller/inventory/movements?sku_id=${product.skus[0].id}`, { token: rival.token }), 404, 'not_found');
    await unchanged();
  });

  it('refuses the owner’s own staff without the products permission, and lets those with it work', async () => {
    const orders = await addStaff(api, owner, ['orders', 'finance', 'settings']);
    expectProblem(await api.get('/v1/seller/products', { token: orders.token }), 403, 'permission_denied');
    expectProblem(await api.get(`/v1/seller/products/${product.id}`, { token: orders.token }), 403, 'permission_denied');
    expectProblem(await api.post('/v1/seller/products', ledBulb(), { token: orders.token }), 403, 'permission_denied');
    const answers = await everyMove(orders.token);
    for (const key of ['get', 'patch', 'publish', 'delete', 'certificate'] as const) expectProblem(answers[key], 403, 'permission_denied');
    for (const key of ['prices', 'stock'] as const) expect(answers[key].body.results[0]).toMatchObject({ ok: false, error: { status: 403, code: 'permission_denied' } });
    expectProblem(await api.get('/v1/seller/certificates', { token: orders.token }), 403, 'permission_denied');
    expectProblem(await api.get(`/v1/seller/inventory/movements?sku_id=${product.skus[0].id}`, { token: orders.token }), 403, 'permission_denied');
    await unchanged();

    const catalogue = await addStaff(api, owner, ['products']);
    expect((await api.get(`/v1/seller/products/${product.id}`, { token: catalogue.token })).status).toBe(200);
    const created = await api.post('/v1/seller/products', ledBulb({ markets: ['US'] }), { token: catalogue.token });
    expect(created.status).toBe(201);
    expect(created.body.seller_id).toBe(owner.sellerId);
    expect((await api.get('/v1/seller/products', { token: owner.token })).body.data.map((p: { id: string }) => p.id)).toContain(created.body.id);
  });

  it('refuses products from a seller whose store is not open', async () => {
    const applicant = await signUpSeller(api);
    const refused = await api.post('/v1/seller/products', { ...ledBulb(), publish: true }, { token: applicant.token });
    expectProblem(refused, 409, 'store_not_open');
    expect(refused.body.detail).toContain('store is open');
    expectProblem(await api.post('/v1/seller/products', ledBulb(), { token: applicant.token }), 409, 'store_not_open');
    expect((await api.get('/v1/seller/products', { token: applicant.token })).body.data).toEqual([]);
  });

  it('keeps buyers and operators out of the Seller Center product endpoints', async () => {
    const buyer = await api.post('/v1/store/sign-up', { email: `buyer-${process.pid}-${Date.now()}@buyers.example`, password: 'buyer password 123', display_name: 'Buyer' });
    const operator = await createOperator(app(), api, ['admin']);
    for (const token of [buyer.body.token, operator.token]) {
      expectProblem(await api.get(`/v1/seller/products/${product.id}`, { token }), 403, 'seller_account_required');
      expectProblem(await api.post('/v1/seller/products', ledBulb(), { token }), 403, 'seller_account_required');
    }
    expectProblem(await api.get(`/v1/seller/products/${product.id}`), 401, 'unauthenticated');
    expectProblem(await api.get(`/v1/ops/products/${product.id}`, { token: owner.token }), 403, 'operator_account_required');
    // An operator of the compliance team reads any product through the ops surface.
    expect((await api.get(`/v1/ops/products/${product.id}`, { token: operator.token })).body).toEqual(product);
    await unchanged();
  });
});

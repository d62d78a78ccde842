import { describe, expect, it } from 'vitest';
import { sellerWithOpenStore } from '../../../test/support/actors.ts';
import { useTestApp } from '../../../test/support/app.ts';
import { buyerAccount, listedInBrazil } from '../../../test/support/commerce.ts';
import { expectProblem } from '../../../test/support/expect.ts';
import { apiClient } from '../../../test/support/http.ts';

describe('a guest fills a cart, then signs in and brings it along', () => {
  const app = useTestApp({ now: '2026-11-25T10:00:00Z' });
  const api = apiClient(app);

  it('opens the cart only with its secret and merges it into the buyer’s cart once', async () => {
    const seller = await sellerWithOpenStore(app(), api);
    const product = await listedInBrazil(api, seller);
    const [bulb, spare] = product.skus.map((s) => s.id) as [string, string];

    const created = await api.post('/v1/store/guest-carts', {});
    expect(created.status).toBe(201);
    const { cart_id: cartId, cart_token: token } = created.body;
    const guest = { headers: { 'cart-token': token } };

    const added = await api.post(`/v1/store/guest-carts/${cartId}/items`, { sku_id: bulb, quantity: 2, market: 'BR' }, guest);
    expect(added.status).toBe(200);
    expect(added.body.sellers[0].lines[0]).toMatchObject({ sku_id: bulb, quantity: 2, problem: null });
    expect(added.body.currency).toBe('BRL');
    expect((await api.put(`/v1/store/guest-carts/${cartId}/items/${bulb}`, { quantity: 3, market: 'BR' }, guest)).body.sellers[0].lines[0].quantity).toBe(3);

    // Without the secret, or with another cart's, the cart is not there.
    const other = await api.post('/v1/store/guest-carts', {});
    expectProblem(await api.get(`/v1/store/guest-carts/${cartId}?market=BR`, { headers: { 'cart-token': other.body.cart_token } }), 404, 'not_found');
    expectProblem(await api.post(`/v1/store/guest-carts/${cartId}/items`, { sku_id: spare, quantity: 1, market: 'BR' }, { headers: { 'cart-token': other.body.cart_token } }), 404, 'not_found');
    expect((await api.get(`/v1/store/guest-carts/${cartId}?market=BR`)).status).toBe(400);

    const buyer = await buyerAccount(api);
    await api.post('/v1/store/cart/items', { sku_id: bulb, quantity: 1, market: 'BR' }, { token: buyer.token });
    await api.post('/v1/store/cart/items', { sku_id: spare, quantity: 1, market: 'BR' }, { token: buyer.token });

    // Another buyer cannot take the guest's cart without its secret.
    const thief = await buyerAccount(api);
    expectProblem(await api.post('/v1/store/cart/merge', { guest_cart_id: cartId, cart_token: other.body.cart_token, market: 'BR' }, { token: thief.token }), 404, 'not_found');

    const merged = await api.post('/v1/store/cart/merge', { guest_cart_id: cartId, cart_token: token, market: 'BR' }, { token: buyer.token });
    expect(merged.status).toBe(200);
    const lines = merged.body.sellers[0].lines as { sku_id: string; quantity: number }[];
    expect(Object.fromEntries(lines.map((l) => [l.sku_id, l.quantity]))).toEqual({ [bulb]: 4, [spare]: 1 });
    // The guest cart is gone: its secret opens nothing, and it cannot be merged twice.
    expectProblem(await api.get(`/v1/store/guest-carts/${cartId}?market=BR`, guest), 404, 'not_found');
    expectProblem(await api.post('/v1/store/cart/merge', { guest_cart_id: cartId, cart_token: token, market: 'BR' }, { token: buyer.token }), 404, 'not_found');
  });
});

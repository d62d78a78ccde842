import { beforeAll, describe, expect, it } from 'vitest';
import { addStaff, createOperator, sellerWithOpenStore, type SellerActor } from '../../../test/support/actors.ts';
import { useTestApp } from '../../../test/support/app.ts';
import { buyerAccount, FOSHAN, listedInBrazil, paidAndWaitingForSeller, SAO_PAULO, VALID_CPF, type BuyerActor } from '../../../test/support/commerce.ts';
import { expectProblem } from '../../../test/support/expect.ts';
import { apiClient } from '../../../test/support/http.ts';

/**
 * Who may see and move an order: its buyer, its seller's owner and staff with the orders
 * permission, and admins among operators, who see personal data only as their tier allows.
 * Everyone else gets the same 404 as for an order that does not exist.
 */
describe('access to orders', () => {
  const app = useTestApp({ now: '2026-11-25T10:00:00Z' });
  const api = apiClient(app);
  let seller: SellerActor;
  let rival: SellerActor;
  let buyer: BuyerActor;
  let orderId: string;
  let checkoutId: string;
  let skuId: string;

  beforeAll(async () => {
    seller = await sellerWithOpenStore(app(), api);
    rival = await sellerWithOpenStore(app(), api);
    const product = await listedInBrazil(api, seller);
    skuId = product.skus[0]!.id;
    buyer = await buyerAccount(api);
    const placed = await paidAndWaitingForSeller(app(), api, buyer, [{ skuId: product.skus[0]!.id, quantity: 1 }]);
    orderId = placed.checkout.order_ids[0]!;
    checkoutId = placed.checkout.id;
  });

  const status = async () => (await api.get(`/v1/store/orders/${orderId}`, { token: buyer.token })).body.status;

  it('hides a buyer’s order and checkout from another buyer, who can neither cancel nor confirm it', async () => {
    const other = await buyerAccount(api);
    expectProblem(await api.get(`/v1/store/orders/${orderId}`, { token: other.token }), 404, 'not_found');
    expectProblem(await api.get(`/v1/store/checkouts/${checkoutId}`, { token: other.token }), 404, 'not_found');
    expectProblem(await api.post(`/v1/store/orders/${orderId}/cancel`, { reason: 'Not mine anyway' }, { token: other.token }), 404, 'not_found');
    expectProblem(await api.post(`/v1/store/orders/${orderId}/confirm-receipt`, {}, { token: other.token }), 404, 'not_found');
    expect((await api.get('/v1/store/orders', { token: other.token })).body.data).toEqual([]);
    expect(await status()).toBe('WAIT_SELLER_SEND_GOODS');
    // Buyers and sellers keep to their own surfaces.
    expect((await api.get('/v1/seller/orders', { token: buyer.token })).status).toBe(403);
    expect((await api.get(`/v1/seller/orders/${orderId}`, { token: buyer.token })).status).toBe(403);
    expect((await api.get('/v1/store/orders', { token: seller.token })).status).toBe(403);
    expect((await api.post(`/v1/store/orders/${orderId}/cancel`, { reason: 'Seller posing as buyer' }, { token: seller.token })).status).toBe(403);
    expectProblem(await api.get(`/v1/seller/orders/${orderId}`), 401, 'unauthenticated');
  });

  it('hides an order from another seller, who can neither read, ship nor answer it', async () => {
    expectProblem(await api.get(`/v1/seller/orders/${orderId}`, { token: rival.token }), 404, 'not_found');
    expectProblem(await api.get(`/v1/seller/orders/${orderId}/history`, { token: rival.token }), 404, 'not_found');
    expectProblem(await api.post(`/v1/seller/orders/${orderId}/shipments`, { sender: FOSHAN, weight_g: 100 }, { token: rival.token }), 404, 'not_found');
    expectProblem(await api.post(`/v1/seller/orders/${orderId}/cancellation`, { accept: true, reason: 'Not my order' }, { token: rival.token }), 404, 'not_found');
    expect((await api.get('/v1/seller/orders', { token: rival.token })).body.data).toEqual([]);
    expect(await status()).toBe('WAIT_SELLER_SEND_GOODS');
  });

  it('lets the seller’s staff work on orders only with the orders permission', async () => {
    const catalogue = await addStaff(api, seller, ['products']);
    expect((await api.get('/v1/seller/orders', { token: catalogue.token })).status).toBe(403);
    expect((await api.get(`/v1/seller/orders/${orderId}`, { token: catalogue.token })).status).toBe(403);
    expect((await api.get(`/v1/seller/orders/${orderId}/history`, { token: catalogue.token })).status).toBe(403);
    expect((await api.post(`/v1/seller/orders/${orderId}/shipments`, { sender: FOSHAN, weight_g: 100 }, { token: catalogue.token })).status).toBe(403);
    expect(await status()).toBe('WAIT_SELLER_SEND_GOODS');

    const fulfilment = await addStaff(api, seller, ['orders']);
    expect((await api.get('/v1/seller/orders', { token: fulfilment.token })).body.data.map((o: { id: string }) => o.id)).toEqual([orderId]);
    const order = (await api.get(`/v1/seller/orders/${orderId}`, { token: fulfilment.token })).body;
    // The seller needs the recipient in full to ship, and the CPF for the customs declaration.
    expect(order.shipping_address).toMatchObject({ name: SAO_PAULO.name, phone: SAO_PAULO.phone, lines: SAO_PAULO.lines, country: 'BR' });
    expect(order.buyer_identifiers).toEqual({ cpf: VALID_CPF.replace(/\D/g, '') }); // kept as its digits
    // And ships: the label, the stock and the order move under the staff member's name.
    const another = (await paidAndWaitingForSeller(app(), api, await buyerAccount(api), [{ skuId, quantity: 1 }])).checkout.order_ids[0]!;
    const shipped = await api.post(`/v1/seller/orders/${another}/shipments`, { sender: FOSHAN, weight_g: 100 }, { token: fulfilment.token });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(201);
    expect(shipped.body.status).toBe('WAIT_BUYER_ACCEPT_GOODS');
    const history = (await api.get(`/v1/seller/orders/${another}/history`, { token: seller.token })).body.data;
    expect(history[0]).toMatchObject({ action: 'order.ship_all', actor_type: 'seller' });
  });

  it('shows operators the order as their tier allows, and lets admins freeze and unfreeze it', async () => {
    const support = await createOperator(app(), api, ['support']);
    expect((await api.get(`/v1/ops/orders/${orderId}`, { token: support.token })).status).toBe(403);
    expect((await api.post(`/v1/ops/orders/${orderId}/freeze`, { reason: 'Looks suspicious' }, { token: support.token })).status).toBe(403);
    expect((await api.get(`/v1/ops/orders/${orderId}`, { token: buyer.token })).status).toBe(403);
    expect((await api.get(`/v1/ops/orders/${orderId}`, { token: seller.token })).status).toBe(403);

    const full = await createOperator(app(), api, ['admin'], 'full');
    const seen = (await api.get(`/v1/ops/orders/${orderId}`, { token: full.token })).body;
    expect(seen.shipping_address).toMatchObject({ name: SAO_PAULO.name, phone: SAO_PAULO.phone, lines: SAO_PAULO.lines });
    expect(seen.buyer_identifiers).toEqual({ cpf: VALID_CPF.replace(/\D/g, '') });

    const masked = await createOperator(app(), api, ['admin'], 'masked');
    const hidden = (await api.get(`/v1/ops/orders/${orderId}`, { token: masked.token })).body;
    expect(hidden.shipping_address.name).not.toBe(SAO_PAULO.name);
    expect(hidden.shipping_address.phone).not.toBe(SAO_PAULO.phone);
    expect(hidden.shipping_address.lines).toEqual(['***', '***']);
    expect(hidden.shipping_address).toMatchObject({ city: SAO_PAULO.city, country: 'BR' });
    expect(hidden.buyer_identifiers.cpf).not.toBe(VALID_CPF);
    expect(JSON.stringify(hidden)).not.toContain('Paulista');
    expect(JSON.stringify(hidden)).not.toContain('91234');

    const frozen = await api.post(`/v1/ops/orders/${orderId}/freeze`, { reason: 'Chargeback pattern under review' }, { token: masked.token });
    expect(frozen.status).toBe(200);
    expect(frozen.body).toMatchObject({ status: 'IN_FROZEN', suspended_from: 'WAIT_SELLER_SEND_GOODS' });
    expect(frozen.body.shipping_address.lines).toEqual(['***', '***']);
    // Nothing moves a frozen order but lifting the freeze.
    expectProblem(await api.post(`/v1/seller/orders/${orderId}/shipments`, { sender: FOSHAN, weight_g: 100 }, { token: seller.token }), 409, 'illegal_transition');
    expectProblem(await api.post(`/v1/store/orders/${orderId}/cancel`, { reason: 'Changed my mind' }, { token: buyer.token }), 409, 'illegal_transition');
    expectProblem(await api.post(`/v1/ops/orders/${orderId}/freeze`, { reason: 'Twice' }, { token: full.token }), 409, 'illegal_transition');

    const lifted = await api.post(`/v1/ops/orders/${orderId}/unfreeze`, { reason: 'The review found nothing' }, { token: full.token });
    expect(lifted.body).toMatchObject({ status: 'WAIT_SELLER_SEND_GOODS', suspended_from: null });
    expectProblem(await api.post(`/v1/ops/orders/${orderId}/unfreeze`, { reason: 'Again' }, { token: full.token }), 409, 'illegal_transition');
    const history = (await api.get(`/v1/ops/orders/${orderId}/history`, { token: full.token })).body.data;
    expect(history.slice(0, 2)).toEqual([
      expect.objectContaining({ action: 'order.unfreeze', actor_type: 'operator', reason: 'The review found nothing', from: { status: 'IN_FROZEN' }, to: { status: 'WAIT_SELLER_SEND_GOODS' } }),
      expect.objectContaining({ action: 'order.freeze', actor_type: 'operator', reason: 'Chargeback pattern under review', from: { status: 'WAIT_SELLER_SEND_GOODS' }, to: { status: 'IN_FROZEN' } }),
    ]);
    // The seller sees why their order stood still.
    expect((await api.get(`/v1/seller/orders/${orderId}/history`, { token: seller.token })).body.data[0].action).toBe('order.unfreeze');
    expectProblem(await api.get('/v1/ops/orders/ord_01JD0000000000000000000000', { token: full.token }), 404, 'not_found');
  });
});

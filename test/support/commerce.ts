import { expect } from 'vitest';
import { unique, type SellerActor } from './actors.ts';
import type { TestApp } from './app.ts';
import { ledBulb } from './fixtures.ts';
import type { ApiClient } from './http.ts';

/** A buyer's address in Brazil, with the CPF its customs needs. */
export const SAO_PAULO = { name: 'Ana Souza', lines: ['Avenida Paulista 1000', 'Apto 52'], city: 'São Paulo', region: 'SP', postal_code: '01310-100', country: 'BR', phone: '+55 11 91234 5678', state: 'SP' };
export const VALID_CPF = '529.982.247-25';
/** Where the sellers of these tests ship from. */
export const FOSHAN = { name: 'Foshan Lumen Lighting', lines: ['8 Lighting Road'], city: 'Foshan', region: 'Guangdong', postal_code: '528000', country: 'CN', phone: '+86 757 8000 0000' };

export const TEST_CARDS = { approved: '4242 4242 4242 4242', declined: '4000 0000 0000 0002' } as const;

const BUYER_PASSWORD = 'buyer password 123';

export interface BuyerActor {
  token: string;
  accountId: string;
  email: string;
}

export async function buyerAccount(api: ApiClient): Promise<BuyerActor> {
  const email = `${unique('buyer')}@buyers.example`;
  const response = await api.post('/v1/store/sign-up', { email, password: BUYER_PASSWORD, display_name: 'Ana Souza' });
  if (response.status !== 201) throw new Error(`buyer sign-up failed: ${JSON.stringify(response.body)}`);
  return { token: response.body.token, accountId: response.body.account.id, email };
}

/** A new session for a buyer, after the clock has run past the old one's lifetime. */
export async function signInBuyerAgain(api: ApiClient, buyer: BuyerActor): Promise<BuyerActor> {
  const signIn = await api.post('/v1/auth/sign-in', { email: buyer.email, password: BUYER_PASSWORD });
  if (signIn.status !== 200) throw new Error(`buyer sign-in failed: ${JSON.stringify(signIn.body)}`);
  return { ...buyer, token: signIn.body.token };
}

/** The LED bulb (two SKUs) published and live in Brazil. */
export async function listedInBrazil(api: ApiClient, seller: SellerActor, overrides: Record<string, unknown> = {}) {
  const created = await api.post('/v1/seller/products', { ...ledBulb({ markets: ['BR'], ...overrides }), publish: true }, { token: seller.token });
  if (created.status !== 201) throw new Error(`product creation failed: ${JSON.stringify(created.body)}`);
  const listing = created.body.listings.find((l: { market: string }) => l.market === 'BR');
  if (listing?.status !== 'active') throw new Error(`not live in BR: ${JSON.stringify(created.body.listings)}`);
  return created.body as { id: string; skus: { id: string; seller_sku: string; available: number }[] };
}

/** Pays a payment with a sandbox test card, as the buyer's browser would: tokenise, then confirm. */
export async function payWithCard(api: ApiClient, token: string, payment: { id: string; amount: number; currency: string }, card: string = TEST_CARDS.approved) {
  const tokenised = await api.post('/v1/store/payments/sandbox/card-tokens', { number: card, exp_month: 12, exp_year: 2030, cvc: '123' }, { token });
  expect(tokenised.status, JSON.stringify(tokenised.body)).toBe(201);
  return api.post(`/v1/store/payments/${payment.id}/confirm`, { payment_method: { type: 'card', token: tokenised.body.token }, amount: payment.amount, currency: payment.currency }, { token });
}

/** What a buyer in São Paulo sends to quote or place the cart. */
export const brazilCheckout = (extra: Record<string, unknown> = {}) => ({ market: 'BR', shipping_address: SAO_PAULO, identifiers: { cpf: VALID_CPF }, ...extra });

/** Puts the SKUs in the buyer's cart and places it: one order per seller, awaiting payment. */
export async function placeInBrazil(api: ApiClient, buyer: BuyerActor, items: readonly { skuId: string; quantity: number }[], extra: Record<string, unknown> = {}) {
  for (const item of items) {
    const added = await api.post('/v1/store/cart/items', { sku_id: item.skuId, quantity: item.quantity, market: 'BR' }, { token: buyer.token });
    if (added.status !== 200) throw new Error(`adding to the cart failed: ${JSON.stringify(added.body)}`);
  }
  const placed = await api.post('/v1/store/checkouts', brazilCheckout(extra), { token: buyer.token });
  if (placed.status !== 201) throw new Error(`placing failed: ${JSON.stringify(placed.body)}`);
  return placed.body as { checkout: { id: string; payment_id: string; grand_total: { amount: number; currency: string }; order_ids: string[] }; orders: any[]; quote: any };
}

/**
 * Places and pays, then lets the risk hold pass: the orders wait for their sellers to ship
 * (WAIT_SELLER_SEND_GOODS). Moves the clock 11 minutes.
 */
export async function paidAndWaitingForSeller(app: TestApp, api: ApiClient, buyer: BuyerActor, items: readonly { skuId: string; quantity: number }[]) {
  const placed = await placeInBrazil(api, buyer, items);
  const paid = await payWithCard(api, buyer.token, { id: placed.checkout.payment_id, ...placed.checkout.grand_total });
  if (paid.body.status !== 'succeeded') throw new Error(`payment failed: ${JSON.stringify(paid.body)}`);
  await app.settle();
  app.clock.advance({ minutes: 11 });
  await app.settle();
  return placed;
}

/** Units of a SKU a buyer can still order, as the seller sees them. */
export async function availableOf(api: ApiClient, seller: SellerActor, productId: string, skuIndex = 0): Promise<number> {
  const product = await api.get(`/v1/seller/products/${productId}`, { token: seller.token });
  return product.body.skus[skuIndex].available as number;
}

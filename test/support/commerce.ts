import { unique, type SellerActor } from './actors.ts';
import { ledBulb } from './fixtures.ts';
import type { ApiClient } from './http.ts';

/** A buyer account, signed in. */
export async function buyerAccount(api: ApiClient): Promise<{ token: string; accountId: string }> {
  const response = await api.post('/v1/store/sign-up', { email: `${unique('buyer')}@buyers.example`, password: 'buyer password 123', display_name: 'Ana Souza' });
  if (response.status !== 201) throw new Error(`buyer sign-up failed: ${JSON.stringify(response.body)}`);
  return { token: response.body.token, accountId: response.body.account.id };
}

/** A product of the seller's, published and live in Brazil (LED bulbs need no certificate there). */
export async function listedInBrazil(api: ApiClient, seller: SellerActor, overrides: Record<string, unknown> = {}) {
  const created = await api.post('/v1/seller/products', { ...ledBulb({ markets: ['BR'], ...overrides }), publish: true }, { token: seller.token });
  if (created.status !== 201) throw new Error(`product creation failed: ${JSON.stringify(created.body)}`);
  const listing = created.body.listings.find((l: { market: string }) => l.market === 'BR');
  if (listing?.status !== 'active') throw new Error(`not live in BR: ${JSON.stringify(created.body.listings)}`);
  return created.body as { id: string; skus: { id: string; seller_sku: string }[] };
}


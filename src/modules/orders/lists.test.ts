import { beforeAll, describe, expect, it } from 'vitest';
import { sellerWithOpenStore, type SellerActor } from '../../../test/support/actors.ts';
import { useTestApp } from '../../../test/support/app.ts';
import { buyerAccount, payWithCard, placeInBrazil, type BuyerActor } from '../../../test/support/commerce.ts';
import { expectProblem } from '../../../test/support/expect.ts';
import { ledBulb } from '../../../test/support/fixtures.ts';
import { apiClient } from '../../../test/support/http.ts';

const NEW_YORK = { name: 'Jordan Lee', lines: ['350 Fifth Avenue', 'Suite 2100'], city: 'New York', region: 'NY', state: 'NY', postal_code: '10118', country: 'US', phone: '+1 212 555 0100' };

/**
 * The seller's order list, filtered by status, placing dates and the buyer's country, and the
 * buyer's own list: newest first, page by page with a cursor.
 */
describe('order lists', () => {
  const app = useTestApp({ now: '2026-11-25T10:00:00Z' });
  const api = apiClient(app);
  let seller: SellerActor;
  let brazilian: BuyerActor;
  let american: BuyerActor;
  /** Orders as placed, oldest first: [id, placed at, buyer country]. */
  const placed: { id: string; at: string; country: string; buyer: BuyerActor }[] = [];

  beforeAll(async () => {
    seller = await sellerWithOpenStore(app(), api);
    const created = await api.post('/v1/seller/products', { ...ledBulb({ markets: ['BR', 'US'] }), publish: true }, { token: seller.token });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const skuId = created.body.skus[0].id as string;
    brazilian = await buyerAccount(api);
    american = await buyerAccount(api);
    // Five orders ten minutes apart (inside the 60-minute payment window): three from Brazil, two from the US; the first two paid.
    for (const [index, buyer] of [brazilian, american, brazilian, american, brazilian].entries()) {
      const abroad = buyer === american;
      const order = abroad
        ? await (async () => {
            expect((await api.post('/v1/store/cart/items', { sku_id: skuId, quantity: 1, market: 'US' }, { token: buyer.token })).status).toBe(200);
            const response = await api.post('/v1/store/checkouts', { market: 'US', shipping_address: NEW_YORK }, { token: buyer.token });
            expect(response.status, JSON.stringify(response.body)).toBe(201);
            return response.body;
          })()
        : await placeInBrazil(api, buyer, [{ skuId, quantity: 1 }]);
      if (index < 2) {
        const paid = await payWithCard(api, buyer.token, { id: order.checkout.payment_id, ...order.checkout.grand_total });
        expect(paid.body.status).toBe('succeeded');
      }
      placed.push({ id: order.checkout.order_ids[0], at: app().clock.now().toISOString(), country: abroad ? 'US' : 'BR', buyer });
      app().clock.advance({ minutes: 10 });
      await app().settle();
    }
  });

  const ids = (response: { body: { data: { id: string }[] } }) => response.body.data.map((o) => o.id);
  const newestFirst = (orders: typeof placed) => orders.map((o) => o.id).reverse();
  const sellerList = (query = '') => api.get(`/v1/seller/orders${query}`, { token: seller.token });

  it('lists the seller’s orders newest first, filtered by status and by the buyer’s country', async () => {
    expect(ids(await sellerList())).toEqual(newestFirst(placed));
    expect(ids(await sellerList('?status=WAIT_SELLER_SEND_GOODS'))).toEqual(newestFirst(placed.slice(0, 2)));
    expect(ids(await sellerList('?status=PLACE_ORDER_SUCCESS'))).toEqual(newestFirst(placed.slice(2)));
    expect(ids(await sellerList('?status=FINISH'))).toEqual([]);
    expect(ids(await sellerList('?buyer_country=US'))).toEqual(newestFirst(placed.filter((o) => o.country === 'US')));
    expect(ids(await sellerList('?buyer_country=BR&status=WAIT_SELLER_SEND_GOODS'))).toEqual([placed[0]!.id]);
    expect(ids(await sellerList('?buyer_country=KR'))).toEqual([]);
  });

  it('filters by placing time: from inclusive, to exclusive', async () => {
    const from = encodeURIComponent(placed[1]!.at);
    const to = encodeURIComponent(placed[3]!.at);
    expect(ids(await sellerList(`?placed_from=${from}`))).toEqual(newestFirst(placed.slice(1)));
    expect(ids(await sellerList(`?placed_to=${to}`))).toEqual(newestFirst(placed.slice(0, 3)));
    expect(ids(await sellerList(`?placed_from=${from}&placed_to=${to}`))).toEqual(newestFirst(placed.slice(1, 3)));
    expect(ids(await sellerList(`?placed_from=${to}&placed_to=${from}`))).toEqual([]);
  });

  it('pages with a cursor, also under a filter, without repeating or skipping an order', async () => {
    const walk = async (query: string) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { data: { id: string }[]; next_cursor: string | null } } = await sellerList(`?limit=2${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(page.body.data.length).toBeLessThanOrEqual(2);
        seen.push(...ids(page));
        cursor = page.body.next_cursor;
      } while (cursor);
      return seen;
    };
    expect(await walk('')).toEqual(newestFirst(placed));
    expect(await walk('&buyer_country=BR')).toEqual(newestFirst(placed.filter((o) => o.country === 'BR')));
    expectProblem(await sellerList('?cursor=not-a-cursor'), 400, 'invalid_cursor');
  });

  it('refuses filters it cannot read', async () => {
    expect((await sellerList('?status=SHIPPED')).status).toBe(400);
    expect((await sellerList('?buyer_country=br')).status).toBe(400);
    expect((await sellerList('?placed_from=yesterday')).status).toBe(400);
    expect((await sellerList('?limit=0')).status).toBe(400);
  });

  it('lists a buyer’s own orders only, newest first, page by page', async () => {
    const mine = placed.filter((o) => o.buyer === brazilian);
    expect(ids(await api.get('/v1/store/orders', { token: brazilian.token }))).toEqual(newestFirst(mine));
    const first = await api.get('/v1/store/orders?limit=2', { token: brazilian.token });
    expect(ids(first)).toEqual(newestFirst(mine).slice(0, 2));
    const second = await api.get(`/v1/store/orders?limit=2&cursor=${encodeURIComponent(first.body.next_cursor)}`, { token: brazilian.token });
    expect(ids(second)).toEqual(newestFirst(mine).slice(2));
    expect(second.body.next_cursor).toBeNull();
    expect(ids(await api.get('/v1/store/orders', { token: american.token }))).toEqual(newestFirst(placed.filter((o) => o.buyer === american)));
  });
});

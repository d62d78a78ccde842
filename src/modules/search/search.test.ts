import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOperator, sellerWithOpenStore, type SellerActor } from '../../../test/support/actors.ts';
import { useTestApp } from '../../../test/support/app.ts';
import { expectProblem, listingIn } from '../../../test/support/expect.ts';
import { ledBulb } from '../../../test/support/fixtures.ts';
import { apiClient } from '../../../test/support/http.ts';
import { inTransaction, queryRows } from '../../platform/db/index.ts';

/**
 * Buyer search end to end: sellers list products through the Seller Center, the index follows the
 * catalogue's events, and buyers search each market in its languages with filters and facets.
 */

const app = useTestApp({ now: '2026-11-25T02:00:00Z' });
const api = apiClient(app);

const unique = () => `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

const GPSR = {
  model: 'CV-1',
  manufacturer: { name: 'Chaozhou Ceramics Co., Ltd.', address: '3 Kiln Road, Chaozhou, Guangdong, China', email: 'safety@ceramics.example', country: 'CN' },
  eu_responsible_person: { name: 'Ceramics Europe B.V.', address: 'Keizersgracht 1, 1015 Amsterdam, Netherlands', email: 'eu-rp@ceramics.example', country: 'NL' },
};

interface Options {
  markets: string[];
  /** CNY minor units. */
  price?: number;
  stock?: number;
  category?: string;
  images?: number;
  video?: number;
  descriptions?: Record<string, string>;
}

/** A drinkware product (no certificate needed anywhere) with safety data for the EU. */
function product(titles: Record<string, string>, options: Options) {
  const category = options.category ?? 'home_garden.kitchen.drinkware';
  return {
    ...GPSR,
    category,
    main_language: 'zh',
    titles,
    ...(options.descriptions ? { descriptions: options.descriptions } : {}),
    ...(category.startsWith('home_garden.kitchen') ? { attributes: { material: 'ceramic' } } : {}),
    images: Array.from({ length: options.images ?? 1 }, (_, i) => `https://images.example.com/${unique()}-${i}.jpg`),
    ...(options.video ? { video: { url: 'https://video.example.com/clip.mp4', duration_seconds: options.video } } : {}),
    brand: 'Casa',
    hs_code: '691200',
    markets: options.markets,
    skus: [{ seller_sku: `SKU-${unique()}`, price: { amount: options.price ?? 5000, currency: 'CNY' }, weight_grams: 400, package_mm: { length: 150, width: 120, height: 120 }, ...(options.stock !== undefined ? { stock: options.stock } : { stock: 20 }) }],
    publish: true,
  };
}

interface ProductView {
  id: string;
  skus: { id: string; seller_sku: string }[];
  listings: { market: string; status: string }[];
}

async function publish(seller: SellerActor, body: object): Promise<ProductView> {
  const created = await api.post('/v1/seller/products', body, { token: seller.token });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body;
}

const search = (query: string, headers: Record<string, string> = {}, token?: string) => api.get(`/v1/store/search?${query}`, { headers, ...(token ? { token } : {}) });
const idsOf = (response: { body: { data: { product_id: string }[] } }) => response.body.data.map((hit) => hit.product_id);

let lumen: SellerActor;
let brisa: SellerActor;
let cobre: SellerActor;
const brisaEurope = {
  name: 'Europe free',
  handling_days: 2,
  rules: [
    { destinations: ['ES', 'FR'], services: ['line_cn_es_fr', 'caravan_standard'], free_shipping: { kind: 'always', service: 'line_cn_es_fr' } },
    { destinations: ['*'], services: ['caravan_standard', 'express_integrator'], free_shipping: { kind: 'none' } },
  ],
};
let brisaTemplate: string;

beforeAll(async () => {
  lumen = await sellerWithOpenStore(app(), api);
  brisa = await sellerWithOpenStore(app(), api);
  cobre = await sellerWithOpenStore(app(), api);
  // Brisa ships free to Spain and France on the dedicated line, and hands parcels over in two days.
  const template = await api.post('/v1/seller/freight-templates', brisaEurope, { token: brisa.token });
  expect(template.status, JSON.stringify(template.body)).toBe(201);
  brisaTemplate = template.body.id;
});

describe('words in every catalogue language', () => {
  const markets = ['ES', 'FR', 'BR', 'RU', 'SA', 'KR', 'US', 'GB'];
  let teapot: ProductView;

  beforeAll(async () => {
    teapot = await publish(
      lumen,
      product(
        { zh: '陶瓷茶壶', en: 'Ceramic teapot', es: 'Tetera de cerámica', pt: 'Bule de cerâmica', fr: 'Théière en céramique', ru: 'Керамический заварочный чайник', ar: 'إبريق شاي خزفي', ko: '도자기 찻주전자' },
        { markets, descriptions: { es: 'Tetera de cerámica esmaltada de 800 ml con filtro de acero inoxidable.' } },
      ),
    );
    await publish(lumen, product({ zh: '陶瓷马克杯', en: 'Ceramic mug', es: 'Taza de cerámica', pt: 'Caneca de cerâmica', fr: 'Tasse en céramique', ru: 'Керамическая кружка', ar: 'كوب خزفي', ko: '도자기 머그컵' }, { markets }));
    await app().settle();
  });

  it.each([
    ['ES', 'teteras', 'es', 'Tetera de cerámica'],
    ['BR', 'bules', 'pt', 'Bule de cerâmica'],
    ['FR', 'théières', 'fr', 'Théière en céramique'],
    ['RU', 'чайники', 'ru', 'Керамический заварочный чайник'],
    ['SA', 'إبريق', 'ar', 'إبريق شاي خزفي'],
    ['KR', '찻주전자', 'ko', '도자기 찻주전자'],
    ['US', 'teapots', 'en', 'Ceramic teapot'],
  ])('in %s, “%s” finds the teapot only, titled in the market’s language', async (market, q, language, title) => {
    const response = await search(`market=${market}&q=${encodeURIComponent(q)}`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(idsOf(response)).toEqual([teapot.id]);
    expect(response.body).toMatchObject({ market, language, fuzzy: false, total: 1 });
    expect(response.body.data[0]).toMatchObject({ title, title_language: language });
  });

  it('finds Chinese words inside a longer title, and shows the buyer’s language when asked', async () => {
    const response = await search(`market=ES&q=${encodeURIComponent('茶壶')}&lang=zh`);
    expect(idsOf(response)).toEqual([teapot.id]);
    expect(response.body.data[0]).toMatchObject({ title: '陶瓷茶壶', title_language: 'zh' });
    // A word in another catalogue language than the buyer's still matches, word for word.
    expect(idsOf(await search('market=ES&q=teapot'))).toEqual([teapot.id]);
  });

  it('matches words of the description, and every word asked for', async () => {
    expect(idsOf(await search(`market=ES&q=${encodeURIComponent('filtro inoxidable')}`))).toEqual([teapot.id]);
    const both = await search(`market=ES&q=${encodeURIComponent('tetera taza')}`);
    expect(both.body.fuzzy).toBe(true);
    // Both match "cerámica": the title in the buyer's language counts for both.
    expect(idsOf(await search(`market=ES&q=${encodeURIComponent('cerámica')}`))).toHaveLength(2);
  });

  it('falls back to typo-tolerant matching when no word matches exactly', async () => {
    const response = await search(`market=ES&q=${encodeURIComponent('tettera')}`);
    expect(response.body.fuzzy).toBe(true);
    expect(idsOf(response)).toEqual([teapot.id]);
  });
});

describe('filters and facets', () => {
  let steel: ProductView;
  let glass: ProductView;
  let sports: ProductView;
  let rack: ProductView;

  beforeAll(async () => {
    // ≈ €6.11, from China; every service (no freight template): quickest is express, 6–9 days.
    steel = await publish(lumen, product({ zh: '不锈钢保温瓶', es: 'Botella térmica de acero' }, { markets: ['ES'], price: 5000 }));
    // ≈ €36.65, held only in the Madrid warehouse: delivered locally in 4–6 days.
    glass = await publish(lumen, product({ zh: '玻璃水瓶', es: 'Botella de vidrio' }, { markets: ['ES'], price: 30000, stock: 0 }));
    const stocked = await api.post('/v1/seller/products/batch/stock', { items: [{ product_id: glass.id, skus: [{ seller_sku: glass.skus[0]!.seller_sku, warehouse: 'WH_ES_MAD', quantity: 5 }] }] }, { token: lumen.token });
    expect(stocked.status, JSON.stringify(stocked.body)).toBe(200);
    // ≈ €8.55 and ≈ €3.67, Brisa's: free on the dedicated line, 10–16 days.
    sports = await publish(brisa, product({ zh: '运动水壶', es: 'Botella deportiva' }, { markets: ['ES'], price: 7000 }));
    rack = await publish(brisa, product({ zh: '瓶子收纳盒', es: 'Caja para botellas' }, { markets: ['ES'], price: 3000, category: 'home_garden.storage.storage_boxes' }));
    await app().settle();
  });

  const find = (filters = '') => search(`market=ES&q=botellas${filters}`);
  const eur = (amount: number) => ({ amount, currency: 'EUR' });

  it('describes each listing in the buyer’s currency, with its store and shipping', async () => {
    const response = await find();
    expect(response.body.total).toBe(4);
    const hit = (id: string) => response.body.data.find((h: { product_id: string }) => h.product_id === id);
    expect(hit(steel.id)).toMatchObject({ price_from: eur(611), price_to: eur(611), in_stock: true, ships_from: ['CN'], fulfilment: ['dedicated_line', 'express', 'standard'], free_shipping: false, delivery_days: { min: 6, max: 9 }, store: { score: 100 } });
    expect(hit(glass.id)).toMatchObject({ price_from: eur(3665), in_stock: true, ships_from: ['ES'], fulfilment: ['overseas_warehouse'], free_shipping: false, delivery_days: { min: 4, max: 6 } });
    expect(hit(sports.id)).toMatchObject({ price_from: eur(855), ships_from: ['CN'], fulfilment: ['dedicated_line', 'standard'], free_shipping: true, delivery_days: { min: 10, max: 16 } });
    const inUsd = await find('&currency=USD');
    expect(inUsd.body.data.find((h: { product_id: string }) => h.product_id === steel.id).price_from).toEqual({ amount: 706, currency: 'USD' });
  });

  it('counts every facet value', async () => {
    const { facets } = (await find()).body;
    expect(facets.categories).toEqual([
      { code: 'home_garden', name: 'Hogar y jardín', count: 4 },
      { code: 'home_garden.kitchen', name: 'Cocina y comedor', count: 3 },
      { code: 'home_garden.kitchen.drinkware', name: 'Tazas, vasos y botellas', count: 3 },
      { code: 'home_garden.storage', name: expect.any(String), count: 1 },
      { code: 'home_garden.storage.storage_boxes', name: expect.any(String), count: 1 },
    ]);
    expect(facets.price_bands).toEqual([
      { from: eur(0), to: eur(500), count: 1 },
      { from: eur(500), to: eur(1000), count: 2 },
      { from: eur(2000), to: eur(5000), count: 1 },
    ]);
    expect(facets.ships_from).toEqual([
      { value: 'CN', count: 3 },
      { value: 'ES', count: 1 },
    ]);
    expect(facets.fulfilment).toEqual([
      { value: 'dedicated_line', count: 3 },
      { value: 'standard', count: 3 },
      { value: 'express', count: 1 },
      { value: 'overseas_warehouse', count: 1 },
    ]);
    expect(facets.free_shipping).toEqual({ count: 2 });
  });

  it('filters, counting each facet with every filter but its own', async () => {
    const free = await find('&free_shipping=true');
    expect(new Set(idsOf(free))).toEqual(new Set([sports.id, rack.id]));
    expect(free.body.facets.free_shipping).toEqual({ count: 2 });
    expect(free.body.facets.ships_from).toEqual([{ value: 'CN', count: 2 }]);
    expect(free.body.facets.price_bands).toEqual([
      { from: eur(0), to: eur(500), count: 1 },
      { from: eur(500), to: eur(1000), count: 1 },
    ]);

    const local = await find('&ships_from=ES');
    expect(idsOf(local)).toEqual([glass.id]);
    expect(local.body.facets.ships_from).toEqual([
      { value: 'CN', count: 3 },
      { value: 'ES', count: 1 },
    ]);
    expect(local.body.facets.free_shipping).toEqual({ count: 0 });

    expect(idsOf(await find('&max_delivery_days=7'))).toEqual([glass.id]);
    expect(new Set(idsOf(await find('&max_delivery_days=9')))).toEqual(new Set([steel.id, glass.id]));
    expect(new Set(idsOf(await find('&price_min=500&price_max=999')))).toEqual(new Set([steel.id, sports.id]));
    expect(new Set(idsOf(await find('&fulfilment=overseas_warehouse,express')))).toEqual(new Set([steel.id, glass.id]));
    expect(new Set(idsOf(await find('&ships_from=CN&free_shipping=true&price_max=500')))).toEqual(new Set([rack.id]));
  });

  it('narrows to a category and what is below it, and counts the categories within', async () => {
    const storage = await find('&category=home_garden.storage');
    expect(idsOf(storage)).toEqual([rack.id]);
    expect(storage.body.facets.categories.map((c: { code: string; count: number }) => [c.code, c.count])).toEqual([
      ['home_garden', 1],
      ['home_garden.storage', 1],
      ['home_garden.storage.storage_boxes', 1],
    ]);
    expect(idsOf(await find('&category=home_garden.kitchen.drinkware&free_shipping=true'))).toEqual([sports.id]);
    expect(idsOf(await find('&category=toys'))).toEqual([]);
  });

  it('follows price and stock changes', async () => {
    const repriced = await api.post('/v1/seller/products/batch/prices', { items: [{ product_id: rack.id, skus: [{ seller_sku: rack.skus[0]!.seller_sku, price: { amount: 9000, currency: 'CNY' } }] }] }, { token: brisa.token });
    expect(repriced.status, JSON.stringify(repriced.body)).toBe(200);
    const emptied = await api.post('/v1/seller/products/batch/stock', { items: [{ product_id: steel.id, skus: [{ seller_sku: steel.skus[0]!.seller_sku, quantity: 0 }] }] }, { token: lumen.token });
    expect(emptied.status, JSON.stringify(emptied.body)).toBe(200);
    await app().settle();
    const response = await find();
    const hit = (id: string) => response.body.data.find((h: { product_id: string }) => h.product_id === id);
    expect(hit(rack.id).price_from).toEqual(eur(1100));
    expect(hit(steel.id).in_stock).toBe(false);
    expect(idsOf(response).at(-1)).toBe(steel.id);
  });

  it('follows the FX snapshot in force: prices, filters and bands move with an operator’s new rates', async () => {
    expect(idsOf(await find('&price_min=800'))).not.toContain(steel.id);
    // The yuan strengthens from 7.08 to 5.00 per dollar: the 50-yuan bottle now costs €8.65.
    const admin = await createOperator(app(), api, ['finance']);
    const rates = { EUR: '0.8650', GBP: '0.7450', BRL: '5.5000', SAR: '3.7500', RUB: '81.50', KRW: '1420', CNY: '5.0000', PLN: '3.6700', CZK: '21.10', DKK: '6.4600', HUF: '337.0', RON: '4.4000', SEK: '9.45' };
    const saved = await api.put('/v1/ops/fx/snapshots/2026-11-25', { base: 'USD', rates, source: 'Treasury desk', reason: 'Correcting the yuan rate.' }, { token: admin.token });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    await app().settle();
    const response = await find('&price_min=800');
    expect(idsOf(response)).toContain(steel.id);
    expect(response.body.data.find((h: { product_id: string }) => h.product_id === steel.id).price_from).toEqual(eur(865));
  });
});

describe('ranking', () => {
  it('puts a throttled listing below an equal active one, and out-of-stock listings last', async () => {
    const cup = (options: Partial<Options>) => product({ zh: '搪瓷露营杯', en: 'Enamel camping cup' }, { markets: ['US'], ...options });
    // Out of stock but the best described: still last.
    const empty = await publish(lumen, cup({ stock: 0, images: 6, video: 20 }));
    // A video over 30 seconds throttles the listing; the active one has no video, so their quality is equal.
    const throttled = await publish(lumen, cup({ video: 45 }));
    const active = await publish(lumen, cup({}));
    expect(listingIn(throttled, 'US').status).toBe('throttled');
    expect(listingIn(active, 'US').status).toBe('active');
    await app().settle();
    const response = await search('market=US&q=camping+cup');
    expect(idsOf(response)).toEqual([active.id, throttled.id, empty.id]);
    expect(response.body.data.map((h: { in_stock: boolean }) => h.in_stock)).toEqual([true, true, false]);
  });

  it('puts the higher store score first at equal relevance, following the store score as it moves', async () => {
    const tumbler = () => product({ zh: '竹制随行杯', en: 'Bamboo tumbler' }, { markets: ['US'] });
    const first = await publish(brisa, tumbler());
    const second = await publish(cobre, tumbler());
    await app().settle();
    // Equal in everything: the older listing first.
    expect(idsOf(await search('market=US&q=tumbler'))).toEqual([first.id, second.id]);

    const { db } = app().platform;
    await inTransaction(db, (tx) => app().modules.sellers.service.applyStoreScoreRule(tx, { sellerId: brisa.sellerId, rule: 'late_first_shipment', reference: 'order-late-1' }));
    await app().settle();
    const after = await search('market=US&q=tumbler');
    expect(idsOf(after)).toEqual([second.id, first.id]);
    expect(after.body.data.map((h: { store: { score: number } }) => h.store.score)).toEqual([100, 90]);
  });
});

describe('what is shown where', () => {
  it('never shows a listing delisted in a market, while it shows elsewhere', async () => {
    // Lighting needs a CE certificate in the EU: without one the bulb is not listed in Spain.
    const bulb = await publish(lumen, { ...ledBulb({ markets: ['ES', 'US'] }), publish: true });
    expect(['delisted', 'rejected']).toContain(listingIn(bulb, 'ES').status);
    expect(listingIn(bulb, 'US').status).toBe('active');
    await app().settle();
    expect(idsOf(await search('market=ES&q=bulb&lang=en'))).not.toContain(bulb.id);
    expect(idsOf(await search('market=ES&q=bombilla'))).not.toContain(bulb.id);
    expect(idsOf(await search('market=US&q=bulb'))).toEqual([bulb.id]);

    // An operator delists it in the US too: it leaves that market's results as well.
    const admin = await createOperator(app(), api, ['admin']);
    const override = await api.post(`/v1/ops/listings/${bulb.id}/US/override`, { outcome: 'delist', reason: 'Counterfeit brand reported by the owner.' }, { token: admin.token });
    expect(override.status, JSON.stringify(override.body)).toBe(200);
    await app().settle();
    expect(idsOf(await search('market=US&q=bulb'))).toEqual([]);
  });

  it('drops a product taken offline from every market', async () => {
    const jug = await publish(cobre, product({ zh: '陶瓷水壶', en: 'Ceramic water jug' }, { markets: ['US', 'FR'] }));
    await app().settle();
    expect(idsOf(await search('market=FR&q=jug'))).toEqual([jug.id]);
    const offline = await api.post(`/v1/seller/products/${jug.id}/status`, { status: 'offline' }, { token: cobre.token });
    expect(offline.status).toBe(200);
    await app().settle();
    expect(idsOf(await search('market=FR&q=jug'))).toEqual([]);
    expect(idsOf(await search('market=US&q=jug'))).toEqual([]);
  });
});

describe('pages', () => {
  it('walks every result with cursors, as one search', async () => {
    const all = await search('market=ES&limit=100');
    expect(all.body.total).toBe(all.body.data.length);
    expect(all.body.data.length).toBeGreaterThan(3);
    const walked: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    const before = await queryRows<{ n: number }>(app().platform.db, sql`SELECT count(*)::int AS n FROM search_queries`);
    do {
      const page: Awaited<ReturnType<typeof search>> = await search(`market=ES&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      walked.push(...idsOf(page));
      if (pages > 0) expect(page.body).toMatchObject({ total: null, facets: null });
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor);
    expect(walked).toEqual(idsOf(all));
    expect(pages).toBe(Math.ceil(walked.length / 2));
    // Only the first page is logged.
    const after = await queryRows<{ n: number }>(app().platform.db, sql`SELECT count(*)::int AS n FROM search_queries`);
    expect(after[0]!.n - before[0]!.n).toBe(1);
  });
});

describe('search log and hot words', () => {
  it('logs every search with who ran it, and shows operators the hot words', async () => {
    const anonymous = { 'x-session-id': 'anon-session-0001' };
    const first = await search('market=GB&q=teapot', anonymous);
    expect(idsOf(first)).toHaveLength(1);
    await search('market=GB&q=teapot', anonymous);
    const buyer = await api.post('/v1/store/sign-up', { email: `${unique()}@buyers.example`, password: 'buyer password 123', display_name: 'Buyer' });
    await search('market=GB&q=Teapot%20%20', {}, buyer.body.token);
    await search('market=GB&q=mug', anonymous);
    await search('market=GB&q=unicornio', anonymous);
    await search('market=GB&q=unicornio', anonymous);
    await search('market=GB', anonymous);

    // The same result opened twice counts once.
    const teapotId = idsOf(first)[0]!;
    const click = () => api.post(`/v1/store/search/${first.body.search_id}/clicks`, { product_id: teapotId, position: 1 });
    expect((await click()).status).toBe(204);
    expect((await click()).status).toBe(204);

    const logged = await queryRows<{ query: string; normalized_query: string; results_count: number; fuzzy: boolean; buyer_account_id: string | null; session_id: string | null; filters: unknown }>(
      app().platform.db,
      sql`SELECT query, normalized_query, results_count, fuzzy, buyer_account_id, session_id, filters FROM search_queries WHERE market = 'GB' ORDER BY id`,
    );
    expect(logged).toHaveLength(7);
    expect(logged[0]).toEqual({ query: 'teapot', normalized_query: 'teapot', results_count: 1, fuzzy: false, buyer_account_id: null, session_id: 'anon-session-0001', filters: { currency: 'GBP' } });
    expect(logged[2]).toMatchObject({ query: 'Teapot', normalized_query: 'teapot', buyer_account_id: buyer.body.account.id, session_id: null });
    expect(logged[4]).toMatchObject({ normalized_query: 'unicornio', results_count: 0, fuzzy: true });

    const admin = await createOperator(app(), api, ['admin']);
    const hot = await api.get('/v1/ops/search/hot-words?market=GB', { token: admin.token });
    expect(hot.status, JSON.stringify(hot.body)).toBe(200);
    expect(hot.body).toEqual({
      market: 'GB',
      from: '2026-11-19',
      to: '2026-11-25',
      searches: 6,
      zero_result_searches: 2,
      click_through_rate: 0.1667,
      top: [
        { query: 'teapot', searches: 3, zero_result_searches: 0, clicks: 1, click_through_rate: 0.3333 },
        { query: 'unicornio', searches: 2, zero_result_searches: 2, clicks: 0, click_through_rate: 0 },
        { query: 'mug', searches: 1, zero_result_searches: 0, clicks: 0, click_through_rate: 0 },
      ],
      zero_results: [{ query: 'unicornio', searches: 2 }],
    });
    const earlier = await api.get('/v1/ops/search/hot-words?market=GB&from=2026-11-01&to=2026-11-24', { token: admin.token });
    expect(earlier.body).toMatchObject({ searches: 0, top: [], zero_results: [] });
  });

  it('keeps hot words for operators who may read them', async () => {
    expectProblem(await api.get('/v1/ops/search/hot-words'), 401, 'unauthenticated');
    expectProblem(await api.get('/v1/ops/search/hot-words', { token: lumen.token }), 403, 'operator_account_required');
    const reviewer = await createOperator(app(), api, ['reviewer']);
    expectProblem(await api.get('/v1/ops/search/hot-words', { token: reviewer.token }), 403, 'permission_denied');
  });

  it('records clicks only on searches and listings that exist', async () => {
    const response = await search('market=GB&q=teapot');
    expectProblem(await api.post('/v1/store/search/srch_01JD3Z8Q4X5N6M7P8R9S0T1V2W/clicks', { product_id: idsOf(response)[0], position: 1 }), 404, 'not_found');
    expectProblem(await api.post(`/v1/store/search/${response.body.search_id}/clicks`, { product_id: 'prd_01JD3Z8Q4X5N6M7P8R9S0T1V2W', position: 1 }), 404, 'not_found');
  });
});

describe('bad input', () => {
  it.each([
    ['market=ZZ', 422, 'validation_failed', '/market'],
    ['market=ES&price_min=2000&price_max=1000', 422, 'validation_failed', '/price_min'],
    ['market=ES&currency=XYZ', 422, 'validation_failed', '/currency'],
    ['market=ES&currency=CHF', 422, 'validation_failed', '/currency'],
    ['market=ES&price_min=-1', 400, 'invalid_request', '/price_min'],
    ['market=ES&cursor=bm90LWEtY3Vyc29y', 400, 'invalid_cursor', '/cursor'],
    ['q=teapot', 400, 'invalid_request', '/market'],
    ['market=ES&fulfilment=teleport', 400, 'invalid_request', '/fulfilment'],
  ])('refuses %s with %i', async (query, status, code, path) => {
    const before = await queryRows<{ n: number }>(app().platform.db, sql`SELECT count(*)::int AS n FROM search_queries`);
    const response = await search(query);
    expectProblem(response, status, code);
    expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    const after = await queryRows<{ n: number }>(app().platform.db, sql`SELECT count(*)::int AS n FROM search_queries`);
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it('refuses hot words over a backwards range', async () => {
    const admin = await createOperator(app(), api, ['admin']);
    expectProblem(await api.get('/v1/ops/search/hot-words?from=2026-11-25&to=2026-11-01', { token: admin.token }), 422, 'validation_failed');
  });
});

describe('shipping follows freight templates and logistics data', () => {
  interface Shipping {
    price: { amount: number; currency: string };
    free_shipping: boolean;
    delivery_days: { min: number; max: number } | null;
    fulfilment: string[];
    ships_from: string[];
  }
  /** Every listing shown in a market, with its price and the shipping search shows for it. */
  const shippingIn = async (market: string): Promise<Map<string, Shipping>> => {
    const response = await search(`market=${market}&limit=100`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    type Hit = Omit<Shipping, 'price'> & { product_id: string; price_from: Shipping['price'] };
    return new Map(response.body.data.map((hit: Hit) => [hit.product_id, { price: hit.price_from, free_shipping: hit.free_shipping, delivery_days: hit.delivery_days, fulfilment: hit.fulfilment, ships_from: hit.ships_from }]));
  };
  const productsOf = async (sellerId: string): Promise<Set<string>> =>
    new Set((await queryRows<{ product_id: string }>(app().platform.db, sql`SELECT DISTINCT product_id FROM search_documents WHERE seller_id = ${sellerId}`)).map((row) => row.product_id));
  const later = (days: { min: number; max: number } | null, by: number) => (days ? { min: days.min + by, max: days.max + by } : null);
  const othersUnchanged = (before: Map<string, Shipping>, after: Map<string, Shipping>, changed: Set<string>) => {
    for (const [id, shipping] of before) if (!changed.has(id)) expect(after.get(id), id).toEqual(shipping);
  };

  const THRESHOLD = 1400;

  it('follows a seller’s new free-shipping threshold and handling time in every market; other sellers’ listings stay as they were', async () => {
    const [spainBefore, usBefore] = [await shippingIn('ES'), await shippingIn('US')];
    const brisas = await productsOf(brisa.sellerId);
    // Brisa ships free to Spain on the line: her bottle (¥70, ≈ €12.11 at the yuan's new rate) and her box (¥90, ≈ €15.57). Her tumbler is listed in the US.
    const inSpain = [...spainBefore].filter(([id]) => brisas.has(id));
    expect(inSpain.map(([, hit]) => [hit.price.amount >= THRESHOLD, hit.free_shipping]).sort()).toEqual([
      [false, true],
      [true, true],
    ]);
    const inUs = [...usBefore].filter(([id]) => brisas.has(id));
    expect(inUs).toHaveLength(1);

    // Free only from €14.00 of goods, and five days to hand a parcel over instead of two.
    const [toSpainAndFrance, elsewhere] = brisaEurope.rules;
    const europe = { ...brisaEurope, handling_days: 5, rules: [{ ...toSpainAndFrance, free_shipping: { kind: 'over', threshold: { amount: THRESHOLD, currency: 'EUR' }, service: 'line_cn_es_fr' } }, elsewhere] };
    const replaced = await api.put(`/v1/seller/freight-templates/${brisaTemplate}`, europe, { token: brisa.token });
    expect(replaced.status, JSON.stringify(replaced.body)).toBe(200);
    await app().settle();

    const [spain, us] = [await shippingIn('ES'), await shippingIn('US')];
    for (const [id, before] of inSpain) {
      expect(spain.get(id)).toMatchObject({ free_shipping: before.price.amount >= THRESHOLD, delivery_days: later(before.delivery_days, 3) });
    }
    for (const [id, before] of inUs) expect(us.get(id)!.delivery_days).toEqual(later(before.delivery_days, 3));
    othersUnchanged(spainBefore, spain, brisas);
    othersUnchanged(usBefore, us, brisas);
  });

  it('follows the seller’s default template when another one becomes it, and when it is deleted', async () => {
    const brisas = await productsOf(brisa.sellerId);
    const spainBefore = await shippingIn('ES');
    const inSpain = [...spainBefore].filter(([id]) => brisas.has(id)).map(([id]) => id);

    // A second template made the default: standard shipping only, free everywhere, one day's handling.
    const everywhere = { name: 'Standard free', is_default: true, handling_days: 1, rules: [{ destinations: ['*'], services: ['caravan_standard'], free_shipping: { kind: 'always', service: 'caravan_standard' } }] };
    const created = await api.post('/v1/seller/freight-templates', everywhere, { token: brisa.token });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await app().settle();
    const underNew = await shippingIn('ES');
    for (const id of inSpain) expect(underNew.get(id)).toMatchObject({ free_shipping: true, fulfilment: ['standard'], ships_from: ['CN'] });

    // Deleted, it leaves Brisa with no default: every service at its price, after the new-seller 3 days.
    expect((await api.delete(`/v1/seller/freight-templates/${created.body.id}`, { token: brisa.token })).status).toBe(204);
    await app().settle();
    const withoutDefault = await shippingIn('ES');
    const lumens = await productsOf(lumen.sellerId);
    // Lumen has no template either: a product of hers shipped the same way from China shows what Brisa's now do.
    const [, steel] = [...spainBefore].find(([id, hit]) => lumens.has(id) && hit.ships_from.join() === 'CN')!;
    for (const id of inSpain) expect(withoutDefault.get(id)).toMatchObject({ free_shipping: false, fulfilment: steel.fulfilment, delivery_days: steel.delivery_days });

    // Made the default again, her first template is what buyers are offered once more.
    const restored = await api.put(`/v1/seller/freight-templates/${brisaTemplate}`, { ...brisaEurope, is_default: true }, { token: brisa.token });
    expect(restored.status, JSON.stringify(restored.body)).toBe(200);
    await app().settle();
    const [spain] = [await shippingIn('ES')];
    for (const id of inSpain) expect(spain.get(id)).toMatchObject({ free_shipping: true, delivery_days: { min: 10, max: 16 } });
  });

  it('follows an operator’s rate sheets: a service withdrawn from a market leaves every listing’s shipping there once the job has run', async () => {
    const spainBefore = await shippingIn('ES');
    const franceBefore = await shippingIn('FR');
    const withExpress = [...spainBefore].filter(([, hit]) => hit.fulfilment.includes('express')).map(([id]) => id);
    expect(withExpress.length).toBeGreaterThan(0);

    // Express to Spain is suspended from today: its sheet is closed yesterday, and no new one follows.
    const finance = await createOperator(app(), api, ['finance']);
    const current = await api.get('/v1/ops/logistics/data/rate-sheets', { token: finance.token });
    const definition = structuredClone(current.body.definition) as { sheets: { id: string; valid_to: string | null }[] };
    definition.sheets.find((sheet) => sheet.id === 'express_integrator:ES:2026-01-01')!.valid_to = '2026-11-24';
    const saved = await api.put('/v1/ops/logistics/data/rate-sheets', { definition, reason: 'Express suspended to Spain by the carrier' }, { token: finance.token });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    await app().settle();

    const spain = await shippingIn('ES');
    for (const id of withExpress) {
      const after = spain.get(id)!;
      expect(after.fulfilment).toEqual(spainBefore.get(id)!.fulfilment.filter((path) => path !== 'express'));
      // Express was the quickest: what is left arrives later.
      expect(after.delivery_days!.max).toBeGreaterThan(spainBefore.get(id)!.delivery_days!.max);
    }
    othersUnchanged(spainBefore, spain, new Set(withExpress));
    // France still has express.
    expect(await shippingIn('FR')).toEqual(franceBefore);
  });

  it('walks one seller’s indexed products a page at a time, or everyone’s, and nobody else’s', async () => {
    const { db } = app().platform;
    const { index } = app().modules.search;
    const truth = async () => new Map((await queryRows<{ key: string; free: boolean }>(db, sql`SELECT market || ':' || product_id AS key, free_shipping AS free FROM search_documents`)).map((r) => [r.key, r.free]));
    const correct = await truth();
    // Every row's free-shipping flag wrong: only a walk that reaches a row puts it right.
    await queryRows(db, sql`UPDATE search_documents SET free_shipping = NOT free_shipping`);
    const walk = async (sellerId?: string) => {
      let pages = 0;
      let afterId: string | undefined;
      do {
        const next = await inTransaction(db, (tx) => index.refreshIndexedPage(tx, { ...(sellerId ? { sellerId } : {}), ...(afterId ? { afterId } : {}) }, 2));
        afterId = next ?? undefined;
        pages++;
      } while (afterId);
      return pages;
    };

    const brisas = await productsOf(brisa.sellerId);
    expect(brisas.size).toBeGreaterThan(2);
    expect(await walk(brisa.sellerId)).toBe(Math.floor(brisas.size / 2) + 1);
    const afterSeller = await truth();
    const sellerOf = new Map((await queryRows<{ key: string; seller_id: string }>(db, sql`SELECT market || ':' || product_id AS key, seller_id FROM search_documents`)).map((r) => [r.key, r.seller_id]));
    for (const [key, free] of correct) expect(afterSeller.get(key), key).toBe(sellerOf.get(key) === brisa.sellerId ? free : !free);

    await walk();
    expect(await truth()).toEqual(correct);
  });
});

describe('rebuilding', () => {
  it('rebuilds from scratch exactly what the events built, and repairs what they missed', async () => {
    const { db } = app().platform;
    const state = () => queryRows<Record<string, unknown>>(db, sql`SELECT (to_jsonb(d) - 'indexed_at') AS row FROM search_documents d ORDER BY market, product_id`);
    const incremental = await state();
    expect(incremental.length).toBeGreaterThan(20);

    // A lost event and a stray row: the rebuild puts both right.
    await queryRows(db, sql`DELETE FROM search_documents WHERE ctid IN (SELECT ctid FROM search_documents ORDER BY product_id LIMIT 1)`);
    await queryRows(db, sql`UPDATE search_documents SET store_name = 'Stale', in_stock = NOT in_stock WHERE ctid IN (SELECT ctid FROM search_documents ORDER BY product_id DESC LIMIT 1)`);
    const counts = await app().modules.search.index.rebuild();
    expect(counts.documents).toBe(incremental.length);
    expect(await state()).toEqual(incremental);
  });
});

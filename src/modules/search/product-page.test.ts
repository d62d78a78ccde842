import { beforeAll, describe, expect, it } from 'vitest';
import { sellerWithOpenStore, type SellerActor } from '../../../test/support/actors.ts';
import { useTestApp } from '../../../test/support/app.ts';
import { expectProblem, listingIn } from '../../../test/support/expect.ts';
import { ledBulb } from '../../../test/support/fixtures.ts';
import { apiClient } from '../../../test/support/http.ts';

/** The product page a buyer opens from search: content, SKU matrix, shipping and landed cost. */

const app = useTestApp({ now: '2026-11-25T02:00:00Z' });
const api = apiClient(app);
const unique = () => `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

const teapot = () => ({
  category: 'home_garden.kitchen.drinkware',
  main_language: 'zh',
  titles: { zh: '陶瓷茶壶', en: 'Ceramic teapot', es: 'Tetera de cerámica' },
  descriptions: { en: 'Glazed ceramic teapot, 800 ml.', es: 'Tetera de cerámica esmaltada, 800 ml.' },
  warnings: { en: 'Hot liquids can scald.', es: 'Los líquidos calientes pueden quemar.' },
  attributes: { material: 'ceramic' },
  images: ['https://images.example.com/teapot-1.jpg', 'https://images.example.com/teapot-2.jpg'],
  brand: 'Casa',
  model: 'TP-800',
  manufacturer: { name: 'Chaozhou Ceramics Co., Ltd.', address: '3 Kiln Road, Chaozhou, China', email: 'safety@ceramics.example', country: 'CN' },
  eu_responsible_person: { name: 'Ceramics Europe B.V.', address: 'Keizersgracht 1, Amsterdam, Netherlands', email: 'eu-rp@ceramics.example', country: 'NL' },
  hs_code: '691200',
  markets: ['ES', 'US', 'KR'],
  skus: [
    // Plenty in stock, and a price of its own for Spain.
    { seller_sku: `TP-WHITE-${unique()}`, variant: { capacity_ml: 800 }, price: { amount: 9000, currency: 'CNY' }, country_prices: { ES: { amount: 1999, currency: 'EUR' } }, weight_grams: 900, package_mm: { length: 220, width: 180, height: 160 }, stock: 120 },
    // Three left.
    { seller_sku: `TP-BLUE-${unique()}`, variant: { capacity_ml: 600 }, price: { amount: 8000, currency: 'CNY' }, weight_grams: 700, package_mm: { length: 200, width: 160, height: 150 }, stock: 3 },
    // Sold out, and never weighed.
    { seller_sku: `TP-GOLD-${unique()}`, variant: { capacity_ml: 1000 }, price: { amount: 15000, currency: 'CNY' }, stock: 0 },
  ],
});

let seller: SellerActor;
let product: { id: string; skus: { id: string; seller_sku: string }[] };

beforeAll(async () => {
  seller = await sellerWithOpenStore(app(), api);
  const created = await api.post('/v1/seller/products', { ...teapot(), publish: true }, { token: seller.token });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  product = created.body;
});

const page = (query: string, id = product.id) => api.get(`/v1/store/products/${id}?${query}`);

describe('content and SKUs', () => {
  it('shows the product in the buyer’s language and currency, with each SKU’s stock state and never a large count', async () => {
    const response = await page('market=ES');
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const body = response.body;
    expect(body).toMatchObject({
      product_id: product.id,
      market: 'ES',
      language: 'es',
      currency: 'EUR',
      title: 'Tetera de cerámica',
      title_language: 'es',
      description: { text: 'Tetera de cerámica esmaltada, 800 ml.', language: 'es' },
      warnings: { text: 'Los líquidos calientes pueden quemar.', language: 'es' },
      brand: 'Casa',
      model: 'TP-800',
      attributes: [{ code: 'material', value: 'ceramic' }],
      category: [
        { code: 'home_garden', name: 'Hogar y jardín' },
        { code: 'home_garden.kitchen', name: 'Cocina y comedor' },
        { code: 'home_garden.kitchen.drinkware', name: 'Tazas, vasos y botellas' },
      ],
      store: { score: 100 },
    });
    const [white, blue, gold] = product.skus;
    // The Spanish price is the seller's own; the others are converted from yuan at the day's rate.
    expect(body.skus).toEqual([
      { sku_id: white!.id, seller_sku: white!.seller_sku, variant: { capacity_ml: 800 }, price: { amount: 1999, currency: 'EUR' }, stock: { state: 'in_stock', available: null } },
      { sku_id: blue!.id, seller_sku: blue!.seller_sku, variant: { capacity_ml: 600 }, price: { amount: 977, currency: 'EUR' }, stock: { state: 'low', available: 3 } },
      { sku_id: gold!.id, seller_sku: gold!.seller_sku, variant: { capacity_ml: 1000 }, price: { amount: 1833, currency: 'EUR' }, stock: { state: 'out_of_stock', available: null } },
    ]);
    expect(body.price_from).toEqual({ amount: 977, currency: 'EUR' });
    expect(body.price_to).toEqual({ amount: 1999, currency: 'EUR' });
  });

  it('falls back to English where the seller wrote nothing in the buyer’s language, and converts to any currency asked for', async () => {
    const response = await page('market=KR&currency=USD');
    expect(response.body).toMatchObject({ language: 'ko', currency: 'USD', title: 'Ceramic teapot', title_language: 'en', description: { language: 'en' } });
    expect(response.body.skus[1].price).toEqual({ amount: 1130, currency: 'USD' });
    expect((await page('market=US&lang=zh')).body).toMatchObject({ title: '陶瓷茶壶', title_language: 'zh' });
  });
});

describe('shipping and taxes', () => {
  it('offers the seller’s shipping for the cheapest SKU in stock, cheapest first, with handling time in the windows', async () => {
    const body = (await page('market=ES&postal_code=28013')).body;
    expect(body.estimate_for).toBe(product.skus[1]!.id);
    expect(body.shipping.destination).toEqual({ country: 'ES', postal_code: '28013' });
    expect(body.shipping.ships).toBe(true);
    const options = body.shipping.options as { service_code: string; price: { amount: number; currency: string }; delivery_days: { min: number; max: number }; ships_from: string; fulfilment: string }[];
    expect(options.map((o) => o.service_code)).toEqual(expect.arrayContaining(['caravan_standard', 'line_cn_es_fr', 'express_integrator']));
    expect(options.every((o) => o.price.currency === 'EUR' && o.ships_from === 'CN')).toBe(true);
    expect(options.map((o) => o.price.amount)).toEqual([...options.map((o) => o.price.amount)].sort((a, b) => a - b));
    // A seller without a freight template hands parcels over within the new-seller 3 days.
    expect(options.find((o) => o.service_code === 'express_integrator')!.delivery_days).toEqual({ min: 6, max: 9 });
    expect(options.find((o) => o.service_code === 'caravan_standard')!.delivery_days).toEqual({ min: 11, max: 18 });
  });

  it('estimates the duties and taxes of one unit with the cheapest option, and the landed total', async () => {
    const body = (await page('market=ES&postal_code=28013')).body;
    expect(body.taxes_unavailable).toBeNull();
    const { taxes } = body;
    expect(taxes.regime).toBeTruthy();
    // Spanish VAT on a low-value parcel from China, at 21 %.
    expect(taxes.lines.some((line: { kind: string; rate: string | null }) => line.kind === 'vat' && line.rate === '0.21')).toBe(true);
    const sum = (lines: { amount: { amount: number } }[]) => lines.reduce((total, line) => total + line.amount.amount, 0);
    expect(taxes.at_checkout.amount + taxes.on_delivery.amount).toBe(sum(taxes.lines));
    const cheapest = body.shipping.options[0];
    expect(taxes.landed_total).toEqual({ amount: 977 + (cheapest.free ? 0 : cheapest.price.amount) + sum(taxes.lines), currency: 'EUR' });
  });

  it('estimates for the SKU the buyer picks, and says why it cannot when the SKU was never weighed', async () => {
    const white = (await page(`market=ES&sku_id=${product.skus[0]!.id}`)).body;
    expect(white.estimate_for).toBe(product.skus[0]!.id);
    expect(white.shipping.destination).toEqual({ country: 'ES', postal_code: null });
    expect(white.shipping.options.length).toBeGreaterThan(0);

    const gold = (await page(`market=ES&sku_id=${product.skus[2]!.id}`)).body;
    expect(gold.shipping).toMatchObject({ ships: false, options: [], reason: expect.stringContaining('weight') });
    expect(gold.taxes).toBeNull();
    expect(gold.taxes_unavailable).toEqual(expect.any(String));
  });

  it('ships free and from the local warehouse when the seller says so', async () => {
    const template = await api.post(
      '/v1/seller/freight-templates',
      { name: `Spain ${unique()}`, handling_days: 1, rules: [{ destinations: ['ES'], services: ['wh_es_local', 'line_cn_es_fr'], free_shipping: { kind: 'always', service: 'wh_es_local' } }] },
      { token: seller.token },
    );
    expect(template.status, JSON.stringify(template.body)).toBe(201);
    const moved = await api.post('/v1/seller/products/batch/stock', { items: [{ product_id: product.id, skus: [{ seller_sku: product.skus[1]!.seller_sku, warehouse: 'WH_ES_MAD', quantity: 2 }] }] }, { token: seller.token });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    const body = (await page('market=ES&postal_code=28013')).body;
    expect(body.skus[1].stock).toEqual({ state: 'low', available: 5 });
    expect(body.shipping.options[0]).toMatchObject({ service_code: 'wh_es_local', fulfilment: 'overseas_warehouse', ships_from: 'ES', free: true, price: { amount: 0, currency: 'EUR' }, delivery_days: { min: 2, max: 4 } });
    expect(body.shipping.options.map((o: { service_code: string }) => o.service_code)).toEqual(['wh_es_local', 'line_cn_es_fr']);
  });
});

describe('what buyers may open', () => {
  it('answers 404 where the listing is not shown, and shows it where it is', async () => {
    // Lighting needs CE in the EU: without it the bulb is not listed in Spain, but it is in the US.
    const bulb = await api.post('/v1/seller/products', { ...ledBulb({ markets: ['ES', 'US'] }), publish: true }, { token: seller.token });
    expect(listingIn(bulb.body, 'US').status).toBe('active');
    expect(listingIn(bulb.body, 'ES').status).not.toBe('active');
    expectProblem(await page('market=ES', bulb.body.id), 404, 'not_found');
    expect((await page('market=US', bulb.body.id)).status).toBe(200);
    // Not offered in France at all.
    expectProblem(await page('market=FR', bulb.body.id), 404, 'not_found');
    expectProblem(await page('market=US', 'prd_01JD3Z8Q4X5N6M7P8R9S0T1V2W'), 404, 'not_found');

    const offline = await api.post(`/v1/seller/products/${bulb.body.id}/status`, { status: 'offline' }, { token: seller.token });
    expect(offline.status).toBe(200);
    expectProblem(await page('market=US', bulb.body.id), 404, 'not_found');
  });

  it.each([
    ['market=ZZ', 422, 'validation_failed'],
    ['market=ES&currency=XYZ', 422, 'validation_failed'],
    ['market=ES&sku_id=sku_01JD3Z8Q4X5N6M7P8R9S0T1V2W', 422, 'validation_failed'],
    ['market=ES&postal_code=%2A%2A', 400, 'invalid_request'],
    ['lang=es', 400, 'invalid_request'],
  ])('refuses %s', async (query, status, code) => {
    expectProblem(await page(query), status, code);
  });
});

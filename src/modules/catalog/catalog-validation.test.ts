import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../../test/support/app.ts';
import { sellerWithOpenStore, type SellerActor } from '../../../test/support/actors.ts';
import { ledBulb } from '../../../test/support/fixtures.ts';
import { apiClient, type ApiResponse } from '../../../test/support/http.ts';
import { expectProblem } from '../../../test/support/expect.ts';

/**
 * What a product must say before it is stored, through HTTP: the category's rules, the SKUs'
 * rules, every problem at once with its path, and nothing written when the answer is no.
 */

/** The fixture's two SKUs, with fresh codes. */
function twoSkus() {
  const skus = ledBulb().skus;
  return [skus[0]!, skus[1]!] as const;
}

/** The field errors as [path, code], in the order the API gives them. */
const problems = (response: ApiResponse) => (response.body.errors as { path: string; code: string }[]).map((e) => [e.path, e.code]);

describe('product validation', () => {
  const app = useTestApp({ now: '2026-03-02T02:00:00Z' });
  const api = apiClient(app);
  let seller: SellerActor;

  beforeAll(async () => {
    seller = await sellerWithOpenStore(app(), api);
  });

  const create = (body: object, owner: SellerActor = seller) => api.post('/v1/seller/products', body, { token: owner.token });

  /** Whether anything of a refused product reached the database: products, SKU codes, audit. */
  async function nothingWritten(owner: SellerActor, sellerSku: string) {
    const bySku = await api.get(`/v1/seller/products?seller_sku=${encodeURIComponent(sellerSku)}`, { token: owner.token });
    expect(bySku.body.data).toEqual([]);
    const audit = await app().platform.audit.list(app().platform.db, { sellerId: owner.sellerId, limit: 100 });
    return audit.filter((r) => r.action.startsWith('product.') || r.action.startsWith('listing.'));
  }

  it('refuses an unknown category and one that is not a leaf', async () => {
    const unknown = await create(ledBulb({ category: 'lighting.bulbs.plasma_globes' }));
    expectProblem(unknown, 422, 'validation_failed');
    expect(unknown.body.errors).toEqual([{ in: 'body', path: '/category', code: 'unknown_category', message: expect.any(String) }]);

    const parent = await create(ledBulb({ category: 'lighting.bulbs' }));
    expectProblem(parent, 422, 'validation_failed');
    expect(parent.body.errors).toEqual([{ in: 'body', path: '/category', code: 'not_a_leaf_category', message: expect.stringContaining('leaf') }]);
  });

  it('requires a title in the main language, and blanks do not count', async () => {
    const { zh: _zh, ...withoutChinese } = ledBulb().titles;
    const missing = await create(ledBulb({ titles: withoutChinese }));
    expectProblem(missing, 422, 'validation_failed');
    expect(problems(missing)).toEqual([['/titles/zh', 'required']]);

    const blank = await create(ledBulb({ main_language: 'fr', titles: { ...ledBulb().titles, fr: '   ' } }));
    expectProblem(blank, 422, 'validation_failed');
    expect(problems(blank)).toEqual([['/titles/fr', 'required']]);

    // Another language may be the main one, as long as it has the title.
    expect((await create(ledBulb({ main_language: 'en', titles: { en: 'LED bulb 9 W E27' } }))).status).toBe(201);
  });

  it('checks product attributes against the category: unknown, per-SKU and out-of-range values', async () => {
    const response = await create(ledBulb({ attributes: { wattage_w: 6000, dimmable: 'yes', light_colour: 'warm_white', colour_temperature_k: 2700 } }));
    expectProblem(response, 422, 'validation_failed');
    expect(problems(response)).toEqual([
      ['/attributes/wattage_w', 'invalid_attribute_value'],
      ['/attributes/dimmable', 'invalid_attribute_value'],
      ['/attributes/light_colour', 'variant_attribute'],
      ['/attributes/colour_temperature_k', 'unknown_attribute'],
    ]);
    expect(response.body.errors[0].message).toBe('must be at most 5000');
    expect(response.body.errors[2].message).toContain('variant');
  });

  it('checks SKU variants: enum values, required variant attributes, unknown ones and duplicates', async () => {
    const [warm, cool] = twoSkus();
    const response = await create(
      ledBulb({
        skus: [
          { ...warm, variant: { light_colour: 'purple', lamp_base: 'e27' } },
          { ...cool, variant: { light_colour: 'cool_white', voltage: '230v' } },
        ],
      }),
    );
    expectProblem(response, 422, 'validation_failed');
    expect(problems(response)).toEqual([
      ['/skus/0/variant/light_colour', 'invalid_attribute_value'],
      ['/skus/1/variant/lamp_base', 'required'],
      ['/skus/1/variant/voltage', 'unknown_attribute'],
    ]);
    expect(response.body.errors[0].message).toBe('must be one of warm_white, neutral_white, cool_white, tunable_white, rgb');

    const twins = await create(ledBulb({ skus: [warm, { ...cool, variant: { lamp_base: 'e27', light_colour: 'warm_white' } }] }));
    expectProblem(twins, 422, 'validation_failed');
    // Key order does not make two variants different.
    expect(problems(twins)).toEqual([['/skus/1/variant', 'duplicate_variant']]);
  });

  it('keeps seller SKU codes unique within the product and across the seller’s products', async () => {
    const [warm, cool] = twoSkus();
    const twice = await create(ledBulb({ skus: [warm, { ...cool, seller_sku: warm.seller_sku }] }));
    expectProblem(twice, 422, 'validation_failed');
    expect(problems(twice)).toEqual([['/skus/1/seller_sku', 'duplicate_seller_sku']]);

    const first = await create(ledBulb());
    expect(first.status).toBe(201);
    const code = first.body.skus[1].seller_sku;
    const taken = await create(ledBulb({ skus: [ledBulb().skus[0], { ...ledBulb().skus[1], seller_sku: code }] }));
    expectProblem(taken, 422, 'validation_failed');
    expect(taken.body.errors).toEqual([{ in: 'body', path: '/skus/1/seller_sku', code: 'seller_sku_taken', message: expect.any(String) }]);

    // Another product taking the code through an edit is refused the same way.
    const second = await create(ledBulb());
    const patched = await api.patch(`/v1/seller/products/${second.body.id}`, { patch: { skus: [{ ...ledBulb().skus[0], seller_sku: code }] } }, { token: seller.token });
    expectProblem(patched, 422, 'validation_failed');
    expect(problems(patched)).toEqual([['/skus/0/seller_sku', 'seller_sku_taken']]);

    // Another seller may use the same code.
    const other = await sellerWithOpenStore(app(), api);
    expect((await create(ledBulb({ skus: [{ ...ledBulb().skus[0], seller_sku: code }] }), other)).status).toBe(201);
  });

  it('answers simultaneous products with the same SKU code with one product and seller_sku_taken for the others', async () => {
    const owner = await sellerWithOpenStore(app(), api);
    const skus = ledBulb().skus;
    // Several at once, so the saves overlap on a database that runs transactions side by side.
    const answers = await Promise.all(Array.from({ length: 4 }, () => create(ledBulb({ skus }), owner)));
    expect(answers.map((a) => a.status).sort(), JSON.stringify(answers.map((a) => a.body.code))).toEqual([201, 422, 422, 422]);
    for (const refused of answers.filter((a) => a.status === 422)) {
      expect(refused.body.code).toBe('validation_failed');
      expect(problems(refused).sort()).toEqual([
        ['/skus/0/seller_sku', 'seller_sku_taken'],
        ['/skus/1/seller_sku', 'seller_sku_taken'],
      ]);
    }
    expect((await api.get('/v1/seller/products', { token: owner.token })).body.data).toHaveLength(1);
  });

  it('checks barcodes by their GS1 check digit', async () => {
    const [warm, cool] = twoSkus();
    const wrong = await create(ledBulb({ skus: [{ ...warm, barcode: '6901234567891' }, cool] }));
    expectProblem(wrong, 422, 'validation_failed');
    expect(wrong.body.errors).toEqual([{ in: 'body', path: '/skus/0/barcode', code: 'invalid_barcode', message: expect.stringContaining('check digit') }]);

    // GTIN-13, GTIN-8 and UPC-A (GTIN-12) with correct check digits.
    const right = await create(ledBulb({ skus: [{ ...warm, barcode: '96385074' }, { ...cool, barcode: '036000291452' }] }));
    expect(right.status).toBe(201);
    expect(right.body.skus.map((s: { barcode: string }) => s.barcode)).toEqual(['96385074', '036000291452']);

    const shape = await create(ledBulb({ skus: [{ ...warm, barcode: '69012345678X' }] }));
    expectProblem(shape, 400, 'invalid_request');
    // A nullable field reports each branch of its union; all of them point at the barcode.
    expect(problems(shape)).toContainEqual(['/skus/0/barcode', 'invalid_pattern']);
    expect(new Set(problems(shape).map(([path]) => path))).toEqual(new Set(['/skus/0/barcode']));
  });

  it('refuses unknown and repeated markets, unknown currencies and SKUs priced in different currencies', async () => {
    const [warm, cool] = twoSkus();
    const response = await create(
      ledBulb({
        markets: ['ES', 'ZZ', 'ES'],
        skus: [
          { ...warm, country_prices: { ZZ: { amount: 100, currency: 'USD' }, FR: { amount: 100, currency: 'ABC' } } },
          { ...cool, price: { amount: 180, currency: 'EUR' } },
          { ...cool, seller_sku: `${cool.seller_sku}-X`, variant: { light_colour: 'rgb', lamp_base: 'gu10' }, price: { amount: 180, currency: 'XYZ' } },
        ],
      }),
    );
    expectProblem(response, 422, 'validation_failed');
    expect(problems(response)).toEqual([
      ['/markets/1', 'unknown_market'],
      ['/markets/2', 'duplicate_market'],
      ['/skus/0/country_prices/ZZ', 'unknown_market'],
      ['/skus/0/country_prices/FR/currency', 'unknown_currency'],
      ['/skus/1/price/currency', 'mixed_currencies'],
      ['/skus/2/price/currency', 'unknown_currency'],
    ]);
    expect(response.body.errors[4].message).toContain('CNY');
  });

  it('refuses a price below one minor unit by the request schema', async () => {
    const [warm] = twoSkus();
    for (const amount of [-100, 0]) {
      const response = await create(ledBulb({ skus: [{ ...warm, price: { amount, currency: 'CNY' } }] }));
      expectProblem(response, 400, 'invalid_request');
      expect(problems(response)).toEqual([['/skus/0/price/amount', expect.any(String)]]);
    }
  });

  it('refuses more than six images by the request schema', async () => {
    const images = Array.from({ length: 7 }, (_, i) => `https://images.example.com/led-bulb-${i}.jpg`);
    const response = await create(ledBulb({ images }));
    expectProblem(response, 400, 'invalid_request');
    expect(response.body.errors).toEqual([{ in: 'body', path: '/images', code: 'invalid_maxItems', message: 'must not have more than 6 items' }]);
    expect((await create(ledBulb({ images: images.slice(0, 6) }))).status).toBe(201);
  });

  it('holds an edit to the same limits as a new product: seven images or a broken video are refused', async () => {
    const created = await create(ledBulb({ markets: ['US'], publish: true }));
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    const images = Array.from({ length: 7 }, (_, i) => `https://images.example.com/led-bulb-${i}.jpg`);

    const tooMany = await api.patch(`/v1/seller/products/${id}`, { patch: { images } }, { token: seller.token });
    expectProblem(tooMany, 422, 'validation_failed');
    expect(problems(tooMany)).toEqual([['/images', expect.any(String)]]);

    const badVideo = await api.patch(`/v1/seller/products/${id}`, { patch: { video: { url: 'not a url', duration_seconds: -3 } } }, { token: seller.token });
    expectProblem(badVideo, 422, 'validation_failed');
    expect(problems(badVideo).map(([path]) => path).sort()).toEqual(['/video/duration_seconds', '/video/url']);

    const after = (await api.get(`/v1/seller/products/${id}`, { token: seller.token })).body;
    expect(after).toMatchObject({ version: 1, images: created.body.images, video: null });
  });

  it('refuses a patch whose result is not a well-formed product with a 422, never a server error, and keeps the product', async () => {
    const created = await create(ledBulb({ markets: ['US'], publish: true }));
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    const malformed: [object, string][] = [
      [{ markets: 'ES' }, '/markets'],
      [{ titles: null }, '/titles'],
      [{ skus: [{ seller_sku: 'LED-NO-PRICE' }] }, '/skus/0/price'],
      [{ skus: 'all of them' }, '/skus'],
      [{ seller_ref: 'has spaces in it' }, '/seller_ref'],
      [{ manufacturer: { email: 'not-an-e-mail' } }, '/manufacturer/email'],
      [{ hs_code: '12' }, '/hs_code'],
    ];
    for (const [patch, path] of malformed) {
      const response = await api.patch(`/v1/seller/products/${id}`, { patch }, { token: seller.token });
      expect(response.status, `${JSON.stringify(patch)} → ${JSON.stringify(response.body)}`).toBe(422);
      expect(response.body.code).toBe('validation_failed');
      expect(problems(response).map(([at]) => at), JSON.stringify(patch)).toContain(path);
    }
    const after = (await api.get(`/v1/seller/products/${id}`, { token: seller.token })).body;
    expect(after).toMatchObject({ version: 1, markets: ['US'], seller_ref: null, hs_code: '853952', titles: created.body.titles, skus: created.body.skus });
  });

  it('reports every problem at once, with its path, and writes nothing', async () => {
    const owner = await sellerWithOpenStore(app(), api);
    const [warm, cool] = twoSkus();
    const body = ledBulb({
      titles: { en: 'LED bulb' },
      attributes: { wattage_w: 9, colour_temperature_k: 2700, lamp_base: 'e27' },
      markets: ['ES', 'ZZ'],
      skus: [
        { ...warm, barcode: '6901234567891' },
        { ...cool, seller_sku: warm.seller_sku, variant: { ...warm.variant }, price: { amount: 1290, currency: 'EUR' } },
      ],
      publish: true,
    });
    const response = await create(body, owner);
    expectProblem(response, 422, 'validation_failed');
    expect(problems(response)).toEqual([
      ['/titles/zh', 'required'],
      ['/attributes/colour_temperature_k', 'unknown_attribute'],
      ['/attributes/lamp_base', 'variant_attribute'],
      ['/markets/1', 'unknown_market'],
      ['/skus/0/barcode', 'invalid_barcode'],
      ['/skus/1/seller_sku', 'duplicate_seller_sku'],
      ['/skus/1/price/currency', 'mixed_currencies'],
      ['/skus/1/variant', 'duplicate_variant'],
    ]);
    expect(response.body.errors.every((e: { in: string; message: string }) => e.in === 'body' && e.message.length > 0)).toBe(true);

    expect(await nothingWritten(owner, warm.seller_sku)).toEqual([]);
    expect((await api.get('/v1/seller/products', { token: owner.token })).body.data).toEqual([]);
    // The SKU codes of a refused product are still free.
    const fixed = await create(ledBulb({ skus: [warm, cool] }), owner);
    expect(fixed.status).toBe(201);
    expect(fixed.body.skus.map((s: { seller_sku: string }) => s.seller_sku)).toEqual([warm.seller_sku, cool.seller_sku]);
  });

  it('writes nothing when a schema refusal comes first', async () => {
    const owner = await sellerWithOpenStore(app(), api);
    const body = ledBulb({ images: Array.from({ length: 7 }, (_, i) => `https://images.example.com/${i}.jpg`), publish: true });
    expectProblem(await create(body, owner), 400, 'invalid_request');
    expect(await nothingWritten(owner, body.skus[0]!.seller_sku)).toEqual([]);
  });
});

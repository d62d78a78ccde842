import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../../test/support/app.ts';
import { sellerWithOpenStore, type SellerActor } from '../../../test/support/actors.ts';
import { ledBulb } from '../../../test/support/fixtures.ts';
import { apiClient } from '../../../test/support/http.ts';
import { expectProblem, statuses } from '../../../test/support/expect.ts';

/**
 * A product's life through the Seller Center API: draft, published into its markets, offline and
 * back, edited by merge patch, withdrawn from one market, deleted. Each listing move is audited.
 */


describe('product lifecycle', () => {
  const app = useTestApp({ now: '2026-03-02T02:00:00Z' });
  const api = apiClient(app);
  // Holds a CE declaration for all its products in the EU and GB, so certification never blocks.
  let seller: SellerActor;

  beforeAll(async () => {
    seller = await sellerWithOpenStore(app(), api);
    const ce = await api.post('/v1/seller/certificates', { type: 'CE', number: 'DoC-ALL-2026', markets: ['EU', 'GB'], issuer: 'Foshan Lumen Lighting Co., Ltd.', valid_from: '2026-01-01' }, { token: seller.token });
    expect(ce.status).toBe(201);
    await app().settle();
  });

  const create = async (body: object, owner: SellerActor = seller) => {
    const created = await api.post('/v1/seller/products', body, { token: owner.token });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body;
  };
  const get = async (id: string, owner: SellerActor = seller) => (await api.get(`/v1/seller/products/${id}`, { token: owner.token })).body;
  const setStatus = (id: string, status: string) => api.post(`/v1/seller/products/${id}/status`, { status }, { token: seller.token });

  /** One listing's audit trail, oldest first: action, from, to, who, why, rules. */
  async function trail(productId: string, market: string) {
    const records = await app().platform.audit.list(app().platform.db, { subjectType: 'listing', subjectId: `${productId}:${market}`, limit: 100 });
    return records.reverse().map((r) => ({
      action: r.action,
      from: (r.fromState as { status?: string } | null)?.status,
      to: (r.toState as { status?: string | null; outcome?: string } | null)?.status,
      actor: r.actorType,
      reason: r.reason,
      rules: (r.metadata as { rules?: string[] } | null)?.rules,
    }));
  }

  it('creates a draft without listings and publishes it into each market, auditing every move', async () => {
    const draft = await create(ledBulb());
    expect(draft).toMatchObject({ status: 'draft', version: 1, markets: ['ES', 'FR'], listings: [] });
    expect(draft.skus.map((s: { available: number }) => s.available)).toEqual([500, 300]);
    expect(await trail(draft.id, 'ES')).toEqual([]);

    const published = await setStatus(draft.id, 'published');
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ status: 'published', version: 2 });
    expect(statuses(published.body)).toEqual([
      ['ES', 'active'],
      ['FR', 'active'],
    ]);
    expect(published.body.listings.map((l: { findings: unknown[]; held: boolean; override: unknown }) => [l.findings, l.held, l.override])).toEqual([
      [[], false, null],
      [[], false, null],
    ]);
    expect(await trail(draft.id, 'FR')).toEqual([
      { action: 'listing.submit', from: 'none', to: 'pending_review', actor: 'seller', reason: 'Meets every admission rule', rules: [] },
      { action: 'listing.approve', from: 'pending_review', to: 'active', actor: 'seller', reason: 'Meets every admission rule', rules: [] },
    ]);

    // Publishing what is already published changes nothing.
    const again = await setStatus(draft.id, 'published');
    expect(again.body.version).toBe(2);
    expect(await trail(draft.id, 'FR')).toHaveLength(2);
  });

  it('takes a product offline and back online, then returns it to draft, which ends its listings', async () => {
    const product = await create({ ...ledBulb(), publish: true });
    expect(statuses(product)).toEqual([
      ['ES', 'active'],
      ['FR', 'active'],
    ]);

    const offline = await setStatus(product.id, 'offline');
    expect(offline.status).toBe(200);
    expect(offline.body.status).toBe('offline');
    expect(statuses(offline.body)).toEqual([
      ['ES', 'offline'],
      ['FR', 'offline'],
    ]);
    expect((await trail(product.id, 'ES')).at(-1)).toEqual({ action: 'listing.take_offline', from: 'active', to: 'offline', actor: 'seller', reason: 'Meets every admission rule', rules: [] });

    const online = await setStatus(product.id, 'published');
    expect(statuses(online.body)).toEqual([
      ['ES', 'active'],
      ['FR', 'active'],
    ]);
    expect((await trail(product.id, 'ES')).slice(-2).map((t) => [t.action, t.from, t.to])).toEqual([
      ['listing.put_online', 'offline', 'pending_review'],
      ['listing.approve', 'pending_review', 'active'],
    ]);

    const draft = await setStatus(product.id, 'draft');
    expect(draft.body).toMatchObject({ status: 'draft', listings: [] });
    expect((await trail(product.id, 'FR')).at(-1)).toEqual({ action: 'listing.withdraw', from: 'active', to: null, actor: 'seller', reason: 'No longer offered in this market', rules: [] });

    const history = await app().platform.audit.list(app().platform.db, { subjectType: 'product', subjectId: product.id, limit: 10 });
    expect(history.reverse().map((r) => [r.action, (r.fromState as { status?: string } | null)?.status, (r.toState as { status?: string }).status])).toEqual([
      ['product.create', undefined, 'published'],
      ['product.status', 'published', 'offline'],
      ['product.status', 'offline', 'published'],
      ['product.status', 'published', 'draft'],
    ]);
  });

  it('deletes a product: it is gone, its listings end, and its SKU codes can be used again', async () => {
    const product = await create({ ...ledBulb(), publish: true });
    const deleted = await api.delete(`/v1/seller/products/${product.id}`, { token: seller.token });
    expect(deleted.status).toBe(204);

    expectProblem(await api.get(`/v1/seller/products/${product.id}`, { token: seller.token }), 404, 'not_found');
    expectProblem(await api.delete(`/v1/seller/products/${product.id}`, { token: seller.token }), 404, 'not_found');
    const listed = await api.get(`/v1/seller/products?seller_sku=${product.skus[0].seller_sku}`, { token: seller.token });
    expect(listed.body.data).toEqual([]);
    for (const market of ['ES', 'FR']) {
      expect((await trail(product.id, market)).at(-1)).toMatchObject({ action: 'listing.withdraw', from: 'active', to: null });
    }

    const reused = await create(ledBulb({ skus: ledBulb().skus.map((sku, i) => ({ ...sku, seller_sku: product.skus[i].seller_sku })) }));
    expect(reused.skus.map((s: { seller_sku: string }) => s.seller_sku)).toEqual(product.skus.map((s: { seller_sku: string }) => s.seller_sku));
    expect(reused.skus.map((s: { id: string }) => s.id)).not.toEqual(product.skus.map((s: { id: string }) => s.id));
  });

  it('refuses an edit made against an older version and keeps the newer one', async () => {
    const product = await create(ledBulb({ markets: ['ES'] }));
    const first = await api.patch(`/v1/seller/products/${product.id}`, { patch: { brand: 'Lumen Pro' }, expected_version: 1 }, { token: seller.token });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ version: 2, brand: 'Lumen Pro' });

    const stale = await api.patch(`/v1/seller/products/${product.id}`, { patch: { brand: 'Lumen Old' }, expected_version: 1 }, { token: seller.token });
    expectProblem(stale, 409, 'version_conflict');
    expect(stale.body.detail).toContain('version 1 (now 2)');
    expect(await get(product.id)).toMatchObject({ version: 2, brand: 'Lumen Pro' });
  });

  it('keeps the version when a patch changes nothing, right after the product was created', async () => {
    const product = await create({ ...ledBulb(), publish: true });
    const same = await api.patch(`/v1/seller/products/${product.id}`, { patch: { brand: product.brand } }, { token: seller.token });
    expect(same.status).toBe(200);
    expect(same.body.version).toBe(1);
    const empty = await api.patch(`/v1/seller/products/${product.id}`, { patch: {} }, { token: seller.token });
    expect(empty.body.version).toBe(1);
    expect((await app().platform.audit.list(app().platform.db, { subjectType: 'product', subjectId: product.id, limit: 10 })).map((r) => r.action)).toEqual(['product.create']);
  });

  it('keeps the version when a patch repeats the last change', async () => {
    const product = await create({ ...ledBulb(), publish: true });
    const changed = await api.patch(`/v1/seller/products/${product.id}`, { patch: { brand: 'Lumen Pro' } }, { token: seller.token });
    expect(changed.body.version).toBe(2);
    const repeated = await api.patch(`/v1/seller/products/${product.id}`, { patch: { brand: 'Lumen Pro' } }, { token: seller.token });
    expect(repeated.status).toBe(200);
    expect(repeated.body).toMatchObject({ version: 2, updated_at: changed.body.updated_at });
    // Stock given with unchanged content is applied without a new version.
    const restocked = await api.patch(`/v1/seller/products/${product.id}`, { patch: { skus: changed.body.skus.map((s: any) => ({ seller_sku: s.seller_sku, variant: s.variant, price: s.price, country_prices: s.country_prices, weight_grams: s.weight_grams, package_mm: s.package_mm, barcode: s.barcode, stock: 7 })) } }, { token: seller.token });
    expect(restocked.body.version).toBe(2);
    expect(restocked.body.skus.map((s: { available: number }) => s.available)).toEqual([7, 7]);
  });

  it('merges a patch: nested fields merge, null removes, and `skus` replaces the whole list', async () => {
    const product = await create({ ...ledBulb(), publish: true });
    const [warm, cool] = product.skus;
    const patched = await api.patch(
      `/v1/seller/products/${product.id}`,
      { patch: { titles: { fr: null, en: 'LED bulb 9 W E27 (2700 K)' }, attributes: { dimmable: true }, skus: [{ seller_sku: warm.seller_sku, variant: warm.variant, price: { amount: 1190, currency: 'CNY' } }] } },
      { token: seller.token },
    );
    expect(patched.status).toBe(200);
    expect(patched.body.version).toBe(2);
    expect(patched.body.titles).toEqual({ zh: product.titles.zh, en: 'LED bulb 9 W E27 (2700 K)', es: product.titles.es });
    expect(patched.body.attributes).toEqual({ wattage_w: 9, luminous_flux_lm: 806, dimmable: true });
    expect(patched.body.descriptions).toEqual(product.descriptions);
    // The kept SKU keeps its id; fields it no longer sends are cleared.
    expect(patched.body.skus).toEqual([
      { id: warm.id, seller_sku: warm.seller_sku, variant: warm.variant, price: { amount: 1190, currency: 'CNY' }, country_prices: {}, weight_grams: null, package_mm: null, barcode: null, available: 500 },
    ]);
    expect(statuses(patched.body)).toEqual([
      ['ES', 'active'],
      ['FR', 'active'],
    ]);
    // The SKU code it dropped is free for another product.
    expect((await create(ledBulb({ skus: [{ ...ledBulb().skus[1], seller_sku: cool.seller_sku }] }))).skus[0].seller_sku).toBe(cool.seller_sku);
  });

  it('withdraws only the listing of a market the product stops being offered in', async () => {
    const product = await create({ ...ledBulb(), markets: ['ES', 'FR', 'GB'], publish: true });
    expect(statuses(product)).toEqual([
      ['ES', 'active'],
      ['FR', 'active'],
      ['GB', 'active'],
    ]);
    const before = await trail(product.id, 'ES');

    const patched = await api.patch(`/v1/seller/products/${product.id}`, { patch: { markets: ['ES', 'GB'] } }, { token: seller.token });
    expect(patched.status).toBe(200);
    expect(statuses(patched.body)).toEqual([
      ['ES', 'active'],
      ['GB', 'active'],
    ]);
    expect((await trail(product.id, 'FR')).at(-1)).toMatchObject({ action: 'listing.withdraw', from: 'active', actor: 'seller', reason: 'No longer offered in this market' });
    expect(await trail(product.id, 'ES')).toEqual(before);

    const back = await api.patch(`/v1/seller/products/${product.id}`, { patch: { markets: ['ES', 'GB', 'FR'] } }, { token: seller.token });
    expect(statuses(back.body)).toEqual([
      ['ES', 'active'],
      ['GB', 'active'],
      ['FR', 'active'],
    ]);
  });

  it('lets one listing be live while another is delisted: GB takes UKCA where ES needs CE', async () => {
    const uncertified = await sellerWithOpenStore(app(), api);
    const product = await create({ ...ledBulb(), markets: ['ES', 'GB'], publish: true }, uncertified);
    expect(product.listings.map((l: any) => [l.market, l.status, l.findings.map((f: any) => [f.rule, f.evidence])])).toEqual([
      ['ES', 'delisted', [['certification.required', 'no valid CE certificate covers ES']]],
      ['GB', 'delisted', [['certification.required', 'no valid CE or UKCA certificate covers GB']]],
    ]);

    const ukca = await api.post(
      `/v1/seller/products/${product.id}/certificates`,
      { type: 'UKCA', number: 'UKCA-LH-A60', markets: ['GB'], issuer: 'Foshan Lumen Lighting Co., Ltd.', valid_from: '2026-01-01', valid_to: '2027-12-31' },
      { token: uncertified.token },
    );
    expect(ukca.status).toBe(201);
    await app().settle();

    const after = await get(product.id, uncertified);
    expect(after.listings.map((l: any) => [l.market, l.status, l.findings.map((f: any) => f.rule)])).toEqual([
      ['ES', 'delisted', ['certification.required']],
      ['GB', 'active', []],
    ]);
    expect((await trail(product.id, 'GB')).map((t) => [t.action, t.from, t.to, t.actor])).toEqual([
      ['listing.submit', 'none', 'pending_review', 'seller'],
      ['listing.delist', 'pending_review', 'delisted', 'seller'],
      ['listing.relist', 'delisted', 'pending_review', 'system'],
      ['listing.approve', 'pending_review', 'active', 'system'],
    ]);
    expect((await trail(product.id, 'GB'))[1]!.rules).toEqual(['certification.required@1']);
  });

  it('lists the seller’s products newest first, with filters and cursor paging', async () => {
    const owner = await sellerWithOpenStore(app(), api);
    await api.post('/v1/seller/certificates', { type: 'CE', number: 'DoC-EU', markets: ['EU'], issuer: 'Lumen', valid_from: '2026-01-01' }, { token: owner.token });
    await app().settle();
    const draft = await create(ledBulb({ seller_ref: 'DRAFT-1' }), owner);
    const live = await create({ ...ledBulb({ titles: { zh: '灯泡', en: 'Filament bulb vintage' }, category: 'lighting.bulbs.filament_bulbs' }), publish: true }, owner);
    const gb = await create({ ...ledBulb({ markets: ['GB'] }), publish: true }, owner);
    const vase = await create(
      {
        category: 'home_garden.decor.vases',
        main_language: 'en',
        titles: { en: 'Celadon vase' },
        markets: ['US'],
        skus: [{ seller_sku: `VASE-${process.pid}`, price: { amount: 5000, currency: 'CNY' } }],
        publish: true,
      },
      owner,
    );
    const ids = async (query: string) => {
      const response = await api.get(`/v1/seller/products${query}`, { token: owner.token });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body.data.map((p: { id: string }) => p.id);
    };

    expect(await ids('')).toEqual([vase.id, gb.id, live.id, draft.id]);
    expect(await ids('?status=draft')).toEqual([draft.id]);
    expect(await ids('?category=lighting')).toEqual([gb.id, live.id, draft.id]);
    expect(await ids('?category=lighting.bulbs.filament_bulbs')).toEqual([live.id]);
    expect(await ids('?market=GB')).toEqual([gb.id]);
    // GB has no CE-or-UKCA certificate for this seller: delisted there.
    expect(await ids('?listing_status=delisted')).toEqual([gb.id]);
    expect(await ids('?market=ES&listing_status=active')).toEqual([live.id]);
    expect(await ids('?q=vintage')).toEqual([live.id]);
    expect(await ids('?q=100%25')).toEqual([]);
    expect(await ids(`?seller_sku=${encodeURIComponent(vase.skus[0].seller_sku)}`)).toEqual([vase.id]);

    const first = await api.get('/v1/seller/products?limit=3', { token: owner.token });
    expect(first.body.data.map((p: { id: string }) => p.id)).toEqual([vase.id, gb.id, live.id]);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await api.get(`/v1/seller/products?limit=3&cursor=${encodeURIComponent(first.body.next_cursor)}`, { token: owner.token });
    expect(second.body.data.map((p: { id: string }) => p.id)).toEqual([draft.id]);
    expect(second.body.next_cursor).toBeNull();

    // Another seller's list knows none of these.
    expect((await api.get('/v1/seller/products?category=home_garden', { token: seller.token })).body.data).toEqual([]);
  });
});

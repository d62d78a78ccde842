import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../../test/support/app.ts';
import { createOperator, sellerWithOpenStore, type SellerActor } from '../../../test/support/actors.ts';
import { ledBulb } from '../../../test/support/fixtures.ts';
import { apiClient } from '../../../test/support/http.ts';
import { listingIn, statuses } from '../../../test/support/expect.ts';

/**
 * Compliance outcomes per market, through HTTP: each finding names its rule, version and evidence
 * and tells the seller how to fix it; a fix is judged again at once.
 */

type Operator = { token: string; accountId: string };

/** Each listing's findings as [rule, version, outcome, field, evidence]. */
const findings = (product: { listings: { market: string; findings: any[] }[] }) =>
  Object.fromEntries(product.listings.map((l) => [l.market, l.findings.map((f) => [f.rule, f.rule_version, f.outcome, f.field, f.evidence])]));

/** A lipstick: beauty.makeup needs a CPNP notification in the EU and a category qualification. */
function lipstick(overrides: Record<string, unknown> = {}) {
  return {
    category: 'beauty.makeup.lipstick',
    main_language: 'en',
    titles: { en: 'Matte lipstick ruby red', es: 'Barra de labios mate rojo rubí' },
    images: ['https://images.example.com/lipstick.jpg'],
    model: 'ML-07',
    manufacturer: { name: 'Guangzhou Rouge Cosmetics Co., Ltd.', address: '9 Beauty Road, Guangzhou, China', email: 'safety@rouge.example', country: 'CN' },
    eu_responsible_person: { name: 'Rouge Europe S.L.', address: 'Calle Mayor 1, 28013 Madrid, Spain', email: 'rp@rouge.example', country: 'ES' },
    markets: ['US', 'ES'],
    skus: [{ seller_sku: `LIP-RUBY-${process.pid}-${Math.random().toString(36).slice(2, 8)}`, variant: { shade: 'Ruby red', net_weight_g: 3.5 }, price: { amount: 3900, currency: 'CNY' } }],
    ...overrides,
  };
}

describe('compliance outcomes per market', () => {
  const app = useTestApp({ now: '2026-03-02T02:00:00Z' });
  const api = apiClient(app);
  // Holds a CE declaration for the EU and GB: the outcomes below come from other rules.
  let seller: SellerActor;
  let compliance: Operator;

  beforeAll(async () => {
    seller = await sellerWithOpenStore(app(), api);
    compliance = await createOperator(app(), api, ['compliance']);
    const ce = await api.post('/v1/seller/certificates', { type: 'CE', number: 'DoC-ALL-2026', markets: ['EU', 'GB'], issuer: 'Foshan Lumen Lighting Co., Ltd.', valid_from: '2026-01-01' }, { token: seller.token });
    expect(ce.status).toBe(201);
    await app().settle();
  });

  const publish = async (body: object, owner: SellerActor = seller) => {
    const created = await api.post('/v1/seller/products', { ...body, publish: true }, { token: owner.token });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body;
  };
  const patch = async (id: string, change: object, owner: SellerActor = seller) => {
    const response = await api.patch(`/v1/seller/products/${id}`, { patch: change }, { token: owner.token });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body;
  };
  const get = async (id: string, owner: SellerActor = seller) => (await api.get(`/v1/seller/products/${id}`, { token: owner.token })).body;
  const queue = async () => (await api.get('/v1/ops/compliance/queue?limit=100', { token: compliance.token })).body.data as any[];

  describe('EU product safety information (GPSR)', () => {
    it('delists in ES and FR, not in GB or US, a product made in China without an EU responsible person', async () => {
      const product = await publish(ledBulb({ markets: ['ES', 'FR', 'GB', 'US'], eu_responsible_person: null }));
      expect(statuses(product)).toEqual([
        ['ES', 'delisted'],
        ['FR', 'delisted'],
        ['GB', 'active'],
        ['US', 'active'],
      ]);
      expect(listingIn(product, 'ES').findings).toEqual([
        {
          rule: 'gpsr.product_safety_information',
          rule_version: 1,
          outcome: 'delist',
          market: 'ES',
          field: '/eu_responsible_person',
          message: expect.stringContaining('EU responsible person'),
          fix: expect.stringContaining('Add an EU responsible person'),
        },
      ]);
      expect(findings(product).FR).toEqual([['gpsr.product_safety_information', 1, 'delist', '/eu_responsible_person', undefined]]);

      // Naming the responsible person is judged at once.
      const fixed = await patch(product.id, { eu_responsible_person: ledBulb().eu_responsible_person });
      expect(statuses(fixed)).toEqual([
        ['ES', 'active'],
        ['FR', 'active'],
        ['GB', 'active'],
        ['US', 'active'],
      ]);
    });

    it('needs no EU responsible person for a manufacturer established in the EU, but warnings in the buyers’ language', async () => {
      const product = await publish(
        ledBulb({
          markets: ['ES', 'FR'],
          eu_responsible_person: null,
          manufacturer: { name: 'Lumen GmbH', address: 'Hauptstraße 1, 10115 Berlin', email: 'safety@lumen.example', country: 'DE' },
          warnings: { en: 'Switch off the mains before fitting.', es: 'Desconecte la red antes de instalar.' },
        }),
      );
      expect(statuses(product)).toEqual([
        ['ES', 'active'],
        ['FR', 'delisted'],
      ]);
      expect(findings(product).FR).toEqual([['gpsr.product_safety_information', 1, 'delist', '/warnings/fr', undefined]]);
    });

    it('asks for the manufacturer, a picture and a model identifier, each as its own finding', async () => {
      const product = await publish(ledBulb({ markets: ['FR'], manufacturer: { name: 'Foshan Lumen' }, images: [], model: null }));
      expect(findings(product).FR).toEqual([
        ['gpsr.product_safety_information', 1, 'delist', '/manufacturer', undefined],
        ['gpsr.product_safety_information', 1, 'delist', '/images', undefined],
        ['gpsr.product_safety_information', 1, 'delist', '/model', undefined],
      ]);
    });
  });

  describe('media', () => {
    it('throttles a main video of 31 seconds in every market and lets one of 30 pass', async () => {
      const long = await publish(ledBulb({ markets: ['ES', 'US'], video: { url: 'https://videos.example.com/led.mp4', duration_seconds: 31 } }));
      expect(statuses(long)).toEqual([
        ['ES', 'throttled'],
        ['US', 'throttled'],
      ]);
      expect(listingIn(long, 'US').findings).toEqual([
        { rule: 'media.video_length', rule_version: 1, outcome: 'throttle', market: 'US', field: '/video/duration_seconds', evidence: '31 s', message: expect.stringContaining('at most 30'), fix: expect.stringContaining('30 seconds or less') },
      ]);

      const trimmed = await patch(long.id, { video: { duration_seconds: 30 } });
      expect(trimmed.video).toEqual({ url: 'https://videos.example.com/led.mp4', duration_seconds: 30 });
      expect(statuses(trimmed)).toEqual([
        ['ES', 'active'],
        ['US', 'active'],
      ]);
      const exact = await publish(ledBulb({ markets: ['US'], video: { url: 'https://videos.example.com/led.mp4', duration_seconds: 30 } }));
      expect(statuses(exact)).toEqual([['US', 'active']]);
    });
  });

  describe('off-platform diversion', () => {
    it('throttles every market for a WhatsApp number in the Spanish description, naming the field and text, until it is removed', async () => {
      const description = 'Bombilla LED de bajo consumo. Pedidos por WhatsApp +34 612 345 678';
      const product = await publish(ledBulb({ markets: ['ES', 'FR', 'US'], descriptions: { ...ledBulb().descriptions, es: description } }));
      expect(statuses(product)).toEqual([
        ['ES', 'throttled'],
        ['FR', 'throttled'],
        ['US', 'throttled'],
      ]);
      for (const market of ['ES', 'FR', 'US']) {
        expect(findings(product)[market]).toEqual([
          ['content.off_platform_diversion', 1, 'throttle', '/descriptions/es', 'WhatsApp'],
          ['content.off_platform_diversion', 1, 'throttle', '/descriptions/es', '+34 612 345 678'],
        ]);
      }
      expect(listingIn(product, 'FR').findings[1]).toMatchObject({ message: expect.stringContaining('steers buyers off the platform'), fix: 'Remove “+34 612 345 678” from /descriptions/es: buyers contact sellers through the platform’s messages.' });

      const fixed = await patch(product.id, { descriptions: { es: 'Bombilla LED de bajo consumo, 806 lúmenes.' } });
      expect(statuses(fixed)).toEqual([
        ['ES', 'active'],
        ['FR', 'active'],
        ['US', 'active'],
      ]);
      expect(fixed.listings.every((l: { findings: unknown[] }) => l.findings.length === 0)).toBe(true);
      const records = await app().platform.audit.list(app().platform.db, { subjectType: 'listing', subjectId: `${product.id}:ES`, limit: 10 });
      expect(records.map((r) => r.action).reverse()).toEqual(['listing.submit', 'listing.throttle', 'listing.unthrottle']);
      expect(records.at(-2)!.metadata).toMatchObject({ rules: ['content.off_platform_diversion@1', 'content.off_platform_diversion@1'] });
    });

    it('sees through a messenger name spelt out letter by letter', async () => {
      const product = await publish(ledBulb({ markets: ['US'], descriptions: { en: 'Energy-saving LED bulb; ask on w h a t s a p p for bulk prices.' } }));
      expect(statuses(product)).toEqual([['US', 'throttled']]);
      expect(findings(product).US).toEqual([['content.off_platform_diversion', 1, 'throttle', '/descriptions/en', 'w h a t s a p p']]);
    });
  });

  describe('prohibited items', () => {
    // wildlife.rhino_horn in data/compliance/prohibited-items.json, prohibited everywhere.
    const titled: [string, string, string][] = [
      ['en', 'Rhino horn carving lamp', 'Rhino horn'],
      ['es', 'Lámpara de cuerno de rinoceronte', 'cuerno de rinoceronte'],
      ['fr', 'Lampe en corne de rhinocéros', 'corne de rhinocéros'],
      ['zh', '犀牛角 台灯', '犀牛角'],
    ];
    for (const [language, title, matched] of titled) {
      it(`rejects at publish a product whose ${language} title names a prohibited item`, async () => {
        const product = await publish(ledBulb({ markets: ['ES', 'US'], titles: { ...ledBulb().titles, [language]: title } }));
        expect(statuses(product)).toEqual([
          ['ES', 'rejected'],
          ['US', 'rejected'],
        ]);
        expect(listingIn(product, 'ES').findings).toEqual([
          {
            rule: 'prohibited.item',
            rule_version: 1,
            outcome: 'reject',
            market: 'ES',
            field: `/titles/${language}`,
            evidence: matched,
            message: expect.stringContaining('prohibited item'),
            fix: expect.stringContaining('Remove the product'),
          },
        ]);
      });
    }

    it('delists a live product edited to name a prohibited item and brings it back when the text goes', async () => {
      const product = await publish(ledBulb({ markets: ['ES', 'US'] }));
      expect(statuses(product)).toEqual([
        ['ES', 'active'],
        ['US', 'active'],
      ]);
      const edited = await patch(product.id, { descriptions: { en: 'Lamp shade carved from genuine rhino horn.' } });
      expect(statuses(edited)).toEqual([
        ['ES', 'delisted'],
        ['US', 'delisted'],
      ]);
      expect(findings(edited).US).toEqual([['prohibited.item', 1, 'reject', '/descriptions/en', 'rhino horn']]);

      const cleaned = await patch(product.id, { descriptions: { en: 'Energy-saving LED bulb.' } });
      expect(statuses(cleaned)).toEqual([
        ['ES', 'active'],
        ['US', 'active'],
      ]);
      const records = await app().platform.audit.list(app().platform.db, { subjectType: 'listing', subjectId: `${product.id}:US`, limit: 10 });
      expect(records.reverse().map((r) => [r.action, (r.toState as { status: string }).status])).toEqual([
        ['listing.submit', 'pending_review'],
        ['listing.approve', 'active'],
        ['listing.delist', 'delisted'],
        ['listing.relist', 'pending_review'],
        ['listing.approve', 'active'],
      ]);
    });

    it('applies an item only where its jurisdictions say: pepper spray is prohibited in GB and restricted elsewhere', async () => {
      const product = await publish(ledBulb({ markets: ['GB', 'US'], titles: { ...ledBulb().titles, en: 'LED torch with pepper spray' } }));
      expect(product.listings.map((l: any) => [l.market, l.status, l.held])).toEqual([
        ['GB', 'rejected', false],
        ['US', 'pending_review', true],
      ]);
      expect(findings(product)).toEqual({
        GB: [['prohibited.item', 1, 'reject', '/titles/en', 'pepper spray']],
        US: [['restricted.item', 1, 'hold', '/titles/en', 'pepper spray']],
      });
      // A rejected listing is not queued for review; a held one is.
      expect((await queue()).filter((r) => r.product_id === product.id).map((r) => [r.kind, r.market])).toEqual([['hold', 'US']]);
    });
  });

  describe('restricted items', () => {
    it('holds a restricted item for review; an operator’s approval puts it live with a standing override', async () => {
      const product = await publish(ledBulb({ markets: ['ES', 'US'], titles: { ...ledBulb().titles, en: 'LED bulb with power bank' } }));
      expect(product.listings.map((l: any) => [l.market, l.status, l.held])).toEqual([
        ['ES', 'pending_review', true],
        ['US', 'pending_review', true],
      ]);
      expect(listingIn(product, 'US').findings).toEqual([
        {
          rule: 'restricted.item',
          rule_version: 1,
          outcome: 'hold',
          market: 'US',
          field: '/titles/en',
          evidence: 'power bank',
          message: expect.stringContaining('restricted item'),
          fix: expect.stringContaining('LICENCE certificate'),
        },
      ]);

      const held = (await queue()).filter((r) => r.product_id === product.id);
      expect(held.map((r) => [r.kind, r.market, r.status, r.findings.map((f: any) => [f.rule, f.evidence, f.field])])).toEqual([
        ['hold', 'ES', 'open', [['restricted.item', 'power bank', '/titles/en']]],
        ['hold', 'US', 'open', [['restricted.item', 'power bank', '/titles/en']]],
      ]);

      const us = held.find((r) => r.market === 'US');
      const decided = await api.post(`/v1/ops/compliance/queue/${us.id}/decide`, { outcome: 'approve', reason: 'UN38.3 summary checked' }, { token: compliance.token });
      expect(decided.status).toBe(200);
      expect(decided.body).toMatchObject({ status: 'approved', decision_reason: 'UN38.3 summary checked' });
      await app().settle();

      const after = await get(product.id);
      expect(after.listings.map((l: any) => [l.market, l.status, l.held, l.override?.outcome ?? null])).toEqual([
        ['ES', 'pending_review', true, null],
        ['US', 'active', false, 'pass'],
      ]);
      expect(listingIn(after, 'US')).toMatchObject({ override: { outcome: 'pass', reason: 'UN38.3 summary checked' }, findings: [expect.objectContaining({ rule: 'restricted.item' })] });
      expect((await queue()).filter((r) => r.product_id === product.id).map((r) => r.market)).toEqual(['ES']);
    });

    it('holds a live listing edited to name a restricted item in one audited move, without a delisting that never happened', async () => {
      const product = await publish(ledBulb({ markets: ['US'] }));
      const edited = await patch(product.id, { titles: { en: 'LED bulb with power bank' } });
      expect(listingIn(edited, 'US')).toMatchObject({ status: 'pending_review', held: true });
      const records = await app().platform.audit.list(app().platform.db, { subjectType: 'listing', subjectId: `${product.id}:US`, limit: 10 });
      const moves = records.reverse().map((r) => [r.action, (r.fromState as { status: string }).status, (r.toState as { status: string }).status]);
      expect(moves.slice(0, 2)).toEqual([
        ['listing.submit', 'none', 'pending_review'],
        ['listing.approve', 'pending_review', 'active'],
      ]);
      expect(moves.slice(2)).toEqual([[expect.any(String), 'active', 'pending_review']]);
      expect(records.at(-1)!.metadata).toMatchObject({ rules: ['restricted.item@1'] });
    });

    it('lifts the hold once a LICENCE covering the item is verified, not before', async () => {
      const owner = await sellerWithOpenStore(app(), api);
      const product = await publish(ledBulb({ markets: ['US'], titles: { ...ledBulb().titles, en: 'LED bulb with power bank' } }), owner);
      expect(listingIn(product, 'US')).toMatchObject({ status: 'pending_review', held: true });

      // A licence for another item, verified, does not cover this one.
      const other = await api.post(`/v1/seller/products/${product.id}/certificates`, { type: 'LICENCE', number: 'DG-FLAM-1', markets: ['US'], scope: ['explosives.flammable_liquids'], issuer: 'CAAC', valid_from: '2026-01-01' }, { token: owner.token });
      expect((await api.post(`/v1/ops/compliance/certificates/${other.body.id}/review`, { outcome: 'verified', reason: 'Checked' }, { token: compliance.token })).status).toBe(200);
      const licence = await api.post(
        `/v1/seller/products/${product.id}/certificates`,
        { type: 'LICENCE', number: 'UN38.3-2026-117', markets: ['US'], scope: ['explosives.lithium_batteries'], issuer: 'SGS', valid_from: '2026-01-01', valid_to: '2027-01-01' },
        { token: owner.token },
      );
      expect(licence.status).toBe(201);
      expect(licence.body).toMatchObject({ type: 'LICENCE', status: 'submitted', scope: ['explosives.lithium_batteries'] });
      await app().settle();
      expect(listingIn(await get(product.id, owner), 'US')).toMatchObject({ status: 'pending_review', held: true });

      const verified = await api.post(`/v1/ops/compliance/certificates/${licence.body.id}/review`, { outcome: 'verified', reason: 'UN38.3 test summary and DG approval on file' }, { token: compliance.token });
      expect(verified.status).toBe(200);
      expect(verified.body.status).toBe('verified');
      await app().settle();
      expect(listingIn(await get(product.id, owner), 'US')).toMatchObject({ status: 'active', held: false, findings: [], override: null });
      // The hold left the queue by itself.
      expect((await queue()).filter((r) => r.product_id === product.id)).toEqual([]);
    });

    it('holds a category that needs a qualification until a verified QUALIFICATION names it', async () => {
      const owner = await sellerWithOpenStore(app(), api);
      const product = await publish(lipstick(), owner);
      expect(product.listings.map((l: any) => [l.market, l.status, l.held])).toEqual([
        ['US', 'pending_review', true],
        ['ES', 'pending_review', true],
      ]);
      expect(listingIn(product, 'US').findings).toEqual([
        {
          rule: 'category.qualification',
          rule_version: 1,
          outcome: 'hold',
          market: 'US',
          field: '/category',
          evidence: 'no approved qualification for Lipstick',
          message: expect.stringContaining('category qualification'),
          fix: expect.stringContaining('QUALIFICATION certificate'),
        },
      ]);
      expect(findings(product).ES).toEqual([
        ['category.qualification', 1, 'hold', '/category', 'no approved qualification for Lipstick'],
        ['certification.required', 1, 'delist', '/certificates', 'no valid CPNP certificate covers ES'],
      ]);

      const cpnp = await api.post(`/v1/seller/products/${product.id}/certificates`, { type: 'CPNP', number: 'CPNP-4077123', markets: ['EU'], issuer: 'Rouge Europe S.L.', valid_from: '2026-01-01' }, { token: owner.token });
      const qualification = await api.post('/v1/seller/certificates', { type: 'QUALIFICATION', number: 'QUAL-MAKEUP-1', markets: ['US', 'EU'], scope: ['beauty.makeup'], issuer: 'Caravan', valid_from: '2026-01-01' }, { token: owner.token });
      expect([cpnp.status, qualification.status]).toEqual([201, 201]);
      await app().settle();
      const waiting = await get(product.id, owner);
      expect(findings(waiting)).toEqual({
        US: [['category.qualification', 1, 'hold', '/category', 'no approved qualification for Lipstick']],
        ES: [['category.qualification', 1, 'hold', '/category', 'no approved qualification for Lipstick']],
      });

      await api.post(`/v1/ops/compliance/certificates/${qualification.body.id}/review`, { outcome: 'verified', reason: 'Cosmetics distribution licence checked' }, { token: compliance.token });
      await app().settle();
      const admitted = await get(product.id, owner);
      expect(admitted.listings.map((l: any) => [l.market, l.status, l.held, l.findings])).toEqual([
        ['US', 'active', false, []],
        ['ES', 'active', false, []],
      ]);
    });
  });
});

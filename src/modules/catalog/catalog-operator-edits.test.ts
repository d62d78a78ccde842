import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../../test/support/app.ts';
import { createOperator, sellerWithOpenStore, type SellerActor } from '../../../test/support/actors.ts';
import { ledBulb } from '../../../test/support/fixtures.ts';
import { apiClient } from '../../../test/support/http.ts';
import { expectProblem, listingIn, statuses } from '../../../test/support/expect.ts';

/**
 * Operators edit the rules products are judged by: the category tree (file-shaped definitions)
 * and the prohibited list. Both are versioned and audited, and a job judges affected listings again.
 */

type Operator = { token: string; accountId: string };


const LANGUAGES = ['en', 'zh', 'es', 'fr', 'ru', 'pt', 'ar', 'ko'] as const;
const inEveryLanguage = (text: string) => Object.fromEntries(LANGUAGES.map((l) => [l, text]));

/** A vase: no certification rules and no attributes, sold outside the EU so GPSR stays out of it. */
function vase(title = 'Celadon vase, crackle glaze', markets = ['GB', 'US']) {
  return {
    category: 'home_garden.decor.vases',
    main_language: 'en',
    titles: { en: title },
    images: ['https://images.example.com/vase.jpg'],
    model: 'CV-30',
    markets,
    skus: [{ seller_sku: `VASE-${process.pid}-${Math.random().toString(36).slice(2, 8)}`, price: { amount: 8800, currency: 'CNY' } }],
  };
}

describe('operators edit categories and the prohibited list', () => {
  const app = useTestApp({ now: '2026-03-02T02:00:00Z' });
  const api = apiClient(app);
  let seller: SellerActor;
  let compliance: Operator;

  beforeAll(async () => {
    seller = await sellerWithOpenStore(app(), api);
    compliance = await createOperator(app(), api, ['compliance']);
  });

  const publish = async (body: object) => {
    const created = await api.post('/v1/seller/products', { ...body, publish: true }, { token: seller.token });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body;
  };
  const get = async (id: string) => (await api.get(`/v1/seller/products/${id}`, { token: seller.token })).body;
  const definitionOf = async (code: string) => {
    const response = await api.get(`/v1/ops/categories/${code}`, { token: compliance.token });
    expect(response.status).toBe(200);
    return response.body;
  };
  const putCategory = (code: string, definition: object, reason: string, token = compliance.token) => api.put(`/v1/ops/categories/${code}`, { definition, reason }, { token });

  describe('categories', () => {
    it('re-judges the products of a category that gains a certification rule, and keeps each version', async () => {
      const inCategory = await publish(vase());
      const elsewhere = await publish(ledBulb({ markets: ['US'] }));
      expect(statuses(inCategory)).toEqual([
        ['GB', 'active'],
        ['US', 'active'],
      ]);

      const before = await definitionOf('home_garden.decor.vases');
      expect(before).toMatchObject({ code: 'home_garden.decor.vases', version: 1, active: true, updated_by: 'reference-data' });
      expect(before.definition).toEqual({
        code: 'home_garden.decor.vases',
        parent: 'home_garden.decor',
        names: expect.objectContaining({ en: 'Vases', zh: '花瓶' }),
        commission: [],
        certifications: [],
        qualification_required: false,
        attributes: [],
      });

      const rule = { markets: ['GB'], any_of: ['UKCA'], basis: 'Decorative glazes: GB conformity marking (test rule)' };
      const put = await putCategory('home_garden.decor.vases', { ...before.definition, certifications: [rule] }, 'GB now asks for UKCA on glazed ceramics');
      expect(put.status).toBe(200);
      expect(put.body).toEqual({ code: 'home_garden.decor.vases', version: 2 });

      // The category tree the sellers read shows the rule at once; the listings follow after the job.
      const tree = await api.get('/v1/seller/categories', { token: seller.token });
      expect(tree.body.data.find((c: { code: string }) => c.code === 'home_garden.decor.vases').certifications).toEqual([rule]);
      expect(statuses(await get(inCategory.id))).toEqual([
        ['GB', 'active'],
        ['US', 'active'],
      ]);
      // A minute on, so a listing judged again shows it in evaluated_at.
      app().clock.set('2026-03-02T02:01:00Z');
      await app().settle();
      const after = await get(inCategory.id);
      expect(statuses(after)).toEqual([
        ['GB', 'delisted'],
        ['US', 'active'],
      ]);
      expect(listingIn(after, 'GB').findings).toEqual([
        {
          rule: 'certification.required',
          rule_version: 1,
          outcome: 'delist',
          market: 'GB',
          field: '/certificates',
          evidence: 'no valid UKCA certificate covers GB',
          message: expect.stringContaining('Decorative glazes: GB conformity marking (test rule)'),
          fix: expect.stringContaining('UKCA'),
        },
      ]);
      expect(listingIn(after, 'US').evaluated_at).toBe('2026-03-02T02:01:00.000Z');
      expect((await get(elsewhere.id)).listings[0]).toMatchObject({ status: 'active', evaluated_at: '2026-03-02T02:00:00.000Z' });

      const versions = await definitionOf('home_garden.decor.vases');
      expect(versions).toMatchObject({ version: 2, updated_by: compliance.accountId, definition: { certifications: [rule] } });
      expect(versions.history).toEqual([
        { version: 1, changed_by: 'reference-data', changed_at: '2026-03-02T02:00:00.000Z', reason: expect.stringContaining('Category tree'), active: true },
        { version: 2, changed_by: compliance.accountId, changed_at: '2026-03-02T02:00:00.000Z', reason: 'GB now asks for UKCA on glazed ceramics', active: true },
      ]);
      const audit = await app().platform.audit.list(app().platform.db, { subjectType: 'categories', subjectId: 'home_garden.decor.vases', limit: 10 });
      expect(audit.map((r) => [r.action, r.actorId, r.reason, r.toState])).toEqual([['categories.put', compliance.accountId, 'GB now asks for UKCA on glazed ceramics', { version: 2, active: true }]]);

      // Taking the rule out again brings the listing back.
      expect((await putCategory('home_garden.decor.vases', before.definition, 'Rule withdrawn')).body.version).toBe(3);
      await app().settle();
      expect(statuses(await get(inCategory.id))).toEqual([
        ['GB', 'active'],
        ['US', 'active'],
      ]);
    });

    it('re-judges the whole subtree when a parent category changes', async () => {
      const product = await publish(vase('Stoneware vase', ['US']));
      const parent = await definitionOf('home_garden.decor');
      await putCategory('home_garden.decor', { ...parent.definition, certifications: [{ markets: ['US'], any_of: ['CE'], basis: 'Test rule for the whole subtree' }] }, 'Subtree rule');
      await app().settle();
      expect(listingIn(await get(product.id), 'US')).toMatchObject({ status: 'delisted', findings: [expect.objectContaining({ evidence: 'no valid CE certificate covers US' })] });
      await putCategory('home_garden.decor', parent.definition, 'Subtree rule withdrawn');
      await app().settle();
      expect(listingIn(await get(product.id), 'US').status).toBe('active');
    });

    it('refuses an invalid definition with a 422 naming the problem, and keeps the current version', async () => {
      const current = await definitionOf('home_garden.decor.vases');

      const unknownType = await putCategory('home_garden.decor.vases', { ...current.definition, certifications: [{ markets: ['GB'], any_of: ['FCC'], basis: 'Wrong' }] }, 'Bad rule');
      expectProblem(unknownType, 422, 'validation_failed');
      expect(unknownType.body.errors).toEqual([{ in: 'body', path: '/definition', code: 'invalid_category', message: expect.stringContaining('certifications[0].any_of[0] "FCC" is not a certificate type') }]);

      const unknownMarket = await putCategory('home_garden.decor.vases', { ...current.definition, certifications: [{ markets: ['MARS'], any_of: ['CE'], basis: 'Wrong' }] }, 'Bad market');
      expectProblem(unknownMarket, 422, 'validation_failed');
      expect(unknownMarket.body.errors[0].message).toContain('"MARS" is neither an ISO 3166-1 alpha-2 country code nor a market group');

      const orphan = await putCategory('home_garden.decor.vases', { ...current.definition, parent: 'home_garden.nowhere' }, 'Bad parent');
      expectProblem(orphan, 422, 'validation_failed');
      expect(orphan.body.errors[0].message).toContain('"home_garden.nowhere" is not a category');

      const colour = { code: 'colour', names: inEveryLanguage('Colour'), type: 'text', required: false, sku_defining: true };
      const twice = await putCategory('home_garden.decor.vases', { ...current.definition, attributes: [colour, { ...colour, names: inEveryLanguage('Glaze colour') }] }, 'Attribute twice');
      expectProblem(twice, 422, 'validation_failed');
      expect(twice.body.errors[0].message).toContain('attributes[1].code "colour" is defined twice in this category');

      const mismatch = await putCategory('home_garden.decor.vases', { ...current.definition, code: 'home_garden.decor.urns' }, 'Wrong code');
      expectProblem(mismatch, 422, 'validation_failed');
      expect(mismatch.body.errors).toEqual([{ in: 'body', path: '/definition/code', code: 'code_mismatch', message: expect.stringContaining('home_garden.decor.vases') }]);

      const after = await definitionOf('home_garden.decor.vases');
      expect(after.version).toBe(current.version);
      expect(after.history).toHaveLength(current.history.length);
    });

    it('lets only admins and compliance operators edit categories', async () => {
      const current = await definitionOf('home_garden.decor.vases');
      for (const roles of [['reviewer'], ['support'], ['finance']] as const) {
        const operator = await createOperator(app(), api, [...roles]);
        expectProblem(await putCategory('home_garden.decor.vases', current.definition, 'Not allowed', operator.token), 403, 'permission_denied');
      }
      expectProblem(await putCategory('home_garden.decor.vases', current.definition, 'Not allowed', seller.token), 403, 'operator_account_required');
      expectProblem(await api.get('/v1/ops/categories/home_garden.decor.vases', { token: seller.token }), 403, 'operator_account_required');
      const admin = await createOperator(app(), api, ['admin']);
      const byAdmin = await putCategory('home_garden.decor.vases', { ...current.definition, names: { ...current.definition.names, en: 'Vases & urns' } }, 'Clearer name');
      expect(byAdmin.status).toBe(200);
      expect((await putCategory('home_garden.decor.vases', current.definition, 'Name back', admin.token)).status).toBe(200);
      expect((await definitionOf('home_garden.decor.vases')).version).toBe(current.version + 2);
    });
  });

  describe('the prohibited list', () => {
    const item = (keyword: string, action: 'prohibit' | 'restrict' = 'prohibit') => ({
      category_code: 'operator_test',
      category_names: inEveryLanguage('Operator test items'),
      names: inEveryLanguage('Crackle glaze'),
      keywords: Object.fromEntries(LANGUAGES.map((l) => [l, [keyword]])),
      jurisdictions: ['*'],
      action,
      ...(action === 'restrict' ? { licence: 'Operator pre-approval' } : {}),
    });
    const listRevision = async () => (await api.get('/v1/ops/compliance/prohibited-items', { token: compliance.token })).body.revision as number;

    it('delists live listings and rejects new ones that match an added keyword, after the job; retiring it restores them', async () => {
      const live = await publish(vase('Celadon vase, crackle glaze'));
      const unrelated = await publish(vase('Plain white vase'));
      const revision = await listRevision();

      const added = await api.put('/v1/ops/compliance/prohibited-items/operator_test.crackle_glaze', { item: item('crackle glaze'), reason: 'Lead glaze recall (test)' }, { token: compliance.token });
      expect(added.status).toBe(200);
      expect(added.body).toMatchObject({ id: 'operator_test.crackle_glaze', version: 1, active: true, action: 'prohibit', updated_by: compliance.accountId, keywords: expect.objectContaining({ en: ['crackle glaze'] }) });
      expect(await listRevision()).toBe(revision + 1);

      expect(statuses(await get(live.id))).toEqual([
        ['GB', 'active'],
        ['US', 'active'],
      ]);
      await app().settle();
      const delisted = await get(live.id);
      expect(statuses(delisted)).toEqual([
        ['GB', 'delisted'],
        ['US', 'delisted'],
      ]);
      expect(listingIn(delisted, 'US').findings).toEqual([expect.objectContaining({ rule: 'prohibited.item', rule_version: revision + 1, field: '/titles/en', evidence: 'crackle glaze' })]);
      expect(statuses(await get(unrelated.id))).toEqual([
        ['GB', 'active'],
        ['US', 'active'],
      ]);
      const fresh = await publish(vase('Crackle glaze bowl vase', ['US']));
      expect(listingIn(fresh, 'US')).toMatchObject({ status: 'rejected', findings: [expect.objectContaining({ evidence: 'Crackle glaze' })] });

      const retired = await api.delete('/v1/ops/compliance/prohibited-items/operator_test.crackle_glaze?reason=Recall%20closed', { token: compliance.token });
      expect(retired.status).toBe(200);
      expect(retired.body).toMatchObject({ version: 2, active: false });
      await app().settle();
      expect(statuses(await get(live.id))).toEqual([
        ['GB', 'active'],
        ['US', 'active'],
      ]);
      expect(listingIn(await get(fresh.id), 'US')).toMatchObject({ status: 'active', findings: [] });

      const listed = await api.get('/v1/ops/compliance/prohibited-items', { token: compliance.token });
      expect(listed.body.data.find((i: { id: string }) => i.id === 'operator_test.crackle_glaze')).toMatchObject({ version: 2, active: false });
      const audit = await app().platform.audit.list(app().platform.db, { subjectType: 'prohibited_items', subjectId: 'operator_test.crackle_glaze', limit: 10 });
      expect(audit.map((r) => [r.action, r.reason])).toEqual([
        ['prohibited_items.deactivate', 'Recall closed'],
        ['prohibited_items.put', 'Lead glaze recall (test)'],
      ]);
    });

    it('turns a prohibited item into a restricted one: live listings are held for review instead', async () => {
      const product = await publish(vase('Raku vase, gold lustre', ['US']));
      await api.put('/v1/ops/compliance/prohibited-items/operator_test.gold_lustre', { item: item('gold lustre', 'restrict'), reason: 'Needs review (test)' }, { token: compliance.token });
      await app().settle();
      expect(listingIn(await get(product.id), 'US')).toMatchObject({ status: 'pending_review', held: true, findings: [expect.objectContaining({ rule: 'restricted.item', evidence: 'gold lustre' })] });
      const queue = await api.get('/v1/ops/compliance/queue?limit=100', { token: compliance.token });
      expect(queue.body.data.filter((r: { product_id: string }) => r.product_id === product.id).map((r: { kind: string }) => r.kind)).toEqual(['hold']);
      await api.delete('/v1/ops/compliance/prohibited-items/operator_test.gold_lustre?reason=Done%20testing', { token: compliance.token });
      await app().settle();
      expect(listingIn(await get(product.id), 'US')).toMatchObject({ status: 'active', held: false });
    });

    it('refuses an item the list cannot hold, naming the problem', async () => {
      const revision = await listRevision();
      const wrongPrefix = await api.put('/v1/ops/compliance/prohibited-items/other_category.thing', { item: item('thing'), reason: 'Wrong id' }, { token: compliance.token });
      expectProblem(wrongPrefix, 422, 'validation_failed');
      expect(wrongPrefix.body.errors).toEqual([{ in: 'body', path: '', code: 'invalid_prohibited_item', message: expect.stringContaining('must be "operator_test." followed by a lower-case name') }]);
      const noLicence = await api.put('/v1/ops/compliance/prohibited-items/operator_test.unlicensed', { item: { ...item('unlicensed thing'), action: 'restrict' }, reason: 'No licence' }, { token: compliance.token });
      expectProblem(noLicence, 422, 'validation_failed');
      expect(noLicence.body.errors[0].message).toContain('licence');
      expect(await listRevision()).toBe(revision);
    });

    it('answers 404 for retiring an item that is not on the list', async () => {
      expectProblem(await api.delete('/v1/ops/compliance/prohibited-items/operator_test.never_listed?reason=Cleanup', { token: compliance.token }), 404, 'not_found');
    });

    it('lets only admins and compliance operators change the list', async () => {
      for (const roles of [['reviewer'], ['support'], ['finance']] as const) {
        const operator = await createOperator(app(), api, [...roles]);
        expectProblem(await api.get('/v1/ops/compliance/prohibited-items', { token: operator.token }), 403, 'permission_denied');
        expectProblem(await api.put('/v1/ops/compliance/prohibited-items/operator_test.x', { item: item('x ray'), reason: 'Not allowed' }, { token: operator.token }), 403, 'permission_denied');
        expectProblem(await api.delete('/v1/ops/compliance/prohibited-items/wildlife.rhino_horn?reason=Not%20allowed', { token: operator.token }), 403, 'permission_denied');
      }
      expectProblem(await api.delete('/v1/ops/compliance/prohibited-items/wildlife.rhino_horn?reason=Not%20allowed', { token: seller.token }), 403, 'operator_account_required');
      const listed = await api.get('/v1/ops/compliance/prohibited-items', { token: compliance.token });
      expect(listed.body.data.find((i: { id: string }) => i.id === 'wildlife.rhino_horn')).toMatchObject({ active: true, version: 1 });
      expect(listed.body.data.some((i: { id: string }) => i.id === 'operator_test.x')).toBe(false);
    });
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../../test/support/app.ts';
import { createOperator, sellerWithOpenStore, unique, type SellerActor } from '../../../test/support/actors.ts';
import { ledBulb } from '../../../test/support/fixtures.ts';
import { apiClient } from '../../../test/support/http.ts';
import { expectProblem, listingIn } from '../../../test/support/expect.ts';

/**
 * The compliance queue: listings held by the rules and listings buyers report, oldest first, each
 * with its evidence. An operator's decision becomes a standing override through an event.
 */

type Operator = { token: string; accountId: string };


describe('compliance queue and buyer reports', () => {
  const app = useTestApp({ now: '2026-03-02T02:00:00Z' });
  const api = apiClient(app);
  let seller: SellerActor;
  let compliance: Operator;
  let buyer: { token: string };

  beforeAll(async () => {
    seller = await sellerWithOpenStore(app(), api);
    compliance = await createOperator(app(), api, ['compliance']);
    const signUp = await api.post('/v1/store/sign-up', { email: `${unique('buyer')}@buyers.example`, password: 'buyer password 123', display_name: 'Buyer' });
    expect(signUp.status).toBe(201);
    buyer = { token: signUp.body.token };
  });

  const publish = async (body: object = ledBulb({ markets: ['US'] })) => {
    const created = await api.post('/v1/seller/products', { ...body, publish: true }, { token: seller.token });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body;
  };
  const get = async (id: string) => (await api.get(`/v1/seller/products/${id}`, { token: seller.token })).body;
  const queue = async () => {
    const response = await api.get('/v1/ops/compliance/queue?limit=100', { token: compliance.token });
    expect(response.status).toBe(200);
    return response.body.data as any[];
  };
  const queued = async (productId: string) => (await queue()).filter((r) => r.product_id === productId);
  const report = (productId: string, body: object, token: string = buyer.token) => api.post(`/v1/store/products/${productId}/reports`, body, { token });
  const decide = (reviewId: string, outcome: string, reason: string, token = compliance.token) => api.post(`/v1/ops/compliance/queue/${reviewId}/decide`, { outcome, reason }, { token });
  const minutesLater = (minutes: number) => app().clock.set(new Date(app().clock.now().getTime() + minutes * 60_000).toISOString());

  it('takes a buyer’s report of a live listing into the queue with the report', async () => {
    const product = await publish();
    const reported = await report(product.id, { market: 'US', reason: 'unsafe', details: 'The base got hot enough to melt the socket.' });
    expect(reported.status).toBe(202);
    expect(reported.body).toEqual({ review_id: expect.stringMatching(/^lrv_/) });

    expect(await queued(product.id)).toEqual([
      {
        id: reported.body.review_id,
        seller_id: seller.sellerId,
        kind: 'report',
        product_id: product.id,
        market: 'US',
        findings: [],
        report: { reason: 'unsafe', details: 'The base got hot enough to melt the socket.' },
        status: 'open',
        opened_at: app().clock.now().toISOString(),
        decided_at: null,
        decision_reason: null,
      },
    ]);
    // A report alone takes nothing down.
    expect(listingIn(await get(product.id), 'US')).toMatchObject({ status: 'active', held: false, override: null });
  });

  it('takes reports from buyers only, and only of listings that are live', async () => {
    const product = await publish();
    expectProblem(await report(product.id, { market: 'US', reason: 'counterfeit' }, seller.token), 403, 'buyer_account_required');
    expectProblem(await report(product.id, { market: 'US', reason: 'counterfeit' }, compliance.token), 403, 'buyer_account_required');
    expectProblem(await api.post(`/v1/store/products/${product.id}/reports`, { market: 'US', reason: 'counterfeit' }), 401, 'unauthenticated');
    expectProblem(await report(product.id, { market: 'US', reason: 'it is bad' }), 400, 'invalid_request');

    // Not offered in that market; a draft; a delisted listing; a throttled one can be reported.
    expectProblem(await report(product.id, { market: 'FR', reason: 'counterfeit' }), 404, 'not_found');
    const draft = await api.post('/v1/seller/products', ledBulb({ markets: ['US'] }), { token: seller.token });
    expectProblem(await report(draft.body.id, { market: 'US', reason: 'counterfeit' }), 404, 'not_found');
    const delisted = await publish(ledBulb({ markets: ['FR'] }));
    expect(listingIn(delisted, 'FR').status).toBe('delisted');
    expectProblem(await report(delisted.id, { market: 'FR', reason: 'counterfeit' }), 404, 'not_found');
    const throttled = await publish(ledBulb({ markets: ['US'], video: { url: 'https://videos.example.com/led.mp4', duration_seconds: 40 } }));
    expect(listingIn(throttled, 'US').status).toBe('throttled');
    expect((await report(throttled.id, { market: 'US', reason: 'misleading' })).status).toBe(202);

    expect(await queued(product.id)).toEqual([]);
    expect(await queued(delisted.id)).toEqual([]);
  });

  it('lists held and reported listings oldest first', async () => {
    const first = await publish(ledBulb({ markets: ['US'], titles: { ...ledBulb().titles, en: 'LED bulb with power bank' } }));
    minutesLater(1);
    const second = await publish();
    await report(second.id, { market: 'US', reason: 'misleading' });
    minutesLater(1);
    const third = await publish(ledBulb({ markets: ['US'], descriptions: { en: 'LED bulb. Refill with lighter fluid.' } }));
    const ids = [first.id, second.id, third.id];

    const ours = (await queue()).filter((r) => ids.includes(r.product_id));
    expect(ours.map((r) => [r.product_id, r.kind])).toEqual([
      [first.id, 'hold'],
      [second.id, 'report'],
      [third.id, 'hold'],
    ]);
    const times = ours.map((r) => r.opened_at);
    expect([...times].sort()).toEqual(times);
    expect(ours[2].findings.map((f: any) => [f.rule, f.field, f.evidence])).toEqual([['restricted.item', '/descriptions/en', 'lighter fluid']]);

    // Paging keeps the order.
    const all = await queue();
    const pageOne = await api.get('/v1/ops/compliance/queue?limit=2', { token: compliance.token });
    const pageTwo = await api.get(`/v1/ops/compliance/queue?limit=2&cursor=${encodeURIComponent(pageOne.body.next_cursor)}`, { token: compliance.token });
    expect([...pageOne.body.data, ...pageTwo.body.data].map((r: any) => r.id)).toEqual(all.slice(0, 4).map((r) => r.id));
  });

  it('dismisses a report without touching the listing, and a decision is taken once', async () => {
    const product = await publish();
    const { body } = await report(product.id, { market: 'US', reason: 'counterfeit' });
    const dismissed = await decide(body.review_id, 'dismiss', 'Brand authorisation on file');
    expect(dismissed.status).toBe(200);
    expect(dismissed.body).toMatchObject({ id: body.review_id, status: 'dismissed', decision_reason: 'Brand authorisation on file', decided_at: app().clock.now().toISOString() });
    await app().settle();

    expect(listingIn(await get(product.id), 'US')).toMatchObject({ status: 'active', override: null, findings: [] });
    expect(await queued(product.id)).toEqual([]);
    expectProblem(await decide(body.review_id, 'reject', 'Changed my mind'), 409, 'review_already_decided');
    const audit = await app().platform.audit.list(app().platform.db, { subjectType: 'listing_review', subjectId: body.review_id, limit: 10 });
    expect(audit.map((r) => [r.action, r.actorId, r.reason])).toEqual([['listing_review.dismiss', compliance.accountId, 'Brand authorisation on file']]);
  });

  it('delists a reported listing the operator rejects, and the decision stands through edits that find nothing new', async () => {
    const product = await publish();
    const { body } = await report(product.id, { market: 'US', reason: 'unsafe' });
    const rejected = await decide(body.review_id, 'reject', 'Fails the market’s safety recall list');
    expect(rejected.body.status).toBe('rejected');
    // The decision reaches the listing through an event.
    expect(listingIn(await get(product.id), 'US').status).toBe('active');
    await app().settle();
    expect(listingIn(await get(product.id), 'US')).toMatchObject({ status: 'delisted', override: { outcome: 'delist', reason: 'Fails the market’s safety recall list' } });

    const edited = await api.patch(`/v1/seller/products/${product.id}`, { patch: { brand: 'Lumen Home II' } }, { token: seller.token });
    expect(listingIn(edited.body, 'US')).toMatchObject({ status: 'delisted', override: { outcome: 'delist' } });
    // A delisted listing cannot be reported again.
    expectProblem(await report(product.id, { market: 'US', reason: 'unsafe' }), 404, 'not_found');
  });

  it('rejecting a held listing delists it', async () => {
    const product = await publish(ledBulb({ markets: ['US'], titles: { ...ledBulb().titles, en: 'LED bulb with power bank' } }));
    const [hold] = await queued(product.id);
    expect(hold).toMatchObject({ kind: 'hold', status: 'open' });
    await decide(hold.id, 'reject', 'No UN38.3 summary');
    await app().settle();
    expect(listingIn(await get(product.id), 'US')).toMatchObject({ status: 'delisted', held: false, override: { outcome: 'delist', reason: 'No UN38.3 summary' } });
    expect(await queued(product.id)).toEqual([]);
  });

  it('closes a hold by itself when the seller removes what caused it', async () => {
    const product = await publish(ledBulb({ markets: ['US'], titles: { ...ledBulb().titles, en: 'LED bulb with power bank' } }));
    const [hold] = await queued(product.id);
    const fixed = await api.patch(`/v1/seller/products/${product.id}`, { patch: { titles: { en: 'LED bulb 9 W E27' } } }, { token: seller.token });
    expect(listingIn(fixed.body, 'US')).toMatchObject({ status: 'active', held: false, findings: [] });
    expect(await queued(product.id)).toEqual([]);
    expectProblem(await decide(hold.id, 'approve', 'Too late'), 409, 'review_already_decided');
  });

  it('shows the findings a held listing has now, so an approval covers what the operator saw', async () => {
    const product = await publish(ledBulb({ markets: ['US'], titles: { ...ledBulb().titles, en: 'LED bulb with power bank' } }));
    // Still held after the edit, now for a second restricted item as well.
    const edited = await api.patch(`/v1/seller/products/${product.id}`, { patch: { descriptions: { en: 'Comes with a can of lighter fluid.' } } }, { token: seller.token });
    expect(listingIn(edited.body, 'US')).toMatchObject({ status: 'pending_review', held: true });
    const evidence = listingIn(edited.body, 'US').findings.map((f: any) => f.evidence);
    expect(evidence).toEqual(['power bank', 'lighter fluid']);

    const [hold] = await queued(product.id);
    expect(hold.findings.map((f: any) => f.evidence)).toEqual(evidence);
  });

  it('approving a held listing covers only the findings the operator was shown', async () => {
    const product = await publish(ledBulb({ markets: ['US'], titles: { ...ledBulb().titles, en: 'LED bulb with power bank' } }));
    const [hold] = await queued(product.id);
    expect(hold.findings.map((f: any) => f.evidence)).toEqual(['power bank']);
    await api.patch(`/v1/seller/products/${product.id}`, { patch: { descriptions: { en: 'Comes with a can of lighter fluid.' } } }, { token: seller.token });

    await decide(hold.id, 'approve', 'Power bank: UN38.3 summary checked');
    await app().settle();
    // The lighter fluid was never reviewed: the listing must not go live on this approval.
    expect(listingIn(await get(product.id), 'US')).toMatchObject({ status: 'pending_review', held: true });
  });

  it('is open to compliance operators and admins only', async () => {
    const product = await publish();
    const { body } = await report(product.id, { market: 'US', reason: 'other' });
    for (const roles of [['reviewer'], ['support'], ['finance']] as const) {
      const operator = await createOperator(app(), api, [...roles]);
      expectProblem(await api.get('/v1/ops/compliance/queue', { token: operator.token }), 403, 'permission_denied');
      expectProblem(await decide(body.review_id, 'dismiss', 'Not mine to decide', operator.token), 403, 'permission_denied');
    }
    expectProblem(await api.get('/v1/ops/compliance/queue', { token: seller.token }), 403, 'operator_account_required');
    expectProblem(await decide(body.review_id, 'dismiss', 'Not mine to decide', seller.token), 403, 'operator_account_required');
    const admin = await createOperator(app(), api, ['admin']);
    expect((await api.get('/v1/ops/compliance/queue', { token: admin.token })).status).toBe(200);
    expect((await queued(product.id)).map((r) => r.status)).toEqual(['open']);
  });
});

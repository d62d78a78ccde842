import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../../test/support/app.ts';
import { createOperator, sellerWithOpenStore, signInAgain, type SellerActor } from '../../../test/support/actors.ts';
import { ledBulb } from '../../../test/support/fixtures.ts';
import { apiClient } from '../../../test/support/http.ts';
import { expectProblem, listingIn, statuses } from '../../../test/support/expect.ts';
import { pdfFile } from '../../seed/sample-files.ts';

/**
 * Certificates admit products to markets: per product or for all of a seller's products, checked
 * by operators, withdrawn, expiring. Changes reach listings through an event and a job, hence the
 * settle() after each. Operator overrides stand while the findings they decided on stay the same.
 */

type Operator = { token: string; accountId: string };

const ce = (overrides: Record<string, unknown> = {}) => ({ type: 'CE', number: 'DoC-LH-A60-2026', markets: ['EU'], issuer: 'Foshan Lumen Lighting Co., Ltd.', valid_from: '2026-01-01', valid_to: '2026-12-31', ...overrides });

describe('certificates and overrides', () => {
  const app = useTestApp({ now: '2026-03-02T02:00:00Z' });
  const api = apiClient(app);
  let compliance: Operator;

  beforeAll(async () => {
    compliance = await createOperator(app(), api, ['compliance']);
  });

  const publish = async (owner: SellerActor, body: object = ledBulb()) => {
    const created = await api.post('/v1/seller/products', { ...body, publish: true }, { token: owner.token });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body;
  };
  const get = async (owner: SellerActor, id: string) => (await api.get(`/v1/seller/products/${id}`, { token: owner.token })).body;
  const fileFor = async (owner: SellerActor, productId: string | null, body: object) => {
    const response = await api.post(productId ? `/v1/seller/products/${productId}/certificates` : '/v1/seller/certificates', body, { token: owner.token });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body;
  };
  const review = (certificateId: string, outcome: 'verified' | 'rejected', reason: string) => api.post(`/v1/ops/compliance/certificates/${certificateId}/review`, { outcome, reason }, { token: compliance.token });

  it('admits one product with a product-level certificate and all of them with a seller-level one', async () => {
    const seller = await sellerWithOpenStore(app(), api);
    const first = await publish(seller);
    const second = await publish(seller);
    expect([statuses(first), statuses(second)]).toEqual([
      [['ES', 'delisted'], ['FR', 'delisted']],
      [['ES', 'delisted'], ['FR', 'delisted']],
    ]);

    const own = await fileFor(seller, first.id, ce());
    expect(own).toMatchObject({ product_id: first.id, type: 'CE', status: 'submitted', has_file: false, markets: ['EU'], valid_to: '2026-12-31' });
    await app().settle();
    expect(statuses(await get(seller, first.id))).toEqual([['ES', 'active'], ['FR', 'active']]);
    expect(statuses(await get(seller, second.id))).toEqual([['ES', 'delisted'], ['FR', 'delisted']]);

    const general = await fileFor(seller, null, ce({ number: 'DoC-RANGE-2026' }));
    expect(general.product_id).toBeNull();
    await app().settle();
    expect(statuses(await get(seller, second.id))).toEqual([['ES', 'active'], ['FR', 'active']]);

    const all = await api.get('/v1/seller/certificates', { token: seller.token });
    expect(all.body.data.map((c: any) => [c.id, c.product_id])).toEqual([
      [own.id, first.id],
      [general.id, null],
    ]);
    // For one product: its own certificates and the seller-level ones.
    const forSecond = await api.get(`/v1/seller/certificates?product_id=${second.id}`, { token: seller.token });
    expect(forSecond.body.data.map((c: any) => c.id)).toEqual([general.id]);
    const submitted = await api.get('/v1/seller/certificates?status=submitted', { token: seller.token });
    expect(submitted.body.data).toHaveLength(2);
    expect((await api.get(`/v1/seller/certificates/${own.id}`, { token: seller.token })).body).toEqual(own);
  });

  it('keeps the certificate document: a PDF is taken, a text file refused with 415', async () => {
    const seller = await sellerWithOpenStore(app(), api);
    const certificate = await fileFor(seller, null, ce());

    const text = await api.upload(`/v1/seller/certificates/${certificate.id}/file`, Buffer.from('Declaration of conformity (typed)'), 'doc.txt', 'text/plain', { token: seller.token });
    expectProblem(text, 415, 'unsupported_media_type');
    // A PDF's name and declared type do not make a text file a PDF.
    const disguised = await api.upload(`/v1/seller/certificates/${certificate.id}/file`, Buffer.from('not really a pdf'), 'doc.pdf', 'application/pdf', { token: seller.token });
    expectProblem(disguised, 415, 'unsupported_media_type');
    expect((await api.get(`/v1/seller/certificates/${certificate.id}`, { token: seller.token })).body.has_file).toBe(false);
    expectProblem(await api.get(`/v1/seller/certificates/${certificate.id}/file`, { token: seller.token }), 404, 'not_found');

    const pdf = pdfFile();
    const uploaded = await api.upload(`/v1/seller/certificates/${certificate.id}/file`, pdf, 'doc.pdf', 'application/pdf', { token: seller.token });
    expect(uploaded.status).toBe(200);
    expect(uploaded.body).toMatchObject({ id: certificate.id, has_file: true, status: 'submitted' });

    for (const [url, token] of [
      [`/v1/seller/certificates/${certificate.id}/file`, seller.token],
      [`/v1/ops/compliance/certificates/${certificate.id}/file`, compliance.token],
    ] as const) {
      const download = await app().http.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
      expect(download.statusCode).toBe(200);
      expect(download.headers['content-type']).toBe('application/pdf');
      expect(download.rawPayload.equals(pdf)).toBe(true);
    }
    const audit = await app().platform.audit.list(app().platform.db, { subjectType: 'certificate', subjectId: certificate.id, limit: 10 });
    expect(audit.map((r) => r.action)).toEqual(['certificate.attach_file', 'certificate.add']);
  });

  it('delists the listing again when an operator rejects the certificate that admitted it', async () => {
    const seller = await sellerWithOpenStore(app(), api);
    const product = await publish(seller);
    const certificate = await fileFor(seller, product.id, ce());
    await app().settle();
    expect(statuses(await get(seller, product.id))).toEqual([['ES', 'active'], ['FR', 'active']]);

    const queued = await api.get('/v1/ops/compliance/certificates?limit=100', { token: compliance.token });
    expect(queued.body.data.map((c: { id: string }) => c.id)).toContain(certificate.id);

    const rejected = await review(certificate.id, 'rejected', 'The declaration names another product model.');
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', rejection_reason: 'The declaration names another product model.', reviewed_at: '2026-03-02T02:00:00.000Z' });
    await app().settle();

    const after = await get(seller, product.id);
    expect(statuses(after)).toEqual([['ES', 'delisted'], ['FR', 'delisted']]);
    expect(listingIn(after, 'ES').findings).toEqual([expect.objectContaining({ rule: 'certification.required', evidence: 'no valid CE certificate covers ES' })]);
    expect((await api.get(`/v1/seller/certificates/${certificate.id}`, { token: seller.token })).body).toMatchObject({ status: 'rejected', rejection_reason: 'The declaration names another product model.' });
  });

  it('delists the listing again when the seller withdraws the certificate, which cannot be changed after', async () => {
    const seller = await sellerWithOpenStore(app(), api);
    const product = await publish(seller);
    const certificate = await fileFor(seller, product.id, ce());
    await app().settle();
    expect(statuses(await get(seller, product.id))).toEqual([['ES', 'active'], ['FR', 'active']]);

    const withdrawn = await api.delete(`/v1/seller/certificates/${certificate.id}?reason=Superseded%20by%20a%20new%20declaration`, { token: seller.token });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.status).toBe('withdrawn');
    await app().settle();
    expect(statuses(await get(seller, product.id))).toEqual([['ES', 'delisted'], ['FR', 'delisted']]);

    expectProblem(await review(certificate.id, 'verified', 'Looks fine'), 409, 'certificate_withdrawn');
    expectProblem(await api.upload(`/v1/seller/certificates/${certificate.id}/file`, pdfFile(), 'doc.pdf', 'application/pdf', { token: seller.token }), 409, 'certificate_withdrawn');
    const audit = await app().platform.audit.list(app().platform.db, { subjectType: 'certificate', subjectId: certificate.id, limit: 10 });
    expect(audit.map((r) => [r.action, r.reason])).toEqual([
      ['certificate.withdraw', 'Superseded by a new declaration'],
      ['certificate.add', null],
    ]);
  });

  it('does not count an expired certificate, and says when it expired', async () => {
    const seller = await sellerWithOpenStore(app(), api);
    const product = await publish(seller);
    const expired = await fileFor(seller, product.id, ce({ valid_from: '2025-01-01', valid_to: '2026-02-28' }));
    await app().settle();
    const after = await get(seller, product.id);
    expect(statuses(after)).toEqual([['ES', 'delisted'], ['FR', 'delisted']]);
    expect(listingIn(after, 'FR').findings).toEqual([
      expect.objectContaining({ rule: 'certification.required', rule_version: 1, evidence: `CE certificate ${expired.id} expired on 2026-02-28`, fix: expect.stringContaining('renewed CE certificate') }),
    ]);
  });

  it('refuses a certificate with dates the wrong way round, an unknown market, or a licence naming nothing', async () => {
    const seller = await sellerWithOpenStore(app(), api);
    const response = await api.post('/v1/seller/certificates', ce({ markets: ['EU', 'ZZ'], valid_from: '2026-06-01', valid_to: '2026-05-31' }), { token: seller.token });
    expectProblem(response, 422, 'validation_failed');
    expect(response.body.errors.map((e: { path: string; code: string }) => [e.path, e.code])).toEqual([
      ['/markets/1', 'unknown_market'],
      ['/valid_to', 'before_start'],
    ]);
    const licence = await api.post('/v1/seller/certificates', ce({ type: 'LICENCE' }), { token: seller.token });
    expectProblem(licence, 422, 'validation_failed');
    expect(licence.body.errors.map((e: { path: string; code: string }) => [e.path, e.code])).toEqual([['/scope', 'required']]);
    expectProblem(await api.post('/v1/seller/certificates', ce({ type: 'FCC' }), { token: seller.token }), 400, 'invalid_request');
    expect((await api.get('/v1/seller/certificates', { token: seller.token })).body.data).toEqual([]);
  });

  describe('operator overrides', () => {
    it('stand while the findings stay the same and lapse when they change', async () => {
      const seller = await sellerWithOpenStore(app(), api);
      const product = await publish(seller);
      expect(statuses(product)).toEqual([['ES', 'delisted'], ['FR', 'delisted']]);

      const overridden = await api.post(`/v1/ops/listings/${product.id}/ES/override`, { outcome: 'pass', reason: 'CE declaration seen on the manufacturer’s site' }, { token: compliance.token });
      expect(overridden.status).toBe(200);
      expect(listingIn(overridden.body, 'ES')).toMatchObject({
        status: 'active',
        override: { outcome: 'pass', reason: 'CE declaration seen on the manufacturer’s site', at: '2026-03-02T02:00:00.000Z' },
        findings: [expect.objectContaining({ rule: 'certification.required' })],
      });
      // Only the market it names.
      expect(listingIn(overridden.body, 'FR')).toMatchObject({ status: 'delisted', override: null });
      const records = await app().platform.audit.list(app().platform.db, { subjectType: 'listing', subjectId: `${product.id}:ES`, limit: 20 });
      expect(records.slice(0, 3).map((r) => [r.action, r.actorType, r.reason])).toEqual([
        ['listing.approve', 'operator', 'Operator override: CE declaration seen on the manufacturer’s site'],
        ['listing.relist', 'operator', 'Operator override: CE declaration seen on the manufacturer’s site'],
        ['listing.override', 'operator', 'CE declaration seen on the manufacturer’s site'],
      ]);

      // An edit that finds the same things keeps the decision.
      const reworded = await api.patch(`/v1/seller/products/${product.id}`, { patch: { descriptions: { en: 'Energy-saving LED bulb, 806 lm.' } } }, { token: seller.token });
      expect(listingIn(reworded.body, 'ES')).toMatchObject({ status: 'active', override: { outcome: 'pass' } });

      // An edit that changes the findings ends it: the listing is judged afresh.
      const longer = await api.patch(`/v1/seller/products/${product.id}`, { patch: { video: { url: 'https://videos.example.com/led.mp4', duration_seconds: 45 } } }, { token: seller.token });
      expect(listingIn(longer.body, 'ES')).toMatchObject({ status: 'delisted', override: null });
      expect(listingIn(longer.body, 'ES').findings.map((f: { rule: string }) => f.rule)).toEqual(['certification.required', 'media.video_length']);
      // Going back to the old findings does not revive it.
      const shorter = await api.patch(`/v1/seller/products/${product.id}`, { patch: { video: null } }, { token: seller.token });
      expect(listingIn(shorter.body, 'ES')).toMatchObject({ status: 'delisted', override: null });
    });

    it('can take down a listing that passes every rule, until its findings change', async () => {
      const seller = await sellerWithOpenStore(app(), api);
      const product = await publish(seller, ledBulb({ markets: ['US'] }));
      const down = await api.post(`/v1/ops/listings/${product.id}/US/override`, { outcome: 'delist', reason: 'Authority removal order 2026-117' }, { token: compliance.token });
      expect(down.status).toBe(200);
      expect(listingIn(down.body, 'US')).toMatchObject({ status: 'delisted', findings: [], override: { outcome: 'delist', reason: 'Authority removal order 2026-117' } });
      const edited = await api.patch(`/v1/seller/products/${product.id}`, { patch: { brand: 'Lumen Pro' } }, { token: seller.token });
      expect(listingIn(edited.body, 'US')).toMatchObject({ status: 'delisted', override: { outcome: 'delist' } });
      const operatorView = await api.get(`/v1/ops/products/${product.id}`, { token: compliance.token });
      expect(operatorView.status).toBe(200);
      expect(listingIn(operatorView.body, 'US').status).toBe('delisted');
    });

    it('are for compliance operators, and need a listing that exists', async () => {
      const seller = await sellerWithOpenStore(app(), api);
      const product = await publish(seller, ledBulb({ markets: ['US'] }));
      const support = await createOperator(app(), api, ['support']);
      expectProblem(await api.post(`/v1/ops/listings/${product.id}/US/override`, { outcome: 'delist', reason: 'Because' }, { token: support.token }), 403, 'permission_denied');
      expectProblem(await api.post(`/v1/ops/listings/${product.id}/US/override`, { outcome: 'pass', reason: 'Because' }, { token: seller.token }), 403, 'operator_account_required');
      expectProblem(await api.post(`/v1/ops/listings/${product.id}/ES/override`, { outcome: 'pass', reason: 'Because' }, { token: compliance.token }), 404, 'not_found');
      expectProblem(await api.post(`/v1/ops/listings/${product.id}/US/override`, { outcome: 'pass', reason: 'x' }, { token: compliance.token }), 400, 'invalid_request');
      expect(listingIn(await get(seller, product.id), 'US')).toMatchObject({ status: 'active', override: null });
      expectProblem(await review(product.id.replace('prd_', 'cer_'), 'verified', 'Looks fine'), 404, 'not_found');
      expectProblem(await api.post(`/v1/ops/compliance/certificates/${product.id.replace('prd_', 'cer_')}/review`, { outcome: 'verified', reason: 'Looks fine' }, { token: support.token }), 403, 'permission_denied');
    });
  });

  // These move the clock forward for good, so they come last.
  describe('over time', () => {
    it('delists on the day after the last valid day, through the scheduled check', async () => {
      let seller: SellerActor = await sellerWithOpenStore(app(), api);
      const product = await publish(seller, ledBulb({ markets: ['ES'] }));
      await fileFor(seller, product.id, ce({ valid_to: '2026-03-03' }));
      await app().settle();
      expect(statuses(await get(seller, product.id))).toEqual([['ES', 'active']]);

      app().clock.set('2026-03-03T23:10:00Z');
      await app().settle();
      seller = await signInAgain(api, seller);
      expect(statuses(await get(seller, product.id))).toEqual([['ES', 'active']]);
      app().clock.set('2026-03-04T00:10:00Z');
      await app().settle();
      expect(listingIn(await get(seller, product.id), 'ES')).toMatchObject({ status: 'delisted', findings: [expect.objectContaining({ evidence: expect.stringContaining('expired on 2026-03-03') })] });
    });

    it('admits the listing on the first day of a certificate filed before it is valid', async () => {
      let seller: SellerActor = await sellerWithOpenStore(app(), api);
      const product = await publish(seller, ledBulb({ markets: ['ES'] }));
      await fileFor(seller, product.id, ce({ valid_from: '2026-03-06' }));
      await app().settle();
      expect(statuses(await get(seller, product.id))).toEqual([['ES', 'delisted']]);

      app().clock.set('2026-03-06T01:10:00Z');
      await app().settle();
      seller = await signInAgain(api, seller);
      expect(listingIn(await get(seller, product.id), 'ES')).toMatchObject({ status: 'active', findings: [] });
    });
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../../test/support/app.ts';
import { createOperator, signUpSeller, submittedApplication, unique, uploadRequiredDocuments, type SellerActor } from '../../../test/support/actors.ts';
import { enterpriseForm, individualForm } from '../../../test/support/fixtures.ts';
import { apiClient, type ApiClient } from '../../../test/support/http.ts';
import { expectProblem } from '../../../test/support/expect.ts';
import { pdfFile } from '../../seed/sample-files.ts';
import type { ApplicationForm } from './rules.ts';

/**
 * The review lifecycle beyond the happy path, through HTTP: refused moves, editing rules,
 * decisions racing each other, submission-time checks, and the review deadline on China's
 * business calendar.
 */

type Operator = { token: string; accountId: string };

const standardForm = (overrides: Partial<ApplicationForm> = {}) => enterpriseForm({ store: { name: unique('Store'), type: 'standard' }, ...overrides });

async function draftWithDocuments(api: ApiClient, seller: SellerActor, form: ApplicationForm = standardForm(), kind: 'enterprise' | 'individual' = 'enterprise') {
  const created = await api.post('/v1/seller/applications', { kind, form }, { token: seller.token });
  expect(created.status).toBe(201);
  await uploadRequiredDocuments(api, created.body.id, seller.token);
  return created.body.id as string;
}

describe('seller applications through HTTP', () => {
  // Monday 24 November 2025, 10:00 in Shanghai: the shipped no-fee policy covers approvals.
  const app = useTestApp({ now: '2025-11-24T02:00:00Z' });
  const api = apiClient(app);
  let reviewer: Operator;

  beforeAll(async () => {
    reviewer = await createOperator(app(), api, ['reviewer'], 'full');
  });

  const op = (action: string, applicationId: string, body: object = {}) => api.post(`/v1/ops/seller-applications/${applicationId}/${action}`, body, { token: reviewer.token });
  const opView = async (applicationId: string) => (await api.get(`/v1/ops/seller-applications/${applicationId}`, { token: reviewer.token })).body;
  const history = async (applicationId: string) => (await api.get(`/v1/ops/seller-applications/${applicationId}/history`, { token: reviewer.token })).body.data as { action: string }[];
  const decisions = (records: { action: string }[]) => records.filter((r) => ['seller_application.approve', 'seller_application.reject'].includes(r.action));

  async function underReview(form?: ApplicationForm) {
    const { seller, application } = await submittedApplication(api, form);
    expect((await op('start-review', application.id)).status).toBe(200);
    return { seller, applicationId: application.id as string };
  }

  /** What a refused move must leave exactly as it was: the application and its audit trail. */
  async function snapshot(applicationId: string) {
    const view = await opView(applicationId);
    const trail = (await history(applicationId)).filter((r) => r.action.startsWith('seller_application.'));
    return { status: view.status, version: view.version, updated_at: view.updated_at, store: view.store, trail: trail.length };
  }

  describe('personal data in operators’ answers', () => {
    it('records every answer that shows identity data in full, decisions included', async () => {
      const { applicationId } = await underReview();
      const views = async () => (await history(applicationId)).filter((r) => r.action === 'personal_data.view').length;
      const before = await views();
      const decided = await op('request-info', applicationId, { reason: 'Need the bank proof.', requests: [{ message: 'Upload it.' }] });
      expect(decided.body.form.representative.id_number).toBe('440308199901101512');
      expect(await views()).toBe(before + 1);
    });

    it('masks an individual business’s name, a person’s name in effect, for tiers that hide contact data', async () => {
      const { application } = await submittedApplication(api, individualForm({ store: { name: unique('Li'), type: 'standard' } }), 'individual');
      const masked = await createOperator(app(), api, ['reviewer'], 'masked');
      const queue = (await api.get('/v1/ops/seller-applications?limit=100', { token: masked.token })).body.data as { id: string; entity_name: string }[];
      expect(queue.find((item) => item.id === application.id)?.entity_name).toBe('义*******');
      const view = await api.get(`/v1/ops/seller-applications/${application.id}`, { token: masked.token });
      expect(view.body.form.entity.name).toBe('义*******');
      expect(view.body.form.bank_account.holder_name).toBe('李*');
      const full = (await api.get('/v1/ops/seller-applications?limit=100', { token: reviewer.token })).body.data as { id: string; entity_name: string }[];
      expect(full.find((item) => item.id === application.id)?.entity_name).toBe('义乌市小李饰品店');
    });
  });

  describe('lifecycle', () => {
    it('refuses illegal transitions with 409 illegal_transition and changes nothing', async () => {
      const seller = await signUpSeller(api);
      const draftId = await draftWithDocuments(api, seller);
      const draftBefore = await snapshot(draftId);
      const approveDraft = await op('approve', draftId, { reason: 'Looks fine to me.' });
      expectProblem(approveDraft, 409, 'illegal_transition');
      expect(approveDraft.body.detail).toContain('draft');
      const resubmitDraft = await api.post(`/v1/seller/applications/${draftId}/resubmit`, {}, { token: seller.token });
      expectProblem(resubmitDraft, 409, 'illegal_transition');
      expect(resubmitDraft.body.detail).toContain('Possible now: submit.');
      expect(await snapshot(draftId)).toEqual(draftBefore);

      const first = await api.post(`/v1/seller/applications/${draftId}/submit`, {}, { token: seller.token });
      expect(first.status).toBe(200);
      const submittedBefore = await snapshot(draftId);
      expectProblem(await api.post(`/v1/seller/applications/${draftId}/submit`, {}, { token: seller.token }), 409, 'illegal_transition');
      expect(await snapshot(draftId)).toEqual(submittedBefore);

      const approved = await underReview();
      expect((await op('approve', approved.applicationId, { reason: 'All documents verified.' })).status).toBe(200);
      const approvedBefore = await snapshot(approved.applicationId);
      expectProblem(await op('start-review', approved.applicationId), 409, 'illegal_transition');
      expect(await snapshot(approved.applicationId)).toEqual(approvedBefore);

      const returned = await underReview();
      expect((await op('request-info', returned.applicationId, { reason: 'The licence scan is unreadable.', requests: [{ message: 'Upload a sharper scan.' }] })).status).toBe(200);
      const returnedBefore = await snapshot(returned.applicationId);
      expectProblem(await op('reject', returned.applicationId, { reason: 'Giving up on this one.' }), 409, 'illegal_transition');
      expect(await snapshot(returned.applicationId)).toEqual(returnedBefore);
    });

    it('lists the actions the state allows, for the applicant and for an operator', async () => {
      const seller = await signUpSeller(api);
      const id = await draftWithDocuments(api, seller);
      const actions = async () => ({
        seller: (await api.get(`/v1/seller/applications/${id}`, { token: seller.token })).body.allowed_actions,
        operator: (await opView(id)).allowed_actions,
      });

      expect(await actions()).toEqual({ seller: ['update', 'upload_document', 'submit'], operator: [] });
      await api.post(`/v1/seller/applications/${id}/submit`, {}, { token: seller.token });
      expect(await actions()).toEqual({ seller: [], operator: ['start_review'] });
      await op('start-review', id);
      expect(await actions()).toEqual({ seller: [], operator: ['approve', 'reject', 'request_info'] });
      await op('request-info', id, { reason: 'Bank proof needed.', requests: [{ message: 'Upload a bank statement.' }] });
      expect(await actions()).toEqual({ seller: ['update', 'upload_document', 'resubmit'], operator: [] });
      await api.post(`/v1/seller/applications/${id}/resubmit`, {}, { token: seller.token });
      expect(await actions()).toEqual({ seller: [], operator: ['start_review'] });
      await op('start-review', id);
      expect((await op('reject', id, { reason: 'The bank statement is not the company’s.' })).status).toBe(200);
      expect(await actions()).toEqual({ seller: [], operator: [] });

      const approved = await underReview();
      await op('approve', approved.applicationId, { reason: 'Verified.' });
      expect((await api.get(`/v1/seller/applications/${approved.applicationId}`, { token: approved.seller.token })).body.allowed_actions).toEqual([]);
      expect((await opView(approved.applicationId)).allowed_actions).toEqual([]);
    });

    it('refuses edits while the application is submitted or under review', async () => {
      const { seller, application } = await submittedApplication(api, standardForm());
      const edit = () => api.patch(`/v1/seller/applications/${application.id}`, { form: { store: { name: 'Renamed While Waiting' } } }, { token: seller.token });
      expectProblem(await edit(), 409, 'application_not_editable');
      await op('start-review', application.id);
      expectProblem(await edit(), 409, 'application_not_editable');
      const view = await api.get(`/v1/seller/applications/${application.id}`, { token: seller.token });
      expect(view.body.form.store.name).toBe(application.form.store.name);
      expect(view.body.version).toBe(application.version + 1);
    });

    it('refuses an edit based on a stale version with 409 version_conflict', async () => {
      const seller = await signUpSeller(api);
      const created = await api.post('/v1/seller/applications', { kind: 'enterprise', form: standardForm() }, { token: seller.token });
      const version: number = created.body.version;

      const mine = await api.patch(`/v1/seller/applications/${created.body.id}`, { form: { store: { name: 'First Edit Wins' } }, expected_version: version }, { token: seller.token });
      expect(mine.status).toBe(200);
      expect(mine.body.version).toBe(version + 1);

      const stale = await api.patch(`/v1/seller/applications/${created.body.id}`, { form: { store: { name: 'Stale Edit Loses' } }, expected_version: version }, { token: seller.token });
      expectProblem(stale, 409, 'version_conflict');
      const view = await api.get(`/v1/seller/applications/${created.body.id}`, { token: seller.token });
      expect(view.body).toMatchObject({ version: version + 1, form: { store: { name: 'First Edit Wins' } } });
    });

    it('removes a field patched to null (RFC 7396) and reports it as a problem', async () => {
      const seller = await signUpSeller(api);
      const id = await draftWithDocuments(api, seller);
      expect((await api.get(`/v1/seller/applications/${id}`, { token: seller.token })).body.problems).toEqual([]);

      const removed = await api.patch(`/v1/seller/applications/${id}`, { form: { entity: { business_scope: null }, bank_account: { branch: null } } }, { token: seller.token });
      expect(removed.status).toBe(200);
      expect(removed.body.form.entity).not.toHaveProperty('business_scope');
      expect(removed.body.form.entity.name).toBe('深圳市星河跨境贸易有限公司');
      expect(removed.body.problems).toEqual([{ in: 'body', path: '/entity/business_scope', code: 'required', message: 'is required' }]);

      // A whole section goes the same way.
      const noStore = await api.patch(`/v1/seller/applications/${id}`, { form: { store: null } }, { token: seller.token });
      expect(noStore.body.form).not.toHaveProperty('store');
      expect(noStore.body.problems.map((p: { path: string; code: string }) => `${p.path} ${p.code}`)).toEqual(['/entity/business_scope required', '/store/name required']);

      const restored = await api.patch(`/v1/seller/applications/${id}`, { form: { entity: { business_scope: '货物进出口' }, store: { name: unique('Store') } } }, { token: seller.token });
      expect(restored.body.problems).toEqual([]);
    });

    it('fixes the kind of applicant at the first submission', async () => {
      const seller = await signUpSeller(api);
      const id = await draftWithDocuments(api, seller);

      // Still a draft: the applicant may change their mind, and the checks follow the new kind.
      const asIndividual = await api.patch(`/v1/seller/applications/${id}`, { kind: 'individual' }, { token: seller.token });
      expect(asIndividual.status).toBe(200);
      expect(asIndividual.body.kind).toBe('individual');
      expect(asIndividual.body.problems.map((p: { path: string; code: string }) => `${p.path} ${p.code}`)).toContain('/entity/uscc uscc_kind_mismatch');
      expect((await api.patch(`/v1/seller/applications/${id}`, { kind: 'enterprise' }, { token: seller.token })).body.problems).toEqual([]);

      expect((await api.post(`/v1/seller/applications/${id}/submit`, {}, { token: seller.token })).status).toBe(200);
      await op('start-review', id);
      await op('request-info', id, { reason: 'Scope unclear.', requests: [{ path: '/entity/business_scope', message: 'Quote the scope exactly.' }] });
      const before = await api.get(`/v1/seller/applications/${id}`, { token: seller.token });

      const change = await api.patch(`/v1/seller/applications/${id}`, { kind: 'individual' }, { token: seller.token });
      expectProblem(change, 409, 'kind_fixed_after_submission');
      const after = await api.get(`/v1/seller/applications/${id}`, { token: seller.token });
      expect(after.body).toMatchObject({ kind: 'enterprise', status: 'needs_info', version: before.body.version });
    });

    it('allows one open application per seller, and a new one after a rejection', async () => {
      const seller = await signUpSeller(api);
      const id = await draftWithDocuments(api, seller);
      const second = await api.post('/v1/seller/applications', { kind: 'enterprise', form: standardForm() }, { token: seller.token });
      expectProblem(second, 409, 'application_in_progress');

      await api.post(`/v1/seller/applications/${id}/submit`, {}, { token: seller.token });
      await op('start-review', id);
      expectProblem(await api.post('/v1/seller/applications', { kind: 'individual' }, { token: seller.token }), 409, 'application_in_progress');
      expect((await op('reject', id, { reason: 'The licence was revoked.' })).status).toBe(200);

      // "Newest first" is by creation time; a real applicant comes back at least a moment later.
      app().clock.advance({ minutes: 10 });
      const fresh = await api.post('/v1/seller/applications', { kind: 'individual', form: individualForm({ store: { name: unique('Store'), type: 'standard' } }) }, { token: seller.token });
      expect(fresh.status).toBe(201);
      expect(fresh.body).toMatchObject({ status: 'draft', kind: 'individual', version: 1 });
      const list = await api.get('/v1/seller/applications', { token: seller.token });
      expect(list.body.data.map((a: { id: string; status: string }) => [a.id, a.status])).toEqual([
        [fresh.body.id, 'draft'],
        [id, 'rejected'],
      ]);
      expect((await api.get('/v1/seller/profile', { token: seller.token })).body.latest_application).toEqual({ id: fresh.body.id, status: 'draft' });
    });
  });

  describe('decisions at the same moment', () => {
    it('lets exactly one of an approval and a rejection win', async () => {
      for (let round = 0; round < 3; round++) {
        const { seller, applicationId } = await underReview();
        const [approve, reject] = await Promise.all([
          op('approve', applicationId, { reason: 'Everything checks out.' }),
          op('reject', applicationId, { reason: 'The licence is forged.' }),
        ]);
        expect([approve.status, reject.status].sort()).toEqual([200, 409]);
        const loser = approve.status === 409 ? approve : reject;
        expect(loser.body.code).toBe('illegal_transition');

        const trail = await history(applicationId);
        expect(decisions(trail)).toHaveLength(1);
        const view = await opView(applicationId);
        const profile = (await api.get('/v1/seller/profile', { token: seller.token })).body;
        if (approve.status === 200) {
          expect(decisions(trail)[0]!.action).toBe('seller_application.approve');
          expect(view.status).toBe('approved');
          expect(profile).toMatchObject({ seller: { status: 'active' }, store: { id: view.store.id } });
        } else {
          expect(decisions(trail)[0]!.action).toBe('seller_application.reject');
          expect(view).toMatchObject({ status: 'rejected', store: null });
          expect(profile).toMatchObject({ seller: { status: 'onboarding' }, store: null });
        }
      }
    });

    it('lets exactly one of two simultaneous submissions through', async () => {
      const seller = await signUpSeller(api);
      const id = await draftWithDocuments(api, seller);
      const results = await Promise.all([
        api.post(`/v1/seller/applications/${id}/submit`, {}, { token: seller.token }),
        api.post(`/v1/seller/applications/${id}/submit`, {}, { token: seller.token }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(results.find((r) => r.status === 409)!.body.code).toBe('illegal_transition');
      const trail = await history(id);
      expect(trail.filter((r) => r.action === 'seller_application.submit')).toHaveLength(1);
      expect((await opView(id)).version).toBe(results.find((r) => r.status === 200)!.body.version);
    });
  });

  describe('checks made at submission', () => {
    it('refuses a brand store for an individual business', async () => {
      const seller = await signUpSeller(api);
      const id = await draftWithDocuments(api, seller, individualForm({ store: { name: unique('Store'), type: 'brand' } }), 'individual');
      const submit = await api.post(`/v1/seller/applications/${id}/submit`, {}, { token: seller.token });
      expectProblem(submit, 422, 'validation_failed');
      expect(submit.body.errors).toEqual([{ in: 'body', path: '/store/type', code: 'brand_store_not_allowed', message: expect.stringContaining('standard store') }]);
      expect((await api.get(`/v1/seller/applications/${id}`, { token: seller.token })).body.status).toBe('draft');
    });

    it('needs a TM application at least six months old, or a registered mark with its certificate, for a brand store', async () => {
      const seller = await signUpSeller(api);
      // The application date is today, 2025-11-24: a filing on 2025-05-25 is one day short.
      const brand = standardForm({ store: { name: unique('Brand'), type: 'brand', trademark: { kind: 'application', mark: 'XINGHE', number: '78451236', filed_on: '2025-05-25' } } });
      const id = await draftWithDocuments(api, seller, brand);
      const receipt = await api.upload(`/v1/seller/applications/${id}/documents?kind=trademark_filing_receipt`, pdfFile(), 'tm-receipt.pdf', 'application/pdf', { token: seller.token });
      expect(receipt.status).toBe(201);

      const tooRecent = await api.post(`/v1/seller/applications/${id}/submit`, {}, { token: seller.token });
      expectProblem(tooRecent, 422, 'validation_failed');
      expect(tooRecent.body.errors).toEqual([{ in: 'body', path: '/store/trademark/filed_on', code: 'trademark_application_too_recent', message: expect.stringContaining('eligible from 2025-11-25') }]);

      // Exactly six months is old enough.
      const sixMonths = await api.patch(`/v1/seller/applications/${id}`, { form: { store: { trademark: { filed_on: '2025-05-24' } } } }, { token: seller.token });
      expect(sixMonths.body.problems).toEqual([]);

      const registered = await api.patch(
        `/v1/seller/applications/${id}`,
        { form: { store: { trademark: { kind: 'registered', number: '30125874', registered_on: '2021-03-14', valid_until: '2031-03-13', filed_on: null } } } },
        { token: seller.token },
      );
      expect(registered.body.required_documents).toEqual(['business_licence', 'id_card_front', 'id_card_back', 'trademark_certificate']);
      expect(registered.body.problems).toEqual([{ in: 'body', path: '/documents/trademark_certificate', code: 'document_missing', message: 'upload the trademark certificate' }]);
      const certificate = await api.upload(`/v1/seller/applications/${id}/documents?kind=trademark_certificate`, pdfFile(), 'tm-certificate.pdf', 'application/pdf', { token: seller.token });
      expect(certificate.status).toBe(201);

      const submitted = await api.post(`/v1/seller/applications/${id}/submit`, {}, { token: seller.token });
      expect(submitted.status).toBe(200);
      expect(submitted.body).toMatchObject({ status: 'submitted', form: { store: { type: 'brand', trademark: { kind: 'registered', number: '30125874' } } } });
      expect(submitted.body.form.store.trademark).not.toHaveProperty('filed_on');
    });

    it('refuses a store name an open store already uses, ignoring width, case and spaces', async () => {
      const first = await underReview(enterpriseForm({ store: { name: 'Xinghe Electronics', type: 'standard' } }));
      const approved = await op('approve', first.applicationId, { reason: 'Verified.' });
      expect(approved.body.store).toMatchObject({ name: 'Xinghe Electronics', status: 'open' });

      for (const lookalike of ['ＸＩＮＧＨＥ electronics', 'xinghe   ELECTRONICS', ' XingheElectronics ']) {
        const seller = await signUpSeller(api);
        const id = await draftWithDocuments(api, seller, enterpriseForm({ store: { name: lookalike, type: 'standard' } }));
        const submit = await api.post(`/v1/seller/applications/${id}/submit`, {}, { token: seller.token });
        expectProblem(submit, 422, 'validation_failed');
        expect(submit.body.errors, lookalike).toEqual([{ in: 'body', path: '/store/name', code: 'store_name_taken', message: 'another store already uses this name' }]);
      }
    });
  });
});

describe('review deadline', () => {
  // Wednesday 30 September 2026, 10:00 in Shanghai, the day before the National Day holidays. The
  // clock moves across weeks here, so sessions must outlive the default 72 hours.
  const app = useTestApp({ now: '2026-09-30T02:00:00Z', env: { SESSION_TTL_HOURS: '2160' } });
  const api = apiClient(app);
  let reviewer: Operator;
  let admin: Operator;

  beforeAll(async () => {
    reviewer = await createOperator(app(), api, ['reviewer'], 'full');
    admin = await createOperator(app(), api, ['admin'], 'full');
  });

  const op = (action: string, applicationId: string, body: object = {}) => api.post(`/v1/ops/seller-applications/${applicationId}/${action}`, body, { token: reviewer.token });
  const opView = async (applicationId: string) => (await api.get(`/v1/ops/seller-applications/${applicationId}`, { token: reviewer.token })).body;
  const queue = async (query = '') => (await api.get(`/v1/ops/seller-applications${query}`, { token: reviewer.token })).body.data as { id: string; review_due_at: string; overdue: boolean }[];

  it('counts three business days on China’s calendar, across National Day to a make-up Saturday', async () => {
    const { application } = await submittedApplication(api);
    expect(application.submitted_at).toBe('2026-09-30T02:00:00.000Z');
    // 1–7 October are off; Thursday 8 and Friday 9 are the first two business days, Saturday 10 the third.
    expect(application.review).toMatchObject({ target_at: '2026-10-08T16:00:00.000Z', due_at: '2026-10-10T16:00:00.000Z', overdue: false, flagged_overdue_at: null });
    expect((await opView(application.id)).review.due_at).toBe('2026-10-10T16:00:00.000Z');
  });

  it('flags an overdue application once, and starts a new deadline on resubmission', async () => {
    app().clock.set('2026-09-30T03:00:00Z');
    const { seller, application } = await submittedApplication(api);
    const id: string = application.id;
    expect(application.review.due_at).toBe('2026-10-10T16:00:00.000Z');
    const flags = async () => (await api.get(`/v1/ops/seller-applications/${id}/history`, { token: reviewer.token })).body.data.filter((r: { action: string }) => r.action === 'seller_application.flag_overdue');

    // Ten minutes before the deadline the job runs and finds nothing due.
    app().clock.set('2026-10-10T15:50:00Z');
    await app().settle();
    expect((await opView(id)).review).toMatchObject({ overdue: false, flagged_overdue_at: null });

    // The first 15-minute slot after the deadline flags it.
    app().clock.set('2026-10-10T16:20:00Z');
    await app().settle();
    const flagged = await opView(id);
    expect(flagged.review).toMatchObject({ due_at: '2026-10-10T16:00:00.000Z', overdue: true, flagged_overdue_at: '2026-10-10T16:20:00.000Z' });
    expect(await flags()).toEqual([expect.objectContaining({ actor_type: 'system', to: { overdue: true }, reason: 'Review deadline 2026-10-10T16:00:00.000Z passed' })]);

    // Neither the dispatch of the overdue event nor the job's next runs flag it again.
    await app().settle();
    app().clock.advance({ minutes: 30 });
    await app().settle();
    expect(await flags()).toHaveLength(1);
    expect((await opView(id)).review.flagged_overdue_at).toBe('2026-10-10T16:20:00.000Z');

    // Reviewers are told, once, in their inbox.
    const told = (await api.get('/v1/ops/notifications', { token: reviewer.token })).body.data.filter(
      (n: { type: string; data: { applicationId?: string } }) => n.type === 'seller.application.review_overdue' && n.data.applicationId === id,
    );
    expect(told).toEqual([expect.objectContaining({ title: 'Seller review overdue', body: expect.stringContaining('2026-10-10T16:00:00.000Z') })]);
    expect((await api.get('/v1/ops/notifications', { token: seller.token })).status).toBe(403);

    // Returned to the applicant, the application has no deadline running.
    await op('start-review', id);
    const returned = await op('request-info', id, { reason: 'Licence photo is cut off.', requests: [{ message: 'Upload the whole licence.' }] });
    expect(returned.body.review).toMatchObject({ target_at: null, due_at: null, overdue: false, flagged_overdue_at: null });

    // Resubmitted on Monday 12 October, 11:00 in Shanghai: due at the end of Thursday 15 October.
    app().clock.set('2026-10-12T03:00:00Z');
    const resubmitted = await api.post(`/v1/seller/applications/${id}/resubmit`, {}, { token: seller.token });
    expect(resubmitted.status).toBe(200);
    expect(resubmitted.body).toMatchObject({
      first_submitted_at: '2026-09-30T03:00:00.000Z',
      submitted_at: '2026-10-12T03:00:00.000Z',
      review: { target_at: '2026-10-13T16:00:00.000Z', due_at: '2026-10-15T16:00:00.000Z', overdue: false, flagged_overdue_at: null },
    });
  });

  it('orders the queue by deadline and filters the overdue ones', async () => {
    // Three drafts created in the order A, B, C and handed in as C, A, B on consecutive days.
    app().clock.set('2026-10-13T02:00:00Z');
    const drafts: Record<'a' | 'b' | 'c', { seller: SellerActor; id: string }> = {} as never;
    for (const name of ['a', 'b', 'c'] as const) {
      const seller = await signUpSeller(api);
      drafts[name] = { seller, id: await draftWithDocuments(api, seller) };
    }
    const submit = async (name: 'a' | 'b' | 'c') => (await api.post(`/v1/seller/applications/${drafts[name].id}/submit`, {}, { token: drafts[name].seller.token })).body.review.due_at;
    expect(await submit('c')).toBe('2026-10-16T16:00:00.000Z');
    app().clock.advance({ days: 1 });
    expect(await submit('a')).toBe('2026-10-19T16:00:00.000Z');
    app().clock.advance({ days: 1 });
    expect(await submit('b')).toBe('2026-10-20T16:00:00.000Z');

    const mine = [drafts.c.id, drafts.a.id, drafts.b.id];
    const all = await queue();
    expect(all.map((item) => item.id).filter((id) => mine.includes(id))).toEqual(mine);
    const dueTimes = all.map((item) => item.review_due_at);
    expect(dueTimes).toEqual([...dueTimes].sort());

    // Thursday 15 October: none of them is late yet.
    const overdueNow = await queue('?overdue=true');
    expect(overdueNow.every((item) => item.overdue)).toBe(true);
    expect(overdueNow.map((item) => item.id).filter((id) => mine.includes(id))).toEqual([]);

    // Saturday 17 October: C's deadline has passed, A's and B's have not.
    app().clock.set('2026-10-17T00:00:00Z');
    const overdueLater = await queue('?overdue=true');
    expect(overdueLater.map((item) => item.id).filter((id) => mine.includes(id))).toEqual([drafts.c.id]);
    expect(overdueLater.every((item) => item.overdue && item.review_due_at <= '2026-10-17T00:00:00.000Z')).toBe(true);
  });

  it('moves new deadlines when an admin declares an extra holiday', async () => {
    // Monday 19 October, 10:00 in Shanghai.
    app().clock.set('2026-10-19T02:00:00Z');
    const before = await submittedApplication(api);
    expect(before.application.review.due_at).toBe('2026-10-22T16:00:00.000Z');

    const day = { kind: 'holiday', name: 'Typhoon closure', reason: 'Offices closed by government order.' };
    const refused = await api.put('/v1/ops/calendars/CN/days/2026-10-21', day, { token: reviewer.token });
    expectProblem(refused, 403, 'permission_denied');
    const declared = await api.put('/v1/ops/calendars/CN/days/2026-10-21', day, { token: admin.token });
    expect(declared.status).toBe(204);
    const calendar = await api.get('/v1/ops/calendars/CN', { token: admin.token });
    expect(calendar.body.overrides).toEqual([{ date: '2026-10-21', kind: 'holiday', name: 'Typhoon closure', created_by: admin.accountId, created_at: '2026-10-19T02:00:00.000Z' }]);

    // Wednesday 21 no longer counts: Tuesday, Thursday and Friday make the three days.
    const after = await submittedApplication(api);
    expect(after.application.review.due_at).toBe('2026-10-23T16:00:00.000Z');
    // A deadline already set is not recomputed.
    expect((await opView(before.application.id)).review.due_at).toBe('2026-10-22T16:00:00.000Z');
  });
});

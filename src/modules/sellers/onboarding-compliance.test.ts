import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { databaseError } from '../../platform/db/index.ts';
import { useTestApp } from '../../../test/support/app.ts';
import { addStaff, createOperator, signUpSeller, submittedApplication, unique, uploadRequiredDocuments, type SellerActor } from '../../../test/support/actors.ts';
import { enterpriseForm } from '../../../test/support/fixtures.ts';
import { apiClient, type ApiClient } from '../../../test/support/http.ts';
import { expectProblem } from '../../../test/support/expect.ts';
import type { ApplicationForm } from './rules.ts';

/**
 * What approval depends on besides the reviewer's judgement, through HTTP: sanctions screening
 * and the compliance cases it opens, the entry-fee policy in force, and the messages that tell
 * the applicant what happened.
 */

type Operator = { token: string; accountId: string };

/** Shown to the applicant when compliance ends an application; it must never name the reason. */
const GENERIC_REASON = 'The application could not be approved. Contact seller support for details.';

const standardForm = (overrides: Partial<ApplicationForm> = {}) => enterpriseForm({ store: { name: unique('Store'), type: 'standard' }, ...overrides });

/** A company whose registered name, in Chinese or in English, is on the sample sanctions list. */
function listedCompanyForm(names: { name: string; name_en?: string }): ApplicationForm {
  const base = enterpriseForm();
  return standardForm({
    entity: { ...base.entity, name: names.name, name_en: names.name_en ?? 'Harbour Trade Partners Co., Ltd.' },
    bank_account: { ...base.bank_account, holder_name: names.name },
  });
}

function reviewHelpers(api: ApiClient, reviewer: () => Operator) {
  const op = (action: string, applicationId: string, body: object = {}) => api.post(`/v1/ops/seller-applications/${applicationId}/${action}`, body, { token: reviewer().token });
  return {
    op,
    opView: async (applicationId: string) => (await api.get(`/v1/ops/seller-applications/${applicationId}`, { token: reviewer().token })).body,
    async underReview(form?: ApplicationForm) {
      const { seller, application } = await submittedApplication(api, form);
      expect((await op('start-review', application.id)).status).toBe(200);
      return { seller, applicationId: application.id as string };
    },
  };
}

describe('sanctions screening at approval', () => {
  const app = useTestApp({ now: '2025-11-24T02:00:00Z' });
  const api = apiClient(app);
  let reviewer: Operator;
  let compliance: Operator;

  beforeAll(async () => {
    reviewer = await createOperator(app(), api, ['reviewer'], 'full');
    compliance = await createOperator(app(), api, ['compliance'], 'full');
  });

  const { op, opView, underReview } = reviewHelpers(api, () => reviewer);
  const casesOf = async (applicationId: string) =>
    ((await api.get('/v1/ops/compliance/cases?limit=100', { token: compliance.token })).body.data as { subject: { id: string } }[]).filter((c) => c.subject.id === applicationId);
  const resolve = (caseId: string, outcome: 'false_positive' | 'confirmed_match', reason: string) =>
    api.post(`/v1/ops/compliance/cases/${caseId}/resolve`, { outcome, reason }, { token: compliance.token });

  it('holds approval on a hit, opens one case, and approves once the case is a false positive', async () => {
    const { seller, applicationId } = await underReview(listedCompanyForm({ name: '示例制裁贸易有限公司' }));
    const before = await opView(applicationId);

    const held = await op('approve', applicationId, { reason: 'Documents verified.' });
    expectProblem(held, 409, 'sanctions_screening_hit');
    const after = await opView(applicationId);
    expect(after).toMatchObject({ status: 'under_review', version: before.version, store: null, decision: null });
    expect((await api.get('/v1/seller/profile', { token: seller.token })).body).toMatchObject({ seller: { status: 'onboarding' }, store: null });

    const [opened] = await casesOf(applicationId);
    expect(await casesOf(applicationId)).toHaveLength(1);
    expect(opened).toMatchObject({
      kind: 'sanctions_match',
      status: 'open',
      seller_id: seller.sellerId,
      subject: { type: 'seller_application', id: applicationId },
      hits: [{ subject_ref: 'entity', subject_name: '示例制裁贸易有限公司', entry_id: '90001', entry_name: 'EXAMPLE SANCTIONED TRADING CO., LTD.', matched_name: '示例制裁贸易有限公司', program: 'SAMPLE', score: 1 }],
      resolved_at: null,
    });
    const caseId: string = (opened as unknown as { id: string }).id;
    expect(held.body.detail).toContain(caseId);

    // Asking again while the case is open finds the same case rather than opening another.
    const again = await op('approve', applicationId, { reason: 'Documents verified.' });
    expectProblem(again, 409, 'sanctions_screening_hit');
    expect(await casesOf(applicationId)).toHaveLength(1);

    const cleared = await resolve(caseId, 'false_positive', 'Different company: registration number and address do not match the listed entry.');
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({ status: 'false_positive', resolved_by: compliance.accountId, resolved_at: '2025-11-24T02:00:00.000Z' });

    const approved = await op('approve', applicationId, { reason: 'Documents verified; screening hit cleared by compliance.' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', store: { status: 'open' } });
    expect(await casesOf(applicationId)).toHaveLength(1);
  });

  it('ends the application and suspends the seller on a confirmed match, telling them only a generic reason', async () => {
    const { seller, applicationId } = await underReview(listedCompanyForm({ name: '深圳市港湾贸易有限公司', name_en: 'Example Sanctioned Trading Co., Ltd.' }));
    expectProblem(await op('approve', applicationId, { reason: 'Documents verified.' }), 409, 'sanctions_screening_hit');
    const [opened] = (await casesOf(applicationId)) as unknown as { id: string; hits: { subject_ref: string; entry_id: string }[] }[];
    expect(opened!.hits).toEqual([expect.objectContaining({ subject_ref: 'entity_en', subject_name: 'Example Sanctioned Trading Co., Ltd.', entry_id: '90001', matched_name: 'EXAMPLE SANCTIONED TRADING CO., LTD.' })]);

    const confirmed = await resolve(opened!.id, 'confirmed_match', 'Same company as listed entry 90001.');
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('confirmed_match');
    await app().settle();

    const ended = await api.get(`/v1/seller/applications/${applicationId}`, { token: seller.token });
    expect(ended.body).toMatchObject({ status: 'rejected', decision: { reason: GENERIC_REASON }, allowed_actions: [], review: { due_at: null } });
    expect(ended.body.decision.reason).not.toMatch(/sanction|compliance|list/i);
    expect((await opView(applicationId)).status).toBe('rejected');
    expect((await api.get('/v1/seller/profile', { token: seller.token })).body.seller.status).toBe('suspended');

    const inbox = await api.get('/v1/seller/notifications', { token: seller.token });
    const rejection = inbox.body.data.filter((n: { type: string }) => n.type === 'seller.application.rejected');
    expect(rejection).toEqual([expect.objectContaining({ title: 'Application not approved', body: `Your seller application was not approved: ${GENERIC_REASON}` })]);
    expect(JSON.stringify(inbox.body)).not.toMatch(/sanction|90001|confirmed_match/i);

    // A suspended seller does not get to try again, and the case cannot be decided twice.
    expectProblem(await api.post('/v1/seller/applications', { kind: 'enterprise', form: standardForm() }, { token: seller.token }), 409, 'seller_not_onboarding');
    expectProblem(await resolve(opened!.id, 'false_positive', 'Changed my mind.'), 409, 'case_already_resolved');
    expectProblem(await resolve(opened!.id, 'confirmed_match', 'Confirming again.'), 409, 'case_already_resolved');
  });

  it('opens a single case however many approvals race on the same listed company', async () => {
    const { applicationId } = await underReview(listedCompanyForm({ name: '示例制裁贸易有限公司' }));
    const attempts = await Promise.all([1, 2, 3, 4].map(() => op('approve', applicationId, { reason: 'Documents verified.' })));
    for (const attempt of attempts) expectProblem(attempt, 409, 'sanctions_screening_hit');
    expect(await casesOf(applicationId)).toHaveLength(1);
    // Every refusal names that one case.
    const caseId = ((await casesOf(applicationId))[0] as unknown as { id: string }).id;
    expect(attempts.every((a) => String(a.body.detail).includes(caseId))).toBe(true);
  });

  it('masks a listed person’s name in cases shown to operators whose tier hides contact data', async () => {
    const personForm = standardForm({ representative: { ...enterpriseForm().representative, name_latin: 'Listed Person Sample' } });
    const { applicationId } = await underReview(personForm);
    expectProblem(await op('approve', applicationId, { reason: 'Documents verified.' }), 409, 'sanctions_screening_hit');
    const masked = await createOperator(app(), api, ['compliance'], 'masked');
    const list = (await api.get('/v1/ops/compliance/cases?limit=100', { token: masked.token })).body.data as { subject: { id: string }; hits: Record<string, string>[] }[];
    const [hit] = list.find((c) => c.subject.id === applicationId)!.hits;
    expect(hit).toMatchObject({ subject_ref: 'representative_latin', subject_name: 'L***** P***** S*****', matched_name: 'S****** L***** P*****', entry_id: '90002' });
    const full = (await api.get('/v1/ops/compliance/cases?limit=100', { token: compliance.token })).body.data as { subject: { id: string }; hits: Record<string, string>[] }[];
    expect(full.find((c) => c.subject.id === applicationId)!.hits[0]).toMatchObject({ subject_name: 'Listed Person Sample', matched_name: 'SAMPLE, Listed Person' });
  });

  it('shows the applicant a compliance closure in their history as an ordinary rejection', async () => {
    const { seller, applicationId } = await underReview(listedCompanyForm({ name: '示例制裁贸易有限公司' }));
    expectProblem(await op('approve', applicationId, { reason: 'Documents verified.' }), 409, 'sanctions_screening_hit');
    const [opened] = (await casesOf(applicationId)) as unknown as { id: string }[];
    expect((await resolve(opened!.id, 'confirmed_match', 'Same company as listed entry 90001.')).status).toBe(200);
    await app().settle();

    const trail = (await api.get(`/v1/seller/applications/${applicationId}/history`, { token: seller.token })).body.data;
    expect(trail[0]).toMatchObject({ from: { status: 'under_review' }, to: { status: 'rejected' }, reason: GENERIC_REASON });
    // Naming the closure, or who closed it, would tell the applicant why (FATF R.21, no tipping-off).
    expect(JSON.stringify(trail)).not.toMatch(/compliance|sanction|screening/i);
  });

  it('keeps compliance cases to operators with the compliance role', async () => {
    const { applicationId } = await underReview(listedCompanyForm({ name: '示例制裁贸易有限公司' }));
    expectProblem(await op('approve', applicationId, { reason: 'Documents verified.' }), 409, 'sanctions_screening_hit');
    const [opened] = (await casesOf(applicationId)) as unknown as { id: string }[];
    expectProblem(await api.post(`/v1/ops/compliance/cases/${opened!.id}/resolve`, { outcome: 'false_positive', reason: 'Not my call.' }, { token: reviewer.token }), 403, 'permission_denied');
    expect((await api.get(`/v1/ops/compliance/cases/${opened!.id}`, { token: compliance.token })).body.status).toBe('open');
  });
});

describe('entry fees', () => {
  // Monday 2 March 2026, 10:00 in Shanghai: the shipped policy ended on 2025-12-31. The clock moves
  // across weeks, so sessions must outlive the default 72 hours.
  const app = useTestApp({ now: '2026-03-02T02:00:00Z', env: { SESSION_TTL_HOURS: '2160' } });
  const api = apiClient(app);
  let reviewer: Operator;
  let finance: Operator;

  beforeAll(async () => {
    reviewer = await createOperator(app(), api, ['reviewer'], 'full');
    finance = await createOperator(app(), api, ['finance'], 'masked');
  });

  const { op, opView, underReview } = reviewHelpers(api, () => reviewer);
  const addPolicy = (body: object, token = finance.token) => api.post('/v1/ops/fee-policies', body, { token });
  const policy2026 = { effective_from: '2026-01-01', effective_to: null, entry_fee: { amount: 50000, currency: 'CNY' }, note: 'Entry fee ¥500.00 from 2026' };
  let waiting: { seller: SellerActor; applicationId: string };

  it('refuses approval while no policy covers the application date, and changes nothing', async () => {
    waiting = await underReview();
    const before = await opView(waiting.applicationId);
    const refused = await op('approve', waiting.applicationId, { reason: 'Documents verified.' });
    expectProblem(refused, 409, 'fee_policy_missing');
    expect(refused.body.detail).toContain('2026-03-02');

    expect(await opView(waiting.applicationId)).toMatchObject({ status: 'under_review', version: before.version, updated_at: before.updated_at, store: null, decision: null });
    expect((await api.get('/v1/seller/profile', { token: waiting.seller.token })).body).toMatchObject({ seller: { status: 'onboarding' }, store: null });
    const trail = (await api.get(`/v1/ops/seller-applications/${waiting.applicationId}/history`, { token: reviewer.token })).body.data;
    expect(trail.map((r: { action: string }) => r.action)).not.toContain('seller_application.approve');
  });

  it('lets finance add a dated policy, refusing overlapping and invalid ones', async () => {
    expectProblem(await addPolicy(policy2026, reviewer.token), 403, 'permission_denied');

    const added = await addPolicy(policy2026);
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ id: expect.stringMatching(/^sfp_/), effective_from: '2026-01-01', effective_to: null, entry_fee: { amount: 50000, currency: 'CNY' }, source: 'operator' });

    const overlapping = await addPolicy({ ...policy2026, effective_from: '2026-07-01', effective_to: '2026-12-31', note: 'Summer discount' });
    expectProblem(overlapping, 409, 'fee_policy_overlap');
    expect(overlapping.body.detail).toContain(added.body.id);
    const overlapsShipped = await addPolicy({ ...policy2026, effective_from: '2025-12-01', effective_to: '2025-12-31', note: 'December promotion' });
    expectProblem(overlapsShipped, 409, 'fee_policy_overlap');
    // The database itself refuses an overlap that got past the service.
    const raw = await app()
      .platform.db.execute(
        sql`INSERT INTO seller_fee_policies (id, effective_from, effective_to, entry_fee_amount, entry_fee_currency, note, source, created_by, created_at)
            VALUES ('sfp_01JD3Z8Q4X5N6M7P8R9S0T1V2W', '2026-03-01', NULL, 1, 'CNY', 'sneaked in', 'test', 'test', now())`,
      )
      .then(() => null, (error: unknown) => databaseError(error)?.code);
    expect(raw).toBe('23P01');

    const backwards = await addPolicy({ ...policy2026, effective_from: '2027-06-01', effective_to: '2027-01-01', note: 'Runs backwards' });
    expectProblem(backwards, 422, 'validation_failed');
    expect(backwards.body.errors).toEqual([{ in: 'body', path: '/effective_to', code: 'before_start', message: 'must not be before effective_from' }]);
    const unknownCurrency = await addPolicy({ ...policy2026, effective_from: '1990-01-01', effective_to: '1990-12-31', entry_fee: { amount: 100, currency: 'ZZZ' }, note: 'Made-up money' });
    expectProblem(unknownCurrency, 422, 'validation_failed');
    expect(unknownCurrency.body.errors).toEqual([{ in: 'body', path: '/entry_fee/currency', code: 'unknown_currency', message: 'is not an ISO 4217 currency' }]);

    const listed = await api.get('/v1/ops/fee-policies', { token: finance.token });
    expect(listed.body.data.map((p: { effective_from: string; effective_to: string | null; entry_fee: unknown }) => [p.effective_from, p.effective_to, p.entry_fee])).toEqual([
      ['2000-01-01', '2025-12-31', { amount: 0, currency: 'CNY' }],
      ['2026-01-01', null, { amount: 50000, currency: 'CNY' }],
    ]);
  });

  it('approves under the new policy once it exists', async () => {
    const approved = await op('approve', waiting.applicationId, { reason: 'Documents verified.' });
    expect(approved.status).toBe(200);
    expect(approved.body.store).toMatchObject({ status: 'open', entry_fee: { amount: 50000, currency: 'CNY' } });
    expect((await api.get('/v1/seller/profile', { token: waiting.seller.token })).body.store.entry_fee).toEqual({ amount: 50000, currency: 'CNY' });
  });

  it('prices entry under the policy in force on the first submission date, in Shanghai time', async () => {
    // Handed in on 31 December 2025 (Shanghai), returned, resubmitted and approved in March 2026.
    app().clock.set('2025-12-31T02:00:00Z');
    const late = await underReview();
    await op('request-info', late.applicationId, { reason: 'Bank proof missing.', requests: [{ message: 'Upload a bank statement.' }] });
    // 00:30 on 1 January 2026 in Shanghai, still 31 December in UTC.
    app().clock.set('2025-12-31T16:30:00Z');
    const newYear = await underReview();

    app().clock.set('2026-03-03T02:00:00Z');
    expect((await api.post(`/v1/seller/applications/${late.applicationId}/resubmit`, {}, { token: late.seller.token })).status).toBe(200);
    await op('start-review', late.applicationId);
    const lateApproval = await op('approve', late.applicationId, { reason: 'Bank statement received.' });
    expect(lateApproval.status).toBe(200);
    expect(lateApproval.body.first_submitted_at).toBe('2025-12-31T02:00:00.000Z');
    expect(lateApproval.body.store.entry_fee).toEqual({ amount: 0, currency: 'CNY' });

    const newYearApproval = await op('approve', newYear.applicationId, { reason: 'Documents verified.' });
    expect(newYearApproval.status).toBe(200);
    expect(newYearApproval.body.store.entry_fee).toEqual({ amount: 50000, currency: 'CNY' });
  });
});

describe('onboarding notifications', () => {
  const app = useTestApp({ now: '2025-11-24T02:00:00Z' });
  const api = apiClient(app);
  let reviewer: Operator;

  beforeAll(async () => {
    reviewer = await createOperator(app(), api, ['reviewer'], 'full');
  });

  const { op } = reviewHelpers(api, () => reviewer);
  const inbox = async (actor: { token: string }, query = '') => (await api.get(`/v1/seller/notifications${query}`, { token: actor.token })).body.data as { id: string; type: string; title: string; body: string; read_at: string | null }[];

  async function signUpInChinese(): Promise<SellerActor> {
    const email = `${unique('zh-seller')}@sellers.example`;
    const response = await api.post('/v1/seller/sign-up', { email, password: 'seller password 123', display_name: '王芳', seller_name: '星河跨境', locale: 'zh' });
    expect(response.status).toBe(201);
    return { token: response.body.token, sellerId: response.body.seller.id, accountId: response.body.account.id, email };
  }

  async function apply(seller: SellerActor) {
    const created = await api.post('/v1/seller/applications', { kind: 'enterprise', form: standardForm() }, { token: seller.token });
    await uploadRequiredDocuments(api, created.body.id, seller.token);
    expect((await api.post(`/v1/seller/applications/${created.body.id}/submit`, {}, { token: seller.token })).status).toBe(200);
    return created.body.id as string;
  }

  it('tells the applicant and staff with settings, each in their own language, and nobody else', async () => {
    const owner = await signUpInChinese();
    const settingsStaff = await addStaff(api, owner, ['settings']);
    const ordersStaff = await addStaff(api, owner, ['orders', 'products']);

    const id = await apply(owner);
    await app().settle();
    await op('start-review', id);
    await op('request-info', id, { reason: '营业执照照片不清晰', requests: [{ message: '请上传清晰的营业执照。' }] });
    await app().settle();
    await api.post(`/v1/seller/applications/${id}/resubmit`, {}, { token: owner.token });
    await op('start-review', id);
    await op('approve', id, { reason: 'Licence, identity and bank account verified.' });
    await app().settle();

    const ownerInbox = await inbox(owner);
    expect(ownerInbox.map((n) => [n.type, n.title])).toEqual([
      ['seller.application.approved', '入驻申请已通过'],
      ['seller.application.review_started', '入驻申请审核中'],
      ['seller.application.resubmitted', '入驻申请已重新提交'],
      ['seller.application.info_requested', '入驻申请需要补充信息'],
      ['seller.application.review_started', '入驻申请审核中'],
      ['seller.application.submitted', '入驻申请已提交'],
    ]);
    expect(ownerInbox[3]!.body).toBe('审核人员需要您补充信息：营业执照照片不清晰。请修改后重新提交。');
    expect(ownerInbox[5]!.body).toContain('2025-11-27T16:00:00.000Z');

    // Staff accounts were created without a locale, so they read English.
    expect((await inbox(settingsStaff)).map((n) => [n.type, n.title])).toEqual([
      ['seller.application.approved', 'Application approved'],
      ['seller.application.review_started', 'Application under review'],
      ['seller.application.resubmitted', 'Application resubmitted'],
      ['seller.application.info_requested', 'More information needed'],
      ['seller.application.review_started', 'Application under review'],
      ['seller.application.submitted', 'Application submitted'],
    ]);
    expect(await inbox(ordersStaff)).toEqual([]);

    // Settling again delivers nothing twice.
    await app().settle();
    expect(await inbox(owner)).toHaveLength(6);
  });

  it('tells the applicant the reason for a rejection', async () => {
    const owner = await signUpInChinese();
    const english = await signUpSeller(api);
    for (const seller of [owner, english]) {
      const id = await apply(seller);
      await op('start-review', id);
      await op('reject', id, { reason: 'The business licence has been revoked.' });
    }
    await app().settle();
    expect((await inbox(owner))[0]).toMatchObject({ type: 'seller.application.rejected', title: '入驻申请未通过', body: '您的入驻申请未通过：The business licence has been revoked.' });
    expect((await inbox(english))[0]).toMatchObject({ type: 'seller.application.rejected', title: 'Application not approved', body: 'Your seller application was not approved: The business licence has been revoked.' });
  });

  it('marks one message read for its own account only', async () => {
    const owner = await signUpInChinese();
    const staff = await addStaff(api, owner, ['settings']);
    const stranger = await signUpSeller(api);
    const id = await apply(owner);
    await op('start-review', id);
    await op('request-info', id, { reason: '请补充银行开户证明', requests: [{ message: '上传开户许可证。' }] });
    await app().settle();

    const [infoRequested, reviewStarted, submitted] = await inbox(owner);
    expect([infoRequested!.type, reviewStarted!.type, submitted!.type]).toEqual(['seller.application.info_requested', 'seller.application.review_started', 'seller.application.submitted']);

    // Another account, whether a stranger or a colleague with its own copy, cannot touch this one.
    for (const other of [stranger, staff]) {
      const refused = await api.post(`/v1/seller/notifications/${submitted!.id}/read`, {}, { token: other.token });
      expectProblem(refused, 404, 'not_found');
    }
    expect((await inbox(owner, '?unread=true')).map((n) => n.id)).toEqual([infoRequested!.id, reviewStarted!.id, submitted!.id]);

    app().clock.advance({ minutes: 3 });
    const read = await api.post(`/v1/seller/notifications/${submitted!.id}/read`, {}, { token: owner.token });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: submitted!.id, read_at: '2025-11-24T02:03:00.000Z' });

    expect((await inbox(owner, '?unread=true')).map((n) => n.id)).toEqual([infoRequested!.id, reviewStarted!.id]);
    expect((await inbox(owner)).map((n) => [n.id, n.read_at])).toEqual([
      [infoRequested!.id, null],
      [reviewStarted!.id, null],
      [submitted!.id, '2025-11-24T02:03:00.000Z'],
    ]);
    // The colleague's own copy of the same message is still unread.
    expect((await inbox(staff, '?unread=true')).map((n) => n.type)).toEqual(['seller.application.info_requested', 'seller.application.review_started', 'seller.application.submitted']);
  });
});

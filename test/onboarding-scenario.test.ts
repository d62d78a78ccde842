import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/app.ts';
import { addStaff, createOperator, signUpSeller, uploadRequiredDocuments } from './support/actors.ts';
import { enterpriseForm } from './support/fixtures.ts';
import { apiClient } from './support/http.ts';

/**
 * The slice the platform was built to prove, through HTTP on the configured database: a seller
 * applies, an operator reviews, the store opens; another seller's staff cannot look.
 */
describe('seller onboarding, end to end', () => {
  // Monday 24 November 2025, 10:00 in Shanghai: under the no-entry-fee policy.
  const app = useTestApp({ now: '2025-11-24T02:00:00Z' });
  const api = apiClient(app);

  it('takes a seller from sign-up to an open store', async () => {
    const seller = await signUpSeller(api, 'xinghe');
    const reviewer = await createOperator(app(), api, ['reviewer'], 'full');

    // 1. An enterprise application with a mistyped credit code: saved as a draft, problems listed.
    const wrongUscc = enterpriseForm({ entity: { ...enterpriseForm().entity, uscc: '91110108551385083Q' } });
    const draft = await api.post('/v1/seller/applications', { kind: 'enterprise', form: wrongUscc }, { token: seller.token });
    expect(draft.status).toBe(201);
    expect(draft.body.status).toBe('draft');
    const applicationId: string = draft.body.id;
    await uploadRequiredDocuments(api, applicationId, seller.token);

    // 2. Submitting it is refused with every field error at once; nothing changes.
    const refused = await api.post(`/v1/seller/applications/${applicationId}/submit`, {}, { token: seller.token });
    expect(refused.status).toBe(422);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(refused.body).toMatchObject({ code: 'validation_failed', status: 422 });
    expect(refused.body.errors).toEqual([{ in: 'body', path: '/entity/uscc', code: 'invalid_check_character', message: expect.stringContaining('check character') }]);
    expect((await api.get(`/v1/seller/applications/${applicationId}`, { token: seller.token })).body).toMatchObject({ status: 'draft', version: draft.body.version });

    // 3. The seller fixes the code and submits; the review clock starts on China's calendar.
    const fixed = await api.patch(`/v1/seller/applications/${applicationId}`, { form: { entity: { uscc: '91110108551385082Q' } } }, { token: seller.token });
    expect(fixed.status).toBe(200);
    expect(fixed.body.problems).toEqual([]);
    const submitted = await api.post(`/v1/seller/applications/${applicationId}/submit`, {}, { token: seller.token });
    expect(submitted.status).toBe(200);
    expect(submitted.body.status).toBe('submitted');
    // Three business days after Monday: due at the end of Thursday, Shanghai time.
    expect(submitted.body.review).toMatchObject({ target_at: '2025-11-25T16:00:00.000Z', due_at: '2025-11-27T16:00:00.000Z', overdue: false });
    expect(submitted.body.form.representative.mobile).toBe('+8613800138000');

    // 4. The operator finds it in the queue and asks for more information.
    const queue = await api.get('/v1/ops/seller-applications', { token: reviewer.token });
    expect(queue.body.data.map((item: { id: string }) => item.id)).toContain(applicationId);
    expect((await api.post(`/v1/ops/seller-applications/${applicationId}/start-review`, {}, { token: reviewer.token })).body.status).toBe('under_review');
    const needsInfo = await api.post(
      `/v1/ops/seller-applications/${applicationId}/request-info`,
      { reason: 'The registered address does not match the licence.', requests: [{ path: '/entity/registered_address', message: 'Give the address exactly as printed on the licence.' }] },
      { token: reviewer.token },
    );
    expect(needsInfo.status).toBe(200);
    expect(needsInfo.body.status).toBe('needs_info');

    // The applicant is told through an event: a message waits in their inbox.
    await app().settle();
    const inbox = await api.get('/v1/seller/notifications', { token: seller.token });
    expect(inbox.body.data.map((n: { type: string }) => n.type)).toEqual(['seller.application.info_requested', 'seller.application.review_started', 'seller.application.submitted']);
    expect(inbox.body.data[0].body).toContain('The registered address does not match the licence.');

    // 5. The seller sees the request, corrects the address and resubmits.
    const returned = await api.get(`/v1/seller/applications/${applicationId}`, { token: seller.token });
    expect(returned.body.info_requests).toEqual([{ path: '/entity/registered_address', message: 'Give the address exactly as printed on the licence.' }]);
    await api.patch(`/v1/seller/applications/${applicationId}`, { form: { entity: { registered_address: '广东省深圳市南山区科技园南路 88 号 A 座 1201' } } }, { token: seller.token });
    const resubmitted = await api.post(`/v1/seller/applications/${applicationId}/resubmit`, {}, { token: seller.token });
    expect(resubmitted.body.status).toBe('resubmitted');

    // 6. The operator approves; the store opens.
    await api.post(`/v1/ops/seller-applications/${applicationId}/start-review`, {}, { token: reviewer.token });
    const approved = await api.post(`/v1/ops/seller-applications/${applicationId}/approve`, { reason: 'Licence, identity and bank account verified.' }, { token: reviewer.token });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('approved');
    expect(approved.body.store).toMatchObject({ name: 'Xinghe Electronics', type: 'standard', status: 'open', entry_fee: { amount: 0, currency: 'CNY' } });
    const storeId: string = approved.body.store.id;

    const profile = await api.get('/v1/seller/profile', { token: seller.token });
    expect(profile.body.seller.status).toBe('active');
    expect(profile.body.store.id).toBe(storeId);
    expect((await api.get(`/v1/store/stores/${storeId}`)).body).toMatchObject({ id: storeId, name: 'Xinghe Electronics', type: 'standard' });

    // Every decision is in the audit trail, with its reason.
    const history = await api.get(`/v1/ops/seller-applications/${applicationId}/history`, { token: reviewer.token });
    const trail = history.body.data
      .filter((r: { action: string }) => r.action.startsWith('seller_application.'))
      .map((r: { action: string; from: { status?: string } | null; to: { status?: string } | null; reason: string | null }) => [r.action, r.from?.status, r.to?.status, r.reason])
      .reverse();
    expect(trail).toEqual([
      ['seller_application.create', undefined, 'draft', null],
      ['seller_application.update', undefined, undefined, null],
      ['seller_application.submit', 'draft', 'submitted', null],
      ['seller_application.start_review', 'submitted', 'under_review', 'Review started'],
      ['seller_application.request_info', 'under_review', 'needs_info', 'The registered address does not match the licence.'],
      ['seller_application.update', undefined, undefined, null],
      ['seller_application.resubmit', 'needs_info', 'resubmitted', null],
      ['seller_application.start_review', 'resubmitted', 'under_review', 'Review started'],
      ['seller_application.approve', 'under_review', 'approved', 'Licence, identity and bank account verified.'],
    ]);
    await app().settle();
    expect((await api.get('/v1/seller/notifications', { token: seller.token })).body.data[0].type).toBe('seller.application.approved');

    // 7. Another seller's staff, even with the settings permission, cannot read this application.
    const rival = await signUpSeller(api, 'rival');
    const rivalStaff = await addStaff(api, rival, ['settings']);
    const peek = await api.get(`/v1/seller/applications/${applicationId}`, { token: rivalStaff.token });
    expect(peek.status).toBe(404);
    expect(peek.headers['content-type']).toMatch(/problem\+json/);
    expect(peek.body.code).toBe('not_found');
    expect(JSON.stringify(peek.body)).not.toContain('Xinghe');
    expect((await api.get(`/v1/seller/applications/${applicationId}/history`, { token: rivalStaff.token })).status).toBe(404);
    expect((await api.patch(`/v1/seller/applications/${applicationId}`, { form: { store: { name: 'Stolen' } } }, { token: rivalStaff.token })).status).toBe(404);
  });
});

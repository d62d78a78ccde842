import type { ApplicationForm } from '../../src/modules/sellers/rules.ts';
import type { DataAccessTier, OperatorRole, SellerPermission } from '../../src/modules/identity/index.ts';
import type { TestApp } from './app.ts';
import { enterpriseForm } from './fixtures.ts';
import { jpegFile, pdfFile, pngFile } from '../../src/seed/sample-files.ts';
import type { ApiClient } from './http.ts';

let counter = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

export interface SellerActor {
  token: string;
  sellerId: string;
  accountId: string;
  email: string;
}

export async function signUpSeller(api: ApiClient, name = unique('seller')): Promise<SellerActor> {
  const email = `${name}@sellers.example`;
  const response = await api.post('/v1/seller/sign-up', { email, password: 'seller password 123', display_name: name, seller_name: name });
  if (response.status !== 201) throw new Error(`seller sign-up failed: ${JSON.stringify(response.body)}`);
  return { token: response.body.token, sellerId: response.body.seller.id, accountId: response.body.account.id, email };
}

export async function addStaff(api: ApiClient, owner: SellerActor, permissions: SellerPermission[]): Promise<SellerActor> {
  const email = `${unique('staff')}@sellers.example`;
  const created = await api.post('/v1/seller/staff', { email, password: 'staff password 123', display_name: 'Staff', permissions }, { token: owner.token });
  if (created.status !== 201) throw new Error(`adding staff failed: ${JSON.stringify(created.body)}`);
  const signIn = await api.post('/v1/auth/sign-in', { email, password: 'staff password 123' });
  return { token: signIn.body.token, sellerId: owner.sellerId, accountId: created.body.account.id, email };
}

export async function createOperator(app: TestApp, api: ApiClient, roles: OperatorRole[], dataTier: DataAccessTier = 'full'): Promise<{ token: string; accountId: string }> {
  const email = `${unique('operator')}@ops.example`;
  const operator = await app.modules.identity.service.createOperator(null, { email, password: 'operator password 1', displayName: 'Operator', roles, dataTier });
  const signIn = await api.post('/v1/auth/sign-in', { email, password: 'operator password 1' });
  return { token: signIn.body.token, accountId: operator.account.id };
}

export async function uploadRequiredDocuments(api: ApiClient, applicationId: string, token: string): Promise<void> {
  const files = [
    ['business_licence', pdfFile(), 'licence.pdf', 'application/pdf'],
    ['id_card_front', pngFile(), 'front.png', 'image/png'],
    ['id_card_back', jpegFile(), 'back.jpg', 'image/jpeg'],
  ] as const;
  for (const [kind, content, name, type] of files) {
    const response = await api.upload(`/v1/seller/applications/${applicationId}/documents?kind=${kind}`, content, name, type, { token });
    if (response.status !== 201) throw new Error(`upload of ${kind} failed: ${JSON.stringify(response.body)}`);
  }
}

/** A seller with a complete application handed in for review. */
export async function submittedApplication(api: ApiClient, form: ApplicationForm = enterpriseForm({ store: { name: unique('Store'), type: 'standard' } }), kind: 'enterprise' | 'individual' = 'enterprise') {
  const seller = await signUpSeller(api);
  const created = await api.post('/v1/seller/applications', { kind, form }, { token: seller.token });
  if (created.status !== 201) throw new Error(`creating the application failed: ${JSON.stringify(created.body)}`);
  await uploadRequiredDocuments(api, created.body.id, seller.token);
  const submitted = await api.post(`/v1/seller/applications/${created.body.id}/submit`, {}, { token: seller.token });
  if (submitted.status !== 200) throw new Error(`submission failed: ${JSON.stringify(submitted.body)}`);
  return { seller, application: submitted.body };
}

export { unique };

const adminOf = new WeakMap<TestApp, Promise<{ token: string; accountId: string }>>();

/** One admin per test app, with a fee policy covering today so approvals can price entry. */
export function adminFor(app: TestApp, api: ApiClient): Promise<{ token: string; accountId: string }> {
  let admin = adminOf.get(app);
  if (!admin) {
    admin = (async () => {
      const operator = await createOperator(app, api, ['admin'], 'full');
      const policies = await api.get('/v1/ops/fee-policies', { token: operator.token });
      const today = app.clock.now().toISOString().slice(0, 10);
      const covered = (policies.body.data as { effective_from: string; effective_to: string | null }[]).some((p) => p.effective_from <= today && (p.effective_to === null || today <= p.effective_to));
      if (!covered) {
        const added = await api.post('/v1/ops/fee-policies', { effective_from: '2026-01-01', effective_to: null, entry_fee: { amount: 0, currency: 'CNY' }, note: 'Test marketplace: no entry fee' }, { token: operator.token });
        if (added.status !== 201) throw new Error(`adding a fee policy failed: ${JSON.stringify(added.body)}`);
      }
      return operator;
    })();
    adminOf.set(app, admin);
  }
  return admin;
}

/** A seller whose application was approved: its store is open and it may list products. */
export async function sellerWithOpenStore(app: TestApp, api: ApiClient): Promise<SellerActor & { storeId: string }> {
  const admin = await adminFor(app, api);
  const { seller, application } = await submittedApplication(api);
  await api.post(`/v1/ops/seller-applications/${application.id}/start-review`, {}, { token: admin.token });
  const approved = await api.post(`/v1/ops/seller-applications/${application.id}/approve`, { reason: 'Verified.' }, { token: admin.token });
  if (approved.status !== 200) throw new Error(`approval failed: ${JSON.stringify(approved.body)}`);
  return { ...seller, storeId: approved.body.store.id };
}

/** A new session for a seller actor, after the clock has run past the old one's lifetime. */
export async function signInAgain(api: ApiClient, actor: SellerActor, password = 'seller password 123'): Promise<SellerActor> {
  const signIn = await api.post('/v1/auth/sign-in', { email: actor.email, password });
  if (signIn.status !== 200) throw new Error(`sign-in failed: ${JSON.stringify(signIn.body)}`);
  return { ...actor, token: signIn.body.token };
}

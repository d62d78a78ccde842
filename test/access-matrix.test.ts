import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { maskAccountNumber, maskEmail, maskPersonName, maskPhone, type DataAccessTier, type OperatorRole, type SellerPermission } from '../src/modules/identity/index.ts';
import { platformTrackingNumber } from '../src/modules/logistics/index.ts';
import { s10CheckDigit } from '../src/modules/tracking/numbers.ts';
import { inTransaction, queryRows } from '../src/platform/db/index.ts';
import { pdfFile } from '../src/seed/sample-files.ts';
import { useTestApp } from './support/app.ts';
import { addStaff, createOperator, signUpSeller, submittedApplication, unique, uploadRequiredDocuments, type SellerActor } from './support/actors.ts';
import { enterpriseForm } from './support/fixtures.ts';
import { apiClient, type ApiResponse } from './support/http.ts';

/**
 * Who may do what, cell by cell: every principal against every action, each with the status and
 * problem code the product promises. "A seller's staff cannot read or change another seller's
 * data, nor exceed their own permissions; each operator tier sees personal data masked or
 * unmasked as its tier allows."
 */

// ─── Principals ────────────────────────────────────────────────────────────────────────────────

type SellerWho = 'A owner' | 'A staff[settings]' | 'A staff[products]' | 'A staff[all but settings]' | 'B owner' | 'B staff[settings]';
type OperatorWho = `operator:${OperatorRole}`;
type Who = 'anonymous' | 'buyer' | SellerWho | OperatorWho;
/** Operators of one role at each tier, for the personal-data matrix. */
type TierWho = `${'support' | 'reviewer'}@${DataAccessTier}`;

const SELLER_MEMBERS: SellerWho[] = ['B owner', 'B staff[settings]', 'A staff[products]', 'A staff[all but settings]', 'A staff[settings]', 'A owner'];
const OPERATORS: OperatorWho[] = ['operator:reviewer', 'operator:compliance', 'operator:support', 'operator:finance', 'operator:logistics', 'operator:admin'];
/**
 * The order cells run in within an action. A's settings staff comes before A's owner so that, of
 * the two who may submit the draft, the staff member's call is the one that submits it and the
 * owner's later call shows the state check answering once authorization has passed.
 */
const PRINCIPALS: Who[] = ['anonymous', 'buyer', ...OPERATORS, ...SELLER_MEMBERS];

const STAFF_PERMISSIONS: Record<Exclude<SellerWho, 'A owner' | 'B owner'>, SellerPermission[]> = {
  'A staff[settings]': ['settings'],
  'A staff[products]': ['products'],
  'A staff[all but settings]': ['products', 'orders', 'marketing', 'finance', 'data'],
  'B staff[settings]': ['settings'],
};

interface Principal {
  token: string | undefined;
  accountId: string | undefined;
}

const principals = new Map<Who | TierWho, Principal>();
function principal(who: Who | TierWho): Principal {
  const found = principals.get(who);
  if (!found) throw new Error(`principal ${who} was not set up`);
  return found;
}
const tokenOf = (who: Who | TierWho) => principal(who).token;
const tenantOf = (who: Who): 'A' | 'B' | null => (who.startsWith('A ') ? 'A' : who.startsWith('B ') ? 'B' : null);

// ─── Expected outcomes ─────────────────────────────────────────────────────────────────────────

interface Expect {
  status: number;
  code?: string;
}

const ok = (status = 200): Expect => ({ status });
const UNAUTHENTICATED: Expect = { status: 401, code: 'unauthenticated' };
const DENIED: Expect = { status: 403, code: 'permission_denied' };
const RESTRICTED: Expect = { status: 403, code: 'personal_data_restricted' };
const SELLER_ONLY: Expect = { status: 403, code: 'seller_account_required' };
const OPS_ONLY: Expect = { status: 403, code: 'operator_account_required' };
const NOT_FOUND: Expect = { status: 404, code: 'not_found' };
const conflict = (code: string): Expect => ({ status: 409, code });

/** One line per outcome, so a failing cell reads "expected '200' to be '403 permission_denied'". */
const outcome = ({ status, code }: Expect) => (code ? `${status} ${code}` : String(status));

function outcomeOf(response: ApiResponse): string {
  const body = response.body as { code?: unknown } | null;
  const code = response.status >= 400 && body && typeof body === 'object' && typeof body.code === 'string' ? body.code : undefined;
  return outcome({ status: response.status, ...(code ? { code } : {}) });
}

function each<W extends string>(whos: readonly W[], outcome: Expect): Record<W, Expect> {
  return Object.fromEntries(whos.map((who) => [who, outcome])) as Record<W, Expect>;
}

/** A Seller Center endpoint: anyone but a seller member is stopped at the surface. */
function sellerEndpoint(members: Record<SellerWho, Expect>): Record<Who, Expect> {
  return { anonymous: UNAUTHENTICATED, buyer: SELLER_ONLY, ...each(OPERATORS, SELLER_ONLY), ...members };
}

/** An operator endpoint: anyone but an operator is stopped at the surface; roles without the grant are refused. */
function opsEndpoint(granted: Partial<Record<OperatorWho, Expect>>): Record<Who, Expect> {
  return { anonymous: UNAUTHENTICATED, buyer: OPS_ONLY, ...each(SELLER_MEMBERS, OPS_ONLY), ...each(OPERATORS, DENIED), ...granted };
}

/**
 * A record of seller A reached through the settings permission: other staff of A lack it (403),
 * and to seller B the record does not exist (404), so ids cannot be probed.
 */
function ofSellerA(owner: Expect, settingsStaff: Expect = owner): Record<SellerWho, Expect> {
  return {
    'A owner': owner,
    'A staff[settings]': settingsStaff,
    'A staff[products]': DENIED,
    'A staff[all but settings]': DENIED,
    'B owner': NOT_FOUND,
    'B staff[settings]': NOT_FOUND,
  };
}

/** Staff management is the owner's alone, within their own seller. */
function ownersOnly(ownerA: Expect, ownerB: Expect): Record<SellerWho, Expect> {
  return { ...each(SELLER_MEMBERS, DENIED), 'A owner': ownerA, 'B owner': ownerB };
}

// ─── Fixtures ──────────────────────────────────────────────────────────────────────────────────

/** B's applicant is another person, so a leak of one seller's data into the other's answers would show. */
const formB = () =>
  enterpriseForm({
    representative: { name: '李娜', name_latin: 'Li Na', id_number: '11010519491231002X', mobile: '13912345678' },
    bank_account: { holder_name: '深圳市星河跨境贸易有限公司', bank_name: '中国农业银行深圳分行', account_number: '6228480123456789012' },
    payment_account: { provider: 'Alipay', account_id: 'lina-trade@alipay.example', bound_mobile: '13912345678' },
    store: { name: unique('Store B'), type: 'standard' },
  });

/** Personal values of both applicants: no refusal may carry any of them. */
const PERSONAL_VALUES = ['王芳', '440308199901101512', '13800138000', '755912345610801', 'xinghe-trade', '李娜', '11010519491231002X', '13912345678', '6228480123456789012', 'lina-trade'];

interface DocumentRef {
  id: string;
  sha256: string;
}

const ctx = {
  appA: '',
  appB: '',
  sellerA: '',
  sellerB: '',
  docsA: {} as Record<string, DocumentRef>,
  docsB: {} as Record<string, DocumentRef>,
  /** Staff of A whose permissions the owner changes, and one the owner removes. */
  staffToChange: undefined as SellerActor | undefined,
  staffToRemove: undefined as SellerActor | undefined,
  fixtureReviewer: undefined as Principal | undefined,
  snapshotA: undefined as unknown,
  snapshotB: undefined as unknown,
  auditBaseline: new Map<string, number>(),
};

let policyYear = 2040;

// ─── The matrix ────────────────────────────────────────────────────────────────────────────────

interface Row {
  action: string;
  /**
   * Sends the request as `caller`. `permitted` says whether the cell expects success: an action
   * whose success would move an application out of the state later cells need acts on a fresh
   * application of its own, while every refusal is tried on seller A's real application.
   */
  send: (caller: Principal, permitted: boolean) => Promise<ApiResponse>;
  expect: Record<Who, Expect>;
  /** Audit actions a permitted call records: the end of the file checks no refused call left one. */
  audits?: string[];
  /** Further checks on a permitted answer. */
  verify?: (response: ApiResponse, who: Who) => void | Promise<void>;
}

interface Case {
  who: Who;
  action: string;
  expect: Expect;
  row: Row;
}

function casesOf(rows: Row[]): [string, Case][] {
  return rows.flatMap((row) =>
    PRINCIPALS.map((who): [string, Case] => {
      const expected = row.expect[who];
      return [`${who} · ${row.action} → ${outcome(expected)}`, { who, action: row.action, expect: expected, row }];
    }),
  );
}

const app = useTestApp({ now: '2025-11-24T02:00:00Z' });
const api = apiClient(app);

async function download(url: string, token: string | undefined): Promise<ApiResponse> {
  const response = await app().http.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const json = String(response.headers['content-type'] ?? '').includes('json');
  return { status: response.statusCode, body: json ? response.json() : response.rawPayload, headers: response.headers };
}

function expectDocument(document: DocumentRef) {
  return (response: ApiResponse) => {
    expect(response.headers['cache-control']).toBe('private, no-store');
    expect(createHash('sha256').update(response.body as Buffer).digest('hex')).toBe(document.sha256);
  };
}

/** A fresh seller's application, handed in and, if asked, taken into review by an operator outside the matrix. */
async function freshApplication(state: 'submitted' | 'under_review'): Promise<string> {
  const { application } = await submittedApplication(api);
  if (state === 'under_review') {
    const started = await api.post(`/v1/ops/seller-applications/${application.id}/start-review`, {}, { token: ctx.fixtureReviewer?.token });
    if (started.status !== 200) throw new Error(`start-review of a fixture failed: ${JSON.stringify(started.body)}`);
  }
  return application.id;
}

let platformSerial = 9_100_000_000;

/** A parcel of A's on the platform's own network, and a Correios number it could be handed over under. */
async function platformParcelToHandOver() {
  const serial = ++platformSerial;
  const trackingNumber = platformTrackingNumber(serial);
  await inTransaction(app().platform.db, (tx) => app().modules.tracking.service.follow(tx, { sellerId: ctx.sellerA, shipmentId: app().platform.ids('shp'), carrierCode: 'caravan', trackingNumber }));
  const body = String(serial).slice(-8);
  return { tracking_number: trackingNumber, carrier_code: 'correios', last_mile_number: `NL${body}${s10CheckDigit(body)}BR`, handed_over_at: app().clock.now().toISOString() };
}

const ownApplication = (who: Who) => (tenantOf(who) === 'A' ? ctx.appA : ctx.appB);
const otherApplication = (who: Who) => (tenantOf(who) === 'A' ? ctx.appB : ctx.appA);

const uploadLicence = (applicationId: () => string) => (caller: Principal) =>
  api.upload(`/v1/seller/applications/${applicationId()}/documents?kind=business_licence`, pdfFile(), 'licence.pdf', 'application/pdf', { token: caller.token });

/** A's application is a draft with its three documents: edits, uploads and the submission itself. */
const draftRows: Row[] = [
  {
    action: "PATCH A's draft application",
    send: (caller) => api.patch(`/v1/seller/applications/${ctx.appA}`, { form: { entity: { registered_address: '广东省深圳市南山区科技园南路 88 号' } } }, { token: caller.token }),
    expect: sellerEndpoint(ofSellerA(ok())),
    audits: ['seller_application.update'],
  },
  {
    action: "upload a business licence to A's draft",
    send: uploadLicence(() => ctx.appA),
    expect: sellerEndpoint(ofSellerA(ok(201))),
    audits: ['seller_document.upload'],
    verify: (response) => expect(response.body.kind).toBe('business_licence'),
  },
  {
    action: "submit A's draft",
    send: (caller) => api.post(`/v1/seller/applications/${ctx.appA}/submit`, {}, { token: caller.token }),
    expect: sellerEndpoint(ofSellerA(conflict('illegal_transition'), ok())),
    audits: ['seller_application.submit'],
    verify: (response) => expect(response.body.status).toBe('submitted'),
  },
];

/** A's and B's applications are both submitted. */
const submittedRows: Row[] = [
  // Seller Center
  {
    action: 'list own applications',
    send: (caller) => api.get('/v1/seller/applications', { token: caller.token }),
    expect: sellerEndpoint({ ...ofSellerA(ok()), 'B owner': ok(), 'B staff[settings]': ok() }),
    verify: (response, who) => expect(response.body.data.map((a: { id: string }) => a.id)).toEqual([ownApplication(who)]),
  },
  {
    action: "GET A's application",
    send: (caller) => api.get(`/v1/seller/applications/${ctx.appA}`, { token: caller.token }),
    expect: sellerEndpoint(ofSellerA(ok())),
    verify: (response) => expect(response.body).toMatchObject({ id: ctx.appA, seller_id: ctx.sellerA, status: 'submitted' }),
  },
  {
    action: "GET B's application",
    send: (caller) => api.get(`/v1/seller/applications/${ctx.appB}`, { token: caller.token }),
    expect: sellerEndpoint({ ...ofSellerA(NOT_FOUND), 'A staff[products]': DENIED, 'A staff[all but settings]': DENIED, 'B owner': ok(), 'B staff[settings]': ok() }),
    verify: (response) => expect(response.body.id).toBe(ctx.appB),
  },
  {
    // Authorization is decided before the state: staff without the permission hear 403, not 409.
    action: "PATCH A's submitted application",
    send: (caller) => api.patch(`/v1/seller/applications/${ctx.appA}`, { form: { store: { name: 'Taken over' } } }, { token: caller.token }),
    expect: sellerEndpoint(ofSellerA(conflict('application_not_editable'))),
  },
  {
    action: "upload a business licence to A's submitted application",
    send: uploadLicence(() => ctx.appA),
    expect: sellerEndpoint(ofSellerA(conflict('application_not_editable'))),
  },
  {
    action: "submit A's submitted application",
    send: (caller) => api.post(`/v1/seller/applications/${ctx.appA}/submit`, {}, { token: caller.token }),
    expect: sellerEndpoint(ofSellerA(conflict('illegal_transition'))),
  },
  {
    action: "GET A's history",
    send: (caller) => api.get(`/v1/seller/applications/${ctx.appA}/history`, { token: caller.token }),
    expect: sellerEndpoint(ofSellerA(ok())),
    verify: (response) => expect(response.body.data.map((r: { action: string }) => r.action)).toContain('seller_application.submit'),
  },
  {
    action: "download A's business licence",
    send: (caller) => download(`/v1/seller/applications/${ctx.appA}/documents/${ctx.docsA.business_licence!.id}/content`, caller.token),
    expect: sellerEndpoint(ofSellerA(ok())),
    verify: (response) => expectDocument(ctx.docsA.business_licence!)(response),
  },
  {
    action: "download A's ID card front",
    send: (caller) => download(`/v1/seller/applications/${ctx.appA}/documents/${ctx.docsA.id_card_front!.id}/content`, caller.token),
    expect: sellerEndpoint(ofSellerA(ok(), RESTRICTED)),
    verify: (response) => expectDocument(ctx.docsA.id_card_front!)(response),
  },
  {
    action: "download B's ID card front",
    send: (caller) => download(`/v1/seller/applications/${ctx.appB}/documents/${ctx.docsB.id_card_front!.id}/content`, caller.token),
    expect: sellerEndpoint({ ...ofSellerA(NOT_FOUND), 'A staff[products]': DENIED, 'A staff[all but settings]': DENIED, 'B owner': ok(), 'B staff[settings]': RESTRICTED }),
    verify: (response) => expectDocument(ctx.docsB.id_card_front!)(response),
  },
  {
    action: 'GET own seller profile',
    send: (caller) => api.get('/v1/seller/profile', { token: caller.token }),
    expect: sellerEndpoint(each(SELLER_MEMBERS, ok())),
    verify: (response, who) => {
      expect(response.body.seller.id).toBe(tenantOf(who) === 'A' ? ctx.sellerA : ctx.sellerB);
      expect(response.body.latest_application.id).toBe(ownApplication(who));
    },
  },
  {
    action: 'GET own notifications',
    send: (caller) => api.get('/v1/seller/notifications', { token: caller.token }),
    expect: sellerEndpoint(each(SELLER_MEMBERS, ok())),
    verify: (response, who) => {
      const text = JSON.stringify(response.body);
      expect(text).not.toContain(otherApplication(who));
      // Onboarding news goes to the owner and to staff with settings.
      if (who.endsWith('owner') || who.endsWith('[settings]')) expect(text).toContain(ownApplication(who));
    },
  },
  {
    action: 'list staff',
    send: (caller) => api.get('/v1/seller/staff', { token: caller.token }),
    expect: sellerEndpoint(ownersOnly(ok(), ok())),
    verify: (response, who) => {
      const ids: string[] = response.body.data.map((m: { account: { id: string } }) => m.account.id);
      const own = tenantOf(who) === 'A' ? ['A owner', 'A staff[settings]'] : ['B owner', 'B staff[settings]'];
      const foreign = tenantOf(who) === 'A' ? ['B owner', 'B staff[settings]'] : ['A owner', 'A staff[settings]', 'A staff[products]'];
      expect(ids).toEqual(expect.arrayContaining(own.map((w) => principal(w as Who).accountId)));
      for (const w of foreign) expect(ids).not.toContain(principal(w as Who).accountId);
    },
  },
  {
    action: 'add a staff member',
    send: (caller) =>
      api.post('/v1/seller/staff', { email: `${unique('matrix-staff')}@sellers.example`, password: 'staff password 123', display_name: 'Matrix staff', permissions: ['products'] }, { token: caller.token }),
    expect: sellerEndpoint(ownersOnly(ok(201), ok(201))),
    audits: ['seller_staff.add'],
  },
  {
    action: "change the permissions of A's staff member",
    send: (caller) => api.patch(`/v1/seller/staff/${ctx.staffToChange!.accountId}`, { permissions: ['settings'] }, { token: caller.token }),
    expect: sellerEndpoint(ownersOnly(ok(), NOT_FOUND)),
    audits: ['seller_staff.permissions_change'],
    verify: async () => {
      // Permissions are read per request: the new set opens the application at once.
      expect((await api.get(`/v1/seller/applications/${ctx.appA}`, { token: ctx.staffToChange!.token })).status).toBe(200);
    },
  },
  {
    action: "remove A's staff member",
    send: (caller) => api.delete(`/v1/seller/staff/${ctx.staffToRemove!.accountId}?reason=left%20the%20company`, { token: caller.token }),
    expect: sellerEndpoint(ownersOnly(ok(204), NOT_FOUND)),
    audits: ['seller_staff.remove'],
    verify: async () => {
      expect(outcomeOf(await api.get('/v1/seller/profile', { token: ctx.staffToRemove!.token }))).toBe('401 invalid_token');
    },
  },

  // Operators
  {
    action: 'GET the review queue',
    send: (caller) => api.get('/v1/ops/seller-applications?limit=100', { token: caller.token }),
    expect: opsEndpoint({ 'operator:reviewer': ok(), 'operator:compliance': ok(), 'operator:support': ok(), 'operator:admin': ok() }),
    verify: (response) => expect(response.body.data.map((a: { id: string }) => a.id)).toEqual(expect.arrayContaining([ctx.appA, ctx.appB])),
  },
  {
    action: "GET A's application (ops)",
    send: (caller) => api.get(`/v1/ops/seller-applications/${ctx.appA}`, { token: caller.token }),
    expect: opsEndpoint({ 'operator:reviewer': ok(), 'operator:compliance': ok(), 'operator:support': ok(), 'operator:admin': ok() }),
    verify: (response) => expect(response.body.id).toBe(ctx.appA),
  },
  {
    action: "GET A's history (ops)",
    send: (caller) => api.get(`/v1/ops/seller-applications/${ctx.appA}/history`, { token: caller.token }),
    expect: opsEndpoint({ 'operator:reviewer': ok(), 'operator:compliance': ok(), 'operator:admin': ok() }),
  },
  {
    action: "download A's business licence (ops)",
    send: (caller) => download(`/v1/ops/seller-applications/${ctx.appA}/documents/${ctx.docsA.business_licence!.id}/content`, caller.token),
    expect: opsEndpoint({ 'operator:reviewer': ok(), 'operator:compliance': ok(), 'operator:admin': ok() }),
    verify: (response) => expectDocument(ctx.docsA.business_licence!)(response),
  },
  {
    action: "download A's ID card front (ops)",
    send: (caller) => download(`/v1/ops/seller-applications/${ctx.appA}/documents/${ctx.docsA.id_card_front!.id}/content`, caller.token),
    expect: opsEndpoint({ 'operator:reviewer': ok(), 'operator:compliance': ok(), 'operator:admin': ok() }),
    verify: (response) => expectDocument(ctx.docsA.id_card_front!)(response),
  },
  {
    action: 'start review',
    send: async (caller, permitted) =>
      api.post(`/v1/ops/seller-applications/${permitted ? await freshApplication('submitted') : ctx.appA}/start-review`, {}, { token: caller.token }),
    expect: opsEndpoint({ 'operator:reviewer': ok(), 'operator:admin': ok() }),
    audits: ['seller_application.start_review'],
    verify: (response) => expect(response.body.status).toBe('under_review'),
  },
  {
    action: 'request information',
    send: async (caller, permitted) =>
      api.post(
        `/v1/ops/seller-applications/${permitted ? await freshApplication('under_review') : ctx.appA}/request-info`,
        { reason: 'The address does not match the licence.', requests: [{ path: '/entity/registered_address', message: 'Give the address as printed.' }] },
        { token: caller.token },
      ),
    expect: opsEndpoint({ 'operator:reviewer': ok(), 'operator:admin': ok() }),
    audits: ['seller_application.request_info'],
    verify: (response) => expect(response.body.status).toBe('needs_info'),
  },
  {
    action: 'approve',
    send: async (caller, permitted) =>
      api.post(`/v1/ops/seller-applications/${permitted ? await freshApplication('under_review') : ctx.appA}/approve`, { reason: 'Licence, identity and bank account verified.' }, { token: caller.token }),
    expect: opsEndpoint({ 'operator:reviewer': ok(), 'operator:admin': ok() }),
    audits: ['seller_application.approve', 'store.open'],
    verify: (response) => expect(response.body).toMatchObject({ status: 'approved', store: { status: 'open' } }),
  },
  {
    action: 'reject',
    send: async (caller, permitted) =>
      api.post(`/v1/ops/seller-applications/${permitted ? await freshApplication('under_review') : ctx.appA}/reject`, { reason: 'The licence has been revoked.' }, { token: caller.token }),
    expect: opsEndpoint({ 'operator:reviewer': ok(), 'operator:admin': ok() }),
    audits: ['seller_application.reject'],
    verify: (response) => expect(response.body.status).toBe('rejected'),
  },
  {
    action: 'list fee policies',
    send: (caller) => api.get('/v1/ops/fee-policies', { token: caller.token }),
    expect: opsEndpoint({ 'operator:finance': ok(), 'operator:admin': ok() }),
  },
  {
    action: 'add a fee policy',
    // Every call gets a year of its own, so a wrongly accepted call could not hide behind an overlap 409.
    send: (caller) => {
      const year = policyYear++;
      return api.post(
        '/v1/ops/fee-policies',
        { effective_from: `${year}-01-01`, effective_to: `${year}-12-31`, entry_fee: { amount: 100_000, currency: 'CNY' }, note: `Matrix policy ${year}` },
        { token: caller.token },
      );
    },
    expect: opsEndpoint({ 'operator:finance': ok(201), 'operator:admin': ok(201) }),
    audits: ['fee_policy.create'],
  },
  {
    action: 'list operators',
    send: (caller) => api.get('/v1/ops/operators', { token: caller.token }),
    expect: opsEndpoint({ 'operator:admin': ok() }),
  },
  {
    action: 'create an operator',
    send: (caller) =>
      api.post(
        '/v1/ops/operators',
        { email: `${unique('matrix-operator')}@ops.example`, password: 'operator password 1', display_name: 'Matrix operator', roles: ['support'], data_tier: 'masked' },
        { token: caller.token },
      ),
    expect: opsEndpoint({ 'operator:admin': ok(201) }),
    audits: ['operator.create'],
  },
  {
    // Public-holiday data: any operator reads it; changing it takes the admin's grant.
    action: 'GET the CN business calendar',
    send: (caller) => api.get('/v1/ops/calendars/CN', { token: caller.token }),
    expect: opsEndpoint(each(OPERATORS, ok())),
  },
  {
    action: 'declare a CN holiday',
    send: (caller) => api.put('/v1/ops/calendars/CN/days/2026-12-31', { kind: 'holiday', name: 'Matrix holiday', reason: 'access matrix' }, { token: caller.token }),
    expect: opsEndpoint({ 'operator:admin': ok(204) }),
    audits: ['business_calendar.set_day'],
  },
  {
    action: 'list compliance cases',
    send: (caller) => api.get('/v1/ops/compliance/cases', { token: caller.token }),
    expect: opsEndpoint({ 'operator:compliance': ok(), 'operator:admin': ok() }),
  },
  {
    // A refused caller names a parcel that could be handed over, so only authorization stands in the way.
    action: 'record a hand-over to a last-mile carrier',
    send: async (caller) => api.post('/v1/ops/tracking/hand-overs', { entries: [await platformParcelToHandOver()] }, { token: caller.token }),
    expect: opsEndpoint({ 'operator:logistics': ok(), 'operator:admin': ok() }),
    audits: ['tracking.hand_over'],
    verify: (response) => expect(response.body.results).toEqual([expect.objectContaining({ ok: true, last_mile: expect.objectContaining({ carrier_code: 'correios' }) })]),
  },
  {
    action: "GET a platform parcel's journey (ops)",
    send: async (caller) => api.get(`/v1/ops/tracking/parcels?number=${platformTrackingNumber(platformSerial)}`, { token: caller.token }),
    expect: opsEndpoint({ 'operator:support': ok(), 'operator:finance': ok(), 'operator:logistics': ok(), 'operator:admin': ok() }),
    verify: (response) => expect(response.body).toMatchObject({ seller_id: ctx.sellerA, carrier_code: 'caravan' }),
  },
];

async function runCase(c: Case) {
  const caller = principal(c.who);
  const permitted = c.expect.status < 400;
  const response = await c.row.send(caller, permitted);
  expect(outcomeOf(response)).toBe(outcome(c.expect));
  if (permitted) {
    await c.row.verify?.(response, c.who);
  } else {
    expect(String(response.headers['content-type'])).toMatch(/application\/problem\+json/);
    const text = JSON.stringify(response.body);
    for (const value of PERSONAL_VALUES) expect(text).not.toContain(value);
  }
}

async function auditCounts(): Promise<Map<string, number>> {
  const rows = await queryRows<{ actor_id: string | null; action: string; n: number }>(
    app().platform.db,
    sql`SELECT actor_id, action, count(*)::int AS n FROM audit_log WHERE action <> 'personal_data.view' GROUP BY actor_id, action`,
  );
  return new Map(rows.map((row) => [`${row.actor_id} ${row.action}`, Number(row.n)]));
}

function documentsOf(body: { documents: { kind: string; id: string; sha256: string }[] }): Record<string, DocumentRef> {
  return Object.fromEntries(body.documents.map((d) => [d.kind, { id: d.id, sha256: d.sha256 }]));
}

async function readAsOwner(applicationId: string, owner: Who) {
  const response = await api.get(`/v1/seller/applications/${applicationId}`, { token: tokenOf(owner) });
  if (response.status !== 200) throw new Error(`reading ${applicationId} failed: ${JSON.stringify(response.body)}`);
  return response.body;
}

// ─── Personal data by tier ─────────────────────────────────────────────────────────────────────

type Visibility = 'full' | 'masked';

/** A's personal fields in full (as normalised on submission) and as a viewer without the right sees them. */
const PERSONAL_FIELDS: { path: string; dataClass: 'contact' | 'identity'; full: string; masked: string }[] = [
  { path: '/representative/name', dataClass: 'contact', full: '王芳', masked: maskPersonName('王芳') },
  { path: '/representative/name_latin', dataClass: 'contact', full: 'Wang Fang', masked: maskPersonName('Wang Fang') },
  // Written out rather than computed, so a broken masker cannot agree with itself.
  { path: '/representative/mobile', dataClass: 'contact', full: '+8613800138000', masked: '+86138****8000' },
  { path: '/payment_account/bound_mobile', dataClass: 'contact', full: '+8613800138000', masked: maskPhone('+8613800138000') },
  { path: '/representative/id_number', dataClass: 'identity', full: '440308199901101512', masked: '440308********1512' },
  { path: '/bank_account/account_number', dataClass: 'identity', full: '755912345610801', masked: maskAccountNumber('755912345610801') },
  { path: '/payment_account/account_id', dataClass: 'identity', full: 'xinghe-trade@alipay.example', masked: maskEmail('xinghe-trade@alipay.example') },
];

/** Business data, and an enterprise's account holder (a company, not a person), are never masked. */
const NON_PERSONAL_FIELDS: { path: string; value: string }[] = [
  { path: '/entity/name', value: '深圳市星河跨境贸易有限公司' },
  { path: '/entity/uscc', value: '91110108551385082Q' },
  { path: '/bank_account/holder_name', value: '深圳市星河跨境贸易有限公司' },
];

interface TierRead {
  who: Who | TierWho;
  via: 'seller' | 'ops';
  contact: Visibility;
  identity: Visibility;
}

const TIER_READS: TierRead[] = [
  { who: 'A owner', via: 'seller', contact: 'full', identity: 'full' },
  { who: 'A staff[settings]', via: 'seller', contact: 'full', identity: 'masked' },
  { who: 'support@masked', via: 'ops', contact: 'masked', identity: 'masked' },
  { who: 'support@contact', via: 'ops', contact: 'full', identity: 'masked' },
  { who: 'support@full', via: 'ops', contact: 'full', identity: 'full' },
  { who: 'reviewer@masked', via: 'ops', contact: 'masked', identity: 'masked' },
  { who: 'reviewer@contact', via: 'ops', contact: 'full', identity: 'masked' },
  { who: 'reviewer@full', via: 'ops', contact: 'full', identity: 'full' },
];

interface TierDownload {
  who: Who | TierWho;
  via: 'seller' | 'ops';
  document: 'business_licence' | 'id_card_front';
  expect: Expect;
}

const TIER_DOWNLOADS: TierDownload[] = [
  ...(
    [
      ['A owner', 'seller', ok(), ok()],
      ['A staff[settings]', 'seller', ok(), RESTRICTED],
      ['reviewer@masked', 'ops', ok(), RESTRICTED],
      ['reviewer@contact', 'ops', ok(), RESTRICTED],
      ['reviewer@full', 'ops', ok(), ok()],
      // Support holds no read grant on documents at all, so its tier never comes into play.
      ['support@masked', 'ops', DENIED, DENIED],
      ['support@contact', 'ops', DENIED, DENIED],
      ['support@full', 'ops', DENIED, DENIED],
    ] as const
  ).flatMap(([who, via, licence, idFront]): TierDownload[] => [
    { who, via, document: 'business_licence', expect: licence },
    { who, via, document: 'id_card_front', expect: idFront },
  ]),
];

const at = (value: unknown, pointer: string): unknown =>
  pointer
    .split('/')
    .slice(1)
    .reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), value);

// ─── Tests ─────────────────────────────────────────────────────────────────────────────────────

describe('access matrix', () => {
  beforeAll(async () => {
    const buyer = await api.post('/v1/store/sign-up', { email: `${unique('buyer')}@buyers.example`, password: 'buyer password 123', display_name: 'Buyer' });
    if (buyer.status !== 201) throw new Error(`buyer sign-up failed: ${JSON.stringify(buyer.body)}`);
    principals.set('anonymous', { token: undefined, accountId: undefined });
    principals.set('buyer', { token: buyer.body.token, accountId: buyer.body.account.id });

    const ownerA = await signUpSeller(api, unique('seller-a'));
    const ownerB = await signUpSeller(api, unique('seller-b'));
    ctx.sellerA = ownerA.sellerId;
    ctx.sellerB = ownerB.sellerId;
    principals.set('A owner', ownerA);
    principals.set('B owner', ownerB);
    for (const [who, permissions] of Object.entries(STAFF_PERMISSIONS) as [SellerWho, SellerPermission[]][]) {
      principals.set(who, await addStaff(api, tenantOf(who) === 'A' ? ownerA : ownerB, permissions));
    }
    ctx.staffToChange = await addStaff(api, ownerA, ['products']);
    ctx.staffToRemove = await addStaff(api, ownerA, ['products']);

    // Role operators see everything their tier allows, so this matrix shows roles alone.
    for (const who of OPERATORS) principals.set(who, await createOperator(app(), api, [who.slice('operator:'.length) as OperatorRole], 'full'));
    for (const role of ['support', 'reviewer'] as const) {
      for (const tier of ['masked', 'contact', 'full'] as const) principals.set(`${role}@${tier}`, await createOperator(app(), api, [role], tier));
    }
    ctx.fixtureReviewer = await createOperator(app(), api, ['reviewer'], 'masked');

    const draftA = await api.post('/v1/seller/applications', { kind: 'enterprise', form: enterpriseForm({ store: { name: unique('Store A'), type: 'standard' } }) }, { token: ownerA.token });
    if (draftA.status !== 201) throw new Error(`A's application failed: ${JSON.stringify(draftA.body)}`);
    ctx.appA = draftA.body.id;
    await uploadRequiredDocuments(api, ctx.appA, ownerA.token);

    const createdB = await api.post('/v1/seller/applications', { kind: 'enterprise', form: formB() }, { token: ownerB.token });
    if (createdB.status !== 201) throw new Error(`B's application failed: ${JSON.stringify(createdB.body)}`);
    ctx.appB = createdB.body.id;
    await uploadRequiredDocuments(api, ctx.appB, ownerB.token);
    const submittedB = await api.post(`/v1/seller/applications/${ctx.appB}/submit`, {}, { token: ownerB.token });
    if (submittedB.status !== 200) throw new Error(`B's submission failed: ${JSON.stringify(submittedB.body)}`);
    ctx.snapshotB = await readAsOwner(ctx.appB, 'B owner');
    ctx.docsB = documentsOf(submittedB.body);

    ctx.auditBaseline = await auditCounts();
  });

  describe("while A's application is a draft", () => {
    it.each(casesOf(draftRows))('%s', async (_title, c) => runCase(c));
  });

  describe("once A's application is submitted", () => {
    beforeAll(async () => {
      // Later cells need A submitted even if the submitting cell above failed; that cell reports it.
      if ((await readAsOwner(ctx.appA, 'A owner')).status === 'draft') {
        await api.post(`/v1/seller/applications/${ctx.appA}/submit`, {}, { token: tokenOf('A owner') });
      }
      await app().settle();
      ctx.snapshotA = await readAsOwner(ctx.appA, 'A owner');
      ctx.docsA = documentsOf(ctx.snapshotA as Parameters<typeof documentsOf>[0]);
    });

    it.each(casesOf(submittedRows))('%s', async (_title, c) => runCase(c));
  });

  describe('personal data, by role and data-access tier', () => {
    it('has masked forms that differ from the full values', () => {
      for (const field of PERSONAL_FIELDS) expect(field.masked, field.path).not.toBe(field.full);
    });

    it.each(TIER_READS.map((read): [string, TierRead] => [`${read.who} reads A's application: contact ${read.contact}, identity ${read.identity}`, read]))('%s', async (_title, read) => {
      const url = read.via === 'seller' ? `/v1/seller/applications/${ctx.appA}` : `/v1/ops/seller-applications/${ctx.appA}`;
      const response = await api.get(url, { token: tokenOf(read.who) });
      expect(response.status).toBe(200);
      const seen = Object.fromEntries([...PERSONAL_FIELDS, ...NON_PERSONAL_FIELDS].map((field) => [field.path, at(response.body.form, field.path)]));
      const expected = Object.fromEntries([
        ...PERSONAL_FIELDS.map((field) => [field.path, read[field.dataClass] === 'full' ? field.full : field.masked]),
        ...NON_PERSONAL_FIELDS.map((field) => [field.path, field.value]),
      ]);
      expect(seen).toEqual(expected);
    });

    it.each(
      TIER_DOWNLOADS.map((d): [string, TierDownload] => [`${d.who} downloads A's ${d.document} → ${outcome(d.expect)}`, d]),
    )('%s', async (_title, d) => {
      const document = ctx.docsA[d.document]!;
      const surface = d.via === 'seller' ? 'seller/applications' : 'ops/seller-applications';
      const response = await download(`/v1/${surface}/${ctx.appA}/documents/${document.id}/content`, tokenOf(d.who));
      expect(outcomeOf(response)).toBe(outcome(d.expect));
      if (response.status === 200) expectDocument(document)(response);
    });

    it('audits every operator view of identity data, read or downloaded, and nothing else', async () => {
      const tierOperators = new Map([...principals].filter(([who]) => who.includes('@')).map(([who, p]) => [p.accountId, who]));
      const rows = await queryRows<{ actor_id: string; subject_type: string; subject_id: string }>(
        app().platform.db,
        sql`SELECT actor_id, subject_type, subject_id FROM audit_log WHERE action = 'personal_data.view'`,
      );
      const recorded = rows.filter((row) => tierOperators.has(row.actor_id)).map((row) => `${tierOperators.get(row.actor_id)} ${row.subject_type} ${row.subject_id}`);
      const expected = [
        ...TIER_READS.filter((read) => read.via === 'ops' && read.identity === 'full').map((read) => `${read.who} seller_application ${ctx.appA}`),
        // Only documents holding personal data are audited, on the application they belong to.
        ...TIER_DOWNLOADS.filter((d) => d.via === 'ops' && d.expect.status === 200 && d.document === 'id_card_front').map((d) => `${d.who} seller_application ${ctx.appA}`),
      ];
      expect(recorded.sort()).toEqual(expected.sort());

      // The trail of the application shows operators who looked; the applicant's view of it does not.
      const opsHistory = await api.get(`/v1/ops/seller-applications/${ctx.appA}/history`, { token: tokenOf('operator:admin') });
      const viewers = opsHistory.body.data.filter((r: { action: string }) => r.action === 'personal_data.view').map((r: { actor_id: string }) => r.actor_id);
      expect(viewers).toEqual(expect.arrayContaining([principal('support@full').accountId, principal('reviewer@full').accountId]));
      expect(viewers).not.toContain(principal('support@contact').accountId);
      expect(viewers).not.toContain(principal('support@masked').accountId);
      const sellerHistory = await api.get(`/v1/seller/applications/${ctx.appA}/history`, { token: tokenOf('A owner') });
      expect(sellerHistory.body.data.map((r: { action: string }) => r.action)).not.toContain('personal_data.view');
    });
  });

  describe('refusals changed nothing', () => {
    it("leaves A's application as the permitted cells made it and B's untouched", async () => {
      const a = await readAsOwner(ctx.appA, 'A owner');
      // Created at 1, two permitted edits, one submission; uploads do not count as versions.
      expect(a).toMatchObject({ status: 'submitted', version: 4 });
      expect(a).toEqual(ctx.snapshotA);
      const b = await readAsOwner(ctx.appB, 'B owner');
      expect(b).toMatchObject({ status: 'submitted', version: 2 });
      expect(b).toEqual(ctx.snapshotB);

      const documents = await queryRows<{ application_id: string; n: number }>(
        app().platform.db,
        sql`SELECT application_id, count(*)::int AS n FROM seller_documents WHERE application_id IN (${ctx.appA}, ${ctx.appB}) GROUP BY application_id`,
      );
      // Three each before the matrix, and two permitted uploads to A's draft.
      expect(Object.fromEntries(documents.map((row) => [row.application_id, Number(row.n)]))).toEqual({ [ctx.appA]: 5, [ctx.appB]: 3 });
    });

    it('left an audit record for each permitted change and none for a refused one', async () => {
      const names = new Map([...principals].map(([who, p]) => [p.accountId, who]));
      const expected = new Map<string, number>();
      for (const [, c] of [...casesOf(draftRows), ...casesOf(submittedRows)]) {
        if (c.expect.status >= 400) continue;
        for (const action of c.row.audits ?? []) {
          const key = `${c.who} ${action}`;
          expected.set(key, (expected.get(key) ?? 0) + 1);
        }
      }
      const changes = new Map<string, number>();
      for (const [key, count] of await auditCounts()) {
        const [actorId = '', action = ''] = key.split(' ');
        const who = names.get(actorId);
        const delta = count - (ctx.auditBaseline.get(key) ?? 0);
        if (who && delta > 0) changes.set(`${who} ${action}`, delta);
      }
      const sorted = (counts: Map<string, number>) => [...counts].map(([key, n]) => `${key} ×${n}`).sort();
      expect(sorted(changes)).toEqual(sorted(expected));
    });
  });
});

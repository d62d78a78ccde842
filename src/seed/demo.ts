import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { App } from '../app.ts';
import type { Caller, DataAccessTier, OperatorRole, Principal } from '../modules/identity/index.ts';
import { residentIdCheckCharacter, usccCheckCharacter, type ApplicationForm, type DocumentKind } from '../modules/sellers/index.ts';
import { seedDemoCatalog } from './demo-catalog.ts';
import { jpegFile, pdfFile, pngFile } from './sample-files.ts';

/**
 * Demo data for a new marketplace: operators with different roles and data-access tiers, and
 * sellers at every step of onboarding. Created once; a second run finds the admin and stops.
 * Every company, person and number below is invented; the identifiers carry valid check characters.
 */
const ADMIN_EMAIL = 'admin@caravan.demo';

export interface DemoCredential {
  role: string;
  email: string;
  password: string;
  note: string;
}

const uscc = (prefix: '91' | '92', body: string) => {
  const first17 = `${prefix}${body}`;
  return `${first17}${usccCheckCharacter(first17)}`;
};
/** The same code with its check character changed, as a typing slip would. */
const mistyped = (code: string) => `${code.slice(0, 17)}${code.endsWith('0') ? '1' : '0'}`;
const residentId = (first17: string) => `${first17}${residentIdCheckCharacter(first17)}`;

interface DemoSeller {
  slug: string;
  name: string;
  kind: 'enterprise' | 'individual';
  form: ApplicationForm;
  /** How far onboarding has got. */
  stage: 'draft' | 'submitted' | 'under_review' | 'needs_info' | 'approved' | 'rejected';
}

function enterprise(slug: string, company: string, storeName: string, body: string, person: { name: string; latin: string; id17: string; mobile: string }, extra: Partial<ApplicationForm> = {}): ApplicationForm {
  return {
    entity: {
      name: company,
      name_en: `${storeName} Trading Co., Ltd.`,
      uscc: uscc('91', body),
      registered_address: '广东省深圳市南山区粤海街道 100 号',
      business_scope: '货物及技术进出口；跨境电子商务；日用百货销售',
      licence_valid_until: null,
    },
    representative: { name: person.name, name_latin: person.latin, id_number: residentId(person.id17), mobile: person.mobile },
    bank_account: { holder_name: company, bank_name: '中国银行深圳分行', account_number: `7559${body.replace(/\D/g, '').padEnd(11, '7').slice(0, 11)}` },
    payment_account: { provider: 'Alipay', account_id: `${slug}@pay.example`, bound_mobile: person.mobile },
    store: { name: storeName, type: 'standard' },
    ...extra,
  };
}

const DEMO_SELLERS: DemoSeller[] = [
  {
    slug: 'xinghe',
    name: 'Xinghe Electronics',
    kind: 'enterprise',
    stage: 'approved',
    form: enterprise('xinghe', '深圳市星河电子科技有限公司', 'Xinghe Electronics', '440300MA5DX0001', { name: '王芳', latin: 'Wang Fang', id17: '44030819880512152', mobile: '+8613800138001' }),
  },
  {
    slug: 'lumen',
    name: 'Lumen Home Lighting',
    kind: 'enterprise',
    stage: 'approved',
    form: enterprise('lumen', '佛山市流明照明有限公司', 'Lumen Home Lighting', '440600MA5DX0002', { name: '陈刚', latin: 'Chen Gang', id17: '44060419750301301', mobile: '+8613900139002' }, {
      store: { name: 'Lumen Home Lighting', type: 'brand', trademark: { kind: 'registered', mark: 'LUMEN HOME', number: '31234567', registered_on: '2019-06-28' } },
    }),
  },
  {
    slug: 'yiwu-li',
    name: 'Little Li Jewellery',
    kind: 'individual',
    stage: 'submitted',
    form: {
      entity: { name: '义乌市小李饰品店', uscc: uscc('92', '330782MA2DX0003'), registered_address: '浙江省义乌市稠城街道 12 号' },
      representative: { name: '李娜', name_latin: 'Li Na', id_number: residentId('33078219920214002'), mobile: '+8613912345678' },
      bank_account: { holder_name: '李娜', bank_name: '中国农业银行义乌分行', account_number: '6228480123456789012' },
      payment_account: { account_id: 'lina-shop', bound_mobile: '+8613912345678' },
      store: { name: 'Little Li Jewellery', type: 'standard' },
    },
  },
  {
    slug: 'autoparts',
    name: 'Canton Auto Parts',
    kind: 'enterprise',
    stage: 'under_review',
    form: enterprise('autoparts', '广州市粤驰汽车配件有限公司', 'Canton Auto Parts', '440100MA5DX0004', { name: '刘洋', latin: 'Liu Yang', id17: '44010619900707123', mobile: '+8618600186004' }),
  },
  {
    slug: 'pawsome',
    name: 'Pawsome Pet Supplies',
    kind: 'enterprise',
    stage: 'needs_info',
    form: enterprise('pawsome', '宁波市爪爪宠物用品有限公司', 'Pawsome Pet Supplies', '330200MA5DX0005', { name: '赵敏', latin: 'Zhao Min', id17: '33020319951111222', mobile: '+8615800158005' }),
  },
  {
    slug: 'garden',
    name: 'Green Garden Tools',
    kind: 'enterprise',
    stage: 'draft',
    form: enterprise('garden', '金华市绿园工具有限公司', 'Green Garden Tools', '330700MA5DX0006', { name: '孙丽', latin: 'Sun Li', id17: '33070219870420342', mobile: '+8613700137006' }, {
      // A mistyped check character, as applicants make: the draft shows the problem.
      entity: { name: '金华市绿园工具有限公司', uscc: mistyped(uscc('91', '330700MA5DX0006')), registered_address: '浙江省金华市婺城区 8 号', business_scope: '园林工具销售；货物进出口' },
    }),
  },
  {
    slug: 'toyland',
    name: 'Toyland Direct',
    kind: 'enterprise',
    stage: 'rejected',
    form: enterprise('toyland', '汕头市玩具乐园有限公司', 'Toyland Direct', '440500MA5DX0007', { name: '黄伟', latin: 'Huang Wei', id17: '44050719830909555', mobile: '+8613500135007' }),
  },
  {
    slug: 'sanctioned',
    name: 'Example Sanctioned Trading',
    kind: 'enterprise',
    stage: 'under_review',
    // Matches an entry of the sample sanctions list: approving it opens a compliance case.
    form: enterprise('sanctioned', '示例制裁贸易有限公司', 'Example Trading Store', '310000MA1DX0008', { name: '周杰', latin: 'Zhou Jie', id17: '31010119800101777', mobile: '+8613600136008' }),
  },
];

const DOCUMENTS: [DocumentKind, () => Buffer, string][] = [
  ['business_licence', pdfFile, 'business-licence.pdf'],
  ['id_card_front', pngFile, 'id-front.png'],
  ['id_card_back', jpegFile, 'id-back.jpg'],
];

function password(): string {
  return `demo-${randomBytes(9).toString('base64url')}`;
}

/**
 * Creates whatever of the demo data is missing, so a run cut short is completed by the next one.
 * Each account's password is handed to `remember` as soon as the account exists, never lost.
 */
export async function seedDemoData(app: App, remember: (credential: DemoCredential) => void): Promise<DemoCredential[]> {
  const { identity, sellers } = app.modules;
  const created: DemoCredential[] = [];
  const keep = (credential: DemoCredential) => {
    created.push(credential);
    remember(credential);
  };

  const operator = async (email: string, displayName: string, roles: OperatorRole[], dataTier: DataAccessTier, note: string): Promise<Caller> => {
    let accountId = (await identity.service.findAccountByEmail(email))?.id;
    if (!accountId) {
      const secret = password();
      accountId = (await identity.service.createOperator(null, { email, password: secret, displayName, roles, dataTier })).account.id;
      keep({ role: `operator (${roles.join(', ')}; ${dataTier} tier)`, email, password: secret, note });
    }
    const principal: Principal = { kind: 'operator', accountId, sessionId: 'demo-seed', roles, dataTier };
    return { principal, requestId: 'demo-seed' };
  };
  const admin = await operator(ADMIN_EMAIL, 'Demo Admin', ['admin'], 'full', 'everything, incl. operators and calendars');
  const reviewer = await operator('reviewer@caravan.demo', 'Demo Reviewer', ['reviewer'], 'contact', 'review queue; ID numbers masked');
  await operator('compliance@caravan.demo', 'Demo Compliance', ['compliance'], 'full', 'sanctions cases');
  await operator('support@caravan.demo', 'Demo Support', ['support'], 'masked', 'read-only, personal data masked');

  // The shipped policy charges no entry fee up to 2025-12-31; the demo marketplace keeps it waived.
  const today = app.platform.clock.now().toISOString().slice(0, 10);
  const policies = await sellers.service.listFeePolicies(admin);
  if (!policies.some((p) => p.effectiveTo === null || p.effectiveTo >= today)) {
    await sellers.service.createFeePolicy(admin, { effectiveFrom: '2026-01-01', effectiveTo: null, entryFee: { amount: 0, currency: 'CNY' }, note: 'Demo marketplace: entry fee waived' });
  }

  const owners = new Map<string, Caller>();
  for (const demo of DEMO_SELLERS) {
    const email = `${demo.slug}@sellers.caravan.demo`;
    if (await identity.service.findAccountByEmail(email)) continue;
    const secret = password();
    const signUp = await sellers.service.signUp({ email, password: secret, displayName: demo.form.representative?.name_latin ?? demo.name, sellerName: demo.name, locale: 'zh' }, {});
    keep({ role: `seller owner (${demo.stage})`, email, password: secret, note: demo.name });
    const owner: Caller = {
      principal: { kind: 'seller', accountId: signUp.account.id, sessionId: 'demo-seed', sellerId: signUp.seller.id, role: 'owner', permissions: [] },
      requestId: 'demo-seed',
    };
    owners.set(demo.slug, owner);
    await walkOnboarding(app, demo, owner, reviewer);
  }
  await app.settle();
  await seedDemoBuyer(app, owners, keep);
  await app.settle();
  return created;
}

const DEMO_BUYER_EMAIL = 'buyer@caravan.demo';

/**
 * A buyer in Madrid who has bought from two sellers in one checkout and paid with the sandbox's
 * test card: Lumen and Xinghe each have an order to ship. Made with the stores it buys from.
 */
async function seedDemoBuyer(app: App, owners: ReadonlyMap<string, Caller>, keep: (credential: DemoCredential) => void): Promise<void> {
  const { identity, catalog, checkout, payments } = app.modules;
  const lumen = owners.get('lumen');
  const xinghe = owners.get('xinghe');
  if (!lumen || !xinghe || (await identity.service.findAccountByEmail(DEMO_BUYER_EMAIL))) return;
  const secret = password();
  const grant = await identity.service.signUpBuyer({ email: DEMO_BUYER_EMAIL, password: secret, displayName: 'Lucía García', locale: 'es' }, { ip: '127.0.0.1' });
  keep({ role: 'buyer', email: DEMO_BUYER_EMAIL, password: secret, note: 'Madrid; two orders paid with the sandbox card' });
  const buyer: Caller = { principal: { kind: 'buyer', accountId: grant.account.id, sessionId: 'demo-seed' }, requestId: 'demo-seed' };
  const skuOf = async (owner: Caller, sellerSku: string) => (await catalog.service.list(owner, { sellerSku, limit: 1 })).data[0]!.skus.find((sku) => sku.sellerSku === sellerSku)!.id;
  const cart = checkout.service.buyerCart(buyer);
  await checkout.service.addItem(cart, { skuId: await skuOf(lumen, 'LH-A60-9W-E27-WW'), quantity: 4, market: 'ES' });
  await checkout.service.addItem(cart, { skuId: await skuOf(xinghe, 'XH-C15-CLR'), quantity: 2, market: 'ES' });
  const placed = await checkout.service.place(buyer, {
    market: 'ES',
    address: { name: 'Lucía García', lines: ['Calle de Alcalá 42', '3º B'], city: 'Madrid', postalCode: '28014', country: 'ES', phone: '+34 612 345 678' },
  });
  const card = await payments.service.tokenizeSandboxCard(buyer, { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030, cvc: '123' });
  await payments.service.confirm(buyer, placed.checkout.paymentId, { method: { type: 'card', token: card.token }, amount: placed.checkout.grandTotal.amount, currency: placed.checkout.grandTotal.currency });
}

/** Takes a demo seller's application as far as its stage. */
async function walkOnboarding(app: App, demo: DemoSeller, owner: Caller, reviewer: Caller): Promise<void> {
  const { sellers } = app.modules;
  const draft = await sellers.service.createApplication(owner, { kind: demo.kind, form: demo.form });
  const applicationId = draft.application.id;
  for (const [kind, file, filename] of DOCUMENTS) await sellers.service.uploadDocument(owner, applicationId, { kind, filename, content: file() });
  if (demo.form.store?.type === 'brand') await sellers.service.uploadDocument(owner, applicationId, { kind: 'trademark_certificate', filename: 'trademark.pdf', content: pdfFile() });
  if (demo.stage === 'draft') return;
  await sellers.service.submitApplication(owner, applicationId);
  if (demo.stage === 'submitted') return;
  await sellers.service.startReview(reviewer, applicationId, 'Review started');
  if (demo.stage === 'under_review') return;
  if (demo.stage === 'needs_info') {
    await sellers.service.requestInfo(reviewer, applicationId, 'The bank account proof is missing.', [{ path: '/documents/bank_account_proof', message: 'Upload the account-opening permit (开户许可证) of the corporate account.' }]);
  } else if (demo.stage === 'rejected') {
    await sellers.service.reject(reviewer, applicationId, 'Toys need EN 71 test reports for the EU; the company has none on file. Apply again once certified.');
  } else {
    await sellers.service.approve(reviewer, applicationId, { reason: 'Licence, identity and bank account verified.' });
    await seedDemoCatalog(app, demo.slug, owner);
  }
}

export function formatCredentials(credentials: DemoCredential[]): string {
  const width = Math.max(...credentials.map((c) => c.email.length));
  return credentials.map((c) => `  ${c.email.padEnd(width)}  ${c.password}  ${c.role} — ${c.note}`).join('\n');
}

/** Appends one account to the credentials file beside the embedded database, readable by the owner only. */
export function credentialsFile(dataDir: string): { file: string; remember: (credential: DemoCredential) => void } {
  const file = path.join(dataDir, 'demo-credentials.txt');
  return {
    file,
    remember(credential) {
      mkdirSync(dataDir, { recursive: true });
      if (!existsSync(file)) writeFileSync(file, `Caravan demo accounts (created ${new Date().toISOString()})\n\n`, { mode: 0o600 });
      appendFileSync(file, `${formatCredentials([credential])}\n`);
    },
  };
}

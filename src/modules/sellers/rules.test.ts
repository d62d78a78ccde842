import { describe, expect, it } from 'vitest';
import { enterpriseForm, individualForm } from '../../../test/support/fixtures.ts';
import {
  addMonths,
  applicationProblems,
  brandStoreProblems,
  feePolicyOn,
  nextStatus,
  normalizeForm,
  overlappingPolicy,
  sameAccountHolder,
  scopeAllowsCrossBorderTrade,
  type ApplicationStatus,
  type FeePolicy,
  type ValidationContext,
} from './rules.ts';

const ALL_DOCUMENTS = ['business_licence', 'id_card_front', 'id_card_back'] as const;
const enterprise: ValidationContext = { kind: 'enterprise', applicationDate: '2026-11-24', uploadedDocuments: ALL_DOCUMENTS };
const individual: ValidationContext = { ...enterprise, kind: 'individual' };
const paths = (form: Parameters<typeof applicationProblems>[0], context = enterprise) => applicationProblems(form, context).map((p) => `${p.path} ${p.code}`);

describe('application lifecycle', () => {
  it.each([
    ['draft', 'submit', 'seller', 'submitted'],
    ['submitted', 'start_review', 'operator', 'under_review'],
    ['resubmitted', 'start_review', 'operator', 'under_review'],
    ['under_review', 'approve', 'operator', 'approved'],
    ['under_review', 'reject', 'operator', 'rejected'],
    ['under_review', 'request_info', 'operator', 'needs_info'],
    ['needs_info', 'resubmit', 'seller', 'resubmitted'],
    ['needs_info', 'close_for_compliance', 'system', 'rejected'],
  ] as const)('%s --%s by %s--> %s', (from, action, by, to) => {
    expect(nextStatus(from, action, by)).toEqual({ ok: true, to });
  });

  it.each([
    ['draft', 'approve', 'operator'],
    ['submitted', 'approve', 'operator'],
    ['approved', 'reject', 'operator'],
    ['rejected', 'submit', 'seller'],
    ['under_review', 'submit', 'seller'],
    ['submitted', 'start_review', 'seller'],
    ['approved', 'close_for_compliance', 'system'],
  ] as const)('refuses %s --%s by %s', (from, action, by) => {
    expect(nextStatus(from as ApplicationStatus, action, by).ok).toBe(false);
  });

  it('says which actions are possible instead', () => {
    expect(nextStatus('under_review', 'start_review', 'operator')).toEqual({ ok: false, allowed: ['approve', 'reject', 'request_info'] });
  });
});

describe('application validation', () => {
  it('accepts complete enterprise and individual-business applications', () => {
    expect(applicationProblems(enterpriseForm(), enterprise)).toEqual([]);
    expect(applicationProblems(individualForm(), individual)).toEqual([]);
  });

  it('reports every problem at once', () => {
    const form = enterpriseForm({
      entity: { ...enterpriseForm().entity, uscc: '91110108551385083Q', business_scope: '日用百货销售' },
      representative: { name: '王芳', id_number: '440308199913101512', mobile: '12800138000' },
    });
    expect(paths(form)).toEqual([
      '/entity/uscc invalid_check_character',
      '/entity/business_scope scope_lacks_cross_border_trade',
      '/representative/id_number invalid_birth_date',
      '/representative/mobile invalid_prefix',
    ]);
  });

  it('lists every missing field and document of an empty form', () => {
    expect(paths({}, { ...enterprise, uploadedDocuments: [] })).toEqual([
      '/entity/name required',
      '/entity/uscc required',
      '/entity/registered_address required',
      '/entity/business_scope required',
      '/representative/name required',
      '/representative/id_number required',
      '/representative/mobile required',
      '/bank_account/bank_name required',
      '/bank_account/account_number required',
      '/bank_account/holder_name required',
      '/payment_account/account_id required',
      '/payment_account/bound_mobile required',
      '/store/name required',
      '/documents/business_licence document_missing',
      '/documents/id_card_front document_missing',
      '/documents/id_card_back document_missing',
    ]);
  });

  it('needs a corporate account in the company’s name, compared regardless of width, case and spaces', () => {
    expect(sameAccountHolder('深圳市星河跨境贸易有限公司', '深圳市星河跨境贸易 有限公司')).toBe(true);
    expect(sameAccountHolder('ACME (Shenzhen) Co., Ltd.', 'acme（shenzhen）co., ltd.')).toBe(true);
    const personal = enterpriseForm({ bank_account: { holder_name: '王芳', bank_name: 'x', account_number: '6222021234567890' } });
    expect(paths(personal)).toEqual(['/bank_account/holder_name holder_name_mismatch']);
    const operatorAccount = individualForm({ bank_account: { holder_name: '义乌市小李饰品店', bank_name: 'x', account_number: '6222021234567890' } });
    expect(paths(operatorAccount, individual)).toEqual([]);
  });

  it('needs the payment account bound to the representative’s mobile', () => {
    const form = enterpriseForm({ payment_account: { account_id: 'x', bound_mobile: '13900000000' } });
    expect(paths(form)).toEqual(['/payment_account/bound_mobile mobile_not_bound_to_representative']);
  });

  it('matches the credit code to the kind of applicant', () => {
    expect(paths(enterpriseForm({ entity: { ...enterpriseForm().entity, uscc: individualForm().entity!.uscc! } }))).toEqual(['/entity/uscc uscc_kind_mismatch']);
    expect(paths(individualForm({ entity: { ...individualForm().entity, uscc: '91110108551385082Q' } }), individual)).toEqual(['/entity/uscc uscc_kind_mismatch']);
  });

  it('refuses an expired business licence', () => {
    expect(paths(enterpriseForm({ entity: { ...enterpriseForm().entity, licence_valid_until: '2026-11-23' } }))).toEqual(['/entity/licence_valid_until licence_expired']);
    expect(paths(enterpriseForm({ entity: { ...enterpriseForm().entity, licence_valid_until: '2026-11-24' } }))).toEqual([]);
  });

  it.each([
    ['经营范围：货物进出口、技术进出口', true],
    ['跨境电商零售进口', true],
    ['Import and Export of goods; sale of electronics', true],
    ['Cross-border E-commerce', true],
    ['日用百货销售', false],
    ['出口代理', false],
  ])('scope "%s" allows cross-border trade: %s', (scope, allowed) => {
    expect(scopeAllowsCrossBorderTrade(scope)).toBe(allowed);
  });

  it('normalises what it stores', () => {
    const normalized = normalizeForm(enterpriseForm({ representative: { name: '王芳', id_number: '11010519491231002x', mobile: '138 0013 8000' } }));
    expect(normalized.representative).toMatchObject({ id_number: '11010519491231002X', mobile: '+8613800138000' });
    expect(normalized.payment_account?.bound_mobile).toBe('+8613800138000');
  });
});

describe('brand stores', () => {
  const store = (trademark: object) => ({ name: 'Brand', type: 'brand' as const, trademark });

  it('accepts a registered ® mark', () => {
    expect(brandStoreProblems('enterprise', store({ kind: 'registered', mark: 'XINGHE', number: '12345678', registered_on: '2021-03-07' }), '2026-11-24')).toEqual([]);
  });

  it('accepts a TM application filed six months or more before, and not a day later', () => {
    const tm = (filed_on: string) => store({ kind: 'application', mark: 'XINGHE', number: 'TM2026001', filed_on });
    expect(brandStoreProblems('enterprise', tm('2026-05-24'), '2026-11-24')).toEqual([]);
    expect(brandStoreProblems('enterprise', tm('2026-05-25'), '2026-11-24').map((p) => p.code)).toEqual(['trademark_application_too_recent']);
  });

  it('never opens a brand store for an individual business', () => {
    expect(brandStoreProblems('individual', store({ kind: 'registered', mark: 'LI', number: '1', registered_on: '2020-01-01' }), '2026-11-24').map((p) => p.code)).toEqual([
      'brand_store_not_allowed',
    ]);
  });

  it('refuses an expired registration and demands the evidence document', () => {
    const expired = store({ kind: 'registered', mark: 'OLD', number: '1', registered_on: '2010-01-01', valid_until: '2020-01-01' });
    expect(brandStoreProblems('enterprise', expired, '2026-11-24').map((p) => p.code)).toEqual(['trademark_expired']);
    const form = enterpriseForm({ store: store({ kind: 'registered', mark: 'XINGHE', number: '12345678', registered_on: '2021-03-07' }) });
    expect(paths(form)).toEqual(['/documents/trademark_certificate document_missing']);
  });

  it('adds calendar months, clamping to the month’s end', () => {
    expect(addMonths('2026-05-24', 6)).toBe('2026-11-24');
    expect(addMonths('2025-08-31', 6)).toBe('2026-02-28');
    expect(addMonths('2023-08-31', 6)).toBe('2024-02-29');
    expect(addMonths('2026-09-15', 6)).toBe('2027-03-15');
  });
});

describe('fee policies', () => {
  const policies: FeePolicy[] = [
    { id: 'a', effectiveFrom: '2019-01-01', effectiveTo: '2025-12-31', entryFee: { amount: 0, currency: 'CNY' } },
    { id: 'b', effectiveFrom: '2027-01-01', effectiveTo: null, entryFee: { amount: 1_000_00, currency: 'CNY' } },
  ];
  it('finds the policy in force on a date, and none in a gap', () => {
    expect(feePolicyOn(policies, '2025-12-31')?.id).toBe('a');
    expect(feePolicyOn(policies, '2026-06-01')).toBeUndefined();
    expect(feePolicyOn(policies, '2030-01-01')?.id).toBe('b');
  });
  it('detects overlaps', () => {
    expect(overlappingPolicy(policies, '2026-01-01', '2026-12-31')).toBeUndefined();
    expect(overlappingPolicy(policies, '2025-12-01', '2026-02-01')?.id).toBe('a');
    expect(overlappingPolicy(policies, '2026-01-01', null)?.id).toBe('b');
  });
});

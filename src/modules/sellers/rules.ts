import type { FieldError } from '../../platform/errors/index.ts';
import { checkMainlandMobile, checkResidentId, checkUscc, type IdentifierCheck } from './identifiers.ts';

// ─── Application lifecycle ────────────────────────────────────────────────────────────────────

export const APPLICATION_STATUSES = ['draft', 'submitted', 'under_review', 'needs_info', 'resubmitted', 'approved', 'rejected'] as const;
export type ApplicationStatus = (typeof APPLICATION_STATUSES)[number];

export type ApplicationAction = 'submit' | 'start_review' | 'approve' | 'reject' | 'request_info' | 'resubmit' | 'close_for_compliance';
type ActorKind = 'seller' | 'operator' | 'system';

/** The lifecycle as data: which action moves an application from where to where, and who may take it. */
export const APPLICATION_TRANSITIONS: Record<ApplicationAction, { from: readonly ApplicationStatus[]; to: ApplicationStatus; by: ActorKind }> = {
  submit: { from: ['draft'], to: 'submitted', by: 'seller' },
  start_review: { from: ['submitted', 'resubmitted'], to: 'under_review', by: 'operator' },
  approve: { from: ['under_review'], to: 'approved', by: 'operator' },
  reject: { from: ['under_review'], to: 'rejected', by: 'operator' },
  request_info: { from: ['under_review'], to: 'needs_info', by: 'operator' },
  resubmit: { from: ['needs_info'], to: 'resubmitted', by: 'seller' },
  // A confirmed sanctions match ends an application wherever it stands.
  close_for_compliance: { from: ['submitted', 'under_review', 'needs_info', 'resubmitted'], to: 'rejected', by: 'system' },
};

export type TransitionResult = { ok: true; to: ApplicationStatus } | { ok: false; allowed: ApplicationAction[] };

export function nextStatus(from: ApplicationStatus, action: ApplicationAction, by: ActorKind): TransitionResult {
  const rule = APPLICATION_TRANSITIONS[action];
  if (rule.by === by && rule.from.includes(from)) return { ok: true, to: rule.to };
  const allowed = (Object.keys(APPLICATION_TRANSITIONS) as ApplicationAction[]).filter(
    (candidate) => APPLICATION_TRANSITIONS[candidate].by === by && APPLICATION_TRANSITIONS[candidate].from.includes(from),
  );
  return { ok: false, allowed };
}

/** The applicant may change the form and documents only while the application is in their hands. */
export const EDITABLE_STATUSES: readonly ApplicationStatus[] = ['draft', 'needs_info'];
/** Waiting for an operator: these count against the review SLA and sit in the review queue. */
export const AWAITING_REVIEW = ['submitted', 'resubmitted', 'under_review'] as const satisfies readonly ApplicationStatus[];

/** Review takes 1–3 business days on China's calendar: due by the end of the third, aimed at the first. */
export const REVIEW_SLA = { targetBusinessDays: 1, deadlineBusinessDays: 3, calendar: 'CN' } as const;

// ─── The application form ─────────────────────────────────────────────────────────────────────

export type ApplicantKind = 'enterprise' | 'individual';
export type StoreType = 'standard' | 'brand';

export interface PersonSection {
  name?: string;
  name_latin?: string;
  id_number?: string;
  mobile?: string;
}

export interface EntitySection {
  name?: string;
  name_en?: string;
  uscc?: string;
  registered_address?: string;
  business_scope?: string;
  /** The licence's validity end; absent or null means long-term (长期). */
  licence_valid_until?: string | null;
}

export interface TrademarkSection {
  kind?: 'registered' | 'application';
  mark?: string;
  number?: string;
  /** Registered marks: date of registration. */
  registered_on?: string;
  /** Registered marks: end of the current protection period. */
  valid_until?: string;
  /** TM applications: filing date. */
  filed_on?: string;
}

export interface ApplicationForm {
  /** Enterprise: the company. Individual business: the 个体工商户 itself. */
  entity?: EntitySection;
  /** Enterprise: the legal representative. Individual business: the operator (经营者). */
  representative?: PersonSection;
  bank_account?: { holder_name?: string; bank_name?: string; branch?: string; account_number?: string };
  payment_account?: { provider?: string; account_id?: string; bound_mobile?: string };
  store?: { name?: string; type?: StoreType; trademark?: TrademarkSection };
}

export const DOCUMENT_KINDS = {
  business_licence: { contentTypes: ['image/jpeg', 'image/png', 'application/pdf'], personalData: null },
  id_card_front: { contentTypes: ['image/jpeg', 'image/png'], personalData: 'identity' },
  id_card_back: { contentTypes: ['image/jpeg', 'image/png'], personalData: 'identity' },
  bank_account_proof: { contentTypes: ['image/jpeg', 'image/png', 'application/pdf'], personalData: 'identity' },
  trademark_certificate: { contentTypes: ['image/jpeg', 'image/png', 'application/pdf'], personalData: null },
  trademark_filing_receipt: { contentTypes: ['image/jpeg', 'image/png', 'application/pdf'], personalData: null },
  other: { contentTypes: ['image/jpeg', 'image/png', 'application/pdf'], personalData: null },
} as const satisfies Record<string, { contentTypes: readonly string[]; personalData: 'identity' | null }>;
export type DocumentKind = keyof typeof DOCUMENT_KINDS;

/** Uploads kept per application, replaced ones included: evidence is kept, but not without bound. */
export const MAX_DOCUMENTS_PER_APPLICATION = 40;

export function requiredDocuments(form: ApplicationForm): DocumentKind[] {
  const required: DocumentKind[] = ['business_licence', 'id_card_front', 'id_card_back'];
  if (form.store?.type === 'brand') {
    if (form.store.trademark?.kind === 'registered') required.push('trademark_certificate');
    if (form.store.trademark?.kind === 'application') required.push('trademark_filing_receipt');
  }
  return required;
}

/**
 * Words that show a licence's scope includes import/export rights or cross-border e-commerce,
 * in the languages licences and their translations are written in.
 */
export const TRADE_SCOPE_KEYWORDS = ['进出口', '跨境电子商务', '跨境电商', 'import and export', 'import/export', 'import & export', 'cross-border e-commerce', 'cross border e-commerce', 'cross-border ecommerce'];

function fold(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

export function scopeAllowsCrossBorderTrade(scope: string): boolean {
  const folded = fold(scope);
  return TRADE_SCOPE_KEYWORDS.some((keyword) => folded.includes(keyword));
}

/** Account names are compared ignoring width (（ vs (), case and spaces, as banks print them variously. */
export function sameAccountHolder(holder: string, name: string): boolean {
  const key = (text: string) => fold(text).replace(/\s/g, '');
  return key(holder) !== '' && key(holder) === key(name);
}

/** Calendar-month arithmetic on YYYY-MM-DD dates, clamped to the month's last day (Aug 31 + 6 months = Feb 28/29). */
export function addMonths(date: string, months: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const index = year * 12 + (month - 1) + months;
  const targetYear = Math.floor(index / 12);
  const targetMonth = (index % 12) + 1;
  const lastDay = new Date(Date.UTC(targetYear, targetMonth, 0)).getUTCDate();
  return `${targetYear}-${String(targetMonth).padStart(2, '0')}-${String(Math.min(day, lastDay)).padStart(2, '0')}`;
}

export const TM_APPLICATION_MIN_AGE_MONTHS = 6;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function isIsoDate(value: string | undefined | null): value is string {
  if (!value || !DATE.test(value)) return false;
  const [y, m, d] = value.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/**
 * Brand stores need a registered ® mark, or a TM application filed at least six months before the
 * application date; an individual business never opens one.
 */
export function brandStoreProblems(kind: ApplicantKind, store: ApplicationForm['store'], applicationDate: string): FieldError[] {
  if (store?.type !== 'brand') return [];
  if (kind === 'individual') {
    return [err('/store/type', 'brand_store_not_allowed', 'an individual business cannot open a brand store; choose a standard store')];
  }
  const mark = store.trademark;
  if (!mark?.kind) return [err('/store/trademark/kind', 'required', 'a brand store needs a registered trademark or a trademark application')];
  const problems: FieldError[] = [];
  if (!mark.mark?.trim()) problems.push(err('/store/trademark/mark', 'required', 'is required'));
  if (!mark.number?.trim()) problems.push(err('/store/trademark/number', 'required', 'is required'));
  if (mark.kind === 'registered') {
    if (!isIsoDate(mark.registered_on)) problems.push(err('/store/trademark/registered_on', 'required', 'the registration date is required (YYYY-MM-DD)'));
    else if (mark.registered_on > applicationDate) problems.push(err('/store/trademark/registered_on', 'in_future', 'cannot be after the application date'));
    if (mark.valid_until !== undefined && isIsoDate(mark.valid_until) && mark.valid_until < applicationDate) {
      problems.push(err('/store/trademark/valid_until', 'trademark_expired', 'the registration has expired; renew it or apply as a standard store'));
    }
  } else {
    if (!isIsoDate(mark.filed_on)) problems.push(err('/store/trademark/filed_on', 'required', 'the filing date is required (YYYY-MM-DD)'));
    else if (addMonths(mark.filed_on, TM_APPLICATION_MIN_AGE_MONTHS) > applicationDate) {
      problems.push(
        err(
          '/store/trademark/filed_on',
          'trademark_application_too_recent',
          `a TM application must have been filed at least ${TM_APPLICATION_MIN_AGE_MONTHS} months before applying (eligible from ${addMonths(mark.filed_on, TM_APPLICATION_MIN_AGE_MONTHS)})`,
        ),
      );
    }
  }
  return problems;
}

function err(path: string, code: string, message: string): FieldError {
  return { in: 'body', path, code, message };
}

function required(value: string | undefined | null, path: string, problems: FieldError[]): value is string {
  if (value === undefined || value === null || value.trim() === '') {
    problems.push(err(path, 'required', 'is required'));
    return false;
  }
  return true;
}

function identifier(check: IdentifierCheck, path: string, problems: FieldError[]): string | undefined {
  if (check.ok) return check.value;
  problems.push(err(path, check.code, check.message));
  return undefined;
}

export interface ValidationContext {
  kind: ApplicantKind;
  /** The application date (China's local date): first submission, or today for a draft. */
  applicationDate: string;
  uploadedDocuments: readonly DocumentKind[];
}

/**
 * Every problem that stands between this application and submission, reported together.
 * A draft shows them as it is filled in; submission is refused while any remain.
 */
export function applicationProblems(form: ApplicationForm, context: ValidationContext): FieldError[] {
  const problems: FieldError[] = [];
  const entity = form.entity ?? {};
  const person = form.representative ?? {};

  if (required(entity.name, '/entity/name', problems) && [...entity.name.trim()].length < 2) {
    problems.push(err('/entity/name', 'too_short', 'must be the full registered name'));
  }
  if (required(entity.uscc, '/entity/uscc', problems)) {
    const uscc = identifier(checkUscc(entity.uscc), '/entity/uscc', problems);
    const expectedPrefix = context.kind === 'enterprise' ? '91' : '92';
    if (uscc && !uscc.startsWith(expectedPrefix)) {
      problems.push(
        err('/entity/uscc', 'uscc_kind_mismatch', context.kind === 'enterprise'
          ? 'an enterprise credit code starts with 91; 92 codes belong to individual businesses'
          : 'an individual business credit code starts with 92'),
      );
    }
  }
  required(entity.registered_address, '/entity/registered_address', problems);
  if (context.kind === 'enterprise' && required(entity.business_scope, '/entity/business_scope', problems) && !scopeAllowsCrossBorderTrade(entity.business_scope)) {
    problems.push(err('/entity/business_scope', 'scope_lacks_cross_border_trade', 'the licensed scope must include import/export (进出口) or cross-border e-commerce (跨境电子商务)'));
  }
  if (entity.licence_valid_until !== undefined && entity.licence_valid_until !== null) {
    if (!isIsoDate(entity.licence_valid_until)) problems.push(err('/entity/licence_valid_until', 'invalid_date', 'must be a date (YYYY-MM-DD) or null for long-term'));
    else if (entity.licence_valid_until < context.applicationDate) problems.push(err('/entity/licence_valid_until', 'licence_expired', 'the business licence has expired'));
  }

  required(person.name, '/representative/name', problems);
  if (required(person.id_number, '/representative/id_number', problems)) {
    identifier(checkResidentId(person.id_number, context.applicationDate), '/representative/id_number', problems);
  }
  let representativeMobile: string | undefined;
  if (required(person.mobile, '/representative/mobile', problems)) {
    representativeMobile = identifier(checkMainlandMobile(person.mobile), '/representative/mobile', problems);
  }

  const bank = form.bank_account ?? {};
  required(bank.bank_name, '/bank_account/bank_name', problems);
  if (required(bank.account_number, '/bank_account/account_number', problems) && !/^\d{8,30}$/.test(bank.account_number.replace(/\s/g, ''))) {
    problems.push(err('/bank_account/account_number', 'invalid_account_number', 'must be 8–30 digits'));
  }
  if (required(bank.holder_name, '/bank_account/holder_name', problems)) {
    const holderMatches =
      context.kind === 'enterprise'
        ? entity.name !== undefined && sameAccountHolder(bank.holder_name, entity.name)
        : [entity.name, person.name].some((name) => name !== undefined && sameAccountHolder(bank.holder_name!, name));
    if (!holderMatches) {
      problems.push(
        err('/bank_account/holder_name', 'holder_name_mismatch', context.kind === 'enterprise'
          ? 'a corporate account must be held in the company’s registered name'
          : 'the account must be held by the business or its operator'),
      );
    }
  }

  const payment = form.payment_account ?? {};
  required(payment.account_id, '/payment_account/account_id', problems);
  if (required(payment.bound_mobile, '/payment_account/bound_mobile', problems)) {
    const bound = identifier(checkMainlandMobile(payment.bound_mobile), '/payment_account/bound_mobile', problems);
    if (bound && representativeMobile && bound !== representativeMobile) {
      problems.push(
        err('/payment_account/bound_mobile', 'mobile_not_bound_to_representative', context.kind === 'enterprise'
          ? 'the payment account must be bound to the legal representative’s mobile number'
          : 'the payment account must be bound to the operator’s mobile number'),
      );
    }
  }

  const store = form.store ?? {};
  if (required(store.name, '/store/name', problems) && ([...store.name.trim()].length < 2 || [...store.name.trim()].length > 60)) {
    problems.push(err('/store/name', 'invalid_length', 'must be 2–60 characters'));
  }
  problems.push(...brandStoreProblems(context.kind, store, context.applicationDate));

  for (const kind of requiredDocuments(form)) {
    if (!context.uploadedDocuments.includes(kind)) problems.push(err(`/documents/${kind}`, 'document_missing', `upload the ${kind.replace(/_/g, ' ')}`));
  }
  return problems;
}

/** The normalised values stored once an application is submitted (E.164 phones, upper-case codes). */
export function normalizeForm(form: ApplicationForm): ApplicationForm {
  const normalized = structuredClone(form);
  const upper = (value: string | undefined) => value?.replace(/\s/g, '').toUpperCase();
  const mobile = (value: string | undefined) => {
    if (value === undefined) return undefined;
    const check = checkMainlandMobile(value);
    return check.ok ? check.value : value;
  };
  if (normalized.entity?.uscc) normalized.entity.uscc = upper(normalized.entity.uscc)!;
  if (normalized.representative?.id_number) normalized.representative.id_number = upper(normalized.representative.id_number)!;
  if (normalized.representative?.mobile) normalized.representative.mobile = mobile(normalized.representative.mobile)!;
  if (normalized.payment_account?.bound_mobile) normalized.payment_account.bound_mobile = mobile(normalized.payment_account.bound_mobile)!;
  if (normalized.bank_account?.account_number) normalized.bank_account.account_number = normalized.bank_account.account_number.replace(/\s/g, '');
  return normalized;
}

// ─── Fees ─────────────────────────────────────────────────────────────────────────────────────

export interface FeePolicy {
  id: string;
  effectiveFrom: string;
  effectiveTo: string | null;
  entryFee: { amount: number; currency: string };
}

/** The policy in force on a date; policies never overlap, so there is at most one. */
export function feePolicyOn(policies: readonly FeePolicy[], date: string): FeePolicy | undefined {
  return policies.find((policy) => policy.effectiveFrom <= date && (policy.effectiveTo === null || date <= policy.effectiveTo));
}

export function overlappingPolicy(policies: readonly FeePolicy[], from: string, to: string | null): FeePolicy | undefined {
  return policies.find((policy) => (to === null || policy.effectiveFrom <= to) && (policy.effectiveTo === null || from <= policy.effectiveTo));
}

/** Store score: every store starts full; rules take points off, never below zero. */
export const STORE_SCORE = { start: 100, min: 0, max: 100 } as const;

/**
 * The rules that move a store's score, as data: a late first order is the third commonest reason
 * new stores fail, so it costs more than any later late shipment.
 */
export const STORE_SCORE_RULES = {
  late_first_shipment: { delta: -10, reason: 'The store’s first order was not handed to the carrier within its handling time.' },
} as const satisfies Record<string, { delta: number; reason: string }>;
export type StoreScoreRule = keyof typeof STORE_SCORE_RULES;

export function scoreAfter(score: number, delta: number): number {
  return Math.min(STORE_SCORE.max, Math.max(STORE_SCORE.min, score + delta));
}

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { and, asc, desc, eq, inArray, isNull, lte, sql, type SQL } from 'drizzle-orm';
import type { Platform } from '../../platform/index.ts';
import type { AuditRecord } from '../../platform/audit/index.ts';
import { inTransaction, isUniqueViolation, type Db } from '../../platform/db/index.ts';
import { AppError, conflict, notFound, validationFailed, type FieldError } from '../../platform/errors/index.ts';
import { afterTimeAndId, toPage, type Page } from '../../platform/pagination.ts';
import { registerIdPrefix } from '../../platform/ids/index.ts';
import { currencyExponent } from '../../platform/money/index.ts';
import { DATA_DIR } from '../../platform/paths.ts';
import { mergePatch } from '../../platform/merge-patch.ts';
import { contentTypeOf, sha256Hex } from '../../platform/storage/index.ts';
import type { ComplianceService, ScreeningSubject } from '../compliance/index.ts';
import { actorOf, authorize, requireOperator, requireSeller, revealsPersonalData, type Caller, type IdentityService, type Principal, type SubjectType } from '../identity/index.ts';
import type { BusinessCalendar, MarketsService } from '../markets/index.ts';
import {
  applicationProblems,
  AWAITING_REVIEW,
  DOCUMENT_KINDS,
  EDITABLE_STATUSES,
  feePolicyOn,
  MAX_DOCUMENTS_PER_APPLICATION,
  nextStatus,
  normalizeForm,
  overlappingPolicy,
  requiredDocuments,
  REVIEW_SLA,
  type ApplicantKind,
  type ApplicationAction,
  type ApplicationForm,
  type ApplicationStatus,
  type DocumentKind,
  type FeePolicy,
  type StoreType,
} from './rules.ts';
import { maskForm, presentEntityName } from './privacy.ts';
import { sellerApplications, sellerDocuments, sellerFeePolicies, sellers, stores } from './schema.ts';
import { createStoreScores, STORE_SCORE_CHANGED } from './store-score.ts';

const SELLER_PREFIX = registerIdPrefix('sel', 'seller');
const APPLICATION_PREFIX = registerIdPrefix('sap', 'seller application');
const DOCUMENT_PREFIX = registerIdPrefix('doc', 'seller document');
const STORE_PREFIX = registerIdPrefix('sto', 'store');
const FEE_POLICY_PREFIX = registerIdPrefix('sfp', 'seller fee policy');

export const SELLER_EVENTS = {
  applicationSubmitted: 'seller.application.submitted',
  reviewStarted: 'seller.application.review_started',
  infoRequested: 'seller.application.info_requested',
  applicationResubmitted: 'seller.application.resubmitted',
  applicationApproved: 'seller.application.approved',
  applicationRejected: 'seller.application.rejected',
  reviewOverdue: 'seller.application.review_overdue',
  storeOpened: 'store.opened',
  storeScoreChanged: STORE_SCORE_CHANGED,
} as const;

/** Shown to the applicant when compliance ends an application: the reason itself is never disclosed (FATF R.21). */
const COMPLIANCE_CLOSURE_REASON = 'The application could not be approved. Contact seller support for details.';

type ApplicationRow = typeof sellerApplications.$inferSelect;
type DocumentRow = typeof sellerDocuments.$inferSelect;
type StoreRow = typeof stores.$inferSelect;

export interface InfoRequest {
  path?: string | undefined;
  message: string;
}

export interface Application {
  id: string;
  sellerId: string;
  kind: ApplicantKind;
  status: ApplicationStatus;
  form: ApplicationForm;
  version: number;
  firstSubmittedAt: Date | null;
  submittedAt: Date | null;
  reviewTargetAt: Date | null;
  reviewDueAt: Date | null;
  overdueAt: Date | null;
  reviewerAccountId: string | null;
  reviewStartedAt: Date | null;
  infoRequests: InfoRequest[];
  decisionReason: string | null;
  decidedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface SellerDocument {
  id: string;
  applicationId: string;
  kind: DocumentKind;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  originalName: string;
  uploadedAt: Date;
}

export interface Store {
  id: string;
  sellerId: string;
  name: string;
  type: StoreType;
  status: string;
  entryFee: { amount: number; currency: string };
  feePolicyId: string;
  openedAt: Date;
}

export interface QueueItem {
  id: string;
  sellerId: string;
  kind: ApplicantKind;
  status: ApplicationStatus;
  entityName: string | null;
  storeType: StoreType;
  submittedAt: Date | null;
  reviewTargetAt: Date | null;
  reviewDueAt: Date | null;
  reviewerAccountId: string | null;
  overdue: boolean;
}

export interface ApplicationDetails {
  application: Application;
  documents: SellerDocument[];
  problems: FieldError[];
  requiredDocuments: DocumentKind[];
  store: Store | null;
}

function toApplication(row: ApplicationRow): Application {
  return {
    id: row.id,
    sellerId: row.sellerId,
    kind: row.kind as ApplicantKind,
    status: row.status as ApplicationStatus,
    form: row.form as ApplicationForm,
    version: row.version,
    firstSubmittedAt: row.firstSubmittedAt,
    submittedAt: row.submittedAt,
    reviewTargetAt: row.reviewTargetAt,
    reviewDueAt: row.reviewDueAt,
    overdueAt: row.overdueAt,
    reviewerAccountId: row.reviewerAccountId,
    reviewStartedAt: row.reviewStartedAt,
    infoRequests: (row.infoRequests as InfoRequest[] | null) ?? [],
    decisionReason: row.decisionReason,
    decidedAt: row.decidedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function toDocument(row: DocumentRow): SellerDocument {
  return {
    id: row.id,
    applicationId: row.applicationId,
    kind: row.kind as DocumentKind,
    contentType: row.contentType,
    sizeBytes: row.sizeBytes,
    sha256: row.sha256,
    originalName: row.originalName,
    uploadedAt: row.uploadedAt,
  };
}

function toStore(row: StoreRow): Store {
  return {
    id: row.id,
    sellerId: row.sellerId,
    name: row.name,
    type: row.type as StoreType,
    status: row.status,
    entryFee: { amount: row.entryFeeAmount, currency: row.entryFeeCurrency },
    feePolicyId: row.feePolicyId,
    openedAt: row.openedAt,
  };
}

function toFeePolicy(row: typeof sellerFeePolicies.$inferSelect): FeePolicy & { note: string; source: string; createdAt: Date } {
  return {
    id: row.id,
    effectiveFrom: row.effectiveFrom,
    effectiveTo: row.effectiveTo,
    entryFee: { amount: row.entryFeeAmount, currency: row.entryFeeCurrency },
    note: row.note,
    source: row.source,
    createdAt: row.createdAt,
  };
}

/** JSON pointers of the leaf fields that differ between two versions of a form. */
export function changedPaths(before: unknown, after: unknown, prefix = ''): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(before) || !isObject(after)) return JSON.stringify(before) === JSON.stringify(after) ? [] : [prefix || '/'];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return keys.flatMap((key) => changedPaths(before[key], after[key], `${prefix}/${key}`));
}

/** Store names are unique ignoring width, case and spacing, so "ACME" and "ａｃｍｅ " cannot both open. */
export function storeNameKey(name: string): string {
  return name.normalize('NFKC').toLowerCase().replace(/\s+/g, '');
}

/** The names screened against sanctions lists: the business and the person behind it, in every script given. */
export function screeningSubjects(form: ApplicationForm): ScreeningSubject[] {
  const subjects: ScreeningSubject[] = [];
  const add = (ref: string, name: string | undefined, kind: ScreeningSubject['kind']) => {
    if (name?.trim()) subjects.push({ ref, name: name.trim(), kind });
  };
  add('entity', form.entity?.name, 'entity');
  add('entity_en', form.entity?.name_en, 'entity');
  add('representative', form.representative?.name, 'person');
  add('representative_latin', form.representative?.name_latin, 'person');
  return subjects;
}

interface ShippedFeePolicies {
  source: string;
  policies: { id: string; effective_from: string; effective_to: string | null; entry_fee: { amount: number; currency: string }; note: string }[];
}

export interface SellersDependencies {
  identity: IdentityService;
  markets: MarketsService;
  compliance: ComplianceService;
}

export function createSellersService(platform: Platform, deps: SellersDependencies) {
  const { db, clock, ids, audit, events, storage } = platform;
  const { identity, markets, compliance } = deps;
  const storeScores = createStoreScores(platform);

  async function loadForUpdate(tx: Db, applicationId: string): Promise<ApplicationRow> {
    const [row] = await tx.select().from(sellerApplications).where(eq(sellerApplications.id, applicationId)).for('update');
    if (!row) throw notFound('seller application', applicationId);
    return row;
  }

  async function load(tx: Db, applicationId: string): Promise<ApplicationRow> {
    const [row] = await tx.select().from(sellerApplications).where(eq(sellerApplications.id, applicationId));
    if (!row) throw notFound('seller application', applicationId);
    return row;
  }

  async function currentDocuments(tx: Db, sellerId: string, applicationId: string): Promise<SellerDocument[]> {
    const rows = await tx
      .select()
      .from(sellerDocuments)
      .where(and(eq(sellerDocuments.sellerId, sellerId), eq(sellerDocuments.applicationId, applicationId), isNull(sellerDocuments.supersededAt)))
      .orderBy(asc(sellerDocuments.id));
    return rows.map(toDocument);
  }

  async function storeOf(tx: Db, sellerId: string): Promise<Store | null> {
    const [row] = await tx.select().from(stores).where(eq(stores.sellerId, sellerId));
    return row ? toStore(row) : null;
  }

  /**
   * An application as the caller may see it: personal data masked by role and tier. An operator
   * who receives identity data in full leaves a record of it, whatever the endpoint.
   */
  async function details(tx: Db, row: ApplicationRow, caller: Caller): Promise<ApplicationDetails> {
    const application = toApplication(row);
    const documents = await currentDocuments(tx, row.sellerId, row.id);
    const editable = EDITABLE_STATUSES.includes(application.status);
    const problems = editable
      ? applicationProblems(application.form, {
          kind: application.kind,
          applicationDate: (await markets.calendar(tx, REVIEW_SLA.calendar)).localDate(application.firstSubmittedAt ?? clock.now()),
          uploadedDocuments: documents.map((d) => d.kind),
        })
      : [];
    const { principal } = caller;
    if (principal.kind === 'operator' && revealsPersonalData(principal, 'identity')) {
      await audit.record(tx, { actor: actorOf(caller), action: 'personal_data.view', subject: { type: 'seller_application', id: row.id }, sellerId: row.sellerId, metadata: { classes: ['identity', 'contact'] } });
    }
    return {
      application: { ...application, form: maskForm(principal, application.form, application.kind) },
      documents,
      problems,
      requiredDocuments: requiredDocuments(application.form),
      store: await storeOf(tx, row.sellerId),
    };
  }

  /** Moves an application along the lifecycle table, or answers 409 saying what is possible instead. */
  function transition(row: ApplicationRow, action: ApplicationAction, by: 'seller' | 'operator' | 'system'): ApplicationStatus {
    const result = nextStatus(row.status as ApplicationStatus, action, by);
    if (!result.ok) {
      throw new AppError(
        409,
        'illegal_transition',
        'Conflict',
        `An application that is ${row.status} cannot be ${action.replace(/_/g, ' ')}ed by ${by === 'seller' ? 'the applicant' : `an ${by}`}.` +
          (result.allowed.length > 0 ? ` Possible now: ${result.allowed.join(', ')}.` : ''),
      );
    }
    return result.to;
  }

  async function recordTransition(
    tx: Db,
    caller: Caller | null,
    row: ApplicationRow,
    action: ApplicationAction,
    to: ApplicationStatus,
    reason: string | null,
    metadata?: Record<string, unknown>,
  ): Promise<void> {
    await audit.record(tx, {
      actor: caller ? actorOf(caller) : { type: 'system', id: 'compliance' },
      action: `seller_application.${action}`,
      subject: { type: 'seller_application', id: row.id },
      sellerId: row.sellerId,
      from: { status: row.status },
      to: { status: to },
      reason,
      ...(metadata ? { metadata } : {}),
    });
  }

  function reviewWindow(calendar: BusinessCalendar, from: Date): { targetAt: Date; dueAt: Date } {
    return {
      targetAt: calendar.endOfBusinessDaysAfter(from, REVIEW_SLA.targetBusinessDays),
      dueAt: calendar.endOfBusinessDaysAfter(from, REVIEW_SLA.deadlineBusinessDays),
    };
  }

  async function storeNameProblem(tx: Db, form: ApplicationForm): Promise<FieldError | null> {
    const name = form.store?.name?.trim();
    if (!name) return null;
    const [taken] = await tx.select({ id: stores.id }).from(stores).where(eq(stores.nameKey, storeNameKey(name)));
    return taken ? { in: 'body', path: '/store/name', code: 'store_name_taken', message: 'another store already uses this name' } : null;
  }

  /** Submission and resubmission share their checks: every problem at once, or nothing changes. */
  async function handIn(caller: Caller, applicationId: string, action: 'submit' | 'resubmit'): Promise<ApplicationDetails> {
    const seller = requireSeller(caller.principal);
    return inTransaction(db, async (tx) => {
      const row = await loadForUpdate(tx, applicationId);
      authorize(seller, 'submit', 'SellerApplication', { sellerId: row.sellerId });
      const to = transition(row, action, 'seller');
      const now = clock.now();
      const calendar = await markets.calendar(tx, REVIEW_SLA.calendar);
      const applicationDate = calendar.localDate(row.firstSubmittedAt ?? now);
      const documents = await currentDocuments(tx, row.sellerId, row.id);
      const form = row.form as ApplicationForm;
      const problems = applicationProblems(form, { kind: row.kind as ApplicantKind, applicationDate, uploadedDocuments: documents.map((d) => d.kind) });
      const nameProblem = await storeNameProblem(tx, form);
      if (nameProblem) problems.push(nameProblem);
      if (problems.length > 0) throw validationFailed(problems, `The application has ${problems.length} problem${problems.length === 1 ? '' : 's'} to fix before it can be submitted; see errors[].`);
      const window = reviewWindow(calendar, now);
      const [updated] = await tx
        .update(sellerApplications)
        .set({
          status: to,
          form: normalizeForm(form),
          version: row.version + 1,
          firstSubmittedAt: row.firstSubmittedAt ?? now,
          submittedAt: now,
          reviewTargetAt: window.targetAt,
          reviewDueAt: window.dueAt,
          overdueAt: null,
          reviewerAccountId: null,
          reviewStartedAt: null,
          updatedAt: now,
        })
        .where(and(eq(sellerApplications.sellerId, row.sellerId), eq(sellerApplications.id, row.id)))
        .returning();
      await recordTransition(tx, caller, row, action, to, null, { reviewDueAt: window.dueAt.toISOString() });
      await events.publish(tx, {
        type: action === 'submit' ? SELLER_EVENTS.applicationSubmitted : SELLER_EVENTS.applicationResubmitted,
        subject: { type: 'seller_application', id: row.id },
        sellerId: row.sellerId,
        payload: { applicationId: row.id, reviewDueAt: window.dueAt.toISOString() },
      });
      return details(tx, updated!, caller);
    });
  }

  /** Serialises changes to fee policies, so two writers cannot add overlapping ones. */
  async function lockFeePolicies(tx: Db): Promise<void> {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(7130002)`);
  }

  /** What approving would do — the next status, the store type, the fee policy — or why it cannot. */
  async function approvalTerms(tx: Db, row: ApplicationRow, override: StoreType | undefined): Promise<{ to: ApplicationStatus; storeType: StoreType; policy: FeePolicy }> {
    const to = transition(row, 'approve', 'operator');
    const requested = (row.form as ApplicationForm).store?.type ?? 'standard';
    const storeType = override ?? requested;
    if (storeType === 'brand' && requested !== 'brand') {
      throw conflict('brand_store_not_requested', 'Only an application that asked for a brand store, with its trademark evidence, can open one.');
    }
    const calendar = await markets.calendar(tx, REVIEW_SLA.calendar);
    const applicationDate = calendar.localDate(row.firstSubmittedAt ?? clock.now());
    const policy = feePolicyOn((await tx.select().from(sellerFeePolicies)).map(toFeePolicy), applicationDate);
    if (!policy) {
      throw conflict('fee_policy_missing', `No seller fee policy covers the application date ${applicationDate}; a finance operator must add one (POST /v1/ops/fee-policies).`);
    }
    return { to, storeType, policy };
  }

  /** An operator decision: the row is locked, so two reviewers deciding at once cannot both win. */
  async function decide(
    caller: Caller,
    applicationId: string,
    action: 'start_review' | 'request_info' | 'reject',
    reason: string,
    extra: { infoRequests?: InfoRequest[] } = {},
  ): Promise<ApplicationDetails> {
    const operator = requireOperator(caller.principal);
    authorize(operator, 'review', 'SellerApplication');
    return inTransaction(db, async (tx) => {
      const row = await loadForUpdate(tx, applicationId);
      const to = transition(row, action, 'operator');
      const now = clock.now();
      const changes: Partial<ApplicationRow> = { status: to, version: row.version + 1, updatedAt: now };
      if (action === 'start_review') Object.assign(changes, { reviewerAccountId: operator.accountId, reviewStartedAt: now });
      if (action === 'request_info') Object.assign(changes, { infoRequests: extra.infoRequests ?? [], reviewDueAt: null, reviewTargetAt: null, overdueAt: null });
      if (action === 'reject') Object.assign(changes, { decisionReason: reason, decidedAt: now, reviewDueAt: null, reviewTargetAt: null });
      const [updated] = await tx
        .update(sellerApplications)
        .set(changes)
        .where(and(eq(sellerApplications.sellerId, row.sellerId), eq(sellerApplications.id, row.id)))
        .returning();
      await recordTransition(tx, caller, row, action, to, reason, extra.infoRequests ? { infoRequests: extra.infoRequests } : undefined);
      const eventType = { start_review: SELLER_EVENTS.reviewStarted, request_info: SELLER_EVENTS.infoRequested, reject: SELLER_EVENTS.applicationRejected }[action];
      await events.publish(tx, {
        type: eventType,
        subject: { type: 'seller_application', id: row.id },
        sellerId: row.sellerId,
        payload: { applicationId: row.id, reason, ...(extra.infoRequests ? { infoRequests: extra.infoRequests } : {}) },
      });
      return details(tx, updated!, caller);
    });
  }

  /**
   * Loads an application for reading by a seller member or an operator. Permissions are checked
   * before the lookup, so a refusal never tells whether an id exists; then the tenant.
   */
  async function loadReadable(principal: Principal, applicationId: string, subjects: { seller: SubjectType; operator: SubjectType }): Promise<ApplicationRow> {
    if (principal.kind === 'operator') authorize(principal, 'read', subjects.operator);
    else authorize(requireSeller(principal), 'read', subjects.seller);
    const row = await load(db, applicationId);
    if (principal.kind === 'seller') authorize(principal, 'read', subjects.seller, { sellerId: row.sellerId });
    return row;
  }

  return {
    /** Current scores of many stores (0–100), in the caller's transaction. */
    storeScores: storeScores.scores,
    /** Applies a store-score rule once per rule and reference, in the caller's transaction. */
    applyStoreScoreRule: storeScores.apply,
    ownStoreScore: storeScores.own,
    storeScoreOf: storeScores.ofSeller,

    /** A new seller: its owner account, the seller record and an open session, in one transaction. */
    async signUp(input: { email: string; password: string; displayName: string; sellerName: string; locale?: string }, context: { ip?: string; userAgent?: string }) {
      await identity.admitSignUp(context.ip);
      return inTransaction(db, async (tx) => {
        const account = await identity.createAccount(tx, { kind: 'seller', email: input.email, password: input.password, displayName: input.displayName, ...(input.locale ? { locale: input.locale } : {}) });
        const now = clock.now();
        const sellerId = ids(SELLER_PREFIX);
        await tx.insert(sellers).values({ id: sellerId, displayName: input.sellerName.trim(), status: 'onboarding', createdAt: now, updatedAt: now });
        await identity.addSellerMember(tx, { sellerId, accountId: account.id, role: 'owner', permissions: [] });
        await audit.record(tx, { actor: { type: 'seller', id: account.id }, action: 'seller.sign_up', subject: { type: 'seller', id: sellerId }, sellerId, to: { status: 'onboarding' } });
        const grant = await identity.startSession(tx, account.id, context);
        return { ...grant, account, seller: { id: sellerId, displayName: input.sellerName.trim(), status: 'onboarding' as const } };
      });
    },

    /** The seller's open store, if any: only a seller with an open store may list products. */
    async openStore(tx: Db, sellerId: string): Promise<Store | null> {
      const store = await storeOf(tx, sellerId);
      return store?.status === 'open' ? store : null;
    },

    async profile(caller: Caller) {
      const seller = requireSeller(caller.principal);
      authorize(seller, 'read', 'SellerProfile', { sellerId: seller.sellerId });
      const [row] = await db.select().from(sellers).where(eq(sellers.id, seller.sellerId));
      if (!row) throw notFound('seller', seller.sellerId);
      const [latest] = await db
        .select()
        .from(sellerApplications)
        .where(eq(sellerApplications.sellerId, seller.sellerId))
        .orderBy(desc(sellerApplications.createdAt), desc(sellerApplications.id))
        .limit(1);
      return {
        seller: { id: row.id, displayName: row.displayName, status: row.status, createdAt: row.createdAt },
        store: await storeOf(db, seller.sellerId),
        latestApplication: latest ? { id: latest.id, status: latest.status as ApplicationStatus } : null,
      };
    },

    async createApplication(caller: Caller, input: { kind: ApplicantKind; form?: ApplicationForm }): Promise<ApplicationDetails> {
      const seller = requireSeller(caller.principal);
      authorize(seller, 'create', 'SellerApplication', { sellerId: seller.sellerId });
      return inTransaction(db, async (tx) => {
        const [sellerRow] = await tx.select().from(sellers).where(eq(sellers.id, seller.sellerId)).for('update');
        if (!sellerRow) throw notFound('seller', seller.sellerId);
        if (sellerRow.status !== 'onboarding') throw conflict('seller_not_onboarding', `This seller is ${sellerRow.status}; a new application is not needed.`);
        const now = clock.now();
        const id = ids(APPLICATION_PREFIX);
        try {
          const [row] = await tx
            .insert(sellerApplications)
            .values({ sellerId: seller.sellerId, id, kind: input.kind, status: 'draft', form: input.form ?? {}, version: 1, createdBy: seller.accountId, createdAt: now, updatedAt: now })
            .returning();
          await audit.record(tx, { actor: actorOf(caller), action: 'seller_application.create', subject: { type: 'seller_application', id }, sellerId: seller.sellerId, to: { status: 'draft', kind: input.kind } });
          return details(tx, row!, caller);
        } catch (error) {
          if (isUniqueViolation(error, 'seller_applications_open_idx')) {
            throw conflict('application_in_progress', 'This seller already has an application in progress; continue that one.');
          }
          throw error;
        }
      });
    },

    async listApplications(caller: Caller): Promise<Application[]> {
      const seller = requireSeller(caller.principal);
      authorize(seller, 'read', 'SellerApplication', { sellerId: seller.sellerId });
      const rows = await db.select().from(sellerApplications).where(eq(sellerApplications.sellerId, seller.sellerId)).orderBy(desc(sellerApplications.createdAt), desc(sellerApplications.id));
      return rows.map(toApplication);
    },

    async getApplication(caller: Caller, applicationId: string): Promise<ApplicationDetails> {
      const row = await loadReadable(caller.principal, applicationId, { seller: 'SellerApplication', operator: 'SellerApplication' });
      return details(db, row, caller);
    },

    async updateApplication(caller: Caller, applicationId: string, change: { kind?: ApplicantKind; form?: unknown; expectedVersion?: number }): Promise<ApplicationDetails> {
      const seller = requireSeller(caller.principal);
      return inTransaction(db, async (tx) => {
        const row = await loadForUpdate(tx, applicationId);
        authorize(seller, 'update', 'SellerApplication', { sellerId: row.sellerId });
        if (!EDITABLE_STATUSES.includes(row.status as ApplicationStatus)) {
          throw conflict('application_not_editable', `An application that is ${row.status} cannot be changed.`);
        }
        if (change.expectedVersion !== undefined && change.expectedVersion !== row.version) {
          throw conflict('version_conflict', `The application changed since version ${change.expectedVersion} (now ${row.version}); reload it and apply your change again.`);
        }
        if (change.kind && change.kind !== row.kind && row.status !== 'draft') {
          throw conflict('kind_fixed_after_submission', 'The kind of applicant cannot change after the first submission; start a new application instead.');
        }
        const form = change.form === undefined ? (row.form as ApplicationForm) : mergePatch(row.form as ApplicationForm, change.form);
        // The trail names what changed, not the values: they are personal data.
        await audit.record(tx, {
          actor: actorOf(caller),
          action: 'seller_application.update',
          subject: { type: 'seller_application', id: row.id },
          sellerId: row.sellerId,
          from: { version: row.version, kind: row.kind },
          to: { version: row.version + 1, kind: change.kind ?? row.kind },
          metadata: { changedFields: changedPaths(row.form, form) },
        });
        const [updated] = await tx
          .update(sellerApplications)
          .set({ kind: change.kind ?? row.kind, form, version: row.version + 1, updatedAt: clock.now() })
          .where(and(eq(sellerApplications.sellerId, row.sellerId), eq(sellerApplications.id, row.id)))
          .returning();
        return details(tx, updated!, caller);
      });
    },

    submitApplication: (caller: Caller, applicationId: string) => handIn(caller, applicationId, 'submit'),
    resubmitApplication: (caller: Caller, applicationId: string) => handIn(caller, applicationId, 'resubmit'),

    async uploadDocument(caller: Caller, applicationId: string, file: { kind: DocumentKind; filename: string; content: Buffer }): Promise<SellerDocument> {
      const seller = requireSeller(caller.principal);
      const row = await load(db, applicationId);
      authorize(seller, 'update', 'SellerDocument', { sellerId: row.sellerId });
      if (!EDITABLE_STATUSES.includes(row.status as ApplicationStatus)) {
        throw conflict('application_not_editable', `Documents cannot change while the application is ${row.status}.`);
      }
      const contentType = await contentTypeOf(file.content, DOCUMENT_KINDS[file.kind].contentTypes, `A ${file.kind.replace(/_/g, ' ')}`);
      const id = ids(DOCUMENT_PREFIX);
      const storageKey = `seller-documents/${row.sellerId.toLowerCase()}/${id.toLowerCase()}`;
      await storage.put(storageKey, file.content);
      // The file is written first so the row never points at nothing; if the row is not written, the file goes.
      return inTransaction(db, async (tx) => {
        const locked = await loadForUpdate(tx, applicationId);
        if (!EDITABLE_STATUSES.includes(locked.status as ApplicationStatus)) {
          throw conflict('application_not_editable', `Documents cannot change while the application is ${locked.status}.`);
        }
        const [{ n: stored } = { n: 0 }] = await tx
          .select({ n: sql<number>`count(*)::int` })
          .from(sellerDocuments)
          .where(and(eq(sellerDocuments.sellerId, row.sellerId), eq(sellerDocuments.applicationId, row.id)));
        if (stored >= MAX_DOCUMENTS_PER_APPLICATION) {
          throw conflict('document_limit_reached', `An application keeps at most ${MAX_DOCUMENTS_PER_APPLICATION} uploads, replaced ones included; contact seller support.`);
        }
        const now = clock.now();
        await tx
          .update(sellerDocuments)
          .set({ supersededAt: now })
          .where(and(eq(sellerDocuments.sellerId, row.sellerId), eq(sellerDocuments.applicationId, row.id), eq(sellerDocuments.kind, file.kind), isNull(sellerDocuments.supersededAt)));
        const [inserted] = await tx
          .insert(sellerDocuments)
          .values({
            sellerId: row.sellerId,
            id,
            applicationId: row.id,
            kind: file.kind,
            contentType,
            sizeBytes: file.content.length,
            sha256: sha256Hex(file.content),
            originalName: path.basename(file.filename).slice(0, 200) || 'upload',
            storageKey,
            uploadedBy: seller.accountId,
            uploadedAt: now,
          })
          .returning();
        await audit.record(tx, {
          actor: actorOf(caller),
          action: 'seller_document.upload',
          subject: { type: 'seller_document', id },
          sellerId: row.sellerId,
          to: { kind: file.kind, sha256: inserted!.sha256 },
          metadata: { applicationId: row.id },
        });
        return toDocument(inserted!);
      }).catch(async (error: unknown) => {
        await storage.delete(storageKey);
        throw error;
      });
    },

    async removeDocument(caller: Caller, applicationId: string, documentId: string): Promise<void> {
      const seller = requireSeller(caller.principal);
      await inTransaction(db, async (tx) => {
        const row = await loadForUpdate(tx, applicationId);
        authorize(seller, 'update', 'SellerDocument', { sellerId: row.sellerId });
        if (!EDITABLE_STATUSES.includes(row.status as ApplicationStatus)) throw conflict('application_not_editable', `Documents cannot change while the application is ${row.status}.`);
        const [removed] = await tx
          .update(sellerDocuments)
          .set({ supersededAt: clock.now() })
          .where(and(eq(sellerDocuments.sellerId, row.sellerId), eq(sellerDocuments.applicationId, row.id), eq(sellerDocuments.id, documentId), isNull(sellerDocuments.supersededAt)))
          .returning();
        if (!removed) throw notFound('document', documentId);
        await audit.record(tx, { actor: actorOf(caller), action: 'seller_document.remove', subject: { type: 'seller_document', id: documentId }, sellerId: row.sellerId, from: { kind: removed.kind } });
      });
    },

    /** The file itself. ID images and bank proofs need a role or tier that sees identity data in full. */
    async documentContent(caller: Caller, applicationId: string, documentId: string): Promise<{ document: SellerDocument; content: Buffer }> {
      const principal = caller.principal;
      const row = await loadReadable(principal, applicationId, { seller: 'SellerDocument', operator: 'SellerDocument' });
      const [doc] = await db
        .select()
        .from(sellerDocuments)
        .where(and(eq(sellerDocuments.sellerId, row.sellerId), eq(sellerDocuments.applicationId, row.id), eq(sellerDocuments.id, documentId)));
      if (!doc) throw notFound('document', documentId);
      const dataClass = DOCUMENT_KINDS[doc.kind as DocumentKind].personalData;
      if (dataClass && !revealsPersonalData(principal, dataClass)) {
        throw new AppError(403, 'personal_data_restricted', 'Forbidden', 'This document holds identity data your data-access tier does not reveal.');
      }
      if (dataClass && principal.kind === 'operator') {
        await audit.record(db, {
          actor: actorOf(caller),
          action: 'personal_data.view',
          subject: { type: 'seller_application', id: row.id },
          sellerId: row.sellerId,
          metadata: { documentId: doc.id, documentKind: doc.kind, classes: [dataClass] },
        });
      }
      return { document: toDocument(doc), content: await storage.get(doc.storageKey) };
    },

    /** Operators' queue: applications awaiting review, the nearest deadline first. */
    async reviewQueue(caller: Caller, filter: { status?: (typeof AWAITING_REVIEW)[number]; overdueOnly?: boolean; limit: number; cursor?: string }): Promise<Page<QueueItem>> {
      const operator = requireOperator(caller.principal);
      authorize(operator, 'read', 'SellerApplication');
      const now = clock.now();
      const statuses = filter.status ? [filter.status] : [...AWAITING_REVIEW];
      const conditions: (SQL | undefined)[] = [inArray(sellerApplications.status, statuses)];
      if (filter.overdueOnly) conditions.push(lte(sellerApplications.reviewDueAt, now));
      conditions.push(afterTimeAndId(sellerApplications.reviewDueAt, sellerApplications.id, filter.cursor, 'sap'));
      // Only what a queue row shows, not the whole form.
      const rows = await db
        .select({
          id: sellerApplications.id,
          sellerId: sellerApplications.sellerId,
          kind: sellerApplications.kind,
          status: sellerApplications.status,
          entityName: sql<string | null>`${sellerApplications.form}->'entity'->>'name'`,
          storeType: sql<string | null>`${sellerApplications.form}->'store'->>'type'`,
          submittedAt: sellerApplications.submittedAt,
          reviewTargetAt: sellerApplications.reviewTargetAt,
          reviewDueAt: sellerApplications.reviewDueAt,
          reviewerAccountId: sellerApplications.reviewerAccountId,
        })
        .from(sellerApplications)
        .where(and(...conditions))
        .orderBy(asc(sellerApplications.reviewDueAt), asc(sellerApplications.id))
        .limit(filter.limit + 1);
      return toPage(
        rows,
        filter.limit,
        (row): QueueItem => ({
          ...row,
          kind: row.kind as ApplicantKind,
          status: row.status as ApplicationStatus,
          entityName: presentEntityName(operator, row.kind as ApplicantKind, row.entityName),
          storeType: (row.storeType as StoreType | null) ?? 'standard',
          overdue: row.reviewDueAt !== null && row.reviewDueAt.getTime() <= now.getTime(),
        }),
        (item) => (item.reviewDueAt ? [item.reviewDueAt.toISOString(), item.id] : null),
      );
    },

    startReview: (caller: Caller, applicationId: string, reason: string) => decide(caller, applicationId, 'start_review', reason),
    requestInfo: (caller: Caller, applicationId: string, reason: string, infoRequests: InfoRequest[]) => decide(caller, applicationId, 'request_info', reason, { infoRequests }),
    reject: (caller: Caller, applicationId: string, reason: string) => decide(caller, applicationId, 'reject', reason),

    /**
     * Approval screens the applicant against sanctions lists, prices entry under the fee policy in
     * force on the application date, and opens the store, all or nothing. A screening hit leaves the
     * application under review and opens a compliance case instead.
     */
    async approve(caller: Caller, applicationId: string, input: { reason: string; storeType?: StoreType }): Promise<ApplicationDetails> {
      const operator = requireOperator(caller.principal);
      authorize(operator, 'review', 'SellerApplication');
      // Everything that can refuse cheaply is checked before screening, which leaves a record.
      const candidate = await load(db, applicationId);
      await approvalTerms(db, candidate, input.storeType);
      const screening = await compliance.screenSeller({
        sellerId: candidate.sellerId,
        subjectType: 'seller_application',
        subjectId: candidate.id,
        subjects: screeningSubjects(candidate.form as ApplicationForm),
      });
      if (screening.outcome === 'blocked') {
        throw conflict('sanctions_screening_hit', `Approval is on hold: sanctions screening matched a listed party. Compliance case ${screening.caseId} must be resolved first.`);
      }
      return inTransaction(db, async (tx) => {
        const row = await loadForUpdate(tx, applicationId);
        const { to, storeType, policy } = await approvalTerms(tx, row, input.storeType);
        if (row.version !== candidate.version) {
          throw conflict('application_changed', 'The application changed while it was being screened; review it again before approving.');
        }
        const lockedForm = row.form as ApplicationForm;
        const now = clock.now();
        const storeId = ids(STORE_PREFIX);
        const storeName = lockedForm.store?.name?.trim() ?? row.id;
        try {
          await tx.insert(stores).values({
            sellerId: row.sellerId,
            id: storeId,
            name: storeName,
            nameKey: storeNameKey(storeName),
            type: storeType,
            status: 'open',
            applicationId: row.id,
            feePolicyId: policy.id,
            entryFeeAmount: policy.entryFee.amount,
            entryFeeCurrency: policy.entryFee.currency,
            openedAt: now,
          });
        } catch (error) {
          if (isUniqueViolation(error, 'stores_name_key_idx')) {
            throw conflict('store_name_taken', 'Another store opened with this name meanwhile; request information so the applicant can choose another.');
          }
          throw error;
        }
        const [updated] = await tx
          .update(sellerApplications)
          .set({ status: to, version: row.version + 1, decisionReason: input.reason, decidedAt: now, reviewDueAt: null, reviewTargetAt: null, updatedAt: now })
          .where(and(eq(sellerApplications.sellerId, row.sellerId), eq(sellerApplications.id, row.id)))
          .returning();
        await tx
          .update(sellers)
          .set({ status: 'active', displayName: lockedForm.entity?.name?.trim() || storeName, updatedAt: now })
          .where(eq(sellers.id, row.sellerId));
        await recordTransition(tx, caller, row, 'approve', to, input.reason, {
          storeId,
          storeType,
          screeningId: screening.screeningId,
          feePolicyId: policy.id,
          entryFee: policy.entryFee,
        });
        await audit.record(tx, { actor: actorOf(caller), action: 'store.open', subject: { type: 'store', id: storeId }, sellerId: row.sellerId, to: { status: 'open', type: storeType }, reason: input.reason });
        await events.publish(tx, {
          type: SELLER_EVENTS.applicationApproved,
          subject: { type: 'seller_application', id: row.id },
          sellerId: row.sellerId,
          payload: { applicationId: row.id, storeId, storeType, reason: input.reason },
        });
        await events.publish(tx, {
          type: SELLER_EVENTS.storeOpened,
          subject: { type: 'store', id: storeId },
          sellerId: row.sellerId,
          payload: { storeId, storeType, name: storeName, entryFee: policy.entryFee },
        });
        return details(tx, updated!, caller);
      });
    },

    /** A confirmed sanctions match: the application ends and the seller is suspended, without saying why. */
    async closeForCompliance(tx: Db, applicationId: string, caseId: string): Promise<void> {
      const row = await loadForUpdate(tx, applicationId);
      const result = nextStatus(row.status as ApplicationStatus, 'close_for_compliance', 'system');
      const now = clock.now();
      if (result.ok) {
        await tx
          .update(sellerApplications)
          .set({ status: result.to, version: row.version + 1, decisionReason: COMPLIANCE_CLOSURE_REASON, decidedAt: now, reviewDueAt: null, reviewTargetAt: null, updatedAt: now })
          .where(and(eq(sellerApplications.sellerId, row.sellerId), eq(sellerApplications.id, row.id)));
        await recordTransition(tx, null, row, 'close_for_compliance', result.to, COMPLIANCE_CLOSURE_REASON, { caseId });
        await events.publish(tx, {
          type: SELLER_EVENTS.applicationRejected,
          subject: { type: 'seller_application', id: row.id },
          sellerId: row.sellerId,
          payload: { applicationId: row.id, reason: COMPLIANCE_CLOSURE_REASON },
        });
      }
      await tx.update(sellers).set({ status: 'suspended', updatedAt: now }).where(eq(sellers.id, row.sellerId));
      await audit.record(tx, { actor: { type: 'system', id: 'compliance' }, action: 'seller.suspend', subject: { type: 'seller', id: row.sellerId }, sellerId: row.sellerId, to: { status: 'suspended' }, metadata: { caseId } });
    },

    async history(caller: Caller, applicationId: string): Promise<AuditRecord[]> {
      const row = await loadReadable(caller.principal, applicationId, { seller: 'SellerApplication', operator: 'AuditLog' });
      const records = await audit.list(db, { subjectType: 'seller_application', subjectId: row.id, limit: 200 });
      if (caller.principal.kind === 'operator') return records;
      // Applicants see the path of their application, never internal steps: who looked at it, or that
      // compliance ended it (shown as an ordinary rejection, FATF R.21).
      return records
        .filter((r) => r.action !== 'personal_data.view')
        .map((r) => {
          const hidden = r.actorType === 'operator' || r.actorType === 'system';
          const action = r.action === 'seller_application.close_for_compliance' ? 'seller_application.reject' : r.action;
          return { ...r, action, metadata: null, actorType: r.actorType === 'system' ? 'operator' : r.actorType, actorId: hidden ? null : r.actorId };
        });
    },

    /** Flags applications whose review deadline has passed, once each, and tells operators. */
    async flagOverdueReviews(): Promise<number> {
      return inTransaction(db, async (tx) => {
        const now = clock.now();
        const flagged = await tx
          .update(sellerApplications)
          .set({ overdueAt: now })
          .where(and(inArray(sellerApplications.status, [...AWAITING_REVIEW]), lte(sellerApplications.reviewDueAt, now), isNull(sellerApplications.overdueAt)))
          .returning();
        for (const row of flagged) {
          await audit.record(tx, {
            actor: { type: 'system', id: 'review-sla' },
            action: 'seller_application.flag_overdue',
            subject: { type: 'seller_application', id: row.id },
            sellerId: row.sellerId,
            to: { overdue: true },
            reason: `Review deadline ${row.reviewDueAt?.toISOString()} passed`,
          });
          await events.publish(tx, {
            type: SELLER_EVENTS.reviewOverdue,
            subject: { type: 'seller_application', id: row.id },
            sellerId: row.sellerId,
            payload: { applicationId: row.id, reviewDueAt: row.reviewDueAt?.toISOString() ?? null, status: row.status },
          });
        }
        return flagged.length;
      });
    },

    async publicStore(storeId: string): Promise<Store> {
      const [row] = await db.select().from(stores).where(and(eq(stores.id, storeId), eq(stores.status, 'open')));
      if (!row) throw notFound('store', storeId);
      return toStore(row);
    },

    async listFeePolicies(caller: Caller) {
      authorize(requireOperator(caller.principal), 'read', 'FeePolicy');
      const rows = await db.select().from(sellerFeePolicies).orderBy(asc(sellerFeePolicies.effectiveFrom));
      return rows.map(toFeePolicy);
    },

    async createFeePolicy(caller: Caller, input: { effectiveFrom: string; effectiveTo: string | null; entryFee: { amount: number; currency: string }; note: string }) {
      authorize(requireOperator(caller.principal), 'create', 'FeePolicy');
      const problems: FieldError[] = [];
      if (input.effectiveTo !== null && input.effectiveTo < input.effectiveFrom) problems.push({ in: 'body', path: '/effective_to', code: 'before_start', message: 'must not be before effective_from' });
      let exponentOk = true;
      try {
        currencyExponent(input.entryFee.currency);
      } catch {
        exponentOk = false;
        problems.push({ in: 'body', path: '/entry_fee/currency', code: 'unknown_currency', message: 'is not an ISO 4217 currency' });
      }
      if (exponentOk && input.entryFee.amount < 0) problems.push({ in: 'body', path: '/entry_fee/amount', code: 'negative', message: 'must not be negative' });
      if (problems.length > 0) throw validationFailed(problems);
      return inTransaction(db, async (tx) => {
        await lockFeePolicies(tx);
        const existing = (await tx.select().from(sellerFeePolicies)).map(toFeePolicy);
        const overlap = overlappingPolicy(existing, input.effectiveFrom, input.effectiveTo);
        if (overlap) throw conflict('fee_policy_overlap', `Overlaps policy ${overlap.id} (${overlap.effectiveFrom} – ${overlap.effectiveTo ?? 'open-ended'}).`);
        const id = ids(FEE_POLICY_PREFIX);
        const [row] = await tx
          .insert(sellerFeePolicies)
          .values({
            id,
            effectiveFrom: input.effectiveFrom,
            effectiveTo: input.effectiveTo,
            entryFeeAmount: input.entryFee.amount,
            entryFeeCurrency: input.entryFee.currency,
            note: input.note,
            source: 'operator',
            createdBy: caller.principal.accountId,
            createdAt: clock.now(),
          })
          .returning();
        await audit.record(tx, { actor: actorOf(caller), action: 'fee_policy.create', subject: { type: 'fee_policy', id }, to: input, reason: input.note });
        return toFeePolicy(row!);
      });
    },

    /**
     * Installs the fee policies the product ships. Idempotent; a shipped policy that would overlap
     * one an operator already added is skipped with a warning: the operator's decision stands.
     */
    async installReferenceData(): Promise<void> {
      const shipped = JSON.parse(readFileSync(path.join(DATA_DIR, 'fees', 'seller-entry-fees.json'), 'utf8')) as ShippedFeePolicies;
      await inTransaction(db, async (tx) => {
        await lockFeePolicies(tx);
        const existing = (await tx.select().from(sellerFeePolicies)).map(toFeePolicy);
        for (const policy of shipped.policies) {
          if (existing.some((p) => p.id === policy.id)) continue;
          const overlap = overlappingPolicy(existing, policy.effective_from, policy.effective_to);
          if (overlap) {
            platform.logger.warn({ shipped: policy.id, existing: overlap.id }, 'shipped fee policy overlaps one already in force; keeping the existing one');
            continue;
          }
          await tx.insert(sellerFeePolicies).values({
            id: policy.id,
            effectiveFrom: policy.effective_from,
            effectiveTo: policy.effective_to,
            entryFeeAmount: policy.entry_fee.amount,
            entryFeeCurrency: policy.entry_fee.currency,
            note: policy.note,
            source: shipped.source,
            createdBy: 'reference-data',
            createdAt: clock.now(),
          });
        }
      });
    },
  };
}

export type SellersService = ReturnType<typeof createSellersService>;

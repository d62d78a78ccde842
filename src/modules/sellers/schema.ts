import { sql } from 'drizzle-orm';
import { bigint, date, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const sellers = pgTable('sellers', {
  id: text('id').primaryKey(),
  displayName: text('display_name').notNull(),
  /** onboarding → active (store open) | suspended */
  status: text('status').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

export const sellerApplications = pgTable(
  'seller_applications',
  {
    sellerId: text('seller_id').notNull(),
    id: text('id').notNull(),
    /** enterprise | individual */
    kind: text('kind').notNull(),
    status: text('status').notNull(),
    /** The form as the applicant filled it in; personal data sits at the paths privacy.ts names. */
    form: jsonb('form').notNull(),
    version: integer('version').notNull(),
    firstSubmittedAt: timestamp('first_submitted_at', { withTimezone: true }),
    submittedAt: timestamp('submitted_at', { withTimezone: true }),
    reviewTargetAt: timestamp('review_target_at', { withTimezone: true }),
    reviewDueAt: timestamp('review_due_at', { withTimezone: true }),
    overdueAt: timestamp('overdue_at', { withTimezone: true }),
    reviewerAccountId: text('reviewer_account_id'),
    reviewStartedAt: timestamp('review_started_at', { withTimezone: true }),
    /** What the reviewer asked for when returning the application: [{ path?, message }]. */
    infoRequests: jsonb('info_requests'),
    decisionReason: text('decision_reason'),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.sellerId, t.id] }),
    uniqueIndex('seller_applications_id_idx').on(t.id),
    // One application in progress per seller; a rejected seller may apply again.
    uniqueIndex('seller_applications_open_idx').on(t.sellerId).where(sql`${t.status} NOT IN ('approved', 'rejected')`),
    index('seller_applications_queue_idx').on(t.reviewDueAt, t.id).where(sql`${t.status} IN ('submitted', 'resubmitted', 'under_review')`),
  ],
);

export const sellerDocuments = pgTable(
  'seller_documents',
  {
    sellerId: text('seller_id').notNull(),
    id: text('id').notNull(),
    applicationId: text('application_id').notNull(),
    kind: text('kind').notNull(),
    contentType: text('content_type').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    originalName: text('original_name').notNull(),
    storageKey: text('storage_key').notNull(),
    uploadedBy: text('uploaded_by').notNull(),
    uploadedAt: timestamp('uploaded_at', { withTimezone: true }).notNull(),
    /** Set when a newer upload of the same kind replaces it; kept as evidence of what was reviewed. */
    supersededAt: timestamp('superseded_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.sellerId, t.id] }), index('seller_documents_application_idx').on(t.sellerId, t.applicationId)],
);

export const stores = pgTable(
  'stores',
  {
    sellerId: text('seller_id').notNull(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    nameKey: text('name_key').notNull(),
    /** standard | brand */
    type: text('type').notNull(),
    /** open | closed */
    status: text('status').notNull(),
    applicationId: text('application_id').notNull(),
    feePolicyId: text('fee_policy_id').notNull(),
    entryFeeAmount: bigint('entry_fee_amount', { mode: 'number' }).notNull(),
    entryFeeCurrency: text('entry_fee_currency').notNull(),
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull(),
    /** 0–100; search ranking weighs it. Every change is a row of store_score_changes. */
    score: integer('score').notNull().default(100),
  },
  (t) => [
    primaryKey({ columns: [t.sellerId, t.id] }),
    uniqueIndex('stores_id_idx').on(t.id),
    uniqueIndex('stores_seller_idx').on(t.sellerId),
    uniqueIndex('stores_name_key_idx').on(t.nameKey),
  ],
);

/** Dated seller fee policies; each is in force from its first to its last day, and none overlap. */
export const sellerFeePolicies = pgTable('seller_fee_policies', {
  id: text('id').primaryKey(),
  effectiveFrom: date('effective_from').notNull(),
  effectiveTo: date('effective_to'),
  entryFeeAmount: bigint('entry_fee_amount', { mode: 'number' }).notNull(),
  entryFeeCurrency: text('entry_fee_currency').notNull(),
  note: text('note').notNull(),
  source: text('source').notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});

/** Why a store's score moved: each deduction or restoration with its rule, reason and the order behind it. */
export const storeScoreChanges = pgTable(
  'store_score_changes',
  {
    sellerId: text('seller_id').notNull(),
    id: text('id').notNull(),
    /** The rule applied, e.g. late_first_shipment. */
    code: text('code').notNull(),
    delta: integer('delta').notNull(),
    scoreAfter: integer('score_after').notNull(),
    reason: text('reason').notNull(),
    /** What caused it (an order id, say): one change per rule and reference. */
    reference: text('reference').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.sellerId, t.id] }), uniqueIndex('store_score_changes_once_idx').on(t.sellerId, t.code, t.reference)],
);

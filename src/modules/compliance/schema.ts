import { sql } from 'drizzle-orm';
import { date, index, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** Every screening run is kept (records are retained at least five years, FATF R.11). */
export const sanctionsScreenings = pgTable(
  'sanctions_screenings',
  {
    sellerId: text('seller_id').notNull(),
    id: text('id').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id').notNull(),
    screener: text('screener').notNull(),
    listVersion: text('list_version').notNull(),
    subjects: jsonb('subjects').notNull(),
    hits: jsonb('hits').notNull(),
    /** clear | hit | cleared_by_case */
    outcome: text('outcome').notNull(),
    caseId: text('case_id'),
    screenedAt: timestamp('screened_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.sellerId, t.id] }), index('sanctions_screenings_subject_idx').on(t.subjectType, t.subjectId)],
);

export const complianceCases = pgTable(
  'compliance_cases',
  {
    sellerId: text('seller_id').notNull(),
    id: text('id').notNull(),
    /** sanctions_match */
    kind: text('kind').notNull(),
    /** open | false_positive | confirmed_match */
    status: text('status').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id').notNull(),
    hits: jsonb('hits').notNull(),
    listVersion: text('list_version').notNull(),
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    resolvedBy: text('resolved_by'),
    resolutionReason: text('resolution_reason'),
  },
  (t) => [
    primaryKey({ columns: [t.sellerId, t.id] }),
    uniqueIndex('compliance_cases_id_idx').on(t.id),
    index('compliance_cases_subject_idx').on(t.subjectType, t.subjectId),
    // One open case per subject: parallel approvals of the same application find the same case.
    uniqueIndex('compliance_cases_open_subject_idx').on(t.subjectType, t.subjectId).where(sql`${t.status} = 'open'`),
    index('compliance_cases_status_idx').on(t.status, t.openedAt),
  ],
);

/**
 * Certificates and notifications that admit products to markets (CE declarations, UKCA, CPNP and
 * SCPN notifications, EN 71 test reports…), attached to one product or to all of a seller's.
 */
export const certificates = pgTable(
  'certificates',
  {
    sellerId: text('seller_id').notNull(),
    id: text('id').notNull(),
    /** Null: the certificate covers every product of the seller it applies to (by type and market). */
    productId: text('product_id'),
    type: text('type').notNull(),
    number: text('number').notNull(),
    markets: text('markets').array().notNull(),
    /** For licences: the restricted items (ids in the prohibited list) the licence lifts. */
    scope: text('scope').array().notNull(),
    issuer: text('issuer').notNull(),
    validFrom: date('valid_from').notNull(),
    /** Null: no expiry date. */
    validTo: date('valid_to'),
    fileKey: text('file_key'),
    fileContentType: text('file_content_type'),
    /** submitted | verified | rejected. A submitted certificate counts until an operator rejects it. */
    status: text('status').notNull(),
    reviewedBy: text('reviewed_by'),
    reviewedAt: timestamp('reviewed_at', { withTimezone: true }),
    rejectionReason: text('rejection_reason'),
    /** When its first valid day was acted on: at filing when already in force, else by the daily job. */
    startProcessedAt: timestamp('start_processed_at', { withTimezone: true }),
    /** When the expiry job last acted on this certificate's end date. */
    expiryProcessedAt: timestamp('expiry_processed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.sellerId, t.id] }),
    uniqueIndex('certificates_id_idx').on(t.id),
    index('certificates_product_idx').on(t.sellerId, t.productId),
    index('certificates_expiry_idx').on(t.validTo).where(sql`${t.expiryProcessedAt} IS NULL AND ${t.validTo} IS NOT NULL`),
    index('certificates_start_idx').on(t.validFrom).where(sql`${t.startProcessedAt} IS NULL`),
  ],
);

/** The compliance queue: listings held for review (restricted items) and listings buyers reported. */
export const listingReviews = pgTable(
  'listing_reviews',
  {
    sellerId: text('seller_id').notNull(),
    id: text('id').notNull(),
    /** hold | report */
    kind: text('kind').notNull(),
    productId: text('product_id').notNull(),
    market: text('market').notNull(),
    /** What brought it here: the findings of a hold, or the buyer's report. */
    evidence: jsonb('evidence').notNull(),
    reporterAccountId: text('reporter_account_id'),
    /** open | approved | rejected | dismissed */
    status: text('status').notNull(),
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull(),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    decidedBy: text('decided_by'),
    decisionReason: text('decision_reason'),
  },
  (t) => [
    primaryKey({ columns: [t.sellerId, t.id] }),
    uniqueIndex('listing_reviews_id_idx').on(t.id),
    index('listing_reviews_open_idx').on(t.openedAt, t.id).where(sql`${t.status} = 'open'`),
    // One open hold per listing; reports may pile up.
    uniqueIndex('listing_reviews_open_hold_idx').on(t.sellerId, t.productId, t.market).where(sql`${t.status} = 'open' AND ${t.kind} = 'hold'`),
  ],
);

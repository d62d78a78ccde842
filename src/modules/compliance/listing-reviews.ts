import { and, asc, eq } from 'drizzle-orm';
import type { Platform } from '../../platform/index.ts';
import { inTransaction, type Db } from '../../platform/db/index.ts';
import { conflict, notFound } from '../../platform/errors/index.ts';
import { registerIdPrefix } from '../../platform/ids/index.ts';
import { afterTimeAndId, toPage, type Page } from '../../platform/pagination.ts';
import { actorOf, authorize, requireOperator, type Caller } from '../identity/index.ts';
import { findingsFingerprint, type Finding } from './admission.ts';
import { listingReviews } from './schema.ts';

const REVIEW_PREFIX = registerIdPrefix('lrv', 'listing review');

export const LISTING_REVIEW_EVENTS = {
  decided: 'compliance.listing_review.decided',
} as const;

export type ListingReviewKind = 'hold' | 'report';
export type ListingReviewDecision = 'approve' | 'reject' | 'dismiss';

export interface ListingReview {
  id: string;
  sellerId: string;
  kind: ListingReviewKind;
  productId: string;
  market: string;
  evidence: { findings?: Finding[]; reason?: string; details?: string };
  status: 'open' | 'approved' | 'rejected' | 'dismissed';
  openedAt: Date;
  decidedAt: Date | null;
  decidedBy: string | null;
  decisionReason: string | null;
}

type Row = typeof listingReviews.$inferSelect;
const toReview = (row: Row): ListingReview => ({ ...row, kind: row.kind as ListingReviewKind, evidence: row.evidence as ListingReview['evidence'], status: row.status as ListingReview['status'] });

export interface ListingRef {
  sellerId: string;
  productId: string;
  market: string;
}

/**
 * The compliance queue: listings held for review (restricted items) and listings buyers reported.
 * Operators decide; the catalog applies the decision to the listing when it hears of it.
 */
export function createListingReviewsService(platform: Platform) {
  const { db, clock, ids, audit, events } = platform;

  const openHoldOf = (listing: ListingRef) =>
    and(
      eq(listingReviews.sellerId, listing.sellerId),
      eq(listingReviews.productId, listing.productId),
      eq(listingReviews.market, listing.market),
      eq(listingReviews.kind, 'hold'),
      eq(listingReviews.status, 'open'),
    );

  async function closeOpenHold(tx: Db, listing: ListingRef, reason: string): Promise<void> {
    await tx.update(listingReviews).set({ status: 'dismissed', decidedAt: clock.now(), decisionReason: reason }).where(openHoldOf(listing));
  }

  return {
    /**
     * Keeps a held listing in the queue with the findings it has now. When they change, the open
     * hold is superseded by a new one, so an operator only ever approves findings they were shown.
     */
    async keepHold(tx: Db, listing: ListingRef, findings: readonly Finding[]): Promise<void> {
      const [open] = await tx.select().from(listingReviews).where(openHoldOf(listing)).for('update');
      const shown = (open?.evidence as { findings?: Finding[] } | undefined)?.findings;
      if (shown && findingsFingerprint(shown) === findingsFingerprint(findings)) return;
      if (open) await closeOpenHold(tx, listing, 'Superseded: the findings changed');
      await tx.insert(listingReviews).values({ ...listing, id: ids(REVIEW_PREFIX), kind: 'hold', evidence: { findings }, status: 'open', openedAt: clock.now() });
    },

    /** A listing no longer held (the seller fixed it) leaves the queue. */
    closeHold: (tx: Db, listing: ListingRef) => closeOpenHold(tx, listing, 'No longer held after the listing changed'),

    async openReport(tx: Db, listing: ListingRef, report: { reporterAccountId: string; reason: string; details?: string }): Promise<ListingReview> {
      const [row] = await tx
        .insert(listingReviews)
        .values({
          ...listing,
          id: ids(REVIEW_PREFIX),
          kind: 'report',
          evidence: { reason: report.reason, ...(report.details ? { details: report.details } : {}) },
          reporterAccountId: report.reporterAccountId,
          status: 'open',
          openedAt: clock.now(),
        })
        .returning();
      return toReview(row!);
    },

    async queue(caller: Caller, filter: { limit: number; cursor?: string }): Promise<Page<ListingReview>> {
      authorize(requireOperator(caller.principal), 'read', 'ComplianceCase');
      const rows = await db
        .select()
        .from(listingReviews)
        .where(and(eq(listingReviews.status, 'open'), afterTimeAndId(listingReviews.openedAt, listingReviews.id, filter.cursor, 'lrv')))
        .orderBy(asc(listingReviews.openedAt), asc(listingReviews.id))
        .limit(filter.limit + 1);
      return toPage(rows, filter.limit, toReview, (review) => [review.openedAt.toISOString(), review.id]);
    },

    async decide(caller: Caller, reviewId: string, decision: { outcome: ListingReviewDecision; reason: string }): Promise<ListingReview> {
      authorize(requireOperator(caller.principal), 'update', 'ComplianceCase');
      return inTransaction(db, async (tx) => {
        const [row] = await tx.select().from(listingReviews).where(eq(listingReviews.id, reviewId)).for('update');
        if (!row) throw notFound('listing review', reviewId);
        if (row.status !== 'open') throw conflict('review_already_decided', `This review was already closed as ${row.status}.`);
        const status = ({ approve: 'approved', reject: 'rejected', dismiss: 'dismissed' } as const)[decision.outcome];
        const [updated] = await tx
          .update(listingReviews)
          .set({ status, decidedAt: clock.now(), decidedBy: caller.principal.accountId, decisionReason: decision.reason })
          .where(and(eq(listingReviews.sellerId, row.sellerId), eq(listingReviews.id, row.id)))
          .returning();
        await audit.record(tx, { actor: actorOf(caller), action: `listing_review.${decision.outcome}`, subject: { type: 'listing_review', id: row.id }, sellerId: row.sellerId, from: { status: 'open' }, to: { status }, reason: decision.reason, metadata: { productId: row.productId, market: row.market, kind: row.kind } });
        await events.publish(tx, {
          type: LISTING_REVIEW_EVENTS.decided,
          subject: { type: 'listing_review', id: row.id },
          sellerId: row.sellerId,
          payload: {
            reviewId: row.id,
            kind: row.kind,
            productId: row.productId,
            market: row.market,
            outcome: decision.outcome,
            reason: decision.reason,
            operatorId: caller.principal.accountId,
            // What the operator was shown: the decision covers these findings and no others.
            ...(row.kind === 'hold' ? { findings: (row.evidence as { findings: Finding[] }).findings } : {}),
          },
        });
        return toReview(updated!);
      });
    },
  };
}

export type ListingReviewsService = ReturnType<typeof createListingReviewsService>;

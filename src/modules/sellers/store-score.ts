import { and, desc, eq, inArray, lt } from 'drizzle-orm';
import type { Platform } from '../../platform/index.ts';
import type { Db } from '../../platform/db/index.ts';
import { notFound } from '../../platform/errors/index.ts';
import { registerIdPrefix } from '../../platform/ids/index.ts';
import { decodeCursor, toPage, type Page } from '../../platform/pagination.ts';
import { authorize, requireOperator, requireSeller, type Caller } from '../identity/index.ts';
import { scoreAfter, STORE_SCORE, STORE_SCORE_RULES, type StoreScoreRule } from './rules.ts';
import { stores, storeScoreChanges } from './schema.ts';

export const STORE_SCORE_CHANGED = 'sellers.store_score.changed';

const SCORE_CHANGE_PREFIX = registerIdPrefix('ssc', 'store score change');

export interface StoreScoreChange {
  id: string;
  code: StoreScoreRule;
  delta: number;
  scoreAfter: number;
  reason: string;
  reference: string;
  occurredAt: Date;
}

export interface StoreScoreHistory {
  score: number;
  changes: Page<StoreScoreChange>;
}

const toChange = (row: typeof storeScoreChanges.$inferSelect): StoreScoreChange => ({ ...row, code: row.code as StoreScoreRule });

export function createStoreScores(platform: Platform) {
  const { db, clock, ids, audit, events } = platform;

  async function history(sellerId: string, page: { limit: number; cursor?: string }): Promise<StoreScoreHistory> {
    const before = decodeCursor(page.cursor, ['id:ssc'])?.[0];
    const [store] = await db.select({ score: stores.score }).from(stores).where(eq(stores.sellerId, sellerId));
    if (!store) throw notFound('store', sellerId);
    const rows = await db
      .select()
      .from(storeScoreChanges)
      .where(and(eq(storeScoreChanges.sellerId, sellerId), before ? lt(storeScoreChanges.id, before) : undefined))
      .orderBy(desc(storeScoreChanges.id))
      .limit(page.limit + 1);
    return { score: store.score, changes: toPage(rows, page.limit, toChange, (item) => [item.id]) };
  }

  return {
    /** Current scores of many stores; a seller without an open store scores the starting value. */
    async scores(tx: Db, sellerIds: readonly string[]): Promise<Map<string, number>> {
      const found = sellerIds.length === 0 ? [] : await tx.select({ sellerId: stores.sellerId, score: stores.score }).from(stores).where(inArray(stores.sellerId, [...sellerIds]));
      const scores = new Map(sellerIds.map((id) => [id, STORE_SCORE.start as number]));
      for (const row of found) scores.set(row.sellerId, row.score);
      return scores;
    },

    /**
     * Applies a score rule to a store, in the caller's transaction, once per rule and reference
     * (a job that runs twice deducts once). Returns the change, or null when it was already applied
     * or the seller has no store.
     */
    async apply(tx: Db, input: { sellerId: string; rule: StoreScoreRule; reference: string; detail?: string }): Promise<StoreScoreChange | null> {
      const rule = STORE_SCORE_RULES[input.rule];
      const [store] = await tx.select({ score: stores.score }).from(stores).where(eq(stores.sellerId, input.sellerId)).for('update');
      if (!store) return null;
      const now = clock.now();
      const after = scoreAfter(store.score, rule.delta);
      const reason = input.detail ? `${rule.reason} ${input.detail}` : rule.reason;
      const [change] = await tx
        .insert(storeScoreChanges)
        .values({ sellerId: input.sellerId, id: ids(SCORE_CHANGE_PREFIX), code: input.rule, delta: after - store.score, scoreAfter: after, reason, reference: input.reference, occurredAt: now })
        .onConflictDoNothing()
        .returning();
      if (!change) return null;
      await tx.update(stores).set({ score: after }).where(eq(stores.sellerId, input.sellerId));
      await audit.record(tx, { actor: { type: 'system', id: 'store_score' }, action: 'store.score_changed', subject: { type: 'store', id: input.sellerId }, sellerId: input.sellerId, from: { score: store.score }, to: { score: after }, reason });
      await events.publish(tx, { type: STORE_SCORE_CHANGED, subject: { type: 'seller', id: input.sellerId }, sellerId: input.sellerId, payload: { sellerId: input.sellerId, score: after, delta: after - store.score, rule: input.rule, reference: input.reference } });
      return toChange(change);
    },

    /** The seller's own score and why it moved, newest first. */
    async own(caller: Caller, page: { limit: number; cursor?: string }): Promise<StoreScoreHistory> {
      const seller = requireSeller(caller.principal);
      authorize(seller, 'read', 'Store', { sellerId: seller.sellerId });
      return history(seller.sellerId, page);
    },

    async ofSeller(caller: Caller, sellerId: string, page: { limit: number; cursor?: string }): Promise<StoreScoreHistory> {
      authorize(requireOperator(caller.principal), 'read', 'Store');
      return history(sellerId, page);
    },
  };
}

export type StoreScores = ReturnType<typeof createStoreScores>;

import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/** Quantities per SKU per warehouse. Reservations arrive with checkout; stock never goes below them. */
export const stockLevels = pgTable(
  'stock_levels',
  {
    sellerId: text('seller_id').notNull(),
    skuId: text('sku_id').notNull(),
    warehouse: text('warehouse').notNull(),
    onHand: integer('on_hand').notNull(),
    reserved: integer('reserved').notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.sellerId, t.skuId, t.warehouse] }),
    check('stock_levels_not_negative', sql`${t.onHand} >= 0 AND ${t.reserved} >= 0 AND ${t.reserved} <= ${t.onHand}`),
  ],
);

/** Every change of a quantity, with why: the stock of a SKU can always be explained. */
export const stockMovements = pgTable(
  'stock_movements',
  {
    sellerId: text('seller_id').notNull(),
    id: text('id').notNull(),
    skuId: text('sku_id').notNull(),
    warehouse: text('warehouse').notNull(),
    delta: integer('delta').notNull(),
    onHandAfter: integer('on_hand_after').notNull(),
    /** set | adjust | import */
    reason: text('reason').notNull(),
    reference: text('reference'),
    actorId: text('actor_id'),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.sellerId, t.id] }), index('stock_movements_sku_idx').on(t.sellerId, t.skuId, t.occurredAt)],
);

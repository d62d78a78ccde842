import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * A cart: one per buyer account, or a guest's, reached with a secret token until the guest signs
 * in and merges it. Items are priced for the market asked, across sellers.
 */
export const carts = pgTable(
  'carts',
  {
    id: text('id').primaryKey(),
    buyerAccountId: text('buyer_account_id'),
    /** A guest cart's secret, hashed; null for a buyer's cart. */
    guestTokenHash: text('guest_token_hash'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('carts_buyer_idx').on(t.buyerAccountId).where(sql`${t.buyerAccountId} IS NOT NULL`)],
);

export const cartItems = pgTable(
  'cart_items',
  {
    cartId: text('cart_id').notNull(),
    skuId: text('sku_id').notNull(),
    sellerId: text('seller_id').notNull(),
    quantity: integer('quantity').notNull(),
    /** The price the buyer saw when adding it, so a later change can be pointed out. */
    priceSeen: jsonb('price_seen').notNull(),
    addedAt: timestamp('added_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.cartId, t.skuId] })],
);

/** One payment for the orders of several sellers: what was placed together and what it cost. */
export const checkouts = pgTable(
  'checkouts',
  {
    id: text('id').primaryKey(),
    buyerAccountId: text('buyer_account_id').notNull(),
    market: text('market').notNull(),
    currency: text('currency').notNull(),
    grandTotal: bigint('grand_total', { mode: 'number' }).notNull(),
    paymentId: text('payment_id').notNull(),
    orderIds: text('order_ids').array().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('checkouts_buyer_idx').on(t.buyerAccountId, t.id), uniqueIndex('checkouts_payment_idx').on(t.paymentId)],
);

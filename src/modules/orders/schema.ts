import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * One seller's part of a checkout. Everything the buyer agreed to is frozen here: prices, FX rates,
 * shipping, taxes and the commission rate in force when it was placed.
 */
export const orders = pgTable(
  'orders',
  {
    sellerId: text('seller_id').notNull(),
    id: text('id').notNull(),
    checkoutId: text('checkout_id').notNull(),
    buyerAccountId: text('buyer_account_id').notNull(),
    status: text('status').notNull(),
    /** The status to return to from IN_CANCEL, IN_ISSUE or IN_FROZEN. */
    suspendedFrom: text('suspended_from'),
    /** When a suspension is stacked on another (frozen while a cancellation is asked): the status to return to after that one. */
    suspendedFromEarlier: text('suspended_from_earlier'),
    endReason: text('end_reason'),
    market: text('market').notNull(),
    currency: text('currency').notNull(),
    /** Personal data: who receives the parcel and where. */
    shippingAddress: jsonb('shipping_address').notNull(),
    /** Personal data: identifiers customs needs (CPF, PCCC), as the buyer gave them. */
    buyerIdentifiers: jsonb('buyer_identifiers').notNull(),
    /** The service chosen, what the buyer pays for it, its lines and delivery window. */
    shipping: jsonb('shipping').notNull(),
    /** Duties and taxes: those collected with the order and those the buyer pays on delivery. */
    taxes: jsonb('taxes').notNull(),
    goodsTotal: bigint('goods_total', { mode: 'number' }).notNull(),
    shippingTotal: bigint('shipping_total', { mode: 'number' }).notNull(),
    taxTotal: bigint('tax_total', { mode: 'number' }).notNull(),
    grandTotal: bigint('grand_total', { mode: 'number' }).notNull(),
    /** Commission on the goods in the buyer's currency: the sum of the lines'. */
    commissionAmount: bigint('commission_amount', { mode: 'number' }).notNull(),
    /** Every FX rate the order's amounts were converted with. */
    fxRateIds: text('fx_rate_ids').array().notNull(),
    handlingHours: integer('handling_hours').notNull(),
    cancelRequest: jsonb('cancel_request'),
    /** While frozen: since when, so lifting the freeze can move the deadlines on by as long as it lasted. */
    frozenAt: timestamp('frozen_at', { withTimezone: true }),
    placedAt: timestamp('placed_at', { withTimezone: true }).notNull(),
    payDueAt: timestamp('pay_due_at', { withTimezone: true }).notNull(),
    paidAt: timestamp('paid_at', { withTimezone: true }),
    riskReleaseAt: timestamp('risk_release_at', { withTimezone: true }),
    shipDueAt: timestamp('ship_due_at', { withTimezone: true }),
    lateAt: timestamp('late_at', { withTimezone: true }),
    shippedAt: timestamp('shipped_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    confirmDueAt: timestamp('confirm_due_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    version: integer('version').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.sellerId, t.id] }),
    uniqueIndex('orders_id_idx').on(t.id),
    index('orders_checkout_idx').on(t.checkoutId),
    index('orders_buyer_idx').on(t.buyerAccountId, t.id),
    index('orders_seller_status_idx').on(t.sellerId, t.status, t.id),
    // The timers the jobs look for, each only over the orders it concerns.
    index('orders_risk_due_idx').on(t.riskReleaseAt).where(sql`${t.status} = 'RISK_CONTROL'`),
    index('orders_ship_due_idx').on(t.shipDueAt).where(sql`${t.status} IN ('WAIT_SELLER_SEND_GOODS', 'IN_CANCEL') AND ${t.lateAt} IS NULL`),
    index('orders_confirm_due_idx').on(t.confirmDueAt).where(sql`${t.status} = 'WAIT_BUYER_ACCEPT_GOODS'`),
  ],
);

export const orderLines = pgTable(
  'order_lines',
  {
    sellerId: text('seller_id').notNull(),
    orderId: text('order_id').notNull(),
    lineNo: integer('line_no').notNull(),
    skuId: text('sku_id').notNull(),
    productId: text('product_id').notNull(),
    sellerSku: text('seller_sku').notNull(),
    title: text('title').notNull(),
    variant: jsonb('variant').notNull(),
    quantity: integer('quantity').notNull(),
    /** The seller's price for one unit, in the seller's currency. */
    unitPrice: bigint('unit_price', { mode: 'number' }).notNull(),
    priceCurrency: text('price_currency').notNull(),
    /** One unit in the buyer's currency, and the line total, as the buyer was charged. */
    buyerUnitPrice: bigint('buyer_unit_price', { mode: 'number' }).notNull(),
    buyerLineTotal: bigint('buyer_line_total', { mode: 'number' }).notNull(),
    weightGrams: integer('weight_grams'),
    hsCode: text('hs_code'),
    /** The category's commission rate in force when placed (exact decimal), and what it comes to on this line. */
    commissionRate: text('commission_rate').notNull(),
    commissionAmount: bigint('commission_amount', { mode: 'number' }).notNull(),
    /** The units reserved for this line, per warehouse. */
    allocations: jsonb('allocations').notNull(),
    shippedQuantity: integer('shipped_quantity').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.sellerId, t.orderId, t.lineNo] })],
);

/** The parcels an order left in, and whether the carrier delivered each. */
export const orderShipments = pgTable(
  'order_shipments',
  {
    sellerId: text('seller_id').notNull(),
    orderId: text('order_id').notNull(),
    shipmentId: text('shipment_id').notNull(),
    carrierCode: text('carrier_code').notNull(),
    trackingNumber: text('tracking_number').notNull(),
    /** The lines and quantities in this parcel. */
    lines: jsonb('lines').notNull(),
    shippedAt: timestamp('shipped_at', { withTimezone: true }).notNull(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.sellerId, t.orderId, t.shipmentId] }), uniqueIndex('order_shipments_shipment_idx').on(t.shipmentId)],
);

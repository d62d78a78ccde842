import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgSequence, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** Serial numbers of the tracking numbers the platform's own services issue. */
export const platformTrackingSerial = pgSequence('platform_tracking_serial', { startWith: 1 });

/** A parcel of one seller's order: what travels, with which service, under which tracking number. */
export const shipments = pgTable(
  'shipments',
  {
    sellerId: text('seller_id').notNull(),
    id: text('id').notNull(),
    /** The order this parcel belongs to, as a plain reference until orders link to shipments. */
    orderRef: text('order_ref').notNull(),
    serviceCode: text('service_code').notNull(),
    carrierCode: text('carrier_code').notNull(),
    trackingNumber: text('tracking_number').notNull(),
    /** label_created | handed_over | cancelled */
    status: text('status').notNull(),
    sender: jsonb('sender').notNull(),
    recipient: jsonb('recipient').notNull(),
    /** The goods: description, quantity, weight, value, HS code, origin — the customs declaration's lines. */
    items: jsonb('items').notNull(),
    customsCategory: text('customs_category').notNull(),
    weightGrams: integer('weight_grams').notNull(),
    /** The packed box, when given. */
    packageMm: jsonb('package_mm'),
    /** The quote the label was bought at: lines, total, rate sheet. Null for the seller's own carrier. */
    charges: jsonb('charges'),
    /** The shipment this one re-labels, when it replaced a cancelled label. */
    replaces: text('replaces'),
    cancelReason: text('cancel_reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    handedOverAt: timestamp('handed_over_at', { withTimezone: true }),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.sellerId, t.id] }),
    uniqueIndex('shipments_id_idx').on(t.id),
    // One live parcel per tracking number; a cancelled label's number may come back with the seller's own carrier.
    uniqueIndex('shipments_tracking_idx').on(t.carrierCode, t.trackingNumber).where(sql`${t.status} <> 'cancelled'`),
    index('shipments_order_idx').on(t.sellerId, t.orderRef),
  ],
);

/** A seller's shipping offer: which services to which destinations, free-shipping rules, handling time. */
export const freightTemplates = pgTable(
  'freight_templates',
  {
    sellerId: text('seller_id').notNull(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    /** The template quotes use when none is named. */
    isDefault: boolean('is_default').notNull(),
    /** Business days between an order and the parcel's hand-over to the carrier. */
    handlingDays: integer('handling_days').notNull(),
    /** Per destination group, in order: the first rule that names a country (or "*") applies. */
    rules: jsonb('rules').notNull(),
    version: integer('version').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.sellerId, t.id] }),
    uniqueIndex('freight_templates_id_idx').on(t.id),
    uniqueIndex('freight_templates_default_idx').on(t.sellerId).where(sql`${t.isDefault}`),
    uniqueIndex('freight_templates_name_idx').on(t.sellerId, t.name),
  ],
);

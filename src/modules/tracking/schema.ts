import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** A tracking number being followed for a seller's shipment: its events, its status, when to ask next. */
export const trackedParcels = pgTable(
  'tracked_parcels',
  {
    id: text('id').primaryKey(),
    sellerId: text('seller_id').notNull(),
    /** The shipment it belongs to, as a plain reference. */
    shipmentId: text('shipment_id').notNull(),
    carrierCode: text('carrier_code').notNull(),
    trackingNumber: text('tracking_number').notNull(),
    /** The provider that reports on it (simulator, aggregator). */
    provider: text('provider').notNull(),
    status: text('status').notNull(),
    subStatus: text('sub_status').notNull(),
    /** Every event as received (raw code, text, location, time) with its canonical status, carrier-time order. */
    events: jsonb('events').notNull(),
    /** Stages the buyer and seller were already told about: each is told once. */
    notifiedStages: text('notified_stages').array().notNull(),
    registeredAt: timestamp('registered_at', { withTimezone: true }).notNull(),
    /** The carrier's time of its latest event, and when that event reached us: freshness is the gap. */
    lastEventAt: timestamp('last_event_at', { withTimezone: true }),
    lastReceivedAt: timestamp('last_received_at', { withTimezone: true }),
    lastCheckedAt: timestamp('last_checked_at', { withTimezone: true }),
    /** Null once the parcel needs no more polling (delivered, returned, stopped). */
    nextCheckAt: timestamp('next_check_at', { withTimezone: true }),
    failures: integer('failures').notNull(),
    stoppedAt: timestamp('stopped_at', { withTimezone: true }),
    /**
     * The platform's own leg this parcel continues: set on a last-mile carrier's number recorded at
     * hand-over, so the buyer sees one journey under either number.
     */
    continuesId: text('continues_id'),
  },
  (t) => [
    uniqueIndex('tracked_parcels_number_idx').on(t.carrierCode, t.trackingNumber).where(sql`${t.stoppedAt} IS NULL`),
    index('tracked_parcels_shipment_idx').on(t.sellerId, t.shipmentId),
    index('tracked_parcels_due_idx').on(t.nextCheckAt).where(sql`${t.nextCheckAt} IS NOT NULL`),
    index('tracked_parcels_continues_idx').on(t.continuesId).where(sql`${t.continuesId} IS NOT NULL`),
  ],
);

/**
 * How each shipment's journey ended — delivered, returned, lost or expired — as the tracking events
 * told it; a later event (a return after delivery) replaces the outcome. Delivery success rates are
 * counted here.
 */
export const shipmentOutcomes = pgTable(
  'shipment_outcomes',
  {
    sellerId: text('seller_id').notNull(),
    shipmentId: text('shipment_id').notNull(),
    carrierCode: text('carrier_code').notNull(),
    outcome: text('outcome').notNull(),
    /** The carrier's time of the event that closed the journey. */
    closedAt: timestamp('closed_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.sellerId, t.shipmentId] }), index('shipment_outcomes_closed_idx').on(t.sellerId, t.closedAt)],
);

/** Webhook deliveries as received, once each: a provider's retry of the same delivery is skipped. */
export const trackingWebhookDeliveries = pgTable(
  'tracking_webhook_deliveries',
  {
    provider: text('provider').notNull(),
    deliveryId: text('delivery_id').notNull(),
    snapshots: jsonb('snapshots').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    processedAt: timestamp('processed_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.provider, t.deliveryId] })],
);

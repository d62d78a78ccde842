import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Platform } from '../../platform/index.ts';
import { inTransaction, type Db } from '../../platform/db/index.ts';
import { badRequest, notFound, unauthenticated } from '../../platform/errors/index.ts';
import { registerIdPrefix } from '../../platform/ids/index.ts';
import { authorize, requireSeller, type Caller } from '../identity/index.ts';
import { shippedCarrierRegistry, trackingUrlFor, type CarrierRegistry } from './carriers.ts';
import type { Detection } from './numbers.ts';
import { WebhookRejected, type TrackingProvider, type TrackingSnapshot, type WebhookHeaders } from './providers/provider.ts';
import { nextCheck, POLL_LIMITS, retryAfterFailure } from './rules.ts';
import { buyerTimeline, currentStatus, mergeEvents, notificationsDue, toTrackingEvent, type MainStatus, type RawCarrierEvent, type TimelineEntry, type TrackingEvent } from './status.ts';
import { trackedParcels, trackingWebhookDeliveries } from './schema.ts';

const PARCEL_PREFIX = registerIdPrefix('trk', 'tracked parcel');

export const TRACKING_EVENTS = {
  /** The first event of a stage: what buyers and sellers are told, once per stage. */
  stageReached: 'tracking.stage_reached',
} as const;

/** The providers the platform can take events from (the configuration picks one). */
export const TRACKING_PROVIDERS = ['simulator', 'aggregator'] as const;

export const TRACKING_POLL_JOB = 'tracking.poll';
export const TRACKING_WEBHOOK_JOB = 'tracking.webhook';

/** A claimed parcel is not claimed again by another worker for this long, even if this one dies. */
const CLAIM_LEASE_MS = 10 * 60_000;

type Row = typeof trackedParcels.$inferSelect;

export interface ParcelTracking {
  shipmentId: string;
  carrierCode: string;
  trackingNumber: string;
  trackingUrl: string | null;
  status: MainStatus;
  subStatus: string;
  timeline: TimelineEntry[];
  /** Freshness: how late the latest event reached us after the carrier recorded it, and when we last asked. */
  lastEventAt: Date | null;
  lastReceivedAt: Date | null;
  lastCheckedAt: Date | null;
  nextCheckAt: Date | null;
}

export function createTrackingService(platform: Platform, deps: { provider: TrackingProvider; registry?: CarrierRegistry }) {
  const { db, clock, ids, events, jobs } = platform;
  const registry = deps.registry ?? shippedCarrierRegistry();
  const { provider } = deps;

  const eventsOf = (row: Row) => row.events as TrackingEvent[];

  /** Merges what a provider reported into a parcel: new events kept, status worked out, stages announced once. */
  async function ingest(tx: Db, row: Row, raw: readonly RawCarrierEvent[]): Promise<Row> {
    const now = clock.now();
    const carrier = registry.get(row.carrierCode) ?? { code: row.carrierCode };
    const incoming: TrackingEvent[] = [];
    for (const event of raw) {
      // An event whose time cannot be read cannot be ordered; it is left out rather than guessed.
      try {
        incoming.push(toTrackingEvent(carrier, event, now));
      } catch {
        continue;
      }
    }
    const merged = mergeEvents(eventsOf(row), incoming);
    const status = currentStatus(merged.events, { now, registeredAt: row.registeredAt });
    const due = notificationsDue(merged.events, row.notifiedStages as MainStatus[]);
    const told = [...row.notifiedStages, ...due.superseded.map((change) => change.stage), ...(due.notify ? [due.notify.stage] : [])];
    const latest = merged.events.reduce<string | null>((newest, event) => (newest === null || event.occurredAt > newest ? event.occurredAt : newest), null);
    const [updated] = await tx
      .update(trackedParcels)
      .set({
        events: merged.events,
        status: status.status,
        subStatus: status.subStatus,
        notifiedStages: [...new Set(told)],
        lastEventAt: latest ? new Date(latest) : null,
        lastReceivedAt: merged.added.length > 0 ? now : row.lastReceivedAt,
        lastCheckedAt: now,
        nextCheckAt: row.stoppedAt ? null : nextCheck(status.status, now),
        failures: 0,
      })
      .where(eq(trackedParcels.id, row.id))
      .returning();
    if (due.notify) {
      await events.publish(tx, {
        type: TRACKING_EVENTS.stageReached,
        subject: { type: 'shipment', id: row.shipmentId },
        sellerId: row.sellerId,
        payload: {
          shipmentId: row.shipmentId,
          carrierCode: row.carrierCode,
          trackingNumber: row.trackingNumber,
          stage: due.notify.stage,
          subStatus: due.notify.subStatus,
          occurredAt: due.notify.event.occurredAt,
          previous: due.notify.previous ?? null,
        },
      });
    }
    return updated!;
  }

  async function liveParcel(tx: Db, carrierCode: string, trackingNumber: string): Promise<Row | undefined> {
    const [row] = await tx
      .select()
      .from(trackedParcels)
      .where(and(eq(trackedParcels.carrierCode, carrierCode), eq(trackedParcels.trackingNumber, trackingNumber), isNull(trackedParcels.stoppedAt)))
      .for('update');
    return row;
  }

  /**
   * Merges a batch of snapshots in one transaction: a commit waits for the disk, and one per parcel
   * made it most of a poll's cost. Parcels are locked in number order, so two batches that share
   * parcels (a poll and a webhook delivery) wait for each other instead of deadlocking.
   */
  async function ingestSnapshots(snapshots: readonly TrackingSnapshot[]): Promise<number> {
    if (snapshots.length === 0) return 0;
    const ordered = [...snapshots].sort((a, b) => (a.carrierCode === b.carrierCode ? a.trackingNumber.localeCompare(b.trackingNumber) : a.carrierCode.localeCompare(b.carrierCode)));
    return inTransaction(db, async (tx) => {
      let matched = 0;
      for (const snapshot of ordered) {
        const row = await liveParcel(tx, snapshot.carrierCode, snapshot.trackingNumber);
        if (!row) continue;
        matched++;
        await ingest(tx, row, snapshot.events);
      }
      return matched;
    });
  }

  function view(row: Row): ParcelTracking {
    const carrier = registry.get(row.carrierCode);
    return {
      shipmentId: row.shipmentId,
      carrierCode: row.carrierCode,
      trackingNumber: row.trackingNumber,
      trackingUrl: carrier ? trackingUrlFor(carrier, row.trackingNumber) : null,
      status: row.status as MainStatus,
      subStatus: row.subStatus,
      timeline: buyerTimeline(eventsOf(row)),
      lastEventAt: row.lastEventAt,
      lastReceivedAt: row.lastReceivedAt,
      lastCheckedAt: row.lastCheckedAt,
      nextCheckAt: row.nextCheckAt,
    };
  }

  return {
    registry,
    providerName: provider.name,
    carriers: () => registry.carriers,

    /** Carriers whose formats fit a number, best first, with the link to each one's own tracking page. */
    detect(number: string, countries?: readonly string[]): Detection & { links: Map<string, string> } {
      const detection = registry.detectCarriers(number, countries ? { countries } : undefined);
      return { ...detection, links: new Map(detection.candidates.map((c) => [c.carrier.code, trackingUrlFor(c.carrier, detection.normalized)])) };
    },

    /** Why a number cannot be one this carrier issues, for a seller shipping with their own carrier; null when it can. */
    checkNumber(carrierCode: string, number: string): string | null {
      const validation = registry.validateForCarrier(carrierCode, number);
      return validation.ok ? null : validation.message;
    },

    /** Starts following a shipment's number, in the caller's transaction; the first poll is due at once. */
    async follow(tx: Db, parcel: { sellerId: string; shipmentId: string; carrierCode: string; trackingNumber: string }): Promise<void> {
      const now = clock.now();
      await tx.insert(trackedParcels).values({
        id: ids(PARCEL_PREFIX),
        ...parcel,
        provider: provider.name,
        status: 'pending',
        subStatus: 'not_found',
        events: [],
        notifiedStages: [],
        registeredAt: now,
        nextCheckAt: now,
        failures: 0,
      });
    },

    /** Stops following a shipment (its label was cancelled). */
    async stop(tx: Db, sellerId: string, shipmentId: string): Promise<void> {
      await tx
        .update(trackedParcels)
        .set({ stoppedAt: clock.now(), nextCheckAt: null })
        .where(and(eq(trackedParcels.sellerId, sellerId), eq(trackedParcels.shipmentId, shipmentId), isNull(trackedParcels.stoppedAt)));
    },

    /**
     * Asks the provider about the parcels that are due, a batch at a time. Claimed rows are leased
     * with SKIP LOCKED, so two workers never ask about the same parcel; a failure backs off.
     */
    async pollDue(): Promise<{ asked: number; failed: number }> {
      const now = clock.now();
      // The most overdue first, at most POLL_LIMITS.perCarrier of any one carrier: a backlog on one
      // carrier neither starves the others nor floods that carrier's API. Claimed rows are leased.
      // `next_check_at <= now` is repeated where rows are locked: PostgreSQL checks it again on a row
      // another worker claimed while this statement ran, and skips it instead of claiming it twice.
      const rows = await db
        .update(trackedParcels)
        .set({ nextCheckAt: new Date(now.getTime() + CLAIM_LEASE_MS) })
        .where(
          inArray(
            trackedParcels.id,
            sql`(SELECT id FROM tracked_parcels
                 WHERE id IN (
                   SELECT id FROM (
                     SELECT id, row_number() OVER (PARTITION BY carrier_code ORDER BY next_check_at) AS place
                     FROM tracked_parcels
                     WHERE next_check_at <= ${now} AND stopped_at IS NULL AND provider = ${provider.name}
                   ) due WHERE place <= ${POLL_LIMITS.perCarrier}
                 ) AND next_check_at <= ${now}
                 ORDER BY next_check_at LIMIT ${POLL_LIMITS.perBatch} FOR UPDATE SKIP LOCKED)`,
          ),
        )
        .returning();
      if (rows.length === 0) return { asked: 0, failed: 0 };
      const numbers = rows.map((row) => ({ carrierCode: row.carrierCode, trackingNumber: row.trackingNumber, registeredAt: row.registeredAt }));
      try {
        const fresh = numbers.filter((_, i) => rows[i]!.lastCheckedAt === null);
        if (fresh.length > 0) await provider.register(fresh);
        await ingestSnapshots(await provider.fetch(numbers));
        return { asked: rows.length, failed: 0 };
      } catch (error) {
        const retryAfterSeconds = (error as { retryAfterMs?: number }).retryAfterMs !== undefined ? (error as { retryAfterMs: number }).retryAfterMs / 1000 : undefined;
        for (const row of rows) {
          // A label cancelled while the provider was asked stays stopped: nothing to ask again.
          await db
            .update(trackedParcels)
            .set({ failures: row.failures + 1, nextCheckAt: retryAfterFailure(row.failures + 1, now, retryAfterSeconds) })
            .where(and(eq(trackedParcels.id, row.id), isNull(trackedParcels.stoppedAt)));
        }
        platform.logger.warn({ err: error, provider: provider.name, parcels: rows.length }, 'tracking poll failed; backing off');
        return { asked: rows.length, failed: rows.length };
      }
    },

    /**
     * A webhook delivery: checked (signature, timestamp) and stored once by its delivery id, then
     * worked off by a job so the sender gets its answer at once. A repeat is acknowledged and skipped.
     */
    async receiveWebhook(providerName: string, rawBody: Buffer, headers: WebhookHeaders): Promise<{ deliveryId: string; duplicate: boolean }> {
      if (providerName !== provider.name) throw notFound('tracking provider', providerName);
      let delivery;
      try {
        delivery = provider.readWebhook(rawBody, headers);
      } catch (error) {
        if (!(error instanceof WebhookRejected)) throw error;
        if (error.reason === 'unreadable_body') throw badRequest('unreadable_webhook', error.message);
        throw unauthenticated(`The webhook was refused: ${error.message}`);
      }
      return inTransaction(db, async (tx) => {
        const inserted = await tx
          .insert(trackingWebhookDeliveries)
          .values({ provider: provider.name, deliveryId: delivery.deliveryId, snapshots: delivery.snapshots, receivedAt: clock.now() })
          .onConflictDoNothing()
          .returning({ deliveryId: trackingWebhookDeliveries.deliveryId });
        if (inserted.length > 0) await jobs.enqueue(tx, TRACKING_WEBHOOK_JOB, { provider: provider.name, deliveryId: delivery.deliveryId });
        return { deliveryId: delivery.deliveryId, duplicate: inserted.length === 0 };
      });
    },

    async processWebhook(providerName: string, deliveryId: string): Promise<void> {
      const [delivery] = await db
        .select()
        .from(trackingWebhookDeliveries)
        .where(and(eq(trackingWebhookDeliveries.provider, providerName), eq(trackingWebhookDeliveries.deliveryId, deliveryId)));
      if (!delivery || delivery.processedAt) return;
      await ingestSnapshots(delivery.snapshots as TrackingSnapshot[]);
      await db
        .update(trackingWebhookDeliveries)
        .set({ processedAt: clock.now() })
        .where(and(eq(trackingWebhookDeliveries.provider, providerName), eq(trackingWebhookDeliveries.deliveryId, deliveryId)));
    },

    /** A seller's view of one shipment's tracking: status, the timeline, and how fresh it is. */
    async forShipment(caller: Caller, shipmentId: string): Promise<ParcelTracking> {
      const seller = requireSeller(caller.principal);
      const [row] = await db
        .select()
        .from(trackedParcels)
        .where(and(eq(trackedParcels.sellerId, seller.sellerId), eq(trackedParcels.shipmentId, shipmentId)))
        .orderBy(sql`${trackedParcels.stoppedAt} IS NULL DESC`, sql`${trackedParcels.registeredAt} DESC`)
        .limit(1);
      if (!row) throw notFound('shipment tracking', shipmentId);
      authorize(seller, 'read', 'Order', { sellerId: row.sellerId });
      return view(row);
    },

    /** What a buyer sees for a tracking number: the stages and events, nothing about who sent it. */
    async publicTimeline(trackingNumber: string): Promise<Pick<ParcelTracking, 'carrierCode' | 'trackingNumber' | 'trackingUrl' | 'status' | 'subStatus' | 'timeline' | 'lastReceivedAt'>> {
      const [row] = await db
        .select()
        .from(trackedParcels)
        .where(and(eq(trackedParcels.trackingNumber, trackingNumber.replace(/[\s-]/g, '').toUpperCase()), isNull(trackedParcels.stoppedAt)))
        .limit(1);
      if (!row) throw notFound('parcel', trackingNumber);
      const { carrierCode, trackingUrl, status, subStatus, timeline, lastReceivedAt } = view(row);
      return { carrierCode, trackingNumber: row.trackingNumber, trackingUrl, status, subStatus, timeline, lastReceivedAt };
    },
  };
}

export type TrackingService = ReturnType<typeof createTrackingService>;

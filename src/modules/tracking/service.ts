import { and, eq, gte, inArray, isNull, lt, lte, sql } from 'drizzle-orm';
import type { Platform } from '../../platform/index.ts';
import { inTransaction, queryRows, type Db } from '../../platform/db/index.ts';
import { badRequest, forbidden, notFound, unauthenticated } from '../../platform/errors/index.ts';
import { registerIdPrefix } from '../../platform/ids/index.ts';
import { authorize, can, requireOperator, requireSeller, type Caller } from '../identity/index.ts';
import { shippedCarrierRegistry, trackingUrlFor, type CarrierRegistry } from './carriers.ts';
import type { Detection } from './numbers.ts';
import { WebhookRejected, type TrackingProvider, type TrackingSnapshot, type WebhookHeaders } from './providers/provider.ts';
import { deliverySuccessRate, FRESHNESS_TARGET_MINUTES, journeyOutcome, nextCheck, outcomeAfter, POLL_LIMITS, retryAfterFailure, type JourneyOutcome, type OutcomeCounts } from './rules.ts';
import { buyerTimeline, currentStatus, mergeEvents, notificationsDue, toTrackingEvent, type MainStatus, type RawCarrierEvent, type TimelineEntry, type TrackingEvent } from './status.ts';
import { shipmentOutcomes, trackedParcels, trackingWebhookDeliveries } from './schema.ts';

const PARCEL_PREFIX = registerIdPrefix('trk', 'tracked parcel');

export const TRACKING_EVENTS = {
  /** The shipment entered a stage (its first event there): what buyers and sellers are told, once per stage. */
  stageReached: 'tracking.stage_reached',
  /** Published beside the stage change for the stages the rest of the platform acts on. */
  delivered: 'tracking.delivered',
  deliveryFailed: 'tracking.delivery_failed',
  exception: 'tracking.exception',
  returned: 'tracking.returned',
} as const;

const STAGE_EVENTS: Partial<Record<MainStatus, string>> = {
  delivered: TRACKING_EVENTS.delivered,
  delivery_failed: TRACKING_EVENTS.deliveryFailed,
  exception: TRACKING_EVENTS.exception,
  returned: TRACKING_EVENTS.returned,
};

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

export interface FreshnessSummary {
  asOf: Date;
  targetMinutes: number;
  windowHours: number;
  /** Parcels still being followed, per stage: how many, how many are overdue a check, the longest unasked. */
  stages: { stage: MainStatus; active: number; overdueChecks: number; longestUnaskedMinutes: number | null }[];
  /** Parcels whose newest event reached us within the window: how late it arrived after the carrier recorded it. */
  arrivals: { parcels: number; withinTarget: number; lagMinutes: { p50: number; p95: number; p99: number; max: number } | null };
  /** The parcels most overdue a check, for a closer look. */
  mostOverdue: { shipmentId: string; sellerId: string; carrierCode: string; trackingNumber: string; status: MainStatus; lastEventAt: Date | null; lastCheckedAt: Date | null; nextCheckAt: Date; failures: number }[];
}

export interface DeliveryRate extends OutcomeCounts {
  sellerId: string;
  closed: number;
  /** Delivered ÷ closed, null when nothing closed in the period. */
  rate: number | null;
}

/** A check counts as overdue once it is this late: one poll run's slack. */
const OVERDUE_GRACE_MS = 5 * 60_000;

export function createTrackingService(platform: Platform, deps: { provider: TrackingProvider; registry?: CarrierRegistry }) {
  const { db, clock, ids, events, jobs, metrics } = platform;
  const registry = deps.registry ?? shippedCarrierRegistry();
  const { provider } = deps;
  const ingested = metrics.counter('caravan_tracking_events_ingested_total', 'Carrier events new to us, by provider', ['provider']);
  const arrivalLag = metrics.histogram(
    'caravan_tracking_event_lag_seconds',
    'How long after the carrier recorded an event it reached us (events after tracking began)',
    [60, 300, 600, FRESHNESS_TARGET_MINUTES * 60, 1800, 3600, 3 * 3600, 12 * 3600, 86_400],
    ['provider'],
  );
  const webhooks = metrics.counter('caravan_tracking_webhook_deliveries_total', 'Webhook deliveries accepted, by provider and whether they were repeats', ['provider', 'duplicate']);
  metrics.gaugesFrom(
    {
      caravan_tracking_active_parcels: { help: 'Parcels being followed, by stage', labelNames: ['stage'] },
      caravan_tracking_overdue_checks: { help: `Parcels whose check is over ${OVERDUE_GRACE_MS / 60_000} minutes late, by stage`, labelNames: ['stage'] },
      caravan_tracking_arrivals_within_target_ratio: { help: `Share of the last hour's newest events that reached us within ${FRESHNESS_TARGET_MINUTES} minutes` },
    },
    async () => {
      const summary = await freshnessOf(1);
      return {
        caravan_tracking_active_parcels: summary.stages.map((s) => ({ labels: { stage: s.stage }, value: s.active })),
        caravan_tracking_overdue_checks: summary.stages.map((s) => ({ labels: { stage: s.stage }, value: s.overdueChecks })),
        caravan_tracking_arrivals_within_target_ratio: summary.arrivals.parcels === 0 ? 1 : summary.arrivals.withinTarget / summary.arrivals.parcels,
      };
    },
  );

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
    ingested.inc({ provider: row.provider }, merged.added.length);
    for (const event of merged.added) {
      const occurredAt = Date.parse(event.occurredAt);
      if (occurredAt >= row.registeredAt.getTime()) arrivalLag.observe({ provider: row.provider }, Math.max(0, now.getTime() - occurredAt) / 1000);
    }
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
    const previousOutcome = journeyOutcome(row.status as MainStatus, row.subStatus);
    const outcome = outcomeAfter(previousOutcome, status.status, status.subStatus);
    if (outcome !== previousOutcome) {
      await recordOutcome(tx, row, outcome, outcome === 'expired' || !status.since ? now : new Date(status.since));
    }
    if (due.notify) {
      const payload = {
        shipmentId: row.shipmentId,
        carrierCode: row.carrierCode,
        trackingNumber: row.trackingNumber,
        stage: due.notify.stage,
        subStatus: due.notify.subStatus,
        occurredAt: due.notify.event.occurredAt,
        previous: due.notify.previous ?? null,
      };
      const subject = { type: 'shipment', id: row.shipmentId };
      await events.publish(tx, { type: TRACKING_EVENTS.stageReached, subject, sellerId: row.sellerId, payload });
      const stageEvent = STAGE_EVENTS[due.notify.stage];
      if (stageEvent) await events.publish(tx, { type: stageEvent, subject, sellerId: row.sellerId, payload });
    }
    return updated!;
  }

  /** A shipment's outcome as its parcel's status now tells it; a reopened journey has none. */
  async function recordOutcome(tx: Db, row: Row, outcome: JourneyOutcome | null, closedAt: Date): Promise<void> {
    if (outcome === null) {
      await tx.delete(shipmentOutcomes).where(and(eq(shipmentOutcomes.sellerId, row.sellerId), eq(shipmentOutcomes.shipmentId, row.shipmentId)));
      return;
    }
    await tx
      .insert(shipmentOutcomes)
      .values({ sellerId: row.sellerId, shipmentId: row.shipmentId, carrierCode: row.carrierCode, outcome, closedAt })
      .onConflictDoUpdate({ target: [shipmentOutcomes.sellerId, shipmentOutcomes.shipmentId], set: { carrierCode: row.carrierCode, outcome, closedAt } });
  }

  async function freshnessOf(windowHours: number): Promise<FreshnessSummary> {
    const now = clock.now();
    const overdueBefore = new Date(now.getTime() - OVERDUE_GRACE_MS);
    const since = new Date(now.getTime() - windowHours * 3_600_000);
    const targetSeconds = FRESHNESS_TARGET_MINUTES * 60;
    // Three reads, each served by an index or a bounded scan of the parcels still followed.
    const [stageRows, arrivalRows, overdueRows] = await Promise.all([
      queryRows<{ stage: string; active: number; overdue: number; longest_unasked_s: number | null }>(db, sql`
        SELECT status AS stage, count(*)::int AS active,
               count(*) FILTER (WHERE next_check_at < ${overdueBefore})::int AS overdue,
               extract(epoch FROM ${now}::timestamptz - min(coalesce(last_checked_at, registered_at)))::float8 AS longest_unasked_s
        FROM tracked_parcels
        WHERE next_check_at IS NOT NULL AND stopped_at IS NULL
        GROUP BY status`),
      queryRows<{ parcels: number; within: number; p50: number | null; p95: number | null; p99: number | null; max: number | null }>(db, sql`
        WITH lag AS (
          SELECT greatest(0, extract(epoch FROM last_received_at - last_event_at))::float8 AS s
          FROM tracked_parcels
          WHERE last_received_at >= ${since} AND last_event_at >= registered_at
        )
        SELECT count(*)::int AS parcels, count(*) FILTER (WHERE s <= ${targetSeconds})::int AS within,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY s) AS p50,
               percentile_cont(0.95) WITHIN GROUP (ORDER BY s) AS p95,
               percentile_cont(0.99) WITHIN GROUP (ORDER BY s) AS p99,
               max(s) AS max
        FROM lag`),
      db
        .select()
        .from(trackedParcels)
        .where(and(lt(trackedParcels.nextCheckAt, overdueBefore), isNull(trackedParcels.stoppedAt)))
        .orderBy(trackedParcels.nextCheckAt)
        .limit(20),
    ]);
    const minutes = (seconds: number | null) => (seconds === null ? null : Math.round((seconds / 60) * 10) / 10);
    const arrival = arrivalRows[0]!;
    return {
      asOf: now,
      targetMinutes: FRESHNESS_TARGET_MINUTES,
      windowHours,
      stages: stageRows
        .map((r) => ({ stage: r.stage as MainStatus, active: Number(r.active), overdueChecks: Number(r.overdue), longestUnaskedMinutes: minutes(r.longest_unasked_s === null ? null : Number(r.longest_unasked_s)) }))
        .sort((a, b) => a.stage.localeCompare(b.stage)),
      arrivals: {
        parcels: Number(arrival.parcels),
        withinTarget: Number(arrival.within),
        lagMinutes: arrival.p50 === null ? null : { p50: minutes(Number(arrival.p50))!, p95: minutes(Number(arrival.p95))!, p99: minutes(Number(arrival.p99))!, max: minutes(Number(arrival.max))! },
      },
      mostOverdue: overdueRows.map((row) => ({
        shipmentId: row.shipmentId,
        sellerId: row.sellerId,
        carrierCode: row.carrierCode,
        trackingNumber: row.trackingNumber,
        status: row.status as MainStatus,
        lastEventAt: row.lastEventAt,
        lastCheckedAt: row.lastCheckedAt,
        nextCheckAt: row.nextCheckAt!,
        failures: row.failures,
      })),
    };
  }

  /** Outcomes of journeys closed from `from` up to and including `to`, per seller (one seller, or all), worst rate first. */
  async function deliveryRates(filter: { from: Date; to: Date; sellerId?: string; minClosed?: number; limit?: number }): Promise<DeliveryRate[]> {
    const rows = await db
      .select({
        sellerId: shipmentOutcomes.sellerId,
        delivered: sql<number>`count(*) FILTER (WHERE ${shipmentOutcomes.outcome} = 'delivered')::int`,
        returned: sql<number>`count(*) FILTER (WHERE ${shipmentOutcomes.outcome} = 'returned')::int`,
        lost: sql<number>`count(*) FILTER (WHERE ${shipmentOutcomes.outcome} = 'lost')::int`,
        expired: sql<number>`count(*) FILTER (WHERE ${shipmentOutcomes.outcome} = 'expired')::int`,
      })
      .from(shipmentOutcomes)
      .where(and(gte(shipmentOutcomes.closedAt, filter.from), lte(shipmentOutcomes.closedAt, filter.to), filter.sellerId ? eq(shipmentOutcomes.sellerId, filter.sellerId) : undefined))
      .groupBy(shipmentOutcomes.sellerId)
      .having(sql`count(*) >= ${filter.minClosed ?? 1}`)
      .orderBy(sql`count(*) FILTER (WHERE ${shipmentOutcomes.outcome} = 'delivered')::float8 / count(*)`, sql`count(*) DESC`, shipmentOutcomes.sellerId)
      .limit(filter.limit ?? 100);
    return rows.map((row) => {
      const counts = { delivered: Number(row.delivered), returned: Number(row.returned), lost: Number(row.lost), expired: Number(row.expired) };
      return { sellerId: row.sellerId, ...counts, closed: counts.delivered + counts.returned + counts.lost + counts.expired, rate: deliverySuccessRate(counts) };
    });
  }

  async function liveParcel(tx: Db, carrierCode: string, trackingNumber: string): Promise<Row | undefined> {
    const [row] = await tx
      .select()
      .from(trackedParcels)
      .where(and(eq(trackedParcels.carrierCode, carrierCode), eq(trackedParcels.trackingNumber, trackingNumber), isNull(trackedParcels.stoppedAt)))
      .for('update');
    return row;
  }

  async function ingestSnapshots(snapshots: readonly TrackingSnapshot[]): Promise<number> {
    let matched = 0;
    for (const snapshot of snapshots) {
      await inTransaction(db, async (tx) => {
        const row = await liveParcel(tx, snapshot.carrierCode, snapshot.trackingNumber);
        if (!row) return;
        matched++;
        await ingest(tx, row, snapshot.events);
      });
    }
    return matched;
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
                 )
                 ORDER BY next_check_at LIMIT ${POLL_LIMITS.perRun} FOR UPDATE SKIP LOCKED)`,
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
          await db
            .update(trackedParcels)
            .set({ failures: row.failures + 1, nextCheckAt: retryAfterFailure(row.failures + 1, now, retryAfterSeconds) })
            .where(eq(trackedParcels.id, row.id));
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
        webhooks.inc({ provider: provider.name, duplicate: String(inserted.length === 0) });
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

    /** For operators: how fresh the news of every followed parcel is, against the 15-minute promise. */
    async freshness(caller: Caller, windowHours: number): Promise<FreshnessSummary> {
      authorize(requireOperator(caller.principal), 'read', 'Tracking');
      return freshnessOf(windowHours);
    },

    /** A seller's own delivery success rate over a period: delivered ÷ journeys closed in it. */
    async sellerDeliveryRate(caller: Caller, period: { from: Date; to: Date }): Promise<DeliveryRate> {
      const seller = requireSeller(caller.principal);
      // A figure of the data dashboard that order staff also act on.
      const own = { sellerId: seller.sellerId };
      if (!can(seller, 'read', 'Dashboard', own) && !can(seller, 'read', 'Order', own)) throw forbidden('Your account may not read the store’s delivery figures.', 'permission_denied');
      return (await deliveryRates({ ...period, sellerId: seller.sellerId }))[0] ?? { sellerId: seller.sellerId, delivered: 0, returned: 0, lost: 0, expired: 0, closed: 0, rate: null };
    },

    /** For operators: sellers' delivery success rates over a period, worst first. */
    async deliveryRates(caller: Caller, filter: { from: Date; to: Date; sellerId?: string; minClosed: number; limit: number }): Promise<DeliveryRate[]> {
      authorize(requireOperator(caller.principal), 'read', 'Tracking');
      return deliveryRates(filter);
    },

    /** For fees and diagnostics: one seller's rate over a period, without a caller. */
    deliveryRateOf: async (sellerId: string, period: { from: Date; to: Date }): Promise<DeliveryRate | undefined> => (await deliveryRates({ ...period, sellerId }))[0],
  };
}

export type TrackingService = ReturnType<typeof createTrackingService>;

import { and, eq, gte, inArray, isNull, lt, lte, sql } from 'drizzle-orm';
import type { Platform } from '../../platform/index.ts';
import { inTransaction, isUniqueViolation, queryRows, type Db } from '../../platform/db/index.ts';
import { AppError, badRequest, conflict, fieldError, forbidden, notFound, unauthenticated, validationFailed, type FieldError } from '../../platform/errors/index.ts';
import { registerIdPrefix } from '../../platform/ids/index.ts';
import { actorOf, authorize, can, requireOperator, requireSeller, type Caller } from '../identity/index.ts';
import { shippedCarrierRegistry, trackingUrlFor, type Carrier, type CarrierRegistry } from './carriers.ts';
import { normalizeTrackingNumber, type Detection } from './numbers.ts';
import { WebhookRejected, type TrackingProvider, type TrackingSnapshot, type WebhookHeaders } from './providers/provider.ts';
import {
  deliverySuccessRate,
  FRESHNESS_TARGET_MINUTES,
  handOverEvent,
  handOverTimeProblem,
  journeyOutcome,
  nextCheck,
  outcomeAfter,
  POLL_LIMITS,
  retryAfterFailure,
  type JourneyOutcome,
  type OutcomeCounts,
} from './rules.ts';
import { buyerTimeline, currentStatus, mergeEvents, notificationsDue, TERMINAL_STATUSES, toTrackingEvent, type MainStatus, type RawCarrierEvent, type TimelineEntry, type TrackingEvent } from './status.ts';
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

/**
 * The provider named on parcels whose events the platform records itself (hand-overs from its own
 * network): no provider is asked about them.
 */
export const PLATFORM_RECORDS = 'platform';

export const TRACKING_POLL_JOB = 'tracking.poll';
export const TRACKING_WEBHOOK_JOB = 'tracking.webhook';

/** A claimed parcel is not claimed again by another worker for this long, even if this one dies. */
const CLAIM_LEASE_MS = 10 * 60_000;

type Row = typeof trackedParcels.$inferSelect;

/** A carrier's number for a parcel, with the link to the carrier's own tracking page. */
export interface CarrierNumber {
  carrierCode: string;
  trackingNumber: string;
  trackingUrl: string | null;
}

/**
 * A shipment's journey. A parcel of the platform's own network that was handed over to a last-mile
 * carrier is one journey under either number: both legs' events, in carrier-time order.
 */
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
  /** The carrier the platform's network handed the parcel to, and its number; null until then. */
  lastMile: CarrierNumber | null;
}

export type PublicParcelTracking = Pick<ParcelTracking, 'carrierCode' | 'trackingNumber' | 'trackingUrl' | 'status' | 'subStatus' | 'timeline' | 'lastReceivedAt' | 'lastMile'>;

/** One line of a hand-over manifest: the platform's parcel, and the carrier and number it now travels under. */
export interface HandOverEntry {
  trackingNumber: string;
  carrierCode: string;
  lastMileNumber: string;
  handedOverAt: Date;
  location?: string | undefined;
}

export type HandOverResult =
  | { index: number; ok: true; trackingNumber: string; shipmentId: string; lastMile: CarrierNumber }
  | { index: number; ok: false; trackingNumber: string; error: { status: number; code: string; message: string; errors: FieldError[] } };

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
  const { db, clock, ids, events, jobs, metrics, audit } = platform;
  const registry = deps.registry ?? shippedCarrierRegistry();
  const { provider } = deps;
  const platformCarriers = registry.carriers.filter((carrier) => carrier.kind === 'platform');
  const isPlatformCarrier = (code: string) => registry.get(code)?.kind === 'platform';
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
        // A leg the platform records itself (handed over, or no provider knows it) is never polled.
        nextCheckAt: row.stoppedAt || row.provider === PLATFORM_RECORDS ? null : nextCheck(status.status, now),
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

  function carrierNumber(carrierCode: string, trackingNumber: string): CarrierNumber {
    const carrier = registry.get(carrierCode);
    return { carrierCode, trackingNumber, trackingUrl: carrier ? trackingUrlFor(carrier, trackingNumber) : null };
  }

  /** The legs of the journey a parcel belongs to, in travel order: the platform's leg, then the last mile. */
  async function journeyOf(tx: Db, row: Row): Promise<[Row, ...Row[]]> {
    if (row.continuesId) {
      const [platformLeg] = await tx.select().from(trackedParcels).where(and(eq(trackedParcels.sellerId, row.sellerId), eq(trackedParcels.id, row.continuesId)));
      return platformLeg ? [platformLeg, row] : [row];
    }
    const [lastMile] = await tx
      .select()
      .from(trackedParcels)
      .where(and(eq(trackedParcels.sellerId, row.sellerId), eq(trackedParcels.continuesId, row.id)))
      .orderBy(sql`${trackedParcels.stoppedAt} IS NULL DESC`, sql`${trackedParcels.registeredAt} DESC`)
      .limit(1);
    return lastMile ? [row, lastMile] : [row];
  }

  /**
   * One journey seen under one of its numbers: every leg's events merged in carrier time, the
   * status worked out from them as of now, and the freshness of the leg still being followed.
   */
  function journeyView(legs: readonly [Row, ...Row[]], shown: Row): ParcelTracking {
    const [first] = legs;
    const following = legs.at(-1)!;
    const events = legs.reduce<TrackingEvent[]>((merged, leg) => mergeEvents(merged, eventsOf(leg)).events, []);
    const status = currentStatus(events, { now: clock.now(), registeredAt: first.registeredAt });
    const latest = (dates: (Date | null)[]) => dates.reduce<Date | null>((newest, date) => (date && (!newest || date > newest) ? date : newest), null);
    const lastMile = legs.length > 1 ? carrierNumber(following.carrierCode, following.trackingNumber) : null;
    return {
      shipmentId: first.shipmentId,
      ...carrierNumber(shown.carrierCode, shown.trackingNumber),
      status: status.status,
      subStatus: status.subStatus,
      timeline: buyerTimeline(events),
      lastEventAt: latest(legs.map((leg) => leg.lastEventAt)),
      lastReceivedAt: latest(legs.map((leg) => leg.lastReceivedAt)),
      lastCheckedAt: following.lastCheckedAt,
      nextCheckAt: following.nextCheckAt,
      lastMile,
    };
  }

  async function viewOf(row: Row): Promise<ParcelTracking> {
    return journeyView(await journeyOf(db, row), row);
  }

  /** A parcel by number as anyone may ask for it: a live one first, else the latest. */
  async function parcelByNumber(trackingNumber: string, liveOnly: boolean): Promise<Row | undefined> {
    const [row] = await db
      .select()
      .from(trackedParcels)
      .where(and(eq(trackedParcels.trackingNumber, normalizeTrackingNumber(trackingNumber)), liveOnly ? isNull(trackedParcels.stoppedAt) : undefined))
      .orderBy(sql`${trackedParcels.stoppedAt} IS NULL DESC`, sql`${trackedParcels.registeredAt} DESC`)
      .limit(1);
    return row;
  }

  async function insertParcel(tx: Db, parcel: { sellerId: string; shipmentId: string; carrierCode: string; trackingNumber: string; continuesId?: string; notifiedStages?: string[] }): Promise<Row> {
    const now = clock.now();
    // No provider knows the platform's own numbers, unless it plays the platform's network too.
    const recordedByPlatform = isPlatformCarrier(parcel.carrierCode) && !provider.reportsPlatformNetwork;
    const [row] = await tx
      .insert(trackedParcels)
      .values({
        id: ids(PARCEL_PREFIX),
        notifiedStages: [],
        ...parcel,
        provider: recordedByPlatform ? PLATFORM_RECORDS : provider.name,
        status: 'pending',
        subStatus: 'not_found',
        events: [],
        registeredAt: now,
        nextCheckAt: recordedByPlatform ? null : now,
        failures: 0,
      })
      .returning();
    return row!;
  }

  /** Checks one manifest line and records it in the caller's transaction; any refusal changes nothing. */
  async function handOver(tx: Db, caller: Caller, entry: HandOverEntry, at: (field: string) => string): Promise<{ platformLeg: Row; lastMile: Row }> {
    const invalid = (field: string, code: string, message: string) => validationFailed([fieldError(at(field), code, message)]);
    const number = normalizeTrackingNumber(entry.trackingNumber);
    const checks = platformCarriers.map((carrier) => registry.validateForCarrier(carrier.code, number));
    const platformCarrier = checks.find((check) => check.ok)?.carrier;
    if (!platformCarrier) {
      const first = checks.find((check) => !check.ok);
      throw invalid('tracking_number', 'invalid_tracking_number', first && !first.ok ? first.message : 'is not a number of the platform’s own network');
    }
    const platformLeg = await liveParcel(tx, platformCarrier.code, number);
    if (!platformLeg) throw notFound('platform parcel', number);
    const [handedOver] = await tx
      .select({ carrierCode: trackedParcels.carrierCode, trackingNumber: trackedParcels.trackingNumber })
      .from(trackedParcels)
      .where(and(eq(trackedParcels.sellerId, platformLeg.sellerId), eq(trackedParcels.continuesId, platformLeg.id), isNull(trackedParcels.stoppedAt)));
    if (handedOver) throw conflict('already_handed_over', `${number} was already handed over to ${handedOver.carrierCode} as ${handedOver.trackingNumber}.`);
    if (TERMINAL_STATUSES.includes(platformLeg.status as MainStatus)) throw conflict('parcel_finished', `${number} is ${platformLeg.status}: a finished journey is not handed over.`);

    const carrier: Carrier | undefined = registry.get(entry.carrierCode);
    if (!carrier) throw invalid('carrier_code', 'unknown_carrier', 'is not a carrier of the registry (GET /v1/seller/carriers)');
    if (carrier.kind === 'platform') throw invalid('carrier_code', 'not_last_mile', 'is the platform’s own network: name the carrier the parcel was handed to');
    const validation = registry.validateForCarrier(carrier.code, entry.lastMileNumber);
    if (!validation.ok) throw invalid('last_mile_number', 'invalid_tracking_number', validation.message);
    const timeProblem = handOverTimeProblem(entry.handedOverAt, platformLeg, clock.now());
    if (timeProblem) throw invalid('handed_over_at', 'impossible_time', timeProblem);
    if (await liveParcel(tx, carrier.code, validation.normalized)) throw trackingNumberInUse(at);

    const told = await ingest(tx, platformLeg, [handOverEvent({ carrierCode: carrier.code, carrierName: carrier.name, lastMileNumber: validation.normalized, handedOverAt: entry.handedOverAt, location: entry.location })]);
    // From here the last-mile carrier reports; nobody is asked about the platform's leg again.
    const [stopped] = await tx.update(trackedParcels).set({ provider: PLATFORM_RECORDS, nextCheckAt: null }).where(eq(trackedParcels.id, platformLeg.id)).returning();
    const lastMile = await insertParcel(tx, {
      sellerId: platformLeg.sellerId,
      shipmentId: platformLeg.shipmentId,
      carrierCode: carrier.code,
      trackingNumber: validation.normalized,
      continuesId: platformLeg.id,
      // Stages the buyer heard of on the platform's leg are not announced again by the last mile.
      notifiedStages: told.notifiedStages,
    });
    await audit.record(tx, {
      actor: actorOf(caller),
      action: 'tracking.hand_over',
      subject: { type: 'shipment', id: platformLeg.shipmentId },
      sellerId: platformLeg.sellerId,
      from: { carrierCode: platformLeg.carrierCode, trackingNumber: platformLeg.trackingNumber },
      to: { carrierCode: lastMile.carrierCode, trackingNumber: lastMile.trackingNumber, handedOverAt: entry.handedOverAt.toISOString(), ...(entry.location ? { location: entry.location } : {}) },
      reason: 'Hand-over manifest',
    });
    return { platformLeg: stopped!, lastMile };
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
      // The platform's numbers come with its services' labels; a seller cannot claim one.
      if (isPlatformCarrier(carrierCode)) return `${registry.get(carrierCode)!.name} numbers are issued with the platform’s own services’ labels: choose one of those services instead.`;
      const validation = registry.validateForCarrier(carrierCode, number);
      return validation.ok ? null : validation.message;
    },

    /**
     * Starts following a shipment's number, in the caller's transaction; the first poll is due at
     * once. A number of the platform's own network is polled only where the provider plays that
     * network (the simulator); otherwise its events are the platform's own records (hand-overs).
     */
    async follow(tx: Db, parcel: { sellerId: string; shipmentId: string; carrierCode: string; trackingNumber: string }): Promise<void> {
      await insertParcel(tx, parcel);
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

    /** A seller's view of one shipment's journey, under the shipment's own number: status, the timeline, and how fresh it is. */
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
      const legs = await journeyOf(db, row);
      return journeyView(legs, legs[0]);
    },

    /**
     * What a buyer sees for a tracking number, the platform's or the last-mile carrier's: the
     * whole journey's stages and events, nothing about who sent it.
     */
    async publicTimeline(trackingNumber: string): Promise<PublicParcelTracking> {
      const row = await parcelByNumber(trackingNumber, true);
      if (!row) throw notFound('parcel', trackingNumber);
      const { carrierCode, trackingUrl, status, subStatus, timeline, lastReceivedAt, lastMile } = await viewOf(row);
      return { carrierCode, trackingNumber: row.trackingNumber, trackingUrl, status, subStatus, timeline, lastReceivedAt, lastMile };
    },

    /** An operator's view of a parcel by either of its numbers: whose shipment it is, and the whole journey. */
    async parcelForOperator(caller: Caller, trackingNumber: string): Promise<ParcelTracking & { sellerId: string; stopped: boolean }> {
      authorize(requireOperator(caller.principal), 'read', 'Tracking');
      const row = await parcelByNumber(trackingNumber, false);
      if (!row) throw notFound('parcel', trackingNumber);
      return { sellerId: row.sellerId, stopped: row.stoppedAt !== null, ...(await viewOf(row)) };
    },

    /**
     * Records a hand-over manifest: each platform parcel now travels under a last-mile carrier's
     * number. Each line is checked and recorded in its own transaction and answers for itself; a
     * refused line changes nothing.
     */
    async recordHandOvers(caller: Caller, entries: readonly HandOverEntry[]): Promise<HandOverResult[]> {
      authorize(requireOperator(caller.principal), 'create', 'Tracking');
      const results: HandOverResult[] = [];
      for (const [index, entry] of entries.entries()) {
        const at = (field: string) => `/entries/${index}/${field}`;
        const trackingNumber = normalizeTrackingNumber(entry.trackingNumber);
        try {
          const { lastMile } = await inTransaction(db, (tx) => handOver(tx, caller, entry, at));
          results.push({ index, ok: true, trackingNumber, shipmentId: lastMile.shipmentId, lastMile: carrierNumber(lastMile.carrierCode, lastMile.trackingNumber) });
        } catch (caught) {
          // Two manifests naming the same last-mile number at once: the unique index decides.
          const error = isUniqueViolation(caught, 'tracked_parcels_number_idx') ? trackingNumberInUse(at) : caught;
          if (!(error instanceof AppError)) throw error;
          results.push({ index, ok: false, trackingNumber, error: { status: error.status, code: error.code, message: error.message, errors: error.errors } });
        }
      }
      return results;
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

function trackingNumberInUse(at: (field: string) => string): AppError {
  return new AppError(409, 'tracking_number_in_use', 'Conflict', 'This carrier’s number is already followed for a parcel.', [fieldError(at('last_mile_number'), 'in_use', 'is already followed for a parcel')]);
}

export type TrackingService = ReturnType<typeof createTrackingService>;

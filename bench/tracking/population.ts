/**
 * The active shipments of the tracking benchmark and the model of the work they make.
 *
 * Journeys come from the carrier simulator's journey generator (`simulateJourney`): China →
 * destination, days of line haul, customs, last mile, 3 % returned. Carriers follow an assumed mix
 * of a China cross-border marketplace (consolidators first, then posts); whether a carrier pushes
 * webhooks is read from the carrier registry (capability "webhook").
 *
 * The population is the one a steady flow of new labels leaves active at any moment: a journey is
 * drawn with a chance proportional to how long it stays active (long journeys are more often
 * under way), and its label was bought a uniformly drawn time before now within that span.
 */
import { shippedCarrierRegistry } from '../../src/modules/tracking/carriers.ts';
import { simulateJourney, type SimulatedEvent, type SimulatedJourney } from '../../src/modules/tracking/providers/simulator.ts';
import { POLL_MINUTES } from '../../src/modules/tracking/rules.ts';
import type { MainStatus } from '../../src/modules/tracking/status.ts';
import type { Random } from '../commerce/catalog.ts';

/** Carriers of the parcels and their shares (assumed), with the prefix their numbers get here. */
export const CARRIER_MIX: readonly { code: string; share: number; prefix: string }[] = [
  { code: 'cainiao', share: 0.3, prefix: 'LP00' },
  { code: 'yunexpress', share: 0.14, prefix: 'YT' },
  { code: '4px', share: 0.1, prefix: '4PX3' },
  { code: 'china-post', share: 0.1, prefix: 'LA' },
  { code: 'yanwen', share: 0.08, prefix: 'UG' },
  { code: 'sf-international', share: 0.05, prefix: 'SF' },
  { code: 'jt-express', share: 0.04, prefix: 'JT' },
  { code: 'ems-china', share: 0.03, prefix: 'EA' },
  { code: 'sunyou', share: 0.03, prefix: 'SYUS' },
  { code: 'sfc', share: 0.03, prefix: 'SFC' },
  { code: 'usps', share: 0.03, prefix: '9400' },
  { code: 'wanb', share: 0.02, prefix: 'WNB' },
  { code: 'correos', share: 0.02, prefix: 'PQ' },
  { code: 'la-poste', share: 0.02, prefix: '6A' },
  { code: 'correios', share: 0.01, prefix: 'NX' },
];

/** The stages whose news the 15-minute promise is about: the parcel is in the buyer's town. */
export const LAST_MILE_STAGES: readonly MainStatus[] = ['out_for_delivery', 'available_for_pickup', 'delivery_failed', 'delivered'];

const registry = shippedCarrierRegistry();
const pushing = new Set(CARRIER_MIX.filter((c) => registry.get(c.code)?.capabilities.includes('webhook')).map((c) => c.code));

/** Whether the carrier's events reach the aggregator by push, so it sends us webhooks for them. */
export const carrierPushes = (carrierCode: string) => pushing.has(carrierCode);

export interface BenchParcel {
  carrierCode: string;
  trackingNumber: string;
  /** When its label was bought and tracking started (epoch ms). */
  registeredAt: number;
  journey: SimulatedJourney;
}

const HOUR = 3_600_000;

/** The stage the parcel is in at `at`: that of its latest event by then, pending before any. */
export function stageAt(journey: SimulatedJourney, at: number): MainStatus {
  let stage: MainStatus = 'pending';
  for (const event of journey.events) {
    if (event.at > at) break;
    stage = event.stage;
  }
  return stage;
}

/** When the journey ends (delivered or back with the sender): polling stops there. */
const endOf = (journey: SimulatedJourney) => journey.events.at(-1)!.at;

function pickCarrier(random: Random): (typeof CARRIER_MIX)[number] {
  let draw = random.next();
  for (const carrier of CARRIER_MIX) {
    draw -= carrier.share;
    if (draw < 0) return carrier;
  }
  return CARRIER_MIX.at(-1)!;
}

/** `count` parcels active at `now`, as a steady flow of labels leaves them (see the top of the file). */
export function activePopulation(count: number, now: number, random: Random, serialFrom = 0): BenchParcel[] {
  const longest = 70 * 24 * HOUR;
  const parcels: BenchParcel[] = [];
  let serial = serialFrom;
  while (parcels.length < count) {
    const carrier = pickCarrier(random);
    const trackingNumber = `${carrier.prefix}${String(++serial).padStart(12, '0')}`;
    const span = endOf(simulateJourney({ carrierCode: carrier.code, trackingNumber }, new Date(now), registry)) - now;
    if (random.next() * longest > span) continue;
    const registeredAt = now - Math.floor(random.next() * span);
    const journey = simulateJourney({ carrierCode: carrier.code, trackingNumber }, new Date(registeredAt), registry);
    if (endOf(journey) <= now) continue;
    parcels.push({ carrierCode: carrier.code, trackingNumber, registeredAt, journey });
  }
  return parcels;
}

/** How long after its latest event (none yet: undefined) a parcel is asked about again, in minutes; null: no more. */
export type PollSchedule = (latest: SimulatedEvent | undefined) => number | null;

/** The schedule of rules.ts: by the stage the latest event put the parcel in. */
export const currentSchedule: PollSchedule = (latest) => POLL_MINUTES[latest?.stage ?? 'pending'];

export interface WorkModel {
  journeys: number;
  /** Share of active time in each stage, over whole journeys. */
  stageShare: Partial<Record<MainStatus, number>>;
  meanActiveDays: number;
  /** Checks the poll schedule (POLL_MINUTES) asks for, per active shipment and hour, the first check included. */
  checksPerShipmentHour: number;
  /** The same under other schedules, for comparison (modelled only). */
  otherSchedules: { name: string; checksPerShipmentHour: number }[];
  /** Carrier events per active shipment and hour; those of carriers that push (one webhook delivery each); those of the last mile. */
  eventsPerShipmentHour: number;
  webhookDeliveriesPerShipmentHour: number;
  lastMileEventsPerShipmentHour: number;
  /** Share of parcels whose carrier pushes. */
  pushingShare: number;
}

/** What a shipment costs over its life, averaged over `count` journeys of the carrier mix, under the current schedule and `others`. */
export function workModel(count: number, random: Random, others: Record<string, PollSchedule> = {}): WorkModel {
  const start = Date.parse('2026-11-02T08:00:00Z');
  const schedules = { current: currentSchedule, ...others };
  const stageMs = new Map<MainStatus, number>();
  const checks = new Map(Object.keys(schedules).map((name) => [name, 0]));
  let activeMs = 0;
  let events = 0;
  let pushed = 0;
  let lastMile = 0;
  let pushingParcels = 0;
  for (let i = 0; i < count; i++) {
    const carrier = pickCarrier(random);
    const journey = simulateJourney({ carrierCode: carrier.code, trackingNumber: `${carrier.prefix}${String(i).padStart(12, '0')}` }, new Date(start), registry);
    let latest = journey.events.filter((event) => event.at <= start).at(-1);
    let since = start;
    const spend = (until: number) => {
      const stage = latest?.stage ?? 'pending';
      stageMs.set(stage, (stageMs.get(stage) ?? 0) + (until - since));
      for (const [name, schedule] of Object.entries(schedules)) {
        const minutes = schedule(latest);
        // The first check, at registration, comes on top of the schedule.
        checks.set(name, checks.get(name)! + (since === start ? 1 : 0) + (minutes === null ? 0 : (until - since) / (minutes * 60_000)));
      }
    };
    for (const event of journey.events) {
      if (event.at <= start) continue;
      spend(event.at);
      latest = event;
      since = event.at;
      events++;
      if (carrierPushes(carrier.code)) pushed++;
      if (LAST_MILE_STAGES.includes(event.stage)) lastMile++;
    }
    activeMs += endOf(journey) - start;
    if (carrierPushes(carrier.code)) pushingParcels++;
  }
  const hours = activeMs / HOUR;
  return {
    journeys: count,
    stageShare: Object.fromEntries([...stageMs].sort((a, b) => b[1] - a[1]).map(([stage, ms]) => [stage, Math.round((ms / activeMs) * 1000) / 1000])),
    meanActiveDays: Math.round((activeMs / count / (24 * HOUR)) * 10) / 10,
    checksPerShipmentHour: checks.get('current')! / hours,
    otherSchedules: Object.keys(others).map((name) => ({ name, checksPerShipmentHour: checks.get(name)! / hours })),
    eventsPerShipmentHour: events / hours,
    webhookDeliveriesPerShipmentHour: pushed / hours,
    lastMileEventsPerShipmentHour: lastMile / hours,
    pushingShare: pushingParcels / count,
  };
}

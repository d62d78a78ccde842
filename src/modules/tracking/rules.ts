import type { MainStatus, RawCarrierEvent } from './status.ts';

/**
 * How often to ask about a parcel, by its stage: often where buyers wait for news (customs, the last
 * mile), rarely during line haul, never once it is finished. Webhooks bring most events at once;
 * polling keeps the 15-minute promise where a carrier sends none.
 */
export const POLL_MINUTES: Record<MainStatus, number | null> = {
  pending: 60,
  info_received: 60,
  in_transit: 180,
  customs: 15,
  out_for_delivery: 15,
  available_for_pickup: 15,
  delivery_failed: 15,
  exception: 60,
  returning: 180,
  delivered: null,
  returned: null,
  expired: null,
};

/** When to ask next after a successful check, or null to stop. */
export function nextCheck(stage: MainStatus, checkedAt: Date): Date | null {
  const minutes = POLL_MINUTES[stage];
  return minutes === null ? null : new Date(checkedAt.getTime() + minutes * 60_000);
}

/** After failed checks: 5, 10, 20… minutes, at most six hours, so a provider that is down is not hammered. */
export function retryAfterFailure(failures: number, failedAt: Date, providerAskedSeconds?: number): Date {
  const backoff = Math.min(5 * 2 ** Math.max(0, failures - 1), 360) * 60_000;
  return new Date(failedAt.getTime() + Math.max(backoff, (providerAskedSeconds ?? 0) * 1000));
}

/**
 * Parcels one poll batch asks about, in all and per carrier (no carrier's API is asked about more
 * at once), and how long one run of the poll job keeps taking batches: long enough to work off a
 * minute's due parcels, short enough to end before the next minute's run, so runs never pile up.
 */
export const POLL_LIMITS = { perBatch: 40, perCarrier: 20, runSeconds: 50 } as const;

/** Whether a poll run that started at `startedAt` may still take another batch at `now`. */
export function pollRunMayContinue(startedAt: Date, now: Date): boolean {
  return now.getTime() - startedAt.getTime() < POLL_LIMITS.runSeconds * 1000;
}

/** The promise to buyers: news a carrier has reaches them within this long. */
export const FRESHNESS_TARGET_MINUTES = 15;

/** How a journey ended: delivered, sent back, lost (or destroyed), or silent for too long. */
export const JOURNEY_OUTCOMES = ['delivered', 'returned', 'lost', 'expired'] as const;
export type JourneyOutcome = (typeof JOURNEY_OUTCOMES)[number];

/**
 * The outcome a status closes the journey with, or null while it is open. A parcel declared lost
 * that the carrier scans again is open again: its outcome is withdrawn.
 */
export function journeyOutcome(status: MainStatus, subStatus: string): JourneyOutcome | null {
  if (status === 'delivered' || status === 'returned' || status === 'expired') return status;
  if (status === 'exception' && (subStatus === 'lost' || subStatus === 'destroyed')) return 'lost';
  return null;
}

/**
 * The outcome after a status change: silence after a journey already ended (a parcel declared lost
 * that is never heard of again) keeps the outcome it had rather than turning it into an expiry.
 */
export function outcomeAfter(previous: JourneyOutcome | null, status: MainStatus, subStatus: string): JourneyOutcome | null {
  const outcome = journeyOutcome(status, subStatus);
  return outcome === 'expired' && previous !== null ? previous : outcome;
}

export interface OutcomeCounts {
  delivered: number;
  returned: number;
  lost: number;
  expired: number;
}

/** Delivered ÷ shipments closed; null when none closed, so a new seller is not shown as failing. */
export function deliverySuccessRate(counts: OutcomeCounts): number | null {
  const closed = counts.delivered + counts.returned + counts.lost + counts.expired;
  return closed === 0 ? null : counts.delivered / closed;
}

/** Entries one hand-over manifest may carry: a partner's daily manifest per request, not a bulk import. */
export const HAND_OVER_BATCH_LIMIT = 100;

/** The platform carrier's event code for a hand-over (its status map reads it as in_transit/handed_over). */
export const HAND_OVER_EVENT_CODE = 'HANDED_OVER';

/** Partners' manifests are stamped by their own clocks: a few minutes ahead of ours is not the future. */
export const HAND_OVER_CLOCK_SKEW_MS = 5 * 60_000;

export interface HandOver {
  carrierCode: string;
  carrierName: string;
  lastMileNumber: string;
  handedOverAt: Date;
  location?: string | undefined;
}

/**
 * The platform leg's event for a hand-over, as if the platform's network had reported it: the id
 * names the last-mile parcel, so the same hand-over recorded twice is one event.
 */
export function handOverEvent(handOver: HandOver): RawCarrierEvent {
  return {
    eventId: `handover:${handOver.carrierCode}:${handOver.lastMileNumber}`,
    code: HAND_OVER_EVENT_CODE,
    text: `Handed over to ${handOver.carrierName}, tracking number ${handOver.lastMileNumber}`,
    ...(handOver.location ? { location: handOver.location } : {}),
    time: handOver.handedOverAt.toISOString(),
  };
}

/** Why a hand-over cannot have happened then, or null: not before the label existed, not in the future. */
export function handOverTimeProblem(handedOverAt: Date, parcel: { registeredAt: Date }, now: Date): string | null {
  if (handedOverAt.getTime() > now.getTime() + HAND_OVER_CLOCK_SKEW_MS) return 'is in the future';
  if (handedOverAt.getTime() < parcel.registeredAt.getTime()) return `is before the platform parcel's label was created (${parcel.registeredAt.toISOString()})`;
  return null;
}

import type { MainStatus } from './status.ts';

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

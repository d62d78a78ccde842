/**
 * What the tracking module needs from anything that knows where parcels are: a tracking
 * aggregator reached over HTTP (aggregator.ts), a carrier's own API, or the built-in carrier
 * SIMULATOR (simulator.ts) used by the embedded default and by tests.
 *
 * A provider only moves raw carrier events in and out. It never decides a status: the events it
 * returns are the carrier's own code, text, location and time (status.ts maps, orders and
 * de-duplicates them). Events come in any order and may repeat what is already known, from a
 * poll or a webhook alike; merging them is the caller's job (`mergeEvents`).
 *
 * Providers throw their own typed errors for transport problems (see each adapter); retrying is
 * the job's business, never the provider's.
 */
import type { RawCarrierEvent } from '../status.ts';

/** One tracking number as the tracking module knows it. */
export interface TrackedNumber {
  /** The carrier's code in our registry (data/carriers/carriers.json), e.g. "cainiao". */
  carrierCode: string;
  /** The number as normalised by numbers.ts (no spaces or dashes, upper case). */
  trackingNumber: string;
  /**
   * When we started tracking it (ISO 8601 or a Date). Optional and informative: aggregators keep
   * their own registrations and ignore it; the simulator places its simulated journey from it, so
   * any process can answer for a number without remembering who registered it.
   */
  registeredAt?: Date | string;
}

/** The events a provider knows for one number, in any order. */
export interface TrackingSnapshot {
  carrierCode: string;
  trackingNumber: string;
  events: RawCarrierEvent[];
}

/** One webhook delivery, checked and read. */
export interface WebhookDelivery {
  /** The sender's id for this delivery; a retried delivery repeats it (use it to skip repeats). */
  deliveryId: string;
  snapshots: TrackingSnapshot[];
}

/** A number the provider would not start tracking, with its reason. */
export interface RejectedNumber {
  number: TrackedNumber;
  /** The provider's machine code, e.g. "invalid_number", "carrier_not_supported". */
  code: string;
  message: string;
}

export interface RegistrationResult {
  /** Numbers refused; everything else is tracked (including numbers already registered before). */
  rejected: RejectedNumber[];
}

/**
 * Request headers as Node and Fastify give them (`request.headers`): names in any case, values a
 * string, a list, or absent.
 */
export type WebhookHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

export type WebhookRejectionReason =
  | 'missing_signature'
  | 'malformed_signature'
  | 'bad_signature'
  | 'stale_timestamp'
  | 'future_timestamp'
  | 'unreadable_body';

/**
 * A webhook delivery that must not be processed: answer 4xx (401 for signature and timestamp
 * problems, 400 for an unreadable body) and change nothing.
 */
export class WebhookRejected extends Error {
  override name = 'WebhookRejected';
  readonly reason: WebhookRejectionReason;

  constructor(reason: WebhookRejectionReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

export interface TrackingProvider {
  /** Stable name, recorded with the events it brings (e.g. "aggregator", "simulator"). */
  readonly name: string;
  /**
   * True when it also reports on the platform's own network (the simulator plays it). No outside
   * provider knows the platform's numbers: their events come from the platform's own records.
   */
  readonly reportsPlatformNetwork?: boolean;
  /** Starts tracking numbers where the provider needs it (so that its webhooks will come). Idempotent. */
  register(numbers: readonly TrackedNumber[]): Promise<RegistrationResult>;
  /**
   * The latest events of these numbers (polling): one snapshot per distinct number, in the order
   * asked; numbers the provider does not know come back with no events.
   */
  fetch(numbers: readonly TrackedNumber[]): Promise<TrackingSnapshot[]>;
  /** Checks and reads one webhook delivery from its raw body and headers. Throws WebhookRejected. */
  readWebhook(rawBody: Buffer, headers: WebhookHeaders): WebhookDelivery;
}

/** A header's value whatever the case of its name; the first one when it was sent several times. */
export function headerValue(headers: WebhookHeaders, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return typeof value === 'string' ? value : value[0];
  }
  return undefined;
}

/** The key under which two requests for the same number meet. */
export function numberKey(number: Pick<TrackedNumber, 'carrierCode' | 'trackingNumber'>): string {
  return `${number.carrierCode}\u0000${number.trackingNumber.toUpperCase()}`;
}

/** The numbers once each, first occurrence first. */
export function distinctNumbers<T extends TrackedNumber>(numbers: readonly T[]): T[] {
  const seen = new Set<string>();
  return numbers.filter((number) => {
    const key = numberKey(number);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

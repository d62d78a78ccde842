import { Type } from 'typebox';
import type { CarrierNumber, ParcelTracking } from './service.ts';
import type { TimelineEntry } from './status.ts';

/**
 * How a journey reads over HTTP wherever it is shown — the buyer's lookup, the order page, the
 * seller's and the operator's views — so every surface answers in the same shape.
 */

const TimelineSchema = Type.Array(
  Type.Object({
    occurred_at: Type.String(),
    stage: Type.String(),
    sub_status: Type.String(),
    event_status: Type.String(),
    starts_stage: Type.Boolean(),
    label: Type.String(),
    carrier: Type.String(),
    text: Type.Union([Type.String(), Type.Null()]),
    location: Type.Union([Type.String(), Type.Null()]),
  }),
);

const timelineView = (timeline: readonly TimelineEntry[]) =>
  timeline.map((entry) => ({
    occurred_at: entry.occurredAt,
    stage: entry.stage,
    sub_status: entry.subStatus,
    event_status: entry.eventStatus,
    starts_stage: entry.startsStage,
    label: entry.label,
    carrier: entry.carrier,
    text: entry.text ?? null,
    location: entry.location ?? null,
  }));

export const CarrierNumberSchema = Type.Object({ carrier_code: Type.String(), tracking_number: Type.String(), tracking_url: Type.Union([Type.String(), Type.Null()]) });

export const carrierNumberView = (n: CarrierNumber) => ({ carrier_code: n.carrierCode, tracking_number: n.trackingNumber, tracking_url: n.trackingUrl });

/** A journey as anyone may see it: the number asked for, where the parcel is, every event. */
export const JourneyProperties = {
  ...CarrierNumberSchema.properties,
  status: Type.String(),
  sub_status: Type.String(),
  timeline: TimelineSchema,
  /** The carrier the platform's network handed the parcel to; null until a hand-over. */
  last_mile: Type.Union([CarrierNumberSchema, Type.Null()], {
    description: 'The last-mile carrier and its number once the platform’s network handed the parcel over; the timeline holds both legs’ events.',
  }),
};

export function journeyView(t: Pick<ParcelTracking, 'carrierCode' | 'trackingNumber' | 'trackingUrl' | 'status' | 'subStatus' | 'timeline' | 'lastMile'>) {
  return {
    ...carrierNumberView(t),
    status: t.status,
    sub_status: t.subStatus,
    timeline: timelineView(t.timeline),
    last_mile: t.lastMile && carrierNumberView(t.lastMile),
  };
}

import { Type } from 'typebox';
import { withRawBodies } from '../../platform/http/raw-body.ts';
import { IdOf, NullableTimestamp } from '../../platform/http/schemas.ts';
import type { HttpApp } from '../../platform/http/server.ts';
import { callerOf } from '../identity/index.ts';
import type { Carrier } from './carriers.ts';
import { TRACKING_PROVIDERS, type CarrierNumber, type ParcelTracking, type TrackingService } from './service.ts';
import type { TimelineEntry } from './status.ts';

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

const iso = (date: Date | null) => date?.toISOString() ?? null;

const CarrierNumberSchema = Type.Object({ carrier_code: Type.String(), tracking_number: Type.String(), tracking_url: Type.Union([Type.String(), Type.Null()]) });

/** The carrier the platform's network handed the parcel to; null until a hand-over. */
const LastMileSchema = Type.Union([CarrierNumberSchema, Type.Null()], {
  description: 'The last-mile carrier and its number once the platform’s network handed the parcel over; the timeline holds both legs’ events.',
});

export const carrierNumberView = (n: CarrierNumber) => ({ carrier_code: n.carrierCode, tracking_number: n.trackingNumber, tracking_url: n.trackingUrl });

/** The seller's and the operator's view of a journey: the public one plus freshness. */
export const TrackingProperties = {
  shipment_id: Type.String(),
  carrier_code: Type.String(),
  tracking_number: Type.String(),
  tracking_url: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  sub_status: Type.String(),
  timeline: TimelineSchema,
  freshness: Type.Object({ last_event_at: NullableTimestamp, last_received_at: NullableTimestamp, last_checked_at: NullableTimestamp, next_check_at: NullableTimestamp }),
  last_mile: LastMileSchema,
};

export function trackingView(t: ParcelTracking) {
  return {
    shipment_id: t.shipmentId,
    carrier_code: t.carrierCode,
    tracking_number: t.trackingNumber,
    tracking_url: t.trackingUrl,
    status: t.status,
    sub_status: t.subStatus,
    timeline: timelineView(t.timeline),
    freshness: { last_event_at: iso(t.lastEventAt), last_received_at: iso(t.lastReceivedAt), last_checked_at: iso(t.lastCheckedAt), next_check_at: iso(t.nextCheckAt) },
    last_mile: t.lastMile && carrierNumberView(t.lastMile),
  };
}

const CarrierSchema = Type.Object({
  code: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  countries: Type.Array(Type.String()),
  website: Type.String(),
  capabilities: Type.Array(Type.String()),
});

const carrierView = (c: Carrier) => ({ code: c.code, name: c.name, kind: c.kind, countries: [...c.countries], website: c.website, capabilities: [...c.capabilities] });

export function registerTrackingRoutes(app: HttpApp, tracking: TrackingService): void {
  app.get(
    '/v1/seller/shipments/:shipmentId/tracking',
    {
      schema: {
        tags: ['seller: logistics'],
        summary: 'Where a shipment is: status, the timeline of stages and events, and how fresh the news is',
        params: Type.Object({ shipmentId: IdOf('shp') }),
        response: { 200: Type.Object(TrackingProperties) },
      },
    },
    async (request) => trackingView(await tracking.forShipment(callerOf(request), request.params.shipmentId)),
  );

  app.get(
    '/v1/store/tracking',
    {
      config: { public: true },
      schema: {
        tags: ['store'],
        summary: 'A parcel’s journey for the buyer, by the platform’s or the last-mile carrier’s number: stages and events, customs as its own stage',
        querystring: Type.Object({ number: Type.String({ minLength: 4, maxLength: 40, pattern: '^[A-Za-z0-9 -]+$' }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            carrier_code: Type.String(),
            tracking_number: Type.String(),
            tracking_url: Type.Union([Type.String(), Type.Null()]),
            status: Type.String(),
            sub_status: Type.String(),
            timeline: TimelineSchema,
            last_update: NullableTimestamp,
            last_mile: LastMileSchema,
          }),
        },
      },
    },
    async (request) => {
      const t = await tracking.publicTimeline(request.query.number);
      return {
        carrier_code: t.carrierCode,
        tracking_number: t.trackingNumber,
        tracking_url: t.trackingUrl,
        status: t.status,
        sub_status: t.subStatus,
        timeline: timelineView(t.timeline),
        last_update: iso(t.lastReceivedAt),
        last_mile: t.lastMile && carrierNumberView(t.lastMile),
      };
    },
  );

  withRawBodies(app, (scope) => {
    scope.post(
      '/v1/webhooks/tracking/:provider',
      {
        config: { public: true, rawBody: true },
        schema: {
          tags: ['webhooks'],
          summary: 'Tracking events pushed by the provider: signed over the raw body, stored once per delivery id, worked off in the background',
          params: Type.Object({ provider: Type.Enum(TRACKING_PROVIDERS) }),
          response: { 202: Type.Object({ delivery_id: Type.String(), duplicate: Type.Boolean() }) },
        },
      },
      async (request, reply) => {
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const received = await tracking.receiveWebhook(request.params.provider, body, request.headers);
        return reply.status(202).send({ delivery_id: received.deliveryId, duplicate: received.duplicate });
      },
    );
  });

  app.get(
    '/v1/seller/carriers',
    { schema: { tags: ['seller: logistics'], summary: 'The carrier registry: every carrier a parcel can travel with', response: { 200: Type.Object({ data: Type.Array(CarrierSchema) }) } } },
    async () => ({ data: tracking.carriers().map(carrierView) }),
  );

  app.get(
    '/v1/seller/carriers/detect',
    {
      schema: {
        tags: ['seller: logistics'],
        summary: 'Which carriers a tracking number can belong to, best first (check digits verified where the format has one)',
        querystring: Type.Object({ number: Type.String({ minLength: 1, maxLength: 60 }), countries: Type.Optional(Type.String({ pattern: '^[A-Z]{2}(,[A-Z]{2}){0,9}$' })) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            normalized: Type.String(),
            problem: Type.Union([Type.String(), Type.Null()]),
            candidates: Type.Array(Type.Object({ carrier: CarrierSchema, format: Type.String(), check_digit: Type.String(), tracking_url: Type.String() })),
          }),
        },
      },
    },
    async (request) => {
      const detection = tracking.detect(request.query.number, request.query.countries?.split(','));
      return {
        normalized: detection.normalized,
        problem: detection.problem ?? null,
        candidates: detection.candidates.map((c) => ({ carrier: carrierView(c.carrier), format: c.format.name, check_digit: c.checkDigit, tracking_url: detection.links.get(c.carrier.code)! })),
      };
    },
  );
}

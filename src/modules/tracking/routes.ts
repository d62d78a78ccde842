import { Type } from 'typebox';
import { withRawBodies } from '../../platform/http/raw-body.ts';
import { IdOf, NullableTimestamp, Timestamp } from '../../platform/http/schemas.ts';
import { badRequest } from '../../platform/errors/index.ts';
import type { HttpApp } from '../../platform/http/server.ts';
import { callerOf } from '../identity/index.ts';
import type { Carrier } from './carriers.ts';
import { TRACKING_PROVIDERS, type DeliveryRate, type FreshnessSummary, type ParcelTracking, type TrackingService } from './service.ts';
import { JourneyProperties, journeyView } from './views.ts';

const iso = (date: Date | null) => date?.toISOString() ?? null;

/** The seller's and the operator's view of a journey: the public one plus freshness. */
export const TrackingProperties = {
  shipment_id: Type.String(),
  ...JourneyProperties,
  freshness: Type.Object({ last_event_at: NullableTimestamp, last_received_at: NullableTimestamp, last_checked_at: NullableTimestamp, next_check_at: NullableTimestamp }),
};

export function trackingView(t: ParcelTracking) {
  return {
    shipment_id: t.shipmentId,
    ...journeyView(t),
    freshness: { last_event_at: iso(t.lastEventAt), last_received_at: iso(t.lastReceivedAt), last_checked_at: iso(t.lastCheckedAt), next_check_at: iso(t.nextCheckAt) },
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

const DeliveryRateSchema = Type.Object({
  seller_id: Type.String(),
  closed: Type.Integer(),
  delivered: Type.Integer(),
  returned: Type.Integer(),
  lost: Type.Integer(),
  expired: Type.Integer(),
  rate: Type.Union([Type.Number(), Type.Null()], { description: 'delivered ÷ closed; null when no journey closed in the period' }),
});

const deliveryRateView = (r: DeliveryRate) => ({ seller_id: r.sellerId, closed: r.closed, delivered: r.delivered, returned: r.returned, lost: r.lost, expired: r.expired, rate: r.rate });

const PeriodQuery = {
  from: Type.Optional(Timestamp),
  to: Type.Optional(Timestamp),
};

const DAY_MS = 86_400_000;
/** A period from the query: 30 days up to now by default, at most a year, `from` before `to`. */
function periodOf(query: { from?: string; to?: string }, now: Date): { from: Date; to: Date } {
  const to = query.to ? new Date(query.to) : now;
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - 30 * DAY_MS);
  if (from >= to) throw badRequest('invalid_period', '`from` must be before `to`.');
  if (to.getTime() - from.getTime() > 366 * DAY_MS) throw badRequest('invalid_period', 'A period is at most a year.');
  return { from, to };
}

const minutesSchema = Type.Union([Type.Number(), Type.Null()]);

function freshnessView(f: FreshnessSummary) {
  return {
    as_of: f.asOf.toISOString(),
    target_minutes: f.targetMinutes,
    window_hours: f.windowHours,
    stages: f.stages.map((s) => ({ stage: s.stage, active: s.active, overdue_checks: s.overdueChecks, longest_unasked_minutes: s.longestUnaskedMinutes })),
    arrivals: {
      parcels: f.arrivals.parcels,
      within_target: f.arrivals.withinTarget,
      share_within_target: f.arrivals.parcels === 0 ? null : f.arrivals.withinTarget / f.arrivals.parcels,
      lag_minutes: f.arrivals.lagMinutes,
    },
    most_overdue: f.mostOverdue.map((p) => ({
      shipment_id: p.shipmentId,
      seller_id: p.sellerId,
      carrier_code: p.carrierCode,
      tracking_number: p.trackingNumber,
      status: p.status,
      last_event_at: iso(p.lastEventAt),
      last_checked_at: iso(p.lastCheckedAt),
      next_check_at: p.nextCheckAt.toISOString(),
      failures: p.failures,
    })),
  };
}

export function registerTrackingRoutes(app: HttpApp, tracking: TrackingService, now: () => Date): void {
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
          200: Type.Object({ ...JourneyProperties, last_update: NullableTimestamp }),
        },
      },
    },
    async (request) => {
      const t = await tracking.publicTimeline(request.query.number);
      return { ...journeyView(t), last_update: iso(t.lastReceivedAt) };
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

  app.get(
    '/v1/seller/logistics/delivery-rate',
    {
      schema: {
        tags: ['seller: logistics'],
        summary: 'The store’s delivery success rate: delivered ÷ shipments whose journey closed in the period (30 days by default)',
        querystring: Type.Object(PeriodQuery, { additionalProperties: false }),
        response: { 200: Type.Object({ from: Timestamp, to: Timestamp, ...DeliveryRateSchema.properties }) },
      },
    },
    async (request) => {
      const period = periodOf(request.query, now());
      const rate = await tracking.sellerDeliveryRate(callerOf(request), period);
      return { from: period.from.toISOString(), to: period.to.toISOString(), ...deliveryRateView(rate) };
    },
  );

  app.get(
    '/v1/ops/tracking/delivery-rates',
    {
      schema: {
        tags: ['ops: logistics'],
        summary: 'Sellers’ delivery success rates over a period, worst first (support, finance)',
        querystring: Type.Object(
          {
            ...PeriodQuery,
            seller_id: Type.Optional(IdOf('sel')),
            min_closed: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1, description: 'only sellers with at least this many closed journeys' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ from: Timestamp, to: Timestamp, data: Type.Array(DeliveryRateSchema) }) },
      },
    },
    async (request) => {
      const period = periodOf(request.query, now());
      const { seller_id, min_closed, limit } = request.query;
      const rates = await tracking.deliveryRates(callerOf(request), { ...period, ...(seller_id ? { sellerId: seller_id } : {}), minClosed: min_closed ?? 1, limit: limit ?? 100 });
      return { from: period.from.toISOString(), to: period.to.toISOString(), data: rates.map(deliveryRateView) };
    },
  );

  app.get(
    '/v1/ops/tracking/freshness',
    {
      schema: {
        tags: ['ops: logistics'],
        summary: 'How fresh tracking news is against the 15-minute promise: parcels followed per stage, overdue checks, how late the newest events arrived (support, finance)',
        querystring: Type.Object({ window_hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 168, default: 24 })) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            as_of: Timestamp,
            target_minutes: Type.Integer(),
            window_hours: Type.Integer(),
            stages: Type.Array(Type.Object({ stage: Type.String(), active: Type.Integer(), overdue_checks: Type.Integer(), longest_unasked_minutes: minutesSchema })),
            arrivals: Type.Object({
              parcels: Type.Integer(),
              within_target: Type.Integer(),
              share_within_target: Type.Union([Type.Number(), Type.Null()]),
              lag_minutes: Type.Union([Type.Object({ p50: Type.Number(), p95: Type.Number(), p99: Type.Number(), max: Type.Number() }), Type.Null()]),
            }),
            most_overdue: Type.Array(
              Type.Object({
                shipment_id: Type.String(),
                seller_id: Type.String(),
                carrier_code: Type.String(),
                tracking_number: Type.String(),
                status: Type.String(),
                last_event_at: NullableTimestamp,
                last_checked_at: NullableTimestamp,
                next_check_at: Timestamp,
                failures: Type.Integer(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => freshnessView(await tracking.freshness(callerOf(request), request.query.window_hours ?? 24)),
  );
}

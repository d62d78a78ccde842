import { Type, type TProperties } from 'typebox';
import { FieldErrorSchema } from '../../platform/http/schemas.ts';
import type { HttpApp } from '../../platform/http/server.ts';
import { callerOf } from '../identity/index.ts';
import { TrackingProperties, trackingView } from './routes.ts';
import { carrierNumberView } from './views.ts';
import { HAND_OVER_BATCH_LIMIT } from './rules.ts';
import type { HandOverResult, TrackingService } from './service.ts';

const obj = <P extends TProperties>(properties: P) => Type.Object(properties, { additionalProperties: false });

/** As buyers and partners write numbers: letters and digits, spaces and dashes ignored. */
const trackingNumber = (description?: string) => Type.String({ minLength: 4, maxLength: 40, pattern: '^[A-Za-z0-9 -]+$', ...(description ? { description } : {}) });

const HandOverEntrySchema = obj({
  tracking_number: trackingNumber('The platform’s own number (CRV…) on the parcel’s label.'),
  carrier_code: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{1,39}$', description: 'The last-mile carrier, as in GET /v1/seller/carriers.' }),
  last_mile_number: trackingNumber('The number the last-mile carrier gave the parcel; it must fit that carrier’s formats and check digit.'),
  handed_over_at: Type.String({ format: 'date-time', description: 'When the carrier took the parcel (not before the label, not in the future).' }),
  location: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
});

const HandOverResultSchema = obj({
  index: Type.Integer(),
  ok: Type.Boolean(),
  tracking_number: Type.String(),
  shipment_id: Type.Optional(Type.String()),
  last_mile: Type.Optional(obj({ carrier_code: Type.String(), tracking_number: Type.String(), tracking_url: Type.Union([Type.String(), Type.Null()]) })),
  error: Type.Optional(obj({ status: Type.Integer(), code: Type.String(), message: Type.String(), errors: Type.Array(FieldErrorSchema) })),
});

const resultView = (result: HandOverResult) =>
  result.ok
    ? { index: result.index, ok: true, tracking_number: result.trackingNumber, shipment_id: result.shipmentId, last_mile: carrierNumberView(result.lastMile) }
    : { index: result.index, ok: false, tracking_number: result.trackingNumber, error: result.error };

/** Operators' tracking: the platform network's hand-overs to last-mile carriers, and any parcel's journey. */
export function registerTrackingOpsRoutes(app: HttpApp, tracking: TrackingService): void {
  app.post(
    '/v1/ops/tracking/hand-overs',
    {
      config: { idempotency: 'required' },
      schema: {
        tags: ['ops: tracking'],
        summary: `Record a hand-over manifest of up to ${HAND_OVER_BATCH_LIMIT} platform parcels to last-mile carriers; each line answers for itself and a refused line changes nothing`,
        body: obj({ entries: Type.Array(HandOverEntrySchema, { minItems: 1, maxItems: HAND_OVER_BATCH_LIMIT }) }),
        response: { 200: obj({ results: Type.Array(HandOverResultSchema) }) },
      },
    },
    async (request) => {
      const results = await tracking.recordHandOvers(
        callerOf(request),
        request.body.entries.map((entry) => ({
          trackingNumber: entry.tracking_number,
          carrierCode: entry.carrier_code,
          lastMileNumber: entry.last_mile_number,
          handedOverAt: new Date(entry.handed_over_at),
          location: entry.location,
        })),
      );
      return { results: results.map(resultView) };
    },
  );

  app.get(
    '/v1/ops/tracking/parcels',
    {
      schema: {
        tags: ['ops: tracking'],
        summary: 'A parcel’s whole journey by the platform’s or the last-mile carrier’s number, with whose shipment it is',
        querystring: obj({ number: trackingNumber() }),
        response: { 200: obj({ seller_id: Type.String(), stopped: Type.Boolean(), ...TrackingProperties }) },
      },
    },
    async (request) => {
      const parcel = await tracking.parcelForOperator(callerOf(request), request.query.number);
      return { seller_id: parcel.sellerId, stopped: parcel.stopped, ...trackingView(parcel) };
    },
  );
}

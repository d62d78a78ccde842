import { Type } from 'typebox';
import type { HttpApp } from '../../platform/http/server.ts';
import type { Carrier } from './carriers.ts';
import type { TrackingService } from './service.ts';

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

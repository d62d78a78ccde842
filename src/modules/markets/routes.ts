import { Type } from 'typebox';
import type { HttpApp } from '../../platform/http/server.ts';
import { Timestamp } from '../../platform/http/schemas.ts';
import { callerOf } from '../identity/index.ts';
import type { MarketsService } from './service.ts';

const CountryParams = Type.Object({ country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' }) });
const DayParams = Type.Object({ country: Type.String({ pattern: '^[A-Z]{2}$' }), date: Type.String({ format: 'date' }) });
const Day = Type.Object({ date: Type.String(), name: Type.String() });
const DayKind = Type.Enum(['holiday', 'working_day'] as const);

export function registerMarketsRoutes(app: HttpApp, markets: MarketsService): void {
  app.get(
    '/v1/ops/calendars/:country',
    {
      schema: {
        tags: ['ops: markets'],
        summary: 'A country’s business-day calendar: shipped holidays and make-up working days, plus operator overrides',
        params: CountryParams,
        response: {
          200: Type.Object({
            country: Type.String(),
            timezone: Type.String(),
            source: Type.String(),
            coverage: Type.Object({ from: Type.String(), to: Type.String() }),
            weekend_days: Type.Array(Type.Integer()),
            holidays: Type.Array(Day),
            working_weekends: Type.Array(Day),
            overrides: Type.Array(Type.Object({ date: Type.String(), kind: DayKind, name: Type.String(), created_by: Type.String(), created_at: Timestamp })),
          }),
        },
      },
    },
    async (request) => {
      const { data, overrides } = await markets.calendarDetails(callerOf(request), request.params.country);
      return {
        country: data.country,
        timezone: data.timezone,
        source: data.source,
        coverage: data.coverage,
        weekend_days: data.weekendDays,
        holidays: data.holidays,
        working_weekends: data.workingWeekends,
        overrides: overrides.map((o) => ({ date: o.date, kind: o.kind, name: o.name, created_by: o.createdBy, created_at: o.createdAt.toISOString() })),
      };
    },
  );

  app.put(
    '/v1/ops/calendars/:country/days/:date',
    {
      schema: {
        tags: ['ops: markets'],
        summary: 'Declare a day a holiday or a working day, overriding the shipped calendar (admin)',
        params: DayParams,
        body: Type.Object({ kind: DayKind, name: Type.String({ minLength: 2, maxLength: 200 }), reason: Type.String({ minLength: 3, maxLength: 1000 }) }, { additionalProperties: false }),
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await markets.setCalendarDay(callerOf(request), request.params.country, request.params.date, request.body);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/v1/ops/calendars/:country/days/:date',
    {
      schema: {
        tags: ['ops: markets'],
        summary: 'Remove an operator override, returning the day to the shipped calendar (admin)',
        params: DayParams,
        querystring: Type.Object({ reason: Type.String({ minLength: 3, maxLength: 1000 }) }, { additionalProperties: false }),
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await markets.removeCalendarDay(callerOf(request), request.params.country, request.params.date, request.query.reason);
      return reply.code(204).send(null);
    },
  );
}

import { Type, type TProperties } from 'typebox';
import type { HttpApp } from '../../platform/http/server.ts';
import { NullableTimestamp, Page, pageQuery, Timestamp } from '../../platform/http/schemas.ts';
import { readSingleFile } from '../../platform/http/uploads.ts';
import { callerOf } from '../identity/index.ts';
import type { Market } from './countries.ts';
import { displayDecimals, marketLocale } from './display.ts';
import type { FxSnapshotView, FxSnapshotVersion } from './fx-service.ts';
import { BUYER_IDENTIFIER_KINDS } from './identifiers.ts';
import { RATE_PATTERN } from './fx.ts';
import type { MarketsService } from './service.ts';

const CountryParams = Type.Object({ country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' }) });
const DayParams = Type.Object({ country: Type.String({ pattern: '^[A-Z]{2}$' }), date: Type.String({ format: 'date' }) });
const Day = Type.Object({ date: Type.String(), name: Type.String() });
const DayKind = Type.Enum(['holiday', 'working_day'] as const);
const obj = <P extends TProperties>(properties: P) => Type.Object(properties, { additionalProperties: false });
const Reason = Type.String({ minLength: 3, maxLength: 1000 });
const Source = Type.String({ minLength: 1, maxLength: 500, description: 'Where the rates come from: a provider, a central bank, a file.' });
const IsoDate = Type.String({ format: 'date' });

const MarketSchema = Type.Object({
  code: Type.String({ description: 'ISO 3166-1 alpha-2' }),
  name: Type.String(),
  currency: Type.String({ description: 'ISO 4217: what buyers of the market see prices in and pay in' }),
  currency_decimals: Type.Integer({ description: 'Decimals prices are shown with: the currency’s minor unit, never rounded further' }),
  languages: Type.Array(Type.String(), { description: 'BCP 47 language subtags buyers are served in, main first' }),
  locale: Type.String({ description: 'Default locale for prices and texts: main language and country' }),
  priority: Type.Boolean(),
  groups: Type.Array(Type.String()),
  tax_regime: Type.String({ description: 'The landed-cost regime parcels to this market fall under' }),
  buyer_identifiers: Type.Array(
    Type.Object({
      kind: Type.Enum([...BUYER_IDENTIFIER_KINDS]),
      name: Type.String(),
      required: Type.Boolean({ description: 'true: no order ships without it; false: asked for, used when given' }),
      format: Type.String({ description: 'How the value is written, as a placeholder' }),
      description: Type.String(),
    }),
    { description: 'What a buyer gives at checkout for customs to clear the parcel' },
  ),
});

const marketView = (market: Market) => ({
  code: market.code,
  name: market.name,
  currency: market.currency,
  currency_decimals: displayDecimals(market.currency),
  languages: market.languages,
  locale: marketLocale(market),
  priority: market.priority,
  groups: market.groups,
  tax_regime: market.taxRegime,
  buyer_identifiers: market.buyerIdentifiers.map((identifier) => ({ ...identifier })),
});

const Rates = Type.Record(Type.String({ pattern: '^[A-Z]{3}$' }), Type.String({ pattern: RATE_PATTERN }), {
  additionalProperties: false,
  minProperties: 1,
  description: 'Units of each currency per 1 USD, as decimal strings ("5.4000")',
});
const snapshotProperties = {
  id: Type.String({ description: 'fx_<date> for a shipped snapshot, fx_<date>.v<version> for an operator’s; a rate adds its pair: fx_2026-07-01.v2_USD_BRL' }),
  date: Type.String(),
  base: Type.String(),
  rates: Type.Record(Type.String(), Type.String()),
  origin: Type.Enum(['shipped', 'operator'] as const),
  version: Type.Union([Type.Integer(), Type.Null()]),
  source: Type.String(),
  supersedes: Type.Union([Type.String(), Type.Null()], { description: 'The shipped snapshot of the same date this one supersedes' }),
  updated_by: Type.Union([Type.String(), Type.Null()]),
  updated_at: NullableTimestamp,
};
const FxSnapshotSchema = Type.Object(snapshotProperties);
const FxSnapshotVersionSchema = Type.Object({ ...snapshotProperties, current: Type.Boolean(), reason: Type.Union([Type.String(), Type.Null()]) });
const Outcome = Type.Enum(['added', 'replaced', 'unchanged'] as const, { description: 'added: a date without a snapshot; replaced: a new version supersedes the one in force; unchanged: the rates in force were repeated' });

const snapshotView = (view: FxSnapshotView) => ({
  id: view.id,
  date: view.date,
  base: view.base,
  rates: view.rates,
  origin: view.origin,
  version: view.version,
  source: view.source,
  supersedes: view.supersedes,
  updated_by: view.updatedBy,
  updated_at: view.updatedAt?.toISOString() ?? null,
});
const versionView = (view: FxSnapshotVersion) => ({ ...snapshotView(view), current: view.current, reason: view.reason });

export function registerMarketsRoutes(app: HttpApp, markets: MarketsService): void {
  app.get(
    '/v1/store/markets',
    {
      config: { public: true },
      schema: {
        tags: ['store: markets'],
        summary: 'The markets buyers can shop in: currency, languages, what a buyer must give at checkout',
        response: { 200: Type.Object({ data: Type.Array(MarketSchema) }) },
      },
    },
    async () => ({ data: markets.directory.markets.map(marketView) }),
  );

  app.get(
    '/v1/store/markets/:country',
    {
      config: { public: true },
      schema: { tags: ['store: markets'], summary: 'One market', params: CountryParams, response: { 200: MarketSchema } },
    },
    async (request) => marketView(markets.market(request.params.country)),
  );

  app.get(
    '/v1/ops/fx/snapshots',
    {
      schema: {
        tags: ['ops: markets'],
        summary: 'FX snapshots in force, newest first: shipped ones, and operators’ that supersede them (finance, admin)',
        querystring: pageQuery({ from: Type.Optional(IsoDate), to: Type.Optional(IsoDate) }),
        response: { 200: Page(FxSnapshotSchema) },
      },
    },
    async (request) => {
      const { limit = 20, cursor, from, to } = request.query;
      const page = await markets.listFxSnapshots(callerOf(request), { limit, ...(cursor ? { cursor } : {}), ...(from ? { from } : {}), ...(to ? { to } : {}) });
      return { data: page.data.map(snapshotView), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/ops/fx/snapshots/:date',
    {
      schema: {
        tags: ['ops: markets'],
        summary: 'The FX snapshot of one date and every version it had (finance, admin)',
        params: Type.Object({ date: IsoDate }),
        response: { 200: Type.Object({ ...snapshotProperties, history: Type.Array(FxSnapshotVersionSchema) }) },
      },
    },
    async (request) => {
      const snapshot = await markets.getFxSnapshot(callerOf(request), request.params.date);
      return { ...snapshotView(snapshot), history: snapshot.history.map(versionView) };
    },
  );

  app.put(
    '/v1/ops/fx/snapshots/:date',
    {
      schema: {
        tags: ['ops: markets'],
        summary: 'Set the FX snapshot of a date: it supersedes the shipped one, as a new version (finance, admin)',
        description:
          'Rates are units of each currency per 1 USD. Every currency buyers pay in, and CNY, must be quoted. Amounts converted earlier keep the id of the rate they used, which still resolves after the snapshot is superseded. Repeating the rates in force changes nothing.',
        params: Type.Object({ date: IsoDate }),
        body: obj({ base: Type.Enum(['USD'] as const), rates: Rates, source: Source, reason: Reason }),
        response: { 200: Type.Object({ ...snapshotProperties, outcome: Outcome }) },
      },
    },
    async (request) => {
      const { snapshot, outcome } = await markets.setFxSnapshot(callerOf(request), request.params.date, request.body);
      return { ...snapshotView(snapshot), outcome };
    },
  );

  app.post(
    '/v1/ops/fx/snapshots/import',
    {
      config: { multipart: true },
      schema: {
        tags: ['ops: markets'],
        summary: 'Import FX snapshots from a file: JSON in the shape of data/markets/fx-rates.json, or CSV (finance, admin)',
        description:
          'CSV: a header `date,base,EUR,BRL,…` and one row per date, an empty cell for a currency not quoted that day. Every snapshot is checked before anything is written; one bad row and nothing is imported. `source` defaults to the JSON file’s own. Importing the same file again changes nothing.',
        querystring: obj({ reason: Reason, source: Type.Optional(Source) }),
        response: { 200: Type.Object({ data: Type.Array(Type.Object({ date: Type.String(), id: Type.String(), outcome: Outcome })) }) },
      },
    },
    async (request) => {
      const file = await readSingleFile(request);
      const changes = await markets.importFxSnapshots(callerOf(request), file, { reason: request.query.reason, source: request.query.source });
      return { data: changes };
    },
  );

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

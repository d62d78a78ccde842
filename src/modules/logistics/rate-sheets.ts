import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isValidDate } from '../../platform/calendar/index.ts';
import { isCurrency, money, type Money } from '../../platform/money/index.ts';
import { DATA_DIR } from '../../platform/paths.ts';

/**
 * Logistics reference data: the services sellers can choose, the zones destinations fall in, the
 * dated rate sheets that price base freight, and the dated surcharges and fees on top (fuel,
 * remote area, oversize, warehouse pick/pack). Four files in `data/logistics/`, read and checked
 * together because they refer to each other; any problem fails the whole load with the file, the
 * record and the field that is wrong.
 *
 * Dates are calendar dates (`YYYY-MM-DD`). A dated record is in force from `valid_from` to
 * `valid_to`, both included; a null `valid_to` means "until replaced". Amounts in the files are
 * integers in minor units of the record's currency; here they become Money.
 */

export const LOGISTICS_DATA_DIR = path.join(DATA_DIR, 'logistics');

export const LOGISTICS_FILES = {
  services: 'services.json',
  zones: 'zones.json',
  rateSheets: 'rate-sheets.json',
  surcharges: 'surcharges.json',
} as const;

export type LogisticsFile = keyof typeof LOGISTICS_FILES;

export const SERVICE_PATHS = ['standard', 'dedicated_line', 'overseas_warehouse', 'express'] as const;
export type ServicePath = (typeof SERVICE_PATHS)[number];

/** How far a parcel can be followed: to the buyer's door, or only until it is handed over at the border. */
export const TRACKING_LEVELS = ['end_to_end', 'to_border', 'untracked'] as const;
export type TrackingLevel = (typeof TRACKING_LEVELS)[number];

/** The charges a fuel surcharge may be computed on. */
export const FUEL_BASES = ['base', 'registration', 'remote_area', 'oversize', 'pick_pack'] as const;
export type FuelBase = (typeof FUEL_BASES)[number];

export interface Dated {
  /** `YYYY-MM-DD`, included. */
  validFrom: string;
  /** `YYYY-MM-DD`, included; null while no end is known. */
  validTo: string | null;
}

/** Postal codes whose first `from.length` characters lie between `from` and `to` (as text). */
export interface PostalRange {
  from: string;
  to: string;
  name?: string;
}

export interface DeliveryWindow {
  /** Calendar days from handover to delivery. */
  min: number;
  max: number;
}

export interface Destination {
  country: string;
  deliveryDays: DeliveryWindow;
  /** Carrier codes the parcel is handed to, in order (consolidator, line haul, last mile). */
  carriers: string[];
  /** Parts of the country the service does not deliver to. */
  excludedPostalRanges: PostalRange[];
}

export interface SizeCap {
  longestSideMm?: number;
  sumOfSidesMm?: number;
}

export interface VolumetricRule {
  /** Cubic millimetres per gram (the usual cm³/kg divisor); null: volumetric weight never applies. */
  divisor: number | null;
  /** Parcels within every stated size are charged on actual weight. */
  exemptUpTo?: SizeCap;
}

export interface ServiceLimits {
  maxWeightG: number;
  maxLongestSideMm: number;
  /** Length + 2 × (width + height). */
  maxLengthPlusGirthMm?: number;
  maxSumOfSidesMm?: number;
  /** The highest declared value of goods the service carries. */
  maxValue?: Money;
}

export interface Warehouse {
  code: string;
  country: string;
  city: string;
}

export interface ServiceDefinition {
  code: string;
  name: string;
  path: ServicePath;
  /** The platform's recommended service (standard shipping): flagged in every quote list. */
  recommended: boolean;
  /** Countries parcels leave from; for a warehouse service, the warehouse's country. */
  origins: string[];
  warehouse?: Warehouse;
  /** Every price for this service (sheets, surcharges, fees) is in this currency. */
  currency: string;
  tracking: TrackingLevel;
  volumetric: VolumetricRule;
  billableWeight: { stepG: number; minimumG: number };
  limits: ServiceLimits;
  /** Set when the service clears duties for the buyer (DDP): the fee for prepaying them. */
  ddp: { fee: Money } | null;
  destinations: Destination[];
}

export interface Zone {
  code: string;
  name: string;
  country: string;
  /** Empty: the country's catch-all zone. */
  postalPrefixes: string[];
}

interface BracketRange {
  /** Weights above this, in grams… */
  fromG: number;
  /** …up to and including this. */
  toG: number;
}

/** `first` for the first `firstG`, plus `additional` for each further `additionalG` begun. */
export interface FirstAdditionalBracket extends BracketRange {
  kind: 'first_additional';
  firstG: number;
  first: Money;
  additionalG: number;
  additional: Money;
}

/** `perKg` × weight (half-up to the minor unit), plus `perParcel` as a registration fee. */
export interface PerKgBracket extends BracketRange {
  kind: 'per_kg';
  perKg: Money;
  perParcel: Money | null;
}

export type Bracket = FirstAdditionalBracket | PerKgBracket;

export interface RateSheet extends Dated {
  id: string;
  service: string;
  zone: string;
  currency: string;
  /** Contiguous from 0 g; a weight above the last `toG` is beyond the sheet. */
  brackets: Bracket[];
}

export interface FuelSurcharge extends Dated {
  id: string;
  service: string;
  /** A fraction as an exact decimal string: "0.2650" is 26.5 %. */
  rate: string;
  appliesTo: FuelBase[];
}

export type RemoteAreaCharge = { kind: 'per_shipment'; amount: Money } | { kind: 'per_kg'; perKg: Money; minimum: Money };

export interface RemoteArea {
  country: string;
  name: string;
  postalRanges: PostalRange[];
}

export interface RemoteAreaRule extends Dated {
  id: string;
  services: string[];
  currency: string;
  charge: RemoteAreaCharge;
  areas: RemoteArea[];
}

export interface OversizeRule extends Dated {
  id: string;
  services: string[];
  currency: string;
  longestSideOverMm?: number;
  lengthPlusGirthOverMm?: number;
  fee: Money;
}

export interface PickPackFee extends Dated {
  id: string;
  service: string;
  currency: string;
  perOrder: Money;
  perAdditionalUnit: Money;
}

export interface LogisticsData {
  /** Each file's `version`, so a quote can name the data it was priced with. */
  versions: Record<LogisticsFile, string>;
  services: ServiceDefinition[];
  zones: Zone[];
  rateSheets: RateSheet[];
  fuel: FuelSurcharge[];
  remoteAreas: RemoteAreaRule[];
  oversize: OversizeRule[];
  pickPack: PickPackFee[];
}

/** The four files' parsed JSON, as read from disk or built by a test. */
export type LogisticsFiles = Record<LogisticsFile, unknown>;

export class LogisticsDataError extends Error {
  override name = 'LogisticsDataError';

  constructor(
    /** The file the problem is in. */
    readonly file: string,
    /** The record, e.g. `sheets[3] (caravan_standard:ES:2026-06-01)`; empty for the file's top level. */
    readonly record: string,
    /** The field inside the record, e.g. `brackets[1].from_g`; empty when the whole record is meant. */
    readonly field: string,
    readonly problem: string,
  ) {
    const place = [record, field].filter(Boolean).join('.');
    super(`${file}: ${place === '' ? '' : `${place} `}${problem}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading helpers. Each takes the place being read so a failure names it exactly.

type Json = Record<string, unknown>;

interface Place {
  file: string;
  record: string;
}

const show = (value: unknown) => JSON.stringify(value) ?? String(value);

function fail(at: Place, field: string, problem: string): never {
  throw new LogisticsDataError(at.file, at.record, field, problem);
}

const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function only(record: Json, keys: readonly string[], at: Place, field = ''): void {
  for (const key of Object.keys(record)) {
    if (!keys.includes(key)) fail(at, field === '' ? key : `${field}.${key}`, 'is not a known field');
  }
}

function requireRecord(value: unknown, at: Place, field: string): Json {
  if (value === undefined) fail(at, field, 'is missing');
  if (!isRecord(value)) fail(at, field, 'must be an object');
  return value;
}

function requireArray(value: unknown, at: Place, field: string, { nonEmpty = true } = {}): unknown[] {
  if (value === undefined) fail(at, field, 'is missing');
  if (!Array.isArray(value)) fail(at, field, 'must be an array');
  if (nonEmpty && value.length === 0) fail(at, field, 'must not be empty');
  return value;
}

function requireString(value: unknown, at: Place, field: string): string {
  if (value === undefined) fail(at, field, 'is missing');
  if (typeof value !== 'string' || value.trim() === '') fail(at, field, `must be a non-empty string, got ${show(value)}`);
  return value;
}

function requireBoolean(value: unknown, at: Place, field: string): boolean {
  if (value === undefined) fail(at, field, 'is missing');
  if (typeof value !== 'boolean') fail(at, field, `must be true or false, got ${show(value)}`);
  return value;
}

function requireDate(value: unknown, at: Place, field: string): string {
  if (value === undefined) fail(at, field, 'is missing');
  if (typeof value !== 'string' || !isValidDate(value)) fail(at, field, `must be a real date as YYYY-MM-DD, got ${show(value)}`);
  return value;
}

/** A whole number of grams or millimetres, at least `min`. */
function requireWhole(value: unknown, at: Place, field: string, min = 1): number {
  if (value === undefined) fail(at, field, 'is missing');
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail(at, field, `must be a whole number, got ${show(value)}`);
  if (value < min) fail(at, field, `must be at least ${min}, got ${value}`);
  return value;
}

function optionalWhole(value: unknown, at: Place, field: string, min = 1): number | undefined {
  return value === undefined ? undefined : requireWhole(value, at, field, min);
}

/** An amount in minor units of `currency`; negative amounts are refused. */
function requireAmount(value: unknown, currency: string, at: Place, field: string): Money {
  if (value === undefined) fail(at, field, 'is missing');
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    fail(at, field, `must be a whole number of minor units of ${currency}, got ${show(value)}`);
  }
  if (value < 0) fail(at, field, `must not be negative, got ${value}`);
  return money(value, currency);
}

function requireCurrency(value: unknown, at: Place, field: string): string {
  const code = requireString(value, at, field);
  if (!isCurrency(code)) fail(at, field, `${show(code)} is not an ISO 4217 currency code`);
  return code;
}

const COUNTRY = /^[A-Z]{2}$/;

function requireCountry(value: unknown, at: Place, field: string): string {
  const code = requireString(value, at, field);
  if (!COUNTRY.test(code)) fail(at, field, `must be an upper-case ISO 3166-1 alpha-2 code, got ${show(code)}`);
  return code;
}

const CODE = /^[a-z0-9]+(?:_[a-z0-9]+)*$/;

function requireCode(value: unknown, at: Place, field: string): string {
  const code = requireString(value, at, field);
  if (!CODE.test(code)) fail(at, field, `must be lower_snake_case letters and digits, got ${show(code)}`);
  return code;
}

function requireOneOf<T extends string>(value: unknown, options: readonly T[], at: Place, field: string): T {
  if (value === undefined) fail(at, field, 'is missing');
  if (!(options as readonly unknown[]).includes(value)) fail(at, field, `must be one of ${options.join(', ')}, got ${show(value)}`);
  return value as T;
}

/** A fraction from 0 to 1 as a decimal string with at most four decimals ("0.2650"). */
const FRACTION = /^(?:0(?:\.\d{1,4})?|1(?:\.0{1,4})?)$/;

function requireFraction(value: unknown, at: Place, field: string): string {
  if (value === undefined) fail(at, field, 'is missing');
  if (typeof value === 'number') fail(at, field, `must be a decimal string such as "0.1250", not a number (${value})`);
  if (typeof value !== 'string' || !FRACTION.test(value)) fail(at, field, `must be a decimal string from 0 to 1 with at most 4 decimals, got ${show(value)}`);
  return value;
}

function requireDated(record: Json, at: Place): Dated {
  const validFrom = requireDate(record.valid_from, at, 'valid_from');
  if (record.valid_to === undefined) fail(at, 'valid_to', 'is missing (use null while no end is known)');
  const validTo = record.valid_to === null ? null : requireDate(record.valid_to, at, 'valid_to');
  if (validTo !== null && validTo < validFrom) fail(at, 'valid_to', `${validTo} is before valid_from ${validFrom}`);
  return { validFrom, validTo };
}

const POSTAL_PART = /^[A-Z0-9]+$/;

function parsePostalRange(value: unknown, at: Place, field: string, { named = false } = {}): PostalRange {
  const record = requireRecord(value, at, field);
  only(record, named ? ['from', 'to', 'name'] : ['from', 'to'], at, field);
  const from = requireString(record.from, at, `${field}.from`);
  const to = requireString(record.to, at, `${field}.to`);
  for (const [key, part] of [['from', from], ['to', to]] as const) {
    if (!POSTAL_PART.test(part)) fail(at, `${field}.${key}`, `must be upper-case letters and digits without spaces, got ${show(part)}`);
  }
  if (from.length !== to.length) fail(at, `${field}.to`, `must be as long as from (${show(from)}), got ${show(to)}`);
  if (to < from) fail(at, `${field}.to`, `${show(to)} is before from ${show(from)}`);
  const range: PostalRange = { from, to };
  if (named && record.name !== undefined) range.name = requireString(record.name, at, `${field}.name`);
  return range;
}

/** Lists a record's entries with the place each is read from, named by the record's id or code. */
function records(list: unknown[], file: string, collection: string, key: string): { record: Json; at: Place }[] {
  return list.map((entry, index) => {
    const bare: Place = { file, record: `${collection}[${index}]` };
    const record = requireRecord(entry, bare, '');
    const name = record[key];
    return { record, at: { file, record: typeof name === 'string' ? `${collection}[${index}] (${name})` : bare.record } };
  });
}

function unique<T>(items: { value: T; at: Place }[], field: string, what: string): void {
  const seen = new Map<T, Place>();
  for (const { value, at } of items) {
    const earlier = seen.get(value);
    if (earlier) fail(at, field, `${show(value)} is already the ${what} of ${earlier.record}`);
    seen.set(value, at);
  }
}

function header(json: unknown, file: string, collections: readonly string[]): { body: Json; version: string } {
  const top: Place = { file, record: '' };
  if (!isRecord(json)) fail(top, '', 'must hold a JSON object');
  only(json, ['description', 'source', 'version', 'recorded_on', ...collections], top);
  if (json.description !== undefined) requireString(json.description, top, 'description');
  requireString(json.source, top, 'source');
  const version = requireDate(json.version, top, 'version');
  requireDate(json.recorded_on, top, 'recorded_on');
  return { body: json, version };
}

// ---------------------------------------------------------------------------------------------
// Dates and postal codes.

export function overlaps(a: Dated, b: Dated): boolean {
  return a.validFrom <= (b.validTo ?? '9999-12-31') && b.validFrom <= (a.validTo ?? '9999-12-31');
}

export function inForceOn(record: Dated, date: string): boolean {
  return record.validFrom <= date && (record.validTo === null || date <= record.validTo);
}

const describeDates = (record: Dated) => `${record.validFrom} to ${record.validTo ?? 'open end'}`;

/** Upper case, without spaces and hyphens: "01310-100" → "01310100", "sw1a 1aa" → "SW1A1AA". */
export function normalizePostalCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '');
}

/** Whether a normalised postal code begins with a prefix inside the range. */
export function inPostalRange(postalCode: string, range: PostalRange): boolean {
  if (postalCode.length < range.from.length) return false;
  const prefix = postalCode.slice(0, range.from.length);
  return range.from <= prefix && prefix <= range.to;
}

// A range covers exactly the strings in [from, to + HIGH): HIGH sorts after every letter and digit.
const HIGH = '~';
const rangesOverlap = (a: PostalRange, b: PostalRange) => a.from < b.to + HIGH && b.from < a.to + HIGH;
const showRange = (range: PostalRange) => (range.from === range.to ? range.from : `${range.from}–${range.to}`);

// ---------------------------------------------------------------------------------------------
// services.json

const SERVICE_KEYS = [
  'code', 'name', 'path', 'recommended', 'origins', 'warehouse', 'currency', 'tracking', 'volumetric',
  'billable_weight', 'limits', 'ddp', 'destinations',
];

function parseService(record: Json, at: Place): ServiceDefinition {
  only(record, SERVICE_KEYS, at);
  const code = requireCode(record.code, at, 'code');
  const name = requireString(record.name, at, 'name');
  const servicePath = requireOneOf(record.path, SERVICE_PATHS, at, 'path');
  const recommended = requireBoolean(record.recommended, at, 'recommended');
  if (recommended && servicePath !== 'standard') fail(at, 'recommended', `only platform standard shipping can be the recommended service, not a ${servicePath} service`);
  const currency = requireCurrency(record.currency, at, 'currency');
  const tracking = requireOneOf(record.tracking, TRACKING_LEVELS, at, 'tracking');

  let warehouse: Warehouse | undefined;
  let origins: string[];
  if (servicePath === 'overseas_warehouse') {
    if (record.origins !== undefined) fail(at, 'origins', 'is not used by a warehouse service: it ships from its warehouse');
    const w = requireRecord(record.warehouse, at, 'warehouse');
    only(w, ['code', 'country', 'city'], at, 'warehouse');
    warehouse = { code: requireCode(w.code, at, 'warehouse.code'), country: requireCountry(w.country, at, 'warehouse.country'), city: requireString(w.city, at, 'warehouse.city') };
    origins = [warehouse.country];
  } else {
    if (record.warehouse !== undefined) fail(at, 'warehouse', `only applies to overseas_warehouse services, not ${servicePath}`);
    const list = requireArray(record.origins, at, 'origins');
    origins = list.map((value, i) => requireCountry(value, at, `origins[${i}]`));
    origins.forEach((country, i) => {
      if (origins.indexOf(country) !== i) fail(at, `origins[${i}]`, `${country} is listed twice`);
    });
  }

  const vol = requireRecord(record.volumetric, at, 'volumetric');
  only(vol, ['divisor', 'exempt_up_to'], at, 'volumetric');
  if (vol.divisor === undefined) fail(at, 'volumetric.divisor', 'is missing (use null when volumetric weight never applies)');
  const divisor = vol.divisor === null ? null : requireWhole(vol.divisor, at, 'volumetric.divisor');
  const volumetric: VolumetricRule = { divisor };
  if (vol.exempt_up_to !== undefined) {
    if (divisor === null) fail(at, 'volumetric.exempt_up_to', 'needs a divisor: without one, volumetric weight never applies anyway');
    const cap = requireRecord(vol.exempt_up_to, at, 'volumetric.exempt_up_to');
    only(cap, ['longest_side_mm', 'sum_of_sides_mm'], at, 'volumetric.exempt_up_to');
    const exemptUpTo: SizeCap = {};
    const longest = optionalWhole(cap.longest_side_mm, at, 'volumetric.exempt_up_to.longest_side_mm');
    const sum = optionalWhole(cap.sum_of_sides_mm, at, 'volumetric.exempt_up_to.sum_of_sides_mm');
    if (longest === undefined && sum === undefined) fail(at, 'volumetric.exempt_up_to', 'must state longest_side_mm, sum_of_sides_mm or both');
    if (longest !== undefined) exemptUpTo.longestSideMm = longest;
    if (sum !== undefined) exemptUpTo.sumOfSidesMm = sum;
    volumetric.exemptUpTo = exemptUpTo;
  }

  const bw = requireRecord(record.billable_weight, at, 'billable_weight');
  only(bw, ['step_g', 'minimum_g'], at, 'billable_weight');
  const billableWeight = {
    stepG: requireWhole(bw.step_g, at, 'billable_weight.step_g'),
    minimumG: optionalWhole(bw.minimum_g, at, 'billable_weight.minimum_g', 0) ?? 0,
  };

  const lim = requireRecord(record.limits, at, 'limits');
  only(lim, ['max_weight_g', 'max_longest_side_mm', 'max_length_plus_girth_mm', 'max_sum_of_sides_mm', 'max_value'], at, 'limits');
  const limits: ServiceLimits = {
    maxWeightG: requireWhole(lim.max_weight_g, at, 'limits.max_weight_g'),
    maxLongestSideMm: requireWhole(lim.max_longest_side_mm, at, 'limits.max_longest_side_mm'),
  };
  const girth = optionalWhole(lim.max_length_plus_girth_mm, at, 'limits.max_length_plus_girth_mm');
  if (girth !== undefined) limits.maxLengthPlusGirthMm = girth;
  const sumOfSides = optionalWhole(lim.max_sum_of_sides_mm, at, 'limits.max_sum_of_sides_mm');
  if (sumOfSides !== undefined) limits.maxSumOfSidesMm = sumOfSides;
  if (lim.max_value !== undefined) {
    const value = requireRecord(lim.max_value, at, 'limits.max_value');
    only(value, ['amount', 'currency'], at, 'limits.max_value');
    const valueCurrency = requireCurrency(value.currency, at, 'limits.max_value.currency');
    limits.maxValue = requireAmount(value.amount, valueCurrency, at, 'limits.max_value.amount');
  }

  if (record.ddp === undefined) fail(at, 'ddp', 'is missing (use null when the service does not clear duties)');
  let ddp: ServiceDefinition['ddp'] = null;
  if (record.ddp !== null) {
    if (servicePath === 'overseas_warehouse') fail(at, 'ddp', 'must be null: warehouse stock was cleared when it was imported');
    const d = requireRecord(record.ddp, at, 'ddp');
    only(d, ['fee'], at, 'ddp');
    ddp = { fee: requireAmount(d.fee, currency, at, 'ddp.fee') };
  }

  const destinations = requireArray(record.destinations, at, 'destinations').map((value, i) => {
    const field = `destinations[${i}]`;
    const d = requireRecord(value, at, field);
    only(d, ['country', 'delivery_days', 'carriers', 'excluded_postal_ranges'], at, field);
    const country = requireCountry(d.country, at, `${field}.country`);
    const days = requireRecord(d.delivery_days, at, `${field}.delivery_days`);
    only(days, ['min', 'max'], at, `${field}.delivery_days`);
    const min = requireWhole(days.min, at, `${field}.delivery_days.min`, 0);
    const max = requireWhole(days.max, at, `${field}.delivery_days.max`, 0);
    if (max < min) fail(at, `${field}.delivery_days.max`, `${max} is below min ${min}`);
    const carriers = requireArray(d.carriers, at, `${field}.carriers`).map((c, j) => requireCode(c, at, `${field}.carriers[${j}]`));
    const excludedPostalRanges =
      d.excluded_postal_ranges === undefined
        ? []
        : requireArray(d.excluded_postal_ranges, at, `${field}.excluded_postal_ranges`).map((r, j) =>
            parsePostalRange(r, at, `${field}.excluded_postal_ranges[${j}]`, { named: true }),
          );
    return { country, deliveryDays: { min, max }, carriers, excludedPostalRanges };
  });
  destinations.forEach((destination, i) => {
    const earlier = destinations.findIndex((d) => d.country === destination.country);
    if (earlier !== i) fail(at, `destinations[${i}].country`, `${destination.country} is already listed as destinations[${earlier}]`);
  });

  const service: ServiceDefinition = { code, name, path: servicePath, recommended, origins, currency, tracking, volumetric, billableWeight, limits, ddp, destinations };
  if (warehouse) service.warehouse = warehouse;
  return service;
}

function parseServices(json: unknown, file: string): { version: string; services: ServiceDefinition[]; places: Map<string, Place> } {
  const { body, version } = header(json, file, ['services']);
  const entries = records(requireArray(body.services, { file, record: '' }, 'services'), file, 'services', 'code');
  const services = entries.map(({ record, at }) => parseService(record, at));
  unique(services.map((s, i) => ({ value: s.code, at: entries[i]!.at })), 'code', 'code');
  const recommended = services.filter((s) => s.recommended);
  if (recommended.length !== 1) {
    fail({ file, record: '' }, 'services', `must flag exactly one recommended standard service, found ${recommended.length}${recommended.length > 0 ? ` (${recommended.map((s) => s.code).join(', ')})` : ''}`);
  }
  return { version, services, places: new Map(services.map((s, i) => [s.code, entries[i]!.at])) };
}

// ---------------------------------------------------------------------------------------------
// zones.json

function parseZones(json: unknown, file: string): { version: string; zones: Zone[] } {
  const { body, version } = header(json, file, ['zones']);
  const entries = records(requireArray(body.zones, { file, record: '' }, 'zones'), file, 'zones', 'code');
  const zones = entries.map(({ record, at }) => {
    only(record, ['code', 'name', 'country', 'postal_prefixes'], at);
    const code = requireString(record.code, at, 'code');
    if (!/^[A-Z0-9]+(?:-[A-Z0-9]+)*$/.test(code)) fail(at, 'code', `must be upper-case letters and digits joined by hyphens, got ${show(code)}`);
    const postalPrefixes =
      record.postal_prefixes === undefined
        ? []
        : requireArray(record.postal_prefixes, at, 'postal_prefixes').map((p, i) => {
            const prefix = requireString(p, at, `postal_prefixes[${i}]`);
            if (!POSTAL_PART.test(prefix)) fail(at, `postal_prefixes[${i}]`, `must be upper-case letters and digits without spaces, got ${show(prefix)}`);
            return prefix;
          });
    return { code, name: requireString(record.name, at, 'name'), country: requireCountry(record.country, at, 'country'), postalPrefixes };
  });
  unique(zones.map((z, i) => ({ value: z.code, at: entries[i]!.at })), 'code', 'code');

  // Within a country every prefix belongs to one zone, and exactly one zone takes the rest.
  const claimed = new Map<string, Place>();
  zones.forEach((zone, i) => {
    const at = entries[i]!.at;
    const keys = zone.postalPrefixes.length === 0 ? [{ key: `${zone.country}:`, field: 'postal_prefixes' }] : zone.postalPrefixes.map((p, j) => ({ key: `${zone.country}:${p}`, field: `postal_prefixes[${j}]` }));
    for (const { key, field } of keys) {
      const earlier = claimed.get(key);
      if (earlier) {
        fail(at, field, key.endsWith(':') ? `${zone.country} already has a catch-all zone without prefixes: ${earlier.record}` : `${show(key.split(':')[1])} is already claimed by ${earlier.record}`);
      }
      claimed.set(key, at);
    }
  });
  for (const country of new Set(zones.map((z) => z.country))) {
    if (!claimed.has(`${country}:`)) {
      const i = zones.findIndex((z) => z.country === country);
      fail(entries[i]!.at, 'postal_prefixes', `leaves part of ${country} without a zone: ${country} needs one zone without postal prefixes`);
    }
  }
  return { version, zones };
}

// ---------------------------------------------------------------------------------------------
// rate-sheets.json

function parseBracket(value: unknown, currency: string, at: Place, field: string): Bracket {
  const b = requireRecord(value, at, field);
  const fromG = requireWhole(b.from_g, at, `${field}.from_g`, 0);
  const toG = requireWhole(b.to_g, at, `${field}.to_g`);
  if (toG <= fromG) fail(at, `${field}.to_g`, `${toG} must be above from_g ${fromG}`);
  if (b.per_kg !== undefined) {
    only(b, ['from_g', 'to_g', 'per_kg', 'per_parcel'], at, field);
    const perKg = requireAmount(b.per_kg, currency, at, `${field}.per_kg`);
    const perParcel = b.per_parcel === undefined ? null : requireAmount(b.per_parcel, currency, at, `${field}.per_parcel`);
    return { kind: 'per_kg', fromG, toG, perKg, perParcel };
  }
  if (b.first_g === undefined) fail(at, field, 'must price by per_kg (with an optional per_parcel) or by first_g, first, additional_g and additional');
  only(b, ['from_g', 'to_g', 'first_g', 'first', 'additional_g', 'additional'], at, field);
  const firstG = requireWhole(b.first_g, at, `${field}.first_g`);
  if (firstG > toG) fail(at, `${field}.first_g`, `${firstG} is above the bracket's to_g ${toG}`);
  return {
    kind: 'first_additional',
    fromG,
    toG,
    firstG,
    first: requireAmount(b.first, currency, at, `${field}.first`),
    additionalG: requireWhole(b.additional_g, at, `${field}.additional_g`),
    additional: requireAmount(b.additional, currency, at, `${field}.additional`),
  };
}

function parseRateSheets(json: unknown, file: string, services: Map<string, ServiceDefinition>, zones: Map<string, Zone>): { version: string; rateSheets: RateSheet[] } {
  const { body, version } = header(json, file, ['sheets']);
  const entries = records(requireArray(body.sheets, { file, record: '' }, 'sheets'), file, 'sheets', 'id');
  const rateSheets = entries.map(({ record, at }) => {
    only(record, ['id', 'service', 'zone', 'currency', 'valid_from', 'valid_to', 'brackets'], at);
    const id = requireString(record.id, at, 'id');
    const serviceCode = requireString(record.service, at, 'service');
    const service = services.get(serviceCode);
    if (!service) fail(at, 'service', `${show(serviceCode)} is not a service in ${LOGISTICS_FILES.services}`);
    const zoneCode = requireString(record.zone, at, 'zone');
    const zone = zones.get(zoneCode);
    if (!zone) fail(at, 'zone', `${show(zoneCode)} is not a zone in ${LOGISTICS_FILES.zones}`);
    if (!service.destinations.some((d) => d.country === zone.country)) fail(at, 'zone', `${zoneCode} is in ${zone.country}, which ${serviceCode} does not deliver to`);
    const currency = requireCurrency(record.currency, at, 'currency');
    if (currency !== service.currency) fail(at, 'currency', `must be ${service.currency}, the currency of ${serviceCode}, got ${currency}`);
    const dated = requireDated(record, at);
    const brackets = requireArray(record.brackets, at, 'brackets').map((b, i) => parseBracket(b, currency, at, `brackets[${i}]`));
    brackets.forEach((bracket, i) => {
      const expected = i === 0 ? 0 : brackets[i - 1]!.toG;
      if (bracket.fromG === expected) return;
      const problem = i === 0 ? 'the first bracket must start at 0 g' : bracket.fromG > expected ? `leaves a gap from ${expected} g to ${bracket.fromG} g` : `overlaps brackets[${i - 1}], which runs to ${expected} g`;
      fail(at, `brackets[${i}].from_g`, `is ${bracket.fromG}: ${problem}`);
    });
    return { id, service: serviceCode, zone: zoneCode, currency, ...dated, brackets };
  });
  unique(rateSheets.map((s, i) => ({ value: s.id, at: entries[i]!.at })), 'id', 'id');
  rateSheets.forEach((sheet, i) => {
    for (let j = 0; j < i; j++) {
      const other = rateSheets[j]!;
      if (other.service === sheet.service && other.zone === sheet.zone && overlaps(other, sheet)) {
        fail(entries[i]!.at, 'valid_from', `${describeDates(sheet)} overlaps ${entries[j]!.at.record} (${describeDates(other)}) for ${sheet.service} in zone ${sheet.zone}`);
      }
    }
  });
  return { version, rateSheets };
}

// ---------------------------------------------------------------------------------------------
// surcharges.json

function serviceList(value: unknown, currency: string, at: Place, services: Map<string, ServiceDefinition>): string[] {
  const list = requireArray(value, at, 'services').map((v, i) => {
    const code = requireString(v, at, `services[${i}]`);
    const service = services.get(code);
    if (!service) fail(at, `services[${i}]`, `${show(code)} is not a service in ${LOGISTICS_FILES.services}`);
    if (service.currency !== currency) fail(at, `services[${i}]`, `${code} is priced in ${service.currency}, not in this record's ${currency}`);
    return code;
  });
  list.forEach((code, i) => {
    if (list.indexOf(code) !== i) fail(at, `services[${i}]`, `${code} is listed twice`);
  });
  return list;
}

function oneService(value: unknown, at: Place, services: Map<string, ServiceDefinition>): ServiceDefinition {
  const code = requireString(value, at, 'service');
  const service = services.get(code);
  if (!service) fail(at, 'service', `${show(code)} is not a service in ${LOGISTICS_FILES.services}`);
  return service;
}

function noOverlapPerService<T extends Dated & { service: string }>(items: T[], places: Place[], what: string): void {
  items.forEach((item, i) => {
    for (let j = 0; j < i; j++) {
      const other = items[j]!;
      if (other.service === item.service && overlaps(other, item)) {
        fail(places[i]!, 'valid_from', `${describeDates(item)} overlaps ${places[j]!.record} (${describeDates(other)}): ${item.service} can have only one ${what} in force at a time`);
      }
    }
  });
}

function parseSurcharges(
  json: unknown,
  file: string,
  services: Map<string, ServiceDefinition>,
): { version: string; fuel: FuelSurcharge[]; remoteAreas: RemoteAreaRule[]; oversize: OversizeRule[]; pickPack: PickPackFee[] } {
  const { body, version } = header(json, file, ['fuel', 'remote_areas', 'oversize', 'pick_pack']);
  const top: Place = { file, record: '' };

  const fuelEntries = records(requireArray(body.fuel, top, 'fuel', { nonEmpty: false }), file, 'fuel', 'id');
  const fuel = fuelEntries.map(({ record, at }) => {
    only(record, ['id', 'service', 'valid_from', 'valid_to', 'rate', 'applies_to'], at);
    const id = requireString(record.id, at, 'id');
    const service = oneService(record.service, at, services).code;
    const dated = requireDated(record, at);
    const rate = requireFraction(record.rate, at, 'rate');
    const appliesTo = requireArray(record.applies_to, at, 'applies_to').map((v, i) => requireOneOf(v, FUEL_BASES, at, `applies_to[${i}]`));
    appliesTo.forEach((base, i) => {
      if (appliesTo.indexOf(base) !== i) fail(at, `applies_to[${i}]`, `${base} is listed twice`);
    });
    return { id, service, ...dated, rate, appliesTo };
  });
  noOverlapPerService(fuel, fuelEntries.map((e) => e.at), 'fuel surcharge');

  const remoteEntries = records(requireArray(body.remote_areas, top, 'remote_areas', { nonEmpty: false }), file, 'remote_areas', 'id');
  const remoteAreas = remoteEntries.map(({ record, at }) => {
    only(record, ['id', 'services', 'currency', 'valid_from', 'valid_to', 'charge', 'areas'], at);
    const id = requireString(record.id, at, 'id');
    const currency = requireCurrency(record.currency, at, 'currency');
    const codes = serviceList(record.services, currency, at, services);
    const dated = requireDated(record, at);
    const c = requireRecord(record.charge, at, 'charge');
    let charge: RemoteAreaCharge;
    if (c.per_shipment !== undefined) {
      only(c, ['per_shipment'], at, 'charge');
      charge = { kind: 'per_shipment', amount: requireAmount(c.per_shipment, currency, at, 'charge.per_shipment') };
    } else if (c.per_kg !== undefined) {
      only(c, ['per_kg', 'minimum'], at, 'charge');
      charge = { kind: 'per_kg', perKg: requireAmount(c.per_kg, currency, at, 'charge.per_kg'), minimum: requireAmount(c.minimum, currency, at, 'charge.minimum') };
    } else {
      fail(at, 'charge', 'must state per_shipment, or per_kg with a minimum');
    }
    const areas = requireArray(record.areas, at, 'areas').map((v, i) => {
      const field = `areas[${i}]`;
      const a = requireRecord(v, at, field);
      only(a, ['country', 'name', 'postal_ranges'], at, field);
      const country = requireCountry(a.country, at, `${field}.country`);
      for (const code of codes) {
        if (!services.get(code)!.destinations.some((d) => d.country === country)) fail(at, `${field}.country`, `${country} is not a destination of ${code}`);
      }
      const postalRanges = requireArray(a.postal_ranges, at, `${field}.postal_ranges`).map((r, j) => parsePostalRange(r, at, `${field}.postal_ranges[${j}]`));
      return { country, name: requireString(a.name, at, `${field}.name`), postalRanges };
    });
    return { id, services: codes, currency, ...dated, charge, areas };
  });
  // One postal code, one service, one date: at most one remote-area fee.
  const claims = remoteAreas.flatMap((rule, r) =>
    rule.areas.flatMap((area, a) =>
      area.postalRanges.map((range, p) => ({ rule, area, range, at: remoteEntries[r]!.at, field: `areas[${a}].postal_ranges[${p}]` })),
    ),
  );
  claims.forEach((claim, i) => {
    for (let j = 0; j < i; j++) {
      const other = claims[j]!;
      const shared = claim.rule.services.find((s) => other.rule.services.includes(s));
      if (shared && other.area.country === claim.area.country && overlaps(other.rule, claim.rule) && rangesOverlap(other.range, claim.range)) {
        fail(claim.at, claim.field, `${claim.area.country} ${showRange(claim.range)} overlaps ${showRange(other.range)} in ${other.at.record}.${other.field} for ${shared} (both in force ${describeDates(overlapOf(claim.rule, other.rule))})`);
      }
    }
  });

  const oversizeEntries = records(requireArray(body.oversize, top, 'oversize', { nonEmpty: false }), file, 'oversize', 'id');
  const oversize = oversizeEntries.map(({ record, at }) => {
    only(record, ['id', 'services', 'currency', 'valid_from', 'valid_to', 'when', 'fee'], at);
    const id = requireString(record.id, at, 'id');
    const currency = requireCurrency(record.currency, at, 'currency');
    const codes = serviceList(record.services, currency, at, services);
    const dated = requireDated(record, at);
    const when = requireRecord(record.when, at, 'when');
    only(when, ['longest_side_over_mm', 'length_plus_girth_over_mm'], at, 'when');
    const rule: OversizeRule = { id, services: codes, currency, ...dated, fee: requireAmount(record.fee, currency, at, 'fee') };
    const longest = optionalWhole(when.longest_side_over_mm, at, 'when.longest_side_over_mm');
    const girth = optionalWhole(when.length_plus_girth_over_mm, at, 'when.length_plus_girth_over_mm');
    if (longest === undefined && girth === undefined) fail(at, 'when', 'must state longest_side_over_mm, length_plus_girth_over_mm or both');
    if (longest !== undefined) rule.longestSideOverMm = longest;
    if (girth !== undefined) rule.lengthPlusGirthOverMm = girth;
    return rule;
  });

  const pickEntries = records(requireArray(body.pick_pack, top, 'pick_pack', { nonEmpty: false }), file, 'pick_pack', 'id');
  const pickPack = pickEntries.map(({ record, at }) => {
    only(record, ['id', 'service', 'currency', 'valid_from', 'valid_to', 'per_order', 'per_additional_unit'], at);
    const id = requireString(record.id, at, 'id');
    const service = oneService(record.service, at, services);
    if (service.path !== 'overseas_warehouse') fail(at, 'service', `${service.code} is a ${service.path} service; pick/pack fees belong to overseas_warehouse services`);
    const currency = requireCurrency(record.currency, at, 'currency');
    if (currency !== service.currency) fail(at, 'currency', `must be ${service.currency}, the currency of ${service.code}, got ${currency}`);
    const dated = requireDated(record, at);
    return {
      id,
      service: service.code,
      currency,
      ...dated,
      perOrder: requireAmount(record.per_order, currency, at, 'per_order'),
      perAdditionalUnit: requireAmount(record.per_additional_unit, currency, at, 'per_additional_unit'),
    };
  });
  noOverlapPerService(pickPack, pickEntries.map((e) => e.at), 'pick/pack fee');

  const ids = [...fuelEntries, ...remoteEntries, ...oversizeEntries, ...pickEntries];
  unique([...fuel, ...remoteAreas, ...oversize, ...pickPack].map((r, i) => ({ value: r.id, at: ids[i]!.at })), 'id', 'id');
  return { version, fuel, remoteAreas, oversize, pickPack };
}

function overlapOf(a: Dated, b: Dated): Dated {
  const validFrom = a.validFrom > b.validFrom ? a.validFrom : b.validFrom;
  const ends = [a.validTo, b.validTo].filter((d): d is string => d !== null).sort();
  return { validFrom, validTo: ends[0] ?? null };
}

// ---------------------------------------------------------------------------------------------
// The whole set.

/**
 * Checks the four files' content together and returns it typed, with Money amounts. Throws a
 * LogisticsDataError naming the file, record and field of the first problem, e.g.
 * `rate-sheets.json: sheets[3] (caravan_standard:ES:2026-12-01).brackets[1].from_g is 2100: leaves a gap from 2000 g to 2100 g`.
 * `names` replaces the file names used in messages (the loader passes full paths).
 */
export function parseLogisticsData(files: LogisticsFiles, names: Partial<Record<LogisticsFile, string>> = {}): LogisticsData {
  const name = (file: LogisticsFile) => names[file] ?? LOGISTICS_FILES[file];
  const { version: servicesVersion, services, places } = parseServices(files.services, name('services'));
  const { version: zonesVersion, zones } = parseZones(files.zones, name('zones'));
  const serviceMap = new Map(services.map((s) => [s.code, s]));
  const zoneMap = new Map(zones.map((z) => [z.code, z]));
  const { version: sheetsVersion, rateSheets } = parseRateSheets(files.rateSheets, name('rateSheets'), serviceMap, zoneMap);
  const surcharges = parseSurcharges(files.surcharges, name('surcharges'), serviceMap);

  // Every zone a service delivers to must be priced by at least one of its sheets.
  for (const service of services) {
    const at = places.get(service.code)!;
    service.destinations.forEach((destination, i) => {
      const countryZones = zones.filter((z) => z.country === destination.country);
      if (countryZones.length === 0) fail(at, `destinations[${i}].country`, `${destination.country} has no zone in ${name('zones')}`);
      for (const zone of countryZones) {
        if (!rateSheets.some((s) => s.service === service.code && s.zone === zone.code)) {
          fail(at, `destinations[${i}].country`, `${destination.country}: zone ${zone.code} has no rate sheet for ${service.code} in ${name('rateSheets')}`);
        }
      }
    });
    if (service.path === 'overseas_warehouse' && !surcharges.pickPack.some((p) => p.service === service.code)) {
      fail(at, 'path', `${service.code} is a warehouse service without a pick/pack fee in ${name('surcharges')}`);
    }
  }

  return {
    versions: { services: servicesVersion, zones: zonesVersion, rateSheets: sheetsVersion, surcharges: surcharges.version },
    services,
    zones,
    rateSheets,
    fuel: surcharges.fuel,
    remoteAreas: surcharges.remoteAreas,
    oversize: surcharges.oversize,
    pickPack: surcharges.pickPack,
  };
}

/** The four files of a folder such as `data/logistics/` as JSON, unchecked, with their paths. */
export function readLogisticsFiles(dir: string = LOGISTICS_DATA_DIR): { files: LogisticsFiles; names: Record<LogisticsFile, string> } {
  const files = {} as LogisticsFiles;
  const names = {} as Record<LogisticsFile, string>;
  for (const key of Object.keys(LOGISTICS_FILES) as LogisticsFile[]) {
    const file = path.join(dir, LOGISTICS_FILES[key]);
    names[key] = file;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new LogisticsDataError(file, '', '', `cannot be read: ${(error as Error).message}`);
    }
    try {
      files[key] = JSON.parse(text);
    } catch (error) {
      throw new LogisticsDataError(file, '', '', `is not valid JSON: ${(error as Error).message}`);
    }
  }
  return { files, names };
}

/** Reads and checks the logistics files in a folder such as `data/logistics/`. */
export function loadLogisticsData(dir: string = LOGISTICS_DATA_DIR): LogisticsData {
  const { files, names } = readLogisticsFiles(dir);
  return parseLogisticsData(files, names);
}

// ---------------------------------------------------------------------------------------------
// Look-ups on a date.

export function serviceByCode(data: LogisticsData, code: string): ServiceDefinition | undefined {
  return data.services.find((s) => s.code === code);
}

/** The zone of a destination: its country's zone with the longest matching prefix, else the catch-all. */
export function zoneFor(data: LogisticsData, country: string, postalCode: string): Zone | undefined {
  const code = normalizePostalCode(postalCode);
  let best: { zone: Zone; length: number } | undefined;
  for (const zone of data.zones) {
    if (zone.country !== country) continue;
    const lengths = zone.postalPrefixes.length === 0 ? [0] : zone.postalPrefixes.filter((p) => code.startsWith(p)).map((p) => p.length);
    for (const length of lengths) {
      if (!best || length > best.length) best = { zone, length };
    }
  }
  return best?.zone;
}

/** The rate sheet in force on `date` for a service and zone (the data allows at most one). */
export function rateSheetOn(data: LogisticsData, serviceCode: string, zoneCode: string, date: string): RateSheet | undefined {
  return data.rateSheets.find((s) => s.service === serviceCode && s.zone === zoneCode && inForceOn(s, date));
}

export function fuelSurchargeOn(data: LogisticsData, serviceCode: string, date: string): FuelSurcharge | undefined {
  return data.fuel.find((f) => f.service === serviceCode && inForceOn(f, date));
}

/** The remote-area rule and area a destination falls in for a service on a date, if any. */
export function remoteAreaOn(
  data: LogisticsData,
  serviceCode: string,
  country: string,
  postalCode: string,
  date: string,
): { rule: RemoteAreaRule; area: RemoteArea } | undefined {
  const code = normalizePostalCode(postalCode);
  for (const rule of data.remoteAreas) {
    if (!rule.services.includes(serviceCode) || !inForceOn(rule, date)) continue;
    const area = rule.areas.find((a) => a.country === country && a.postalRanges.some((r) => inPostalRange(code, r)));
    if (area) return { rule, area };
  }
  return undefined;
}

export function oversizeRulesOn(data: LogisticsData, serviceCode: string, date: string): OversizeRule[] {
  return data.oversize.filter((o) => o.services.includes(serviceCode) && inForceOn(o, date));
}

export function pickPackFeeOn(data: LogisticsData, serviceCode: string, date: string): PickPackFee | undefined {
  return data.pickPack.find((p) => p.service === serviceCode && inForceOn(p, date));
}

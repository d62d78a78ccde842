/**
 * The carrier registry: every carrier the platform can track, as data
 * (`data/carriers/carriers.json`), checked hard on load.
 *
 * A record names the carrier, the countries it serves, where to send a buyer to track a parcel,
 * the shapes of its tracking numbers (a regex, the check-digit algorithm, and an example that must
 * pass both — so a typo in a regex or an algorithm id is caught on load, not by a seller), how its
 * raw event codes and texts map to the canonical statuses, and what its integration can do
 * (track, rate, label, webhook).
 *
 * The loader fails on the first problem and says where: the record (index and code), the field,
 * and what is wrong. It rejects unknown fields too, because a misspelt "check_digit" would
 * otherwise silently turn a verified format into a bare pattern.
 *
 * Status maps may extend shared maps defined once at the top of the file: the UPU's EDI event
 * codes, for example, are the same for every post that exchanges them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DATA_DIR } from '../../platform/paths.ts';
import {
  type CheckDigitAlgorithm,
  type DetectOptions,
  type Detection,
  type NumberValidation,
  CHECK_DIGIT_ALGORITHMS,
  detectCarriers,
  fixedCharacters,
  isCheckDigitAlgorithm,
  matchFormat,
  normalizeTrackingNumber,
  parseS10,
  validateForCarrier,
} from './numbers.ts';
import {
  type CarrierStatusMap,
  type KeywordRule,
  type StatusMapping,
  compileKeyword,
  normalizeEventCode,
  parseStatusMapping,
} from './status.ts';

/** `platform` is the marketplace's own logistics network: its numbers no outside provider knows. */
export const CARRIER_KINDS = ['post', 'consolidator', 'express', 'last_mile', 'platform'] as const;
export type CarrierKind = (typeof CARRIER_KINDS)[number];

export const CAPABILITIES = ['track', 'rate', 'label', 'webhook'] as const;
export type Capability = (typeof CAPABILITIES)[number];

export interface NumberFormat {
  name: string;
  /** The regex as written in the registry. */
  pattern: string;
  regex: RegExp;
  checkDigit: CheckDigitAlgorithm;
  example: string;
  /**
   * False for catch-all shapes ("8 to 20 letters and digits") that say nothing about who issued
   * a number: they validate a number a seller enters for this carrier but never suggest the
   * carrier on their own.
   */
  detect: boolean;
  /** How many characters the regex fixes; ranks formats that both fit a number. */
  specificity: number;
}

export interface Carrier {
  code: string;
  name: string;
  kind: CarrierKind;
  /** ISO 3166-1 alpha-2 codes of the countries it serves, or ["*"] for worldwide networks. */
  countries: readonly string[];
  /** For posts (and their EMS or parcel arms): the country suffix of the S10 numbers they issue. */
  s10Country?: string;
  /** Absolute, or for the platform's own network a path on the marketplace's own host. */
  website: string;
  /** With `{number}` where the tracking number goes; absolute, or a path as `website`. */
  trackingUrl: string;
  numberFormats: readonly NumberFormat[];
  statusMap: CarrierStatusMap;
  capabilities: readonly Capability[];
  /** Place in the registry, the last tie-breaker when ranking candidates. */
  position: number;
}

export interface CarrierRegistry {
  version: string;
  recordedOn: string;
  sources: string;
  carriers: readonly Carrier[];
  get(code: string): Carrier | undefined;
  /** Carriers whose formats fit a number, best first (see numbers.ts). */
  detectCarriers(input: string, options?: DetectOptions): Detection;
  /** Checks a number a seller enters for a carrier they name. */
  validateForCarrier(code: string, input: string): NumberValidation;
}

export class CarrierRegistryError extends Error {
  override name = 'CarrierRegistryError';
}

/** The URL that shows a parcel on the carrier's own site. */
export function trackingUrlFor(carrier: Pick<Carrier, 'trackingUrl'>, number: string): string {
  return carrier.trackingUrl.replace('{number}', encodeURIComponent(normalizeTrackingNumber(number)));
}

/* ------------------------------------------------------------------------------------------------
 * Parsing
 * --------------------------------------------------------------------------------------------- */

const CODE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const COUNTRY = /^[A-Z]{2}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TOP_FIELDS = ['version', 'recorded_on', 'sources', 'shared_status_maps', 'carriers'];
const CARRIER_FIELDS = ['code', 'name', 'kind', 'countries', 's10_country', 'website', 'tracking_url', 'number_formats', 'status_map', 'capabilities'];
const FORMAT_FIELDS = ['name', 'regex', 'check_digit', 'example', 'detect'];
const STATUS_MAP_FIELDS = ['extends', 'codes', 'coarse_codes', 'keywords'];
const SHARED_MAP_FIELDS = ['description', 'codes', 'coarse_codes', 'keywords'];

function fail(where: string, problem: string): never {
  throw new CarrierRegistryError(`${where} ${problem}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function object(value: unknown, where: string, fields: readonly string[]): Record<string, unknown> {
  if (!isObject(value)) fail(where, 'must be an object');
  for (const key of Object.keys(value)) if (!fields.includes(key)) fail(`${where}.${key}`, `is not a known field (${fields.join(', ')})`);
  return value;
}

function text(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.trim() === '') fail(where, `must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

/** An absolute http(s) URL; a path ("/…", on the marketplace's own host) too where `ownHost` allows it. */
function httpsUrl(value: unknown, where: string, ownHost = false): string {
  const url = text(value, where);
  if (ownHost && /^\/(?!\/)\S*$/.test(url)) return url;
  if (!/^https?:\/\/[^\s/]+\.[^\s/]+/.test(url)) fail(where, `must be an http(s) URL${ownHost ? ' or a path from the marketplace’s own root' : ''}, got ${JSON.stringify(url)}`);
  return url;
}

function list(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value) || value.length === 0) fail(where, 'must be a non-empty array');
  return value;
}

interface MapParts {
  codes: Map<string, StatusMapping>;
  coarseCodes: Map<string, StatusMapping>;
  keywords: KeywordRule[];
}

function mappings(value: unknown, where: string, into: Map<string, StatusMapping>): void {
  if (value === undefined) return;
  if (!isObject(value)) fail(where, 'must be an object of code → "status" or "status/sub_status"');
  const seen = new Set<string>();
  for (const [raw, target] of Object.entries(value)) {
    const code = normalizeEventCode(raw);
    const at = `${where}.${raw}`;
    if (code === '') fail(where, 'has an empty code');
    if (seen.has(code)) fail(at, `repeats code ${code} (codes are compared in upper case)`);
    seen.add(code);
    if (typeof target !== 'string') fail(at, `must be "status" or "status/sub_status", got ${JSON.stringify(target)}`);
    const mapping = parseStatusMapping(target);
    if (typeof mapping === 'string') fail(at, mapping);
    into.set(code, mapping);
  }
}

function keywordRules(value: unknown, where: string, into: KeywordRule[]): void {
  if (value === undefined) return;
  if (!isObject(value)) fail(where, 'must be an object of keyword → "status" or "status/sub_status"');
  for (const [keyword, target] of Object.entries(value)) {
    const at = `${where}.${JSON.stringify(keyword)}`;
    if (typeof target !== 'string') fail(at, `must be "status" or "status/sub_status", got ${JSON.stringify(target)}`);
    const mapping = parseStatusMapping(target);
    if (typeof mapping === 'string') fail(at, mapping);
    const rule = compileKeyword(keyword, mapping);
    if (typeof rule === 'string') fail(at, rule);
    const twin = into.find((known) => known.folded === rule.folded);
    if (twin) fail(at, `is the same keyword as ${JSON.stringify(twin.keyword)} once case and accents are folded`);
    into.push(rule);
  }
}

function mapParts(value: Record<string, unknown>, where: string): MapParts {
  const parts: MapParts = { codes: new Map(), coarseCodes: new Map(), keywords: [] };
  mappings(value.codes, `${where}.codes`, parts.codes);
  mappings(value.coarse_codes, `${where}.coarse_codes`, parts.coarseCodes);
  keywordRules(value.keywords, `${where}.keywords`, parts.keywords);
  return parts;
}

function statusMap(value: unknown, where: string, shared: ReadonlyMap<string, MapParts>): CarrierStatusMap {
  if (value === undefined) return { codes: new Map(), coarseCodes: new Map(), keywords: [] };
  const raw = object(value, where, STATUS_MAP_FIELDS);
  const codes = new Map<string, StatusMapping>();
  const coarseCodes = new Map<string, StatusMapping>();
  const keywords: KeywordRule[] = [];
  const bases = raw.extends === undefined ? [] : list(raw.extends, `${where}.extends`);
  bases.forEach((base, i) => {
    const parts = typeof base === 'string' ? shared.get(base) : undefined;
    if (!parts) fail(`${where}.extends[${i}]`, `names no shared status map: ${JSON.stringify(base)} (known: ${[...shared.keys()].join(', ') || 'none'})`);
    for (const [code, mapping] of parts.codes) codes.set(code, mapping);
    for (const [code, mapping] of parts.coarseCodes) coarseCodes.set(code, mapping);
    keywords.push(...parts.keywords);
  });
  // The carrier's own entries override what it extends.
  const own = mapParts(raw, where);
  for (const [code, mapping] of own.codes) codes.set(code, mapping);
  for (const [code, mapping] of own.coarseCodes) coarseCodes.set(code, mapping);
  const ownFolded = new Set(own.keywords.map((rule) => rule.folded));
  return { codes, coarseCodes, keywords: [...own.keywords, ...keywords.filter((rule) => !ownFolded.has(rule.folded))] };
}

function numberFormat(value: unknown, where: string): NumberFormat {
  const raw = object(value, where, FORMAT_FIELDS);
  const name = text(raw.name, `${where}.name`);
  const at = `${where} (${name})`;
  const pattern = text(raw.regex, `${at}.regex`);
  if (!pattern.startsWith('^') || !pattern.endsWith('$')) fail(`${at}.regex`, `must match the whole number: start with ^ and end with $, got ${JSON.stringify(pattern)}`);
  let regex: RegExp;
  try {
    regex = new RegExp(pattern);
  } catch (error) {
    fail(`${at}.regex`, `is not a valid regular expression: ${(error as Error).message}`);
  }
  const checkDigit = raw.check_digit;
  if (!isCheckDigitAlgorithm(checkDigit)) fail(`${at}.check_digit`, `must be one of ${CHECK_DIGIT_ALGORITHMS.join(', ')}, got ${JSON.stringify(checkDigit)}`);
  const groups = ['body', 'check'].filter((group) => pattern.includes(`(?<${group}>`));
  if (groups.length === 1) fail(`${at}.regex`, 'names only one of the groups "body" and "check"; name both or neither');
  if (groups.length === 2 && checkDigit === 'none') fail(`${at}.regex`, 'names body and check groups but check_digit is "none"');
  const example = text(raw.example, `${at}.example`);
  if (normalizeTrackingNumber(example) !== example) fail(`${at}.example`, `must be written as it is matched: upper case, no spaces or dashes (${JSON.stringify(normalizeTrackingNumber(example))})`);
  const match = matchFormat({ regex, checkDigit }, example);
  if (!match.matches) fail(`${at}.example`, `${JSON.stringify(example)} does not match its regex ${pattern}`);
  if (match.checkDigit === 'failed') {
    const expected = match.expected === undefined ? 'a body the algorithm can read' : match.expected;
    fail(`${at}.example`, `${JSON.stringify(example)} fails its ${checkDigit} check digit: expected ${expected}, found ${match.found}`);
  }
  const detect = raw.detect;
  if (detect !== undefined && typeof detect !== 'boolean') fail(`${at}.detect`, `must be true or false, got ${JSON.stringify(detect)}`);
  return { name, pattern, regex, checkDigit, example, detect: detect ?? true, specificity: fixedCharacters(pattern) };
}

/** Checks a registry in the file format and returns it compiled; errors say exactly where. */
export function parseCarrierRegistry(json: unknown): CarrierRegistry {
  const top = object(json, 'the registry', TOP_FIELDS);
  const version = text(top.version, 'version');
  const recordedOn = text(top.recorded_on, 'recorded_on');
  if (!DATE.test(recordedOn) || Number.isNaN(Date.parse(`${recordedOn}T00:00:00Z`))) fail('recorded_on', `must be a date YYYY-MM-DD, got ${JSON.stringify(recordedOn)}`);
  const sources = text(top.sources, 'sources');

  const shared = new Map<string, MapParts>();
  if (top.shared_status_maps !== undefined) {
    if (!isObject(top.shared_status_maps)) fail('shared_status_maps', 'must be an object of named status maps');
    for (const [name, value] of Object.entries(top.shared_status_maps)) {
      const where = `shared_status_maps.${name}`;
      shared.set(name, mapParts(object(value, where, SHARED_MAP_FIELDS), where));
    }
  }

  const carriers: Carrier[] = [];
  const positions = new Map<string, number>();
  list(top.carriers, 'carriers').forEach((value, position) => {
    let where = `carriers[${position}]`;
    const raw = object(value, where, CARRIER_FIELDS);
    const code = text(raw.code, `${where}.code`);
    if (!CODE.test(code)) fail(`${where}.code`, `must be a lower-case slug such as "china-post", got ${JSON.stringify(code)}`);
    const earlier = positions.get(code);
    if (earlier !== undefined) fail(`${where}.code`, `repeats ${code}, already at carriers[${earlier}]`);
    positions.set(code, position);
    where = `carriers[${position}] (${code})`;

    const name = text(raw.name, `${where}.name`);
    const kind = raw.kind;
    if (typeof kind !== 'string' || !(CARRIER_KINDS as readonly string[]).includes(kind)) fail(`${where}.kind`, `must be one of ${CARRIER_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
    const countries = list(raw.countries, `${where}.countries`).map((country, i) => {
      if (typeof country !== 'string' || !(COUNTRY.test(country) || country === '*')) fail(`${where}.countries[${i}]`, `must be an ISO 3166-1 alpha-2 code or "*", got ${JSON.stringify(country)}`);
      return country;
    });
    if (countries.includes('*') && countries.length > 1) fail(`${where}.countries`, '"*" (worldwide) stands alone');
    if (new Set(countries).size !== countries.length) fail(`${where}.countries`, 'lists a country twice');
    // Only the platform's own network is tracked on the marketplace's own pages, wherever it is hosted.
    const ownHost = kind === 'platform';
    const website = httpsUrl(raw.website, `${where}.website`, ownHost);
    const trackingUrl = httpsUrl(raw.tracking_url, `${where}.tracking_url`, ownHost);
    if (trackingUrl.split('{number}').length !== 2) fail(`${where}.tracking_url`, `must contain {number} exactly once, got ${JSON.stringify(trackingUrl)}`);

    const numberFormats = list(raw.number_formats, `${where}.number_formats`).map((format, i) => numberFormat(format, `${where}.number_formats[${i}]`));
    const formatNames = numberFormats.map((format) => format.name);
    const repeated = formatNames.find((formatName, i) => formatNames.indexOf(formatName) !== i);
    if (repeated !== undefined) fail(`${where}.number_formats`, `names two formats ${JSON.stringify(repeated)}`);

    let s10Country: string | undefined;
    if (raw.s10_country !== undefined) {
      const country = raw.s10_country;
      if (typeof country !== 'string' || !COUNTRY.test(country)) fail(`${where}.s10_country`, `must be an ISO 3166-1 alpha-2 code, got ${JSON.stringify(country)}`);
      const issuing = numberFormats.some((format) => format.checkDigit === 's10' && parseS10(format.example)?.country === country);
      if (!issuing) fail(`${where}.s10_country`, `is ${country}, but no s10 format of this carrier has an example ending in ${country}`);
      s10Country = country;
    }

    const capabilities = list(raw.capabilities, `${where}.capabilities`).map((capability, i) => {
      if (typeof capability !== 'string' || !(CAPABILITIES as readonly string[]).includes(capability)) fail(`${where}.capabilities[${i}]`, `must be one of ${CAPABILITIES.join(', ')}, got ${JSON.stringify(capability)}`);
      return capability as Capability;
    });
    if (new Set(capabilities).size !== capabilities.length) fail(`${where}.capabilities`, 'lists a capability twice');

    carriers.push({
      code,
      name,
      kind: kind as CarrierKind,
      countries,
      ...(s10Country !== undefined ? { s10Country } : {}),
      website,
      trackingUrl,
      numberFormats,
      statusMap: statusMap(raw.status_map, `${where}.status_map`, shared),
      capabilities,
      position,
    });
  });

  const byCode = new Map(carriers.map((carrier) => [carrier.code, carrier]));
  const registry: CarrierRegistry = {
    version,
    recordedOn,
    sources,
    carriers,
    get: (code) => byCode.get(code),
    detectCarriers: (input, options) => detectCarriers(registry, input, options),
    validateForCarrier: (code, input) => validateForCarrier(registry, code, input),
  };
  return registry;
}

export const CARRIERS_FILE = path.join(DATA_DIR, 'carriers', 'carriers.json');

/** Reads and checks a registry file such as `data/carriers/carriers.json`. */
export function loadCarrierRegistryFile(file: string): CarrierRegistry {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CarrierRegistryError(`Cannot read carrier registry ${file}: ${(error as Error).message}`);
  }
  try {
    return parseCarrierRegistry(json);
  } catch (error) {
    throw new CarrierRegistryError(`${file}: ${(error as Error).message}`);
  }
}

let shipped: CarrierRegistry | undefined;

/** The registry the product ships, read once per process. Operator overrides come from the service layer. */
export function shippedCarrierRegistry(): CarrierRegistry {
  shipped ??= loadCarrierRegistryFile(CARRIERS_FILE);
  return shipped;
}

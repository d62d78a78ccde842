import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isCurrency } from '../../platform/money/index.ts';
import { DATA_DIR } from '../../platform/paths.ts';
import { BUYER_IDENTIFIER_KINDS, isBuyerIdentifierKind, type BuyerIdentifierKind } from './identifiers.ts';

/** What a buyer of a market must (or may) give at checkout so customs can clear the parcel. */
export interface BuyerIdentifierRequirement {
  kind: BuyerIdentifierKind;
  /** The identifier's name as buyers of the market know it. */
  name: string;
  /** Required: no order ships to the market without it. Optional: asked for, used when given. */
  required: boolean;
  /** How the value is written, as a placeholder for the field (000.000.000-00). */
  format: string;
  /** Why the marketplace asks for it, shown beside the field. */
  description: string;
}

/** The countries the marketplace sells to, and the groups (EU) that rules name instead of countries. */
export interface Market {
  code: string;
  name: string;
  currency: string;
  /** Main language for buyer-facing text in this market (BCP 47 primary subtag); the first of `languages`. */
  language: string;
  /** Every language buyers are served in, main first. */
  languages: string[];
  groups: string[];
  priority: boolean;
  /** The id of the landed-cost regime rule (data/tax/landed-cost-rules.json) parcels to this market fall under. */
  taxRegime: string;
  buyerIdentifiers: BuyerIdentifierRequirement[];
}

export interface MarketDirectory {
  markets: readonly Market[];
  groups: Readonly<Record<string, readonly string[]>>;
  get(code: string): Market | undefined;
  /** Whether a code names a market, or a group of markets. */
  isMarketOrGroup(code: string): boolean;
  /** The markets a code stands for: itself, or the members of a group. */
  expand(code: string): string[];
  /** Every currency buyers pay in, sorted. */
  currencies(): string[];
}

export class MarketDataError extends Error {
  override name = 'MarketDataError';
}

const COUNTRY = /^[A-Z]{2}$/;
const LANGUAGE = /^[a-z]{2,3}$/;
const GROUP = /^[A-Z][A-Z0-9_]*$/;
const RULE_ID = /^[a-z0-9_]+(?:\.[a-z0-9_]+)+$/;
const MARKET_FIELDS = ['code', 'name', 'currency', 'language', 'languages', 'groups', 'priority', 'tax_regime', 'buyer_identifiers'];
const IDENTIFIER_FIELDS = ['kind', 'name', 'required', 'format', 'description'];
const FILE_FIELDS = ['description', 'source', 'recorded_on', 'groups', 'markets'];

type Raw = Record<string, unknown>;
const isObject = (value: unknown): value is Raw => typeof value === 'object' && value !== null && !Array.isArray(value);
const isText = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

/** Validates parsed markets data and builds the directory; fails naming the market and field at fault. */
export function parseMarkets(data: unknown, source = 'markets'): MarketDirectory {
  const fail = (where: string, message: string): never => {
    throw new MarketDataError(`${source}: ${where}: ${message}`);
  };
  const onlyFields = (raw: Raw, allowed: readonly string[], where: string) => {
    const unknown = Object.keys(raw).filter((key) => !allowed.includes(key));
    if (unknown.length > 0) fail(where, `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((key) => `"${key}"`).join(', ')}`);
  };

  if (!isObject(data)) return fail('file', 'must be a JSON object');
  onlyFields(data, FILE_FIELDS, 'file');
  for (const field of ['description', 'source']) if (!isText(data[field])) fail('file', `field "${field}" must say what the data is and where it comes from`);
  if (typeof data.recorded_on !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(data.recorded_on)) fail('file', 'field "recorded_on" must be a date YYYY-MM-DD');
  if (!isObject(data.groups)) return fail('file', 'field "groups" must map group names to market codes');
  if (!Array.isArray(data.markets) || data.markets.length === 0) return fail('file', 'field "markets" must be a non-empty array');

  const markets: Market[] = [];
  const byCode = new Map<string, Market>();
  for (const [index, raw] of (data.markets as unknown[]).entries()) {
    const label = isObject(raw) && typeof raw.code === 'string' ? ` "${raw.code}"` : '';
    const where = `market #${index}${label}`;
    if (!isObject(raw)) return fail(where, 'must be an object');
    onlyFields(raw, MARKET_FIELDS, where);
    const field = (name: string, message: string) => fail(where, `field "${name}" ${message}`);

    if (typeof raw.code !== 'string' || !COUNTRY.test(raw.code)) field('code', 'must be an ISO 3166-1 alpha-2 code such as "BR"');
    const code = raw.code as string;
    if (byCode.has(code)) field('code', 'repeats an earlier market');
    if (!isText(raw.name)) field('name', 'must be the country’s name');
    if (typeof raw.currency !== 'string' || !isCurrency(raw.currency)) field('currency', 'must be an ISO 4217 currency');
    if (typeof raw.language !== 'string' || !LANGUAGE.test(raw.language)) field('language', 'must be a BCP 47 primary language subtag such as "pt"');
    if (!Array.isArray(raw.languages) || raw.languages.length === 0) field('languages', 'must list the buyers’ languages, main first');
    const languages = raw.languages as unknown[];
    for (const [i, language] of languages.entries()) {
      if (typeof language !== 'string' || !LANGUAGE.test(language)) field(`languages[${i}]`, 'must be a BCP 47 primary language subtag such as "pt"');
      if (languages.indexOf(language) !== i) field(`languages[${i}]`, `repeats "${String(language)}"`);
    }
    if (languages[0] !== raw.language) field('languages', `must start with the main language "${String(raw.language)}"`);
    if (!Array.isArray(raw.groups) || raw.groups.some((group) => typeof group !== 'string' || !GROUP.test(group))) field('groups', 'must list group names such as "EU"');
    if (typeof raw.priority !== 'boolean') field('priority', 'must be true or false');
    if (typeof raw.tax_regime !== 'string' || !RULE_ID.test(raw.tax_regime)) field('tax_regime', 'must be the id of a regime rule in landed-cost-rules.json, such as "eu.ioss"');
    if (!Array.isArray(raw.buyer_identifiers)) field('buyer_identifiers', 'must be an array (empty when buyers give no identifier)');

    const buyerIdentifiers: BuyerIdentifierRequirement[] = [];
    for (const [i, identifier] of (raw.buyer_identifiers as unknown[]).entries()) {
      const at = `buyer_identifiers[${i}]`;
      if (!isObject(identifier)) return field(at, 'must be an object');
      onlyFields(identifier, IDENTIFIER_FIELDS, `${where}: field "${at}"`);
      if (typeof identifier.kind !== 'string' || !isBuyerIdentifierKind(identifier.kind)) field(`${at}.kind`, `must be one of ${BUYER_IDENTIFIER_KINDS.join(', ')}`);
      if (buyerIdentifiers.some((other) => other.kind === identifier.kind)) field(`${at}.kind`, `repeats ${String(identifier.kind)}`);
      for (const text of ['name', 'format', 'description']) if (!isText(identifier[text])) field(`${at}.${text}`, 'must be a non-empty string');
      if (typeof identifier.required !== 'boolean') field(`${at}.required`, 'must be true or false');
      buyerIdentifiers.push({
        kind: identifier.kind as BuyerIdentifierKind,
        name: identifier.name as string,
        required: identifier.required as boolean,
        format: identifier.format as string,
        description: identifier.description as string,
      });
    }

    const market: Market = {
      code,
      name: raw.name as string,
      currency: raw.currency as string,
      language: raw.language as string,
      languages: languages as string[],
      groups: raw.groups as string[],
      priority: raw.priority as boolean,
      taxRegime: raw.tax_regime as string,
      buyerIdentifiers,
    };
    markets.push(market);
    byCode.set(code, market);
  }

  const groups: Record<string, string[]> = {};
  for (const [group, members] of Object.entries(data.groups)) {
    const where = `group "${group}"`;
    if (!GROUP.test(group)) fail(where, 'must be named in capitals, such as "EU"');
    if (!Array.isArray(members) || members.some((member) => typeof member !== 'string')) return fail(where, 'must list market codes');
    const unknown = members.filter((code) => !byCode.has(code as string));
    if (unknown.length > 0) fail(where, `names unknown markets: ${unknown.join(', ')}`);
    groups[group] = members as string[];
  }
  // Each side of the membership is written once per market and once per group: they must agree.
  for (const market of markets) {
    for (const group of market.groups) {
      if (!groups[group]) fail(`market "${market.code}"`, `field "groups" names the unknown group "${group}"`);
      if (!groups[group]!.includes(market.code)) fail(`market "${market.code}"`, `field "groups" names "${group}", whose members do not include ${market.code}`);
    }
  }
  for (const [group, members] of Object.entries(groups)) {
    const missing = members.filter((code) => !byCode.get(code)!.groups.includes(group));
    if (missing.length > 0) fail(`group "${group}"`, `lists ${missing.join(', ')}, whose field "groups" does not name it`);
  }

  const currencies = [...new Set(markets.map((market) => market.currency))].sort();
  return {
    markets,
    groups,
    get: (code) => byCode.get(code),
    isMarketOrGroup: (code) => byCode.has(code) || code in groups,
    expand: (code) => (code in groups ? [...(groups[code] ?? [])] : byCode.has(code) ? [code] : []),
    currencies: () => [...currencies],
  };
}

export function marketDirectory(file: string): MarketDirectory {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new MarketDataError(`${file}: ${(error as Error).message}`);
  }
  return parseMarkets(data, file);
}

export const SHIPPED_MARKETS_FILE = path.join(DATA_DIR, 'markets', 'markets.json');

let shipped: MarketDirectory | undefined;

/** The markets the product ships, loaded once. */
export function shippedMarkets(): MarketDirectory {
  shipped ??= marketDirectory(SHIPPED_MARKETS_FILE);
  return shipped;
}


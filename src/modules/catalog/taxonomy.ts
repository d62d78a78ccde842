import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isValidDate } from '../../platform/calendar/index.ts';
import { DATA_DIR } from '../../platform/paths.ts';

/**
 * The category taxonomy: the tree products attach to (at its leaves), with each category's
 * commission schedule, the certificates each market demands, whether sellers need a category
 * qualification, and the attributes a listing must describe.
 *
 * Children inherit from their ancestors, so the file states each fact once, at the widest
 * category it is true for. `resolveCategories` flattens that into what one category means.
 */

export const CATALOG_LANGUAGES = ['en', 'zh', 'es', 'fr', 'ru', 'pt', 'ar', 'ko'] as const;
export type CatalogLanguage = (typeof CATALOG_LANGUAGES)[number];

/**
 * Evidence types a certification rule may ask for. Kept strict so that a typo in the data
 * (a rule nobody can ever satisfy) fails at load time instead of delisting a whole category.
 */
export const CERTIFICATION_TYPES = ['CE', 'UKCA', 'CPNP', 'SCPN', 'EN71'] as const;

export const DEFAULT_TAXONOMY_FILE = path.join(DATA_DIR, 'catalog', 'categories.json');

export interface CommissionStep {
  /** `YYYY-MM-DD`: the first day the rate applies. */
  from: string;
  /** A decimal string such as "0.08"; kept as text so money code never sees a binary float. */
  rate: string;
}

export interface CertificationRule {
  /** ISO 3166-1 alpha-2 codes or market-group names. */
  markets: string[];
  /** Any one of these certificate types satisfies the rule; separate rules must all be met. */
  anyOf: string[];
  basis: string;
}

export interface AttributeDefinition {
  code: string;
  names: Record<CatalogLanguage, string>;
  type: 'enum' | 'number' | 'text' | 'boolean';
  required: boolean;
  /** Varies between a product's SKUs (colour, size…) instead of describing the whole product. */
  skuDefining: boolean;
  values?: { code: string; names: Record<CatalogLanguage, string> }[];
  unit?: string;
  min?: number;
  max?: number;
  maxLength?: number;
}

export interface CategoryDefinition {
  code: string;
  parent: string | null;
  names: Record<CatalogLanguage, string>;
  /** Empty: the nearest ancestor's schedule applies. */
  commission: CommissionStep[];
  /** Rules added here, on top of the ancestors' rules. */
  certifications: CertificationRule[];
  qualificationRequired: boolean;
  hsHeading?: string;
  /** Attributes added here, on top of the ancestors' attributes. */
  attributes: AttributeDefinition[];
}

export interface Taxonomy {
  version: string;
  source: string;
  marketGroups: Record<string, string[]>;
  categories: CategoryDefinition[];
}

/** Everything a category means once its ancestors are taken into account. */
export interface ResolvedCategory {
  code: string;
  /** Codes from the root down to this category. */
  path: string[];
  names: Record<CatalogLanguage, string>;
  isLeaf: boolean;
  commission: CommissionStep[];
  certifications: CertificationRule[];
  qualificationRequired: boolean;
  hsHeading?: string;
  attributes: AttributeDefinition[];
}

export class TaxonomyError extends Error {
  override name = 'TaxonomyError';
}

// ISO 3166-1 alpha-2 officially assigned codes. Written out rather than taken from Intl, whose
// region list also accepts withdrawn and CLDR-only codes (SU, YU, EU, UN, XK…).
const ISO_COUNTRIES = new Set(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
    'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR ' +
    'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP ' +
    'KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT ' +
    'MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW ' +
    'SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG ' +
    'UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
  ).split(' '),
);

// Northern Ireland follows EU product rules while GB does not, so rules must be able to name it
// apart from GB. XI is the user-assigned code the EU and HMRC use for it.
const EXTRA_MARKET_CODES = new Set(['XI']);

export function isCountryCode(code: string): boolean {
  return ISO_COUNTRIES.has(code) || EXTRA_MARKET_CODES.has(code);
}

const SLUG = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;
const VALUE_CODE = /^[a-z0-9]+(?:_[a-z0-9]+)*$/;
const GROUP_NAME = /^[A-Z][A-Z0-9_]*$/;
// Up to four decimals: a hundredth of a percentage point is as fine as commission ever gets.
const RATE = /^[01](?:\.\d{1,4})?$/;

const CATEGORY_KEYS = ['code', 'parent', 'names', 'commission', 'certifications', 'qualification_required', 'hs_heading', 'attributes'];
const ATTRIBUTE_KEYS = ['code', 'names', 'type', 'required', 'sku_defining', 'values', 'unit', 'min', 'max', 'max_length'];
const ATTRIBUTE_TYPES = ['enum', 'number', 'text', 'boolean'] as const;

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(where: string, problem: string): never {
  throw new TaxonomyError(`${where} ${problem}`);
}

const show = (value: unknown) => JSON.stringify(value) ?? String(value);

function only(record: Json, keys: readonly string[], where: string): void {
  for (const key of Object.keys(record)) {
    if (!keys.includes(key)) fail(`${where}.${key}`, 'is not a known field');
  }
}

function requireRecord(value: unknown, where: string): Json {
  if (value === undefined) fail(where, 'is missing');
  if (!isRecord(value)) fail(where, 'must be an object');
  return value;
}

function requireArray(value: unknown, where: string): unknown[] {
  if (value === undefined) fail(where, 'is missing');
  if (!Array.isArray(value)) fail(where, 'must be an array');
  return value;
}

function requireString(value: unknown, where: string): string {
  if (value === undefined) fail(where, 'is missing');
  if (typeof value !== 'string' || value.trim() === '') fail(where, `must be a non-empty string, got ${show(value)}`);
  return value;
}

function requireBoolean(value: unknown, where: string): boolean {
  if (value === undefined) fail(where, 'is missing');
  if (typeof value !== 'boolean') fail(where, `must be true or false, got ${show(value)}`);
  return value;
}

function requireDate(value: unknown, where: string): string {
  if (value === undefined) fail(where, 'is missing');
  if (typeof value !== 'string' || !isValidDate(value)) fail(where, `must be a real date as YYYY-MM-DD, got ${show(value)}`);
  return value;
}

function optionalNumber(value: unknown, where: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(where, `must be a finite number, got ${show(value)}`);
  return value;
}

function parseNames(value: unknown, where: string): Record<CatalogLanguage, string> {
  const record = requireRecord(value, where);
  for (const key of Object.keys(record)) {
    if (!(CATALOG_LANGUAGES as readonly string[]).includes(key)) fail(`${where}.${key}`, 'is not a catalog language');
  }
  const names = {} as Record<CatalogLanguage, string>;
  for (const language of CATALOG_LANGUAGES) names[language] = requireString(record[language], `${where}.${language}`);
  return names;
}

/** Two choices a buyer or seller could not tell apart in some language are a data error. */
function requireDistinctNames(items: { names: Record<CatalogLanguage, string> }[], where: (index: number) => string, what: string): void {
  for (const language of CATALOG_LANGUAGES) {
    const seen = new Map<string, number>();
    items.forEach((item, index) => {
      const name = item.names[language].trim().toLocaleLowerCase(language);
      const earlier = seen.get(name);
      if (earlier !== undefined) fail(`${where(index)}.names.${language}`, `${show(item.names[language])} is also the name of ${what} ${where(earlier)}`);
      seen.set(name, index);
    });
  }
}

function parseMarketGroups(value: unknown): Record<string, string[]> {
  const record = requireRecord(value, 'market_groups');
  const groups: Record<string, string[]> = {};
  for (const [name, members] of Object.entries(record)) {
    const where = `market_groups.${name}`;
    if (!GROUP_NAME.test(name)) fail(where, 'must be named in capitals, digits and underscores');
    // A group named like a country would make a rule's market ambiguous.
    if (isCountryCode(name)) fail(where, 'must not be named like a country code');
    const list = requireArray(members, where);
    if (list.length === 0) fail(where, 'must list at least one country');
    const seen = new Set<string>();
    list.forEach((member, index) => {
      if (typeof member !== 'string' || !isCountryCode(member)) fail(`${where}[${index}]`, `${show(member)} is not an ISO 3166-1 alpha-2 country code`);
      if (seen.has(member)) fail(`${where}[${index}]`, `${member} is listed twice`);
      seen.add(member);
    });
    groups[name] = list as string[];
  }
  return groups;
}

function parseCommission(value: unknown, where: string): CommissionStep[] {
  // An empty list means the same as none: the parent's schedule applies, as in CategoryDefinition.
  const list = requireArray(value, where);
  const steps = list.map((entry, index) => {
    const at = `${where}[${index}]`;
    const record = requireRecord(entry, at);
    only(record, ['from', 'rate'], at);
    const from = requireDate(record.from, `${at}.from`);
    const rate = record.rate;
    if (rate === undefined) fail(`${at}.rate`, 'is missing');
    if (typeof rate !== 'string' || !RATE.test(rate) || Number(rate) > 1) {
      fail(`${at}.rate`, `must be a decimal string from 0 to 1 with at most 4 decimals, got ${show(rate)}`);
    }
    return { from, rate };
  });
  steps.forEach((step, index) => {
    const previous = steps[index - 1];
    if (previous && step.from <= previous.from) fail(`${where}[${index}].from`, `${step.from} must be after ${previous.from} of the step before`);
  });
  return steps;
}

function parseCertifications(value: unknown, where: string, groups: Record<string, string[]>): CertificationRule[] {
  return requireArray(value, where).map((entry, index) => {
    const at = `${where}[${index}]`;
    const record = requireRecord(entry, at);
    only(record, ['markets', 'any_of', 'basis'], at);
    const markets = requireArray(record.markets, `${at}.markets`);
    if (markets.length === 0) fail(`${at}.markets`, 'must list at least one market');
    markets.forEach((market, i) => {
      const known = typeof market === 'string' && (isCountryCode(market) || Object.hasOwn(groups, market));
      if (!known) fail(`${at}.markets[${i}]`, `${show(market)} is neither an ISO 3166-1 alpha-2 country code nor a market group`);
      if (markets.indexOf(market) !== i) fail(`${at}.markets[${i}]`, `${show(market)} is listed twice`);
    });
    const anyOf = requireArray(record.any_of, `${at}.any_of`);
    if (anyOf.length === 0) fail(`${at}.any_of`, 'must list at least one certificate type');
    anyOf.forEach((type, i) => {
      if (typeof type !== 'string' || !(CERTIFICATION_TYPES as readonly string[]).includes(type)) {
        fail(`${at}.any_of[${i}]`, `${show(type)} is not a certificate type (${CERTIFICATION_TYPES.join(', ')})`);
      }
      if (anyOf.indexOf(type) !== i) fail(`${at}.any_of[${i}]`, `${show(type)} is listed twice`);
    });
    return { markets: markets as string[], anyOf: anyOf as string[], basis: requireString(record.basis, `${at}.basis`) };
  });
}

function parseAttribute(value: unknown, where: string): AttributeDefinition {
  const record = requireRecord(value, where);
  only(record, ATTRIBUTE_KEYS, where);
  const code = requireString(record.code, `${where}.code`);
  if (!SLUG.test(code)) fail(`${where}.code`, `must be lower_snake_case, got ${show(code)}`);
  const names = parseNames(record.names, `${where}.names`);
  const type = record.type;
  if (type === undefined) fail(`${where}.type`, 'is missing');
  if (!(ATTRIBUTE_TYPES as readonly unknown[]).includes(type)) fail(`${where}.type`, `must be one of ${ATTRIBUTE_TYPES.join(', ')}, got ${show(type)}`);
  const attribute: AttributeDefinition = {
    code,
    names,
    type: type as AttributeDefinition['type'],
    required: requireBoolean(record.required, `${where}.required`),
    skuDefining: requireBoolean(record.sku_defining, `${where}.sku_defining`),
  };

  const misplaced = (key: string, belongsTo: string) => {
    if (record[key] !== undefined) fail(`${where}.${key}`, `only applies to ${belongsTo} attributes`);
  };
  if (type === 'enum') {
    const list = requireArray(record.values, `${where}.values`);
    if (list.length === 0) fail(`${where}.values`, 'must list at least one value');
    const seen = new Map<string, number>();
    attribute.values = list.map((entry, index) => {
      const at = `${where}.values[${index}]`;
      const item = requireRecord(entry, at);
      only(item, ['code', 'names'], at);
      const valueCode = requireString(item.code, `${at}.code`);
      if (!VALUE_CODE.test(valueCode)) fail(`${at}.code`, `must be lower_snake_case, got ${show(valueCode)}`);
      const earlier = seen.get(valueCode);
      if (earlier !== undefined) fail(`${at}.code`, `${show(valueCode)} duplicates ${where}.values[${earlier}]`);
      seen.set(valueCode, index);
      return { code: valueCode, names: parseNames(item.names, `${at}.names`) };
    });
    requireDistinctNames(attribute.values, (index) => `${where}.values[${index}]`, 'value');
  } else {
    misplaced('values', 'enum');
  }

  if (type === 'number') {
    if (record.unit !== undefined) attribute.unit = requireString(record.unit, `${where}.unit`);
    const min = optionalNumber(record.min, `${where}.min`);
    const max = optionalNumber(record.max, `${where}.max`);
    if (min !== undefined && max !== undefined && min > max) fail(`${where}.min`, `${min} is above max ${max}`);
    if (min !== undefined) attribute.min = min;
    if (max !== undefined) attribute.max = max;
  } else {
    misplaced('unit', 'number');
    misplaced('min', 'number');
    misplaced('max', 'number');
  }

  if (type === 'text') {
    const maxLength = record.max_length;
    if (maxLength !== undefined) {
      if (typeof maxLength !== 'number' || !Number.isInteger(maxLength) || maxLength < 1) {
        fail(`${where}.max_length`, `must be a whole number of at least 1, got ${show(maxLength)}`);
      }
      attribute.maxLength = maxLength;
    }
  } else {
    misplaced('max_length', 'text');
  }
  return attribute;
}

/**
 * Checks a taxonomy file's content and returns it with camelCase keys. Throws a TaxonomyError
 * naming the exact place of the first problem, e.g.
 * `categories[12] (lighting.indoor.led_lamps).names.ar is missing`.
 */
export function parseTaxonomy(json: unknown): Taxonomy {
  if (!isRecord(json)) throw new TaxonomyError('The taxonomy must be a JSON object');
  only(json, ['version', 'source', 'languages', 'market_groups', 'categories'], '(top level)');
  const version = requireDate(json.version, 'version');
  const source = requireString(json.source, 'source');

  const languages = requireArray(json.languages, 'languages');
  for (const language of CATALOG_LANGUAGES) {
    if (!languages.includes(language)) fail('languages', `must include ${language}`);
  }
  languages.forEach((language, index) => {
    if (!(CATALOG_LANGUAGES as readonly unknown[]).includes(language)) fail(`languages[${index}]`, `${show(language)} is not a catalog language`);
    if (languages.indexOf(language) !== index) fail(`languages[${index}]`, `${show(language)} is listed twice`);
  });

  const marketGroups = parseMarketGroups(json.market_groups);
  const list = requireArray(json.categories, 'categories');
  if (list.length === 0) fail('categories', 'must list at least one category');

  // Where every code first appears, so a parent listed too late is told apart from a missing one.
  const firstIndex = new Map<string, number>();
  list.forEach((entry, index) => {
    if (isRecord(entry) && typeof entry.code === 'string' && !firstIndex.has(entry.code)) firstIndex.set(entry.code, index);
  });

  const categories: CategoryDefinition[] = [];
  const byCode = new Map<string, CategoryDefinition>();
  // For each category: every attribute code it carries, mapped to the category defining it.
  const attributeOwners = new Map<string, Map<string, string>>();

  list.forEach((entry, index) => {
    const bare = `categories[${index}]`;
    const record = requireRecord(entry, bare);
    const code = requireString(record.code, `${bare}.code`);
    const where = `${bare} (${code})`;
    only(record, CATEGORY_KEYS, where);

    if (!code.split('.').every((slug) => SLUG.test(slug))) {
      fail(`${where}.code`, 'must be lower-case slugs (letters, digits, underscores) joined by dots');
    }
    const earlier = firstIndex.get(code);
    if (earlier !== undefined && earlier !== index) fail(`${where}.code`, `duplicates categories[${earlier}]`);

    const parentValue = record.parent;
    if (parentValue === undefined) fail(`${where}.parent`, 'is missing (use null for a root category)');
    let parent: CategoryDefinition | null = null;
    if (parentValue !== null) {
      const parentCode = requireString(parentValue, `${where}.parent`);
      const parentIndex = firstIndex.get(parentCode);
      if (parentIndex === undefined) fail(`${where}.parent`, `${show(parentCode)} is not a category`);
      if (parentIndex >= index) fail(`${where}.parent`, `${show(parentCode)} must be listed before its children (it is at categories[${parentIndex}])`);
      parent = byCode.get(parentCode) ?? null;
      const slug = code.slice(parentCode.length + 1);
      if (!code.startsWith(`${parentCode}.`) || slug.includes('.')) {
        fail(`${where}.code`, `must be the parent's code ${show(parentCode)} followed by "." and one slug`);
      }
    } else if (code.includes('.')) {
      fail(`${where}.code`, 'of a root category must be a single slug');
    }

    const names = parseNames(record.names, `${where}.names`);
    const commission = record.commission === undefined ? [] : parseCommission(record.commission, `${where}.commission`);
    if (!parent && commission.length === 0) {
      fail(`${where}.commission`, `is ${record.commission === undefined ? 'missing' : 'empty'}: a root category needs a commission schedule for its subtree`);
    }
    const certifications = record.certifications === undefined ? [] : parseCertifications(record.certifications, `${where}.certifications`, marketGroups);
    const qualificationRequired =
      record.qualification_required === undefined ? false : requireBoolean(record.qualification_required, `${where}.qualification_required`);

    let hsHeading: string | undefined;
    if (record.hs_heading !== undefined) {
      hsHeading = requireString(record.hs_heading, `${where}.hs_heading`);
      if (!/^\d{4}$/.test(hsHeading)) fail(`${where}.hs_heading`, `must be a 4-digit HS heading, got ${show(hsHeading)}`);
    }

    const owners = new Map(parent ? attributeOwners.get(parent.code) : undefined);
    const attributes =
      record.attributes === undefined
        ? []
        : requireArray(record.attributes, `${where}.attributes`).map((value, i) => {
            const attribute = parseAttribute(value, `${where}.attributes[${i}]`);
            const owner = owners.get(attribute.code);
            if (owner === code) fail(`${where}.attributes[${i}].code`, `${show(attribute.code)} is defined twice in this category`);
            if (owner !== undefined) fail(`${where}.attributes[${i}].code`, `${show(attribute.code)} is already defined by ancestor ${owner}`);
            owners.set(attribute.code, code);
            return attribute;
          });
    attributeOwners.set(code, owners);

    const category: CategoryDefinition = { code, parent: parent?.code ?? null, names, commission, certifications, qualificationRequired, attributes };
    if (hsHeading !== undefined) category.hsHeading = hsHeading;
    categories.push(category);
    byCode.set(code, category);
  });

  const siblingsOf = new Map<string | null, number[]>();
  categories.forEach((category, index) => {
    const indexes = siblingsOf.get(category.parent) ?? [];
    indexes.push(index);
    siblingsOf.set(category.parent, indexes);
  });
  for (const indexes of siblingsOf.values()) {
    const siblings = indexes.map((index) => categories[index] as CategoryDefinition);
    requireDistinctNames(siblings, (i) => `categories[${indexes[i]}] (${siblings[i]?.code})`, 'sibling');
  }

  return { version, source, marketGroups, categories };
}

/** Reads and checks a taxonomy file such as `data/catalog/categories.json`. */
export function loadTaxonomyFile(file: string): Taxonomy {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new TaxonomyError(`Cannot read taxonomy file ${file}: ${(error as Error).message}`);
  }
  try {
    return parseTaxonomy(json);
  } catch (error) {
    throw new TaxonomyError(`${file}: ${(error as Error).message}`);
  }
}

/**
 * Every category with what it inherits: the nearest commission schedule, all certification
 * rules and attributes from the root down (root's first), the nearest HS heading, and a
 * qualification requirement if any category on the path asks for one.
 */
export function resolveCategories(taxonomy: Taxonomy): Map<string, ResolvedCategory> {
  const resolved = new Map<string, ResolvedCategory>();
  const parents = new Set(taxonomy.categories.map((category) => category.parent));
  for (const category of taxonomy.categories) {
    let base: ResolvedCategory | undefined;
    if (category.parent !== null) {
      base = resolved.get(category.parent);
      if (!base) throw new TaxonomyError(`Category ${category.code}: parent ${category.parent} is not listed before it`);
    }
    const entry: ResolvedCategory = {
      code: category.code,
      path: [...(base?.path ?? []), category.code],
      names: category.names,
      isLeaf: !parents.has(category.code),
      commission: category.commission.length > 0 ? sortSteps(category.commission) : (base?.commission ?? []),
      certifications: [...(base?.certifications ?? []), ...category.certifications],
      qualificationRequired: category.qualificationRequired || (base?.qualificationRequired ?? false),
      attributes: [...(base?.attributes ?? []), ...category.attributes],
    };
    const hsHeading = category.hsHeading ?? base?.hsHeading;
    if (hsHeading !== undefined) entry.hsHeading = hsHeading;
    resolved.set(category.code, entry);
  }
  return resolved;
}

function sortSteps(steps: CommissionStep[]): CommissionStep[] {
  return [...steps].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
}

/** The commission rate in force on a date: the latest step starting on or before it, if any. */
export function commissionRateOn(category: ResolvedCategory, date: string): string | undefined {
  if (!isValidDate(date)) throw new TaxonomyError(`date must be a real date as YYYY-MM-DD, got ${show(date)}`);
  let rate: string | undefined;
  for (const step of sortSteps(category.commission)) {
    if (step.from > date) break;
    rate = step.rate;
  }
  return rate;
}

/** The rules that apply to one market (an upper-case ISO alpha-2 code), directly or through a group. */
export function certificationsFor(category: ResolvedCategory, market: string, marketGroups: Record<string, string[]>): CertificationRule[] {
  return category.certifications.filter((rule) =>
    rule.markets.some((entry) => entry === market || (Object.hasOwn(marketGroups, entry) && (marketGroups[entry] ?? []).includes(market))),
  );
}

/** An attribute definition in the data file's shape, which is also how the API shows it. */
export const attributeJson = (a: AttributeDefinition) => ({
  code: a.code,
  names: a.names,
  type: a.type,
  required: a.required,
  sku_defining: a.skuDefining,
  ...(a.values ? { values: a.values } : {}),
  ...(a.unit ? { unit: a.unit } : {}),
  ...(a.min !== undefined ? { min: a.min } : {}),
  ...(a.max !== undefined ? { max: a.max } : {}),
  ...(a.maxLength !== undefined ? { max_length: a.maxLength } : {}),
});

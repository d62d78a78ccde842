import { readFileSync } from 'node:fs';
import path from 'node:path';
import { currencyExponent, isCurrency, money, parseRatio, type Money } from '../../platform/money/index.ts';
import { DATA_DIR } from '../../platform/paths.ts';
import { shippedMarkets, type MarketDirectory } from './countries.ts';
import { isIsoDate } from './fx.ts';

/**
 * The landed-cost rules as data (data/tax/landed-cost-rules.json): typed, validated on load, and
 * picked by the date they are in force. The formulas live in landed-cost.ts; every number, date,
 * threshold and market lives here.
 */

/** Which of the parcel's values a threshold or a tax is measured on. */
export type ValueBase =
  /** goods only, excluding shipping and insurance (EU "intrinsic value", UK goods value, US) */
  | 'goods'
  /** goods plus shipping (Saudi Arabia) */
  | 'goods_and_shipping'
  /** goods plus shipping plus insurance (Brazil customs value, Korea CIF) */
  | 'cif';

export type Comparison = 'at_most' | 'below';
export type Collection = 'at_checkout' | 'on_delivery';
export type BuyerIdentifier = 'CPF' | 'PCCC';

export interface RuleRef {
  readonly id: string;
  readonly version: number;
}

export interface Threshold {
  readonly amount: Money;
  readonly base: ValueBase;
  /** at_most: the low-value side includes the threshold itself (≤); below: it does not (<). */
  readonly comparison: Comparison;
  /** A different threshold for goods of a given origin country (Korea: US-origin). */
  readonly byOrigin: Readonly<Record<string, Money>>;
}

export interface SideCollection {
  readonly withinThreshold: Collection;
  readonly aboveThreshold: Collection;
}

interface DatedRule extends RuleRef {
  readonly name: string;
  /** Market codes, groups already expanded. */
  readonly markets: readonly string[];
  readonly validFrom: string;
  /** Last day in force (inclusive); null while in force until further notice. */
  readonly validTo: string | null;
  readonly note: string | null;
}

export interface VatRateRule extends DatedRule {
  readonly type: 'vat_rate';
  readonly rate: string;
}

export interface DutyTableRule extends DatedRule {
  readonly type: 'duty_table';
  /** Sample rates for tests and the demo, not a tariff schedule. */
  readonly sample: boolean;
  readonly defaultRate: string;
  /** Rates keyed by HS prefix (2, 4 or 6 digits); the longest matching prefix wins. */
  readonly rates: Readonly<Record<string, string>>;
}

export interface StateRatesRule extends DatedRule {
  readonly type: 'state_rates';
  readonly tax: string;
  readonly states: readonly string[];
  readonly defaultRate: string;
  readonly stateRates: Readonly<Record<string, string>>;
}

export interface LowValueVatAtSaleRule extends DatedRule {
  readonly type: 'low_value_vat_at_sale';
  readonly currency: string;
  readonly scheme: string;
  readonly threshold: Threshold;
  readonly collection: SideCollection;
}

export interface CustomsImportRule extends DatedRule {
  readonly type: 'customs_import';
  readonly currency: string;
  /** null: no de minimis, every parcel pays. */
  readonly threshold: Threshold | null;
  readonly customsValue: 'goods' | 'cif';
  readonly vat: 'none' | 'above_threshold' | 'always';
  readonly requiredIdentifiers: readonly BuyerIdentifier[];
  readonly collection: SideCollection;
}

export interface RemessaConformeTier {
  readonly upTo: Money;
  readonly rate: string;
  readonly deduction: Money;
}

export interface RemessaConformeRule extends DatedRule {
  readonly type: 'remessa_conforme';
  readonly currency: string;
  readonly customsValue: ValueBase;
  readonly tiers: readonly RemessaConformeTier[];
  /** The state tax (a state_rates rule with this tax) grossed up on top of value + import tax. */
  readonly stateTax: string;
  readonly requiredIdentifiers: readonly BuyerIdentifier[];
  readonly collection: Collection;
}

export interface PersonalAllowanceRule extends DatedRule {
  readonly type: 'personal_allowance';
  readonly currency: string;
  readonly threshold: Threshold;
  /** Parcels heavier than this are taxed even within the value allowance; null: no weight allowance. */
  readonly weightLimitGrams: number | null;
  readonly duty: {
    readonly rate: string;
    /** excess: the rate applies to the value above the threshold; full: to the whole value. */
    readonly on: 'excess' | 'full';
    readonly minPerKg: Money;
    /** excess: the per-kg minimum counts the weight above the limit; full: the whole weight. */
    readonly minWeightOn: 'excess' | 'full';
  };
  /** Whether VAT is charged on top of the duty (at the market's vat_rate, on value + duty). */
  readonly vat: boolean;
  readonly collection: SideCollection;
}

export interface FlatDutyPerSubheadingRule extends DatedRule {
  readonly type: 'flat_duty_per_subheading';
  readonly amount: Money;
  readonly hsDigits: number;
  readonly threshold: Threshold;
}

export interface CustomsFeeRule extends DatedRule {
  readonly type: 'customs_fee';
  readonly threshold: Threshold;
  readonly withinThreshold: Money;
  readonly aboveThreshold: { readonly rate: string; readonly min: Money; readonly max: Money };
}

export interface DomesticVatRule extends DatedRule {
  readonly type: 'domestic_vat';
  readonly collection: Collection;
}

export type RegimeRule = LowValueVatAtSaleRule | CustomsImportRule | RemessaConformeRule | PersonalAllowanceRule;
export type SurchargeRule = FlatDutyPerSubheadingRule | CustomsFeeRule;
export type LandedCostRule = VatRateRule | DutyTableRule | StateRatesRule | RegimeRule | SurchargeRule | DomesticVatRule;
export type RuleType = LandedCostRule['type'];

const REGIME_TYPES = ['low_value_vat_at_sale', 'customs_import', 'remessa_conforme', 'personal_allowance'] as const;

export interface LandedCostRules {
  readonly description: string;
  readonly recordedOn: string;
  readonly rules: readonly LandedCostRule[];
  readonly directory: MarketDirectory;
  /** The import regime in force for a market on a date (at most one, checked on load). */
  regime(market: string, date: string): RegimeRule | undefined;
  vatRate(market: string, date: string): VatRateRule | undefined;
  dutyTable(market: string, date: string): DutyTableRule | undefined;
  stateRates(market: string, tax: string, date: string): StateRatesRule | undefined;
  /** Extra duties and fees in force for a market on a date, in file order. */
  surcharges(market: string, date: string): SurchargeRule[];
  domestic(market: string, date: string): DomesticVatRule | undefined;
}

export class LandedCostRulesError extends Error {
  override name = 'LandedCostRulesError';
}

export function inForce(rule: { validFrom: string; validTo: string | null }, date: string): boolean {
  return rule.validFrom <= date && (rule.validTo === null || date <= rule.validTo);
}

/** The slot a rule fills: two rules in the same slot must never be in force for one market on one day. */
function slotOf(rule: LandedCostRule): string {
  if ((REGIME_TYPES as readonly string[]).includes(rule.type)) return 'regime';
  if (rule.type === 'state_rates') return `state_rates:${rule.tax}`;
  return rule.type;
}

const DECIMAL = /^\d+(?:\.\d+)?$/;
const HS_PREFIX = /^(?:\d{2}|\d{4}|\d{6})$/;
const COUNTRY = /^[A-Z]{2}$/;

type Raw = Record<string, unknown>;

/** Reads one rule, naming the rule and the field at fault in every error. */
class RuleReader {
  constructor(
    private readonly raw: Raw,
    private readonly where: string,
  ) {}

  fail(field: string, message: string): never {
    throw new LandedCostRulesError(`landed-cost rules: ${this.where}: field "${field}" ${message}`);
  }

  value(field: string): unknown {
    return field.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Raw)[key] : undefined), this.raw);
  }

  string(field: string): string {
    const value = this.value(field);
    if (typeof value !== 'string' || value.trim() === '') this.fail(field, 'must be a non-empty string');
    return value as string;
  }

  optionalString(field: string): string | null {
    return this.value(field) === undefined || this.value(field) === null ? null : this.string(field);
  }

  oneOf<T extends string>(field: string, allowed: readonly T[]): T {
    const value = this.value(field);
    if (typeof value !== 'string' || !allowed.includes(value as T)) this.fail(field, `must be one of ${allowed.join(', ')}`);
    return value as T;
  }

  boolean(field: string): boolean {
    const value = this.value(field);
    if (typeof value !== 'boolean') this.fail(field, 'must be true or false');
    return value as boolean;
  }

  integer(field: string, min: number): number {
    const value = this.value(field);
    if (!Number.isSafeInteger(value) || (value as number) < min) this.fail(field, `must be an integer of at least ${min}`);
    return value as number;
  }

  date(field: string): string {
    const value = this.value(field);
    if (!isIsoDate(value)) this.fail(field, 'must be a calendar date YYYY-MM-DD');
    return value as string;
  }

  currency(field: string): string {
    const value = this.value(field);
    if (typeof value !== 'string' || !isCurrency(value)) this.fail(field, 'must be an ISO 4217 currency code');
    return value as string;
  }

  /** A rate as an exact decimal string from 0 up to (not including) 1. */
  rate(field: string, value: unknown = this.value(field)): string {
    if (typeof value !== 'string' || !DECIMAL.test(value)) this.fail(field, 'must be a decimal string such as "0.21"');
    const { numerator, denominator } = parseRatio(value as string);
    if (numerator >= denominator) this.fail(field, 'must be a rate below 1 ("0.21" for 21 %)');
    return value as string;
  }

  money(field: string, currency?: string): Money {
    const value = this.value(field);
    if (!value || typeof value !== 'object') this.fail(field, 'must be an amount { "amount": minor units, "currency": "EUR" }');
    const { amount, currency: code } = value as Raw;
    if (typeof code !== 'string' || !isCurrency(code)) this.fail(`${field}.currency`, 'must be an ISO 4217 currency code');
    if (!Number.isSafeInteger(amount) || (amount as number) < 0) this.fail(`${field}.amount`, 'must be a non-negative integer in minor units');
    if (currency !== undefined && code !== currency) this.fail(`${field}.currency`, `must be ${currency}, the rule's currency`);
    currencyExponent(code as string);
    return money(amount as number, code as string);
  }

  identifiers(field: string): BuyerIdentifier[] {
    const value = this.value(field);
    if (!Array.isArray(value)) this.fail(field, 'must be an array (empty when none is required)');
    for (const [index, item] of (value as unknown[]).entries()) {
      if (item !== 'CPF' && item !== 'PCCC') this.fail(`${field}[${index}]`, 'must be CPF or PCCC');
    }
    return value as BuyerIdentifier[];
  }

  threshold(field: string, currency?: string): Threshold {
    const amount = this.money(`${field}.amount`, currency);
    const byOriginRaw = this.value(`${field}.by_origin`);
    const byOrigin: Record<string, Money> = {};
    if (byOriginRaw !== undefined) {
      if (!byOriginRaw || typeof byOriginRaw !== 'object' || Array.isArray(byOriginRaw)) this.fail(`${field}.by_origin`, 'must map origin countries to amounts');
      for (const origin of Object.keys(byOriginRaw as Raw)) {
        if (!COUNTRY.test(origin)) this.fail(`${field}.by_origin.${origin}`, 'must be keyed by an ISO 3166 alpha-2 country');
        byOrigin[origin] = this.money(`${field}.by_origin.${origin}`, amount.currency);
      }
    }
    return Object.freeze({
      amount,
      base: this.oneOf(`${field}.base`, ['goods', 'goods_and_shipping', 'cif'] as const),
      comparison: this.oneOf(`${field}.comparison`, ['at_most', 'below'] as const),
      byOrigin: Object.freeze(byOrigin),
    });
  }

  sideCollection(field: string): SideCollection {
    const allowed = ['at_checkout', 'on_delivery'] as const;
    return { withinThreshold: this.oneOf(`${field}.within_threshold`, allowed), aboveThreshold: this.oneOf(`${field}.above_threshold`, allowed) };
  }

  rateTable(field: string, keyPattern: RegExp, keyDescription: string): Record<string, string> {
    const value = this.value(field);
    if (!value || typeof value !== 'object' || Array.isArray(value)) this.fail(field, 'must be an object of rates');
    const table: Record<string, string> = {};
    for (const [key, rate] of Object.entries(value as Raw)) {
      if (!keyPattern.test(key)) this.fail(`${field}.${key}`, `must be keyed by ${keyDescription}`);
      table[key] = this.rate(`${field}.${key}`, rate);
    }
    return table;
  }
}

function readRule(raw: Raw, index: number, directory: MarketDirectory): LandedCostRule {
  const label = typeof raw.id === 'string' ? `rule "${raw.id}"${Number.isInteger(raw.version) ? ` v${String(raw.version)}` : ''}` : `rule #${index}`;
  const r = new RuleReader(raw, label);
  const id = r.string('id');
  const version = r.integer('version', 1);
  const type = r.oneOf('type', [
    'vat_rate',
    'duty_table',
    'state_rates',
    'low_value_vat_at_sale',
    'customs_import',
    'remessa_conforme',
    'personal_allowance',
    'flat_duty_per_subheading',
    'customs_fee',
    'domestic_vat',
  ] as const);
  const marketsRaw = r.value('markets');
  if (!Array.isArray(marketsRaw) || marketsRaw.length === 0) r.fail('markets', 'must be a non-empty array of market codes or groups');
  const markets = new Set<string>();
  for (const [i, code] of (marketsRaw as unknown[]).entries()) {
    if (typeof code !== 'string' || !directory.isMarketOrGroup(code)) r.fail(`markets[${i}]`, `names no market or group in markets.json (${String(code)})`);
    for (const market of directory.expand(code as string)) markets.add(market);
  }
  const validFrom = r.date('valid_from');
  const validTo = r.value('valid_to') === null ? null : r.date('valid_to');
  if (validTo !== null && validTo < validFrom) r.fail('valid_to', `must not be before valid_from (${validFrom})`);
  const base = { id, version, name: r.string('name'), markets: [...markets], validFrom, validTo, note: r.optionalString('note') };

  switch (type) {
    case 'vat_rate':
      return { ...base, type, rate: r.rate('rate') };
    case 'duty_table':
      return { ...base, type, sample: r.boolean('sample'), defaultRate: r.rate('default_rate'), rates: r.rateTable('rates', HS_PREFIX, 'an HS prefix of 2, 4 or 6 digits') };
    case 'state_rates': {
      const statesRaw = r.value('states');
      if (!Array.isArray(statesRaw) || statesRaw.length === 0 || statesRaw.some((s) => typeof s !== 'string' || !COUNTRY.test(s))) {
        r.fail('states', 'must list the two-letter state codes');
      }
      const states = statesRaw as string[];
      const stateRates = r.rateTable('state_rates', COUNTRY, 'a two-letter state code');
      for (const state of Object.keys(stateRates)) if (!states.includes(state)) r.fail(`state_rates.${state}`, 'names a state missing from "states"');
      return { ...base, type, tax: r.string('tax'), states, defaultRate: r.rate('default_rate'), stateRates };
    }
    case 'low_value_vat_at_sale': {
      const currency = r.currency('currency');
      return { ...base, type, currency, scheme: r.string('scheme'), threshold: r.threshold('threshold', currency), collection: r.sideCollection('collection') };
    }
    case 'customs_import': {
      const currency = r.currency('currency');
      return {
        ...base,
        type,
        currency,
        threshold: r.value('threshold') === null ? null : r.threshold('threshold', currency),
        customsValue: r.oneOf('customs_value', ['goods', 'cif'] as const),
        vat: r.oneOf('vat', ['none', 'above_threshold', 'always'] as const),
        requiredIdentifiers: r.identifiers('required_identifiers'),
        collection: r.sideCollection('collection'),
      };
    }
    case 'remessa_conforme': {
      const currency = r.currency('currency');
      const tiersRaw = r.value('tiers');
      if (!Array.isArray(tiersRaw) || tiersRaw.length === 0) r.fail('tiers', 'must be a non-empty array');
      const tiers = (tiersRaw as unknown[]).map((_, i) => ({
        upTo: r.money(`tiers.${i}.up_to`, currency),
        rate: r.rate(`tiers.${i}.rate`),
        deduction: r.money(`tiers.${i}.deduction`, currency),
      }));
      tiers.forEach((tier, i) => {
        const previous = tiers[i - 1];
        if (previous && tier.upTo.amount <= previous.upTo.amount) r.fail(`tiers.${i}.up_to`, 'must rise from tier to tier');
      });
      return {
        ...base,
        type,
        currency,
        customsValue: r.oneOf('customs_value', ['goods', 'goods_and_shipping', 'cif'] as const),
        tiers,
        stateTax: r.string('state_tax'),
        requiredIdentifiers: r.identifiers('required_identifiers'),
        collection: r.oneOf('collection', ['at_checkout', 'on_delivery'] as const),
      };
    }
    case 'personal_allowance': {
      const currency = r.currency('currency');
      return {
        ...base,
        type,
        currency,
        threshold: r.threshold('threshold', currency),
        weightLimitGrams: r.value('weight_limit_grams') === null ? null : r.integer('weight_limit_grams', 1),
        duty: {
          rate: r.rate('duty.rate'),
          on: r.oneOf('duty.on', ['excess', 'full'] as const),
          minPerKg: r.money('duty.min_per_kg', currency),
          minWeightOn: r.oneOf('duty.min_weight_on', ['excess', 'full'] as const),
        },
        vat: r.boolean('vat'),
        collection: r.sideCollection('collection'),
      };
    }
    case 'flat_duty_per_subheading': {
      const amount = r.money('amount');
      const hsDigits = r.integer('hs_digits', 2);
      if (![2, 4, 6].includes(hsDigits)) r.fail('hs_digits', 'must be 2, 4 or 6');
      return { ...base, type, amount, hsDigits, threshold: r.threshold('threshold', amount.currency) };
    }
    case 'customs_fee': {
      const threshold = r.threshold('threshold');
      const currency = threshold.amount.currency;
      const min = r.money('above_threshold.min', currency);
      const max = r.money('above_threshold.max', currency);
      if (max.amount < min.amount) r.fail('above_threshold.max', 'must not be below above_threshold.min');
      return { ...base, type, threshold, withinThreshold: r.money('within_threshold.amount', currency), aboveThreshold: { rate: r.rate('above_threshold.rate'), min, max } };
    }
    case 'domestic_vat':
      return { ...base, type, collection: r.oneOf('collection', ['at_checkout', 'on_delivery'] as const) };
  }
}

function overlaps(a: DatedRule, b: DatedRule): boolean {
  return a.validFrom <= (b.validTo ?? '9999-12-31') && b.validFrom <= (a.validTo ?? '9999-12-31');
}

/** Validates parsed rules data and builds the date-aware lookups; fails loudly naming the rule and field. */
export function parseLandedCostRules(data: unknown, directory: MarketDirectory): LandedCostRules {
  if (!data || typeof data !== 'object') throw new LandedCostRulesError('landed-cost rules: the file must hold a JSON object');
  const raw = data as Raw;
  const top = new RuleReader(raw, 'file');
  const description = top.string('description');
  const recordedOn = top.date('recorded_on');
  if (!Array.isArray(raw.rules) || raw.rules.length === 0) top.fail('rules', 'must be a non-empty array');
  const rules = (raw.rules as unknown[]).map((entry, index) => {
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw new LandedCostRulesError(`landed-cost rules: rule #${index} must be an object`);
    return Object.freeze(readRule(entry as Raw, index, directory));
  });

  const seen = new Set<string>();
  for (const rule of rules) {
    const key = `${rule.id}@${rule.version}`;
    if (seen.has(key)) throw new LandedCostRulesError(`landed-cost rules: rule "${rule.id}" v${rule.version}: field "version" repeats another rule with the same id and version`);
    seen.add(key);
  }
  for (const [i, a] of rules.entries()) {
    for (const b of rules.slice(i + 1)) {
      if (a.id === b.id && a.type !== b.type) {
        throw new LandedCostRulesError(`landed-cost rules: rule "${b.id}" v${b.version}: field "type" differs from v${a.version} (${a.type}); versions of one rule keep one type`);
      }
      const shared = a.markets.filter((m) => b.markets.includes(m));
      if (slotOf(a) === slotOf(b) && shared.length > 0 && overlaps(a, b)) {
        throw new LandedCostRulesError(
          `landed-cost rules: rule "${b.id}" v${b.version}: field "valid_from" overlaps rule "${a.id}" v${a.version} for ${shared.join(', ')}; only one ${slotOf(a)} rule may be in force per market and day`,
        );
      }
    }
  }

  // Cross-rule consistency: surcharges add up with the regime's amounts, so they share its currency;
  // a regime that grosses up a state tax needs that tax's rate table.
  const currencyOf = (rule: LandedCostRule): string | null =>
    'currency' in rule ? rule.currency : rule.type === 'flat_duty_per_subheading' ? rule.amount.currency : rule.type === 'customs_fee' ? rule.threshold.amount.currency : null;
  for (const surcharge of rules.filter((rule) => rule.type === 'flat_duty_per_subheading' || rule.type === 'customs_fee')) {
    for (const regime of rules.filter((rule) => slotOf(rule) === 'regime' && overlaps(rule, surcharge) && rule.markets.some((m) => surcharge.markets.includes(m)))) {
      if (currencyOf(regime) !== currencyOf(surcharge)) {
        throw new LandedCostRulesError(
          `landed-cost rules: rule "${surcharge.id}" v${surcharge.version}: its currency ${currencyOf(surcharge)} differs from ${currencyOf(regime)} of regime "${regime.id}" v${regime.version} in force at the same time`,
        );
      }
    }
  }
  for (const rule of rules) {
    if (rule.type === 'remessa_conforme' && !rules.some((other) => other.type === 'state_rates' && other.tax === rule.stateTax && overlaps(other, rule) && rule.markets.every((m) => other.markets.includes(m)))) {
      throw new LandedCostRulesError(`landed-cost rules: rule "${rule.id}" v${rule.version}: field "state_tax" names ${rule.stateTax}, but no state_rates rule for it is in force alongside`);
    }
  }

  const find = <T extends LandedCostRule>(test: (rule: LandedCostRule) => rule is T, market: string, date: string): T | undefined =>
    rules.find((rule): rule is T => test(rule) && rule.markets.includes(market) && inForce(rule, date));

  return {
    description,
    recordedOn,
    rules,
    directory,
    regime: (market, date) => find((rule): rule is RegimeRule => (REGIME_TYPES as readonly string[]).includes(rule.type), market, date),
    vatRate: (market, date) => find((rule): rule is VatRateRule => rule.type === 'vat_rate', market, date),
    dutyTable: (market, date) => find((rule): rule is DutyTableRule => rule.type === 'duty_table', market, date),
    stateRates: (market, tax, date) => find((rule): rule is StateRatesRule => rule.type === 'state_rates' && rule.tax === tax, market, date),
    surcharges: (market, date) =>
      rules.filter((rule): rule is SurchargeRule => (rule.type === 'flat_duty_per_subheading' || rule.type === 'customs_fee') && rule.markets.includes(market) && inForce(rule, date)),
    domestic: (market, date) => find((rule): rule is DomesticVatRule => rule.type === 'domestic_vat', market, date),
  };
}

export function loadLandedCostRules(file: string, directory: MarketDirectory): LandedCostRules {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new LandedCostRulesError(`landed-cost rules: ${file}: ${(error as Error).message}`);
  }
  return parseLandedCostRules(data, directory);
}

export const SHIPPED_LANDED_COST_RULES_FILE = path.join(DATA_DIR, 'tax', 'landed-cost-rules.json');

let shipped: LandedCostRules | undefined;

/** The rules the product ships, read and validated once. */
export function shippedLandedCostRules(): LandedCostRules {
  shipped ??= loadLandedCostRules(SHIPPED_LANDED_COST_RULES_FILE, shippedMarkets());
  return shipped;
}

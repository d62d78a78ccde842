import {
  add,
  allocate,
  compare,
  convert,
  divide,
  isCurrency,
  money,
  multiply,
  parseRatio,
  subtract,
  toDecimal,
  zero,
  type FxRate,
  type Money,
  type Rounding,
} from '../../platform/money/index.ts';
import { isIsoDate, type FxLookup } from './fx.ts';
import { checkCpf, checkPccc } from './identifiers.ts';
import {
  shippedLandedCostRules,
  type BuyerIdentifier,
  type Collection,
  type CustomsImportRule,
  type DomesticVatRule,
  type LandedCostRule,
  type LandedCostRules,
  type LowValueVatAtSaleRule,
  type PersonalAllowanceRule,
  type RemessaConformeRule,
  type RuleRef,
  type SurchargeRule,
  type Threshold,
  type ValueBase,
} from './landed-cost-rules.ts';

/**
 * The landed cost of one cross-border parcel: which import regime applies on the order date, the
 * threshold test that chose it, and every duty, tax and fee itemised — in the rule's own currency
 * and converted to the currency the caller asks for, each conversion keeping its FX rate id.
 *
 * Pure: the rules (data/tax/landed-cost-rules.json) and FX rates come in as arguments; nothing here
 * reads a clock, a file or a database. An order split into several parcels is priced parcel by
 * parcel, because every threshold here is per consignment.
 *
 * Rounding: every tax, duty and fee is rounded half-up to the minor unit of the rule's currency,
 * once, where it is computed; conversions between currencies are rounded half-up as well.
 */

export const TAX_ROUNDING: Rounding = 'half_up';
export const FX_ROUNDING: Rounding = 'half_up';

export interface LandedCostLine {
  /** HS code of at least 6 digits; dots and spaces are ignored ("6206.10" → 620610). */
  hsCode: string;
  quantity: number;
  unitValue: Money;
  /** Weight of one unit in grams. */
  unitWeightGrams: number;
  description?: string;
}

export interface BuyerIdentifiers {
  /** Brazilian individual taxpayer number (11 digits, punctuation allowed). */
  cpf?: string | null;
  /** Korean Personal Customs Clearance Code: P and 12 digits. */
  pccc?: string | null;
}

export interface LandedCostInput {
  /** ISO 3166 alpha-2 country the parcel is delivered to. */
  destination: string;
  /** State or province of the destination; Brazil's ICMS depends on it (UF code such as SP, BA). */
  destinationState?: string | null;
  /** The order date (YYYY-MM-DD) the rules and FX rates are taken at. */
  orderDate: string;
  /** Country of origin of the goods (Korea allows US-origin goods a higher threshold). */
  origin: string;
  /** Line items; all unit values in one currency. */
  lines: readonly LandedCostLine[];
  /** Shipping charged for the parcel. */
  shipping: Money;
  insurance?: Money | null;
  /** The parcel ships domestically from an overseas warehouse in the destination country. */
  domestic?: boolean;
  /** The logistics service is Delivered Duty Paid: import duties and taxes are prepaid at checkout. */
  ddp?: boolean;
  buyer?: BuyerIdentifiers;
  /** Currency to show every amount in as well (usually the buyer's). */
  currency: string;
  /** FX rates by date. */
  fx: FxLookup;
}

/** An amount in the requested currency, with the id of the FX rate that converted it (null: no conversion needed). */
export type ConvertedAmount = Money & { readonly fxRateId: string | null };

export type TaxKind = 'duty' | 'vat' | 'fee';

export type TaxCode =
  | 'vat_at_sale'
  | 'import_vat'
  | 'local_vat'
  | 'customs_duty'
  | 'flat_duty_per_subheading'
  | 'import_tax'
  | 'icms'
  | 'customs_fee';

export interface TaxLine {
  kind: TaxKind;
  code: TaxCode;
  label: string;
  /** The rule that set this amount or its rate. */
  rule: RuleRef;
  /** The rate applied, as an exact decimal ("0.21"); null for flat amounts. */
  rate: string | null;
  /** What the rate applied to, in the rule's currency; null for flat amounts. */
  base: Money | null;
  /** The amount in the rule's currency. */
  amount: Money;
  /** The amount in the requested currency. */
  converted: ConvertedAmount;
  collection: Collection;
  /** Index of the line item a per-item duty belongs to. */
  lineIndex?: number;
  hsCode?: string;
  /** Which entry of the duty table matched: an HS prefix, or "default". */
  tariffMatch?: string;
  /** The distinct tariff subheadings a per-subheading duty counted. */
  subheadings?: string[];
}

export interface ThresholdTest {
  rule: RuleRef;
  base: ValueBase;
  baseDescription: string;
  /** The parcel's value on that base, in the threshold's currency. */
  value: Money;
  threshold: Money;
  currency: string;
  comparison: 'at_most' | 'below';
  /** The parcel is on the low-value side of the threshold (and of the weight limit, if any). */
  within: boolean;
  /** FX rates that brought the parcel's values into the threshold's currency. */
  fxRateIds: string[];
  /** The threshold in the currency of the goods at the day's rate, for display; null when it is the same currency or no rate is known. */
  thresholdInGoodsCurrency: ConvertedAmount | null;
  /** Why this threshold (e.g. a higher threshold for US-origin goods). */
  note?: string;
  weight?: { grams: number; limitGrams: number; within: boolean };
}

export type RegimeOutcome = 'within_threshold' | 'above_threshold' | 'no_threshold' | 'domestic' | 'not_eligible';

export interface AppliedRegime {
  rule: RuleRef;
  type: LandedCostRule['type'];
  name: string;
  outcome: RegimeOutcome;
  reason: string;
}

export type ProblemCode =
  | 'no_rule_in_force'
  | 'fx_rate_missing'
  | 'missing_buyer_identifier'
  | 'invalid_buyer_identifier'
  | 'missing_state'
  | 'not_eligible';

export interface LandedCostProblem {
  code: ProblemCode;
  message: string;
  /** Input field the problem concerns, as a JSON pointer. */
  path?: string;
  identifier?: BuyerIdentifier;
}

export interface AppliedRule extends RuleRef {
  type: LandedCostRule['type'];
  name: string;
  /** The rule holds sample figures (duty tables), not the real tariff. */
  sample: boolean;
}

export interface Totals {
  all: Money;
  atCheckout: Money;
  onDelivery: Money;
}

export interface LandedCostResult {
  /** No problem: the figures can be shown and the order placed. */
  ok: boolean;
  destination: string;
  destinationState: string | null;
  orderDate: string;
  regime: AppliedRegime | null;
  thresholdTests: ThresholdTest[];
  lines: TaxLine[];
  /** The currency the rules computed in (EUR for the EU, USD for Brazil …); null when no rule applied. */
  ruleCurrency: string | null;
  requestedCurrency: string;
  totals: { ruleCurrency: Totals | null; requested: Totals };
  /** When the buyer pays: at checkout (DDP, IOSS, UK, Remessa Conforme), on delivery, both, or nothing due. */
  collection: Collection | 'mixed' | 'none';
  collectionReason: string;
  problems: LandedCostProblem[];
  /** Every rule consulted, with its version. */
  rules: AppliedRule[];
  /** Every FX rate used. */
  fxRates: FxRate[];
}

export class LandedCostInputError extends Error {
  override name = 'LandedCostInputError';
  constructor(readonly errors: { path: string; message: string }[]) {
    super(`invalid landed-cost input: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Input

interface NormalizedLine {
  hsCode: string;
  total: Money;
  weightGrams: number;
}

interface NormalizedInput {
  destination: string;
  state: string | null;
  date: string;
  origin: string;
  goodsCurrency: string;
  lines: NormalizedLine[];
  shipping: Money;
  insurance: Money | null;
  weightGrams: number;
  domestic: boolean;
  ddp: boolean;
  cpf: string | null;
  pccc: string | null;
  currency: string;
  fx: FxLookup;
}

const COUNTRY = /^[A-Z]{2}$/;
export const MAX_LINES = 500;

function validMoney(value: unknown): value is Money {
  if (!value || typeof value !== 'object') return false;
  const { amount, currency } = value as Money;
  return typeof currency === 'string' && isCurrency(currency) && Number.isSafeInteger(amount) && amount >= 0;
}

function normalize(input: LandedCostInput): NormalizedInput {
  const errors: { path: string; message: string }[] = [];
  const check = (ok: boolean, path: string, message: string) => {
    if (!ok) errors.push({ path, message });
  };
  check(typeof input.destination === 'string' && COUNTRY.test(input.destination), '/destination', 'must be an ISO 3166 alpha-2 country code');
  check(typeof input.origin === 'string' && COUNTRY.test(input.origin), '/origin', 'must be an ISO 3166 alpha-2 country code');
  check(isIsoDate(input.orderDate), '/orderDate', 'must be a calendar date YYYY-MM-DD');
  const state = input.destinationState ?? null;
  check(state === null || (typeof state === 'string' && COUNTRY.test(state)), '/destinationState', 'must be a two-letter state code');
  check(typeof input.currency === 'string' && isCurrency(input.currency), '/currency', 'must be an ISO 4217 currency code');
  check(validMoney(input.shipping), '/shipping', 'must be a non-negative amount in minor units with a known currency');
  check(input.insurance === undefined || input.insurance === null || validMoney(input.insurance), '/insurance', 'must be a non-negative amount in minor units with a known currency');
  check(typeof input.fx?.rate === 'function', '/fx', 'must be an FX lookup');
  const lines: NormalizedLine[] = [];
  if (!Array.isArray(input.lines) || input.lines.length === 0 || input.lines.length > MAX_LINES) {
    errors.push({ path: '/lines', message: `must hold 1 to ${MAX_LINES} line items` });
  } else {
    input.lines.forEach((line, index) => {
      const at = `/lines/${index}`;
      const hs = typeof line.hsCode === 'string' ? line.hsCode.replace(/[.\s]/g, '') : '';
      check(/^\d{6,10}$/.test(hs), `${at}/hsCode`, 'must be an HS code of 6 to 10 digits');
      check(Number.isSafeInteger(line.quantity) && line.quantity > 0, `${at}/quantity`, 'must be a positive integer');
      check(validMoney(line.unitValue), `${at}/unitValue`, 'must be a non-negative amount in minor units with a known currency');
      check(Number.isSafeInteger(line.unitWeightGrams) && line.unitWeightGrams >= 0, `${at}/unitWeightGrams`, 'must be a non-negative integer number of grams');
      const first = input.lines[0]?.unitValue?.currency;
      check(line.unitValue?.currency === first, `${at}/unitValue/currency`, `must be ${first}, like the first line item`);
      if (errors.length === 0) {
        lines.push({ hsCode: hs, total: multiply(line.unitValue, String(line.quantity), TAX_ROUNDING), weightGrams: line.unitWeightGrams * line.quantity });
      }
    });
  }
  if (errors.length > 0) throw new LandedCostInputError(errors);
  const weightGrams = lines.reduce((sum, line) => sum + line.weightGrams, 0);
  check(Number.isSafeInteger(weightGrams), '/lines', 'weigh more than can be counted');
  if (errors.length > 0) throw new LandedCostInputError(errors);
  const blankToNull = (value: string | null | undefined) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null);
  return {
    destination: input.destination,
    state,
    date: input.orderDate,
    origin: input.origin,
    goodsCurrency: lines[0]!.total.currency,
    lines,
    shipping: input.shipping,
    insurance: input.insurance ?? null,
    weightGrams,
    domestic: input.domestic === true,
    ddp: input.ddp === true,
    cpf: blankToNull(input.buyer?.cpf),
    pccc: blankToNull(input.buyer?.pccc),
    currency: input.currency,
    fx: input.fx,
  };
}

// ---------------------------------------------------------------------------------------------
// Arithmetic and wording helpers

const percent = (rate: string): string => {
  const { numerator, denominator } = parseRatio(rate);
  const places = denominator.toString().length - 1;
  const digits = (numerator * 100n).toString().padStart(places + 1, '0');
  const whole = digits.slice(0, digits.length - places);
  const fraction = digits.slice(digits.length - places).replace(/0+$/, '');
  return `${fraction ? `${whole}.${fraction}` : whole} %`;
};

const show = (value: Money): string => `${toDecimal(value)} ${value.currency}`;

const rateOf = (value: Money, rate: string): Money => multiply(value, rate, TAX_ROUNDING);

const max = (a: Money, b: Money): Money => (compare(a, b) >= 0 ? a : b);
const min = (a: Money, b: Money): Money => (compare(a, b) <= 0 ? a : b);

/** "Por dentro" gross-up: the tax is part of its own base, so tax = base × rate / (1 − rate). */
export function grossUp(base: Money, rate: string): Money {
  const { numerator, denominator } = parseRatio(rate);
  return money(divide(BigInt(base.amount) * numerator, denominator - numerator, TAX_ROUNDING), base.currency);
}

/** Grams as a decimal number of kilograms ("1.5" for 1500 g), for exact per-kg amounts. */
const kilograms = (grams: number): string => `${Math.floor(grams / 1000)}.${String(grams % 1000).padStart(3, '0')}`;

const BASE_DESCRIPTION: Record<ValueBase, string> = {
  goods: 'value of the goods, excluding shipping and insurance',
  goods_and_shipping: 'value of the goods plus shipping',
  cif: 'customs value: goods plus shipping and insurance (CIF)',
};

// ---------------------------------------------------------------------------------------------
// Evaluation

/** Stops the evaluation with one problem that leaves nothing to compute (no rule, no FX rate). */
class Halt extends Error {
  constructor(readonly problem: LandedCostProblem) {
    super(problem.message);
  }
}

interface Parcel {
  currency: string;
  goods: Money;
  /** Each line item's goods value in the parcel currency, summing exactly to goods. */
  lineGoods: Money[];
  shipping: Money;
  insurance: Money;
  /** FX rates used to bring the parcel into this currency. */
  fxRateIds: string[];
}

type PendingLine = Omit<TaxLine, 'converted'>;

class Evaluation {
  readonly fxRates = new Map<string, FxRate>();
  readonly rulesUsed = new Map<string, AppliedRule>();
  readonly tests: ThresholdTest[] = [];
  readonly lines: PendingLine[] = [];
  readonly problems: LandedCostProblem[] = [];
  readonly parcels = new Map<string, Parcel>();
  regime: AppliedRegime | null = null;
  ruleCurrency: string | null = null;
  collectionReason = '';

  constructor(
    readonly input: NormalizedInput,
    readonly rules: LandedCostRules,
  ) {}

  use(rule: LandedCostRule): RuleRef {
    this.rulesUsed.set(`${rule.id}@${rule.version}`, { id: rule.id, version: rule.version, type: rule.type, name: rule.name, sample: rule.type === 'duty_table' && rule.sample });
    return { id: rule.id, version: rule.version };
  }

  noRule(what: string): never {
    throw new Halt({ code: 'no_rule_in_force', message: `no ${what} is in force for ${this.input.destination} on ${this.input.date}` });
  }

  /** The rate from → to on the order date; a missing rate stops the evaluation unless optional. */
  rate(from: string, to: string, optional = false): FxRate | undefined {
    const rate = this.input.fx.rate(from, to, this.input.date);
    if (rate) {
      if (rate.base !== from || rate.quote !== to) throw new Error(`FX lookup answered ${rate.base}→${rate.quote} (${rate.id}) for ${from}→${to}`);
      this.fxRates.set(rate.id, rate);
      return rate;
    }
    if (optional) return undefined;
    throw new Halt({ code: 'fx_rate_missing', message: `no FX rate from ${from} to ${to} is known on ${this.input.date}` });
  }

  convert(value: Money, to: string, optional = false): ConvertedAmount | null {
    if (value.currency === to) return { ...value, fxRateId: null };
    const rate = this.rate(value.currency, to, optional);
    if (!rate) return null;
    const converted = convert(value, rate, FX_ROUNDING);
    return { amount: converted.amount, currency: converted.currency, fxRateId: converted.fxRateId };
  }

  /** The parcel's values in a rule's currency, each component converted once at the day's rate. */
  parcel(currency: string): Parcel {
    const cached = this.parcels.get(currency);
    if (cached) return cached;
    const { lines, shipping, insurance, goodsCurrency } = this.input;
    const fxRateIds = new Set<string>();
    const into = (value: Money): Money => {
      const converted = this.convert(value, currency)!;
      if (converted.fxRateId) fxRateIds.add(converted.fxRateId);
      return money(converted.amount, currency);
    };
    const goods = into(add(zero(goodsCurrency), ...lines.map((line) => line.total)));
    // Split the converted total in proportion to the original line values, so the lines add up to it exactly.
    const weights = lines.map((line) => line.total.amount);
    const lineGoods = allocate(goods, weights.some((w) => w > 0) ? weights : weights.map(() => 1));
    const parcel: Parcel = {
      currency,
      goods,
      lineGoods,
      shipping: into(shipping),
      insurance: insurance ? into(insurance) : zero(currency),
      fxRateIds: [...fxRateIds],
    };
    this.parcels.set(currency, parcel);
    return parcel;
  }

  value(parcel: Parcel, base: ValueBase): Money {
    switch (base) {
      case 'goods':
        return parcel.goods;
      case 'goods_and_shipping':
        return add(parcel.goods, parcel.shipping);
      case 'cif':
        return add(parcel.goods, parcel.shipping, parcel.insurance);
    }
  }

  /** Tests the parcel against a threshold in the threshold's own currency and records the test. */
  threshold(rule: LandedCostRule, threshold: Threshold, extra: { weightLimitGrams?: number | null } = {}): ThresholdTest {
    const currency = threshold.amount.currency;
    const parcel = this.parcel(currency);
    const value = this.value(parcel, threshold.base);
    const byOrigin = threshold.byOrigin[this.input.origin];
    const limit = byOrigin ?? threshold.amount;
    const order = compare(value, limit);
    let within = threshold.comparison === 'at_most' ? order <= 0 : order < 0;
    const test: ThresholdTest = {
      rule: this.use(rule),
      base: threshold.base,
      baseDescription: BASE_DESCRIPTION[threshold.base],
      value,
      threshold: limit,
      currency,
      comparison: threshold.comparison,
      within,
      fxRateIds: parcel.fxRateIds,
      thresholdInGoodsCurrency: limit.currency === this.input.goodsCurrency ? null : this.convert(limit, this.input.goodsCurrency, true),
    };
    if (byOrigin) test.note = `goods of ${this.input.origin} origin have their own threshold of ${show(byOrigin)} (instead of ${show(threshold.amount)})`;
    if (extra.weightLimitGrams !== undefined && extra.weightLimitGrams !== null) {
      const weightWithin = this.input.weightGrams <= extra.weightLimitGrams;
      test.weight = { grams: this.input.weightGrams, limitGrams: extra.weightLimitGrams, within: weightWithin };
      within = within && weightWithin;
      test.within = within;
    }
    this.tests.push(test);
    return test;
  }

  describe(test: ThresholdTest): string {
    const order = compare(test.value, test.threshold);
    const valueWithin = test.comparison === 'at_most' ? order <= 0 : order < 0;
    const sign = valueWithin ? (test.comparison === 'at_most' ? '≤' : '<') : test.comparison === 'at_most' ? '>' : '≥';
    let text = `${show(test.value)} ${sign} ${show(test.threshold)} (${test.baseDescription})`;
    if (test.weight) text += ` and ${kilograms(test.weight.grams)} kg ${test.weight.within ? '≤' : '>'} ${kilograms(test.weight.limitGrams)} kg`;
    if (test.note) text += `; ${test.note}`;
    return text;
  }

  /** DDP turns anything due on delivery into an amount prepaid at checkout. */
  collect(side: Collection): Collection {
    return this.input.ddp ? 'at_checkout' : side;
  }

  /** Why the rule's own side (before any DDP override) is collected when it is. */
  collectionText(side: Collection, atCheckoutWhy: string): string {
    if (side === 'at_checkout') return `collected at checkout: ${atCheckoutWhy}`;
    if (this.input.ddp) return 'collected at checkout: the service is DDP, so import duties and taxes are prepaid';
    return 'due on delivery: the buyer pays import duties and taxes to the carrier or broker (DAP)';
  }

  vatRate(market: string) {
    const rule = this.rules.vatRate(market, this.input.date) ?? this.noRule('VAT rate');
    return { rule, ref: this.use(rule) };
  }

  requireIdentifiers(identifiers: readonly BuyerIdentifier[]): void {
    for (const identifier of identifiers) {
      const given = identifier === 'CPF' ? this.input.cpf : this.input.pccc;
      const path = identifier === 'CPF' ? '/buyer/cpf' : '/buyer/pccc';
      const what = identifier === 'CPF' ? "the buyer's CPF (Brazilian taxpayer number)" : "the buyer's Personal Customs Clearance Code (P and 12 digits)";
      if (given === null) {
        this.problems.push({ code: 'missing_buyer_identifier', identifier, path, message: `${this.input.destination} customs need ${what}; none was given` });
      } else if (!(identifier === 'CPF' ? checkCpf(given) : checkPccc(given)).ok) {
        this.problems.push({ code: 'invalid_buyer_identifier', identifier, path, message: `${what} is not valid` });
      }
    }
  }

  /**
   * Customs duty line by line, at the destination's duty table rate for each HS code, on each
   * line's customs value: its goods value, plus (for a CIF base) its share of shipping and
   * insurance in proportion to goods value. Returns the total duty.
   */
  dutyByHs(parcel: Parcel, base: 'goods' | 'cif', collection: Collection): Money {
    const table = this.rules.dutyTable(this.input.destination, this.input.date) ?? this.noRule('customs duty table');
    const ref = this.use(table);
    const extra = base === 'cif' ? add(parcel.shipping, parcel.insurance) : zero(parcel.currency);
    const weights = parcel.lineGoods.map((value) => value.amount);
    const shares = allocate(extra, weights.some((w) => w > 0) ? weights : weights.map(() => 1));
    let total = zero(parcel.currency);
    this.input.lines.forEach((line, index) => {
      const prefix = [6, 4, 2].map((n) => line.hsCode.slice(0, n)).find((p) => table.rates[p] !== undefined);
      const rate = prefix ? table.rates[prefix]! : table.defaultRate;
      const lineBase = add(parcel.lineGoods[index]!, shares[index]!);
      const amount = rateOf(lineBase, rate);
      total = add(total, amount);
      this.lines.push({
        kind: 'duty',
        code: 'customs_duty',
        label: `Customs duty ${percent(rate)} on ${base === 'cif' ? 'the customs value (goods, shipping and insurance)' : 'the goods value'} of HS ${line.hsCode}${table.sample ? ' (sample rate)' : ''}`,
        rule: ref,
        rate,
        base: lineBase,
        amount,
        collection,
        lineIndex: index,
        hsCode: line.hsCode,
        tariffMatch: prefix ?? 'default',
      });
    });
    return total;
  }

  /** Flat duties and customs fees that come on top of the regime, each with its own threshold test. */
  surcharges(collection: Collection): void {
    for (const rule of this.rules.surcharges(this.input.destination, this.input.date)) this.surcharge(rule, collection);
  }

  private surcharge(rule: SurchargeRule, collection: Collection): void {
    const test = this.threshold(rule, rule.threshold);
    const ref = test.rule;
    if (rule.type === 'flat_duty_per_subheading') {
      if (!test.within) return;
      const subheadings = [...new Set(this.input.lines.map((line) => line.hsCode.slice(0, rule.hsDigits)))].sort();
      this.lines.push({
        kind: 'duty',
        code: 'flat_duty_per_subheading',
        label: `${rule.name}: ${show(rule.amount)} per distinct tariff subheading × ${subheadings.length}`,
        rule: ref,
        rate: null,
        base: null,
        amount: multiply(rule.amount, String(subheadings.length), TAX_ROUNDING),
        collection,
        subheadings,
      });
      return;
    }
    if (test.within) {
      this.lines.push({ kind: 'fee', code: 'customs_fee', label: `${rule.name}: flat fee below ${show(test.threshold)}`, rule: ref, rate: null, base: null, amount: rule.withinThreshold, collection });
      return;
    }
    const { rate, min: floor, max: cap } = rule.aboveThreshold;
    this.lines.push({
      kind: 'fee',
      code: 'customs_fee',
      label: `${rule.name}: ${percent(rate)} of the ${test.baseDescription}, at least ${show(floor)} and at most ${show(cap)}`,
      rule: ref,
      rate,
      base: test.value,
      amount: min(max(rateOf(test.value, rate), floor), cap),
      collection,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Regimes

function domestic(ev: Evaluation): void {
  const { destination, date } = ev.input;
  const rule: DomesticVatRule = ev.rules.domestic(destination, date) ?? ev.noRule('rule for domestic (overseas-warehouse) shipments');
  const ref = ev.use(rule);
  const vat = ev.vatRate(destination);
  const currency = ev.rules.directory.get(destination)?.currency ?? ev.noRule('market currency');
  ev.ruleCurrency = currency;
  const parcel = ev.parcel(currency);
  const base = add(parcel.goods, parcel.shipping, parcel.insurance);
  const collection = rule.collection;
  ev.lines.push({ kind: 'vat', code: 'local_vat', label: `Local VAT ${percent(vat.rule.rate)} (${destination}) on goods and shipping`, rule: vat.ref, rate: vat.rule.rate, base, amount: rateOf(base, vat.rule.rate), collection });
  ev.regime = { rule: ref, type: rule.type, name: rule.name, outcome: 'domestic', reason: `ships domestically from an overseas warehouse in ${destination}: local VAT only, no import duty` };
  ev.collectionReason = collection === 'at_checkout' ? 'collected at checkout: local VAT is part of the domestic sale' : 'due on delivery';
}

/** EU IOSS and UK low-value consignments: VAT at sale up to the threshold, import VAT and duty above. */
function lowValueVatAtSale(ev: Evaluation, rule: LowValueVatAtSaleRule): void {
  const ref = ev.use(rule);
  const { destination } = ev.input;
  ev.ruleCurrency = rule.currency;
  const vat = ev.vatRate(destination);
  const test = ev.threshold(rule, rule.threshold);
  const parcel = ev.parcel(rule.currency);
  if (test.within) {
    // VAT is due on the whole price the buyer pays for the supply: goods, shipping and insurance.
    const collection = ev.collect(rule.collection.withinThreshold);
    const base = add(parcel.goods, parcel.shipping, parcel.insurance);
    ev.lines.push({ kind: 'vat', code: 'vat_at_sale', label: `VAT ${percent(vat.rule.rate)} (${destination}) on goods and shipping`, rule: vat.ref, rate: vat.rule.rate, base, amount: rateOf(base, vat.rule.rate), collection });
    ev.regime = { rule: ref, type: rule.type, name: rule.name, outcome: 'within_threshold', reason: `${ev.describe(test)}: ${rule.scheme}` };
    ev.collectionReason = ev.collectionText(rule.collection.withinThreshold, rule.scheme);
    ev.surcharges(collection);
    return;
  }
  // Above the threshold: duty on the customs value (goods + transport + insurance), then import VAT
  // on the customs value plus the duty.
  const collection = ev.collect(rule.collection.aboveThreshold);
  const duty = ev.dutyByHs(parcel, 'cif', collection);
  const base = add(ev.value(parcel, 'cif'), duty);
  ev.lines.push({ kind: 'vat', code: 'import_vat', label: `Import VAT ${percent(vat.rule.rate)} (${destination}) on customs value plus duty`, rule: vat.ref, rate: vat.rule.rate, base, amount: rateOf(base, vat.rule.rate), collection });
  ev.regime = { rule: ref, type: rule.type, name: rule.name, outcome: 'above_threshold', reason: `${ev.describe(test)}: VAT and duty are charged at import` };
  ev.collectionReason = ev.collectionText(rule.collection.aboveThreshold, rule.scheme);
  ev.surcharges(collection);
}

/** Saudi Arabia, South Korea, United States: duty by HS above a de minimis (if any), VAT as the rule says. */
function customsImport(ev: Evaluation, rule: CustomsImportRule): void {
  const ref = ev.use(rule);
  ev.ruleCurrency = rule.currency;
  ev.requireIdentifiers(rule.requiredIdentifiers);
  const parcel = ev.parcel(rule.currency);
  const test = rule.threshold ? ev.threshold(rule, rule.threshold) : null;
  const within = test?.within ?? false;
  const side = within ? rule.collection.withinThreshold : rule.collection.aboveThreshold;
  const collection = ev.collect(side);
  const duty = within ? zero(rule.currency) : ev.dutyByHs(parcel, rule.customsValue, collection);
  if (rule.vat === 'always' || (rule.vat === 'above_threshold' && !within)) {
    // Import VAT on the customs value plus duty (Saudi Arabia under SAR 1,000: goods + shipping, no duty).
    const vat = ev.vatRate(ev.input.destination);
    const base = add(ev.value(parcel, rule.customsValue), duty);
    ev.lines.push({ kind: 'vat', code: 'import_vat', label: `Import VAT ${percent(vat.rule.rate)} on customs value${within ? '' : ' plus duty'}`, rule: vat.ref, rate: vat.rule.rate, base, amount: rateOf(base, vat.rule.rate), collection });
  }
  const reason = test
    ? `${ev.describe(test)}: ${within ? (ev.lines.length === 0 ? 'free of duty and taxes' : 'free of duty') : 'duty by HS code'}`
    : `no de minimis in force on ${ev.input.date}: every parcel pays duty by HS code`;
  ev.regime = { rule: ref, type: rule.type, name: rule.name, outcome: test ? (within ? 'within_threshold' : 'above_threshold') : 'no_threshold', reason };
  ev.collectionReason = ev.collectionText(side, rule.name);
  ev.surcharges(collection);
}

/**
 * Brazil, Remessa Conforme: import tax (II) by tier on the customs value in USD (goods + freight +
 * insurance), then ICMS grossed up "por dentro" on value + II at the destination state's rate.
 */
function remessaConforme(ev: Evaluation, rule: RemessaConformeRule): void {
  const ref = ev.use(rule);
  ev.ruleCurrency = rule.currency;
  ev.requireIdentifiers(rule.requiredIdentifiers);
  const parcel = ev.parcel(rule.currency);
  const value = ev.value(parcel, rule.customsValue);
  const collection = ev.collect(rule.collection);
  let tier: (typeof rule.tiers)[number] | undefined;
  let test: ThresholdTest | undefined;
  for (const candidate of rule.tiers) {
    test = ev.threshold(rule, { amount: candidate.upTo, base: rule.customsValue, comparison: 'at_most', byOrigin: {} });
    if (test.within) {
      tier = candidate;
      break;
    }
  }
  if (!tier) {
    ev.problems.push({ code: 'not_eligible', message: `${ev.describe(test!)}: above the Remessa Conforme limit, the parcel needs a formal import` });
    ev.regime = { rule: ref, type: rule.type, name: rule.name, outcome: 'not_eligible', reason: `${ev.describe(test!)}: outside Remessa Conforme` };
    ev.collectionReason = 'nothing computed: the parcel is outside the simplified regime';
    return;
  }
  const gross = rateOf(value, tier.rate);
  const importTax = compare(gross, tier.deduction) > 0 ? subtract(gross, tier.deduction) : zero(rule.currency);
  ev.lines.push({
    kind: 'duty',
    code: 'import_tax',
    label: `Import tax (II) ${percent(tier.rate)} of the customs value${tier.deduction.amount > 0 ? ` minus ${show(tier.deduction)}` : ''}`,
    rule: ref,
    rate: tier.rate,
    base: value,
    amount: importTax,
    collection,
  });
  ev.regime = { rule: ref, type: rule.type, name: rule.name, outcome: 'within_threshold', reason: `${ev.describe(test!)}: import tax ${percent(tier.rate)}${tier.deduction.amount > 0 ? ` minus ${show(tier.deduction)}` : ''}, then ${rule.stateTax}` };
  ev.collectionReason = ev.collectionText(rule.collection, 'the certified platform collects import tax and ICMS under Remessa Conforme');

  const states = ev.rules.stateRates(ev.input.destination, rule.stateTax, ev.input.date) ?? ev.noRule(`${rule.stateTax} rate table`);
  const statesRef = ev.use(states);
  const { state } = ev.input;
  if (state !== null && !states.states.includes(state)) {
    throw new LandedCostInputError([{ path: '/destinationState', message: `must be a ${ev.input.destination} state (${states.states.join(', ')})` }]);
  }
  if (state === null && Object.keys(states.stateRates).length > 0) {
    ev.problems.push({ code: 'missing_state', path: '/destinationState', message: `${rule.stateTax} depends on the destination state on ${ev.input.date}; none was given` });
    return;
  }
  const rate = (state !== null ? states.stateRates[state] : undefined) ?? states.defaultRate;
  const base = add(value, importTax);
  ev.lines.push({
    kind: 'vat',
    code: 'icms',
    label: `${rule.stateTax} ${percent(rate)}${state ? ` (${state})` : ''} grossed up on customs value plus II: (value + II) × rate / (1 − rate)`,
    rule: statesRef,
    rate,
    base,
    amount: grossUp(base, rate),
    collection,
  });
}

/**
 * Russia (EAEU) personal-use parcels, both regimes from the same formula with dated parameters:
 *
 * - until 2026-06-30 (v1): free up to €200 and 31 kg; above, 15 % of the value above €200, at least
 *   €2 per kg above 31 kg. This "unified rate" stands in for duty AND VAT: no VAT is added.
 * - from 2026-07-01 (v2): above €200, 5 % duty on the full value, at least €1 per kg of the whole
 *   parcel, PLUS VAT at the Russian rate (22 % from 2026-01-01). The VAT base is the full customs
 *   value of the parcel (the same value the threshold is measured on) plus the duty — not the
 *   excess over €200, and not the duty alone.
 */
function personalAllowance(ev: Evaluation, rule: PersonalAllowanceRule): void {
  const ref = ev.use(rule);
  ev.ruleCurrency = rule.currency;
  const test = ev.threshold(rule, rule.threshold, { weightLimitGrams: rule.weightLimitGrams });
  const side = test.within ? rule.collection.withinThreshold : rule.collection.aboveThreshold;
  const collection = ev.collect(side);
  const outcome = test.within ? 'within_threshold' : 'above_threshold';
  if (test.within) {
    ev.regime = { rule: ref, type: rule.type, name: rule.name, outcome, reason: `${ev.describe(test)}: within the duty-free allowance` };
    ev.collectionReason = 'nothing due';
    ev.surcharges(collection);
    return;
  }
  const value = test.value;
  const excess = compare(value, test.threshold) > 0 ? subtract(value, test.threshold) : zero(rule.currency);
  const byValue = rateOf(rule.duty.on === 'excess' ? excess : value, rule.duty.rate);
  const limit = rule.weightLimitGrams ?? 0;
  const weighedGrams = rule.duty.minWeightOn === 'excess' ? Math.max(0, ev.input.weightGrams - limit) : ev.input.weightGrams;
  const byWeight = rateOf(rule.duty.minPerKg, kilograms(weighedGrams));
  const duty = max(byValue, byWeight);
  ev.lines.push({
    kind: 'duty',
    code: 'customs_duty',
    label:
      `${percent(rule.duty.rate)} of the ${rule.duty.on === 'excess' ? `value above ${show(test.threshold)}` : 'full value'}` +
      `, at least ${show(rule.duty.minPerKg)} per kg of ${rule.duty.minWeightOn === 'excess' ? `weight above ${kilograms(limit)} kg` : 'parcel weight'}` +
      ` (${kilograms(weighedGrams)} kg → ${show(byWeight)})`,
    rule: ref,
    rate: rule.duty.rate,
    base: rule.duty.on === 'excess' ? excess : value,
    amount: duty,
    collection,
  });
  if (rule.vat) {
    // VAT base: the full value of the parcel plus the duty (see the note above the function).
    const vat = ev.vatRate(ev.input.destination);
    const base = add(value, duty);
    ev.lines.push({ kind: 'vat', code: 'import_vat', label: `Import VAT ${percent(vat.rule.rate)} on the full value plus duty`, rule: vat.ref, rate: vat.rule.rate, base, amount: rateOf(base, vat.rule.rate), collection });
  }
  ev.regime = { rule: ref, type: rule.type, name: rule.name, outcome, reason: `${ev.describe(test)}: ${rule.vat ? 'duty and VAT' : 'the unified rate, in place of both duty and VAT'}` };
  ev.collectionReason = ev.collectionText(side, rule.name);
  ev.surcharges(collection);
}

// ---------------------------------------------------------------------------------------------
// Entry point

function totalsOf(lines: readonly { amount: Money; collection: Collection }[], currency: string): Totals {
  const sum = (which?: Collection) => add(zero(currency), ...lines.filter((l) => which === undefined || l.collection === which).map((l) => l.amount));
  return { all: sum(), atCheckout: sum('at_checkout'), onDelivery: sum('on_delivery') };
}

/**
 * The landed cost of one parcel on its order date. Throws LandedCostInputError for malformed
 * input; reports everything else — no rule in force, a missing FX rate, a missing or invalid
 * buyer identifier, a parcel outside the regime — as problems in the result.
 */
export function landedCost(input: LandedCostInput, rules: LandedCostRules = shippedLandedCostRules()): LandedCostResult {
  const normalized = normalize(input);
  const ev = new Evaluation(normalized, rules);
  let converted: TaxLine[] = [];
  try {
    if (normalized.domestic) {
      domestic(ev);
    } else {
      const regime = rules.regime(normalized.destination, normalized.date) ?? ev.noRule('import regime');
      switch (regime.type) {
        case 'low_value_vat_at_sale':
          lowValueVatAtSale(ev, regime);
          break;
        case 'customs_import':
          customsImport(ev, regime);
          break;
        case 'remessa_conforme':
          remessaConforme(ev, regime);
          break;
        case 'personal_allowance':
          personalAllowance(ev, regime);
          break;
      }
    }
    converted = ev.lines.map((line) => ({ ...line, converted: ev.convert(line.amount, normalized.currency)! }));
  } catch (error) {
    if (!(error instanceof Halt)) throw error;
    ev.problems.push(error.problem);
    converted = [];
    ev.collectionReason = 'nothing computed';
  }

  const collections = new Set(converted.map((line) => line.collection));
  const collection = collections.size === 0 ? 'none' : collections.size === 1 ? [...collections][0]! : 'mixed';
  return {
    ok: ev.problems.length === 0,
    destination: normalized.destination,
    destinationState: normalized.state,
    orderDate: normalized.date,
    regime: ev.regime,
    thresholdTests: ev.tests,
    lines: converted,
    ruleCurrency: ev.ruleCurrency,
    requestedCurrency: normalized.currency,
    totals: {
      ruleCurrency: ev.ruleCurrency === null ? null : totalsOf(converted, ev.ruleCurrency),
      requested: totalsOf(
        converted.map((line) => ({ amount: money(line.converted.amount, line.converted.currency), collection: line.collection })),
        normalized.currency,
      ),
    },
    collection,
    collectionReason: ev.collectionReason || 'nothing due',
    problems: ev.problems,
    rules: [...ev.rulesUsed.values()],
    fxRates: [...ev.fxRates.values()],
  };
}

import { isValidDate } from '../../platform/calendar/index.ts';
import { add, compare, divide, isCurrency, money, multiply, toDecimal, type Money } from '../../platform/money/index.ts';
import {
  fuelSurchargeOn,
  inPostalRange,
  normalizePostalCode,
  oversizeRulesOn,
  pickPackFeeOn,
  rateSheetOn,
  remoteAreaOn,
  zoneFor,
  type Bracket,
  type DeliveryWindow,
  type FuelBase,
  type LogisticsData,
  type RateSheet,
  type ServiceDefinition,
  type ServicePath,
  type TrackingLevel,
} from './rate-sheets.ts';

/**
 * The quote engine: for one parcel on one date, every service either priced line by line or
 * excluded with its reasons, cheapest first. Pure: the data, the date, stock locations, currency
 * conversion and the duties-and-taxes figures all come in as arguments.
 *
 * A quote's total is the exact sum of its lines ("no hidden fees"). Every multiplication of money
 * (per-kg prices, fuel percentages) is done in bigint and rounded half-up to the minor unit, line
 * by line, before the lines are added.
 */

// ---------------------------------------------------------------------------------------------
// Input

export interface Dimensions {
  lengthMm: number;
  widthMm: number;
  heightMm: number;
}

export interface ParcelItem {
  description?: string;
  /** Per unit. */
  weightG: number;
  /** Per unit; needed unless the parcel gives its package's size. */
  dimensionsMm?: Dimensions;
  /** Per unit, all items in one currency. */
  value: Money;
  hsCode: string;
  quantity: number;
}

export interface Parcel {
  originCountry: string;
  destination: { country: string; postalCode: string };
  items: ParcelItem[];
  /** The packed box. Without it the box is estimated from the items (see measureParcel). */
  package?: { dimensionsMm: Dimensions; packagingWeightG?: number };
}

export interface DutyTaxLine {
  /** `fee` for a government charge that is neither (a flat customs processing fee, say). */
  kind: 'duty' | 'tax' | 'fee';
  /** Short machine code from the landed-cost engine, e.g. `import_vat`, `customs_duty`, `customs_fee`. */
  code: string;
  /** In the currency of the shipping cost the callback was given. */
  amount: Money;
  description: string;
}

export interface DutiesAndTaxesResult {
  lines: DutyTaxLine[];
  /** True: collected at checkout (DDP). False: the buyer pays them on delivery. */
  collectedNow: boolean;
}

/**
 * The landed-cost engine's answer for one service, given what shipping costs (the customs value
 * usually includes freight); null when it cannot work them out.
 */
export type DutiesAndTaxes = (serviceCode: string, shippingCost: Money) => DutiesAndTaxesResult | null;

export interface QuoteOptions {
  /** `YYYY-MM-DD`: picks the rate sheets, fuel rates and fees in force. */
  date: string;
  /** Called for every service that can clear duties (DDP). Without it, no quote is DDP. */
  dutiesAndTaxes?: DutiesAndTaxes;
  /** Countries of the warehouses holding stock for this order; warehouse services elsewhere are excluded. */
  warehouseStock?: ReadonlySet<string> | readonly string[];
  /**
   * Converts an amount to another currency at the caller's FX snapshot, or null when there is no
   * rate. Used to check value caps set in another currency and to rank totals in one currency.
   */
  convert?: (value: Money, currency: string) => Money | null;
  /** Totals are compared in this currency; default: the currency of the goods' value. */
  rankCurrency?: string;
}

export class QuoteError extends Error {
  override name = 'QuoteError';

  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field} ${problem}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Output

export type LineKind = 'base' | 'surcharge' | 'fee' | 'duty' | 'tax';
export const CHARGE_CODES = ['base', 'registration', 'remote_area', 'oversize', 'pick_pack', 'fuel', 'ddp_service'] as const;
export type ChargeCode = (typeof CHARGE_CODES)[number];

export interface QuoteLine {
  kind: LineKind;
  /** A ChargeCode for shipping charges; the landed-cost engine's code for duties and taxes. */
  code: string;
  amount: Money;
  description: string;
}

export interface ParcelMeasure {
  /** Items × quantity plus packaging. */
  actualWeightG: number;
  /** Longest first. */
  dimensionsMm: Dimensions;
  dimensionsFrom: 'package' | 'items_stacked';
  longestSideMm: number;
  sumOfSidesMm: number;
  /** Length + 2 × (width + height). */
  lengthPlusGirthMm: number;
  volumeMm3: bigint;
  declaredValue: Money;
  units: number;
}

export interface BillableWeight {
  actualG: number;
  /** Null when the service has no divisor or the parcel is within its size cap. */
  volumetricG: number | null;
  divisor: number | null;
  /** The service has a divisor but this parcel is small enough to be charged on actual weight. */
  exemptUnderSizeCap: boolean;
  basis: 'actual' | 'volumetric';
  stepG: number;
  minimumG: number;
  billableG: number;
  /** How it was worked out, in words. */
  explanation: string;
}

export type Customs = 'DDP' | 'DAP' | 'domestic';

export interface ServiceQuote {
  serviceCode: string;
  serviceName: string;
  path: ServicePath;
  /** The platform's recommended standard service. */
  recommended: boolean;
  tracking: TrackingLevel;
  carriers: string[];
  deliveryDays: DeliveryWindow;
  zone: string;
  /** DDP: duties and taxes are lines of this quote; DAP: the buyer pays them on delivery; domestic: none. */
  customs: Customs;
  /** The service can clear duties for the buyer, whether or not this quote does. */
  ddpAvailable: boolean;
  currency: string;
  lines: QuoteLine[];
  /** The sum of the lines. */
  total: Money;
  billableWeight: BillableWeight;
  rateSheet: { id: string; version: string; validFrom: string; validTo: string | null };
  /** What the landed-cost engine expects the buyer to pay at the door (DAP), not part of the total. */
  payableOnDelivery: DutyTaxLine[] | null;
  /** The total in the ranking currency; null when it could not be converted. */
  comparableTotal: Money | null;
  /** 1 = cheapest. */
  rank: number;
}

export const EXCLUSION_REASONS = [
  'origin_not_served',
  'no_warehouse_stock',
  'destination_not_served',
  'too_heavy',
  'too_long',
  'too_large',
  'value_above_cap',
  'value_not_comparable',
  'no_rate_sheet',
  'beyond_rate_sheet',
] as const;
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];

export interface ExcludedService {
  serviceCode: string;
  serviceName: string;
  path: ServicePath;
  recommended: boolean;
  reasons: { code: ExclusionReason; detail: string }[];
}

export interface QuoteResult {
  date: string;
  parcel: ParcelMeasure;
  rankCurrency: string;
  /** Cheapest first. */
  quotes: ServiceQuote[];
  /** In the order of the services file. */
  excluded: ExcludedService[];
}

// ---------------------------------------------------------------------------------------------
// Measuring

const MAX_SIDE_MM = 10_000;
const MAX_WEIGHT_G = 10_000_000;

function requireWhole(value: unknown, field: string, what: string, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new QuoteError(field, `must be a whole number of ${what} from 1 to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkDimensions(d: Dimensions | undefined, field: string): number[] {
  if (typeof d !== 'object' || d === null) throw new QuoteError(field, 'is missing');
  return [
    requireWhole(d.lengthMm, `${field}.lengthMm`, 'millimetres', MAX_SIDE_MM),
    requireWhole(d.widthMm, `${field}.widthMm`, 'millimetres', MAX_SIDE_MM),
    requireWhole(d.heightMm, `${field}.heightMm`, 'millimetres', MAX_SIDE_MM),
  ].sort((a, b) => b - a);
}

/**
 * Weight, size and value of the parcel as carriers measure it. With `package` the box's own size is
 * used. Without it, the box is estimated by laying every unit flat on its largest face and stacking
 * them: as long and wide as the largest unit, as high as all units' smallest sides together.
 */
export function measureParcel(parcel: Parcel): ParcelMeasure {
  if (!Array.isArray(parcel.items) || parcel.items.length === 0) throw new QuoteError('items', 'must list at least one item');
  let weight = 0;
  let units = 0;
  let stacked = [0, 0, 0];
  const currency = parcel.items[0]!.value?.currency;
  let value = 0n;
  parcel.items.forEach((item, i) => {
    const at = `items[${i}]`;
    const quantity = requireWhole(item.quantity, `${at}.quantity`, 'units', 100_000);
    weight += requireWhole(item.weightG, `${at}.weightG`, 'grams', MAX_WEIGHT_G) * quantity;
    units += quantity;
    if (typeof item.hsCode !== 'string' || !/^\d{6,10}$/.test(item.hsCode)) {
      throw new QuoteError(`${at}.hsCode`, `must be 6 to 10 digits, got ${JSON.stringify(item.hsCode)}`);
    }
    const v = item.value;
    if (typeof v !== 'object' || v === null || !isCurrency(v.currency) || !Number.isSafeInteger(v.amount) || v.amount < 0) {
      throw new QuoteError(`${at}.value`, 'must be a non-negative Money amount');
    }
    if (v.currency !== currency) throw new QuoteError(`${at}.value`, `is in ${v.currency}, but items[0] is in ${currency}: give every item's value in one currency`);
    value += BigInt(v.amount) * BigInt(quantity);
    if (!parcel.package) {
      const [a, b, c] = checkDimensions(item.dimensionsMm, `${at}.dimensionsMm`) as [number, number, number];
      stacked = [Math.max(stacked[0]!, a), Math.max(stacked[1]!, b), stacked[2]! + c * quantity];
    }
  });
  let sides: number[];
  if (parcel.package) {
    sides = checkDimensions(parcel.package.dimensionsMm, 'package.dimensionsMm');
    if (parcel.package.packagingWeightG !== undefined && parcel.package.packagingWeightG !== 0) {
      weight += requireWhole(parcel.package.packagingWeightG, 'package.packagingWeightG', 'grams', MAX_WEIGHT_G);
    }
  } else {
    sides = stacked.sort((a, b) => b - a);
  }
  const [length, width, height] = sides as [number, number, number];
  return {
    actualWeightG: weight,
    dimensionsMm: { lengthMm: length, widthMm: width, heightMm: height },
    dimensionsFrom: parcel.package ? 'package' : 'items_stacked',
    longestSideMm: length,
    sumOfSidesMm: length + width + height,
    lengthPlusGirthMm: length + 2 * (width + height),
    volumeMm3: BigInt(length) * BigInt(width) * BigInt(height),
    declaredValue: money(value, currency as string),
    units,
  };
}

const grams = (g: number) => `${g.toLocaleString('en-US')} g`;

function kilograms(g: number): string {
  const fraction = String(g % 1000).padStart(3, '0').replace(/0+$/, '');
  return `${Math.floor(g / 1000)}${fraction === '' ? '' : `.${fraction}`} kg`;
}

const cash = (m: Money) => `${m.currency} ${toDecimal(m)}`;

function withinCap(measure: ParcelMeasure, cap: { longestSideMm?: number; sumOfSidesMm?: number }): boolean {
  return (cap.longestSideMm === undefined || measure.longestSideMm <= cap.longestSideMm) && (cap.sumOfSidesMm === undefined || measure.sumOfSidesMm <= cap.sumOfSidesMm);
}

/**
 * `max(actual, L×W×H / divisor)`, rounded up to the service's step (and at least its minimum).
 * With dimensions in millimetres and the divisor in cm³ per kg, L×W×H / divisor is in grams;
 * a part gram counts as a whole one.
 */
export function billableWeight(service: ServiceDefinition, measure: ParcelMeasure): BillableWeight {
  const { divisor, exemptUpTo } = service.volumetric;
  const { stepG, minimumG } = service.billableWeight;
  const actualG = measure.actualWeightG;
  const exempt = divisor !== null && exemptUpTo !== undefined && withinCap(measure, exemptUpTo);
  let volumetricG: number | null = null;
  if (divisor !== null && !exempt) volumetricG = Number(divide(measure.volumeMm3, BigInt(divisor), 'ceiling'));
  const basis = volumetricG !== null && volumetricG > actualG ? 'volumetric' : 'actual';
  const weighed = Math.max(actualG, volumetricG ?? 0, minimumG);
  const billableG = Math.ceil(weighed / stepG) * stepG;

  const { lengthMm: l, widthMm: w, heightMm: h } = measure.dimensionsMm;
  const parts = [`actual ${grams(actualG)}`];
  if (volumetricG !== null) parts.push(`volumetric ${l}×${w}×${h} mm / ${divisor} = ${grams(volumetricG)}`);
  else if (exempt) parts.push(`no volumetric weight within the ${describeCap(exemptUpTo!)} size cap`);
  else parts.push('no volumetric weight on this service');
  let explanation = `${parts.join('; ')}; charged on ${basis} weight`;
  if (weighed === minimumG && minimumG > Math.max(actualG, volumetricG ?? 0)) explanation += `, raised to the ${grams(minimumG)} minimum`;
  explanation += billableG === weighed ? `, already a multiple of ${grams(stepG)}` : `, rounded up to the next ${grams(stepG)}: ${grams(billableG)}`;

  return { actualG, volumetricG, divisor, exemptUnderSizeCap: exempt, basis, stepG, minimumG, billableG, explanation };
}

function describeCap(cap: { longestSideMm?: number; sumOfSidesMm?: number }): string {
  const parts: string[] = [];
  if (cap.longestSideMm !== undefined) parts.push(`longest side ≤ ${cap.longestSideMm} mm`);
  if (cap.sumOfSidesMm !== undefined) parts.push(`sum of sides ≤ ${cap.sumOfSidesMm} mm`);
  return parts.join(', ');
}

// ---------------------------------------------------------------------------------------------
// Pricing

/** The per-kg price of a weight, half-up to the minor unit. */
function perKgAmount(perKg: Money, weightG: number): Money {
  return money(divide(BigInt(perKg.amount) * BigInt(weightG), 1000n, 'half_up'), perKg.currency);
}

export interface BaseCharge {
  bracket: Bracket;
  base: Money;
  /** A per-kg bracket's per-parcel fee. */
  registration: Money | null;
  description: string;
}

/** Prices a billable weight on a sheet; undefined when the weight is beyond its last bracket. */
export function baseCharge(sheet: RateSheet, billableG: number): BaseCharge | undefined {
  const bracket = sheet.brackets.find((b) => b.fromG < billableG && billableG <= b.toG);
  if (!bracket) return undefined;
  const range = `${grams(bracket.fromG)}–${grams(bracket.toG)} bracket`;
  if (bracket.kind === 'per_kg') {
    return {
      bracket,
      base: perKgAmount(bracket.perKg, billableG),
      registration: bracket.perParcel,
      description: `Base freight, zone ${sheet.zone}: ${kilograms(billableG)} × ${cash(bracket.perKg)}/kg (${range})`,
    };
  }
  const steps = billableG <= bracket.firstG ? 0 : Math.ceil((billableG - bracket.firstG) / bracket.additionalG);
  const base = add(bracket.first, money(BigInt(bracket.additional.amount) * BigInt(steps), bracket.additional.currency));
  const detail = `first ${grams(bracket.firstG)} ${cash(bracket.first)}` + (steps > 0 ? ` + ${steps} × ${grams(bracket.additionalG)} at ${cash(bracket.additional)}` : '');
  return { bracket, base, registration: null, description: `Base freight, zone ${sheet.zone}: ${grams(billableG)}, ${detail} (${range})` };
}

const FUEL_BASE_NAMES: Record<FuelBase, string> = {
  base: 'base freight',
  registration: 'registration',
  remote_area: 'remote area',
  oversize: 'oversize',
  pick_pack: 'pick and pack',
};

/** "0.2650" → "26.5 %": the decimal point moved two places in the text, so no binary float is involved. */
function percent(rate: string): string {
  const [whole = '0', fraction = ''] = rate.split('.');
  const padded = fraction.padEnd(2, '0');
  const integer = String(Number(`${whole}${padded.slice(0, 2)}`));
  const rest = padded.slice(2).replace(/0+$/, '');
  return `${integer}${rest === '' ? '' : `.${rest}`} %`;
}

// ---------------------------------------------------------------------------------------------
// Quoting

type Verdict = { quote: Omit<ServiceQuote, 'comparableTotal' | 'rank'> } | { excluded: ExcludedService };

function exclusion(service: ServiceDefinition, reasons: ExcludedService['reasons']): Verdict {
  return { excluded: { serviceCode: service.code, serviceName: service.name, path: service.path, recommended: service.recommended, reasons } };
}

function quoteOne(data: LogisticsData, service: ServiceDefinition, parcel: Parcel, measure: ParcelMeasure, options: QuoteOptions, stock: ReadonlySet<string>): Verdict {
  const { date } = options;
  const country = parcel.destination.country;
  const postalCode = normalizePostalCode(parcel.destination.postalCode);
  const reasons: ExcludedService['reasons'] = [];

  if (service.warehouse) {
    if (!stock.has(service.warehouse.country)) {
      reasons.push({ code: 'no_warehouse_stock', detail: `No stock in the ${service.warehouse.country} warehouse (${service.warehouse.city})` });
    }
  } else if (!service.origins.includes(parcel.originCountry)) {
    reasons.push({ code: 'origin_not_served', detail: `Ships from ${service.origins.join(', ')}, not from ${parcel.originCountry}` });
  }

  const destination = service.destinations.find((d) => d.country === country);
  if (!destination) {
    reasons.push({ code: 'destination_not_served', detail: `Does not deliver to ${country}` });
  } else {
    const excluded = destination.excludedPostalRanges.find((r) => inPostalRange(postalCode, r));
    if (excluded) reasons.push({ code: 'destination_not_served', detail: `Does not deliver to ${country} ${parcel.destination.postalCode}: ${excluded.name ?? `postal codes ${excluded.from}–${excluded.to}`}` });
  }

  const { limits } = service;
  if (measure.actualWeightG > limits.maxWeightG) {
    reasons.push({ code: 'too_heavy', detail: `${grams(measure.actualWeightG)} is above the ${grams(limits.maxWeightG)} limit` });
  }
  if (measure.longestSideMm > limits.maxLongestSideMm) {
    reasons.push({ code: 'too_long', detail: `Longest side ${measure.longestSideMm} mm is above the ${limits.maxLongestSideMm} mm limit` });
  }
  if (limits.maxLengthPlusGirthMm !== undefined && measure.lengthPlusGirthMm > limits.maxLengthPlusGirthMm) {
    reasons.push({ code: 'too_large', detail: `Length plus girth ${measure.lengthPlusGirthMm} mm is above the ${limits.maxLengthPlusGirthMm} mm limit` });
  }
  if (limits.maxSumOfSidesMm !== undefined && measure.sumOfSidesMm > limits.maxSumOfSidesMm) {
    reasons.push({ code: 'too_large', detail: `Sum of sides ${measure.sumOfSidesMm} mm is above the ${limits.maxSumOfSidesMm} mm limit` });
  }
  if (limits.maxValue) {
    const cap = limits.maxValue;
    const value = measure.declaredValue.currency === cap.currency ? measure.declaredValue : (options.convert?.(measure.declaredValue, cap.currency) ?? null);
    if (value === null || value.currency !== cap.currency) {
      reasons.push({ code: 'value_not_comparable', detail: `The goods' value in ${measure.declaredValue.currency} cannot be compared with the ${cash(cap)} cap: no exchange rate` });
    } else if (compare(value, cap) > 0) {
      const shown = value === measure.declaredValue ? cash(value) : `${cash(measure.declaredValue)} (${cash(value)})`;
      reasons.push({ code: 'value_above_cap', detail: `Goods' value ${shown} is above the ${cash(cap)} cap` });
    }
  }
  if (reasons.length > 0 || !destination) return exclusion(service, reasons);

  const zone = zoneFor(data, country, postalCode);
  if (!zone) return exclusion(service, [{ code: 'destination_not_served', detail: `No zone covers ${country} ${parcel.destination.postalCode}` }]);
  const sheet = rateSheetOn(data, service.code, zone.code, date);
  if (!sheet) return exclusion(service, [{ code: 'no_rate_sheet', detail: `No rate sheet for zone ${zone.code} is in force on ${date}` }]);
  const weight = billableWeight(service, measure);
  const priced = baseCharge(sheet, weight.billableG);
  if (!priced) {
    const top = sheet.brackets[sheet.brackets.length - 1]!.toG;
    return exclusion(service, [{ code: 'beyond_rate_sheet', detail: `Billable weight ${grams(weight.billableG)} is beyond rate sheet ${sheet.id}, which ends at ${grams(top)}` }]);
  }

  const lines: QuoteLine[] = [{ kind: 'base', code: 'base', amount: priced.base, description: priced.description }];
  if (priced.registration) lines.push({ kind: 'fee', code: 'registration', amount: priced.registration, description: 'Registration fee per parcel' });

  const remote = remoteAreaOn(data, service.code, country, postalCode, date);
  if (remote) {
    const { charge } = remote.rule;
    let amount: Money;
    let how: string;
    if (charge.kind === 'per_shipment') {
      amount = charge.amount;
      how = 'per shipment';
    } else {
      const byWeight = perKgAmount(charge.perKg, weight.billableG);
      amount = compare(byWeight, charge.minimum) >= 0 ? byWeight : charge.minimum;
      how = `${kilograms(weight.billableG)} × ${cash(charge.perKg)}/kg, minimum ${cash(charge.minimum)}`;
    }
    lines.push({ kind: 'surcharge', code: 'remote_area', amount, description: `Remote-area surcharge, ${remote.area.name} (${how})` });
  }

  let oversize: { amount: Money; why: string } | undefined;
  for (const rule of oversizeRulesOn(data, service.code, date)) {
    const why: string[] = [];
    if (rule.longestSideOverMm !== undefined && measure.longestSideMm > rule.longestSideOverMm) why.push(`longest side ${measure.longestSideMm} mm over ${rule.longestSideOverMm} mm`);
    if (rule.lengthPlusGirthOverMm !== undefined && measure.lengthPlusGirthMm > rule.lengthPlusGirthOverMm) {
      why.push(`length plus girth ${measure.lengthPlusGirthMm} mm over ${rule.lengthPlusGirthOverMm} mm`);
    }
    if (why.length > 0 && (!oversize || compare(rule.fee, oversize.amount) > 0)) oversize = { amount: rule.fee, why: why.join(', ') };
  }
  if (oversize) lines.push({ kind: 'surcharge', code: 'oversize', amount: oversize.amount, description: `Oversize surcharge (${oversize.why})` });

  if (service.path === 'overseas_warehouse') {
    const fee = pickPackFeeOn(data, service.code, date);
    if (fee) {
      const extra = measure.units - 1;
      const amount = add(fee.perOrder, money(BigInt(fee.perAdditionalUnit.amount) * BigInt(extra), fee.currency));
      const detail = `${cash(fee.perOrder)} per order` + (extra > 0 ? ` + ${extra} more unit${extra === 1 ? '' : 's'} × ${cash(fee.perAdditionalUnit)}` : '');
      lines.push({ kind: 'fee', code: 'pick_pack', amount, description: `Warehouse pick and pack (${detail})` });
    }
  }

  const fuel = fuelSurchargeOn(data, service.code, date);
  if (fuel) {
    const on = lines.filter((line) => (fuel.appliesTo as readonly string[]).includes(line.code));
    const base = on.length === 0 ? money(0, service.currency) : add(on[0]!.amount, ...on.slice(1).map((l) => l.amount));
    const named = fuel.appliesTo.map((b) => FUEL_BASE_NAMES[b]).join(' + ');
    lines.push({
      kind: 'surcharge',
      code: 'fuel',
      amount: multiply(base, fuel.rate, 'half_up'),
      description: `Fuel surcharge ${percent(fuel.rate)} of ${named} (${cash(base)}), in force ${fuel.validFrom} to ${fuel.validTo ?? 'further notice'}`,
    });
  }

  let customs: Customs = service.path === 'overseas_warehouse' ? 'domestic' : 'DAP';
  let payableOnDelivery: DutyTaxLine[] | null = null;
  if (service.ddp && options.dutiesAndTaxes) {
    const shipping = add(lines[0]!.amount, ...lines.slice(1).map((l) => l.amount));
    const answer = options.dutiesAndTaxes(service.code, shipping);
    if (answer) {
      answer.lines.forEach((line, i) => checkDutyLine(line, service, i));
      if (answer.collectedNow) {
        customs = 'DDP';
        lines.push({ kind: 'fee', code: 'ddp_service', amount: service.ddp.fee, description: 'Duties and taxes prepaid (DDP) service fee' });
        for (const line of answer.lines) lines.push({ kind: line.kind, code: line.code, amount: line.amount, description: line.description });
      } else {
        payableOnDelivery = answer.lines;
      }
    }
  }

  return {
    quote: {
      serviceCode: service.code,
      serviceName: service.name,
      path: service.path,
      recommended: service.recommended,
      tracking: service.tracking,
      carriers: destination.carriers,
      deliveryDays: destination.deliveryDays,
      zone: zone.code,
      customs,
      ddpAvailable: service.ddp !== null,
      currency: service.currency,
      lines,
      total: add(lines[0]!.amount, ...lines.slice(1).map((l) => l.amount)),
      billableWeight: weight,
      rateSheet: { id: sheet.id, version: data.versions.rateSheets, validFrom: sheet.validFrom, validTo: sheet.validTo },
      payableOnDelivery,
    },
  };
}

function checkDutyLine(line: DutyTaxLine, service: ServiceDefinition, index: number): void {
  const field = `dutiesAndTaxes(${service.code}).lines[${index}]`;
  if (!['duty', 'tax', 'fee'].includes(line.kind)) throw new QuoteError(`${field}.kind`, `must be duty, tax or fee, got ${JSON.stringify(line.kind)}`);
  if (typeof line.code !== 'string' || line.code === '' || (CHARGE_CODES as readonly string[]).includes(line.code)) {
    throw new QuoteError(`${field}.code`, `must be a code of its own, not empty nor one of the shipping charges (${CHARGE_CODES.join(', ')}), got ${JSON.stringify(line.code)}`);
  }
  if (line.amount?.currency !== service.currency) {
    throw new QuoteError(`${field}.amount`, `must be in ${service.currency}, the currency of the shipping cost it was given, got ${line.amount?.currency}`);
  }
  if (!Number.isSafeInteger(line.amount.amount) || line.amount.amount < 0) throw new QuoteError(`${field}.amount`, `must be a non-negative amount, got ${line.amount.amount}`);
}

function checkParcel(parcel: Parcel, options: QuoteOptions): void {
  if (typeof options.date !== 'string' || !isValidDate(options.date)) throw new QuoteError('date', `must be a real date as YYYY-MM-DD, got ${JSON.stringify(options.date)}`);
  if (typeof parcel.originCountry !== 'string' || !/^[A-Z]{2}$/.test(parcel.originCountry)) {
    throw new QuoteError('originCountry', `must be an upper-case ISO 3166-1 alpha-2 code, got ${JSON.stringify(parcel.originCountry)}`);
  }
  const destination = parcel.destination;
  if (typeof destination?.country !== 'string' || !/^[A-Z]{2}$/.test(destination.country)) {
    throw new QuoteError('destination.country', `must be an upper-case ISO 3166-1 alpha-2 code, got ${JSON.stringify(destination?.country)}`);
  }
  if (typeof destination.postalCode !== 'string' || !/^[A-Z0-9]{2,10}$/.test(normalizePostalCode(destination.postalCode))) {
    throw new QuoteError('destination.postalCode', `must be a postal code of 2 to 10 letters and digits (spaces and hyphens allowed), got ${JSON.stringify(destination.postalCode)}`);
  }
  if (options.rankCurrency !== undefined && !isCurrency(options.rankCurrency)) throw new QuoteError('rankCurrency', `${JSON.stringify(options.rankCurrency)} is not an ISO 4217 currency code`);
}

/**
 * Quotes every service for a parcel on a date. Each service is either in `quotes`, priced line by
 * line, or in `excluded` with every reason that rules it out. Quotes are ranked by total in
 * `rankCurrency` (converting with `convert` where needed), cheapest first; ties go to the
 * recommended service, then the shorter delivery window. Totals that cannot be converted come last.
 */
export function quoteServices(data: LogisticsData, parcel: Parcel, options: QuoteOptions): QuoteResult {
  checkParcel(parcel, options);
  const measure = measureParcel(parcel);
  const stock = new Set(options.warehouseStock ?? []);
  const rankCurrency = options.rankCurrency ?? measure.declaredValue.currency;

  const quotes: ServiceQuote[] = [];
  const excluded: ExcludedService[] = [];
  for (const service of data.services) {
    const verdict = quoteOne(data, service, parcel, measure, options, stock);
    if ('excluded' in verdict) {
      excluded.push(verdict.excluded);
      continue;
    }
    const { total } = verdict.quote;
    let comparableTotal: Money | null = total.currency === rankCurrency ? total : (options.convert?.(total, rankCurrency) ?? null);
    if (comparableTotal !== null && comparableTotal.currency !== rankCurrency) comparableTotal = null;
    quotes.push({ ...verdict.quote, comparableTotal, rank: 0 });
  }

  quotes.sort((a, b) => {
    if (a.comparableTotal && b.comparableTotal) {
      const byTotal = compare(a.comparableTotal, b.comparableTotal);
      if (byTotal !== 0) return byTotal;
    } else if (a.comparableTotal || b.comparableTotal) {
      return a.comparableTotal ? -1 : 1;
    } else if (a.currency !== b.currency) {
      return a.currency < b.currency ? -1 : 1;
    } else if (a.total.amount !== b.total.amount) {
      return a.total.amount - b.total.amount;
    }
    if (a.recommended !== b.recommended) return a.recommended ? -1 : 1;
    if (a.deliveryDays.max !== b.deliveryDays.max) return a.deliveryDays.max - b.deliveryDays.max;
    return a.serviceCode < b.serviceCode ? -1 : a.serviceCode > b.serviceCode ? 1 : 0;
  });
  quotes.forEach((quote, index) => (quote.rank = index + 1));

  return { date: options.date, parcel: measure, rankCurrency, quotes, excluded };
}

import { describe, expect, it } from 'vitest';
import { money, multiply, type Money } from '../../platform/money/index.ts';
import {
  QuoteError,
  baseCharge,
  billableWeight,
  measureParcel,
  quoteServices,
  type DutiesAndTaxes,
  type Parcel,
  type ParcelItem,
  type QuoteOptions,
  type QuoteResult,
  type ServiceQuote,
} from './quote.ts';
import { loadLogisticsData, parseLogisticsData, type LogisticsData, type RateSheet, type ServiceDefinition } from './rate-sheets.ts';

/*
 * A small data set with round figures, so every expected amount below can be worked out by hand
 * from what is written here. Amounts are minor units (CNY fen, USD and EUR cents).
 *
 *   std    standard, CNY, divisor 6000, 10 g steps, DDP fee 5.00; ES/FR/BR
 *   line   dedicated line, CNY, divisor 6000 but none within 600 mm longest / 900 mm sum of sides,
 *          10 g steps, 50 g minimum, ≤ 2000 g, ≤ 1000 mm, sum ≤ 1800 mm, value ≤ EUR 150; ES except Canarias
 *   exp    express, USD, divisor 5000, 500 g steps, DDP fee 10.00; ES/FR/BR
 *   wh_es  Spain warehouse, EUR, divisor 4000, 500 g steps; ES
 */
const destination = (country: string, extra: object = {}) => ({ country, delivery_days: { min: 5, max: 10 }, carriers: ['carrier_a', 'carrier_b'], ...extra });
const sheet = (id: string, service: string, zone: string, currency: string, brackets: object[], valid_from = '2026-01-01', valid_to: string | null = null) => ({
  id,
  service,
  zone,
  currency,
  valid_from,
  valid_to,
  brackets,
});
const firstAdditional = (first: number, additional: number, perKgAbove: number) => [
  { from_g: 0, to_g: 20000, first_g: 500, first, additional_g: 500, additional },
  { from_g: 20000, to_g: 70000, per_kg: perKgAbove },
];
const header = { source: 'test fixture', version: '2026-11-20', recorded_on: '2026-11-20' };
const CANARIAS = { country: 'ES', name: 'Canarias', postal_ranges: [{ from: '35', to: '35' }, { from: '38', to: '38' }] };
const CORSE = { country: 'FR', name: 'Corse', postal_ranges: [{ from: '20', to: '20' }] };
const BR_NORTH = { country: 'BR', name: 'North region', postal_ranges: [{ from: '66', to: '69' }, { from: '768', to: '779' }] };

const fixture: LogisticsData = parseLogisticsData({
  services: {
    ...header,
    services: [
      {
        code: 'std',
        name: 'Standard',
        path: 'standard',
        recommended: true,
        origins: ['CN'],
        currency: 'CNY',
        tracking: 'end_to_end',
        volumetric: { divisor: 6000 },
        billable_weight: { step_g: 10 },
        limits: { max_weight_g: 30000, max_longest_side_mm: 1200, max_length_plus_girth_mm: 3000 },
        ddp: { fee: 500 },
        destinations: [destination('ES'), destination('FR'), destination('BR', { delivery_days: { min: 15, max: 30 } })],
      },
      {
        code: 'line',
        name: 'Spain line',
        path: 'dedicated_line',
        recommended: false,
        origins: ['CN'],
        currency: 'CNY',
        tracking: 'to_border',
        volumetric: { divisor: 6000, exempt_up_to: { longest_side_mm: 600, sum_of_sides_mm: 900 } },
        billable_weight: { step_g: 10, minimum_g: 50 },
        limits: { max_weight_g: 2000, max_longest_side_mm: 1000, max_sum_of_sides_mm: 1800, max_value: { amount: 15000, currency: 'EUR' } },
        ddp: null,
        destinations: [destination('ES', { delivery_days: { min: 10, max: 20 }, excluded_postal_ranges: [{ from: '35', to: '35', name: 'Las Palmas' }, { from: '38', to: '38' }] })],
      },
      {
        code: 'exp',
        name: 'Express',
        path: 'express',
        recommended: false,
        origins: ['CN'],
        currency: 'USD',
        tracking: 'end_to_end',
        volumetric: { divisor: 5000 },
        billable_weight: { step_g: 500 },
        limits: { max_weight_g: 70000, max_longest_side_mm: 3000 },
        ddp: { fee: 1000 },
        destinations: [destination('ES', { delivery_days: { min: 3, max: 6 } }), destination('FR'), destination('BR')],
      },
      {
        code: 'wh_es',
        name: 'Spain warehouse',
        path: 'overseas_warehouse',
        recommended: false,
        warehouse: { code: 'wh_es_mad', country: 'ES', city: 'Madrid' },
        currency: 'EUR',
        tracking: 'end_to_end',
        volumetric: { divisor: 4000 },
        billable_weight: { step_g: 500 },
        limits: { max_weight_g: 30000, max_longest_side_mm: 1500 },
        ddp: null,
        destinations: [destination('ES', { delivery_days: { min: 1, max: 3 } })],
      },
    ],
  },
  zones: {
    ...header,
    zones: [
      { code: 'ES', name: 'Spain', country: 'ES' },
      { code: 'FR', name: 'France', country: 'FR' },
      { code: 'BR-1', name: 'Brazil South-East and South', country: 'BR', postal_prefixes: ['0', '1', '2', '3', '8', '9'] },
      { code: 'BR-2', name: 'Brazil rest', country: 'BR' },
    ],
  },
  rateSheets: {
    ...header,
    sheets: [
      sheet('std:ES:A', 'std', 'ES', 'CNY', [{ from_g: 0, to_g: 2000, per_kg: 8000, per_parcel: 1500 }, { from_g: 2000, to_g: 30000, per_kg: 7000, per_parcel: 1500 }], '2026-01-01', '2026-11-30'),
      sheet('std:ES:B', 'std', 'ES', 'CNY', [{ from_g: 0, to_g: 2000, per_kg: 8800, per_parcel: 1500 }, { from_g: 2000, to_g: 30000, per_kg: 7700, per_parcel: 1500 }], '2026-12-01'),
      sheet('std:FR', 'std', 'FR', 'CNY', [{ from_g: 0, to_g: 30000, per_kg: 9000, per_parcel: 1600 }]),
      sheet('std:BR-1', 'std', 'BR-1', 'CNY', [{ from_g: 0, to_g: 30000, per_kg: 10000, per_parcel: 2000 }]),
      sheet('std:BR-2', 'std', 'BR-2', 'CNY', [{ from_g: 0, to_g: 30000, per_kg: 12050, per_parcel: 2000 }]),
      sheet('line:ES', 'line', 'ES', 'CNY', [{ from_g: 0, to_g: 300, per_kg: 7000, per_parcel: 1200 }, { from_g: 300, to_g: 2000, per_kg: 6000, per_parcel: 1200 }]),
      sheet('exp:ES', 'exp', 'ES', 'USD', firstAdditional(2000, 500, 1200)),
      sheet('exp:FR', 'exp', 'FR', 'USD', firstAdditional(2000, 500, 1200)),
      sheet('exp:BR-1', 'exp', 'BR-1', 'USD', firstAdditional(3000, 800, 1800)),
      sheet('exp:BR-2', 'exp', 'BR-2', 'USD', firstAdditional(3000, 800, 1800)),
      sheet('wh_es:ES', 'wh_es', 'ES', 'EUR', [{ from_g: 0, to_g: 30000, first_g: 1000, first: 400, additional_g: 1000, additional: 100 }]),
    ],
  },
  surcharges: {
    ...header,
    fuel: [
      { id: 'fuel:std', service: 'std', valid_from: '2026-01-01', valid_to: null, rate: '0.1000', applies_to: ['base'] },
      { id: 'fuel:exp:11', service: 'exp', valid_from: '2026-11-01', valid_to: '2026-11-30', rate: '0.2000', applies_to: ['base', 'remote_area'] },
      { id: 'fuel:exp:12', service: 'exp', valid_from: '2026-12-01', valid_to: null, rate: '0.2500', applies_to: ['base', 'remote_area'] },
      { id: 'fuel:wh_es', service: 'wh_es', valid_from: '2026-01-01', valid_to: null, rate: '0.0500', applies_to: ['base'] },
    ],
    remote_areas: [
      { id: 'ra:std:canarias', services: ['std'], currency: 'CNY', valid_from: '2026-01-01', valid_to: null, charge: { per_shipment: 3000 }, areas: [CANARIAS] },
      { id: 'ra:std:corse', services: ['std'], currency: 'CNY', valid_from: '2026-01-01', valid_to: null, charge: { per_shipment: 1000 }, areas: [CORSE] },
      { id: 'ra:std:br-north', services: ['std'], currency: 'CNY', valid_from: '2026-01-01', valid_to: null, charge: { per_kg: 500, minimum: 2000 }, areas: [BR_NORTH] },
      { id: 'ra:exp', services: ['exp'], currency: 'USD', valid_from: '2026-01-01', valid_to: null, charge: { per_kg: 100, minimum: 3000 }, areas: [CANARIAS, CORSE] },
      { id: 'ra:wh_es', services: ['wh_es'], currency: 'EUR', valid_from: '2026-01-01', valid_to: null, charge: { per_shipment: 900 }, areas: [CANARIAS] },
    ],
    oversize: [
      { id: 'os:std:long', services: ['std'], currency: 'CNY', valid_from: '2026-01-01', valid_to: null, when: { longest_side_over_mm: 800 }, fee: 4000 },
      { id: 'os:std:girth', services: ['std'], currency: 'CNY', valid_from: '2026-01-01', valid_to: null, when: { length_plus_girth_over_mm: 2400 }, fee: 6000 },
      { id: 'os:exp', services: ['exp'], currency: 'USD', valid_from: '2026-01-01', valid_to: null, when: { longest_side_over_mm: 1200 }, fee: 5000 },
    ],
    pick_pack: [{ id: 'pp:wh_es', service: 'wh_es', currency: 'EUR', valid_from: '2026-01-01', valid_to: null, per_order: 120, per_additional_unit: 30 }],
  },
});

const NOV = '2026-11-25';
const DEC = '2026-12-01';

// Fixed test rates: 1 CNY = 0.125 EUR, 1 EUR = 8 CNY, 1 USD = 7.2 CNY.
const RATES: Record<string, string> = { 'CNY>EUR': '0.125', 'EUR>CNY': '8', 'USD>CNY': '7.2' };
const convert = (value: Money, currency: string): Money | null => {
  const rate = RATES[`${value.currency}>${currency}`];
  return rate === undefined ? null : money(multiply(value, rate, 'half_up').amount, currency);
};

/** One unit of 800 g in a 250 × 200 × 100 mm box worth CNY 300.00. */
const item = (overrides: Partial<ParcelItem> = {}): ParcelItem => ({
  weightG: 800,
  dimensionsMm: { lengthMm: 250, widthMm: 200, heightMm: 100 },
  value: money(30000, 'CNY'),
  hsCode: '851830',
  quantity: 1,
  ...overrides,
});

const parcel = (country: string, postalCode: string, overrides: Partial<Parcel> = {}): Parcel => ({
  originCountry: 'CN',
  destination: { country, postalCode },
  items: [item()],
  ...overrides,
});

const boxed = (lengthMm: number, widthMm: number, heightMm: number, weightG: number): Partial<Parcel> => ({
  items: [item({ weightG, dimensionsMm: undefined })],
  package: { dimensionsMm: { lengthMm, widthMm, heightMm } },
});

function quote(p: Parcel, options: Partial<QuoteOptions> = {}): QuoteResult {
  return quoteServices(fixture, p, { date: NOV, convert, ...options });
}

function quoted(result: QuoteResult, code: string): ServiceQuote {
  const found = result.quotes.find((q) => q.serviceCode === code);
  if (!found) throw new Error(`${code} was not quoted: ${JSON.stringify(result.excluded.find((e) => e.serviceCode === code)?.reasons)}`);
  return found;
}

/** The lines as [code, amount] pairs, the form the hand calculations below are written in. */
const lines = (q: ServiceQuote) => q.lines.map((l) => [l.code, l.amount.amount]);

function reasons(result: QuoteResult, code: string): string[] {
  const found = result.excluded.find((e) => e.serviceCode === code);
  if (!found) throw new Error(`${code} was not excluded`);
  return found.reasons.map((r) => r.code);
}

const service = (code: string): ServiceDefinition => fixture.services.find((s) => s.code === code)!;
const sheetById = (id: string): RateSheet => fixture.rateSheets.find((s) => s.id === id)!;

describe('billable weight', () => {
  it('takes volumetric weight at divisor 6000 when it is above actual weight, in 10 g steps', () => {
    // 400 × 300 × 200 mm = 24 000 000 mm³ / 6000 = 4000 g > 1234 g actual → 4000 g (already a 10 g multiple).
    const w = billableWeight(service('std'), measureParcel(parcel('ES', '28001', boxed(400, 300, 200, 1234))));
    expect(w).toMatchObject({ actualG: 1234, volumetricG: 4000, divisor: 6000, basis: 'volumetric', stepG: 10, billableG: 4000 });
    // 301 × 200 × 100 = 6 020 000 / 6000 = 1003.33… → 1004 g, rounded up to 10 g → 1010 g.
    const odd = billableWeight(service('std'), measureParcel(parcel('ES', '28001', boxed(301, 200, 100, 500))));
    expect(odd).toMatchObject({ volumetricG: 1004, basis: 'volumetric', billableG: 1010 });
    expect(odd.explanation).toContain('rounded up to the next 10 g: 1,010 g');
  });

  it('takes volumetric weight at divisor 5000 for express, rounded up to the next 0.5 kg', () => {
    // Same box: 24 000 000 / 5000 = 4800 g → next 500 g = 5000 g (it would be 4000 g at 6000).
    const w = billableWeight(service('exp'), measureParcel(parcel('ES', '28001', boxed(400, 300, 200, 1234))));
    expect(w).toMatchObject({ volumetricG: 4800, divisor: 5000, basis: 'volumetric', stepG: 500, billableG: 5000 });
  });

  it('takes actual weight when it is the heavier one', () => {
    // 200 × 100 × 100 = 2 000 000 / 6000 = 333.33 → 334 g < 1234 g actual → 1234 g → 1240 g (10 g steps).
    expect(billableWeight(service('std'), measureParcel(parcel('ES', '28001', boxed(200, 100, 100, 1234))))).toMatchObject({
      volumetricG: 334,
      basis: 'actual',
      billableG: 1240,
    });
    // Express: 2 000 000 / 5000 = 400 g < 1001 g actual → next 500 g = 1500 g.
    expect(billableWeight(service('exp'), measureParcel(parcel('ES', '28001', boxed(200, 100, 100, 1001))))).toMatchObject({
      volumetricG: 400,
      basis: 'actual',
      billableG: 1500,
    });
  });

  it('has no volumetric weight on a dedicated line within its size cap, and applies it above the cap', () => {
    // 500 × 300 × 90: longest 500 ≤ 600, sum 890 ≤ 900 → exempt. At 6000 it would have been 2250 g.
    const within = billableWeight(service('line'), measureParcel(parcel('ES', '28001', boxed(500, 300, 90, 800))));
    expect(within).toMatchObject({ volumetricG: null, exemptUnderSizeCap: true, basis: 'actual', billableG: 800 });
    // 610 × 200 × 80: longest 610 > 600 → 9 760 000 / 6000 = 1626.67 → 1627 g → 1630 g.
    const above = billableWeight(service('line'), measureParcel(parcel('ES', '28001', boxed(610, 200, 80, 800))));
    expect(above).toMatchObject({ volumetricG: 1627, exemptUnderSizeCap: false, basis: 'volumetric', billableG: 1630 });
    // 30 g actual in a small envelope: raised to the line's 50 g minimum.
    expect(billableWeight(service('line'), measureParcel(parcel('ES', '28001', boxed(150, 100, 10, 30)))).billableG).toBe(50);
  });

  it('estimates the box from stacked items when no package size is given', () => {
    // Two units of 250 × 200 × 100 laid flat and stacked: 250 × 200 × (2 × 100) → sides 250, 200, 200.
    const measure = measureParcel(parcel('ES', '28001', { items: [item({ quantity: 2 })] }));
    expect(measure).toMatchObject({
      actualWeightG: 1600,
      dimensionsMm: { lengthMm: 250, widthMm: 200, heightMm: 200 },
      dimensionsFrom: 'items_stacked',
      sumOfSidesMm: 650,
      lengthPlusGirthMm: 250 + 2 * (200 + 200),
      declaredValue: { amount: 60000, currency: 'CNY' },
      units: 2,
    });
  });

  it('adds packaging weight and uses the package size when given', () => {
    const measure = measureParcel({ ...parcel('ES', '28001'), package: { dimensionsMm: { lengthMm: 100, widthMm: 300, heightMm: 200 }, packagingWeightG: 120 } });
    expect(measure).toMatchObject({ actualWeightG: 920, dimensionsMm: { lengthMm: 300, widthMm: 200, heightMm: 100 }, dimensionsFrom: 'package' });
  });
});

describe('bracket arithmetic', () => {
  it('prices first weight plus each additional step begun', () => {
    const exp = sheetById('exp:ES');
    // 500 g: the first weight only = 20.00.
    expect(baseCharge(exp, 500)?.base.amount).toBe(2000);
    // 2000 g: 20.00 + ⌈(2000 − 500) / 500⌉ = 3 steps × 5.00 = 35.00.
    expect(baseCharge(exp, 2000)?.base.amount).toBe(3500);
    // 20 000 g, the top of the bracket: 20.00 + 39 × 5.00 = 215.00.
    expect(baseCharge(exp, 20000)?.base.amount).toBe(21500);
    // 20 500 g falls in the next bracket, per kg on the whole weight: 20.5 × 12.00 = 246.00.
    expect(baseCharge(exp, 20500)?.base.amount).toBe(24600);
    expect(baseCharge(exp, 20500)?.registration).toBeNull();
    // A weight that is not a step multiple still counts each step begun: 20.00 + ⌈600 / 500⌉ = 2 × 5.00.
    expect(baseCharge(exp, 1100)?.base.amount).toBe(3000);
  });

  it('prices per kg plus a per-parcel registration fee, rounding half up to the fen', () => {
    const std = sheetById('std:ES:A');
    // 1240 g × 80.00/kg = 99.20; registration 15.00.
    expect(baseCharge(std, 1240)).toMatchObject({ base: { amount: 9920 }, registration: { amount: 1500 } });
    // 2000 g is the top of the first bracket (80.00/kg = 160.00); 2010 g is in the second (2.01 × 70.00 = 140.70).
    expect(baseCharge(std, 2000)?.base.amount).toBe(16000);
    expect(baseCharge(std, 2010)?.base.amount).toBe(14070);
    // 1010 g × 120.50/kg = 121.705 → half up → 121.71.
    expect(baseCharge(sheetById('std:BR-2'), 1010)?.base.amount).toBe(12171);
    // Beyond the last bracket there is no price.
    expect(baseCharge(std, 30010)).toBeUndefined();
  });
});

describe('quotes', () => {
  it('itemises a parcel to Madrid for every service and ranks the cheapest first', () => {
    const result = quote(parcel('ES', '28001'), { warehouseStock: ['ES'] });
    // std: 250 × 200 × 100 = 5 000 000 / 6000 = 833.3 → 834 g > 800 g → 840 g.
    //      base 0.84 × 80.00 = 67.20; registration 15.00; fuel 10 % of base = 6.72 → 88.92.
    expect(lines(quoted(result, 'std'))).toEqual([['base', 6720], ['registration', 1500], ['fuel', 672]]);
    expect(quoted(result, 'std').total).toEqual(money(8892, 'CNY'));
    // line: within the size cap → actual 800 g; 0.8 × 60.00 = 48.00 + registration 12.00 = 60.00; no fuel on this line.
    expect(lines(quoted(result, 'line'))).toEqual([['base', 4800], ['registration', 1200]]);
    // exp: 5 000 000 / 5000 = 1000 g → 1000 g; 20.00 + 1 × 5.00 = 25.00; fuel 20 % (November) = 5.00 → USD 30.00.
    expect(lines(quoted(result, 'exp'))).toEqual([['base', 2500], ['fuel', 500]]);
    // wh_es: 5 000 000 / 4000 = 1250 g → 1500 g; 4.00 + ⌈500 / 1000⌉ × 1.00 = 5.00; pick/pack 1.20; fuel 5 % of 5.00 = 0.25 → EUR 6.45.
    expect(lines(quoted(result, 'wh_es'))).toEqual([['base', 500], ['pick_pack', 120], ['fuel', 25]]);

    // Ranked in CNY (the goods' currency): wh_es 6.45 × 8 = 51.60; line 60.00; std 88.92; exp 30.00 × 7.2 = 216.00.
    expect(result.rankCurrency).toBe('CNY');
    expect(result.quotes.map((q) => [q.serviceCode, q.rank, q.comparableTotal?.amount])).toEqual([
      ['wh_es', 1, 5160],
      ['line', 2, 6000],
      ['std', 3, 8892],
      ['exp', 4, 21600],
    ]);
    expect(result.quotes.filter((q) => q.recommended).map((q) => q.serviceCode)).toEqual(['std']);
    expect(result.excluded).toEqual([]);
  });

  it('states the rate sheet, billable weight, delivery window, tracking and carriers of each quote', () => {
    const std = quoted(quote(parcel('ES', '28001')), 'std');
    expect(std.rateSheet).toEqual({ id: 'std:ES:A', version: '2026-11-20', validFrom: '2026-01-01', validTo: '2026-11-30' });
    expect(std.billableWeight).toMatchObject({ actualG: 800, volumetricG: 834, divisor: 6000, basis: 'volumetric', stepG: 10, billableG: 840 });
    expect(std).toMatchObject({ zone: 'ES', currency: 'CNY', tracking: 'end_to_end', deliveryDays: { min: 5, max: 10 }, carriers: ['carrier_a', 'carrier_b'], path: 'standard' });
    expect(quoted(quote(parcel('ES', '28001')), 'line').tracking).toBe('to_border');
    for (const line of std.lines) expect(line.description.length).toBeGreaterThan(10);
  });

  it('uses the rate sheet in force on the date', () => {
    // From 2026-12-01, std:ES:B: 0.84 × 88.00 = 73.92; registration 15.00; fuel 7.392 → 7.39 → 96.31.
    const std = quoted(quote(parcel('ES', '28001'), { date: DEC }), 'std');
    expect(std.rateSheet.id).toBe('std:ES:B');
    expect(lines(std)).toEqual([['base', 7392], ['registration', 1500], ['fuel', 739]]);
    expect(std.total.amount).toBe(9631);
  });

  it('applies fuel only to its stated base, at the rate of the date', () => {
    // Las Palmas, 800 g parcel.
    const nov = quote(parcel('ES', '35001'));
    // std: fuel on base only: 10 % of 67.20 = 6.72, not on the 30.00 remote-area fee nor the 15.00 registration.
    expect(lines(quoted(nov, 'std'))).toEqual([['base', 6720], ['registration', 1500], ['remote_area', 3000], ['fuel', 672]]);
    expect(quoted(nov, 'std').total.amount).toBe(6720 + 1500 + 3000 + 672);
    // exp: remote area 1 kg × 1.00 = 1.00 < 30.00 minimum → 30.00; fuel 20 % of (25.00 + 30.00) = 11.00.
    expect(lines(quoted(nov, 'exp'))).toEqual([['base', 2500], ['remote_area', 3000], ['fuel', 1100]]);
    expect(quoted(nov, 'exp').total.amount).toBe(6600);
    // December's express fuel is 25 %: 25 % of 55.00 = 13.75.
    const dec = quoted(quote(parcel('ES', '35001'), { date: DEC }), 'exp');
    expect(lines(dec)).toEqual([['base', 2500], ['remote_area', 3000], ['fuel', 1375]]);
    expect(dec.total.amount).toBe(6875);
    expect(dec.lines.find((l) => l.code === 'fuel')?.description).toContain('25 %');
  });

  it('finds remote areas by postal code: Canarias, Corse and Brazil North', () => {
    // Santa Cruz de Tenerife written with a space is still Canarias.
    expect(lines(quoted(quote(parcel('ES', '38 001')), 'std'))).toContainEqual(['remote_area', 3000]);
    // Madrid and Paris are not remote.
    expect(quoted(quote(parcel('ES', '28001')), 'std').lines.map((l) => l.code)).not.toContain('remote_area');
    expect(quoted(quote(parcel('FR', '75001')), 'std').lines.map((l) => l.code)).not.toContain('remote_area');
    // Ajaccio: 0.84 × 90.00 = 75.60; registration 16.00; remote 10.00; fuel 7.56 → 109.16.
    const corse = quoted(quote(parcel('FR', '20000')), 'std');
    expect(lines(corse)).toEqual([['base', 7560], ['registration', 1600], ['remote_area', 1000], ['fuel', 756]]);
    expect(corse.total.amount).toBe(10916);
    // Manaus 69005-070: zone BR-2 (not a BR-1 prefix); 0.84 × 120.50 = 101.22; registration 20.00;
    // remote 0.84 × 5.00 = 4.20 < 20.00 minimum → 20.00; fuel 10.122 → 10.12 → 151.34.
    const manaus = quoted(quote(parcel('BR', '69005-070')), 'std');
    expect(manaus.zone).toBe('BR-2');
    expect(lines(manaus)).toEqual([['base', 10122], ['registration', 2000], ['remote_area', 2000], ['fuel', 1012]]);
    expect(manaus.total.amount).toBe(15134);
    // A 5 kg parcel to Manaus: per kg beats the minimum: 5 × 5.00 = 25.00.
    // (300 × 200 × 200 = 12 000 000 / 6000 = 2000 g < 5000 g actual.) Base 5 × 120.50 = 602.50; fuel 60.25.
    const heavy = quoted(quote(parcel('BR', '69005070', boxed(300, 200, 200, 5000))), 'std');
    expect(lines(heavy)).toEqual([['base', 60250], ['registration', 2000], ['remote_area', 2500], ['fuel', 6025]]);
    // Porto Velho 76801-000 (Rondônia, North, via the 768–779 range); Salvador 40010-000 is not North.
    expect(lines(quoted(quote(parcel('BR', '76801-000')), 'std'))).toContainEqual(['remote_area', 2000]);
    expect(quoted(quote(parcel('BR', '40010-000')), 'std').lines.map((l) => l.code)).not.toContain('remote_area');
    // São Paulo 01310-100 is zone BR-1: 0.84 × 100.00 = 84.00.
    const saoPaulo = quoted(quote(parcel('BR', '01310-100')), 'std');
    expect([saoPaulo.zone, saoPaulo.lines[0]!.amount.amount]).toEqual(['BR-1', 8400]);
  });

  it('charges oversize by longest side or length plus girth, only the largest fee, and outside fuel unless stated', () => {
    // 900 × 200 × 100 mm, 2000 g: 18 000 000 / 6000 = 3000 g; 3 × 70.00 = 210.00; registration 15.00;
    // longest 900 > 800 → 40.00; girth 900 + 2 × 300 = 1500 ≤ 2400; fuel 10 % of base only = 21.00 → 286.00.
    const long = quoted(quote(parcel('ES', '28001', boxed(900, 200, 100, 2000))), 'std');
    expect(lines(long)).toEqual([['base', 21000], ['registration', 1500], ['oversize', 4000], ['fuel', 2100]]);
    expect(long.total.amount).toBe(28600);
    // 1000 × 450 × 300, 5000 g: girth 1000 + 2 × 750 = 2500 > 2400 (60.00) and longest 1000 > 800 (40.00):
    // one line, the larger 60.00. 135 000 000 / 6000 = 22 500 g; 22.5 × 70.00 = 1575.00; fuel 157.50.
    const both = quoted(quote(parcel('ES', '28001', boxed(1000, 450, 300, 5000))), 'std');
    expect(lines(both)).toEqual([['base', 157500], ['registration', 1500], ['oversize', 6000], ['fuel', 15750]]);
    expect(both.lines.find((l) => l.code === 'oversize')?.description).toContain('length plus girth 2500 mm over 2400 mm');
    // Whatever order the rules are listed in.
    const reversed = { ...fixture, oversize: [...fixture.oversize].reverse() };
    const again = quoteServices(reversed, parcel('ES', '28001', boxed(1000, 450, 300, 5000)), { date: NOV, convert }).quotes.find((q) => q.serviceCode === 'std')!;
    expect(lines(again)).toContainEqual(['oversize', 6000]);
    expect(again.lines.filter((l) => l.code === 'oversize')).toHaveLength(1);
    // Express 1300 × 300 × 200, 3000 g: 78 000 000 / 5000 = 15 600 g → 16 000 g; 20.00 + 31 × 5.00 = 175.00;
    // longest 1300 > 1200 → 50.00; fuel 20 % of base + remote area only = 35.00 → 260.00.
    const exp = quoted(quote(parcel('ES', '28001', boxed(1300, 300, 200, 3000))), 'exp');
    expect(lines(exp)).toEqual([['base', 17500], ['oversize', 5000], ['fuel', 3500]]);
    expect(exp.total.amount).toBe(26000);
  });

  it('charges the warehouse pick/pack fee per order and per extra unit, with no customs', () => {
    // Three units of 300 g, 200 × 150 × 50 mm, stacked: 200 × 150 × 150 = 4 500 000 / 4000 = 1125 g > 900 g → 1500 g.
    // Base 4.00 + 1 × 1.00 = 5.00; pick/pack 1.20 + 2 × 0.30 = 1.80; fuel 5 % of 5.00 = 0.25 → EUR 7.05.
    const three = item({ weightG: 300, dimensionsMm: { lengthMm: 200, widthMm: 150, heightMm: 50 }, quantity: 3 });
    const wh = quoted(quote(parcel('ES', '28001', { items: [three] }), { warehouseStock: new Set(['ES']) }), 'wh_es');
    expect(lines(wh)).toEqual([['base', 500], ['pick_pack', 180], ['fuel', 25]]);
    expect(wh.total).toEqual(money(705, 'EUR'));
    expect(wh.customs).toBe('domestic');
    // To Las Palmas from the Madrid warehouse: plus the 9.00 remote-area fee → 16.05.
    const canarias = quoted(quote(parcel('ES', '35001', { items: [three] }), { warehouseStock: ['ES'] }), 'wh_es');
    expect(lines(canarias)).toEqual([['base', 500], ['remote_area', 900], ['pick_pack', 180], ['fuel', 25]]);
    expect(canarias.total.amount).toBe(1605);
  });
});

describe('duties and taxes (DDP)', () => {
  // A stand-in landed-cost engine: a fixed 12.00 duty and 21 % VAT on the shipping cost it is given.
  const calls: [string, Money][] = [];
  const landedCost =
    (collectedNow: boolean): DutiesAndTaxes =>
    (serviceCode, shippingCost) => {
      calls.push([serviceCode, shippingCost]);
      return {
        collectedNow,
        lines: [
          { kind: 'duty', code: 'import_duty', amount: money(1200, shippingCost.currency), description: 'Import duty' },
          { kind: 'tax', code: 'import_vat', amount: multiply(shippingCost, '0.21', 'half_up'), description: 'Import VAT 21 %' },
        ],
      };
    };

  it('adds the DDP fee and the duty and tax lines for services that clear duties', () => {
    calls.length = 0;
    const result = quote(parcel('ES', '28001'), { warehouseStock: ['ES'], dutiesAndTaxes: landedCost(true) });
    // Asked only for the DDP services, each with its shipping cost before the DDP fee: std 88.92 CNY, exp 30.00 USD.
    expect(calls).toEqual([
      ['std', money(8892, 'CNY')],
      ['exp', money(3000, 'USD')],
    ]);
    // std: 88.92 + DDP fee 5.00 + duty 12.00 + VAT 21 % × 88.92 = 18.6732 → 18.67 → 124.59.
    const std = quoted(result, 'std');
    expect(std.customs).toBe('DDP');
    expect(std.lines.map((l) => [l.kind, l.code, l.amount.amount])).toEqual([
      ['base', 'base', 6720],
      ['fee', 'registration', 1500],
      ['surcharge', 'fuel', 672],
      ['fee', 'ddp_service', 500],
      ['duty', 'import_duty', 1200],
      ['tax', 'import_vat', 1867],
    ]);
    expect(std.total.amount).toBe(12459);
    // exp: 30.00 + 10.00 + 12.00 + 6.30 = 58.30.
    expect(quoted(result, 'exp').total.amount).toBe(5830);
    // The line has no DDP and the warehouse stock is already cleared: no fee, no duty lines.
    expect(quoted(result, 'line')).toMatchObject({ customs: 'DAP', ddpAvailable: false, payableOnDelivery: null });
    expect(quoted(result, 'line').total.amount).toBe(6000);
    expect(quoted(result, 'wh_es').customs).toBe('domestic');
  });

  it('leaves duties out of the total when they are paid on delivery, and shows them apart', () => {
    const std = quoted(quote(parcel('ES', '28001'), { dutiesAndTaxes: landedCost(false) }), 'std');
    expect(std.customs).toBe('DAP');
    expect(lines(std)).toEqual([['base', 6720], ['registration', 1500], ['fuel', 672]]);
    expect(std.total.amount).toBe(8892);
    expect(std.payableOnDelivery?.map((l) => [l.code, l.amount.amount])).toEqual([['import_duty', 1200], ['import_vat', 1867]]);
  });

  it('quotes without DDP when the landed-cost engine has no answer or is not given', () => {
    const none = quoted(quote(parcel('ES', '28001'), { dutiesAndTaxes: () => null }), 'std');
    expect(none).toMatchObject({ customs: 'DAP', ddpAvailable: true, payableOnDelivery: null, total: { amount: 8892 } });
    expect(quoted(quote(parcel('ES', '28001')), 'std').customs).toBe('DAP');
  });

  it('passes a government fee through as a fee line', () => {
    const withFee: DutiesAndTaxes = (_code, shipping) => ({
      collectedNow: true,
      lines: [{ kind: 'fee', code: 'customs_fee', amount: money(300, shipping.currency), description: 'Customs processing fee' }],
    });
    const std = quoted(quote(parcel('ES', '28001'), { dutiesAndTaxes: withFee }), 'std');
    // 88.92 + DDP fee 5.00 + customs fee 3.00 = 96.92.
    expect(std.lines.slice(-2).map((l) => [l.kind, l.code, l.amount.amount])).toEqual([
      ['fee', 'ddp_service', 500],
      ['fee', 'customs_fee', 300],
    ]);
    expect(std.total.amount).toBe(9692);
    const clash: DutiesAndTaxes = () => ({ collectedNow: true, lines: [{ kind: 'fee', code: 'fuel', amount: money(1, 'CNY'), description: 'x' }] });
    expect(() => quote(parcel('ES', '28001'), { dutiesAndTaxes: clash })).toThrow('dutiesAndTaxes(std).lines[0].code must be a code of its own');
  });

  it('refuses duty lines in another currency than the shipping cost', () => {
    const wrong: DutiesAndTaxes = () => ({ collectedNow: true, lines: [{ kind: 'tax', code: 'vat', amount: money(100, 'EUR'), description: 'VAT' }] });
    expect(() => quote(parcel('ES', '28001'), { dutiesAndTaxes: wrong })).toThrow(QuoteError);
    expect(() => quote(parcel('ES', '28001'), { dutiesAndTaxes: wrong })).toThrow('dutiesAndTaxes(std).lines[0].amount must be in CNY');
  });
});

describe('exclusions', () => {
  it('accounts for every service, quoted or excluded', () => {
    for (const p of [parcel('ES', '28001'), parcel('US', '10001'), parcel('ES', '35001'), parcel('BR', '69005-070')]) {
      const result = quote(p);
      expect(result.quotes.length + result.excluded.length).toBe(fixture.services.length);
    }
  });

  it('excludes services that do not leave from the origin or have no stock in the warehouse country', () => {
    const result = quote(parcel('ES', '28001', { originCountry: 'HK' }), { warehouseStock: ['FR'] });
    expect(result.quotes).toEqual([]);
    for (const code of ['std', 'line', 'exp']) expect(reasons(result, code)).toEqual(['origin_not_served']);
    expect(reasons(result, 'wh_es')).toEqual(['no_warehouse_stock']);
    expect(result.excluded.find((e) => e.serviceCode === 'wh_es')?.reasons[0]?.detail).toBe('No stock in the ES warehouse (Madrid)');
  });

  it('excludes destinations a service does not serve, including excluded postal ranges', () => {
    const us = quote(parcel('US', '10001'));
    expect(us.quotes).toEqual([]);
    expect(reasons(us, 'std')).toEqual(['destination_not_served']);
    expect(reasons(us, 'wh_es')).toEqual(['no_warehouse_stock', 'destination_not_served']);
    const lasPalmas = quote(parcel('ES', '35001'));
    expect(reasons(lasPalmas, 'line')).toEqual(['destination_not_served']);
    expect(lasPalmas.excluded.find((e) => e.serviceCode === 'line')?.reasons[0]?.detail).toContain('Las Palmas');
  });

  it('gives every reason a parcel is too heavy, too long or too large', () => {
    // 2500 g > 2000 g and 1100 mm > 1000 mm on the line.
    const heavyLong = quote(parcel('ES', '28001', boxed(1100, 100, 100, 2500)));
    expect(reasons(heavyLong, 'line')).toEqual(['too_heavy', 'too_long']);
    // 700 + 600 + 600 = 1900 mm > 1800 mm sum of sides.
    expect(reasons(quote(parcel('ES', '28001', boxed(700, 600, 600, 1000))), 'line')).toEqual(['too_large']);
    // Standard: 1100 + 2 × (700 + 300) = 3100 mm > 3000 mm length plus girth; 31 kg > 30 kg.
    expect(reasons(quote(parcel('ES', '28001', boxed(1100, 700, 300, 31000))), 'std')).toEqual(['too_heavy', 'too_large']);
  });

  it('excludes a line when the goods are worth more than its cap, converting to the cap currency', () => {
    // CNY 1200.00 × 0.125 = EUR 150.00: at the cap, still carried. CNY 1200.08 → EUR 150.01: above it.
    expect(quoted(quote(parcel('ES', '28001', { items: [item({ value: money(120000, 'CNY') })] })), 'line').total.amount).toBe(6000);
    const above = quote(parcel('ES', '28001', { items: [item({ value: money(120008, 'CNY') })] }));
    expect(reasons(above, 'line')).toEqual(['value_above_cap']);
    expect(above.excluded[0]?.reasons[0]?.detail).toBe("Goods' value CNY 1200.08 (EUR 150.01) is above the EUR 150.00 cap");
    // Value adds up over quantities: 2 × EUR 80.00 = EUR 160.00 > 150.00, no conversion needed.
    const euros = quote(parcel('ES', '28001', { items: [item({ value: money(8000, 'EUR'), quantity: 2 })] }));
    expect(reasons(euros, 'line')).toEqual(['value_above_cap']);
    // Without an exchange rate the cap cannot be checked, and the line is not offered.
    expect(reasons(quote(parcel('ES', '28001'), { convert: undefined }), 'line')).toEqual(['value_not_comparable']);
  });

  it('excludes services with no rate sheet in force on the date, or none reaching the billable weight', () => {
    const early = quote(parcel('ES', '28001'), { date: '2025-12-31', warehouseStock: ['ES'] });
    expect(early.quotes).toEqual([]);
    for (const code of ['std', 'line', 'exp', 'wh_es']) expect(reasons(early, code)).toEqual(['no_rate_sheet']);
    // 2000 × 1000 × 1000 mm at 5000 → 400 000 g, beyond the express sheet's 70 000 g.
    const huge = quote(parcel('ES', '28001', boxed(2000, 1000, 1000, 10000)));
    expect(reasons(huge, 'exp')).toEqual(['beyond_rate_sheet']);
  });
});

describe('totals and ranking', () => {
  it('always totals exactly the sum of the lines', () => {
    const dutiesAndTaxes: DutiesAndTaxes = (_code, shipping) => ({
      collectedNow: true,
      lines: [{ kind: 'tax', code: 'vat', amount: multiply(shipping, '0.2', 'half_up'), description: 'VAT' }],
    });
    const parcels = [
      parcel('ES', '28001'),
      parcel('ES', '35001'),
      parcel('FR', '20090'),
      parcel('BR', '69005-070', boxed(300, 200, 200, 5000)),
      parcel('ES', '28001', boxed(1300, 300, 200, 3000)),
      parcel('ES', '07001', { items: [item({ quantity: 4 })] }),
    ];
    let count = 0;
    for (const p of parcels) {
      for (const date of [NOV, DEC]) {
        for (const q of quote(p, { date, warehouseStock: ['ES'], dutiesAndTaxes }).quotes) {
          expect(q.lines.every((l) => l.amount.currency === q.currency)).toBe(true);
          expect(q.total.amount).toBe(q.lines.reduce((sum, l) => sum + l.amount.amount, 0));
          count++;
        }
      }
    }
    expect(count).toBeGreaterThan(20);
  });

  it('ranks totals it cannot convert after the ones it can, and can rank in another currency', () => {
    // No rates at all: only CNY totals (std, line) compare with the CNY goods value.
    const result = quote(parcel('ES', '28001'), { convert: undefined, warehouseStock: ['ES'] });
    // Without a rate the line's EUR cap cannot be checked either, so it is excluded.
    expect(result.quotes.map((q) => [q.serviceCode, q.comparableTotal?.amount ?? null])).toEqual([
      ['std', 8892],
      ['wh_es', null],
      ['exp', null],
    ]);
    // Ranked in USD with no CNY→USD rate: only express compares.
    expect(quote(parcel('ES', '28001'), { rankCurrency: 'USD' }).quotes[0]?.serviceCode).toBe('exp');
  });

  it('puts the recommended service first among equal totals', () => {
    // To Ajaccio std costs CNY 109.16 (see the Corse case above); a stand-in conversion prices express at
    // exactly CNY 109.16 too, so only the tie-break can order them.
    const same = (value: Money, currency: string) => money(value.currency === 'USD' ? 10916 : 0, currency);
    const result = quote(parcel('FR', '20000'), { convert: same });
    expect(result.quotes.map((q) => [q.serviceCode, q.comparableTotal?.amount])).toEqual([
      ['std', 10916],
      ['exp', 10916],
    ]);
    expect(result.quotes[0]?.recommended).toBe(true);
  });
});

describe('input', () => {
  it.each([
    [{ date: '2026-02-30' }, parcel('ES', '28001'), 'date must be a real date'],
    [{}, parcel('ES', '28001', { originCountry: 'cn' }), 'originCountry must be an upper-case'],
    [{}, parcel('ES', ''), 'destination.postalCode must be a postal code'],
    [{}, parcel('ES', '28001', { items: [] }), 'items must list at least one item'],
    [{}, parcel('ES', '28001', { items: [item({ weightG: 0 })] }), 'items[0].weightG must be a whole number of grams'],
    [{}, parcel('ES', '28001', { items: [item({ quantity: 1.5 })] }), 'items[0].quantity must be a whole number'],
    [{}, parcel('ES', '28001', { items: [item({ dimensionsMm: undefined })] }), 'items[0].dimensionsMm is missing'],
    [{}, parcel('ES', '28001', { items: [item({ hsCode: '85' })] }), 'items[0].hsCode must be 6 to 10 digits'],
    [{}, parcel('ES', '28001', { items: [item(), item({ value: money(100, 'EUR') })] }), 'items[1].value is in EUR, but items[0] is in CNY'],
  ])('refuses bad input (%#)', (options, p, message) => {
    expect(() => quote(p, options)).toThrow(message);
  });
});

describe('with the shipped data', () => {
  const shipped = loadLogisticsData();

  it('prices standard shipping to Madrid from the dated sheets (sample figures)', () => {
    // 350 g in a 150 × 100 × 50 mm box: 750 000 / 6000 = 125 g < 350 g → 350 g.
    const p = parcel('ES', '28001', { items: [item({ weightG: 350, dimensionsMm: { lengthMm: 150, widthMm: 100, heightMm: 50 } })] });
    // Until 2026-11-30: 0.35 × 78.00 = 27.30; registration 17.00; fuel 8 % × 27.30 = 2.184 → 2.18 → CNY 46.48.
    const nov = quoteServices(shipped, p, { date: NOV, convert }).quotes.find((q) => q.serviceCode === 'caravan_standard')!;
    expect(lines(nov)).toEqual([['base', 2730], ['registration', 1700], ['fuel', 218]]);
    expect(nov.total).toEqual(money(4648, 'CNY'));
    expect(nov.rateSheet).toMatchObject({ id: 'caravan_standard:ES:2026-06-01', version: '2026-11-25' });
    expect(nov.recommended).toBe(true);
    // From 2026-12-01: 0.35 × 82.00 = 28.70; 17.00; 8 % × 28.70 = 2.296 → 2.30 → CNY 48.00.
    const dec = quoteServices(shipped, p, { date: DEC, convert }).quotes.find((q) => q.serviceCode === 'caravan_standard')!;
    expect(lines(dec)).toEqual([['base', 2870], ['registration', 1700], ['fuel', 230]]);
    expect(dec.total.amount).toBe(4800);
  });

  it('quotes or excludes every shipped service for each priority market', () => {
    for (const [country, postalCode] of [['RU', '101000'], ['ES', '28001'], ['FR', '75001'], ['BR', '01310-100'], ['SA', '11564']]) {
      const result = quoteServices(shipped, parcel(country!, postalCode!), { date: NOV, convert, warehouseStock: ['ES', 'FR', 'BR', 'SA', 'RU'] });
      expect(result.quotes.length + result.excluded.length).toBe(shipped.services.length);
      expect(result.quotes.find((q) => q.recommended)?.serviceCode).toBe('caravan_standard');
      expect(result.quotes.some((q) => q.path === 'overseas_warehouse')).toBe(true);
    }
  });
});

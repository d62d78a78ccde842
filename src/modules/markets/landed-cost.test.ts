import { describe, expect, it } from 'vitest';
import { fromDecimal, toDecimal, type Money } from '../../platform/money/index.ts';
import { shippedFxRates, type FxLookup } from './fx.ts';
import { landedCost, LandedCostInputError, type LandedCostInput, type LandedCostLine, type LandedCostResult, type TaxCode } from './landed-cost.ts';

const fx = shippedFxRates();
const eur = (d: string) => fromDecimal(d, 'EUR');
const usd = (d: string) => fromDecimal(d, 'USD');
const gbp = (d: string) => fromDecimal(d, 'GBP');
const sar = (d: string) => fromDecimal(d, 'SAR');

const VALID_CPF = '529.982.247-25';
const VALID_PCCC = 'P123456789012';

const item = (hsCode: string, unitValue: Money, quantity = 1, unitWeightGrams = 300): LandedCostLine => ({ hsCode, unitValue, quantity, unitWeightGrams });

function parcel(overrides: Partial<LandedCostInput>): LandedCostInput {
  return {
    destination: 'ES',
    orderDate: '2025-05-01',
    origin: 'CN',
    lines: [item('620610', eur('100'))],
    shipping: eur('0'),
    currency: 'EUR',
    fx,
    ...overrides,
  };
}

/** The amounts of the lines with a code, as decimals in the rule currency. */
const amounts = (result: LandedCostResult, code: TaxCode) => result.lines.filter((line) => line.code === code).map((line) => toDecimal(line.amount));
const codes = (result: LandedCostResult) => result.lines.map((line) => line.code);
const total = (result: LandedCostResult) => toDecimal(result.totals.ruleCurrency!.all);

describe('EU: IOSS and the flat duty per tariff subheading', () => {
  const blouses = (orderDate: string, overrides: Partial<LandedCostInput> = {}) =>
    parcel({
      destination: 'ES',
      orderDate,
      // one silk blouse (6206.10) and two wool blouses (6206.20)
      lines: [item('6206.10', eur('40')), item('6206.20', eur('30'), 2)],
      shipping: eur('5'),
      ...overrides,
    });

  it('charges €3 per distinct HS-6 subheading: one silk blouse + two wool blouses = 2 subheadings = €6 (worked example)', () => {
    const result = landedCost(blouses('2026-07-15'));
    expect(result.ok).toBe(true);
    const duty = result.lines.find((line) => line.code === 'flat_duty_per_subheading')!;
    expect(duty).toMatchObject({ kind: 'duty', amount: eur('6'), subheadings: ['620610', '620620'], rule: { id: 'eu.low_value_duty', version: 1 }, collection: 'at_checkout' });
    // IOSS VAT at 21 % on goods 100 + shipping 5
    expect(amounts(result, 'vat_at_sale')).toEqual(['22.05']);
    expect(total(result)).toBe('28.05');
    expect(result.collection).toBe('at_checkout');
  });

  it('counts subheadings, not lines: the same subheading on two lines (and in 10-digit form) is charged once', () => {
    const result = landedCost(blouses('2026-07-15', { lines: [item('6206.20.00.10', eur('30')), item('620620', eur('30')), item('6206.20.90', eur('30'))] }));
    expect(amounts(result, 'flat_duty_per_subheading')).toEqual(['3.00']);
  });

  it.each([
    ['2026-06-30', false],
    ['2026-07-01', true],
    ['2028-06-30', true],
    ['2028-07-01', false],
  ])('on %s the flat duty applies: %s', (orderDate, applies) => {
    const result = landedCost(blouses(orderDate));
    expect(amounts(result, 'flat_duty_per_subheading')).toEqual(applies ? ['6.00'] : []);
    expect(result.rules.some((rule) => rule.id === 'eu.low_value_duty')).toBe(applies);
    expect(amounts(result, 'vat_at_sale')).toEqual(['22.05']);
  });

  it('does not apply the flat duty above €150; duty then follows the tariff', () => {
    const result = landedCost(blouses('2026-07-15', { lines: [item('620610', eur('150.01'))] }));
    expect(amounts(result, 'flat_duty_per_subheading')).toEqual([]);
    const flat = result.thresholdTests.find((test) => test.rule.id === 'eu.low_value_duty')!;
    expect(flat.within).toBe(false);
    expect(codes(result)).toEqual(['customs_duty', 'import_vat']);
  });

  it('IOSS in Spain: 21 % VAT on goods and shipping, charged at checkout (worked example)', () => {
    const result = landedCost(parcel({ destination: 'ES', lines: [item('620610', eur('100'))], shipping: eur('10') }));
    expect(result.regime).toMatchObject({ rule: { id: 'eu.ioss', version: 1 }, outcome: 'within_threshold' });
    expect(result.lines).toHaveLength(1);
    expect(result.lines[0]).toMatchObject({ kind: 'vat', code: 'vat_at_sale', rate: '0.21', base: eur('110'), amount: eur('23.10'), collection: 'at_checkout', rule: { id: 'vat.ES', version: 1 } });
    expect(result.thresholdTests[0]).toMatchObject({ value: eur('100'), threshold: eur('150'), currency: 'EUR', base: 'goods', comparison: 'at_most', within: true });
    expect(result.regime!.reason).toContain('100.00 EUR ≤ 150.00 EUR');
    expect(result.collectionReason).toContain('IOSS');
    expect(result.rules.map((rule) => `${rule.id}@${rule.version}`)).toEqual(['eu.ioss@1', 'vat.ES@1']);
  });

  it('measures the €150 on the intrinsic value, excluding shipping, while VAT still covers shipping', () => {
    const result = landedCost(parcel({ lines: [item('620610', eur('145'))], shipping: eur('20') }));
    expect(result.regime!.outcome).toBe('within_threshold');
    expect(amounts(result, 'vat_at_sale')).toEqual(['34.65']);
  });

  it.each([
    ['ES', '21.00'],
    ['FR', '20.00'],
    ['DE', '19.00'],
    ['IT', '22.00'],
    ['NL', '21.00'],
    ['PL', '23.00'],
    ['AT', '20.00'],
    ['HU', '27.00'],
    ['IE', '23.00'],
    ['LU', '17.00'],
    ['MT', '18.00'],
  ])('charges VAT at the destination rate: %s → %s on €100', (destination, vat) => {
    expect(amounts(landedCost(parcel({ destination })), 'vat_at_sale')).toEqual([vat]);
  });

  it.each([
    ['FI', '2024-08-31', '24.00'],
    ['FI', '2024-09-01', '25.50'],
    ['SK', '2024-12-31', '20.00'],
    ['SK', '2025-01-01', '23.00'],
    ['EE', '2025-06-30', '22.00'],
    ['EE', '2025-07-01', '24.00'],
    ['RO', '2025-07-31', '19.00'],
    ['RO', '2025-08-01', '21.00'],
  ])('uses the VAT rate in force on the order date: %s on %s → %s', (destination, orderDate, vat) => {
    expect(amounts(landedCost(parcel({ destination, orderDate })), 'vat_at_sale')).toEqual([vat]);
  });

  it('treats exactly €150 as low value and €150.01 as an import with duty and VAT due on delivery', () => {
    const at = landedCost(parcel({ lines: [item('620610', eur('150'))], shipping: eur('10') }));
    expect(at.regime!.outcome).toBe('within_threshold');
    expect(codes(at)).toEqual(['vat_at_sale']);

    const above = landedCost(parcel({ lines: [item('620610', eur('150.01'))], shipping: eur('10') }));
    expect(above.regime!.outcome).toBe('above_threshold');
    // sample EU rate for chapter 62: 12 % on customs value 160.01 → 19.20; VAT 21 % on 160.01 + 19.20 → 37.63
    expect(above.lines.find((line) => line.code === 'customs_duty')).toMatchObject({ rate: '0.12', base: eur('160.01'), amount: eur('19.20'), tariffMatch: '62', hsCode: '620610' });
    expect(amounts(above, 'import_vat')).toEqual(['37.63']);
    expect(above.collection).toBe('on_delivery');
    expect(toDecimal(above.totals.requested.onDelivery)).toBe('56.83');
    expect(above.rules.find((rule) => rule.id === 'duty.sample.EU')).toMatchObject({ sample: true });
  });

  it('collects import duty and VAT at checkout when the service is DDP', () => {
    const result = landedCost(parcel({ lines: [item('620610', eur('200'))], ddp: true }));
    expect(result.collection).toBe('at_checkout');
    expect(result.collectionReason).toContain('DDP');
    expect(toDecimal(result.totals.requested.atCheckout)).toBe(total(result));
  });

  it('spreads shipping over the lines in proportion to value for per-line duty', () => {
    const result = landedCost(parcel({ lines: [item('620610', eur('100')), item('851712', eur('100'))], shipping: eur('20') }));
    const duties = result.lines.filter((line) => line.code === 'customs_duty');
    expect(duties.map((line) => [line.lineIndex, toDecimal(line.base!), line.rate, toDecimal(line.amount)])).toEqual([
      [0, '110.00', '0.12', '13.20'],
      [1, '110.00', '0.02', '2.20'],
    ]);
  });

  it('converts goods priced in CNY into EUR at the day\'s rate for the threshold test, keeping the rate ids', () => {
    const cny = (d: string) => fromDecimal(d, 'CNY');
    // 2026-07-15 uses the 2026-07-01 snapshot: CNY→EUR = 0.86 / 7.10
    const result = landedCost(parcel({ orderDate: '2026-07-15', lines: [item('620610', cny('1000'))], shipping: cny('0') }));
    const test = result.thresholdTests[0]!;
    expect(test).toMatchObject({ value: eur('121.13'), threshold: eur('150'), within: true, fxRateIds: ['fx_2026-07-01_CNY_EUR'] });
    expect(test.thresholdInGoodsCurrency).toEqual({ amount: 123837, currency: 'CNY', fxRateId: 'fx_2026-07-01_EUR_CNY' });
    expect(result.fxRates.map((rate) => rate.id)).toEqual(expect.arrayContaining(['fx_2026-07-01_CNY_EUR', 'fx_2026-07-01_EUR_CNY']));

    expect(landedCost(parcel({ orderDate: '2026-07-15', lines: [item('620610', cny('1238'))], shipping: cny('0') })).regime!.outcome).toBe('within_threshold');
    expect(landedCost(parcel({ orderDate: '2026-07-15', lines: [item('620610', cny('1239'))], shipping: cny('0') })).regime!.outcome).toBe('above_threshold');
  });

  it('computes IOSS in EUR and shows it in the buyer\'s PLN with the cross rate id', () => {
    // 2025-05-01 → snapshot 2025-04-01: EUR→PLN = 3.87 / 0.925 = 4.183783783783784
    const result = landedCost(parcel({ destination: 'PL', currency: 'PLN' }));
    expect(result.ruleCurrency).toBe('EUR');
    expect(result.lines[0]!.amount).toEqual(eur('23'));
    expect(result.lines[0]!.converted).toEqual({ amount: 9623, currency: 'PLN', fxRateId: 'fx_2025-04-01_EUR_PLN' });
    expect(result.totals.requested.all).toEqual({ amount: 9623, currency: 'PLN' });
    expect(result.fxRates).toContainEqual(expect.objectContaining({ id: 'fx_2025-04-01_EUR_PLN', base: 'EUR', quote: 'PLN', rate: '4.183783783783784' }));
  });
});

describe('United Kingdom', () => {
  const uk = (value: string, overrides: Partial<LandedCostInput> = {}) =>
    parcel({ destination: 'GB', currency: 'GBP', lines: [item('620610', gbp(value))], shipping: gbp('5'), ...overrides });

  it('charges 20 % VAT at the point of sale up to £135, the marketplace liable, no duty', () => {
    const result = landedCost(uk('100'));
    expect(result.regime).toMatchObject({ rule: { id: 'gb.low_value', version: 1 }, outcome: 'within_threshold' });
    expect(result.lines).toEqual([expect.objectContaining({ kind: 'vat', code: 'vat_at_sale', amount: gbp('21'), collection: 'at_checkout', rule: { id: 'vat.GB', version: 1 } })]);
    expect(result.collectionReason).toContain('marketplace is liable');
  });

  it('keeps exactly £135 at the point of sale and treats £135.01 as an import', () => {
    expect(landedCost(uk('135')).regime!.outcome).toBe('within_threshold');
    const above = landedCost(uk('135.01', { shipping: gbp('0') }));
    expect(above.regime!.outcome).toBe('above_threshold');
    expect(amounts(above, 'customs_duty')).toEqual(['16.20']);
    expect(amounts(above, 'import_vat')).toEqual(['30.24']);
    expect(above.collection).toBe('on_delivery');
  });

  it('converts GBP amounts to EUR with the cross rate id', () => {
    const result = landedCost(uk('100', { currency: 'EUR' }));
    // snapshot 2025-04-01: GBP→EUR = 0.925 / 0.774
    expect(result.lines[0]!.converted).toMatchObject({ currency: 'EUR', fxRateId: 'fx_2025-04-01_GBP_EUR' });
    expect(result.lines[0]!.converted.amount).toBe(2510);
  });
});

describe('Brazil: Remessa Conforme', () => {
  const brazil = (orderDate: string, value: string, overrides: Partial<LandedCostInput> = {}) =>
    parcel({
      destination: 'BR',
      destinationState: 'SP',
      orderDate,
      currency: 'USD',
      lines: [item('620610', usd(value))],
      shipping: usd('0'),
      buyer: { cpf: VALID_CPF },
      ...overrides,
    });

  it('US$50 at 17 % → II 10.00, ICMS 12.29 grossed up (worked example)', () => {
    const result = landedCost(brazil('2024-09-01', '50'));
    expect(result.ok).toBe(true);
    expect(result.regime).toMatchObject({ rule: { id: 'br.remessa_conforme', version: 1 }, outcome: 'within_threshold' });
    expect(result.lines.find((line) => line.code === 'import_tax')).toMatchObject({ kind: 'duty', rate: '0.20', base: usd('50'), amount: usd('10') });
    expect(result.lines.find((line) => line.code === 'icms')).toMatchObject({ kind: 'vat', rate: '0.17', base: usd('60'), amount: usd('12.29'), rule: { id: 'br.icms', version: 1 } });
    expect(total(result)).toBe('22.29');
    expect(result.collection).toBe('at_checkout');
    expect(result.collectionReason).toContain('Remessa Conforme');
  });

  it('takes exactly US$50 at 20 % and US$50.01 at 60 % minus US$20', () => {
    const at = landedCost(brazil('2024-09-01', '50'));
    expect(at.thresholdTests.map((test) => [toDecimal(test.threshold), test.within])).toEqual([['50.00', true]]);
    const above = landedCost(brazil('2024-09-01', '50.01'));
    expect(above.thresholdTests.map((test) => [toDecimal(test.threshold), test.within])).toEqual([
      ['50.00', false],
      ['3000.00', true],
    ]);
    // 50.01 × 60 % = 30.006 → 30.01 − 20 = 10.01; ICMS 60.02 × 17 / 83 = 12.29
    expect(amounts(above, 'import_tax')).toEqual(['10.01']);
    expect(amounts(above, 'icms')).toEqual(['12.29']);
    expect(amounts(landedCost(brazil('2024-09-01', '100')), 'import_tax')).toEqual(['40.00']);
  });

  it('measures the customs value with freight and insurance', () => {
    const result = landedCost(brazil('2024-09-01', '40', { shipping: usd('8'), insurance: usd('2') }));
    expect(result.thresholdTests[0]).toMatchObject({ base: 'cif', value: usd('50'), within: true });
    expect(amounts(result, 'import_tax')).toEqual(['10.00']);
    expect(amounts(result, 'icms')).toEqual(['12.29']);
    const over = landedCost(brazil('2024-09-01', '45', { shipping: usd('8'), insurance: usd('2') }));
    expect(amounts(over, 'import_tax')).toEqual(['13.00']);
  });

  it('charges ICMS by state from 2025-04-01', () => {
    expect(amounts(landedCost(brazil('2025-03-31', '50', { destinationState: 'BA' })), 'icms')).toEqual(['12.29']);
    const bahia = landedCost(brazil('2025-04-01', '50', { destinationState: 'BA' }));
    expect(bahia.lines.find((line) => line.code === 'icms')).toMatchObject({ rate: '0.20', amount: usd('15'), rule: { id: 'br.icms', version: 2 } });
    expect(amounts(landedCost(brazil('2025-04-01', '50', { destinationState: 'SP' })), 'icms')).toEqual(['12.29']);
  });

  it.each(['AC', 'AL', 'BA', 'CE', 'MG', 'PB', 'PI', 'RN', 'RR', 'SE'])('charges 20 %% ICMS in %s from 2025-04-01', (state) => {
    expect(landedCost(brazil('2025-04-01', '50', { destinationState: state })).lines.find((line) => line.code === 'icms')!.rate).toBe('0.20');
  });

  it.each(['SP', 'RJ', 'PR', 'DF', 'AM'])('keeps 17 %% ICMS in %s', (state) => {
    expect(landedCost(brazil('2025-06-01', '50', { destinationState: state })).lines.find((line) => line.code === 'icms')!.rate).toBe('0.17');
  });

  it('asks for the state when ICMS depends on it, and not before', () => {
    const after = landedCost(brazil('2025-04-01', '50', { destinationState: null }));
    expect(after.ok).toBe(false);
    expect(after.problems).toEqual([expect.objectContaining({ code: 'missing_state', path: '/destinationState' })]);
    expect(codes(after)).toEqual(['import_tax']);
    expect(landedCost(brazil('2025-03-31', '50', { destinationState: null })).ok).toBe(true);
    expect(() => landedCost(brazil('2025-04-01', '50', { destinationState: 'XX' }))).toThrow(LandedCostInputError);
  });

  it('has no rule before 2024-08-01 and applies Remessa Conforme from that day', () => {
    const before = landedCost(brazil('2024-07-31', '50'));
    expect(before.ok).toBe(false);
    expect(before.problems).toEqual([expect.objectContaining({ code: 'no_rule_in_force' })]);
    expect(before.lines).toEqual([]);
    expect(landedCost(brazil('2024-08-01', '50')).regime!.rule.id).toBe('br.remessa_conforme');
  });

  it('reports a missing or invalid CPF as a problem, still showing the taxes', () => {
    const missing = landedCost(brazil('2024-09-01', '50', { buyer: {} }));
    expect(missing.ok).toBe(false);
    expect(missing.problems).toEqual([{ code: 'missing_buyer_identifier', identifier: 'CPF', path: '/buyer/cpf', message: expect.stringContaining('CPF') }]);
    expect(amounts(missing, 'icms')).toEqual(['12.29']);
    const invalid = landedCost(brazil('2024-09-01', '50', { buyer: { cpf: '529.982.247-24' } }));
    expect(invalid.problems).toEqual([expect.objectContaining({ code: 'invalid_buyer_identifier', identifier: 'CPF' })]);
  });

  it('refuses parcels above US$3,000 as outside the regime', () => {
    const result = landedCost(brazil('2024-09-01', '3000.01'));
    expect(result.ok).toBe(false);
    expect(result.regime!.outcome).toBe('not_eligible');
    expect(result.problems).toEqual([expect.objectContaining({ code: 'not_eligible' })]);
    expect(result.lines).toEqual([]);
  });

  it('computes in USD and shows BRL with the rate id of the day', () => {
    // 2024-09-01 → snapshot 2024-07-01, USD→BRL 5.59
    const result = landedCost(brazil('2024-09-01', '50', { currency: 'BRL' }));
    expect(result.ruleCurrency).toBe('USD');
    expect(result.lines.map((line) => line.converted)).toEqual([
      { amount: 5590, currency: 'BRL', fxRateId: 'fx_2024-07-01_USD_BRL' },
      { amount: 6870, currency: 'BRL', fxRateId: 'fx_2024-07-01_USD_BRL' },
    ]);
    expect(result.totals.requested.all).toEqual({ amount: 12460, currency: 'BRL' });
    expect(result.totals.ruleCurrency!.all).toEqual(usd('22.29'));
  });
});

describe('Saudi Arabia', () => {
  const saudi = (orderDate: string, goods: string, shipping = '0', overrides: Partial<LandedCostInput> = {}) =>
    parcel({ destination: 'SA', orderDate, currency: 'SAR', lines: [item('620610', sar(goods))], shipping: sar(shipping), ...overrides });

  it('charges 15 % VAT on goods and shipping, no duty and the flat SAR 15 fee under SAR 1,000 (worked example)', () => {
    const result = landedCost(saudi('2024-10-06', '500', '50'));
    expect(result.regime).toMatchObject({ rule: { id: 'sa.import', version: 1 }, outcome: 'within_threshold' });
    expect(result.lines).toEqual([
      expect.objectContaining({ kind: 'vat', code: 'import_vat', rate: '0.15', base: sar('550'), amount: sar('82.50') }),
      expect.objectContaining({ kind: 'fee', code: 'customs_fee', amount: sar('15'), rule: { id: 'sa.customs_fee', version: 1 } }),
    ]);
    expect(result.collection).toBe('on_delivery');
  });

  it('charges no customs fee before 2024-10-06', () => {
    const result = landedCost(saudi('2024-10-05', '500', '50'));
    expect(codes(result)).toEqual(['import_vat']);
    expect(result.rules.some((rule) => rule.id === 'sa.customs_fee')).toBe(false);
  });

  it('charges duty at SAR 1,000 (goods + shipping) and a fee of 0.15 % with a SAR 15 floor', () => {
    const result = landedCost(saudi('2025-01-10', '900', '100'));
    expect(result.regime!.outcome).toBe('above_threshold');
    expect(amounts(result, 'customs_duty')).toEqual(['50.00']);
    expect(amounts(result, 'import_vat')).toEqual(['157.50']);
    expect(amounts(result, 'customs_fee')).toEqual(['15.00']);
    expect(codes(landedCost(saudi('2025-01-10', '999.99')))).toEqual(['import_vat', 'customs_fee']);
  });

  it('caps the fee at SAR 500 and charges 0.15 % in between', () => {
    expect(amounts(landedCost(saudi('2025-01-10', '20000')), 'customs_fee')).toEqual(['30.00']);
    expect(amounts(landedCost(saudi('2025-01-10', '400000')), 'customs_fee')).toEqual(['500.00']);
  });

  it('prepays everything at checkout under DDP', () => {
    expect(landedCost(saudi('2025-01-10', '500', '50', { ddp: true })).collection).toBe('at_checkout');
  });
});

describe('Russia (EAEU)', () => {
  const russia = (orderDate: string, value: string, kg = 1, overrides: Partial<LandedCostInput> = {}) =>
    parcel({ destination: 'RU', orderDate, lines: [item('620610', eur(value), 1, kg * 1000)], shipping: eur('10'), ...overrides });

  it('until 2026-06-30: €300 → 15 % of the €100 excess = €15, no VAT (worked example)', () => {
    const result = landedCost(russia('2026-06-30', '300'));
    expect(result.regime).toMatchObject({ rule: { id: 'ru.personal_import', version: 1 }, outcome: 'above_threshold' });
    expect(result.lines).toEqual([expect.objectContaining({ kind: 'duty', amount: eur('15'), base: eur('100'), rate: '0.15', collection: 'on_delivery' })]);
    expect(result.thresholdTests[0]).toMatchObject({ value: eur('300'), threshold: eur('200'), base: 'goods', weight: { grams: 1000, limitGrams: 31000, within: true } });
  });

  it('from 2026-07-01: 5 % duty on the full value plus 22 % VAT on value + duty', () => {
    const result = landedCost(russia('2026-07-01', '300'));
    expect(result.regime).toMatchObject({ rule: { id: 'ru.personal_import', version: 2 } });
    expect(result.lines).toEqual([
      expect.objectContaining({ kind: 'duty', amount: eur('15'), base: eur('300'), rate: '0.05' }),
      expect.objectContaining({ kind: 'vat', rate: '0.22', base: eur('315'), amount: eur('69.30'), rule: { id: 'vat.RU', version: 2 } }),
    ]);
    expect(total(result)).toBe('84.30');
  });

  it('keeps exactly €200 free under both regimes', () => {
    expect(landedCost(russia('2026-06-30', '200')).lines).toEqual([]);
    expect(landedCost(russia('2026-07-01', '200')).lines).toEqual([]);
    expect(landedCost(russia('2026-07-01', '200')).collection).toBe('none');
  });

  it('before 2026-07-01 charges at least €2 per kg above 31 kg', () => {
    expect(amounts(landedCost(russia('2026-06-30', '100', 35)), 'customs_duty')).toEqual(['8.00']);
    expect(amounts(landedCost(russia('2026-06-30', '300', 40)), 'customs_duty')).toEqual(['18.00']);
    expect(amounts(landedCost(russia('2026-06-30', '100', 31)), 'customs_duty')).toEqual([]);
  });

  it('from 2026-07-01 charges at least €1 per kg of the parcel', () => {
    const heavy = landedCost(russia('2026-07-01', '300', 20));
    expect(amounts(heavy, 'customs_duty')).toEqual(['20.00']);
    expect(amounts(heavy, 'import_vat')).toEqual(['70.40']);
  });

  it('shows the amounts in RUB with the cross rate id', () => {
    const result = landedCost(russia('2026-06-30', '300', 1, { currency: 'RUB' }));
    // snapshot 2026-04-01: EUR→RUB = 82 / 0.87
    expect(result.lines[0]!.converted).toEqual({ amount: 141379, currency: 'RUB', fxRateId: 'fx_2026-04-01_EUR_RUB' });
  });
});

describe('United States', () => {
  const us = (orderDate: string, lines: LandedCostLine[]) => parcel({ destination: 'US', orderDate, currency: 'USD', lines, shipping: usd('10') });

  it('lets parcels up to US$800 in free until 2025-08-28', () => {
    const result = landedCost(us('2025-08-28', [item('610910', usd('100'))]));
    expect(result.regime).toMatchObject({ rule: { id: 'us.import', version: 1 }, outcome: 'within_threshold' });
    expect(result.lines).toEqual([]);
    expect(result.ok).toBe(true);
    expect(amounts(landedCost(us('2025-08-28', [item('610910', usd('800.01'))])), 'customs_duty')).toEqual(['128.00']);
  });

  it('charges duty by HS chapter on every parcel from 2025-08-29 (sample rates), on the goods value', () => {
    const result = landedCost(us('2025-08-29', [item('610910', usd('50')), item('851712', usd('50'))]));
    expect(result.regime).toMatchObject({ rule: { id: 'us.import', version: 2 }, outcome: 'no_threshold' });
    expect(result.thresholdTests).toEqual([]);
    expect(result.lines.map((line) => [line.hsCode, line.rate, toDecimal(line.base!), toDecimal(line.amount)])).toEqual([
      ['610910', '0.16', '50.00', '8.00'],
      ['851712', '0.02', '50.00', '1.00'],
    ]);
    expect(result.lines[0]!.label).toContain('sample rate');
    expect(result.collection).toBe('on_delivery');
    expect(result.rules).toContainEqual(expect.objectContaining({ id: 'duty.sample.US', sample: true }));
  });

  it('falls back to the table default for a chapter it does not list', () => {
    const result = landedCost(us('2026-01-10', [item('940540', usd('100'))]));
    expect(result.lines[0]).toMatchObject({ rate: '0.05', tariffMatch: 'default', amount: usd('5') });
  });
});

describe('South Korea', () => {
  const korea = (goods: string, shipping: string, overrides: Partial<LandedCostInput> = {}) =>
    parcel({ destination: 'KR', currency: 'USD', lines: [item('620610', usd(goods))], shipping: usd(shipping), buyer: { pccc: VALID_PCCC }, ...overrides });

  it('lets up to US$150 CIF in free of duty and VAT', () => {
    const result = landedCost(korea('140', '10'));
    expect(result.thresholdTests[0]).toMatchObject({ base: 'cif', value: usd('150'), threshold: usd('150'), within: true });
    expect(result.lines).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('charges duty by HS plus 10 % VAT on CIF + duty on the whole value above US$150', () => {
    const result = landedCost(korea('140.01', '10'));
    expect(result.regime!.outcome).toBe('above_threshold');
    expect(result.lines).toEqual([
      expect.objectContaining({ kind: 'duty', rate: '0.13', base: usd('150.01'), amount: usd('19.50') }),
      expect.objectContaining({ kind: 'vat', rate: '0.10', base: usd('169.51'), amount: usd('16.95'), rule: { id: 'vat.KR', version: 1 } }),
    ]);
    expect(result.collection).toBe('on_delivery');
  });

  it('allows US$200 for US-origin goods', () => {
    const at = landedCost(korea('190', '10', { origin: 'US' }));
    expect(at.thresholdTests[0]).toMatchObject({ threshold: usd('200'), within: true, note: expect.stringContaining('US origin') });
    expect(at.lines).toEqual([]);
    expect(landedCost(korea('190.01', '10', { origin: 'US' })).regime!.outcome).toBe('above_threshold');
    expect(landedCost(korea('190', '10', { origin: 'CN' })).regime!.outcome).toBe('above_threshold');
  });

  it('requires a valid PCCC', () => {
    const missing = landedCost(korea('100', '10', { buyer: {} }));
    expect(missing.ok).toBe(false);
    expect(missing.problems).toEqual([expect.objectContaining({ code: 'missing_buyer_identifier', identifier: 'PCCC', path: '/buyer/pccc' })]);
    expect(landedCost(korea('100', '10', { buyer: { pccc: 'P12345' } })).problems).toEqual([expect.objectContaining({ code: 'invalid_buyer_identifier', identifier: 'PCCC' })]);
  });

  it('shows amounts in KRW (no minor unit) with the rate id', () => {
    const result = landedCost(korea('140.01', '10', { currency: 'KRW' }));
    // snapshot 2025-04-01: USD→KRW 1472; 19.50 USD → 28704 KRW
    expect(result.lines[0]!.converted).toEqual({ amount: 28704, currency: 'KRW', fxRateId: 'fx_2025-04-01_USD_KRW' });
  });
});

describe('overseas-warehouse (domestic) shipments', () => {
  it('charges local VAT only, no import duty, whatever the value', () => {
    const result = landedCost(parcel({ destination: 'ES', domestic: true, lines: [item('620610', eur('500'))], shipping: eur('5') }));
    expect(result.regime).toMatchObject({ rule: { id: 'domestic.local_vat', version: 1 }, outcome: 'domestic' });
    expect(result.thresholdTests).toEqual([]);
    expect(result.lines).toEqual([expect.objectContaining({ kind: 'vat', code: 'local_vat', base: eur('505'), amount: eur('106.05'), collection: 'at_checkout' })]);
  });

  it('computes in the local currency', () => {
    const pln = (d: string) => fromDecimal(d, 'PLN');
    const result = landedCost(parcel({ destination: 'PL', domestic: true, currency: 'PLN', lines: [item('620610', pln('100'))], shipping: pln('0') }));
    expect(result.ruleCurrency).toBe('PLN');
    expect(result.lines[0]!.amount).toEqual(pln('23'));
    expect(result.fxRates).toEqual([]);
  });

  it('uses the Russian VAT rate of the day', () => {
    const rub = (d: string) => fromDecimal(d, 'RUB');
    const at = (orderDate: string) => landedCost(parcel({ destination: 'RU', domestic: true, orderDate, currency: 'RUB', lines: [item('620610', rub('1000'))], shipping: rub('0') }));
    expect(amounts(at('2025-12-31'), 'local_vat')).toEqual(['200.00']);
    expect(amounts(at('2026-01-01'), 'local_vat')).toEqual(['220.00']);
  });

  it('has no domestic rule for Brazil', () => {
    const result = landedCost(parcel({ destination: 'BR', destinationState: 'SP', domestic: true, currency: 'BRL', buyer: { cpf: VALID_CPF } }));
    expect(result.problems).toEqual([expect.objectContaining({ code: 'no_rule_in_force' })]);
  });
});

describe('problems and bad input', () => {
  it('reports markets without rules', () => {
    const result = landedCost(parcel({ destination: 'JP' }));
    expect(result).toMatchObject({ ok: false, regime: null, lines: [], ruleCurrency: null, collection: 'none' });
    expect(result.problems[0]).toMatchObject({ code: 'no_rule_in_force', message: expect.stringContaining('JP') });
  });

  it('reports a missing FX rate instead of guessing', () => {
    const cny = (d: string) => fromDecimal(d, 'CNY');
    const result = landedCost(parcel({ orderDate: '2023-12-31', lines: [item('620610', cny('100'))], shipping: cny('0') }));
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.objectContaining({ code: 'fx_rate_missing', message: expect.stringContaining('CNY to EUR') })]);
    expect(result.lines).toEqual([]);
  });

  it('uses whatever FX lookup it is given, keeping its rate ids', () => {
    const lookup: FxLookup = { rate: (base, quote) => (base === 'EUR' && quote === 'USD' ? { id: 'fxr_test_1', base, quote, rate: '1.1' } : undefined) };
    const result = landedCost(parcel({ currency: 'USD', fx: lookup }));
    expect(result.lines[0]!.converted).toEqual({ amount: 2310, currency: 'USD', fxRateId: 'fxr_test_1' });
  });

  it.each([
    ['no line items', { lines: [] }, '/lines'],
    ['a 4-digit HS code', { lines: [item('6206', eur('10'))] }, '/lines/0/hsCode'],
    ['a zero quantity', { lines: [{ ...item('620610', eur('10')), quantity: 0 }] }, '/lines/0/quantity'],
    ['line items in two currencies', { lines: [item('620610', eur('10')), item('620620', usd('10'))] }, '/lines/1/unitValue/currency'],
    ['a fractional minor unit', { lines: [item('620610', { amount: 1.5, currency: 'EUR' })] }, '/lines/0/unitValue'],
    ['an impossible date', { orderDate: '2025-02-30' }, '/orderDate'],
    ['a lower-case country', { destination: 'es' }, '/destination'],
    ['an unknown currency', { currency: 'XXX' }, '/currency'],
    ['negative shipping', { shipping: { amount: -1, currency: 'EUR' } }, '/shipping'],
  ] as [string, Partial<LandedCostInput>, string][])('refuses %s, naming %s', (_what, overrides, path) => {
    try {
      landedCost(parcel(overrides));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(LandedCostInputError);
      expect((error as LandedCostInputError).errors.map((e) => e.path)).toContain(path);
    }
  });
});

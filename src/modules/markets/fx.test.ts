import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { convert, fromDecimal } from '../../platform/money/index.ts';
import { divideDecimals, FxDataError, fxSnapshot, mergeFxSnapshots, operatorSnapshotId, parseFxRateId, parseFxRates, SHIPPED_FX_RATES_FILE, shippedFxRates } from './fx.ts';

const fx = shippedFxRates();
const shippedData = () => JSON.parse(readFileSync(SHIPPED_FX_RATES_FILE, 'utf8')) as { description: string; snapshots: Record<string, unknown>[] };

describe('FX snapshots', () => {
  it('are labelled as sample rates and cover 2024 to 2026', () => {
    expect(fx.description).toMatch(/SAMPLE/);
    expect(fx.snapshots[0]!.date.startsWith('2024')).toBe(true);
    expect(fx.snapshots.at(-1)!.date.startsWith('2026')).toBe(true);
    for (const snapshot of fx.snapshots) {
      expect(snapshot.rates.map((rate) => rate.quote)).toEqual(expect.arrayContaining(['EUR', 'GBP', 'BRL', 'SAR', 'RUB', 'KRW', 'CNY']));
    }
  });

  it.each([
    ['2024-01-01', undefined],
    ['2024-01-02', 'fx_2024-01-02'],
    ['2024-08-01', 'fx_2024-07-01'],
    ['2025-03-31', 'fx_2025-01-02'],
    ['2025-04-01', 'fx_2025-04-01'],
    ['2025-08-28', 'fx_2025-07-01'],
    ['2025-08-29', 'fx_2025-07-01'],
    ['2026-06-30', 'fx_2026-04-01'],
    ['2026-07-01', 'fx_2026-07-01'],
    ['2027-03-01', 'fx_2026-10-01'],
  ])('picks the snapshot in force on %s: %s', (date, id) => {
    expect(fx.snapshotOn(date)?.id).toBe(id);
  });

  it('gives recorded rates with ids naming the snapshot and the pair', () => {
    expect(fx.rate('USD', 'EUR', '2026-07-15')).toEqual({ id: 'fx_2026-07-01_USD_EUR', base: 'USD', quote: 'EUR', rate: '0.8600', date: '2026-07-01', snapshotId: 'fx_2026-07-01', derivation: 'recorded' });
  });

  it('derives the inverse and cross rates from the same snapshot', () => {
    expect(fx.rate('EUR', 'USD', '2026-07-15')).toMatchObject({ id: 'fx_2026-07-01_EUR_USD', rate: '1.162790697674419', derivation: 'inverse' });
    expect(fx.rate('EUR', 'GBP', '2026-07-15')).toMatchObject({ id: 'fx_2026-07-01_EUR_GBP', rate: '0.86046511627907', derivation: 'cross' });
    expect(fx.rate('KRW', 'USD', '2026-07-15')).toMatchObject({ rate: '0.000714285714286' });
    expect(fx.rate('SAR', 'USD', '2025-01-10')!.rate).toBe('0.266666666666667');
  });

  it('knows no rate before the first snapshot, for an unknown currency, or from a currency to itself', () => {
    expect(fx.rate('USD', 'EUR', '2023-12-31')).toBeUndefined();
    expect(fx.rate('USD', 'JPY', '2026-07-15')).toBeUndefined();
    expect(fx.rate('EUR', 'EUR', '2026-07-15')).toBeUndefined();
  });

  it('converts with the platform money functions, keeping the rate id', () => {
    const converted = convert(fromDecimal('100', 'USD'), fx.rate('USD', 'BRL', '2024-09-01')!, 'half_up');
    expect(converted).toEqual({ amount: 55900, currency: 'BRL', fxRateId: 'fx_2024-07-01_USD_BRL' });
  });

  it('divides decimals exactly, rounding half-even', () => {
    expect(divideDecimals('1', '4', 15)).toBe('0.25');
    expect(divideDecimals('2', '3', 4)).toBe('0.6667');
    expect(divideDecimals('5.4000', '0.8600', 6)).toBe('6.27907');
  });
});

describe('FX data validation', () => {
  const broken = (change: (data: ReturnType<typeof shippedData>) => void) => {
    const data = shippedData();
    change(data);
    return () => parseFxRates(data, 'fx-rates.json');
  };

  it('fails loudly naming the snapshot and the field', () => {
    expect(broken((d) => ((d.snapshots[1]!.rates as Record<string, string>).EUR = '0'))).toThrow('fx-rates.json: snapshot #1 "fx_2024-04-01": field "rates.EUR" must be a positive decimal string');
    expect(broken((d) => ((d.snapshots[2]!.rates as Record<string, string>).EUR = 0.93 as unknown as string))).toThrow(/snapshot #2 .*field "rates\.EUR"/);
    expect(broken((d) => ((d.snapshots[0]!.rates as Record<string, string>).ZZZ = '1'))).toThrow(/field "rates\.ZZZ" is not an ISO 4217 currency/);
    expect(broken((d) => (d.snapshots[3]!.date = '2024-02-30'))).toThrow(/snapshot #3 .*field "date" must be a calendar date/);
    expect(broken((d) => Object.assign(d.snapshots[3]!, { date: '2024-01-01', id: 'fx_2024-01-01' }))).toThrow(/field "date" must come after the previous snapshot's/);
    expect(broken((d) => (d.snapshots[4]!.id = 'fx_2024-01-02'))).toThrow('snapshot #4 "fx_2024-01-02": field "id" must be "fx_2025-01-02", the date\'s snapshot id');
    expect(broken((d) => (d.snapshots[0]!.base = 'usd'))).toThrow(/field "base" must be an ISO 4217 currency/);
    expect(broken((d) => (d.description = ''))).toThrow(FxDataError);
  });
});

describe('operators’ snapshots over the shipped ones', () => {
  const operator = (date: string, version: number, rates: Record<string, string>) => fxSnapshot(operatorSnapshotId(date, version), date, 'USD', rates);
  const merged = mergeFxSnapshots(fx, [operator('2026-07-01', 2, { EUR: '0.8500', BRL: '5.4500', CNY: '7.2500' }), operator('2026-08-15', 1, { EUR: '0.8400', BRL: '5.5000' })]);

  it('supersede the shipped snapshot of the same date, and only that one', () => {
    expect(merged.snapshots.filter((s) => s.date === '2026-07-01').map((s) => s.id)).toEqual(['fx_2026-07-01.v2']);
    expect(merged.snapshots).toHaveLength(fx.snapshots.length + 1);
    expect(merged.rate('USD', 'BRL', '2026-06-30')).toMatchObject({ id: 'fx_2026-04-01_USD_BRL' });
    expect(merged.rate('USD', 'BRL', '2026-07-01')).toMatchObject({ id: 'fx_2026-07-01.v2_USD_BRL', rate: '5.4500', derivation: 'recorded' });
  });

  it('pick the latest snapshot on or before the date, whoever wrote it', () => {
    expect(merged.snapshotOn('2026-08-14')?.id).toBe('fx_2026-07-01.v2');
    expect(merged.snapshotOn('2026-08-15')?.id).toBe('fx_2026-08-15.v1');
    expect(merged.snapshotOn('2026-09-30')?.id).toBe('fx_2026-08-15.v1');
    expect(merged.snapshotOn('2026-10-01')?.id).toBe('fx_2026-10-01');
  });

  it('derive inverse and cross rates within the operator’s snapshot, keeping its id', () => {
    expect(merged.rate('BRL', 'USD', '2026-07-02')).toMatchObject({ id: 'fx_2026-07-01.v2_BRL_USD', rate: '0.18348623853211', derivation: 'inverse' });
    expect(merged.rate('CNY', 'BRL', '2026-07-02')).toMatchObject({ id: 'fx_2026-07-01.v2_CNY_BRL', rate: '0.751724137931034', derivation: 'cross' });
    // The operator's snapshot of 2026-08-15 quotes no CNY: no rate is borrowed from another date.
    expect(merged.rate('CNY', 'BRL', '2026-08-20')).toBeUndefined();
  });

  it('name snapshots so that shipped and operators’ ids never collide, and read rate ids back', () => {
    expect(parseFxRateId('fx_2026-07-01_USD_BRL')).toEqual({ snapshotId: 'fx_2026-07-01', date: '2026-07-01', version: null, base: 'USD', quote: 'BRL' });
    expect(parseFxRateId('fx_2026-07-01.v12_CNY_KRW')).toEqual({ snapshotId: 'fx_2026-07-01.v12', date: '2026-07-01', version: 12, base: 'CNY', quote: 'KRW' });
    for (const id of ['fx_2026-02-30_USD_BRL', 'fx_2026-07-01.v0_USD_BRL', 'fx_2026-07-01.v_USD_BRL', 'fx_2026-07-01_usd_BRL', 'fxr_test_1', 'fx_2026-07-01_USD']) expect(parseFxRateId(id), id).toBeUndefined();
  });
});

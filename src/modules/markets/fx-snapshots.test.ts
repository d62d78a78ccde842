import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fxSnapshot, SHIPPED_FX_RATES_FILE } from './fx.ts';
import { checkSnapshotRates, MAX_SNAPSHOTS_PER_IMPORT, parseSnapshotFile, sameRates } from './fx-snapshots.ts';

const REQUIRED = ['BRL', 'CNY', 'EUR', 'KRW'];
const rates = { EUR: '0.8600', BRL: '5.4500', CNY: '7.2500', KRW: '1385.5' };
const csv = (...lines: string[]) => Buffer.from(`${lines.join('\n')}\n`);
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('an operator’s snapshot', () => {
  it('passes with USD as base and every required currency quoted', () => {
    expect(checkSnapshotRates('USD', rates, REQUIRED)).toEqual([]);
    expect(checkSnapshotRates('USD', { ...rates, JPY: '147.25' }, REQUIRED)).toEqual([]);
  });

  it('reports every problem at once, each where it is', () => {
    const { KRW: _left, ...withoutKrw } = rates;
    expect(checkSnapshotRates('EUR', { ...withoutKrw, BRL: '5,45', XYZ: '1', USD: '1', EUR: '0', CNY: '1e3' }, REQUIRED)).toEqual([
      { path: '/base', code: 'invalid', message: expect.stringContaining('"USD"') },
      { path: '/rates/EUR', code: 'invalid_rate', message: expect.any(String) },
      { path: '/rates/BRL', code: 'invalid_rate', message: expect.any(String) },
      { path: '/rates/CNY', code: 'invalid_rate', message: expect.any(String) },
      { path: '/rates/XYZ', code: 'unknown_currency', message: 'XYZ is not an ISO 4217 currency' },
      { path: '/rates/USD', code: 'invalid', message: expect.stringContaining('base currency') },
      { path: '/rates/KRW', code: 'required', message: 'is required: buyers or sellers pay in KRW' },
    ]);
  });

  it.each(['0', '0.0000', '-1', '1.', '.5', '1234567890123', '1.1234567890123', ' 5.45', 5.45])('refuses the rate %j', (rate) => {
    expect(checkSnapshotRates('USD', { ...rates, BRL: rate }, REQUIRED)).toEqual([expect.objectContaining({ path: '/rates/BRL', code: 'invalid_rate' })]);
  });

  it('counts as the same only when base and every rate are written alike', () => {
    const snapshot = fxSnapshot('fx_2026-07-01.v1', '2026-07-01', 'USD', rates);
    expect(sameRates(snapshot, { base: 'USD', rates: { ...rates } })).toBe(true);
    expect(sameRates(snapshot, { base: 'USD', rates: { ...rates, BRL: '5.45' } })).toBe(false);
    expect(sameRates(snapshot, { base: 'USD', rates: { ...rates, JPY: '147' } })).toBe(false);
  });
});

describe('a file of snapshots', () => {
  it('reads the shipped file itself, ids aside', () => {
    const file = parseSnapshotFile(readFileSync(SHIPPED_FX_RATES_FILE), REQUIRED);
    expect(file).toMatchObject({ format: 'json', problems: [], source: expect.stringContaining('Sample rates') });
    expect(file.snapshots).toHaveLength(12);
    expect(file.snapshots[0]).toEqual({ date: '2024-01-02', base: 'USD', rates: expect.objectContaining({ EUR: '0.9090', KRW: '1305' }) });
  });

  it('reads CSV with one row per date, an empty cell for a currency not quoted', () => {
    const file = parseSnapshotFile(csv('\uFEFFdate,base,EUR,BRL,CNY,KRW,JPY', '2026-12-01,USD,0.8600,5.4500,7.2500,1385.5,', '', '2026-12-02,USD,0.8610,5.4400,7.2400,1386,147.5'), REQUIRED);
    expect(file).toEqual({
      format: 'csv',
      source: null,
      problems: [],
      snapshots: [
        { date: '2026-12-01', base: 'USD', rates },
        { date: '2026-12-02', base: 'USD', rates: { EUR: '0.8610', BRL: '5.4400', CNY: '7.2400', KRW: '1386', JPY: '147.5' } },
      ],
    });
  });

  it('names the line and column of each bad cell in a CSV', () => {
    const file = parseSnapshotFile(csv('date,base,EUR,BRL,CNY,KRW', '2026-12-01,USD,0.8600,5.4500,7.2500,1385.5', '2026-12-31,USD,0.8600,,7.2500,1385.5', '2026-13-01,USD,0.8600,5.4500,7.2500,abc'), REQUIRED);
    expect(file.problems).toEqual([
      { path: '/file/line/3/BRL', code: 'required', message: expect.any(String) },
      { path: '/file/line/4/date', code: 'invalid_date', message: expect.any(String) },
      { path: '/file/line/4/KRW', code: 'invalid_rate', message: expect.any(String) },
    ]);
  });

  it('refuses a CSV header it cannot read', () => {
    expect(parseSnapshotFile(csv('day,base,EUR,EUR,euro', '2026-12-01,USD,1,1,1'), REQUIRED).problems.map((p) => [p.path, p.code])).toEqual([
      ['/file/line/1/date', 'required'],
      ['/file/line/1/day', 'unknown_column'],
      ['/file/line/1/EUR', 'duplicate_column'],
      ['/file/line/1/euro', 'unknown_column'],
    ]);
    expect(parseSnapshotFile(csv('date,base,EUR', '2026-12-01,USD'), REQUIRED).problems).toEqual([{ path: '/file', code: 'invalid_csv', message: expect.stringContaining('cannot be read as CSV') }]);
  });

  it('names the snapshot and field of each problem in JSON', () => {
    const file = parseSnapshotFile(json({ source: 'Treasury desk', snapshots: [{ id: 'mine', date: '2026-12-01', base: 'USD', rates }, { date: '2026-12-02', base: 'USD', rates: { ...rates, EUR: '-1' }, note: 'x' }] }), REQUIRED);
    expect(file.source).toBe('Treasury desk');
    expect(file.problems).toEqual([
      { path: '/file/snapshots/1/note', code: 'unknown_field', message: expect.any(String) },
      { path: '/file/snapshots/1/rates/EUR', code: 'invalid_rate', message: expect.any(String) },
    ]);
    expect(parseSnapshotFile(Buffer.from('{"snapshots": ['), REQUIRED).problems).toEqual([{ path: '/file', code: 'invalid_json', message: expect.stringContaining('is not valid JSON') }]);
    expect(parseSnapshotFile(json({ rates }), REQUIRED).problems).toEqual([{ path: '/file', code: 'invalid', message: expect.stringContaining('"snapshots"') }]);
  });

  it('refuses two snapshots of one date, no snapshot at all, or too many at once', () => {
    const twice = parseSnapshotFile(json({ snapshots: [{ date: '2026-12-01', base: 'USD', rates }, { date: '2026-12-01', base: 'USD', rates }] }), REQUIRED);
    expect(twice.problems).toEqual([{ path: '/file', code: 'duplicate_date', message: 'has two snapshots for 2026-12-01 (the 1st and the 2nd)' }]);
    expect(parseSnapshotFile(csv('date,base,EUR'), REQUIRED).problems).toEqual([{ path: '/file', code: 'empty', message: 'holds no snapshot' }]);
    const day = (i: number) => new Date(Date.UTC(2030, 0, 1 + i)).toISOString().slice(0, 10);
    const many = parseSnapshotFile(json({ snapshots: Array.from({ length: MAX_SNAPSHOTS_PER_IMPORT + 1 }, (_, i) => ({ date: day(i), base: 'USD', rates })) }), REQUIRED);
    expect(many.problems).toEqual([{ path: '/file', code: 'too_many', message: expect.stringContaining(`at most ${MAX_SNAPSHOTS_PER_IMPORT}`) }]);
  });
});

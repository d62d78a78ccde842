import { describe, expect, it } from 'vitest';
import {
  add,
  allocate,
  compare,
  convert,
  currencyExponent,
  divide,
  format,
  fromDecimal,
  isCurrency,
  money,
  MoneyError,
  multiply,
  subtract,
  toDecimal,
} from './index.ts';

describe('ISO 4217 exponents', () => {
  it.each([
    ['KRW', 0],
    ['JPY', 0],
    ['BRL', 2],
    ['EUR', 2],
    ['CNY', 2],
    ['KWD', 3],
    ['BHD', 3],
  ])('%s has %i decimals', (code, exponent) => {
    expect(currencyExponent(code)).toBe(exponent);
  });

  it('refuses unknown codes and non-money codes', () => {
    expect(isCurrency('XYZ')).toBe(false);
    expect(isCurrency('XAU')).toBe(false);
    expect(isCurrency('XOF')).toBe(true);
    expect(() => money(1, 'ABC')).toThrow(MoneyError);
  });
});

describe('decimal conversion', () => {
  it.each([
    ['15000', 'KRW', 15000, '15000'],
    ['66.66', 'BRL', 6666, '66.66'],
    ['0.5', 'BRL', 50, '0.50'],
    ['12.345', 'KWD', 12345, '12.345'],
    ['0.001', 'KWD', 1, '0.001'],
    ['-3.1', 'KWD', -3100, '-3.100'],
  ])('%s %s is %i minor units and prints back as %s', (decimal, currency, minor, printed) => {
    const value = fromDecimal(decimal, currency);
    expect(value.amount).toBe(minor);
    expect(toDecimal(value)).toBe(printed);
  });

  it('refuses more decimals than the currency has, unless told how to round', () => {
    expect(() => fromDecimal('100.5', 'KRW')).toThrow(/more decimals/);
    expect(() => fromDecimal('1.0001', 'KWD')).toThrow(/more decimals/);
    expect(fromDecimal('100.5', 'KRW', 'half_even').amount).toBe(100);
    expect(fromDecimal('101.5', 'KRW', 'half_even').amount).toBe(102);
    expect(fromDecimal('100.5', 'KRW', 'half_up').amount).toBe(101);
  });

  it('refuses floats in disguise and non-integers', () => {
    expect(() => fromDecimal('1e3', 'BRL')).toThrow(MoneyError);
    expect(() => money(1.5, 'BRL')).toThrow(MoneyError);
    expect(() => money(Number.MAX_SAFE_INTEGER + 1, 'KRW')).toThrow(MoneyError);
  });
});

describe('arithmetic', () => {
  it('adds and subtracts only the same currency', () => {
    expect(add(money(1, 'KWD'), money(2, 'KWD'), money(3, 'KWD')).amount).toBe(6);
    expect(subtract(money(1000, 'KRW'), money(1, 'KRW')).amount).toBe(999);
    expect(() => add(money(1, 'BRL'), money(1, 'KRW'))).toThrow(/cannot combine/);
    expect(compare(money(5, 'BRL'), money(7, 'BRL'))).toBe(-1);
  });

  it('multiplies by exact decimals with explicit rounding', () => {
    // 8 % commission on R$ 19,99 = 1.5992 → 1.60
    expect(multiply(fromDecimal('19.99', 'BRL'), '0.08', 'half_even').amount).toBe(160);
    // 12 % of ₩ 12,345 = 1481.4 → 1481
    expect(multiply(money(12345, 'KRW'), '0.12', 'half_even').amount).toBe(1481);
    // 5 % of 0.125 KWD = 0.00625 → 0.006 (half_even) or 0.007 (up)
    expect(multiply(money(125, 'KWD'), '0.05', 'half_even').amount).toBe(6);
    expect(multiply(money(125, 'KWD'), '0.05', 'up').amount).toBe(7);
  });

  it.each([
    [5n, 2n, 'half_even', 2n],
    [7n, 2n, 'half_even', 4n],
    [-5n, 2n, 'half_even', -2n],
    [-5n, 2n, 'half_up', -3n],
    [-5n, 2n, 'floor', -3n],
    [-5n, 2n, 'ceiling', -2n],
    [5n, 3n, 'up', 2n],
    [5n, 3n, 'down', 1n],
  ] as const)('divide(%s, %s, %s) = %s', (n, d, mode, expected) => {
    expect(divide(n, d, mode)).toBe(expected);
  });

  it('allocates without losing a minor unit', () => {
    const parts = allocate(money(100, 'KRW'), [1, 1, 1]);
    expect(parts.map((p) => p.amount)).toEqual([34, 33, 33]);
    const kwd = allocate(money(1001, 'KWD'), [70, 30]);
    expect(kwd.map((p) => p.amount)).toEqual([701, 300]);
    const negative = allocate(money(-10, 'BRL'), [1, 2]);
    expect(negative.map((p) => p.amount)).toEqual([-3, -7]);
    expect(negative.reduce((sum, p) => sum + p.amount, 0)).toBe(-10);
  });
});

describe('currency conversion', () => {
  it('converts across exponents and keeps the rate id', () => {
    // 100.000 KWD at 4,750.25 KRW per KWD = 475,025 KRW
    const krw = convert(fromDecimal('100', 'KWD'), { id: 'fx_1', base: 'KWD', quote: 'KRW', rate: '4750.25' }, 'half_even');
    expect(krw).toEqual({ amount: 475025, currency: 'KRW', fxRateId: 'fx_1' });
    // ₩ 10,000 at 0.00402 BRL per KRW = R$ 40.20
    const brl = convert(money(10000, 'KRW'), { id: 'fx_2', base: 'KRW', quote: 'BRL', rate: '0.00402' }, 'half_even');
    expect(brl.amount).toBe(4020);
    expect(() => convert(money(1, 'BRL'), { id: 'fx_3', base: 'KRW', quote: 'BRL', rate: '1' }, 'half_even')).toThrow(/converts KRW/);
  });

  it('formats for display with the currency exponent', () => {
    expect(format(money(12345, 'KWD'), 'en')).toBe('KWD\u00a012.345');
    expect(format(money(15000, 'KRW'), 'en')).toBe('₩15,000');
    expect(format(money(6666, 'BRL'), 'en')).toBe('R$66.66');
  });
});

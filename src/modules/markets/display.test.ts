import { describe, expect, it } from 'vitest';
import { money } from '../../platform/money/index.ts';
import { shippedMarkets } from './countries.ts';
import { displayDecimals, displayPrice, marketLocale } from './display.ts';

describe('display rounding', () => {
  it.each([
    ['KRW', 0],
    ['JPY', 0],
    ['BRL', 2],
    ['SAR', 2],
    ['EUR', 2],
    ['KWD', 3],
  ])('shows %s with %i decimals', (currency, decimals) => {
    expect(displayDecimals(currency)).toBe(decimals);
  });

  it.each([
    [money(123450, 'BRL'), 'pt-BR', '1234.50', 'R$\u00a01.234,50'],
    [money(1999, 'BRL'), 'pt-BR', '19.99', 'R$\u00a019,99'],
    [money(15347, 'KRW'), 'ko-KR', '15347', '₩15,347'],
    [money(9995, 'SAR'), 'en-SA', '99.95', 'SAR\u00a099.95'],
    [money(1234, 'EUR'), 'fr-FR', '12.34', '12,34\u00a0€'],
    [money(12345, 'KWD'), 'en', '12.345', 'KWD\u00a012.345'],
    [money(1, 'USD'), 'en-US', '0.01', '$0.01'],
  ])('shows %j exactly in %s, never rounded to a "nicer" figure', (price, locale, value, text) => {
    expect(displayPrice(price, locale)).toEqual({ amount: price.amount, currency: price.currency, decimals: displayDecimals(price.currency), value, text, locale });
  });

  it('keeps amounts beyond floating point exact', () => {
    expect(displayPrice(money(9_007_199_254_740_991, 'KRW')).text).toBe('₩9,007,199,254,740,991');
  });

  it('refuses a locale that is no BCP 47 tag', () => {
    expect(() => displayPrice(money(1, 'BRL'), 'not a locale')).toThrow(RangeError);
  });

  it('gives each market a default locale of its main language and country', () => {
    const markets = shippedMarkets();
    expect(marketLocale(markets.get('BR')!)).toBe('pt-BR');
    expect(marketLocale(markets.get('SA')!)).toBe('ar-SA');
    expect(marketLocale(markets.get('BE')!)).toBe('nl-BE');
  });
});

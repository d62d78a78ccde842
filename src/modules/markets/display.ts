import { currencyExponent, format, toDecimal, type Money } from '../../platform/money/index.ts';
import type { Market } from './countries.ts';

/**
 * How prices are shown to buyers. An amount is shown with exactly its currency's ISO 4217 minor
 * unit (KRW and JPY none, BRL and SAR two, KWD three) and never rounded further or "to a nice
 * number": the price a buyer sees is, to the last minor unit, the price they pay.
 */

export interface DisplayPrice {
  amount: number;
  currency: string;
  /** Decimals shown: the currency's minor unit. */
  decimals: number;
  /** The exact amount in major units, locale-free ("1234.50"; "15000" for KRW). */
  value: string;
  /** The amount as the locale writes it ("R$ 1.234,50", "₩15,000"). */
  text: string;
  locale: string;
}

export function displayDecimals(currency: string): number {
  return currencyExponent(currency);
}

/** A price as buyers see it; `locale` is a BCP 47 tag (a market's default: `marketLocale`). */
export function displayPrice(price: Money, locale = 'en'): DisplayPrice {
  const [canonical] = Intl.getCanonicalLocales(locale);
  return { amount: price.amount, currency: price.currency, decimals: displayDecimals(price.currency), value: toDecimal(price), text: format(price, canonical), locale: canonical! };
}

/** The locale a market's prices and texts are shown in by default: main language and country (pt-BR). */
export function marketLocale(market: Pick<Market, 'code' | 'language'>): string {
  return `${market.language}-${market.code}`;
}

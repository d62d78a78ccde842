import currencyCodes from 'currency-codes';

/**
 * Money is an integer count of a currency's minor units plus its ISO 4217 code.
 * Amounts are JavaScript safe integers at rest and in JSON; every multiplication or division
 * happens in bigint with an explicit rounding mode, so no floating-point value ever touches money.
 */
export interface Money {
  readonly amount: number;
  readonly currency: string;
}

export type Rounding = 'half_even' | 'half_up' | 'down' | 'up' | 'floor' | 'ceiling';

export class MoneyError extends Error {
  override name = 'MoneyError';
}

const exponents = new Map<string, number>();
for (const code of currencyCodes.codes()) {
  const entry = currencyCodes.code(code);
  // Funds, precious metals and testing codes ("Zz…" pseudo-countries) are not money a buyer pays with.
  if (!entry || entry.countries.every((country) => country.startsWith('Zz'))) continue;
  exponents.set(code, entry.digits);
}

export function isCurrency(code: string): boolean {
  return exponents.has(code);
}

export function currencyExponent(currency: string): number {
  const exponent = exponents.get(currency);
  if (exponent === undefined) throw new MoneyError(`unknown currency "${currency}"`);
  return exponent;
}

export function supportedCurrencies(): string[] {
  return [...exponents.keys()].sort();
}

function assertSafe(amount: bigint | number, what = 'amount'): number {
  const value = typeof amount === 'bigint' ? Number(amount) : amount;
  if (!Number.isSafeInteger(value) || (typeof amount === 'bigint' && BigInt(value) !== amount)) {
    throw new MoneyError(`${what} ${amount} is not an integer number of minor units within the safe range`);
  }
  return value;
}

export function money(amount: number | bigint, currency: string): Money {
  currencyExponent(currency);
  return Object.freeze({ amount: assertSafe(amount), currency });
}

export function zero(currency: string): Money {
  return money(0, currency);
}

const DECIMAL = /^([+-])?(\d+)(?:\.(\d+))?$/;

interface Ratio {
  numerator: bigint;
  denominator: bigint;
}

/** Parses a plain decimal string ("0.05", "-12.345") into an exact ratio. */
export function parseRatio(decimal: string): Ratio {
  const match = DECIMAL.exec(decimal.trim());
  if (!match) throw new MoneyError(`"${decimal}" is not a plain decimal number`);
  const [, sign, whole, fraction = ''] = match;
  const numerator = BigInt(`${whole}${fraction}`) * (sign === '-' ? -1n : 1n);
  return { numerator, denominator: 10n ** BigInt(fraction.length) };
}

/** Divides with the given rounding; the denominator must be positive. */
export function divide(numerator: bigint, denominator: bigint, rounding: Rounding): bigint {
  if (denominator <= 0n) throw new MoneyError('denominator must be positive');
  const quotient = numerator / denominator; // truncates toward zero
  const remainder = numerator % denominator;
  if (remainder === 0n) return quotient;
  const negative = numerator < 0n;
  const awayFromZero = negative ? quotient - 1n : quotient + 1n;
  const twiceRemainder = (remainder < 0n ? -remainder : remainder) * 2n;
  switch (rounding) {
    case 'down':
      return quotient;
    case 'up':
      return awayFromZero;
    case 'floor':
      return negative ? awayFromZero : quotient;
    case 'ceiling':
      return negative ? quotient : awayFromZero;
    case 'half_up':
      return twiceRemainder >= denominator ? awayFromZero : quotient;
    case 'half_even':
      if (twiceRemainder > denominator) return awayFromZero;
      if (twiceRemainder < denominator) return quotient;
      return quotient % 2n === 0n ? quotient : awayFromZero;
  }
}

/**
 * Reads a decimal amount in major units ("12.345" KWD → 12345 fils). More decimals than the
 * currency has is an error unless a rounding mode says what to do with them.
 */
export function fromDecimal(decimal: string, currency: string, rounding?: Rounding): Money {
  const exponent = BigInt(currencyExponent(currency));
  const { numerator, denominator } = parseRatio(decimal);
  const scaled = numerator * 10n ** exponent;
  if (scaled % denominator !== 0n && rounding === undefined) {
    throw new MoneyError(`${decimal} has more decimals than ${currency} allows (${exponent})`);
  }
  return money(divide(scaled, denominator, rounding ?? 'half_even'), currency);
}

/** The amount in major units as an exact decimal string ("12.345"). */
export function toDecimal(value: Money): string {
  const exponent = currencyExponent(value.currency);
  const negative = value.amount < 0;
  const digits = Math.abs(value.amount).toString().padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  return `${negative ? '-' : ''}${whole}${exponent > 0 ? `.${fraction}` : ''}`;
}

function assertSameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) throw new MoneyError(`cannot combine ${a.currency} with ${b.currency}`);
}

export function add(a: Money, ...rest: Money[]): Money {
  let total = BigInt(a.amount);
  for (const b of rest) {
    assertSameCurrency(a, b);
    total += BigInt(b.amount);
  }
  return money(total, a.currency);
}

export function subtract(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return money(BigInt(a.amount) - BigInt(b.amount), a.currency);
}

export function negate(a: Money): Money {
  return money(-a.amount, a.currency);
}

export function compare(a: Money, b: Money): -1 | 0 | 1 {
  assertSameCurrency(a, b);
  return a.amount < b.amount ? -1 : a.amount > b.amount ? 1 : 0;
}

/** Multiplies by an exact decimal factor ("0.05" for a 5 % commission, "3" for a quantity). */
export function multiply(value: Money, factor: string, rounding: Rounding): Money {
  const { numerator, denominator } = parseRatio(factor);
  return money(divide(BigInt(value.amount) * numerator, denominator, rounding), value.currency);
}

/**
 * Splits an amount in proportion to integer weights without losing or inventing a minor unit:
 * each share is rounded down and the remainder goes, one unit at a time, to the largest fractions.
 */
export function allocate(value: Money, weights: readonly number[]): Money[] {
  if (weights.length === 0) throw new MoneyError('allocate needs at least one weight');
  if (weights.some((w) => !Number.isSafeInteger(w) || w < 0)) throw new MoneyError('weights must be non-negative integers');
  const total = weights.reduce((sum, w) => sum + BigInt(w), 0n);
  if (total === 0n) throw new MoneyError('weights must not all be zero');
  const amount = BigInt(value.amount);
  const sign = amount < 0n ? -1n : 1n;
  const magnitude = amount * sign;
  const shares = weights.map((w) => (magnitude * BigInt(w)) / total);
  const fractions = weights.map((w, index) => ({ index, rest: (magnitude * BigInt(w)) % total }));
  let left = magnitude - shares.reduce((sum, s) => sum + s, 0n);
  fractions.sort((a, b) => (a.rest === b.rest ? a.index - b.index : a.rest > b.rest ? -1 : 1));
  for (const { index } of fractions) {
    if (left === 0n) break;
    shares[index] = (shares[index] ?? 0n) + 1n;
    left -= 1n;
  }
  return shares.map((share) => money(share * sign, value.currency));
}

export interface FxRate {
  readonly id: string;
  readonly base: string;
  readonly quote: string;
  /** Units of quote currency per one unit of base currency, as an exact decimal string. */
  readonly rate: string;
}

export interface ConvertedMoney extends Money {
  readonly fxRateId: string;
}

/** Converts with a dated rate, keeping the rate's id beside the result as the house rules ask. */
export function convert(value: Money, rate: FxRate, rounding: Rounding): ConvertedMoney {
  if (value.currency !== rate.base) {
    throw new MoneyError(`rate ${rate.id} converts ${rate.base}, not ${value.currency}`);
  }
  const { numerator, denominator } = parseRatio(rate.rate);
  if (numerator <= 0n) throw new MoneyError(`rate ${rate.id} must be positive`);
  const fromExponent = BigInt(currencyExponent(rate.base));
  const toExponent = BigInt(currencyExponent(rate.quote));
  const scaledNumerator = BigInt(value.amount) * numerator * 10n ** toExponent;
  const scaledDenominator = denominator * 10n ** fromExponent;
  const converted = money(divide(scaledNumerator, scaledDenominator, rounding), rate.quote);
  return Object.freeze({ ...converted, fxRateId: rate.id });
}

/** Human display in a locale; never parse the result back. */
export function format(value: Money, locale = 'en'): string {
  const exponent = currencyExponent(value.currency);
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: value.currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  }).format(toDecimal(value) as unknown as number);
}

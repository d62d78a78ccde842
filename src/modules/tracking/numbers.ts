/**
 * Tracking numbers: the check-digit algorithms carriers publish, normalisation of what people
 * type, detection of the carriers a number can belong to, and validation of a number a seller
 * enters for a carrier they name.
 *
 * Every algorithm is a pure function from the digits the check covers (the "body") to the check
 * character. Which part of a number is the body is said by the carrier registry's format regex
 * (named groups `body` and `check`; without them the check is the last character and the body
 * everything before it), so one algorithm serves every carrier that uses it — FedEx's mod 11
 * covers both its 12-digit numbers and the last 14 digits of its 34-digit barcode.
 *
 * Detection ranks candidates, because most numbers fit several carriers' patterns:
 *   1. a format whose check digit was verified outranks a bare pattern (a random string passes a
 *      mod 10 check one time in ten, so a pass is evidence; a pattern fit is not);
 *   2. an S10 number goes to the post that issued it (its two-letter suffix) first — the issuing
 *      post always holds the item's record, whoever else carries it later;
 *   3. a carrier that serves one of the countries the caller names (origin, destination) next;
 *   4. then the more specific format (more fixed characters: "LP" + 14 digits beats 16 digits);
 *   5. then registry order, so the answer is stable.
 * A format whose regex fits but whose check digit fails rules that format out: the number is
 * either mistyped or not that carrier's.
 */
import type { Carrier, CarrierRegistry, NumberFormat } from './carriers.ts';

/* ------------------------------------------------------------------------------------------------
 * Check-digit algorithms
 * --------------------------------------------------------------------------------------------- */

export const CHECK_DIGIT_ALGORITHMS = [
  'none',
  's10',
  'gs1_mod10',
  'ups_mod10',
  'fedex_mod11',
  'mod7',
  'mod10_4_9',
  'luhn',
  'iso7064_mod37_36',
] as const;

export type CheckDigitAlgorithm = (typeof CHECK_DIGIT_ALGORITHMS)[number];

export function isCheckDigitAlgorithm(value: unknown): value is CheckDigitAlgorithm {
  return typeof value === 'string' && (CHECK_DIGIT_ALGORITHMS as readonly string[]).includes(value);
}

const DIGITS = /^\d+$/;
const S10_WEIGHTS = [8, 6, 4, 2, 3, 5, 9, 7] as const;

function digitsOf(body: string, what: string): number[] {
  if (!DIGITS.test(body)) throw new RangeError(`${what} needs digits only, got ${JSON.stringify(body)}`);
  return [...body].map((char) => char.charCodeAt(0) - 48);
}

/**
 * UPU S10: weights 8 6 4 2 3 5 9 7 over the 8 serial digits, r = Σ mod 11, check = 11 − r,
 * except r = 0 gives 5 and r = 1 gives 0 (11 − r would be two digits). 12345678 → 204 → r 6 → 5.
 * TNT's 9-digit consignment numbers use the same rule over their first 8 digits.
 */
export function s10CheckDigit(serial: string): number {
  if (serial.length !== 8) throw new RangeError(`an S10 serial has 8 digits, got ${JSON.stringify(serial)}`);
  const digits = digitsOf(serial, 'an S10 serial');
  const sum = digits.reduce((total, digit, i) => total + digit * (S10_WEIGHTS[i] as number), 0);
  const remainder = sum % 11;
  if (remainder === 0) return 5;
  if (remainder === 1) return 0;
  return 11 - remainder;
}

/**
 * GS1 mod 10 (UCC/EAN, USPS IMpb, FedEx Ground, SSCC, Canada Post, Russian Post's 14-digit
 * numbers): from the rightmost body digit leftwards, weights 3, 1, 3, 1…; check = (10 − Σ mod 10)
 * mod 10. Weighting from the right makes the rule independent of the body's length.
 */
export function gs1Mod10CheckDigit(body: string): number {
  const digits = digitsOf(body, 'a GS1 mod 10 body');
  let sum = 0;
  for (let i = digits.length - 1, weight = 3; i >= 0; i -= 1, weight = weight === 3 ? 1 : 3) sum += (digits[i] as number) * weight;
  return (10 - (sum % 10)) % 10;
}

/**
 * UPS 1Z (and OnTrac, which uses the same rule): letters become digits as (char code − 63) mod 10
 * (A → 2 … H → 9, I → 0 …), then from the left the characters weigh 1, 2, 1, 2…; check =
 * (10 − Σ mod 10) mod 10. For 1Z numbers the body is the 15 characters between "1Z" and the check.
 */
export function upsMod10CheckDigit(body: string): number {
  if (!/^[0-9A-Z]+$/.test(body)) throw new RangeError(`a UPS body needs digits and capital letters, got ${JSON.stringify(body)}`);
  let sum = 0;
  [...body].forEach((char, i) => {
    const code = char.charCodeAt(0);
    const value = code <= 57 ? code - 48 : (code - 63) % 10;
    sum += value * (i % 2 === 0 ? 1 : 2);
  });
  return (10 - (sum % 10)) % 10;
}

/**
 * FedEx Express mod 11: from the rightmost body digit leftwards, weights 1, 3, 7, 1, 3, 7…;
 * check = Σ mod 11 mod 10. Used by the 12-digit numbers (11-digit body) and the 34-digit barcode
 * (the 13 digits before its check).
 */
export function fedexMod11CheckDigit(body: string): number {
  const digits = digitsOf(body, 'a FedEx body');
  const weights = [1, 3, 7];
  let sum = 0;
  for (let i = digits.length - 1, k = 0; i >= 0; i -= 1, k += 1) sum += (digits[i] as number) * (weights[k % 3] as number);
  return (sum % 11) % 10;
}

/**
 * Mod 7: the body read as a number, modulo 7 (DHL Express 10-digit waybills; Japan Post, Yamato
 * and Sagawa 12-digit numbers). Computed digit by digit, so bodies of any length stay exact.
 */
export function mod7CheckDigit(body: string): number {
  return digitsOf(body, 'a mod 7 body').reduce((remainder, digit) => (remainder * 10 + digit) % 7, 0);
}

/**
 * Deutsche Post Identcode and Leitcode (DHL Paket's 12-digit numbers): from the left, weights 4,
 * 9, 4, 9…; check = (10 − Σ mod 10) mod 10.
 */
export function mod10Weights49CheckDigit(body: string): number {
  const digits = digitsOf(body, 'a Deutsche Post body');
  const sum = digits.reduce((total, digit, i) => total + digit * (i % 2 === 0 ? 4 : 9), 0);
  return (10 - (sum % 10)) % 10;
}

/** Luhn (Purolator's 12-digit PINs): from the rightmost body digit, double every other digit. */
export function luhnCheckDigit(body: string): number {
  const digits = digitsOf(body, 'a Luhn body');
  let sum = 0;
  for (let i = digits.length - 1, double = true; i >= 0; i -= 1, double = !double) {
    const digit = digits[i] as number;
    sum += double ? (digit * 2 > 9 ? digit * 2 - 9 : digit * 2) : digit;
  }
  return (10 - (sum % 10)) % 10;
}

const BASE36 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * ISO/IEC 7064 MOD 37,36 (the check character of DPD's 28-character parcel label barcode):
 * p starts at 36; for each character s = (p + value) mod 36 (0 counts as 36), p = 2s mod 37;
 * the check is the character worth (37 − p) mod 36.
 */
export function iso7064Mod3736CheckCharacter(body: string): string {
  if (!/^[0-9A-Z]+$/.test(body)) throw new RangeError(`an ISO 7064 body needs digits and capital letters, got ${JSON.stringify(body)}`);
  let p = 36;
  for (const char of body) {
    let s = (p + BASE36.indexOf(char)) % 36;
    if (s === 0) s = 36;
    p = (s * 2) % 37;
  }
  return BASE36[(37 - p) % 36] as string;
}

/**
 * The check character an algorithm expects for a body, or undefined when the body is not
 * something the algorithm can be applied to (an S10 serial that is not 8 digits, letters in a
 * numeric body).
 */
export function expectedCheckCharacter(algorithm: Exclude<CheckDigitAlgorithm, 'none'>, body: string): string | undefined {
  try {
    switch (algorithm) {
      case 's10':
        return String(s10CheckDigit(body));
      case 'gs1_mod10':
        return String(gs1Mod10CheckDigit(body));
      case 'ups_mod10':
        return String(upsMod10CheckDigit(body));
      case 'fedex_mod11':
        return String(fedexMod11CheckDigit(body));
      case 'mod7':
        return String(mod7CheckDigit(body));
      case 'mod10_4_9':
        return String(mod10Weights49CheckDigit(body));
      case 'luhn':
        return String(luhnCheckDigit(body));
      case 'iso7064_mod37_36':
        return iso7064Mod3736CheckCharacter(body);
    }
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

/* ------------------------------------------------------------------------------------------------
 * UPU S10
 * --------------------------------------------------------------------------------------------- */

export type S10Service = 'ems' | 'registered' | 'parcel' | 'tracked_letter' | 'untracked' | 'insured' | 'other';

export interface S10Number {
  /** The two letters before the serial, e.g. "RR". */
  serviceIndicator: string;
  service: S10Service;
  /** False for U* items: letter post sent without tracking, so no carrier will ever report on it. */
  trackable: boolean;
  serial: string;
  checkDigit: number;
  checkDigitValid: boolean;
  /** The ISO 3166-1 code of the post that issued the number, e.g. "CN". */
  country: string;
}

const S10_SHAPE = /^([A-Z]{2})(\d{8})(\d)([A-Z]{2})$/;

const S10_SERVICES: Record<string, S10Service> = {
  E: 'ems',
  R: 'registered',
  C: 'parcel',
  L: 'tracked_letter',
  U: 'untracked',
  V: 'insured',
};

/** Splits a normalised S10 number into its parts; undefined when it does not have the S10 shape. */
export function parseS10(number: string): S10Number | undefined {
  const match = S10_SHAPE.exec(number);
  if (!match) return undefined;
  const [, serviceIndicator, serial, check, country] = match as unknown as [string, string, string, string, string];
  const service = S10_SERVICES[serviceIndicator[0] as string] ?? 'other';
  const checkDigit = Number(check);
  return {
    serviceIndicator,
    service,
    trackable: service !== 'untracked',
    serial,
    checkDigit,
    checkDigitValid: s10CheckDigit(serial) === checkDigit,
    country,
  };
}

/* ------------------------------------------------------------------------------------------------
 * Normalisation
 * --------------------------------------------------------------------------------------------- */

/** Longer than any format in use (the longest, FedEx's barcode, has 34); protects the regexes. */
export const MAX_TRACKING_NUMBER_LENGTH = 40;

/**
 * What people paste: spaces (including no-break and full-width ones), dashes of every kind, dots
 * (Swiss Post prints "99.60.123456.12345678"), invisible format characters, full-width letters and
 * digits, lower case. All of that goes; anything else is kept so validation can reject it.
 */
export function normalizeTrackingNumber(input: string): string {
  return input
    .normalize('NFKC')
    .replace(/[\s\p{Pd}.\p{Cf}]/gu, '')
    .toUpperCase();
}

export type NumberProblem = 'empty' | 'too_long' | 'invalid_characters';

/** Why a normalised number cannot be any carrier's, or undefined when it could be. */
export function numberProblem(normalized: string): NumberProblem | undefined {
  if (normalized === '') return 'empty';
  if (normalized.length > MAX_TRACKING_NUMBER_LENGTH) return 'too_long';
  if (!/^[0-9A-Z]+$/.test(normalized)) return 'invalid_characters';
  return undefined;
}

/* ------------------------------------------------------------------------------------------------
 * Matching one format
 * --------------------------------------------------------------------------------------------- */

export type FormatMatch =
  | { matches: false }
  | { matches: true; checkDigit: 'verified'; algorithm: Exclude<CheckDigitAlgorithm, 'none'> }
  | { matches: true; checkDigit: 'none' }
  | { matches: true; checkDigit: 'failed'; algorithm: Exclude<CheckDigitAlgorithm, 'none'>; expected: string | undefined; found: string };

/**
 * Whether a normalised number fits a format, and what its check digit says. The body is the
 * regex's `body` group and the check its `check` group; without them, everything but the last
 * character and the last character.
 */
export function matchFormat(format: Pick<NumberFormat, 'regex' | 'checkDigit'>, number: string): FormatMatch {
  const match = format.regex.exec(number);
  if (!match) return { matches: false };
  if (format.checkDigit === 'none') return { matches: true, checkDigit: 'none' };
  const body = match.groups?.body ?? number.slice(0, -1);
  const found = match.groups?.check ?? number.slice(-1);
  const expected = expectedCheckCharacter(format.checkDigit, body);
  if (expected !== undefined && expected === found) return { matches: true, checkDigit: 'verified', algorithm: format.checkDigit };
  return { matches: true, checkDigit: 'failed', algorithm: format.checkDigit, expected, found };
}

/**
 * How many characters a regex fixes: literal characters outside classes, counted at their minimum
 * repetition, with the least specific branch of an alternation. "^LP\d{14}$" fixes 2, "^\d{10}$"
 * none, "^(?:JJD|JD)\d{16}$" fixes 2. Used to rank formats that both fit a number.
 */
export function fixedCharacters(source: string): number {
  let position = 0;

  function quantifierMinimum(): number {
    const char = source[position];
    if (char === '?' || char === '*') {
      position += 1;
      if (source[position] === '?') position += 1;
      return 0;
    }
    if (char === '+') {
      position += 1;
      if (source[position] === '?') position += 1;
      return 1;
    }
    if (char === '{') {
      const close = source.indexOf('}', position);
      const minimum = /^\{(\d+)/.exec(source.slice(position, close + 1));
      if (close > 0 && minimum) {
        position = close + 1;
        if (source[position] === '?') position += 1;
        return Number(minimum[1]);
      }
    }
    return 1;
  }

  function sequence(): number {
    const branches: number[] = [];
    let count = 0;
    while (position < source.length) {
      const char = source[position] as string;
      if (char === ')') break;
      if (char === '|') {
        branches.push(count);
        count = 0;
        position += 1;
        continue;
      }
      let value: number;
      if (char === '\\') {
        const escaped = source[position + 1] ?? '';
        position += 2;
        if (escaped === 'b' || escaped === 'B') continue; // word boundaries match no character
        value = /[dDwWsS]/.test(escaped) ? 0 : 1;
      } else if (char === '[') {
        position += 1;
        while (position < source.length && source[position] !== ']') position += source[position] === '\\' ? 2 : 1;
        position += 1;
        value = 0;
      } else if (char === '(') {
        position += 1;
        let lookaround = false;
        if (source[position] === '?') {
          if (source[position + 1] === ':') position += 2;
          else if (source[position + 1] === '<' && source[position + 2] !== '=' && source[position + 2] !== '!') position = source.indexOf('>', position) + 1;
          else {
            lookaround = true;
            position += source[position + 1] === '<' ? 3 : 2;
          }
        }
        const inner = sequence();
        position += 1;
        value = lookaround ? 0 : inner;
      } else if (char === '^' || char === '$') {
        position += 1;
        continue;
      } else {
        position += 1;
        value = char === '.' ? 0 : 1;
      }
      count += value * quantifierMinimum();
    }
    branches.push(count);
    return Math.min(...branches);
  }

  return sequence();
}

/* ------------------------------------------------------------------------------------------------
 * Detection
 * --------------------------------------------------------------------------------------------- */

export interface CarrierCandidate {
  carrier: Carrier;
  /** The format that matched (the best one when several of the carrier's formats do). */
  format: NumberFormat;
  /** 'verified' when the format has a check digit and it passed; 'none' when it has none. */
  checkDigit: 'verified' | 'none';
  /** True when the number is S10 and this carrier issues S10 numbers with its suffix. */
  s10Issuer: boolean;
  /** True when the carrier serves one of the countries given in the options. */
  servesHintedCountry: boolean;
}

export interface DetectOptions {
  /** Countries the shipment is known to touch (origin, destination), ISO 3166-1 alpha-2. */
  countries?: readonly string[];
}

export interface Detection {
  /** The number as matched: spaces, dashes and dots removed, upper case. */
  normalized: string;
  /** Why nothing was looked up, when the input cannot be a tracking number at all. */
  problem?: NumberProblem;
  /** Set when the number has the S10 shape (whether or not its check digit passes). */
  s10?: S10Number;
  /** Best first; empty when no carrier's format fits. */
  candidates: CarrierCandidate[];
}

function servesAny(carrier: Carrier, countries: readonly string[]): boolean {
  return countries.some((country) => carrier.countries.includes(country));
}

function compareCandidates(a: CarrierCandidate, b: CarrierCandidate): number {
  const score = (candidate: CarrierCandidate) => [
    candidate.checkDigit === 'verified' ? 1 : 0,
    candidate.s10Issuer ? 1 : 0,
    candidate.servesHintedCountry ? 1 : 0,
    candidate.format.specificity,
  ];
  const left = score(a);
  const right = score(b);
  for (let i = 0; i < left.length; i += 1) {
    const difference = (right[i] as number) - (left[i] as number);
    if (difference !== 0) return difference;
  }
  return a.carrier.position - b.carrier.position;
}

/** Every carrier whose formats fit the number, ranked best first (see the top of this file). */
export function detectCarriers(registry: CarrierRegistry, input: string, options: DetectOptions = {}): Detection {
  const normalized = normalizeTrackingNumber(input);
  const problem = numberProblem(normalized);
  if (problem) return { normalized, problem, candidates: [] };
  const s10 = parseS10(normalized);
  const hinted = (options.countries ?? []).map((country) => country.toUpperCase());
  const candidates: CarrierCandidate[] = [];
  for (const carrier of registry.carriers) {
    let best: CarrierCandidate | undefined;
    for (const format of carrier.numberFormats) {
      if (!format.detect) continue;
      const match = matchFormat(format, normalized);
      if (!match.matches || match.checkDigit === 'failed') continue;
      const candidate: CarrierCandidate = {
        carrier,
        format,
        checkDigit: match.checkDigit,
        s10Issuer: s10 !== undefined && match.checkDigit === 'verified' && format.checkDigit === 's10' && carrier.s10Country === s10.country,
        servesHintedCountry: servesAny(carrier, hinted),
      };
      if (!best || compareCandidates(candidate, best) < 0) best = candidate;
    }
    if (best) candidates.push(best);
  }
  candidates.sort(compareCandidates);
  return { normalized, ...(s10 ? { s10 } : {}), candidates };
}

/* ------------------------------------------------------------------------------------------------
 * Validation for a named carrier
 * --------------------------------------------------------------------------------------------- */

export type NumberRejection = NumberProblem | 'unknown_carrier' | 'format_mismatch' | 'check_digit_mismatch' | 'not_trackable';

export type NumberValidation =
  | { ok: true; carrier: Carrier; normalized: string; format: NumberFormat; checkDigit: 'verified' | 'none' }
  | {
      ok: false;
      reason: NumberRejection;
      /** A sentence for the seller: what is wrong and what a right number looks like. */
      message: string;
      normalized: string;
      /** For a check-digit failure: the format it was checked against and the digit expected. */
      format?: NumberFormat;
      expected?: string;
      /** Codes of carriers whose formats do fit the number, best first, when there are any. */
      suggestions?: string[];
    };

const PROBLEM_MESSAGES: Record<NumberProblem, string> = {
  empty: 'Enter the tracking number.',
  too_long: `A tracking number has at most ${MAX_TRACKING_NUMBER_LENGTH} letters and digits.`,
  invalid_characters: 'A tracking number has only letters and digits (spaces and dashes are ignored).',
};

/**
 * Checks a number a seller enters for the carrier they ship with: it must fit one of that
 * carrier's formats, including formats too generic to detect a carrier from, and pass that
 * format's check digit. The answer says which rule failed and shows what the carrier's numbers
 * look like, so the seller can fix a typo or pick the right carrier.
 */
export function validateForCarrier(registry: CarrierRegistry, carrierCode: string, input: string): NumberValidation {
  const normalized = normalizeTrackingNumber(input);
  const carrier = registry.get(carrierCode);
  if (!carrier) {
    return { ok: false, reason: 'unknown_carrier', message: `There is no carrier with the code ${JSON.stringify(carrierCode)}.`, normalized };
  }
  const problem = numberProblem(normalized);
  if (problem) return { ok: false, reason: problem, message: PROBLEM_MESSAGES[problem], normalized };

  let failed: { format: NumberFormat; expected: string | undefined; found: string } | undefined;
  for (const format of carrier.numberFormats) {
    const match = matchFormat(format, normalized);
    if (!match.matches) continue;
    if (match.checkDigit === 'failed') {
      failed ??= { format, expected: match.expected, found: match.found };
      continue;
    }
    const s10 = format.checkDigit === 's10' ? parseS10(normalized) : undefined;
    if (s10 && !s10.trackable) {
      return {
        ok: false,
        reason: 'not_trackable',
        message: `${normalized} is an untracked letter-post number (service ${s10.serviceIndicator}): ${carrier.name} will not report where it is. Ship with a tracked service.`,
        normalized,
        format,
      };
    }
    return { ok: true, carrier, normalized, format, checkDigit: match.checkDigit };
  }

  const others = detectCarriers(registry, normalized)
    .candidates.filter((candidate) => candidate.carrier.code !== carrier.code)
    .map((candidate) => candidate.carrier);
  const suggestions = others.length > 0 ? { suggestions: others.map((other) => other.code) } : {};
  const elsewhere = others.length > 0 ? ` It does fit ${others.slice(0, 3).map((other) => other.name).join(', ')}.` : '';

  if (failed) {
    const should = failed.expected === undefined ? '' : ` should be ${failed.expected}, not ${failed.found}`;
    return {
      ok: false,
      reason: 'check_digit_mismatch',
      message: `${normalized} looks like a ${carrier.name} ${failed.format.name} number, but its check digit${should}: a character is probably mistyped.${elsewhere}`,
      normalized,
      format: failed.format,
      ...(failed.expected === undefined ? {} : { expected: failed.expected }),
      ...suggestions,
    };
  }
  const shapes = carrier.numberFormats.map((format) => `${format.example} (${format.name})`).join(', ');
  return {
    ok: false,
    reason: 'format_mismatch',
    message: `${normalized} is not a ${carrier.name} tracking number; theirs look like ${shapes}.${elsewhere}`,
    normalized,
    ...suggestions,
  };
}

/**
 * What a buyer gives at checkout so customs can clear the parcel: Brazil's CPF (and a company's
 * CNPJ), Korea's Personal Customs Clearance Code. Pure checks, so the storefront, the checkout and
 * the landed-cost engine all accept and refuse exactly the same values.
 */

export const BUYER_IDENTIFIER_KINDS = ['CPF', 'CNPJ', 'PCCC'] as const;
export type BuyerIdentifierKind = (typeof BUYER_IDENTIFIER_KINDS)[number];

export type IdentifierCheck = { ok: true; normalized: string } | { ok: false; reason: string };

export function isBuyerIdentifierKind(kind: string): kind is BuyerIdentifierKind {
  return (BUYER_IDENTIFIER_KINDS as readonly string[]).includes(kind);
}

/**
 * The value of a character in a Brazilian check-digit sum: its character code minus 48, so digits
 * count as themselves and the letters of the alphanumeric CNPJ (from July 2026) as A=17 … Z=42.
 */
const brazilianValue = (character: string) => character.charCodeAt(0) - 48;

/**
 * Brazil's modulus-11 check digit over `body`, weighted from the right 2, 3, 4… up to `maxWeight`
 * and back to 2 (CPF: weights never wrap; CNPJ: they wrap after 9). A remainder below 2 gives 0.
 */
function brazilianCheckDigit(body: string, maxWeight: number): number {
  let sum = 0;
  for (let i = body.length - 1, weight = 2; i >= 0; i--, weight = weight === maxWeight ? 2 : weight + 1) sum += brazilianValue(body[i]!) * weight;
  const remainder = sum % 11;
  return remainder < 2 ? 0 : 11 - remainder;
}

const CPF_WRITTEN = /^(?:\d{11}|\d{3}\.\d{3}\.\d{3}-\d{2})$/;

/** CPF: 11 digits, plain or written 000.000.000-00; two check digits; not one digit repeated. */
export function checkCpf(value: string): IdentifierCheck {
  const text = value.trim();
  if (!CPF_WRITTEN.test(text)) return { ok: false, reason: 'a CPF is 11 digits, written 00000000000 or 000.000.000-00' };
  const digits = text.replace(/\D/g, '');
  // 000.000.000-00, 111.111.111-11 … pass the check-digit test but are never issued.
  if (/^(\d)\1{10}$/.test(digits)) return { ok: false, reason: 'a CPF is never one digit repeated' };
  const first = brazilianCheckDigit(digits.slice(0, 9), 11);
  const second = brazilianCheckDigit(digits.slice(0, 10), 11);
  if (Number(digits[9]) !== first || Number(digits[10]) !== second) return { ok: false, reason: 'the CPF check digits are wrong: please check the number' };
  return { ok: true, normalized: digits };
}

const CNPJ_WRITTEN = /^(?:[0-9A-Z]{12}\d{2}|[0-9A-Z]{2}\.[0-9A-Z]{3}\.[0-9A-Z]{3}\/[0-9A-Z]{4}-\d{2})$/;

/**
 * CNPJ: 14 characters, plain or written 00.000.000/0000-00. The first 12 are digits, or from July
 * 2026 also capital letters (the alphanumeric CNPJ); the last two are check digits.
 */
export function checkCnpj(value: string): IdentifierCheck {
  const text = value.trim().toUpperCase();
  if (!CNPJ_WRITTEN.test(text)) return { ok: false, reason: 'a CNPJ is 14 characters, written 00000000000000 or 00.000.000/0000-00' };
  const characters = text.replace(/[./-]/g, '');
  if (/^(\d)\1{13}$/.test(characters)) return { ok: false, reason: 'a CNPJ is never one digit repeated' };
  const first = brazilianCheckDigit(characters.slice(0, 12), 9);
  const second = brazilianCheckDigit(characters.slice(0, 13), 9);
  if (Number(characters[12]) !== first || Number(characters[13]) !== second) return { ok: false, reason: 'the CNPJ check digits are wrong: please check the number' };
  return { ok: true, normalized: characters };
}

/** Korea's Personal Customs Clearance Code: P and 12 digits. It carries no public check digit. */
export function checkPccc(value: string): IdentifierCheck {
  const text = value.trim().toUpperCase();
  if (!/^P\d{12}$/.test(text)) return { ok: false, reason: 'a Personal Customs Clearance Code is P followed by 12 digits' };
  return { ok: true, normalized: text };
}

const CHECKS: Record<BuyerIdentifierKind, (value: string) => IdentifierCheck> = { CPF: checkCpf, CNPJ: checkCnpj, PCCC: checkPccc };

/** A market as far as its identifiers go (a `Market` of the directory will do). */
export interface IdentifierMarket {
  code: string;
  buyerIdentifiers: readonly { kind: string }[];
}

/**
 * Checks an identifier a buyer gives for a market: the market must ask for that kind (required or
 * optional), and the value must be well formed. The normalized value is what to store and send.
 */
export function checkBuyerIdentifier(market: IdentifierMarket, kind: string, value: string): IdentifierCheck {
  if (!market.buyerIdentifiers.some((identifier) => identifier.kind === kind)) {
    const asked = market.buyerIdentifiers.map((identifier) => identifier.kind);
    return { ok: false, reason: `${market.code} asks buyers for ${asked.length > 0 ? asked.join(' or ') : 'no identifier'}, not ${kind}` };
  }
  if (!isBuyerIdentifierKind(kind)) return { ok: false, reason: `${kind} is not an identifier this marketplace can check` };
  return CHECKS[kind](value);
}

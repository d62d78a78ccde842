/**
 * Checks for mainland-China identifiers that applicants type in: the Unified Social Credit Code of
 * a business, the resident identity number of a person, and mobile numbers. Each answers with the
 * normalised value or the precise reason it is wrong, so a form can say what to fix.
 */
export type IdentifierCheck = { ok: true; value: string } | { ok: false; code: string; message: string };

/** Province-level codes that open division codes (GB/T 2260), incl. Taiwan, Hong Kong and Macao. */
const PROVINCE_CODES = new Set([
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65',
  '71', '81', '82',
]);

// GB 32100-2015: 31 symbols, no I, O, S, V, Z; weights are 3^(i-1) mod 31.
const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export function usccCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_ALPHABET.indexOf(first17[i]!) * USCC_WEIGHTS[i]!;
  return USCC_ALPHABET[(31 - (sum % 31)) % 31]!;
}

export function checkUscc(input: string): IdentifierCheck {
  const value = input.replace(/\s/g, '').toUpperCase();
  if (value.length !== 18) return { ok: false, code: 'invalid_length', message: `must be 18 characters (got ${value.length})` };
  const bad = [...value].find((c) => !USCC_ALPHABET.includes(c));
  if (bad !== undefined) return { ok: false, code: 'invalid_character', message: `contains "${bad}", which a credit code never uses (no I, O, S, V or Z)` };
  const division = value.slice(2, 8);
  if (!/^\d{6}$/.test(division) || !PROVINCE_CODES.has(division.slice(0, 2))) {
    return { ok: false, code: 'invalid_division_code', message: 'characters 3–8 must be an administrative division code' };
  }
  if (usccCheckCharacter(value.slice(0, 17)) !== value[17]) {
    return { ok: false, code: 'invalid_check_character', message: 'the check character (18th) does not match; a character is mistyped' };
  }
  return { ok: true, value };
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

export function residentIdCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i]!;
  return ID_CHECK[sum % 11]!;
}

function isRealDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** GB 11643-1999. `today` (YYYY-MM-DD) bounds the birth date. */
export function checkResidentId(input: string, today: string): IdentifierCheck {
  const value = input.replace(/\s/g, '').toUpperCase();
  if (value.length !== 18) return { ok: false, code: 'invalid_length', message: `must be 18 characters (got ${value.length})` };
  if (!/^\d{17}[\dX]$/.test(value)) return { ok: false, code: 'invalid_character', message: 'must be 17 digits followed by a digit or X' };
  if (!PROVINCE_CODES.has(value.slice(0, 2))) return { ok: false, code: 'invalid_division_code', message: 'the first six digits must be an administrative division code' };
  const year = Number(value.slice(6, 10));
  const month = Number(value.slice(10, 12));
  const day = Number(value.slice(12, 14));
  const birthDate = `${value.slice(6, 10)}-${value.slice(10, 12)}-${value.slice(12, 14)}`;
  if (year < 1900 || !isRealDate(year, month, day)) return { ok: false, code: 'invalid_birth_date', message: `digits 7–14 (${birthDate}) are not a real birth date` };
  if (birthDate > today) return { ok: false, code: 'invalid_birth_date', message: `digits 7–14 (${birthDate}) are a date in the future` };
  if (residentIdCheckCharacter(value.slice(0, 17)) !== value[17]) {
    return { ok: false, code: 'invalid_check_character', message: 'the check character (18th) does not match; a digit is mistyped' };
  }
  return { ok: true, value };
}

/** Mainland mobile numbers: 11 digits, 1 then 3–9; answered in E.164 (+86…). */
export function checkMainlandMobile(input: string): IdentifierCheck {
  const compact = input.replace(/[\s()-]/g, '');
  const national = compact.replace(/^(\+86|0086)/, '');
  if (!/^\d+$/.test(national)) return { ok: false, code: 'invalid_character', message: 'must contain digits only (with an optional +86)' };
  if (national.length !== 11) return { ok: false, code: 'invalid_length', message: `must be 11 digits after +86 (got ${national.length})` };
  if (!/^1[3-9]/.test(national)) return { ok: false, code: 'invalid_prefix', message: 'a mainland mobile number starts with 13–19' };
  return { ok: true, value: `+86${national}` };
}

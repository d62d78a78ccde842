/**
 * Masked forms of personal data, for callers whose role or tier does not reveal it in full.
 * Each keeps just enough for a person to recognise their own record (a surname, the last digits).
 */
const MASK = '*';

function stars(count: number): string {
  return MASK.repeat(Math.max(1, count));
}

/** 张伟 → 张*; 欧阳娜娜 → 欧***; Wei Zhang → W** Z****. */
export function maskPersonName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '') return trimmed;
  if (/^[\p{Script=Han}·]+$/u.test(trimmed)) {
    const chars = [...trimmed];
    return `${chars[0]}${stars(chars.length - 1)}`;
  }
  return trimmed
    .split(/\s+/)
    .map((word) => {
      const chars = [...word];
      return `${chars[0]}${stars(chars.length - 1)}`;
    })
    .join(' ');
}

/** +8613800138000 → +86138****8000: the four digits before the last four are hidden. */
export function maskPhone(phone: string): string {
  const compact = phone.replace(/[\s()-]/g, '');
  const match = /^(\+?)(\d+)$/.exec(compact);
  if (!match) return stars(phone.length);
  const [, plus = '', digits = ''] = match;
  if (digits.length <= 6) return `${plus}${stars(digits.length - 2)}${digits.slice(-2)}`;
  return `${plus}${digits.slice(0, -8)}${stars(4)}${digits.slice(-4)}`;
}

/** li.wei@example.com → l*****@example.com */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return stars(email.length);
  const local = [...email.slice(0, at)];
  return `${local[0]}${stars(local.length - 1)}${email.slice(at)}`;
}

/** 11010519491231002X → 110105********002X: the region stays, the birth date and sequence go. */
export function maskIdNumber(idNumber: string): string {
  if (idNumber.length < 10) return stars(idNumber.length);
  return `${idNumber.slice(0, 6)}${stars(idNumber.length - 10)}${idNumber.slice(-4)}`;
}

/** 6222021234567890123 → ***************0123 */
export function maskAccountNumber(accountNumber: string): string {
  const compact = accountNumber.replace(/\s/g, '');
  if (compact.length <= 4) return stars(compact.length);
  return `${stars(compact.length - 4)}${compact.slice(-4)}`;
}

/**
 * Printable 4×6 inch (288 × 432 pt) shipping labels: a pure function from a label description to
 * the bytes of a one-page PDF. No I/O, no clock: the same input renders the same bytes.
 *
 * Scripts. The label uses only PDFKit's built-in standard fonts (Helvetica), which cover the
 * Windows-1252 repertoire: ASCII plus the accented letters of Western Europe. We deliberately do not
 * embed CJK, Cyrillic, Arabic or Hangul fonts, and we do not guess transliterations either:
 * - international mail is addressed in Latin letters and Arabic numerals so that every post along
 *   the route can read it, and the Latin form of a buyer's address must come from the buyer or an
 *   address-validation step, never from a machine romanisation that the destination post may not
 *   recognise (Chinese, Korean and Arabic have no single reversible romanisation);
 * - names are the fields most often held in two scripts (a Chinese company's registered name and its
 *   English name; a Russian buyer's name in Cyrillic and in Latin letters), so every party has an
 *   optional `nameLatin` that is printed in place of `name`;
 * - Latin letters outside Windows-1252 (Polish ł, Czech ř, Romanian ș, Turkish ğ…) are folded to
 *   their base letter, which postal sorting accepts;
 * - anything else (Han, Hangul, Cyrillic, Arabic… text) is refused with a validation error that names
 *   the field and the script, so the caller fixes the data instead of printing an unreadable label.
 */
import bwipjs from 'bwip-js';
import PDFDocument from 'pdfkit';
import { fieldError, validationFailed, type FieldError } from '../../platform/errors/index.ts';
import { add, currencyExponent, isCurrency, parseRatio, toDecimal, type Money } from '../../platform/money/index.ts';

// ─── Input ────────────────────────────────────────────────────────────────────────────────────

export interface LabelAddress {
  /** Person or company name. */
  name: string;
  /** The name in Latin script, printed instead of `name` (a Chinese company's English name). */
  nameLatin?: string;
  /** Company or "c/o" line, in Latin script. */
  company?: string;
  /** Street lines in Latin script, one to three, each at most 60 characters. */
  lines: readonly string[];
  city: string;
  region?: string;
  /** Required for the recipient unless the country has no postcodes (see NO_POSTCODE_COUNTRIES). */
  postalCode?: string;
  /** ISO 3166-1 alpha-2. The label prints the English name in capitals, as UPU addressing asks. */
  country: string;
  /** Required for the recipient: the last-mile carrier calls or texts before delivery. */
  phone?: string;
}

export const CUSTOMS_CATEGORIES = ['gift', 'documents', 'commercial_sample', 'returned_goods', 'sale_of_goods', 'other'] as const;
export type CustomsCategory = (typeof CUSTOMS_CATEGORIES)[number];

export interface CustomsItem {
  /** Detailed description in English ("Cotton T-shirt", not "clothes"). */
  description: string;
  quantity: number;
  /** Net weight of the whole line (all `quantity` units), in grams. */
  netWeightGrams: number;
  /** Value of the whole line. All items share one currency. */
  value: Money;
  /** HS tariff number, 6 to 10 digits; required for commercial items (sale of goods, samples). */
  hsCode?: string;
  /** ISO 3166-1 alpha-2 country of origin; required for commercial items. */
  originCountry?: string;
}

/** How the CN 22 limit is judged: the value already in SDR, or the SDR rate of the items' currency. */
export type SdrBasis =
  | { /** Exact decimal, e.g. "287.40". */ declaredValueInSdr: string }
  | { /** SDR per one major unit of the items' currency, exact decimal, e.g. "0.7385". */ sdrPerUnit: string };

export interface CustomsDeclaration {
  category: CustomsCategory;
  /** Required when `category` is `other`. */
  categoryExplanation?: string;
  items: readonly CustomsItem[];
  sdr: SdrBasis;
  /** Name printed on the sender's signature line; the sender's printed name by default. */
  signedBy?: string;
}

export interface ShippingLabel {
  /** Encoded as Code 128: printable ASCII without spaces. */
  trackingNumber: string;
  service: { code: string; name: string };
  sender: LabelAddress;
  recipient: LabelAddress;
  /** Gross weight of this parcel in grams. */
  weightGrams: number;
  /** This parcel's place in a partial or multi-parcel shipment; 1/1 by default. */
  piece?: { number: number; of: number };
  orderReference: string;
  /** Shipping date, YYYY-MM-DD. */
  date: string;
  /**
   * The customs declaration. Required when sender and recipient countries differ; `null` says
   * explicitly that the route needs none (within a customs union). A domestic parcel has none.
   */
  customs?: CustomsDeclaration | null;
}

export interface RenderLabelOptions {
  /** Deflate the page content (PDFKit's default). Tests turn it off to read the page. */
  compress?: boolean;
}

// ─── CN 22 or CN 23 ───────────────────────────────────────────────────────────────────────────

export type CustomsForm = 'CN22' | 'CN23';

/** UPU: a CN 22 covers items worth up to 300 SDR; above that the sender fills in a CN 23. */
export const CN22_LIMIT_SDR = 300;

export type SdrValuation = { declaredValueInSdr: string } | { totalValue: Money; sdrPerUnit: string };

/**
 * Which customs form a parcel needs, decided exactly (no floating point): CN 22 up to and
 * including 300 SDR, CN 23 above. Throws a validation error for a value that is not a
 * non-negative decimal or a rate that is not positive.
 */
export function customsFormFor(valuation: SdrValuation): CustomsForm {
  if ('declaredValueInSdr' in valuation) {
    const value = decimal(valuation.declaredValueInSdr, 'declaredValueInSdr');
    if (value.numerator < 0n) throw sdrError('declaredValueInSdr', 'negative', 'must not be negative');
    return value.numerator <= BigInt(CN22_LIMIT_SDR) * value.denominator ? 'CN22' : 'CN23';
  }
  const { totalValue, sdrPerUnit } = valuation;
  const rate = decimal(sdrPerUnit, 'sdrPerUnit');
  if (rate.numerator <= 0n) throw sdrError('sdrPerUnit', 'not_positive', 'must be positive');
  if (!isMoney(totalValue) || totalValue.amount < 0) {
    throw sdrError('totalValue', 'invalid_money', 'must be a non-negative amount in minor units of a known currency');
  }
  // amount / 10^exponent × numerator / denominator ≤ 300, multiplied out so it stays in integers.
  const minorPerUnit = 10n ** BigInt(currencyExponent(totalValue.currency));
  return BigInt(totalValue.amount) * rate.numerator <= BigInt(CN22_LIMIT_SDR) * minorPerUnit * rate.denominator ? 'CN22' : 'CN23';
}

function sdrError(field: string, code: string, message: string) {
  return validationFailed([fieldError(`/${field}`, code, `${field} ${message}`)], `${field} ${message}.`);
}

function decimal(value: unknown, field: string) {
  if (typeof value !== 'string' || !/^[+-]?\d+(\.\d+)?$/.test(value.trim())) {
    throw sdrError(field, 'invalid_decimal', `must be a decimal string such as "287.40" (got ${JSON.stringify(value)})`);
  }
  return parseRatio(value);
}

function isMoney(value: unknown): value is Money {
  const candidate = value as Partial<Money> | null | undefined;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.amount === 'number' &&
    Number.isSafeInteger(candidate.amount) &&
    typeof candidate.currency === 'string' &&
    isCurrency(candidate.currency)
  );
}

// ─── Printable text ───────────────────────────────────────────────────────────────────────────

/** The characters Windows-1252 adds in 0x80–0x9F, which PDFKit's standard fonts map. */
const WIN_ANSI_EXTRAS = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
/** Latin letters that do not decompose into a base letter plus a mark. */
const LATIN_FOLDS: Record<string, string> = { ł: 'l', Ł: 'L', đ: 'd', Đ: 'D', ı: 'i', ħ: 'h', Ħ: 'H', ŧ: 't', Ŧ: 'T' };
const SCRIPTS: ReadonlyArray<[RegExp, string]> = [
  [/\p{Script=Han}/u, 'Chinese (Han)'],
  [/\p{Script=Hangul}/u, 'Korean (Hangul)'],
  [/[\p{Script=Hiragana}\p{Script=Katakana}]/u, 'Japanese kana'],
  [/\p{Script=Cyrillic}/u, 'Cyrillic'],
  [/\p{Script=Arabic}/u, 'Arabic'],
  [/\p{Script=Hebrew}/u, 'Hebrew'],
  [/\p{Script=Greek}/u, 'Greek'],
  [/\p{Script=Thai}/u, 'Thai'],
];

function isWinAnsi(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRAS.has(char);
}

export type Printable = { ok: true; text: string } | { ok: false; message: string };

/** The text as the standard fonts can print it, or why it cannot be printed. */
export function printableText(input: string): Printable {
  let out = '';
  for (const char of input.normalize('NFC')) {
    if (isWinAnsi(char)) out += char;
    else if (/\s/u.test(char)) out += ' ';
    else if (LATIN_FOLDS[char] !== undefined) out += LATIN_FOLDS[char];
    else {
      const folded = char.normalize('NFD').replace(/\p{M}/gu, '');
      if (folded.length > 0 && [...folded].every(isWinAnsi)) {
        out += folded;
        continue;
      }
      const script = SCRIPTS.find(([pattern]) => pattern.test(char))?.[1];
      const code = `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
      return {
        ok: false,
        message: script
          ? `is written in ${script} script, which the label's standard PDF fonts cannot print; give it in Latin script`
          : `contains "${char}" (${code}), which the label's standard PDF fonts cannot print`,
      };
    }
  }
  return { ok: true, text: out.replace(/ {2,}/g, ' ').trim() };
}

// ─── Validation ───────────────────────────────────────────────────────────────────────────────

/** Countries whose post uses no postcodes, among the destinations we serve. */
const NO_POSTCODE_COUNTRIES = new Set(['AE', 'HK', 'MO', 'QA']);
const NOT_COUNTRIES = new Set(['EU', 'EZ', 'UN', 'QO', 'ZZ']);
const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

function countryName(code: string): string | undefined {
  if (!/^[A-Z]{2}$/.test(code) || NOT_COUNTRIES.has(code)) return undefined;
  return regionNames.of(code);
}

const COMMERCIAL: ReadonlySet<CustomsCategory> = new Set(['sale_of_goods', 'commercial_sample']);

interface PrintedAddress {
  name: string;
  company?: string;
  lines: string[];
  cityLine: string;
  country: string;
  countryCode: string;
  phone?: string;
}

interface PrintedItem {
  description: string;
  quantity: number;
  netWeightGrams: number;
  value: string;
  hsCode: string;
  origin: string;
}

interface PrintedCustoms {
  form: CustomsForm;
  category: CustomsCategory;
  categoryExplanation?: string;
  items: PrintedItem[];
  currency: string;
  totalValue: string;
  signedBy: string;
}

interface PrintedLabel {
  trackingNumber: string;
  serviceCode: string;
  serviceName: string;
  sender: PrintedAddress;
  recipient: PrintedAddress;
  weightGrams: number;
  piece: { number: number; of: number };
  orderReference: string;
  date: string;
  customs: PrintedCustoms | null;
}

class Checker {
  readonly errors: FieldError[] = [];

  fail(path: string, code: string, message: string): undefined {
    this.errors.push(fieldError(path, code, `${dotted(path)} ${message}`));
    return undefined;
  }

  text(value: unknown, path: string, required = true, max = 200): string | undefined {
    if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
      return required ? this.fail(path, 'required', 'is required') : undefined;
    }
    if (typeof value !== 'string') return this.fail(path, 'invalid_type', 'must be a string');
    if (value.length > max) return this.fail(path, 'too_long', `must be at most ${max} characters`);
    const printable = printableText(value);
    if (!printable.ok) return this.fail(path, 'unprintable', printable.message);
    return printable.text;
  }

  integer(value: unknown, path: string, min: number): number | undefined {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) return this.fail(path, 'invalid_type', 'must be an integer');
    if (value < min) return this.fail(path, 'out_of_range', `must be at least ${min}`);
    return value;
  }

  country(value: unknown, path: string, required = true): { code: string; name: string } | undefined {
    if (value === undefined || value === null || value === '') return required ? this.fail(path, 'required', 'is required') : undefined;
    const name = typeof value === 'string' ? countryName(value) : undefined;
    if (name === undefined) return this.fail(path, 'invalid_country', 'must be an ISO 3166-1 alpha-2 country code such as "CN"');
    const printable = printableText(name);
    return { code: value as string, name: printable.ok ? printable.text.toUpperCase() : (value as string) };
  }
}

/** "/recipient/lines/0" → "recipient.lines[0]", the field name in error messages. */
function dotted(path: string): string {
  return path
    .slice(1)
    .split('/')
    .map((part, index) => (/^\d+$/.test(part) ? `[${part}]` : index === 0 ? part : `.${part}`))
    .join('');
}

function checkAddress(check: Checker, input: unknown, path: string, role: 'sender' | 'recipient'): PrintedAddress | undefined {
  if (typeof input !== 'object' || input === null) return check.fail(path, 'required', 'is required');
  const address = input as Partial<LabelAddress>;
  let name: string | undefined;
  if (typeof address.nameLatin === 'string' && address.nameLatin.trim() !== '') {
    name = check.text(address.nameLatin, `${path}/nameLatin`, true, 70);
  } else {
    const printable = typeof address.name === 'string' && address.name.trim() !== '' ? printableText(address.name) : undefined;
    if (printable && !printable.ok) {
      check.fail(`${path}/name`, 'unprintable', `${printable.message}, or set ${dotted(path)}.nameLatin (e.g. the registered English name)`);
    } else {
      name = check.text(address.name, `${path}/name`, true, 70);
    }
  }
  const company = check.text(address.company, `${path}/company`, false, 70);
  const lines: string[] = [];
  if (!Array.isArray(address.lines) || address.lines.length === 0) {
    check.fail(`${path}/lines`, 'required', 'must have at least one address line');
  } else if (address.lines.length > 3) {
    check.fail(`${path}/lines`, 'too_many', 'must have at most 3 lines');
  } else {
    address.lines.forEach((line, index) => {
      const printed = check.text(line, `${path}/lines/${index}`, true, 60);
      if (printed) lines.push(printed);
    });
  }
  const city = check.text(address.city, `${path}/city`, true, 40);
  const region = check.text(address.region, `${path}/region`, false, 40);
  const country = check.country(address.country, `${path}/country`);
  const needsPostcode = role === 'recipient' && !(country && NO_POSTCODE_COUNTRIES.has(country.code));
  const postalCode = check.text(address.postalCode, `${path}/postalCode`, needsPostcode, 20);
  const phone = check.text(address.phone, `${path}/phone`, role === 'recipient', 30);
  if (!name || !city || !country || lines.length === 0) return undefined;
  const place = [postalCode, city].filter(Boolean).join('  ');
  return {
    name,
    ...(company ? { company } : {}),
    lines,
    cityLine: region ? `${place}, ${region}` : place,
    country: country.name,
    countryCode: country.code,
    ...(phone ? { phone } : {}),
  };
}

function checkCustoms(check: Checker, input: unknown, weightGrams: number | undefined, senderName: string | undefined): PrintedCustoms | undefined {
  if (typeof input !== 'object' || input === null) return check.fail('/customs', 'required', 'is required');
  const customs = input as Partial<CustomsDeclaration>;
  const category = customs.category;
  if (!CUSTOMS_CATEGORIES.includes(category as CustomsCategory)) {
    check.fail('/customs/category', 'invalid_category', `must be one of ${CUSTOMS_CATEGORIES.join(', ')}`);
  }
  const explanation = check.text(customs.categoryExplanation, '/customs/categoryExplanation', category === 'other', 60);
  const commercial = COMMERCIAL.has(category as CustomsCategory);

  const items: PrintedItem[] = [];
  const values: Money[] = [];
  let netTotal = 0;
  if (!Array.isArray(customs.items) || customs.items.length === 0) {
    check.fail('/customs/items', 'required', 'must list at least one item');
  } else {
    customs.items.forEach((raw: Partial<CustomsItem> | null | undefined, index) => {
      const path = `/customs/items/${index}`;
      const item = raw ?? {};
      const description = check.text(item.description, `${path}/description`, true, 100);
      const quantity = check.integer(item.quantity, `${path}/quantity`, 1);
      const netWeight = check.integer(item.netWeightGrams, `${path}/netWeightGrams`, 1);
      let value: Money | undefined;
      if (!isMoney(item.value) || item.value.amount < 0) {
        check.fail(`${path}/value`, 'invalid_money', 'must be a non-negative amount in minor units of a known currency');
      } else if (values.length > 0 && values[0]?.currency !== item.value.currency) {
        check.fail(`${path}/value/currency`, 'mixed_currencies', `must be ${values[0]?.currency}, the currency of the first item`);
      } else {
        value = item.value;
        values.push(value);
      }
      let hsCode = '';
      if (item.hsCode !== undefined && item.hsCode !== '') {
        const digits = typeof item.hsCode === 'string' ? item.hsCode.replace(/[\s.]/g, '') : '';
        if (/^\d{6,10}$/.test(digits)) hsCode = digits;
        else check.fail(`${path}/hsCode`, 'invalid_hs_code', 'must be an HS tariff number of 6 to 10 digits');
      } else if (commercial) {
        check.fail(`${path}/hsCode`, 'required', 'is required for commercial items');
      }
      const origin = check.country(item.originCountry, `${path}/originCountry`, commercial);
      if (netWeight) netTotal += netWeight;
      if (description && quantity && netWeight && value) {
        items.push({ description, quantity, netWeightGrams: netWeight, value: toDecimal(value), hsCode, origin: origin?.code ?? '' });
      }
    });
  }
  if (weightGrams !== undefined && netTotal > weightGrams) {
    check.fail('/customs/items', 'too_heavy', `net weights add up to ${netTotal} g, more than the parcel's ${weightGrams} g`);
  }
  const signedBy = check.text(customs.signedBy, '/customs/signedBy', false, 100) ?? senderName;

  const first = values[0];
  let form: CustomsForm | undefined;
  const sdr = customs.sdr as Partial<Record<'declaredValueInSdr' | 'sdrPerUnit', unknown>> | undefined;
  let total: Money | undefined;
  try {
    total = first ? add(first, ...values.slice(1)) : undefined;
  } catch {
    check.fail('/customs/items', 'too_valuable', 'values add up to more than the largest amount the platform stores');
  }
  try {
    if (sdr && typeof sdr === 'object' && 'declaredValueInSdr' in sdr) {
      form = customsFormFor({ declaredValueInSdr: sdr.declaredValueInSdr as string });
    } else if (sdr && typeof sdr === 'object' && 'sdrPerUnit' in sdr) {
      if (total) form = customsFormFor({ totalValue: total, sdrPerUnit: sdr.sdrPerUnit as string });
    } else {
      check.fail('/customs/sdr', 'required', 'must give declaredValueInSdr or sdrPerUnit');
    }
  } catch (error) {
    const field = (error as { errors?: FieldError[] }).errors?.[0];
    if (!field) throw error;
    check.errors.push(fieldError(`/customs/sdr${field.path}`, field.code, `customs.sdr.${field.message}`));
  }

  if (!form || !total || !signedBy || check.errors.length > 0) return undefined;
  return {
    form,
    category: category as CustomsCategory,
    ...(explanation ? { categoryExplanation: explanation } : {}),
    items,
    currency: total.currency,
    totalValue: toDecimal(total),
    signedBy,
  };
}

function checkLabel(label: ShippingLabel): PrintedLabel {
  const check = new Checker();
  const input = (label ?? {}) as Partial<ShippingLabel>;

  let trackingNumber: string | undefined;
  const tracking = input.trackingNumber;
  if (typeof tracking !== 'string' || tracking.trim() === '') {
    check.fail('/trackingNumber', 'required', 'must not be empty');
  } else {
    const bad = [...tracking].find((char) => !/^[\x21-\x7e]$/.test(char));
    if (bad !== undefined) {
      const what = bad === ' ' ? 'a space' : `"${bad}" (U+${(bad.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')})`;
      check.fail('/trackingNumber', 'unsupported_character', `contains ${what}; a Code 128 label barcode takes printable ASCII without spaces`);
    } else if (tracking.length > 40) {
      check.fail('/trackingNumber', 'too_long', 'must be at most 40 characters');
    } else {
      trackingNumber = tracking;
    }
  }

  const service = (input.service ?? {}) as Partial<ShippingLabel['service']>;
  const serviceCode = check.text(service.code, '/service/code', true, 40);
  const serviceName = check.text(service.name, '/service/name', true, 80);
  const sender = checkAddress(check, input.sender, '/sender', 'sender');
  const recipient = checkAddress(check, input.recipient, '/recipient', 'recipient');
  const weightGrams = check.integer(input.weightGrams, '/weightGrams', 1);

  const piece = input.piece ?? { number: 1, of: 1 };
  const pieceOf = check.integer(piece.of, '/piece/of', 1);
  const pieceNumber = check.integer(piece.number, '/piece/number', 1);
  if (pieceOf && pieceNumber && pieceNumber > pieceOf) check.fail('/piece/number', 'out_of_range', `must not exceed piece.of (${pieceOf})`);

  const orderReference = check.text(input.orderReference, '/orderReference', true, 40);
  const date = input.date;
  if (typeof date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(date) || new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date) {
    check.fail('/date', 'invalid_date', 'must be a calendar date written YYYY-MM-DD');
  }

  const from = sender?.countryCode;
  const to = recipient?.countryCode;
  let customs: PrintedCustoms | null = null;
  if (from && to && from === to && input.customs) {
    check.fail('/customs', 'not_allowed', `must be absent: a domestic parcel (${from} → ${to}) carries no customs declaration`);
  } else if (from && to && from !== to) {
    if (input.customs === undefined) {
      check.fail('/customs', 'required', `is required for an international parcel (${from} → ${to}); pass null only when the route crosses no customs border`);
    } else if (input.customs !== null) {
      customs = checkCustoms(check, input.customs, weightGrams, sender?.name) ?? null;
    }
  }

  if (check.errors.length > 0) {
    const detail = `The shipping label cannot be printed: ${check.errors.map((error) => error.message).join('; ')}.`;
    throw validationFailed(check.errors, detail);
  }
  return {
    trackingNumber: trackingNumber!,
    serviceCode: serviceCode!,
    serviceName: serviceName!,
    sender: sender!,
    recipient: recipient!,
    weightGrams: weightGrams!,
    piece: { number: pieceNumber!, of: pieceOf! },
    orderReference: orderReference!,
    date: date!,
    customs,
  };
}

// ─── Layout ───────────────────────────────────────────────────────────────────────────────────

const PAGE_WIDTH = 288;
const PAGE_HEIGHT = 432;
const MARGIN = 8;
const CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN;
const BOTTOM = PAGE_HEIGHT - MARGIN;

const REGULAR = 'Helvetica';
const BOLD = 'Helvetica-Bold';
const ITALIC = 'Helvetica-Oblique';

/** PNG pixels per barcode module: sharp enough for 300 dpi printers even if a viewer smooths. */
const BARCODE_SCALE = 4;
const BARCODE_HEIGHT = 48;
/** Preferred and smallest printed module (X dimension): 0.42 mm and 0.254 mm. */
const MODULE_PREFERRED = 1.2;
const MODULE_MIN = 0.72;
/** Code 128 wants a quiet zone of ten modules on each side. */
const QUIET_ZONE_MODULES = 10;

const ITEM_ROW_HEIGHT = 7.2;
const ITEM_FONT_SIZE = 6;

/** Labels the CN 22 / CN 23 check boxes carry. */
const CATEGORY_LABELS: Record<CustomsCategory, string> = {
  gift: 'Gift',
  documents: 'Documents',
  commercial_sample: 'Commercial sample',
  returned_goods: 'Returned goods',
  sale_of_goods: 'Sale of goods',
  other: 'Other',
};

const CERTIFICATION =
  'I, the undersigned, whose name and address are given on the item, certify that the particulars given in this declaration ' +
  'are correct and that this item does not contain any dangerous article or articles prohibited by legislation or by postal ' +
  'or customs regulations.';

type Doc = PDFKit.PDFDocument;

interface TextStyle {
  font?: string;
  size: number;
  /** Shrink down to this size before cutting the text with an ellipsis. */
  minSize?: number;
  width?: number;
  align?: 'left' | 'center' | 'right';
}

/**
 * Draws one line of text at (x, y = top of the line) and returns the line's height. Text never
 * wraps and never runs past `width`: it shrinks, then loses its tail to an ellipsis.
 */
function line(doc: Doc, text: string, x: number, y: number, style: TextStyle): number {
  const width = style.width ?? CONTENT_WIDTH;
  let size = style.size;
  const minSize = style.minSize ?? style.size;
  doc.font(style.font ?? REGULAR);
  doc.fontSize(size);
  while (doc.widthOfString(text) > width && size > minSize) {
    size = Math.max(minSize, size - 0.5);
    doc.fontSize(size);
  }
  let shown = text;
  if (doc.widthOfString(shown) > width) {
    while (shown.length > 0 && doc.widthOfString(`${shown}…`) > width) shown = shown.slice(0, -1);
    shown = `${shown.trimEnd()}…`;
  }
  const textWidth = doc.widthOfString(shown);
  const left = style.align === 'right' ? x + width - textWidth : style.align === 'center' ? x + (width - textWidth) / 2 : x;
  doc.text(shown, left, y, { lineBreak: false });
  return style.size * 1.18;
}

/** Greedy word wrap for a paragraph; we wrap ourselves so PDFKit never adds a page. */
function wrap(doc: Doc, text: string, font: string, size: number, width: number): string[] {
  doc.font(font).fontSize(size);
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(' ')) {
    const candidate = current ? `${current} ${word}` : word;
    if (current && doc.widthOfString(candidate) > width) {
      lines.push(current);
      current = word;
    } else {
      current = candidate;
    }
  }
  if (current) lines.push(current);
  return lines;
}

function rule(doc: Doc, y: number, weight = 0.8): void {
  doc.moveTo(MARGIN, y).lineTo(PAGE_WIDTH - MARGIN, y).lineWidth(weight).strokeColor('black').stroke();
}

function kilograms(grams: number): string {
  return `${Math.floor(grams / 1000)}.${String(grams % 1000).padStart(3, '0')}`;
}

function drawHeader(doc: Doc, label: PrintedLabel, top: number): number {
  const right = 72;
  const left = CONTENT_WIDTH - right - 8;
  line(doc, label.serviceName, MARGIN, top, { font: BOLD, size: 13, minSize: 8, width: left });
  line(doc, `Service code ${label.serviceCode}`, MARGIN, top + 16, { font: BOLD, size: 8, minSize: 6, width: left });
  const x = PAGE_WIDTH - MARGIN - right;
  line(doc, 'PIECE', x, top, { font: BOLD, size: 5.5, width: right, align: 'right' });
  line(doc, `${label.piece.number}/${label.piece.of}`, x, top + 7, { font: BOLD, size: 18, minSize: 10, width: right, align: 'right' });
  return top + 30;
}

/** Weight, date and order reference in one row under the header. */
function drawFacts(doc: Doc, label: PrintedLabel, top: number): number {
  const facts = [
    { caption: 'WEIGHT', value: `${kilograms(label.weightGrams)} kg`, width: 62 },
    { caption: 'DATE', value: label.date, width: 62 },
    { caption: 'ORDER REF', value: label.orderReference, width: CONTENT_WIDTH - 124 },
  ];
  let x = MARGIN;
  let height = 0;
  for (const fact of facts) {
    const captionHeight = line(doc, fact.caption, x, top, { font: BOLD, size: 5.5, width: fact.width });
    height = Math.max(height, captionHeight + line(doc, fact.value, x, top + captionHeight, { font: BOLD, size: 9, minSize: 5.5, width: fact.width - 4 }));
    x += fact.width;
  }
  return top + height;
}

function drawSender(doc: Doc, label: PrintedLabel, top: number): number {
  const sender = label.sender;
  const style = { size: 7, minSize: 5 };
  let y = top;
  y += line(doc, 'FROM', MARGIN, y, { font: BOLD, size: 5.5 });
  y += line(doc, sender.name, MARGIN, y, { ...style, font: BOLD, size: 7.5 });
  if (sender.company) y += line(doc, sender.company, MARGIN, y, style);
  for (const text of sender.lines) y += line(doc, text, MARGIN, y, style);
  y += line(doc, sender.cityLine, MARGIN, y, style);
  const country = sender.phone ? `${sender.country}   Tel ${sender.phone}` : sender.country;
  y += line(doc, country, MARGIN, y, { ...style, font: BOLD });
  return y;
}

function drawRecipient(doc: Doc, label: PrintedLabel, top: number): number {
  const to = label.recipient;
  let y = top;
  y += line(doc, 'TO', MARGIN, y, { font: BOLD, size: 7 });
  y += line(doc, to.name, MARGIN, y, { font: BOLD, size: 11, minSize: 7 });
  if (to.company) y += line(doc, to.company, MARGIN, y, { size: 10, minSize: 6.5 });
  for (const text of to.lines) y += line(doc, text, MARGIN, y, { size: 10, minSize: 6.5 });
  y += line(doc, to.cityLine, MARGIN, y, { font: BOLD, size: 11, minSize: 7 });
  y += line(doc, to.country, MARGIN, y, { font: BOLD, size: 12, minSize: 8 });
  if (to.phone) y += line(doc, `Tel ${to.phone}`, MARGIN, y, { size: 9, minSize: 6.5 });
  return y;
}

async function drawBarcode(doc: Doc, trackingNumber: string, top: number): Promise<number> {
  const png = await bwipjs.toBuffer({
    bcid: 'code128',
    text: trackingNumber,
    scale: BARCODE_SCALE,
    // bwip-js heights are millimetres at 72 dpi: about 17 mm, so the pixels come out square-ish.
    height: (BARCODE_HEIGHT / 72) * 25.4,
    includetext: false,
    backgroundcolor: 'FFFFFF',
  });
  const modules = png.readUInt32BE(16) / BARCODE_SCALE; // IHDR width
  const moduleWidth = Math.min(MODULE_PREFERRED, CONTENT_WIDTH / (modules + 2 * QUIET_ZONE_MODULES));
  if (moduleWidth < MODULE_MIN) {
    throw validationFailed(
      [fieldError('/trackingNumber', 'too_long', `trackingNumber needs ${modules} barcode modules, too many to scan on a 4×6 label`)],
      'The shipping label cannot be printed: trackingNumber is too long for a scannable barcode.',
    );
  }
  const width = modules * moduleWidth;
  doc.image(png, (PAGE_WIDTH - width) / 2, top, { width, height: BARCODE_HEIGHT });
  const textTop = top + BARCODE_HEIGHT + 3;
  return textTop + line(doc, trackingNumber, MARGIN, textTop, { font: BOLD, size: 12, minSize: 8, align: 'center' });
}

function drawCustoms(doc: Doc, label: PrintedLabel, customs: PrintedCustoms, top: number): void {
  const formName = customs.form === 'CN22' ? 'CN 22' : 'CN 23';
  let y = top;
  line(doc, `CUSTOMS DECLARATION ${formName}`, MARGIN, y, { font: BOLD, size: 8 });
  line(doc, 'May be opened officially', MARGIN, y + 1.5, { font: ITALIC, size: 6, align: 'right' });
  y += 10.5;

  const box = (category: CustomsCategory) => {
    const mark = customs.category === category ? 'X' : ' ';
    const explanation = category === 'other' && customs.categoryExplanation ? `: ${customs.categoryExplanation}` : '';
    return `[${mark}] ${CATEGORY_LABELS[category]}${explanation}`;
  };
  const third = CONTENT_WIDTH / 3;
  const rows: CustomsCategory[][] = [
    ['gift', 'documents', 'commercial_sample'],
    ['returned_goods', 'sale_of_goods', 'other'],
  ];
  for (const row of rows) {
    row.forEach((category, index) => {
      const last = index === row.length - 1;
      line(doc, box(category), MARGIN + index * third, y, {
        font: customs.category === category ? BOLD : REGULAR,
        size: 6,
        minSize: 4.5,
        width: last ? CONTENT_WIDTH - index * third : third - 4,
      });
    });
    y += 7.5;
  }
  y += 1;

  const columns = [
    { caption: 'Quantity and detailed description of contents', width: 118, align: 'left' as const },
    { caption: 'Net kg', width: 30, align: 'right' as const },
    { caption: `Value ${customs.currency}`, width: 44, align: 'right' as const },
    { caption: 'HS tariff no.', width: 46, align: 'right' as const },
    { caption: 'Origin', width: 26, align: 'right' as const },
  ];
  const gap = (CONTENT_WIDTH - columns.reduce((sum, column) => sum + column.width, 0)) / (columns.length - 1);
  const row = (cells: string[], rowTop: number, font: string, size: number) => {
    let x = MARGIN;
    columns.forEach((column, index) => {
      line(doc, cells[index] ?? '', x, rowTop, { font, size, minSize: Math.min(size, 4.5), width: column.width, align: column.align });
      x += column.width + gap;
    });
  };
  row(
    columns.map((column) => column.caption),
    y,
    BOLD,
    5.5,
  );
  y += 7;
  rule(doc, y - 0.5, 0.4);

  // The footer sits at the bottom; the item rows get whatever is left between.
  const certification = wrap(doc, CERTIFICATION, REGULAR, 4.8, CONTENT_WIDTH);
  const footerHeight = 9 + certification.length * 5.6 + 2 + 11;
  const footerTop = BOTTOM - footerHeight;
  const capacity = Math.max(1, Math.floor((footerTop - y) / ITEM_ROW_HEIGHT));
  const overflow = customs.items.length > capacity;
  const shown = overflow ? customs.items.slice(0, capacity - 1) : customs.items;
  for (const item of shown) {
    row(
      [`${item.quantity} × ${item.description}`, kilograms(item.netWeightGrams), item.value, item.hsCode, item.origin],
      y + 0.6,
      REGULAR,
      ITEM_FONT_SIZE,
    );
    y += ITEM_ROW_HEIGHT;
  }
  if (overflow) {
    const hidden = customs.items.length - shown.length;
    const where = customs.form === 'CN23' ? 'see attached CN 23' : 'see attached item list';
    line(doc, `+${hidden} more item${hidden === 1 ? '' : 's'} (${where})`, MARGIN, y + 0.6, { font: ITALIC, size: ITEM_FONT_SIZE });
  }

  y = footerTop;
  rule(doc, y, 0.4);
  y += 1.5;
  line(doc, `Total gross weight ${kilograms(label.weightGrams)} kg`, MARGIN, y, { font: BOLD, size: 6.5, width: CONTENT_WIDTH / 2 });
  // "USD 123.45" rather than a localised "$123.45": the label is read in several countries and "$" is ambiguous.
  line(doc, `Total value ${customs.currency} ${customs.totalValue}`, MARGIN + CONTENT_WIDTH / 2, y, {
    font: BOLD,
    size: 6.5,
    minSize: 5,
    width: CONTENT_WIDTH / 2,
    align: 'right',
  });
  y += 9;
  for (const text of certification) {
    line(doc, text, MARGIN, y, { size: 4.8 });
    y += 5.6;
  }
  y += 2;
  const caption = `Date and sender's signature: ${label.date}   ${customs.signedBy}`;
  line(doc, caption, MARGIN, y, { font: BOLD, size: 6.5, minSize: 5 });
  rule(doc, y + 9, 0.4);
}

// ─── Rendering ────────────────────────────────────────────────────────────────────────────────

/**
 * Renders the label as a one-page 4×6 inch PDF. Invalid input is refused with a 422
 * `validation_failed` AppError whose message and `errors[]` name each bad field.
 */
export async function renderLabel(label: ShippingLabel, options: RenderLabelOptions = {}): Promise<Buffer> {
  const printed = checkLabel(label);
  const doc = new PDFDocument({
    size: [PAGE_WIDTH, PAGE_HEIGHT],
    margin: 0,
    compress: options.compress ?? true,
    autoFirstPage: true,
    // A fixed creation date (the shipping date) keeps the output, including the file ID, deterministic.
    info: {
      Title: `Shipping label ${printed.trackingNumber}`,
      Creator: 'Caravan',
      Producer: 'Caravan (PDFKit)',
      CreationDate: new Date(`${printed.date}T00:00:00Z`),
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  try {
    let y = drawHeader(doc, printed, MARGIN);
    rule(doc, y + 2, 1.2);
    y = drawFacts(doc, printed, y + 6);
    rule(doc, y + 2, 0.4);
    y = drawSender(doc, printed, y + 5);
    rule(doc, y + 2);
    y = drawRecipient(doc, printed, y + 6);
    rule(doc, y + 2);
    y = await drawBarcode(doc, printed.trackingNumber, y + 7);
    if (printed.customs) {
      rule(doc, y + 1, 1.2);
      drawCustoms(doc, printed, printed.customs, y + 5);
    }
  } catch (error) {
    doc.end();
    await done.catch(() => undefined);
    throw error;
  }
  doc.end();
  return done;
}

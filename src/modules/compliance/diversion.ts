/**
 * Off-platform diversion: finds text that steers buyers off the platform (URLs and domains,
 * e-mail addresses, phone numbers, messenger names and handles, "contact me"-style phrases) in
 * every field of a listing, in the platform's languages, through the usual disguises.
 *
 * A hit throttles the listing until the seller fixes it, so a false hit costs a seller ranking
 * for nothing. Every detector therefore asks for evidence of a contact channel, not just for a
 * pattern that could be one:
 *
 * - Domains need a known ending after a literal dot ("example.com"); endings that are also words
 *   ("de", "it", "me") need www, a path or a second-level label, and "spoken" dots ("dot com")
 *   accept only endings that are not English words, because "polka dot top" is a blouse.
 * - Phone numbers need a phone shape (a country code, an area code in parentheses, a national
 *   mobile pattern, or three or more digit groups) or a phone/messenger/contact cue close by.
 *   Specifications are ruled out first: digits glued to letters (model numbers, units, sizes such
 *   as "1920x1080"), numbers before units or after price/size/code labels, decimals, dates, IP
 *   addresses, lists of years, rising or arithmetic lists ("36 37 38 39"), counting, and
 *   one-block numbers with a valid GTIN check digit (EAN/UPC codes). Digits written as words
 *   ("one three eight …", "一三八…") need no shape: no specification is written that way.
 * - A messenger's plain name is not a diversion (phones run WhatsApp, webcams work with Skype):
 *   it needs a contact cue or a handle. Only disguised spellings ("w h a t s a p p", "wh4tsapp",
 *   Cyrillic letters inside a Latin name, zero-width characters) and evasion-only aliases
 *   ("薇信", "v信") are hits on their own: nobody disguises a feature list.
 * - Contact phrases are first-person ("contact me"); "contact us" alone is how sellers point to
 *   the platform's own messages, so it needs an off-platform qualifier.
 *
 * Hits do not overlap. In order of precedence: messenger deep links, e-mail addresses, URLs, phone
 * numbers, messenger names, contact phrases; a hit overlapping an earlier one is dropped, so the
 * digits in "wa.me/8613800138000" are not also a phone number and the domain of an address is not
 * also a URL.
 *
 * The words, patterns and lists live in `data/compliance/diversion-rules.json`; this file holds
 * the mechanics. Text is folded once per field (see `normalise`) with a map back to the original
 * offsets, so every hit reports the seller's own characters. Each detector is a handful of
 * regular-expression passes plus bounded look-arounds, so a scan is linear in the text.
 */
import { readFileSync } from 'node:fs';
import type { TextField } from './prohibited.ts';

export type { TextField } from './prohibited.ts';

export type DiversionKind = 'url' | 'email' | 'phone' | 'messenger' | 'contact_phrase';

export interface DiversionHit {
  kind: DiversionKind;
  /** The path of the field the hit is in. */
  field: string;
  /** The span of the original text that matched. */
  matched: string;
  /** The rule that matched, e.g. "phone.international", "messenger.wechat", "phrase.zh.contact_me". */
  rule: string;
}

export interface MessengerRule {
  id: string;
  /** Whether the name makes a nearby number a phone number. */
  phoneCue: boolean;
  spellings: string[];
  flexible: string[];
  aliases: string[];
  words: string[];
  prefixed: string[];
  standalone: string[];
  exclusions: string[];
  links: string[];
}

export interface ContactPhraseRule {
  id: string;
  pattern: string;
}

export interface NationalPhonePattern {
  id: string;
  pattern: string;
  unseparated: boolean;
}

export interface SeparatorWords {
  bracketed: string[];
  spoken: string[];
  joined: string[];
}

export interface DiversionRules {
  version: string;
  published: string;
  languages: string[];
  homoglyphs: Record<string, string>;
  leet: Record<string, string>;
  messengers: MessengerRule[];
  messengerCues: {
    window: number;
    before: Record<string, string[]>;
    rightBefore: Record<string, string[]>;
    after: Record<string, string[]>;
    connectors: string[];
    addBefore: string[];
    handleLabels: string[];
  };
  contactPhrases: Record<string, ContactPhraseRule[]>;
  numberWords: Record<string, Record<string, number>>;
  separators: { dot: SeparatorWords; at: SeparatorWords };
  domains: {
    bareTlds: string[];
    weakTlds: string[];
    spokenTlds: string[];
    spokenTldWords: Record<string, string>;
    secondLevel: string[];
    notDomains: string[];
  };
  email: { providers: string[]; cues: string[] };
  phone: {
    minDigits: number;
    maxDigits: number;
    cueWindow: number;
    cues: Record<string, string[]>;
    labelsBefore: string[];
    labelSuffixes: string[];
    unitsAfter: string[];
    nationalPatterns: NationalPhonePattern[];
  };
}

export interface DiversionDetector {
  readonly version: string;
  scan(fields: readonly TextField[]): DiversionHit[];
}

export class DiversionRulesError extends Error {
  override name = 'DiversionRulesError';
}

/* ------------------------------------------------------------------------------------------------
 * Folding
 * --------------------------------------------------------------------------------------------- */

/**
 * Characters that carry no letter: format characters (zero-width space and joiners, soft hyphen,
 * bidi controls, BOM), the combining grapheme joiner, Hangul fillers, the Arabic tatweel and
 * variation selectors. Dropped; one between two letters marks the word as disguised.
 */
const FORMAT_CHAR = /^\p{Cf}$/u;
const INVISIBLE_CODES: ReadonlySet<number> = new Set([0x034f, 0x115f, 0x1160, 0x3164, 0xffa0, 0x0640]);

function isInvisible(char: string): boolean {
  const cp = char.codePointAt(0) as number;
  return FORMAT_CHAR.test(char) || INVISIBLE_CODES.has(cp) || (cp >= 0xfe00 && cp <= 0xfe0f);
}
const LINE_BREAK = /^[\n\r\v\f\u0085\u2028\u2029]$/u;
const SPACE = /^\s$/u;
const DASH = /^[\u2010-\u2015\u2212\u2E3A\u2E3B\uFE58\uFE63\uFF0D]$/u;
const MARKS = /\p{M}/gu;
/** Hangul is kept composed: NFD would split a syllable into letters that no longer match. */
const HANGUL = /[\u1100-\u11FF\u3130-\u318F\uAC00-\uD7A3]/u;
const WORD_CHAR = /^[\p{L}\p{N}]$/u;

/**
 * Letters that do not decompose, folded to the spelling the data uses. The Arabic ones are
 * variants that keyboards and sellers use interchangeably (alef maqsura and Persian yeh for yeh,
 * taa marbuta for haa, keheh for kaf).
 */
const LETTER_FOLDS: ReadonlyMap<string, string> = new Map([
  ['ß', 'ss'], ['ı', 'i'], ['ł', 'l'], ['ø', 'o'], ['ς', 'σ'],
  ['ى', 'ي'], ['ی', 'ي'], ['ة', 'ه'], ['ک', 'ك'], ['ٱ', 'ا'],
]);

const FOLD_CACHE = new Map<string, string>();
const FOLD_CACHE_LIMIT = 50_000;

function foldUncached(char: string): string {
  if (LINE_BREAK.test(char)) return '\n';
  if (SPACE.test(char)) return ' ';
  if (isInvisible(char)) return '';
  const cp = char.codePointAt(0) as number;
  if (cp >= 0x660 && cp <= 0x669) return String(cp - 0x660);
  if (cp >= 0x6f0 && cp <= 0x6f9) return String(cp - 0x6f0);
  if (DASH.test(char)) return '-';
  // Lower case first: "İ" lowers to "i" plus a combining dot, which the mark stripping removes.
  let out = char.normalize('NFKC').toLowerCase();
  if (!HANGUL.test(out)) out = out.normalize('NFD').replace(MARKS, '');
  let folded = '';
  for (const part of out) folded += LETTER_FOLDS.get(part) ?? (SPACE.test(part) ? ' ' : part);
  return folded;
}

/** Folds one character (a code point) the way text and data both are folded. */
function foldChar(char: string): string {
  const code = char.charCodeAt(0);
  if (char.length === 1 && code < 0x80) {
    if (code === 10 || code === 13) return '\n';
    if (code === 9 || code === 11 || code === 12) return ' ';
    return code >= 65 && code <= 90 ? String.fromCharCode(code + 32) : char;
  }
  let folded = FOLD_CACHE.get(char);
  if (folded === undefined) {
    folded = foldUncached(char);
    if (FOLD_CACHE.size < FOLD_CACHE_LIMIT) FOLD_CACHE.set(char, folded);
  }
  return folded;
}

/** Folds a plain string from the data (a word, a name, a label). */
function foldText(text: string): string {
  let out = '';
  for (const char of text) out += foldChar(char);
  return out;
}

/**
 * Folds a regular expression from the data. Only non-ASCII characters are folded: ASCII is
 * regex syntax ("\S", "\P{L}") that lower-casing would change, so the data writes it in lower case.
 */
function foldPattern(source: string): string {
  let out = '';
  for (const char of source) out += char.length === 1 && char.charCodeAt(0) < 0x80 ? char : foldChar(char);
  return out;
}

/** A field's folded text with, for each UTF-16 unit, the original span it came from. */
interface Folded {
  text: string;
  from: number[];
  to: number[];
  /** 1 where the unit was swapped from another script or followed an invisible character. */
  disguised: Uint8Array;
}

type Homoglyphs = { toLatin: ReadonlyMap<string, string>; fromLatin: ReadonlyMap<string, string> };

const LATIN_LETTER = /\p{Script=Latin}/u;
const CYRILLIC_OR_GREEK = /[\p{Script=Cyrillic}\p{Script=Greek}]/u;
const WORD_RUN = /[\p{L}\p{N}]+/gu;

function normalise(input: string, homoglyphs: Homoglyphs): Folded {
  const units: string[] = [];
  const from: number[] = [];
  const to: number[] = [];
  const disguised: number[] = [];
  let offset = 0;
  let hidden = false;
  for (const char of input) {
    const start = offset;
    offset += char.length;
    const folded = foldChar(char);
    if (folded === '') {
      // A mark or an invisible character: the previous unit's span grows to cover it, so a hit
      // ending there still reports the whole character as written.
      if (isInvisible(char)) hidden = true;
      if (to.length > 0) to[to.length - 1] = offset;
      continue;
    }
    const afterWord = units.length > 0 && WORD_CHAR.test(units[units.length - 1] as string);
    for (let i = 0; i < folded.length; i += 1) {
      const unit = folded[i] as string;
      units.push(unit);
      from.push(start);
      to.push(offset);
      disguised.push(hidden && afterWord && WORD_CHAR.test(unit) ? 1 : 0);
    }
    hidden = false;
  }

  // Homoglyphs: only inside a word that mixes Latin with Cyrillic or Greek. The minority script
  // is folded to the majority one, so "WеChat" (Cyrillic е) meets "wechat" and "вaтсап" (Latin a)
  // meets "ватсап", while words in one script stay as they are.
  const text = units.join('');
  for (const run of text.matchAll(WORD_RUN)) {
    let latin = 0;
    let other = 0;
    for (const char of run[0]) {
      if (LATIN_LETTER.test(char)) latin += 1;
      else if (CYRILLIC_OR_GREEK.test(char)) other += 1;
    }
    if (latin === 0 || other === 0) continue;
    const map = latin >= other ? homoglyphs.toLatin : homoglyphs.fromLatin;
    for (let i = run.index; i < run.index + run[0].length; i += 1) {
      const swapped = map.get(units[i] as string);
      if (swapped !== undefined) {
        units[i] = swapped;
        disguised[i] = 1;
      }
    }
  }
  return { text: units.join(''), from, to, disguised: Uint8Array.from(disguised) };
}

/* ------------------------------------------------------------------------------------------------
 * Parsing the rule data
 * --------------------------------------------------------------------------------------------- */

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(field: string, problem: string): never {
  throw new DiversionRulesError(`Diversion rules: "${field}" ${problem}`);
}

function child(record: Record<string, unknown>, key: string, field: string): Record<string, unknown> {
  const value = record[key];
  if (value === undefined) fail(field, 'is missing');
  if (!isRecord(value)) fail(field, 'must be an object');
  return value;
}

function text(record: Record<string, unknown>, key: string, field: string): string {
  const value = record[key];
  if (value === undefined) fail(field, 'is missing');
  if (typeof value !== 'string' || value.trim() === '') fail(field, 'must be a non-empty string');
  return value;
}

function positiveInt(record: Record<string, unknown>, key: string, field: string): number {
  const value = record[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) fail(field, 'must be a whole number of at least 1');
  return value;
}

function texts(record: Record<string, unknown>, key: string, field: string, options: { optional?: boolean } = {}): string[] {
  const value = record[key];
  if (value === undefined && options.optional) return [];
  if (!Array.isArray(value)) fail(field, 'must be an array of strings');
  return value.map((entry: unknown, index) => {
    if (typeof entry !== 'string' || entry.trim() === '') fail(`${field}[${index}]`, 'must be a non-empty string');
    return entry;
  });
}

/** Compiles a data pattern once, to refuse a broken one when the data is loaded, not on a scan. */
function checkPattern(source: string, field: string): string {
  let groups: number;
  try {
    groups = (new RegExp(`${foldPattern(source)}|`, 'u').exec('') as RegExpExecArray).length - 1;
  } catch (error) {
    fail(field, `is not a valid regular expression: ${(error as Error).message}`);
  }
  // The compiler numbers its own groups around data patterns; theirs would shift the numbering.
  if (groups > 0) fail(field, 'must not contain capturing groups; use (?:…)');
  return source;
}

function patterns(record: Record<string, unknown>, key: string, field: string): string[] {
  return texts(record, key, field).map((source, index) => checkPattern(source, `${field}[${index}]`));
}

function byLanguage<T>(record: Record<string, unknown>, field: string, languages: readonly string[], read: (value: Record<string, unknown>, language: string) => T): Record<string, T> {
  const out: Record<string, T> = {};
  for (const language of Object.keys(record)) {
    if (!languages.includes(language)) fail(`${field}.${language}`, `is not one of the listed languages (${languages.join(', ')})`);
    out[language] = read(record, language);
  }
  return out;
}

function stringMap(record: Record<string, unknown>, key: string, field: string): Record<string, string> {
  const value = child(record, key, field);
  const out: Record<string, string> = {};
  for (const [from, to] of Object.entries(value)) {
    if (typeof to !== 'string' || to === '') fail(`${field}.${from}`, 'must be a non-empty string');
    out[from] = to;
  }
  return out;
}

function parseMessenger(value: unknown, field: string): MessengerRule {
  if (!isRecord(value)) fail(field, 'must be an object');
  const id = text(value, 'id', `${field}.id`);
  if (!/^[a-z0-9_]+$/.test(id)) fail(`${field}.id`, 'must be lower-case letters, digits and underscores');
  const phoneCue = value.phone_cue;
  if (typeof phoneCue !== 'boolean') fail(`${field}.phone_cue`, 'must be true or false');
  const list = (key: string) => texts(value, key, `${field}.${key}`, { optional: true });
  const rule: MessengerRule = {
    id,
    phoneCue,
    spellings: list('spellings'),
    flexible: list('flexible'),
    aliases: list('aliases'),
    words: list('words'),
    prefixed: list('prefixed'),
    standalone: list('standalone'),
    exclusions: list('exclusions'),
    links: list('links'),
  };
  rule.flexible.forEach((name, index) => {
    if (!/^[a-z]{4,}$/.test(name)) fail(`${field}.flexible[${index}]`, 'must be a Latin name of at least four lower-case letters');
  });
  rule.links.forEach((host, index) => {
    if (!/^[a-z0-9-]+(?:\.[a-z0-9-]+)+$/.test(host)) fail(`${field}.links[${index}]`, 'must be a host name such as "t.me"');
  });
  const names = [...rule.spellings, ...rule.flexible, ...rule.aliases, ...rule.words, ...rule.prefixed, ...rule.standalone];
  if (names.length === 0 && rule.links.length === 0) fail(field, 'has no names and no links');
  return rule;
}

/**
 * Checks the rule data and returns it with camelCase keys. Throws a DiversionRulesError naming
 * the first bad field: a missing or empty list, a pattern that does not compile or has capturing
 * groups, a number word that is not a digit, a duplicate id.
 */
export function parseDiversionRules(json: unknown): DiversionRules {
  if (!isRecord(json)) throw new DiversionRulesError('Diversion rules must be a JSON object');
  const version = text(json, 'version', 'version');
  const published = text(json, 'published', 'published');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(published)) fail('published', 'must be a date as YYYY-MM-DD');
  const languages = texts(json, 'languages', 'languages');

  const normalisation = child(json, 'normalisation', 'normalisation');
  const homoglyphs = stringMap(normalisation, 'homoglyphs', 'normalisation.homoglyphs');
  for (const [from, to] of Object.entries(homoglyphs)) {
    if ([...from].length !== 1 || from.length !== 1 || !CYRILLIC_OR_GREEK.test(from)) fail(`normalisation.homoglyphs.${from}`, 'must map one Cyrillic or Greek letter');
    if (!/^[a-z]$/.test(to)) fail(`normalisation.homoglyphs.${from}`, 'must map to one lower-case Latin letter');
  }
  const leet = stringMap(normalisation, 'leet', 'normalisation.leet');
  for (const letter of Object.keys(leet)) {
    if (!/^[a-z]$/.test(letter)) fail(`normalisation.leet.${letter}`, 'must be a lower-case Latin letter');
  }

  const messengersJson = child(json, 'messengers', 'messengers');
  const entries = messengersJson.entries;
  if (!Array.isArray(entries) || entries.length === 0) fail('messengers.entries', 'must be a non-empty array');
  const messengers = entries.map((entry: unknown, index) => parseMessenger(entry, `messengers.entries[${index}]`));
  const seenMessengers = new Set<string>();
  messengers.forEach((messenger, index) => {
    if (seenMessengers.has(messenger.id)) fail(`messengers.entries[${index}].id`, `repeats ${messenger.id}`);
    seenMessengers.add(messenger.id);
  });

  const cuesJson = child(json, 'messenger_cues', 'messenger_cues');
  const languagePatterns = (key: string) =>
    byLanguage(child(cuesJson, key, `messenger_cues.${key}`), `messenger_cues.${key}`, languages, (record, language) => patterns(record, language, `messenger_cues.${key}.${language}`));
  const messengerCues = {
    window: positiveInt(cuesJson, 'window', 'messenger_cues.window'),
    before: languagePatterns('before'),
    rightBefore: languagePatterns('right_before'),
    after: languagePatterns('after'),
    connectors: texts(cuesJson, 'connectors', 'messenger_cues.connectors'),
    addBefore: patterns(cuesJson, 'add_before', 'messenger_cues.add_before'),
    handleLabels: texts(cuesJson, 'handle_labels', 'messenger_cues.handle_labels'),
  };

  const phrasesJson = child(child(json, 'contact_phrases', 'contact_phrases'), 'phrases', 'contact_phrases.phrases');
  const contactPhrases = byLanguage(phrasesJson, 'contact_phrases.phrases', languages, (record, language) => {
    const field = `contact_phrases.phrases.${language}`;
    const list = record[language];
    if (!Array.isArray(list) || list.length === 0) fail(field, 'must be a non-empty array');
    const ids = new Set<string>();
    return list.map((entry: unknown, index) => {
      const at = `${field}[${index}]`;
      if (!isRecord(entry)) fail(at, 'must be an object with "id" and "pattern"');
      const id = text(entry, 'id', `${at}.id`);
      if (!/^[a-z0-9_]+$/.test(id)) fail(`${at}.id`, 'must be lower-case letters, digits and underscores');
      if (ids.has(id)) fail(`${at}.id`, `repeats ${id}`);
      ids.add(id);
      return { id, pattern: checkPattern(text(entry, 'pattern', `${at}.pattern`), `${at}.pattern`) };
    });
  });

  const numberWordsJson = child(json, 'number_words', 'number_words');
  const numberWords: Record<string, Record<string, number>> = {};
  const digitOfWord = new Map<string, number>();
  for (const [language, words] of Object.entries(numberWordsJson)) {
    if (language === 'description') continue;
    if (!languages.includes(language)) fail(`number_words.${language}`, 'is not one of the listed languages');
    if (!isRecord(words)) fail(`number_words.${language}`, 'must map words to digits');
    const out: Record<string, number> = {};
    for (const [word, digit] of Object.entries(words)) {
      const field = `number_words.${language}.${word}`;
      if (typeof digit !== 'number' || !Number.isInteger(digit) || digit < 0 || digit > 9) fail(field, 'must be a digit 0–9');
      const folded = foldText(word);
      const earlier = digitOfWord.get(folded);
      if (earlier !== undefined && earlier !== digit) fail(field, `folds to "${folded}", already ${earlier} in another language`);
      digitOfWord.set(folded, digit);
      out[word] = digit;
    }
    numberWords[language] = out;
  }

  const separatorsJson = child(json, 'separators', 'separators');
  const separatorWords = (key: string): SeparatorWords => {
    const record = child(separatorsJson, key, `separators.${key}`);
    return {
      bracketed: texts(record, 'bracketed', `separators.${key}.bracketed`),
      spoken: texts(record, 'spoken', `separators.${key}.spoken`),
      joined: texts(record, 'joined', `separators.${key}.joined`),
    };
  };

  const domainsJson = child(json, 'domains', 'domains');
  const domains = {
    bareTlds: texts(domainsJson, 'bare_tlds', 'domains.bare_tlds'),
    weakTlds: texts(domainsJson, 'weak_tlds', 'domains.weak_tlds'),
    spokenTlds: texts(domainsJson, 'spoken_tlds', 'domains.spoken_tlds'),
    spokenTldWords: stringMap(domainsJson, 'spoken_tld_words', 'domains.spoken_tld_words'),
    secondLevel: texts(domainsJson, 'second_level', 'domains.second_level'),
    notDomains: texts(domainsJson, 'not_domains', 'domains.not_domains'),
  };
  for (const [key, list] of [['bare_tlds', domains.bareTlds], ['weak_tlds', domains.weakTlds], ['spoken_tlds', domains.spokenTlds]] as const) {
    list.forEach((tld, index) => {
      if (!/^(?:[a-z]{2,24}|[а-я]{2,24})$/.test(tld)) fail(`domains.${key}[${index}]`, `must be a domain ending in lower case without the dot, got ${JSON.stringify(tld)}`);
    });
  }
  const overlap = domains.bareTlds.find((tld) => domains.weakTlds.includes(tld));
  if (overlap) fail('domains.weak_tlds', `repeats "${overlap}" from bare_tlds`);

  const emailJson = child(json, 'email', 'email');
  const email = { providers: texts(emailJson, 'providers', 'email.providers'), cues: texts(emailJson, 'cues', 'email.cues') };

  const phoneJson = child(json, 'phone', 'phone');
  const minDigits = positiveInt(phoneJson, 'min_digits', 'phone.min_digits');
  const maxDigits = positiveInt(phoneJson, 'max_digits', 'phone.max_digits');
  if (maxDigits < minDigits) fail('phone.max_digits', 'must not be below min_digits');
  const nationalJson = phoneJson.national_patterns;
  if (!Array.isArray(nationalJson)) fail('phone.national_patterns', 'must be an array');
  const phone = {
    minDigits,
    maxDigits,
    cueWindow: positiveInt(phoneJson, 'cue_window', 'phone.cue_window'),
    cues: byLanguage(child(phoneJson, 'cues', 'phone.cues'), 'phone.cues', languages, (record, language) => texts(record, language, `phone.cues.${language}`)),
    labelsBefore: texts(phoneJson, 'labels_before', 'phone.labels_before'),
    labelSuffixes: texts(phoneJson, 'label_suffixes', 'phone.label_suffixes'),
    unitsAfter: texts(phoneJson, 'units_after', 'phone.units_after'),
    nationalPatterns: nationalJson.map((entry: unknown, index) => {
      const field = `phone.national_patterns[${index}]`;
      if (!isRecord(entry)) fail(field, 'must be an object with "id", "pattern" and "unseparated"');
      const unseparated = entry.unseparated;
      if (typeof unseparated !== 'boolean') fail(`${field}.unseparated`, 'must be true or false');
      const pattern = checkPattern(text(entry, 'pattern', `${field}.pattern`), `${field}.pattern`);
      if (!pattern.startsWith('^') || !pattern.endsWith('$')) fail(`${field}.pattern`, 'must be anchored with ^ and $ (it matches the digits of a whole number)');
      return { id: text(entry, 'id', `${field}.id`), pattern, unseparated };
    }),
  };

  return {
    version,
    published,
    languages,
    homoglyphs,
    leet,
    messengers,
    messengerCues,
    contactPhrases,
    numberWords,
    separators: { dot: separatorWords('dot'), at: separatorWords('at') },
    domains,
    email,
    phone,
  };
}

/** Reads and checks a rules file such as `data/compliance/diversion-rules.json`. */
export function loadDiversionRulesFile(file: string): DiversionRules {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new DiversionRulesError(`Cannot read diversion rules file ${file}: ${(error as Error).message}`);
  }
  try {
    return parseDiversionRules(json);
  } catch (error) {
    throw new DiversionRulesError(`${file}: ${(error as Error).message}`);
  }
}

/* ------------------------------------------------------------------------------------------------
 * Regular-expression building
 * --------------------------------------------------------------------------------------------- */

type Script = 'latin' | 'cyrillic' | 'arabic' | 'hangul' | 'han' | 'other';

const SCRIPT_CLASS: Partial<Record<Script, string>> = {
  latin: '\\p{Script=Latin}',
  cyrillic: '\\p{Script=Cyrillic}',
  arabic: '\\p{Script=Arabic}',
  hangul: '\\p{Script=Hangul}',
};

const SCRIPT_TESTS: [Script, RegExp][] = [
  ['latin', /\p{Script=Latin}/u],
  ['cyrillic', /\p{Script=Cyrillic}/u],
  ['arabic', /\p{Script=Arabic}/u],
  ['hangul', /\p{Script=Hangul}/u],
  ['han', /\p{Script=Han}/u],
];

function scriptOf(char: string | undefined): Script {
  if (char === undefined) return 'other';
  for (const [script, test] of SCRIPT_TESTS) if (test.test(char)) return script;
  return 'other';
}

/** The script whose letters surround words of a language, for word boundaries around its patterns. */
const LANGUAGE_SCRIPT: Readonly<Record<string, Script>> = { en: 'latin', es: 'latin', fr: 'latin', pt: 'latin', ru: 'cyrillic', ar: 'arabic' };

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function escapeClass(value: string): string {
  return value.replace(/[\]\\^-]/g, '\\$&');
}

/** Alternatives longest first, so that at one position the longest listed form wins. */
function alternation(values: Iterable<string>): string {
  const unique = [...new Set(values)].filter((value) => value !== '');
  unique.sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  return unique.map(escapeRegExp).join('|');
}

/**
 * A folded literal with word boundaries from the scripts of its first and last letters: Latin
 * "line" must not be found in "online", but Chinese and Korean are written without spaces, and a
 * Latin word may touch Chinese text ("加whatsapp").
 */
function boundedLiteral(word: string, options: { leftDigits?: boolean } = {}): string {
  const first = SCRIPT_CLASS[scriptOf([...word][0])];
  const last = SCRIPT_CLASS[scriptOf([...word].at(-1))];
  const hangulFirst = scriptOf([...word][0]) === 'hangul';
  const left = first && !hangulFirst ? `(?<![${first}${options.leftDigits ? '\\p{N}' : ''}])` : hangulFirst ? '(?<![가-힣])' : '';
  const right = last && !hangulFirst ? `(?![${last}])` : '';
  return `${left}${escapeRegExp(word)}${right}`;
}

function boundedWords(words: Iterable<string>): string {
  const unique = [...new Set(words)].filter((word) => word !== '');
  unique.sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  return unique.map((word) => boundedLiteral(word)).join('|');
}

/** Wraps a language's pattern in the word boundaries of the language's script. */
function languagePattern(source: string, language: string): string {
  const folded = foldPattern(source);
  const letters = SCRIPT_CLASS[LANGUAGE_SCRIPT[language] ?? 'other'];
  return letters ? `(?<![${letters}])(?:${folded})(?![${letters}])` : `(?:${folded})`;
}

function languagePatterns(byLang: Record<string, string[]>): string {
  return orNever(
    Object.entries(byLang)
      .flatMap(([language, list]) => list.map((source) => languagePattern(source, language)))
      .join('|'),
  );
}

/** An empty alternation would match everywhere; an empty list must match nowhere. */
function orNever(source: string): string {
  return source === '' ? '(?!)' : source;
}

/* ------------------------------------------------------------------------------------------------
 * Compiled detector
 * --------------------------------------------------------------------------------------------- */

type MessengerMode = 'spelling' | 'flexible' | 'alias' | 'word' | 'prefixed' | 'standalone';

interface MessengerAlternative {
  messenger: number;
  mode: MessengerMode;
}

interface Span {
  start: number;
  end: number;
}

interface Candidate extends Span {
  kind: DiversionKind;
  rule: string;
}

type SeparatorKind = 'dot' | 'ideographic' | 'spaced' | 'bracketed' | 'spoken' | 'joined' | 'space';

interface Chain {
  labels: string[];
  labelSpans: Span[];
  seps: SeparatorKind[];
}

/** Where the URL, e-mail and phone hits of a field start and end, for a name's neighbours. */
interface Channels {
  starts: ReadonlySet<number>;
  ends: ReadonlySet<number>;
}

interface Piece extends Span {
  digits: string;
  word: boolean;
  hangul: boolean;
}

/** Sentence breaks end the reach of a cue: "Add to cart. Line dry" is not "add … line". */
const SENTENCE_BREAK = /[!?。！？\n;；]|\.(?=\s)/gu;
/**
 * For messenger names a comma ends the reach too: listings chain clauses with commas, and "if
 * you have questions contact us, the phone supports WhatsApp" names a feature, not a channel.
 */
const CLAUSE_BREAK = /[!?。！？\n;；,，、]|\.(?=\s)/gu;

/** Where the text after the last break in `slice` starts (0 when there is none). */
function afterLastBreak(slice: string, breaks: RegExp): number {
  let at = 0;
  for (const match of slice.matchAll(breaks)) at = match.index + match[0].length;
  return at;
}

function hasBreak(slice: string, breaks: RegExp): boolean {
  return slice.search(breaks) !== -1;
}

/** In sorted positions, the first one at or after `lo` if it is at most `hi`; -1 otherwise. */
function firstBetween(sorted: readonly number[], lo: number, hi: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((sorted[mid] as number) < lo) low = mid + 1;
    else high = mid;
  }
  return low < sorted.length && (sorted[low] as number) <= hi ? low : -1;
}

/** In sorted positions, the last one at or before `hi` if it is at least `lo`; -1 otherwise. */
function lastBetween(sorted: readonly number[], lo: number, hi: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((sorted[mid] as number) <= hi) low = mid + 1;
    else high = mid;
  }
  return low > 0 && (sorted[low - 1] as number) >= lo ? low - 1 : -1;
}

function overlaps(a: Span, b: Span): boolean {
  return a.start < b.end && b.start < a.end;
}

function gtinValid(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 2, weight = 3; i >= 0; i -= 1, weight = 4 - weight) sum += Number(digits[i]) * weight;
  return (10 - (sum % 10)) % 10 === Number(digits[digits.length - 1]);
}

const YEAR = (value: number) => value >= 1900 && value <= 2099;

/** Dates, date ranges and date-times: 2024-01-15, 15.01.2024, 2023-2024, 2024 01 15 10 30. */
function looksLikeDate(groups: readonly string[]): boolean {
  const lens = groups.map((g) => g.length);
  const vals = groups.map(Number);
  const [a, b, c] = vals as [number, number, number];
  if (groups.length === 2) return lens[0] === 4 && lens[1] === 4 && YEAR(a) && YEAR(b);
  if (groups.length < 3) return false;
  const month = (v: number) => v >= 1 && v <= 12;
  const day = (v: number) => v >= 1 && v <= 31;
  if (lens[0] === 4 && (lens[1] as number) <= 2 && (lens[2] as number) <= 2 && YEAR(a) && month(b) && day(c)) return true;
  if (groups.length === 3 && lens[2] === 4 && (lens[0] as number) <= 2 && (lens[1] as number) <= 2 && YEAR(c)) {
    return (day(a) && month(b)) || (month(a) && day(b));
  }
  return false;
}

/** Size runs, model years, capacities: arithmetic ("36 37 38 39") or rising lists of like numbers. */
function looksLikeList(groups: readonly string[]): boolean {
  if (groups.length < 3) return false;
  const vals = groups.map(Number);
  if (groups.every((g) => g.length === 4 && YEAR(Number(g)))) return true;
  const step = (vals[1] as number) - (vals[0] as number);
  if (step !== 0 && vals.every((v, i) => i === 0 || v - (vals[i - 1] as number) === step)) return true;
  const rising = vals.every((v, i) => i === 0 || v > (vals[i - 1] as number));
  const leadingZero = groups.some((g) => g.length > 1 && g.startsWith('0'));
  const sameLength = groups.every((g) => g.length === groups[0]?.length);
  const round = vals.every((v) => v % 10 === 0);
  return rising && !leadingZero && (sameLength || round);
}

/** Counting ("1234567", "一二三四五六七八九"), not a number anyone calls. */
function looksLikeCounting(digits: string): boolean {
  if (digits.length < 5) return false;
  let up = true;
  let down = true;
  for (let i = 1; i < digits.length; i += 1) {
    const d = Number(digits[i]) - Number(digits[i - 1]);
    if (d !== 1) up = false;
    if (d !== -1) down = false;
  }
  return up || down;
}

export function compileDiversionRules(rules: DiversionRules): DiversionDetector {
  const cues = rules.messengerCues;

  /* --- normalisation ------------------------------------------------------------------------- */
  const toLatin = new Map<string, string>();
  const fromLatin = new Map<string, string>();
  for (const [other, latin] of Object.entries(rules.homoglyphs)) {
    toLatin.set(other, latin);
    if (/\p{Script=Cyrillic}/u.test(other) && !fromLatin.has(latin)) fromLatin.set(latin, other);
  }
  const homoglyphs: Homoglyphs = { toLatin, fromLatin };

  /* --- messengers ---------------------------------------------------------------------------- */
  const alternatives: { source: string; meta: MessengerAlternative; length: number; flexible: boolean }[] = [];
  const plainSpellings = rules.messengers.map((m) => new Set([...m.spellings, ...m.flexible].map(foldText)));
  const attachable = new Set<string>();
  const flexSeparator = "[ .\\-_*·•'’,~/\\\\]{0,3}";
  rules.messengers.forEach((messenger, index) => {
    for (const name of messenger.flexible) {
      const letters = [...name].map((letter) => `[${escapeClass(letter + (rules.leet[letter] ?? ''))}]`);
      alternatives.push({
        source: `(?<![\\p{Script=Latin}\\p{N}])${letters.join(flexSeparator)}(?![\\p{Script=Latin}])`,
        meta: { messenger: index, mode: 'flexible' },
        length: 1000,
        flexible: true,
      });
    }
    const add = (names: string[], mode: MessengerMode) => {
      for (const raw of names) {
        const name = foldText(raw);
        if (/^[a-zа-я]+$/.test(name)) attachable.add(name);
        let source = boundedLiteral(name, { leftDigits: true });
        // Russian declines the names ("в телеграме", "по вотсапу"), but a short one would then
        // swallow words ("вк" in "вкус"); Arabic prefixes the article and prepositions
        // ("الواتساب", "بالواتس").
        if (scriptOf([...name].at(-1)) === 'cyrillic' && name.length >= 4) {
          source = `(?<![\\p{Script=Cyrillic}\\p{N}])${escapeRegExp(name)}\\p{Script=Cyrillic}{0,3}(?!\\p{Script=Cyrillic})`;
        }
        if (scriptOf([...name][0]) === 'arabic') source = `(?<!\\p{Script=Arabic})(?:[وفبلك]?ال|[وفبلك])?${escapeRegExp(name)}(?!\\p{Script=Arabic})`;
        alternatives.push({ source, meta: { messenger: index, mode }, length: name.length, flexible: false });
      }
    };
    add(messenger.standalone, 'standalone');
    add(messenger.spellings, 'spelling');
    add(messenger.aliases, 'alias');
    add(messenger.words, 'word');
    add(messenger.prefixed, 'prefixed');
  });
  alternatives.sort((a, b) => Number(b.flexible) - Number(a.flexible) || b.length - a.length);
  const messengerMeta = alternatives.map((alt) => alt.meta);
  const messengerRe = new RegExp(alternatives.map((alt) => `(${alt.source})`).join('|'), 'gu');
  const exclusionRe = new RegExp(orNever(boundedWords(rules.messengers.flatMap((m) => m.exclusions.map(foldText)))), 'gu');

  const linkHosts: { host: string; messenger: number }[] = [];
  rules.messengers.forEach((m, index) => m.links.forEach((host) => linkHosts.push({ host, messenger: index })));
  linkHosts.sort((a, b) => b.host.length - a.host.length);
  const anyDot = '(?:\\.|。|\\s?[(\\[]\\s?(?:\\.|dot)\\s?[)\\]]\\s?)';
  const pathChars = "[a-z0-9\\-._~%!$&'()*+,;=:@/?#]";
  const linkRe = new RegExp(
    `(?<![a-z0-9\\-.@])(?:(?:https?|hxxps?)\\s?:\\s?//\\s?)?(?:www\\.)?(?:${linkHosts.map((l) => `(${l.host.split('.').map(escapeRegExp).join(anyDot)})`).join('|')})/${pathChars}+`,
    'gu',
  );

  const connectors = boundedWords(cues.connectors.map(foldText));
  const gap = `[\\s:：,\\-]*(?:(?:${connectors})[\\s:：,\\-]*){0,2}`;
  const beforeSource = languagePatterns(cues.before);
  const addBeforeSource = orNever(cues.addBefore.map(foldPattern).join('|'));
  const rightBeforeSource = [beforeSource, languagePatterns(cues.rightBefore), addBeforeSource].join('|');
  const beforeRe = new RegExp(beforeSource, 'u');
  const rightBeforeRe = new RegExp(`(?:${rightBeforeSource})${gap}$`, 'u');
  // Names that are also words take only contact cues: "add line breaks", "my signal is weak".
  const wordBeforeRe = new RegExp(`(?:${beforeSource}|${addBeforeSource})${gap}$`, 'u');
  const addBeforeRe = new RegExp(`(?:${addBeforeSource})\\s?$`, 'u');
  const afterRe = new RegExp(`[\\s:：,\\-]{0,3}(?:${languagePatterns(cues.after)})`, 'uy');
  const handleLabelRe = new RegExp(`\\s{0,2}(?:${orNever(boundedWords(cues.handleLabels.map(foldText)))})\\.?`, 'uy');
  const separatorRe = /\s{0,2}(?:[:：=]|-(?!\d))?\s{0,3}/uy;
  const atHandleRe = /@[a-z0-9_](?:[a-z0-9_.]{0,30}[a-z0-9_])?/uy;
  const tokenRe = /live:[a-z0-9_.-]+|[a-z0-9][a-z0-9_.-]{1,31}/uy;
  const handleBeforeRe = new RegExp(`@[a-z0-9_](?:[a-z0-9_.]{0,30}[a-z0-9_])?\\s*(?:(?:${connectors})\\s*)?[(（:：\\-]?\\s*$`, 'u');

  /* --- contact phrases ----------------------------------------------------------------------- */
  const phraseIds: string[] = [];
  const phraseSources: string[] = [];
  for (const [language, list] of Object.entries(rules.contactPhrases)) {
    for (const phrase of list) {
      phraseIds.push(`phrase.${language}.${phrase.id}`);
      phraseSources.push(`(${languagePattern(phrase.pattern, language)})`);
    }
  }
  const phraseRe = new RegExp(orNever(phraseSources.join('|')), 'gu');

  /* --- domains and e-mail -------------------------------------------------------------------- */
  const dom = rules.domains;
  const bare = new Set(dom.bareTlds);
  const weak = new Set(dom.weakTlds);
  const spokenTlds = new Set(dom.spokenTlds);
  const spokenWords = new Map(Object.entries(dom.spokenTldWords).map(([word, tld]) => [foldText(word), tld]));
  const secondLevel = new Set(dom.secondLevel);
  const notDomains = new Set(dom.notDomains.map(foldText));
  const providers = new Set(rules.email.providers.map(foldText));

  const seps = rules.separators;
  const spokenSep = (list: string[]) => `[\\s_\\-]+(?:${alternation(list.map(foldText))})[\\s_\\-]+`;
  const bracketSep = (list: string[], literal: string) => `\\s*[(\\[{<]\\s*(?:${literal}|${alternation(list.map(foldText))})\\s*[)\\]}>]\\s*`;
  const joinedSep = (list: string[]) => `\\s*(?:${alternation(list.map(foldText))})\\s*`;
  const dotKinds: [SeparatorKind, string][] = [
    ['dot', '\\.'],
    ['ideographic', '\\s*。\\s*'],
    ['spaced', '\\s+\\.\\s*'],
    ['bracketed', bracketSep(seps.dot.bracketed, '\\.|。')],
    ['spoken', spokenSep(seps.dot.spoken)],
    ['joined', joinedSep(seps.dot.joined)],
  ];
  const dotSep = `(?:${dotKinds.map(([, source]) => source).join('|')})`;
  const extraLabels = [...spokenWords.keys()].filter((word) => !/^(?:[a-z0-9-]+|[а-я0-9-]+)$/.test(word));
  const label = `(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?|[а-я0-9](?:[а-я0-9-]{0,61}[а-я0-9])?${extraLabels.length ? `|${alternation(extraLabels)}` : ''})`;
  const labelRe = new RegExp(label, 'uy');
  const sepTokenRe = new RegExp(`${dotKinds.map(([, source]) => `(${source})`).join('|')}|(\\s+)`, 'uy');
  const chainRe = new RegExp(`(?<![a-z0-9а-я_@.\\-/])${label}(?:${dotSep}${label}){1,6}`, 'gu');
  const wwwRe = new RegExp(`(?<![a-z0-9])w ?w ?w(?:${dotSep}|\\s+)${label}(?:(?:${dotSep}|\\s+)${label}){1,4}`, 'gu');
  const schemeRe = /(?<![a-z])(?:https?|hxxps?|ftp)\s?:\s?\/\s?\/\s?([^\s/?#"'<>()[\]{}]+)/gu;
  const pathRe = new RegExp(`(?::\\d{2,5})?(?:[/?#]${pathChars}*)?`, 'uy');
  const atKinds = [
    '\\s{0,2}@\\s{0,2}',
    bracketSep(seps.at.bracketed, '@'),
    spokenSep(seps.at.spoken),
    joinedSep(seps.at.joined),
  ];
  const emailRe = new RegExp(
    `(?<![a-z0-9._%+\\-])([a-z0-9](?:[a-z0-9._%+\\-]{0,62}[a-z0-9_])?)(?:${atKinds.map((source) => `(${source})`).join('|')})(${label}(?:${dotSep}${label}){0,6})`,
    'gu',
  );
  const emailCueRe = new RegExp(orNever(boundedWords(rules.email.cues.map(foldText))), 'u');

  /* --- phone numbers ------------------------------------------------------------------------- */
  const ph = rules.phone;
  const digitOf = new Map<string, number>();
  for (const words of Object.values(rules.numberWords)) for (const [word, digit] of Object.entries(words)) digitOf.set(foldText(word), digit);
  const byScript = (script: Script) => [...digitOf.keys()].filter((word) => scriptOf([...word][0]) === script);
  const hanDigits = byScript('han').filter((word) => [...word].length === 1);
  const hangulWords = byScript('hangul').sort((a, b) => b.length - a.length);
  const wordPieces = [byScript('latin'), byScript('cyrillic'), byScript('arabic')].filter((list) => list.length > 0).map(boundedWords);
  const pieceRe = new RegExp(
    [
      '(\\d+)',
      `(${orNever(wordPieces.join('|'))})`,
      hanDigits.length ? `([${hanDigits.map(escapeClass).join('')}]+)` : '((?!))',
      hangulWords.length ? '([가-힣]+)' : '((?!))',
    ].join('|'),
    'gu',
  );
  const phoneCueRe = new RegExp(
    orNever(
      Object.values(ph.cues)
        .flatMap((list) => list.map((cue) => boundedLiteral(foldText(cue))))
        .join('|'),
    ),
    'gu',
  );
  // Digits glued to letters are model numbers and units, unless the letters are a cue ("tel13800138000").
  for (const list of Object.values(ph.cues)) for (const cue of list) if (/^[a-zа-я]+$/.test(foldText(cue))) attachable.add(foldText(cue));
  const labelTail = `[\\s:：#.\\-]*(?:(?:${orNever(boundedWords(ph.labelSuffixes.map(foldText)))})\\.?[\\s:：#.\\-]*)?$`;
  const labelsBeforeRe = new RegExp(`(?:${ph.labelsBefore.map((l) => boundedLiteral(foldText(l))).join('|')})${labelTail}`, 'u');
  const unitsAfterRe = new RegExp(`\\s{0,2}(?:${ph.unitsAfter.map((u) => boundedLiteral(foldText(u))).join('|')})`, 'uy');
  const national = ph.nationalPatterns.map((p) => ({ ...p, re: new RegExp(p.pattern, 'u') }));

  /* --- scanning ------------------------------------------------------------------------------ */

  function scanField(field: TextField, out: DiversionHit[]): void {
    const folded = normalise(field.text, homoglyphs);
    const s = folded.text;
    if (s.trim() === '') return;
    const found: Candidate[] = [];
    // Which folded positions a hit already covers: a later, weaker hit overlapping one is dropped
    // (the digits of "wa.me/8613800138000" are not a second, phone, hit).
    const covered = new Uint8Array(s.length);
    const taken = (span: Span) => covered.subarray(span.start, span.end).includes(1);
    const take = (hit: Candidate) => {
      if (taken(hit)) return;
      found.push(hit);
      covered.fill(1, hit.start, hit.end);
    };

    const phrases = findPhrases(s);
    const names = findNames(s, folded);

    for (const hit of findLinks(s)) take(hit);
    for (const hit of findEmails(s)) take(hit);
    for (const hit of findUrls(s, field.text, folded)) take(hit);

    const phoneCues: Span[] = [...phrases, ...names.filter((n) => (rules.messengers[n.messenger] as MessengerRule).phoneCue)];
    for (const match of s.matchAll(phoneCueRe)) phoneCues.push({ start: match.index, end: match.index + match[0].length });
    for (const hit of findPhones(s, phoneCues)) take(hit);

    const channels = { starts: new Set(found.map((hit) => hit.start)), ends: new Set(found.map((hit) => hit.end)) };
    for (const hit of decideNames(s, names, phrases, channels)) take(hit);
    for (const phrase of phrases) take(phrase);

    found.sort((x, y) => x.start - y.start || y.end - x.end);
    for (const hit of found) {
      const start = folded.from[hit.start] as number;
      const end = folded.to[hit.end - 1] as number;
      out.push({ kind: hit.kind, field: field.path, matched: field.text.slice(start, end), rule: hit.rule });
    }
  }

  function findPhrases(s: string): Candidate[] {
    const hits: Candidate[] = [];
    for (const match of s.matchAll(phraseRe)) {
      if (match[0].trim() === '') continue;
      const group = match.findIndex((value, index) => index > 0 && value !== undefined);
      hits.push({ kind: 'contact_phrase', rule: phraseIds[group - 1] as string, start: match.index, end: match.index + match[0].length });
    }
    return hits;
  }

  interface Name extends Span {
    messenger: number;
    mode: MessengerMode;
  }

  function findNames(s: string, folded: Folded): Name[] {
    const excluded = new Uint8Array(s.length);
    for (const match of s.matchAll(exclusionRe)) excluded.fill(1, match.index, match.index + match[0].length);
    const found: Name[] = [];
    for (const match of s.matchAll(messengerRe)) {
      const group = match.findIndex((value, index) => index > 0 && value !== undefined);
      const meta = messengerMeta[group - 1] as MessengerAlternative;
      const start = match.index;
      const end = start + match[0].length;
      if (excluded[start] === 1) continue;
      let mode = meta.mode;
      const disguised = folded.disguised.subarray(start, end).includes(1);
      if (mode === 'flexible') mode = !disguised && plainSpellings[meta.messenger]?.has(match[0]) ? 'spelling' : 'standalone';
      else if (disguised) mode = 'standalone';
      found.push({ messenger: meta.messenger, mode, start, end });
    }
    return found;
  }

  /**
   * What follows a messenger name: a URL, e-mail or phone hit (`channel`), a handle (its end), or
   * nothing (null). An "@handle" always counts. Otherwise how handle-like the next word must be
   * depends on what stands between and on how specific the name is: after a colon, any word for
   * an alias or a labelled name ("VX: abc", "wechat id: abc"), but letters with digits or an
   * underscore for a full name or a word ("Signal: shop_88" is a handle, "Signal: strong" and
   * "Line: 2x3m" are specifications); after a label without a colon, a handle-like word
   * ("WhatsApp account required" has none); with only a space, a longer handle-like word.
   */
  function handleAfter(s: string, name: Name, channels: Channels): { channel: boolean; end: number } | null {
    let at = name.end;
    handleLabelRe.lastIndex = at;
    const labelled = handleLabelRe.exec(s);
    if (labelled) at = handleLabelRe.lastIndex;
    separatorRe.lastIndex = at;
    const separated = separatorRe.exec(s) as RegExpExecArray;
    const colon = /[:：=-]/.test(separated[0]);
    at += separated[0].length;
    for (let i = name.end; i <= at + 1; i += 1) if (channels.starts.has(i)) return { channel: true, end: name.end };
    atHandleRe.lastIndex = at;
    if (atHandleRe.exec(s)) return { channel: false, end: atHandleRe.lastIndex };
    tokenRe.lastIndex = at;
    const token = tokenRe.exec(s);
    if (!token) return null;
    const value = token[0].replace(/[.-]+$/, '');
    const end = at + value.length;
    // Quantities and versions ("10m", "1080p", "v10.2") are specifications, not handles.
    const spec = /^v?\d+(?:[.,]\d+)*[a-z]{0,4}$/.test(value) && !/^\d{5,}$/.test(value);
    const handleLike = /^[a-z][a-z0-9_.-]*$/.test(value) && /[\d_]/.test(value);
    const idLike = /^\d{5,}$/.test(value);
    const lenient = name.mode === 'alias' || name.mode === 'prefixed' || name.mode === 'standalone';
    const found = { channel: false, end };
    if (spec || value.length < 3) return null;
    if (colon && (labelled || lenient)) return found;
    if (colon || labelled) return handleLike || idLike ? found : null;
    if (separated[0].length > 1) return null;
    return (lenient && (idLike || (handleLike && value.length >= 4))) || (handleLike && value.length >= 5) ? found : null;
  }

  /** "13800138000 (WeChat)": a number or address ending right before a name is its handle. */
  function channelJustBefore(s: string, at: number, channels: Channels): boolean {
    for (let i = at; i >= Math.max(0, at - 3); i -= 1) {
      if (channels.ends.has(i)) return true;
      if (!/[\s(（:：-]/.test(s[i - 1] ?? '')) return false;
    }
    return false;
  }

  /**
   * Decides the names from last to first, so that a name chained to an accepted one by a slash
   * or "and" ("WhatsApp/WeChat: +86 …") shares its evidence.
   */
  function decideNames(s: string, names: readonly Name[], phrases: readonly Candidate[], channels: Channels): Candidate[] {
    const decided: Candidate[] = [];
    const window = cues.window;
    const phraseEnds = phrases.map((p) => p.end).sort((x, y) => x - y);
    const phraseStarts = phrases.map((p) => p.start).sort((x, y) => x - y);
    let nextAccepted: Span | null = null;
    for (const name of [...names].reverse()) {
      const messenger = rules.messengers[name.messenger] as MessengerRule;
      const rule = name.mode === 'standalone' ? `messenger.${messenger.id}.disguised` : `messenger.${messenger.id}`;
      const handle = handleAfter(s, name, channels);
      const channelBefore = channelJustBefore(s, name.start, channels);
      const chained = nextAccepted !== null && /^\s?(?:[/&|+、,，]|and|или|ou|e|y|和|或)\s?$/.test(s.slice(name.end, nextAccepted.start)) && name.mode !== 'prefixed';
      const before = s.slice(Math.max(0, name.start - window), name.start);
      const clause = before.slice(afterLastBreak(before, CLAUSE_BREAK));
      const rightBefore = rightBeforeRe.test(clause);
      afterRe.lastIndex = name.end;
      const after = afterRe.test(s);
      const handleBefore = handleBeforeRe.exec(clause);
      let accepted: boolean;
      switch (name.mode) {
        case 'standalone':
          accepted = true;
          break;
        case 'prefixed':
          accepted = addBeforeRe.test(before);
          break;
        case 'word':
          accepted = wordBeforeRe.test(clause) || handle !== null || channelBefore || chained;
          break;
        case 'alias':
          accepted = rightBefore || after || handle !== null || handleBefore !== null || channelBefore || chained;
          break;
        default: {
          const endBefore = lastBetween(phraseEnds, name.start - window, name.start);
          const startAfter = firstBetween(phraseStarts, name.end, name.end + window);
          const phraseNear =
            (endBefore >= 0 && !hasBreak(s.slice(phraseEnds[endBefore] as number, name.start), CLAUSE_BREAK)) ||
            (startAfter >= 0 && !hasBreak(s.slice(name.end, phraseStarts[startAfter] as number), CLAUSE_BREAK));
          accepted = rightBefore || beforeRe.test(clause) || after || handle !== null || handleBefore !== null || phraseNear || channelBefore || chained;
        }
      }
      if (!accepted) {
        nextAccepted = null;
        continue;
      }
      const end = handle && !handle.channel ? handle.end : name.end;
      // "@cheapshop on Telegram": the handle before the name belongs to the hit.
      const start = handleBefore && handle === null && !rightBefore && name.mode !== 'standalone' ? name.start - clause.length + handleBefore.index : name.start;
      decided.push({ kind: 'messenger', rule, start, end });
      nextAccepted = name;
    }
    return decided.reverse();
  }

  function findLinks(s: string): Candidate[] {
    const hits: Candidate[] = [];
    for (const match of s.matchAll(linkRe)) {
      const group = match.findIndex((value, index) => index > 0 && value !== undefined);
      const messenger = rules.messengers[(linkHosts[group - 1] as { messenger: number }).messenger] as MessengerRule;
      const link = match[0].replace(/[.,;:!?'")\]]+$/, '');
      hits.push({ kind: 'messenger', rule: `messenger.${messenger.id}.link`, start: match.index, end: match.index + link.length });
    }
    return hits;
  }

  function tokenise(s: string, start: number, end: number, allowSpace: boolean): Chain {
    const chain: Chain = { labels: [], labelSpans: [], seps: [] };
    let at = start;
    while (at < end) {
      labelRe.lastIndex = at;
      const labelMatch = labelRe.exec(s);
      if (!labelMatch || labelRe.lastIndex > end) break;
      chain.labels.push(labelMatch[0]);
      chain.labelSpans.push({ start: at, end: labelRe.lastIndex });
      at = labelRe.lastIndex;
      if (at >= end) break;
      sepTokenRe.lastIndex = at;
      const sep = sepTokenRe.exec(s);
      if (!sep) break;
      const kindIndex = sep.findIndex((value, index) => index > 0 && value !== undefined);
      const kind: SeparatorKind = kindIndex <= dotKinds.length ? (dotKinds[kindIndex - 1] as [SeparatorKind, string])[0] : 'space';
      if (kind === 'space' && !allowSpace) break;
      chain.seps.push(kind);
      at = sepTokenRe.lastIndex;
    }
    return chain;
  }

  /** Whether labels[k] is a domain ending given how the chain was written; see domains in the data. */
  function validEnding(chain: Chain, k: number, context: { www: boolean; email: boolean; path: boolean; titleBreak: boolean }): boolean {
    const raw = chain.labels[k] as string;
    const used = chain.seps.slice(0, k);
    const disguised = used.some((sep) => sep !== 'dot');
    const spoken = used.includes('spoken') || used.includes('space');
    let tld = raw;
    const mapped = spokenWords.get(raw);
    if (mapped !== undefined) {
      if (!disguised) return false;
      tld = mapped;
    }
    if (!/^(?:[a-z]{2,24}|[а-я]{2,24})$/.test(tld)) return false;
    const compound = k >= 2 && secondLevel.has(chain.labels[k - 1] as string) && tld.length === 2 && /^[a-z]+$/.test(tld);
    const name = (compound ? chain.labels[k - 2] : chain.labels[k - 1]) as string;
    if (name === undefined || name === 'www' || (name.length < 2 && !context.www && !context.email)) return false;
    if (notDomains.has(`${chain.labels[k - 1]}.${tld}`)) return false;
    if (context.email) return disguised ? bare.has(tld) || weak.has(tld) || compound || spokenTlds.has(tld) : true;
    if (spoken && !context.www) return spokenTlds.has(tld);
    if (context.www) return disguised ? bare.has(tld) || weak.has(tld) || compound : true;
    if (disguised) return bare.has(tld) || compound;
    if (context.titleBreak) return false;
    return bare.has(tld) || compound || (weak.has(tld) && context.path);
  }

  /** "cotton.Net weight", "Co.Ltd": a Title-case word straight after a lower-case one and a dot. */
  function titleBreak(original: string, folded: Folded, chain: Chain, k: number): boolean {
    const sep = chain.seps[k - 1];
    if (sep !== 'dot' && sep !== 'spaced') return false;
    const tld = chain.labelSpans[k] as Span;
    const prev = chain.labelSpans[k - 1] as Span;
    const first = original.slice(folded.from[tld.start], folded.to[tld.start]);
    const second = tld.end - tld.start > 1 ? original.slice(folded.from[tld.start + 1], folded.to[tld.start + 1]) : '';
    const last = original.slice(folded.from[prev.end - 1], folded.to[prev.end - 1]);
    return /^\p{Lu}/u.test(first) && /^\p{Ll}/u.test(second) && /^\p{Ll}/u.test(last);
  }

  function pathEnd(s: string, at: number): number {
    pathRe.lastIndex = at;
    const match = pathRe.exec(s);
    if (!match || match[0] === '') return at;
    return at + match[0].replace(/[.,;:!?'")\]]+$/, '').length;
  }

  function endBoundary(s: string, at: number): boolean {
    return !/[a-z0-9а-я-]/u.test(s[at] ?? '');
  }

  function findUrls(s: string, original: string, folded: Folded): Candidate[] {
    const hits: Candidate[] = [];
    for (const match of s.matchAll(schemeRe)) {
      const host = (match[1] as string).replace(/[.,;:!?'"]+$/, '');
      if (!/\.(?:[a-z]{2,24}|[а-я]{2,24}|xn--[a-z0-9-]+)$/u.test(host)) continue;
      const hostEnd = match.index + match[0].length - (match[1] as string).length + host.length;
      hits.push({ kind: 'url', rule: 'url.scheme', start: match.index, end: pathEnd(s, hostEnd) });
    }

    for (const match of s.matchAll(wwwRe)) {
      const www = /^w ?w ?w/.exec(match[0]) as RegExpExecArray;
      sepTokenRe.lastIndex = match.index + www[0].length;
      const firstSep = sepTokenRe.exec(s) as RegExpExecArray;
      const firstKind = firstSep.findIndex((value, index) => index > 0 && value !== undefined);
      const chain = tokenise(s, sepTokenRe.lastIndex, match.index + match[0].length, true);
      chain.labels.unshift('www');
      chain.labelSpans.unshift({ start: match.index, end: match.index + www[0].length });
      chain.seps.unshift(firstKind <= dotKinds.length ? (dotKinds[firstKind - 1] as [SeparatorKind, string])[0] : 'space');
      let chosen = -1;
      const spaced = chain.seps.includes('space');
      for (let k = 2; k < chain.labels.length; k += 1) {
        const tldEnd = (chain.labelSpans[k] as Span).end;
        if (!endBoundary(s, tldEnd) && k === chain.labels.length - 1) continue;
        const ok = spaced
          ? bare.has(spokenWords.get(chain.labels[k] as string) ?? (chain.labels[k] as string)) || weak.has(chain.labels[k] as string)
          : validEnding(chain, k, { www: true, email: false, path: false, titleBreak: false });
        if (ok) {
          chosen = k;
          if (spaced) break;
        }
      }
      if (chosen < 0) continue;
      const span = { start: match.index, end: pathEnd(s, (chain.labelSpans[chosen] as Span).end) };
      if (hits.some((hit) => overlaps(hit, span))) continue;
      hits.push({ kind: 'url', rule: 'url.www', ...span });
    }

    chainRe.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = chainRe.exec(s)) !== null) {
      const chain = tokenise(s, match.index, match.index + match[0].length, false);
      let chosen = -1;
      for (let k = chain.labels.length - 1; k >= 1; k -= 1) {
        const tldEnd = (chain.labelSpans[k] as Span).end;
        if (!endBoundary(s, tldEnd) && !/[\p{Script=Han}\p{Script=Hangul}]/u.test(chain.labels[k] as string)) continue;
        const path = s[tldEnd] === '/';
        if (validEnding(chain, k, { www: false, email: false, path, titleBreak: titleBreak(original, folded, chain, k) })) {
          chosen = k;
          break;
        }
      }
      if (chosen < 0) {
        // No ending fits from this start; the search resumes at the next word.
        chainRe.lastIndex = chain.labelSpans[0]?.end ?? match.index + 1;
        continue;
      }
      const tldSpan = chain.labelSpans[chosen] as Span;
      const span = { start: match.index, end: pathEnd(s, tldSpan.end) };
      chainRe.lastIndex = span.end;
      if (hits.some((hit) => overlaps(hit, span))) continue;
      const disguised = chain.seps.slice(0, chosen).some((sep) => sep !== 'dot') || folded.disguised.subarray(span.start, span.end).includes(1);
      hits.push({ kind: 'url', rule: disguised ? 'url.domain.disguised' : 'url.domain', ...span });
    }
    return hits;
  }

  function findEmails(s: string): Candidate[] {
    const hits: Candidate[] = [];
    emailRe.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = emailRe.exec(s)) !== null) {
      const atKind = [2, 3, 4, 5].findIndex((group) => match?.[group] !== undefined);
      const atText = (match[2] ?? match[3] ?? match[4] ?? match[5] ?? '').trim();
      const domainStart = match.index + match[0].length - (match[6] as string).length;
      const chain = tokenise(s, domainStart, match.index + match[0].length, false);
      // A plain English "at" is an ordinary word: "available at example.com" is a domain.
      const plainAt = atKind === 2 && /^[\s_-]*at[\s_-]*$/.test(atText);
      const before = s.slice(Math.max(0, match.index - 30), match.index);
      if (plainAt && !providers.has(chain.labels[0] as string) && !emailCueRe.test(before.slice(afterLastBreak(before, SENTENCE_BREAK)))) {
        emailRe.lastIndex = match.index + 1;
        continue;
      }
      let chosen = -1;
      for (let k = chain.labels.length - 1; k >= 1; k -= 1) {
        if (!endBoundary(s, (chain.labelSpans[k] as Span).end)) continue;
        if (validEnding(chain, k, { www: false, email: true, path: false, titleBreak: false })) {
          chosen = k;
          break;
        }
      }
      if (chosen < 0 && atKind !== 2 && providers.has(chain.labels[0] as string) && endBoundary(s, (chain.labelSpans[0] as Span).end)) chosen = 0;
      if (chosen < 0) {
        emailRe.lastIndex = match.index + 1;
        continue;
      }
      const end = (chain.labelSpans[chosen] as Span).end;
      emailRe.lastIndex = end;
      const disguised = atKind !== 0 || atText !== '@' || chain.seps.slice(0, chosen).some((sep) => sep !== 'dot');
      hits.push({ kind: 'email', rule: disguised ? 'email.disguised' : 'email.address', start: match.index, end });
    }
    return hits;
  }

  /* --- phones -------------------------------------------------------------------------------- */

  function attachedLetters(s: string, at: number, direction: -1 | 1): string | null {
    const letter = /[\p{Script=Latin}\p{Script=Cyrillic}]/u;
    let i = direction === -1 ? at - 1 : at;
    if (s[i] === '-' && letter.test(s[i + direction] ?? '')) i += direction;
    if (!letter.test(s[i] ?? '')) return null;
    let word = '';
    while (letter.test(s[i] ?? '')) {
      word = direction === -1 ? s[i] + word : word + s[i];
      i += direction;
    }
    return word;
  }

  function segmentHangul(word: string): string | null {
    let digits = '';
    let at = 0;
    outer: while (at < word.length) {
      for (const candidate of hangulWords) {
        if (word.startsWith(candidate, at)) {
          digits += String(digitOf.get(candidate));
          at += candidate.length;
          continue outer;
        }
      }
      return null;
    }
    return digits;
  }

  function findPieces(s: string): (Piece | null)[] {
    // null marks a barrier: digits glued to letters, which end any run.
    const pieces: (Piece | null)[] = [];
    for (const match of s.matchAll(pieceRe)) {
      const start = match.index;
      const end = start + match[0].length;
      if (match[1] !== undefined) {
        const left = attachedLetters(s, start, -1);
        const right = attachedLetters(s, end, 1);
        if ((left !== null && !attachable.has(left)) || (right !== null && !attachable.has(right))) {
          pieces.push(null);
          continue;
        }
        pieces.push({ start, end, digits: match[1], word: false, hangul: false });
      } else if (match[2] !== undefined) {
        pieces.push({ start, end, digits: String(digitOf.get(match[2])), word: true, hangul: false });
      } else if (match[3] !== undefined) {
        pieces.push({ start, end, digits: [...match[3]].map((c) => String(digitOf.get(c))).join(''), word: true, hangul: false });
      } else if (match[4] !== undefined) {
        const digits = segmentHangul(match[4]);
        pieces.push(digits === null ? null : { start, end, digits, word: true, hangul: true });
      }
    }
    return pieces;
  }

  function joins(s: string, a: Piece, b: Piece): boolean {
    const between = s.slice(a.end, b.start);
    if (between.length > 4) return false;
    return a.word || b.word ? /^[ \-.,()、，]*$/.test(between) : /^[ \-.()[\]]*$/.test(between);
  }

  function findPhones(s: string, phoneCues: readonly Span[]): Candidate[] {
    const hits: Candidate[] = [];
    const runs: Piece[][] = [];
    let current: Piece[] = [];
    for (const piece of findPieces(s)) {
      const last = current[current.length - 1];
      if (piece === null || (last && !joins(s, last, piece))) {
        if (current.length) runs.push(current);
        current = piece === null ? [] : [piece];
      } else {
        current.push(piece);
      }
    }
    if (current.length) runs.push(current);

    const cueEnds = phoneCues.map((c) => c.end).sort((x, y) => x - y);
    const cueStarts = phoneCues.map((c) => c.start).sort((x, y) => x - y);
    for (const run of runs) {
      for (const part of splitDecimals(s, run)) {
        const hit = judgeRun(s, trimEdges(part), cueEnds, cueStarts);
        if (hit) hits.push(hit);
      }
    }
    return hits;
  }

  /** "12.99 13.99": a dot among other separators is a decimal point; those numbers are not digits of a phone. */
  function splitDecimals(s: string, run: Piece[]): Piece[][] {
    const joiners = run.slice(1).map((piece, i) => s.slice((run[i] as Piece).end, piece.start));
    const dotted = joiners.map((j) => j.includes('.'));
    if (!dotted.includes(true)) return [run];
    const significant = dotted.slice(s[(run[0] as Piece).start - 1] === '+' ? 1 : 0);
    if (significant.every(Boolean)) return [run];
    const parts: Piece[][] = [];
    let part: Piece[] = [];
    run.forEach((piece, i) => {
      const afterDot = i > 0 && dotted[i - 1];
      const beforeDot = i < dotted.length && dotted[i];
      if (afterDot || beforeDot) {
        if (part.length) parts.push(part);
        part = [];
      } else {
        part.push(piece);
      }
    });
    if (part.length) parts.push(part);
    return parts;
  }

  /** A lone number word at either end is an article ("un", "um", "一"), not a digit. */
  function trimEdges(run: Piece[]): Piece[] {
    let out = run;
    if (out.length > 1 && (out[0] as Piece).word && !(out[1] as Piece).word) out = out.slice(1);
    if (out.length > 1 && (out[out.length - 1] as Piece).word && !(out[out.length - 2] as Piece).word) out = out.slice(0, -1);
    return out;
  }

  function judgeRun(s: string, run: Piece[], cueEnds: readonly number[], cueStarts: readonly number[]): Candidate | null {
    if (run.length === 0) return null;
    // Korean digit syllables make ordinary words (오이, 이사, 사이); only a long one is a number.
    const hangul = run.filter((p) => p.hangul);
    if (hangul.length > 0 && !hangul.some((p) => p.digits.length >= 3)) run = run.filter((p) => !p.hangul);
    if (run.length === 0) return null;

    const first = run[0] as Piece;
    const last = run[run.length - 1] as Piece;
    const digits = run.map((p) => p.digits).join('');
    if (digits.length < ph.minDigits || digits.length > ph.maxDigits) return null;

    const groups: string[] = [];
    const groupSpans: Span[] = [];
    run.forEach((piece, i) => {
      if (i > 0 && (run[i - 1] as Piece).end === piece.start) {
        groups[groups.length - 1] += piece.digits;
        (groupSpans[groupSpans.length - 1] as Span).end = piece.end;
      } else {
        groups.push(piece.digits);
        groupSpans.push({ start: piece.start, end: piece.end });
      }
    });
    const joiners = run.slice(1).map((piece, i) => s.slice((run[i] as Piece).end, piece.start));

    const prefix = /(?:\(\s?)?\+\s?$/u.exec(s.slice(Math.max(0, first.start - 4), first.start));
    const plus = prefix !== null;
    let start = plus ? first.start - prefix[0].length : first.start;
    if (!plus && s[start - 1] === '(' && s[first.end] === ')') start -= 1;
    const end = last.end;
    const words = run.some((p) => p.word);

    if (!plus) {
      if (labelsBeforeRe.test(s.slice(Math.max(0, start - 32), start))) return null;
      unitsAfterRe.lastIndex = end;
      if (unitsAfterRe.test(s)) return null;
      if (looksLikeDate(groups) || looksLikeList(groups) || looksLikeCounting(digits)) return null;
      if (groups.length === 4 && joiners.every((j) => j === '.') && groups.every((g) => Number(g) <= 255)) return null;
    }

    const cueBefore = lastBetween(cueEnds, start - ph.cueWindow, start);
    const cueAfter = firstBetween(cueStarts, end, end + 16);
    const cue =
      (cueBefore >= 0 && !hasBreak(s.slice(cueEnds[cueBefore] as number, start), SENTENCE_BREAK)) ||
      (cueAfter >= 0 && !hasBreak(s.slice(end, cueStarts[cueAfter] as number), SENTENCE_BREAK));
    const international = (plus && digits.length >= 8) || (/^00[1-9]/.test(digits) && digits.length >= 10 && (groups.length > 1 || digits.length >= 12));
    const nationalShape = national.some((p) => p.re.test(digits) && (p.unseparated || groups.length > 1));
    const areaCode = digits.length >= 8 && groupSpans.some((g) => s[g.start - 1] === '(' && s[g.end] === ')' && g.end - g.start >= 2 && g.end - g.start <= 5);
    const grouped = groups.length >= 3 && digits.length >= 9 && groups.every((g) => g.length <= 5) && groups.filter((g) => g.length === 1).length <= 1;
    // EAN/UPC/GTIN codes are written in one block (or EAN-13's printed 1-6-6) and carry a check digit.
    const gtin = (groups.length === 1 || groups.map((g) => g.length).join() === '1,6,6') && [8, 12, 13, 14].includes(digits.length) && gtinValid(digits);

    const hit = (rule: string): Candidate => ({ kind: 'phone', rule, start, end });
    if (international) return hit('phone.international');
    if (words) return hit('phone.words');
    if (nationalShape) return hit('phone.national');
    if (gtin && !cue) return null;
    if (areaCode || grouped) return hit('phone.grouped');
    return cue ? hit('phone.with_cue') : null;
  }

  return {
    version: rules.version,
    scan(fields: readonly TextField[]): DiversionHit[] {
      const hits: DiversionHit[] = [];
      for (const field of fields) scanField(field, hits);
      return hits;
    },
  };
}

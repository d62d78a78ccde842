/**
 * Sanctions screening of sellers: the contract every screener meets, and the name normalisation
 * they share. A screener returns hits; turning a hit into a case for an operator happens elsewhere,
 * so a screener never decides on its own that a seller is sanctioned.
 */

export type SubjectKind = 'entity' | 'person';

export interface ScreeningSubject {
  /** Which of the seller's names this is, e.g. 'company' or 'legal_representative'. */
  ref: string;
  name: string;
  kind: SubjectKind;
}

export interface ScreeningHit {
  subjectRef: string;
  subjectName: string;
  entryId: string;
  /** The entry's primary name, so an operator sees who was hit even when an alias matched. */
  entryName: string;
  /** The list name (primary or alias) that matched. */
  matchedName: string;
  program: string;
  /** 0..1; 1 means the normalised names are the same. */
  score: number;
}

export interface SanctionsScreener {
  readonly name: string;
  /** Identifies the list data screened against, so a decision can be traced to the list it used. */
  readonly listVersion: string;
  screen(subjects: readonly ScreeningSubject[]): Promise<ScreeningHit[]>;
}

/**
 * Legal-form words, dropped so that "Example Trading Co., Ltd." and "EXAMPLE TRADING LIMITED" meet.
 * The English forms are what Chinese, Hong Kong and Singapore sellers register under; the Russian
 * and Gulf free-zone forms are frequent on the SDN list; the European ones cover both sides.
 * "the", "of" and "and" go too, because "&" already becomes a space and "A & B" must equal "A and B".
 *
 * Kept on purpose:
 * - "group", "holding", "holdings" (and 集团): they are not legal forms but positions in a corporate
 *   structure. "Alpha Holdings" and "Alpha Trading" are different legal persons, and reducing
 *   "Alpha Group" to the single token "alpha" would make it collide with every seller whose name
 *   starts that way. The fuzzy screener scores the partial overlap, which is where such near
 *   misses belong, rather than here as exact hits.
 * - "as", "ab", "de": legal forms or particles in some languages but ordinary words in others.
 * - "trading", "international", "industrial": descriptive, and part of how lists tell entries apart.
 */
const ENTITY_STOP_WORDS: ReadonlySet<string> = new Set([
  // English and common-law forms
  'co', 'company', 'ltd', 'limited', 'inc', 'incorporated', 'llc', 'llp', 'lp', 'corp', 'corporation',
  'plc', 'pte', 'pty', 'pvt', 'sdn', 'bhd',
  // Continental European forms
  'gmbh', 'ag', 'kg', 'ug', 'sa', 'sas', 'sarl', 'srl', 'spa', 'bv', 'nv',
  // Russian and CIS forms, as transliterated on the lists
  'jsc', 'ojsc', 'cjsc', 'pjsc', 'ooo', 'zao', 'oao', 'pao', 'ao',
  // Gulf free-zone forms
  'fze', 'fzc', 'fzco', 'fzllc',
  'the', 'of', 'and',
]);

/**
 * Chinese company-form suffixes, longest first so the whole suffix goes rather than its tail.
 * Han names carry no spaces, so these are cut from the end of a token instead of matched as words.
 * 公司 alone goes too, for the same reason "company" does.
 */
const HAN_ENTITY_SUFFIXES: readonly string[] = [
  '股份有限公司',
  '有限责任公司',
  '有限責任公司',
  '有限公司',
  '公司',
];

/**
 * Letters that Unicode does not decompose into a base letter and a mark, so stripping marks leaves
 * them alone. Lists are written in ASCII ("LUKASZ", "STRASSE"), so without this a seller who types
 * their name correctly would never meet the list's spelling of it.
 */
const LETTER_FOLDS: ReadonlyMap<string, string> = new Map([
  ['ß', 'ss'],
  ['æ', 'ae'],
  ['œ', 'oe'],
  ['ø', 'o'],
  ['ł', 'l'],
  ['đ', 'd'],
  ['ð', 'd'],
  ['þ', 'th'],
  ['ħ', 'h'],
  ['ı', 'i'],
]);
const LETTER_FOLD_PATTERN = new RegExp(`[${[...LETTER_FOLDS.keys()].join('')}]`, 'gu');

/**
 * Kana voicing marks (゛゜ as combining characters) turn か into が: they make a different syllable
 * rather than accenting one, so they survive the mark stripping.
 */
const STRIPPABLE_MARK = /(?![\u3099\u309A])\p{M}/gu;

/** "S.A.", "L.L.C", "J.S.C." → "SA", "LLC", "JSC", so dotted legal forms reach the stop-word list. */
const DOTTED_ACRONYM = /(?<![\p{L}\p{N}])\p{L}(?:\.\p{L})+\.?(?![\p{L}\p{N}])/gu;

const NOT_LETTER_OR_DIGIT = /[^\p{L}\p{N}]+/gu;

function foldCharacters(name: string): string {
  // NFKC first turns compatibility forms (full-width "（", ligatures, circled digits) into plain
  // ones; NFKD then splits accented letters so the accents can go; NFC puts back together what
  // NFKD split without a mark being removed, such as Hangul syllables.
  return name
    .normalize('NFKC')
    .normalize('NFKD')
    .replace(STRIPPABLE_MARK, '')
    .normalize('NFC')
    .toLowerCase()
    .replace(LETTER_FOLD_PATTERN, (letter) => LETTER_FOLDS.get(letter) ?? letter);
}

/**
 * Lists write individuals as "SURNAME, Given Names". With more than one comma it is no longer clear
 * which part is the surname ("SMITH, John, Jr."), so the order is left as written.
 */
function reorderSurnameFirst(name: string): string {
  const parts = name.split(',');
  if (parts.length !== 2) return name;
  const surname = (parts[0] ?? '').trim();
  const given = (parts[1] ?? '').trim();
  if (surname === '' || given === '') return `${surname} ${given}`;
  return `${given} ${surname}`;
}

function stripHanSuffix(token: string): string {
  for (const suffix of HAN_ENTITY_SUFFIXES) {
    if (token.endsWith(suffix)) return token.slice(0, -suffix.length);
  }
  return token;
}

function dropEntityStopWords(tokens: string[]): string[] {
  const kept = tokens
    .filter((token) => !ENTITY_STOP_WORDS.has(token))
    .map(stripHanSuffix)
    .filter((token) => token !== '');
  // A name made only of legal-form words ("The Company Ltd") would otherwise normalise to nothing,
  // and an empty name can neither be told apart from other empty names nor be screened at all.
  return kept.length > 0 ? kept : tokens;
}

export function nameTokens(name: string, kind: SubjectKind): string[] {
  let folded = foldCharacters(name);
  if (kind === 'person') {
    folded = reorderSurnameFirst(folded);
  } else {
    // Only entities: for people, "J.R. Smith" and "J. R. Smith" are both initials and must stay
    // separate tokens, while for companies the dotted form is an abbreviation written as one word.
    folded = folded.replace(DOTTED_ACRONYM, (acronym) => acronym.replaceAll('.', ''));
  }
  const tokens = folded.split(NOT_LETTER_OR_DIGIT).filter((token) => token !== '');
  return kind === 'entity' ? dropEntityStopWords(tokens) : tokens;
}

export function normalizeName(name: string, kind: SubjectKind): string {
  return nameTokens(name, kind).join(' ');
}

/**
 * The prohibited and restricted items list, and the matcher that checks listing text against it.
 *
 * The list is data (`data/compliance/prohibited-items.json`) so that operators can change it
 * without a release; every decision made from it records the list version. The matcher runs on
 * every product save, over every text field in every language, so it is compiled once and a scan
 * costs time proportional to the text, not to the number of keywords.
 *
 * How text meets keywords:
 *
 * 1. Folding. Text and keywords are folded character by character the same way: compatibility
 *    forms undone as NFKC does (full-width letters, ligatures, circled digits), lower case,
 *    combining marks removed (Latin accents, Arabic harakat, the Cyrillic breve so й meets и),
 *    letters without a decomposition mapped (ß → ss, Arabic ى → ي and ة → ه, hamza carriers to
 *    their base), Traditional Chinese characters that occur in the list mapped to Simplified, and
 *    invisible characters (zero-width spaces and joiners, soft hyphens, bidi marks, tatweel)
 *    dropped without leaving a gap. Everything else that is not a letter or digit is a separator.
 *    What remains is a "skeleton" of letters and digits that records, for each character, where
 *    it came from in the original text (so a hit reports the seller's own words) and whether a
 *    word break came before it.
 *
 * 2. Boundaries. Chinese keywords, and Korean ones of three syllables or more, match inside
 *    longer words: Chinese puts no spaces between words, and Korean writes compounds solid or
 *    apart as it likes. A Chinese keyword is not joined across a space it does not have itself.
 *    Other keywords must start at the start of a word and end at its end, or at the end of an
 *    inflectional ending allowed for the keyword's language, so "gun" is not found in "begun".
 *    A keyword's words may be written apart, hyphenated or solid ("hand gun", "hand-gun",
 *    "handgun" all meet the keyword "hand gun"), and one word may be spelt out letter by letter
 *    ("h a n d g u n", "h.a.n.d.g.u.n"). Other splits are not accepted: "hero in" is two words,
 *    not "heroin" in disguise.
 *
 * 3. Inflections, per keyword language, by stem and ending rather than a dictionary: English,
 *    Spanish, Portuguese and French plurals (-s, -es, -x, y → ies, f/fe → ves, z → ces, ão → ões,
 *    l → is, al → aux) and Romance gender on words after the first; Russian by cutting the
 *    nominative ending off and accepting any of the case endings; Arabic by accepting the
 *    proclitics (ال، و، ب، ل، ف، ك) before a word and the sound plural and feminine endings
 *    after it; Korean by accepting a particle (을, 를, 이, 은, 의, 들 …) after a short keyword.
 *    Irregular forms (broken Arabic plurals, "faux"/"fausse") are listed as keywords.
 *
 * 4. Languages mix. Every keyword is looked for in every field, whatever the field's language,
 *    because sellers write English model names into Russian titles and the reverse.
 *
 * 5. Exclusions. A keyword hit that lies inside an occurrence of one of the same item's
 *    exclusion phrases ("glue gun", "water pistol", "大麻袋") does not count.
 *
 * Not handled, on purpose: letters repeated to dodge a filter ("gunnn"), digits for letters
 * ("h4ndgun"), and look-alike letters from another script inside a word (a Cyrillic "о" in
 * "pistоl" makes a word break, so the word is not found). Folding any of them would cost false
 * positives on ordinary text.
 *
 * Only the first word of each keyword (with the next ones when it is very short) goes into an
 * Aho–Corasick automaton; a candidate found there is then checked against the whole keyword
 * where it stands, which is a handful of comparisons. The automaton is written here rather than
 * taken from npm: the packages there search JavaScript strings and report the matched string,
 * while this one runs over the folded skeleton and must report pattern numbers and skeleton
 * positions, and a trie with failure links is short enough to own.
 */
import { readFileSync } from 'node:fs';

export type ProhibitedAction = 'prohibit' | 'restrict';

export interface ProhibitedItem {
  id: string;
  categoryCode: string;
  names: Record<string, string>;
  keywords: Record<string, string[]>;
  exclusions: Record<string, string[]>;
  /** HS code prefixes of 4–6 digits; a product classified under one of them matches the item. */
  hsCodes: string[];
  /**
   * Where the entry applies: "*" for everywhere, a market code ("SA") or a group ("EU"); a code
   * with "!" in front ("!SA") takes that market or group out again (see `appliesIn`).
   */
  jurisdictions: string[];
  action: ProhibitedAction;
  /** For restricted items: the licence or pre-approval that lifts the restriction. */
  licence?: string;
}

export interface ProhibitedList {
  version: string;
  published: string;
  languages: string[];
  categories: { code: string; names: Record<string, string> }[];
  items: ProhibitedItem[];
}

export interface TextField {
  /** Where the text comes from, e.g. "/titles/es"; hits name it. */
  path: string;
  text: string;
}

export interface ProhibitedHit {
  itemId: string;
  categoryCode: string;
  action: ProhibitedAction;
  /** The field path, or "hsCode" for a hit on the product's HS code. */
  field: string;
  /** The text as the seller wrote it (or the HS code as given). */
  matched: string;
  /** The list's keyword (or HS prefix) that matched. */
  keyword: string;
  /** The language of the keyword; "hs" for an HS code hit. */
  language: string;
  jurisdictions: string[];
  licence?: string;
}

export interface ProhibitedMatcher {
  readonly version: string;
  scan(fields: readonly TextField[], hsCode?: string): ProhibitedHit[];
}

export class ProhibitedListError extends Error {
  override name = 'ProhibitedListError';
}

/* ------------------------------------------------------------------------------------------------
 * Folding
 * --------------------------------------------------------------------------------------------- */

const enum Script {
  Separator = 0,
  Digit = 1,
  Latin = 2,
  Cyrillic = 3,
  Arabic = 4,
  /** Han, kana and bopomofo: written without spaces, matched as substrings. */
  Han = 5,
  Hangul = 6,
  OtherLetter = 7,
}

/**
 * Letters that NFKD leaves whole, so stripping marks does not reach them. The Arabic ones are the
 * spelling variants that sellers (and keyboards) use interchangeably: alef maqsura for final yaa,
 * taa marbuta for haa, the Persian yeh and keheh, alef wasla.
 */
const LETTER_FOLDS: ReadonlyMap<string, string> = new Map([
  ['ß', 'ss'], ['æ', 'ae'], ['œ', 'oe'], ['ø', 'o'], ['ł', 'l'], ['đ', 'd'], ['ð', 'd'], ['þ', 'th'],
  ['ħ', 'h'], ['ı', 'i'], ['ς', 'σ'],
  ['ى', 'ي'], ['ة', 'ه'], ['ی', 'ي'], ['ک', 'ك'], ['ۀ', 'ه'], ['ٱ', 'ا'],
]);

/**
 * Traditional characters that occur in the list's Chinese keywords, to their Simplified forms:
 * the keywords are written in Simplified, and sellers from Hong Kong and Taiwan write Traditional.
 * Pairs of (traditional, simplified); the mapping only ever goes one way.
 */
const TRADITIONAL_TO_SIMPLIFIED =
  '槍枪彈弹藥药煙烟菸烟電电錢钱幣币證证護护駕驾級级偽伪僞伪賭赌機机爾尔齒齿膽胆龜龟鱷鳄獸兽鳥鸟貓猫' +
  '魚鱼體体竊窃盜盗監监聽听鎖锁開开門门鑰钥駭骇軟软陽阳攝摄頭头裝装劍剑軍军勳勋碼码號号據据賽赛馬马' +
  '賠赔黃黄穢秽極极納纳處处醫医療疗針针劑剂類类鴉鸦嗎吗搖摇興兴奮奋紅红蘭兰蘇苏維维單单鑽钻書书盤盘' +
  '錄录廣广罌罂種种滅灭絕绝動动標标顱颅屍尸髮发發发義义務务訊讯偵侦測测間间諜谍隱隐釣钓網网帳账賬账' +
  '戶户數数庫库殺杀傷伤衛卫擊击氣气雙双節节鋼钢飛飞鏢镖獵猎壓压縮缩噴喷霧雾銬铐視视儀仪準准鏡镜導导' +
  '銨铵鋁铝熱热鎂镁捲卷貨货賣卖買买學学違违無无線线鱗鳞寵宠黨党權权質质鋰锂壺壶紙纸戲戏額额牠它鬥斗' +
  '劇剧殘残麥麦漿浆釀酿韓韩國国際际濫滥黴霉';

const TRADITIONAL: ReadonlyMap<string, string> = (() => {
  const map = new Map<string, string>();
  const pairs = [...TRADITIONAL_TO_SIMPLIFIED];
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    map.set(pairs[i] as string, pairs[i + 1] as string);
  }
  return map;
})();

/**
 * Kana voicing marks make a different syllable rather than accenting one, so they survive the
 * stripping of marks; every other mark goes.
 */
const STRIPPABLE_MARK = /(?![\u3099\u309A])\p{M}/gu;
/**
 * Characters that carry no letter and are dropped without leaving a word break: format
 * characters (zero-width space/joiners, soft hyphen, bidi controls, BOM), combining marks that
 * arrive on their own (variation selectors and the grapheme joiner among them), the Hangul
 * fillers and the Arabic tatweel.
 */
const INVISIBLE = /^(?:[\p{Cf}\p{M}]|[\u115F\u1160\u3164\uFFA0\u0640])$/u;
const LETTER_OR_DIGIT = /^[\p{L}\p{N}]$/u;
const IS_DIGIT = /^\p{N}$/u;
const IS_LATIN = /^\p{Script=Latin}$/u;
const IS_CYRILLIC = /^\p{Script=Cyrillic}$/u;
const IS_ARABIC = /^\p{Script=Arabic}$/u;
const IS_HAN = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Bopomofo}\u30FC]$/u;
const IS_HANGUL = /^\p{Script=Hangul}$/u;

/** A folded character: its code point and script; Separator means a word break. */
interface Folded {
  /** Code points of letters and digits; empty with `separator` false means "drop". */
  cps: number[];
  scripts: Script[];
  separator: boolean;
}

const DROP: Folded = { cps: [], scripts: [], separator: false };
const SEPARATOR: Folded = { cps: [], scripts: [], separator: true };

function scriptOf(char: string): Script {
  if (IS_DIGIT.test(char)) return Script.Digit;
  if (IS_LATIN.test(char)) return Script.Latin;
  if (IS_CYRILLIC.test(char)) return Script.Cyrillic;
  if (IS_ARABIC.test(char)) return Script.Arabic;
  if (IS_HAN.test(char)) return Script.Han;
  if (IS_HANGUL.test(char)) return Script.Hangul;
  return Script.OtherLetter;
}

function foldUncached(cp: number): Folded {
  const char = String.fromCodePoint(cp);
  if (INVISIBLE.test(char)) return DROP;
  // Lower case first: "İ" lowers to "i" plus a combining dot, which the mark stripping removes.
  // NFKD splits accented letters (and undoes compatibility forms); NFC then puts back together
  // what was split without losing a mark, such as Hangul syllables.
  const decomposed = char.toLowerCase().normalize('NFKD').replace(STRIPPABLE_MARK, '').normalize('NFC');
  const cps: number[] = [];
  const scripts: Script[] = [];
  let separator = false;
  for (const part of decomposed) {
    const mapped = TRADITIONAL.get(part) ?? LETTER_FOLDS.get(part) ?? part;
    for (const letter of mapped) {
      if (LETTER_OR_DIGIT.test(letter)) {
        // Arabic-Indic digits are digits like any other.
        const code = letter.codePointAt(0) as number;
        const ascii = code >= 0x660 && code <= 0x669 ? code - 0x660 + 48 : code >= 0x6f0 && code <= 0x6f9 ? code - 0x6f0 + 48 : code;
        cps.push(ascii);
        scripts.push(scriptOf(String.fromCodePoint(ascii)));
      } else if (!INVISIBLE.test(letter)) {
        separator = true;
      }
    }
  }
  if (cps.length === 0) return separator ? SEPARATOR : DROP;
  // A compatibility form that expands to letters and punctuation ("⑴" → "(1)") keeps its letters.
  return { cps, scripts, separator: false };
}

/**
 * Folding a character is slow (three normalisations), and text repeats a small set of
 * characters, so results are kept. The cache is bounded because text can contain any code point.
 */
const FOLD_CACHE = new Map<number, Folded>();
const FOLD_CACHE_LIMIT = 50_000;

function foldCodePoint(cp: number): Folded {
  let folded = FOLD_CACHE.get(cp);
  if (folded === undefined) {
    folded = foldUncached(cp);
    if (FOLD_CACHE.size < FOLD_CACHE_LIMIT) FOLD_CACHE.set(cp, folded);
  }
  return folded;
}

/**
 * The same results for the Basic Multilingual Plane in a flat table, read on every character of
 * every scan: a character that folds to one letter or digit is stored as (code point << 3 | script),
 * and the small values mark the other outcomes.
 */
const BMP_FOLD = new Int32Array(0x10000);
const FOLD_UNKNOWN = 0;
const FOLD_SEPARATOR = 1;
const FOLD_DROP = 2;
const FOLD_SEVERAL = 3;

function packedFold(cp: number): number {
  const folded = foldUncached(cp);
  if (folded.separator) return FOLD_SEPARATOR;
  if (folded.cps.length === 0) return FOLD_DROP;
  if (folded.cps.length > 1) return FOLD_SEVERAL;
  return ((folded.cps[0] as number) << 3) | (folded.scripts[0] as number);
}

/** A folded text: letters and digits only, with their origin and the word breaks between them. */
class Skeleton {
  length = 0;
  cps = new Int32Array(256);
  /** 1 when a word break comes before this character (always for the first one). */
  brk = new Uint8Array(256);
  /** Index of the first character of the word this character belongs to. */
  wordStart = new Int32Array(256);
  /** Where this character came from in the original text, as UTF-16 offsets [from, to). */
  from = new Int32Array(256);
  to = new Int32Array(256);

  #grow(): void {
    const size = this.cps.length * 2;
    const grow32 = (old: Int32Array) => {
      const next = new Int32Array(size);
      next.set(old);
      return next;
    };
    this.cps = grow32(this.cps);
    this.wordStart = grow32(this.wordStart);
    this.from = grow32(this.from);
    this.to = grow32(this.to);
    const brk = new Uint8Array(size);
    brk.set(this.brk);
    this.brk = brk;
  }

  #pendingBreak = true;
  #previousScript = Script.Separator;
  #currentWordStart = 0;

  fill(text: string): void {
    this.length = 0;
    this.#pendingBreak = true;
    this.#previousScript = Script.Separator;
    this.#currentWordStart = 0;
    for (let i = 0; i < text.length; ) {
      const unit = text.charCodeAt(i);
      let cp = unit;
      let width = 1;
      if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
        const low = text.charCodeAt(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          cp = (unit - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
          width = 2;
        }
      }
      if (cp < 0x80) {
        // ASCII is most of the text in most fields, so it skips the tables.
        if (cp >= 0x61 && cp <= 0x7a) this.#append(cp, Script.Latin, i, i + 1);
        else if (cp >= 0x41 && cp <= 0x5a) this.#append(cp + 32, Script.Latin, i, i + 1);
        else if (cp >= 0x30 && cp <= 0x39) this.#append(cp, Script.Digit, i, i + 1);
        else this.#pendingBreak = true;
      } else {
        let packed = cp < 0x10000 ? (BMP_FOLD[cp] as number) : FOLD_SEVERAL;
        if (packed === FOLD_UNKNOWN) {
          packed = packedFold(cp);
          BMP_FOLD[cp] = packed;
        }
        if (packed > FOLD_SEVERAL) this.#append(packed >> 3, (packed & 7) as Script, i, i + width);
        else if (packed === FOLD_SEPARATOR) this.#pendingBreak = true;
        else if (packed === FOLD_SEVERAL) {
          const folded = foldCodePoint(cp);
          if (folded.separator) this.#pendingBreak = true;
          for (let k = 0; k < folded.cps.length; k += 1) this.#append(folded.cps[k] as number, folded.scripts[k] as Script, i, i + width);
        }
      }
      i += width;
    }
  }

  #append(cp: number, script: Script, from: number, to: number): void {
    if (this.length === this.cps.length) this.#grow();
    const at = this.length;
    const previous = this.#previousScript;
    // Two scripts meeting is a word break ("枪gun", "pistolпистолет"); digits join either side,
    // so "ak47" and "c4" stay one word.
    const scriptChange = previous !== script && previous !== Script.Digit && script !== Script.Digit && previous !== Script.Separator;
    if (this.#pendingBreak || scriptChange) {
      this.brk[at] = 1;
      this.#currentWordStart = at;
    } else {
      this.brk[at] = 0;
    }
    this.cps[at] = cp;
    this.wordStart[at] = this.#currentWordStart;
    this.from[at] = from;
    this.to[at] = to;
    this.length = at + 1;
    this.#previousScript = script;
    this.#pendingBreak = false;
  }

  text(from: number, to: number): string {
    let out = '';
    for (let i = from; i < to; i += 1) out += String.fromCodePoint(this.cps[i] as number);
    return out;
  }
}

/** Keywords are folded one at a time, at compile time, into this one. */
const KEYWORD_SKELETON = new Skeleton();

/** Folds a keyword into words of code points, split where the text would have word breaks. */
function foldWords(text: string): { words: number[][]; scripts: Script[] } {
  const skeleton = KEYWORD_SKELETON;
  skeleton.fill(text);
  const words: number[][] = [];
  const scripts: Script[] = [];
  for (let i = 0; i < skeleton.length; i += 1) {
    if (skeleton.brk[i] === 1) words.push([]);
    (words[words.length - 1] as number[]).push(skeleton.cps[i] as number);
    const cp = skeleton.cps[i] as number;
    scripts.push(scriptOf(String.fromCodePoint(cp)));
  }
  return { words, scripts };
}

function foldString(text: string): string {
  return foldWords(text)
    .words.map((word) => String.fromCodePoint(...word))
    .join(' ');
}

/* ------------------------------------------------------------------------------------------------
 * Inflection
 * --------------------------------------------------------------------------------------------- */

interface Segment {
  stem: Int32Array;
  /** Folded endings that may follow the stem before the word ends; "" means none. */
  endings: ReadonlySet<string>;
  maxEnding: number;
}

const folded = (endings: readonly string[]): ReadonlySet<string> => new Set(endings.map((e) => (e === '' ? '' : foldString(e))));

const NONE = folded(['']);
const EN_PLURAL = folded(['', 's', 'es']);
const ES_PT_PLURAL = folded(['', 's', 'es']);
const FR_PLURAL = folded(['', 's', 'x', 'e', 'es']);
const ROMANCE_GENDER = folded(['o', 'a', 'os', 'as']);

/**
 * Russian case and number endings of nouns and adjectives. A keyword word is cut to its stem
 * (the nominative ending removed) and may be followed by any of these; the list is what the
 * declension tables produce, so a stem does not swallow an unrelated longer word.
 */
const RU_ENDINGS = folded([
  '', 'а', 'я', 'о', 'е', 'ь', 'й', 'ы', 'и', 'у', 'ю',
  'ом', 'ем', 'ой', 'ей', 'ою', 'ею', 'ам', 'ям', 'ами', 'ями', 'ах', 'ях', 'ов', 'ев',
  'ый', 'ий', 'ая', 'яя', 'ое', 'ее', 'ые', 'ие', 'ую', 'юю',
  'ого', 'его', 'ому', 'ему', 'ым', 'им', 'ых', 'их', 'ыми', 'ими',
  'ья', 'ье', 'ьи', 'ьев', 'ью', 'ьям', 'ьями', 'ьях', 'ьей',
]);
/**
 * A word that already ends in a hard consonant ("героин", "пистолет") is a masculine noun: it takes
 * the hard endings only, so the stem does not reach into a different word of the soft or feminine
 * declension ("героин" must not find "героиня"). Velar and hushing consonants spell "ы" as "и".
 */
const RU_HARD_ENDINGS = folded(['', 'а', 'у', 'ом', 'е', 'ы', 'ов', 'ам', 'ами', 'ах']);
const RU_VELAR_HUSHING_ENDINGS = folded(['', 'а', 'у', 'ом', 'ем', 'е', 'и', 'ов', 'ей', 'ам', 'ами', 'ах']);
const RU_VELAR_HUSHING = new Set([...'гкхжшчщц'].map((c) => c.codePointAt(0) as number));
const RU_ADJECTIVE_ENDINGS = ['ый', 'ий', 'ой', 'ая', 'яя', 'ое', 'ее', 'ые', 'ие'].map(foldString);
const RU_FINAL_VOWELS = ['а', 'я', 'о', 'е', 'ь', 'й', 'ы', 'и'].map(foldString);

/** Arabic: the definite article and the one-letter conjunctions and prepositions written solid. */
const AR_PROCLITICS = folded(['', 'ال', 'و', 'ف', 'ب', 'ل', 'ك', 'وال', 'فال', 'بال', 'كال', 'لل', 'ولل', 'وب', 'ول', 'وبال']);
const AR_MAX_PROCLITIC = 3;
const AR_ENDINGS = folded(['', 'ات', 'ان', 'ين', 'ون', 'ي', 'ه']);
const AR_FEMININE_ENDINGS = folded(['ة', 'ات', 'تان', 'تين', 'تي']);

/** Korean case particles and the plural 들, written solid after the noun. */
const KO_PARTICLES = folded([
  '', '은', '는', '이', '가', '을', '를', '의', '에', '에서', '으로', '로', '와', '과', '도', '만', '랑', '이랑',
  '까지', '부터', '처럼', '보다', '들', '들을', '들이', '들은', '들의', '입니다', '이에요', '예요',
]);

function segment(stem: readonly number[], endings: ReadonlySet<string>): Segment {
  let maxEnding = 0;
  for (const ending of endings) maxEnding = Math.max(maxEnding, [...ending].length);
  return { stem: Int32Array.from(stem), endings, maxEnding };
}

function endsWith(word: readonly number[], suffix: string): boolean {
  const tail = [...suffix].map((c) => c.codePointAt(0) as number);
  if (tail.length >= word.length) return false;
  return tail.every((cp, i) => word[word.length - tail.length + i] === cp);
}

const cut = (word: readonly number[], n: number) => word.slice(0, word.length - n);
/** Cuts an ending off only when a usable stem remains ("não" stays whole). */
const stemmed = (word: readonly number[], n: number, endings: ReadonlySet<string>): Segment =>
  word.length - n >= 2 ? segment(cut(word, n), endings) : segment(word, NONE);
const isVowel = (cp: number) => 'aeiou'.includes(String.fromCodePoint(cp));

/** How one word of a keyword may be inflected, by the keyword's language and the word's script. */
function inflect(language: string, script: Script, word: readonly number[], position: number): Segment {
  if (word.length < 3 || script === Script.Digit) return segment(word, NONE);
  if (script === Script.Cyrillic) {
    if (word.length >= 5) {
      const adjective = RU_ADJECTIVE_ENDINGS.find((ending) => endsWith(word, ending));
      if (adjective) return stemmed(word, [...adjective].length, RU_ENDINGS);
    }
    if (word.length >= 4 && RU_FINAL_VOWELS.some((ending) => endsWith(word, ending))) return stemmed(word, 1, RU_ENDINGS);
    if (RU_FINAL_VOWELS.some((ending) => endsWith(word, ending))) return segment(word, NONE);
    return segment(word, RU_VELAR_HUSHING.has(word[word.length - 1] as number) ? RU_VELAR_HUSHING_ENDINGS : RU_HARD_ENDINGS);
  }
  if (script === Script.Arabic) {
    if (endsWith(word, 'ه') && word.length >= 4) return stemmed(word, 1, AR_FEMININE_ENDINGS);
    return segment(word, AR_ENDINGS);
  }
  if (script !== Script.Latin) return segment(word, NONE);
  const last = word[word.length - 1] as number;
  const before = word[word.length - 2] as number;
  const lang = ['es', 'pt', 'fr'].includes(language) ? language : 'en';
  if (lang === 'en') {
    if (endsWith(word, 'y') && !isVowel(before)) return stemmed(word, 1, folded(['y', 'ies', 'ys']));
    if (endsWith(word, 'fe')) return stemmed(word, 2, folded(['fe', 'fes', 'ves']));
    if (endsWith(word, 'f') && !endsWith(word, 'ff')) return stemmed(word, 1, folded(['f', 'fs', 'ves']));
    return segment(word, EN_PLURAL);
  }
  // Romance adjectives follow their noun and agree in gender: "pasaporte falso", "cédula falsa".
  if (position > 0 && (endsWith(word, 'o') || endsWith(word, 'a'))) return stemmed(word, 1, ROMANCE_GENDER);
  if (lang === 'es') {
    if (endsWith(word, 'z')) return stemmed(word, 1, folded(['z', 'ces']));
    return segment(word, ES_PT_PLURAL);
  }
  if (lang === 'pt') {
    if (endsWith(word, 'ao')) return stemmed(word, 2, folded(['ao', 'aos', 'oes', 'aes']));
    if (endsWith(word, 'l')) return stemmed(word, 1, folded(['l', 'is', 'les']));
    if (endsWith(word, 'm')) return stemmed(word, 1, folded(['m', 'ns']));
    return segment(word, ES_PT_PLURAL);
  }
  if (endsWith(word, 'al')) return stemmed(word, 2, folded(['al', 'aux', 'als', 'ale', 'ales']));
  if (last === 0x78 /* x */ || last === 0x73 /* s */) return segment(word, folded(['', 'e', 'es']));
  return segment(word, FR_PLURAL);
}

/* ------------------------------------------------------------------------------------------------
 * Compiled keywords
 * --------------------------------------------------------------------------------------------- */

interface Entry {
  item: number;
  exclusion: boolean;
  keyword: string;
  language: string;
  /** Substring entries match anywhere and ignore word breaks (Chinese, long Korean keywords). */
  substring: boolean;
  /** Arabic words may carry a proclitic written solid in front. */
  proclitics: boolean;
  /** Long enough to be recognised when spelt out letter by letter. */
  spellable: boolean;
  /** For substring entries: 1 where the keyword itself starts a word, so a break is allowed there. */
  ownBreaks: Uint8Array;
  segments: Segment[];
}

interface CompiledKeyword {
  /** The automaton's key: the first stem (or first stems, see compileKeyword), or the whole keyword for a substring entry. */
  key: number[];
  entry: Entry;
}

const NO_BREAKS = new Uint8Array(0);

/** Keywords shorter than this (after folding) would hit ordinary words. */
const MIN_KEY_LENGTH = 2;
/** Keys shorter than this are extended with the next word when that is safe (see compileKeyword). */
const PREFERRED_KEY_LENGTH = 4;
/** Shorter keywords spelt out letter by letter look like loose letters in ordinary text. */
const MIN_SPELT_OUT = 4;

function compileKeyword(keyword: string, language: string, item: number, exclusion: boolean): CompiledKeyword | string {
  const { words, scripts } = foldWords(keyword);
  const all = words.flat();
  if (all.length === 0) return 'has no letters or digits';
  const hasHan = scripts.includes(Script.Han);
  const hangulOnly = scripts.every((s) => s === Script.Hangul || s === Script.Digit) && scripts.includes(Script.Hangul);
  // Korean writes compounds solid ("일회용전자담배"), so longer keywords are found inside them;
  // two-syllable ones are common inside unrelated words and keep the word boundary.
  if (hasHan || (hangulOnly && all.length >= 3)) {
    if (all.length < MIN_KEY_LENGTH) return `is too short to match safely ("${keyword}")`;
    // Korean spaces compound nouns either way ("전자담배", "전자 담배"), so a Korean keyword may be
    // split anywhere; a Chinese one only where it is split itself.
    const ownBreaks = new Uint8Array(all.length).fill(hasHan ? 0 : 1);
    let at = 0;
    for (const word of words) {
      if (at > 0) ownBreaks[at] = 1;
      at += word.length;
    }
    return { key: all, entry: { item, exclusion, keyword, language, substring: true, proclitics: false, spellable: false, ownBreaks, segments: [] } };
  }
  let offset = 0;
  const segments = words.map((word, position) => {
    const script = scripts[offset] ?? Script.Latin;
    offset += word.length;
    if (script === Script.Hangul) return segment(word, position === words.length - 1 ? KO_PARTICLES : NONE);
    return inflect(language, script, word, position);
  });
  // The automaton's key is the first word's stem. A short first word that cannot be inflected
  // ("ar-15", "4-mmc", "e-liquide cbd", "إل إس دي") takes the next stems with it, as the skeleton
  // has no separators between them anyway: two-letter keys would otherwise make candidates of
  // half the words in a text. Verification then starts again from the key's start.
  const key: number[] = [];
  for (const seg of segments) {
    key.push(...seg.stem);
    const uninflected = seg.endings.size === 1 && seg.endings.has('');
    if (key.length >= MIN_KEY_LENGTH && (key.length >= PREFERRED_KEY_LENGTH || !uninflected)) break;
    if (!seg.endings.has('')) break;
  }
  if (all.length < MIN_KEY_LENGTH || key.length < MIN_KEY_LENGTH) return `is too short to match safely ("${keyword}")`;
  const proclitics = scripts[0] === Script.Arabic;
  const spellable = all.length >= MIN_SPELT_OUT;
  return { key, entry: { item, exclusion, keyword, language, substring: false, proclitics, spellable, ownBreaks: NO_BREAKS, segments } };
}

/* ------------------------------------------------------------------------------------------------
 * Aho–Corasick automaton over folded code points
 * --------------------------------------------------------------------------------------------- */

class Automaton {
  readonly #children: Map<number, number>[] = [new Map()];
  #fail = new Int32Array(0);
  /** Nearest node on the failure chain (itself included) where a key ends, or -1. */
  #output = new Int32Array(0);
  /** Next node with an output further down the failure chain, or -1. */
  #nextOutput = new Int32Array(0);
  readonly #keysAt: number[][] = [[]];
  /**
   * The root's transitions for the Basic Multilingual Plane as a flat table: most text positions
   * are at or near the root, and an array read is much cheaper there than a Map lookup.
   */
  #rootTable = new Int32Array(0);
  readonly keyLengths: number[] = [];

  add(key: readonly number[]): number {
    let node = 0;
    for (const cp of key) {
      const children = this.#children[node] as Map<number, number>;
      let next = children.get(cp);
      if (next === undefined) {
        next = this.#children.length;
        this.#children.push(new Map());
        this.#keysAt.push([]);
        children.set(cp, next);
      }
      node = next;
    }
    const id = this.keyLengths.length;
    this.keyLengths.push(key.length);
    (this.#keysAt[node] as number[]).push(id);
    return id;
  }

  build(): void {
    this.#rootTable = new Int32Array(0x10000);
    for (const [cp, child] of this.#children[0] as Map<number, number>) if (cp < 0x10000) this.#rootTable[cp] = child;
    const size = this.#children.length;
    this.#fail = new Int32Array(size);
    this.#output = new Int32Array(size).fill(-1);
    this.#nextOutput = new Int32Array(size).fill(-1);
    const queue: number[] = [];
    for (const child of (this.#children[0] as Map<number, number>).values()) queue.push(child);
    for (let head = 0; head < queue.length; head += 1) {
      const node = queue[head] as number;
      const failure = this.#fail[node] as number;
      const own = (this.#keysAt[node] as number[]).length > 0;
      const inherited = this.#output[failure] as number;
      this.#output[node] = own ? node : inherited;
      this.#nextOutput[node] = own ? inherited : -1;
      for (const [cp, child] of this.#children[node] as Map<number, number>) {
        let f = failure;
        let target = (this.#children[f] as Map<number, number>).get(cp);
        while (target === undefined && f !== 0) {
          f = this.#fail[f] as number;
          target = (this.#children[f] as Map<number, number>).get(cp);
        }
        this.#fail[child] = target !== undefined && target !== child ? target : 0;
        queue.push(child);
      }
    }
  }

  /** Calls `found(keyId, end)` for every key occurrence ending before `end` in the skeleton. */
  run(cps: Int32Array, length: number, found: (keyId: number, end: number) => void): void {
    const root = this.#children[0] as Map<number, number>;
    const rootTable = this.#rootTable;
    let node = 0;
    for (let i = 0; i < length; i += 1) {
      const cp = cps[i] as number;
      for (;;) {
        if (node === 0) {
          node = cp < 0x10000 ? (rootTable[cp] as number) : (root.get(cp) ?? 0);
          break;
        }
        const next = (this.#children[node] as Map<number, number>).get(cp);
        if (next !== undefined) {
          node = next;
          break;
        }
        node = this.#fail[node] as number;
      }
      let out = this.#output[node] as number;
      while (out > 0) {
        for (const key of this.#keysAt[out] as number[]) found(key, i + 1);
        out = this.#nextOutput[out] as number;
      }
    }
  }
}

/* ------------------------------------------------------------------------------------------------
 * Verification of a candidate where it stands
 * --------------------------------------------------------------------------------------------- */

/**
 * A word of the keyword is written either solid or one letter per piece, not split elsewhere.
 * Short keywords may not be spelt out: loose letters are common ("USB C 4-pack" is not "c4").
 */
function evenlySpaced(sk: Skeleton, from: number, to: number, spellable: boolean): boolean {
  if (to - from < 2) return true;
  const first = sk.brk[from + 1];
  if (first === 1 && !spellable) return false;
  for (let i = from + 2; i < to; i += 1) if (sk.brk[i] !== first) return false;
  return true;
}

function stemAt(sk: Skeleton, at: number, stem: Int32Array, spellable: boolean): boolean {
  if (at + stem.length > sk.length) return false;
  for (let j = 0; j < stem.length; j += 1) if (sk.cps[at + j] !== stem[j]) return false;
  return evenlySpaced(sk, at, at + stem.length, spellable);
}

/** Where the word containing `at` ends (the next break), looking no further than `limit` ahead. */
function wordEnd(sk: Skeleton, at: number, limit: number): number {
  let end = at;
  while (end < sk.length && sk.brk[end] === 0 && end - at <= limit) end += 1;
  return end;
}

const atBreak = (sk: Skeleton, at: number) => at >= sk.length || sk.brk[at] === 1;

/** Segment `k` of the entry starts at `at`; returns where the keyword ends, or -1. */
function segmentFrom(sk: Skeleton, entry: Entry, k: number, at: number): number {
  const seg = entry.segments[k] as Segment;
  if (entry.proclitics && sk.brk[at] === 1) {
    for (let length = 0; length <= AR_MAX_PROCLITIC; length += 1) {
      if (length > 0 && (at + length >= sk.length || sk.brk[at + length] === 1)) break;
      if (length > 0 && !AR_PROCLITICS.has(sk.text(at, at + length))) continue;
      if (stemAt(sk, at + length, seg.stem, entry.spellable)) {
        const end = afterStem(sk, entry, k, at + length + seg.stem.length);
        if (end >= 0) return end;
      }
    }
    return -1;
  }
  if (!stemAt(sk, at, seg.stem, entry.spellable)) return -1;
  return afterStem(sk, entry, k, at + seg.stem.length);
}

/** The stem of segment `k` ended at `at`: an ending, the next segment, or the end of the keyword. */
function afterStem(sk: Skeleton, entry: Entry, k: number, at: number): number {
  const seg = entry.segments[k] as Segment;
  const last = k === entry.segments.length - 1;
  if (atBreak(sk, at)) {
    if (!seg.endings.has('')) return -1;
    return last ? at : segmentFrom(sk, entry, k + 1, at);
  }
  const end = wordEnd(sk, at, seg.maxEnding);
  if (end - at <= seg.maxEnding && atBreak(sk, end) && seg.endings.has(sk.text(at, end))) {
    const result = last ? end : segmentFrom(sk, entry, k + 1, end);
    if (result >= 0) return result;
  }
  // The keyword's words written solid: "handgun" for "hand gun".
  if (!last && seg.endings.has('')) return segmentFrom(sk, entry, k + 1, at);
  return -1;
}

/**
 * Chinese keywords are found inside longer words, but not across a word break the keyword does
 * not have itself: titles list words separated by spaces ("喷笔枪 模型"), and joining the end of
 * one to the start of the next ("枪模") invents a keyword. Breaks are fine where the keyword has
 * them ("3D打印枪"), anywhere in a Korean keyword, or when every character stands alone ("手 枪").
 */
function substringHolds(sk: Skeleton, entry: Entry, start: number, end: number): boolean {
  let foreign = false;
  let allApart = true;
  for (let i = start + 1; i < end; i += 1) {
    if (sk.brk[i] === 0) allApart = false;
    else if (entry.ownBreaks[i - start] === 0) foreign = true;
  }
  if (!foreign) return true;
  return allApart && sk.brk[start] === 1 && atBreak(sk, end);
}

/** A candidate: the entry's key was found at [start, end). Returns where the match ends, or -1. */
function verify(sk: Skeleton, entry: Entry, start: number, end: number): number {
  if (entry.substring) return substringHolds(sk, entry, start, end) ? end : -1;
  if (sk.brk[start] === 0) {
    if (!entry.proclitics) return -1;
    const wordStart = sk.wordStart[start] as number;
    if (start - wordStart > AR_MAX_PROCLITIC || !AR_PROCLITICS.has(sk.text(wordStart, start))) return -1;
  }
  return segmentFrom(sk, entry, 0, start);
}

/* ------------------------------------------------------------------------------------------------
 * The matcher
 * --------------------------------------------------------------------------------------------- */

interface RawHit {
  entry: Entry;
  order: number;
  start: number;
  end: number;
}

export function compileProhibitedList(list: ProhibitedList): ProhibitedMatcher {
  const automaton = new Automaton();
  const keyEntries: Entry[][] = [];
  const keyIds = new Map<string, number>();
  const entryOrder = new Map<Entry, number>();

  const add = (keyword: string, language: string, item: number, exclusion: boolean, where: string) => {
    const compiled = compileKeyword(keyword, language, item, exclusion);
    if (typeof compiled === 'string') throw new ProhibitedListError(`${where}: ${compiled}`);
    const keyText = String.fromCodePoint(...compiled.key);
    let id = keyIds.get(keyText);
    if (id === undefined) {
      id = automaton.add(compiled.key);
      keyIds.set(keyText, id);
      keyEntries[id] = [];
    }
    entryOrder.set(compiled.entry, entryOrder.size);
    (keyEntries[id] as Entry[]).push(compiled.entry);
  };

  list.items.forEach((item, index) => {
    for (const [language, words] of Object.entries(item.keywords)) {
      words.forEach((keyword, k) => add(keyword, language, index, false, `${item.id}: keywords.${language}[${k}]`));
    }
    for (const [language, words] of Object.entries(item.exclusions)) {
      words.forEach((phrase, k) => add(phrase, language, index, true, `${item.id}: exclusions.${language}[${k}]`));
    }
  });
  automaton.build();

  const hsIndex = new Map<string, number[]>();
  list.items.forEach((item, index) => {
    for (const code of item.hsCodes) hsIndex.set(code, [...(hsIndex.get(code) ?? []), index]);
  });

  const toHit = (index: number, field: string, matched: string, keyword: string, language: string): ProhibitedHit => {
    const item = list.items[index] as ProhibitedItem;
    return {
      itemId: item.id,
      categoryCode: item.categoryCode,
      action: item.action,
      field,
      matched,
      keyword,
      language,
      jurisdictions: [...item.jurisdictions],
      ...(item.licence !== undefined ? { licence: item.licence } : {}),
    };
  };

  // One skeleton reused across scans: scans are synchronous, so nothing else can be using it.
  const sk = new Skeleton();

  function scanField(field: TextField, hits: ProhibitedHit[]): void {
    sk.fill(field.text);
    if (sk.length === 0) return;
    const raw: RawHit[] = [];
    const excluded: RawHit[] = [];
    automaton.run(sk.cps, sk.length, (keyId, end) => {
      const start = end - (automaton.keyLengths[keyId] as number);
      for (const entry of keyEntries[keyId] as Entry[]) {
        const matchEnd = verify(sk, entry, start, end);
        if (matchEnd < 0) continue;
        const hit = { entry, order: entryOrder.get(entry) as number, start, end: matchEnd };
        (entry.exclusion ? excluded : raw).push(hit);
      }
    });
    if (raw.length === 0) return;
    raw.sort((a, b) => a.entry.item - b.entry.item || a.start - b.start || b.end - a.end || a.order - b.order);
    excluded.sort((a, b) => a.entry.item - b.entry.item || a.start - b.start);
    // One sweep per item in order of position: `reach` is the furthest end of the item's exclusion
    // occurrences that start at or before the hit, so a hit ending within it lies inside one.
    let x = 0;
    let reach = -1;
    let currentItem = -1;
    let previous: RawHit | undefined;
    for (const hit of raw) {
      const item = hit.entry.item;
      if (item !== currentItem) {
        currentItem = item;
        reach = -1;
        while (x < excluded.length && (excluded[x] as RawHit).entry.item < item) x += 1;
      }
      while (x < excluded.length && (excluded[x] as RawHit).entry.item === item && (excluded[x] as RawHit).start <= hit.start) {
        reach = Math.max(reach, (excluded[x] as RawHit).end);
        x += 1;
      }
      if (hit.end <= reach) continue;
      // One finding per stretch of text and item: "hand gun" and "gun" on the same words are one.
      if (previous && previous.entry.item === item && hit.end <= previous.end) continue;
      previous = hit;
      const matched = field.text.slice(sk.from[hit.start], sk.to[hit.end - 1]);
      hits.push(toHit(item, field.path, matched, hit.entry.keyword, hit.entry.language));
    }
  }

  return {
    version: list.version,
    scan(fields, hsCode) {
      const hits: ProhibitedHit[] = [];
      for (const field of fields) scanField(field, hits);
      if (hsCode !== undefined) {
        const digits = hsCode.replace(/[^0-9]/g, '');
        const seen = new Set<number>();
        for (let length = Math.min(6, digits.length); length >= 4; length -= 1) {
          const prefix = digits.slice(0, length);
          for (const index of hsIndex.get(prefix) ?? []) {
            if (seen.has(index)) continue;
            seen.add(index);
            hits.push(toHit(index, 'hsCode', hsCode, prefix, 'hs'));
          }
        }
      }
      return hits;
    },
  };
}

/**
 * Whether a hit's entry applies in a market. "*" covers every market, a group covers its members,
 * a market code covers itself, and "!" in front takes the market out. When several entries cover
 * the market the most specific one decides (market over group over "*"), so ["*", "!EU", "SE"]
 * reads "everywhere except the EU, but in Sweden"; between equally specific entries, "!" wins.
 */
export function appliesIn(hit: { jurisdictions: readonly string[] }, market: string, marketGroups: Readonly<Record<string, readonly string[]>>): boolean {
  let decidedAt = -1;
  let applies = false;
  for (const jurisdiction of hit.jurisdictions) {
    const negative = jurisdiction.startsWith('!');
    const code = negative ? jurisdiction.slice(1) : jurisdiction;
    let specificity: number;
    if (code === market) specificity = 2;
    else if (marketGroups[code]?.includes(market)) specificity = 1;
    else if (code === '*') specificity = 0;
    else continue;
    if (specificity > decidedAt || (specificity === decidedAt && negative)) {
      decidedAt = specificity;
      applies = !negative;
    }
  }
  return applies;
}

/* ------------------------------------------------------------------------------------------------
 * Parsing
 * --------------------------------------------------------------------------------------------- */

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const CODE = /^[a-z][a-z0-9_]*$/;
const JURISDICTION = /^(\*|!?[A-Z]{2,3})$/;
const HS_CODE = /^\d{4,6}$/;

function fail(where: string, problem: string): never {
  throw new ProhibitedListError(`${where} ${problem}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.trim() === '') fail(where, `must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

function names(value: unknown, where: string, languages: readonly string[]): Record<string, string> {
  if (!isObject(value)) fail(where, 'must be an object of names by language');
  const out: Record<string, string> = {};
  for (const language of languages) out[language] = text(value[language], `${where}.${language}`);
  for (const key of Object.keys(value)) if (!languages.includes(key)) fail(`${where}.${key}`, 'is not one of the list\'s languages');
  return out;
}

function phrases(value: unknown, where: string, languages: readonly string[], required: boolean): Record<string, string[]> {
  if (value === undefined && !required) return {};
  if (!isObject(value)) fail(where, 'must be an object of phrase arrays by language');
  const out: Record<string, string[]> = {};
  for (const key of Object.keys(value)) if (!languages.includes(key)) fail(`${where}.${key}`, 'is not one of the list\'s languages');
  for (const language of languages) {
    const list = value[language];
    if (list === undefined && !required) continue;
    if (!Array.isArray(list) || (required && list.length === 0)) fail(`${where}.${language}`, 'must be a non-empty array of phrases');
    const seen = new Set<string>();
    out[language] = list.map((phrase: unknown, k) => {
      const at = `${where}.${language}[${k}]`;
      const checked = text(phrase, at);
      const key = foldString(checked);
      if (key === '') fail(at, 'has no letters or digits');
      if (seen.has(key)) fail(at, `repeats ${JSON.stringify(checked)}`);
      seen.add(key);
      return checked;
    });
  }
  return out;
}

/** Checks a list in the file format and returns it flattened; errors say exactly where. */
export function parseProhibitedList(json: unknown): ProhibitedList {
  if (!isObject(json)) fail('the list', 'must be a JSON object');
  const version = text(json.version, 'version');
  const published = text(json.published, 'published');
  if (!DATE.test(published) || Number.isNaN(Date.parse(`${published}T00:00:00Z`))) fail('published', `must be a date YYYY-MM-DD, got ${JSON.stringify(published)}`);
  const languageValue = json.languages;
  if (!Array.isArray(languageValue) || languageValue.length === 0) fail('languages', 'must be a non-empty array of language codes');
  const languages = languageValue.map((language: unknown, index) => {
    const code = text(language, `languages[${index}]`);
    if (!/^[a-z]{2,3}$/.test(code)) fail(`languages[${index}]`, `must be a language code such as "en", got ${JSON.stringify(code)}`);
    return code;
  });
  if (new Set(languages).size !== languages.length) fail('languages', 'lists a language twice');

  const categoryValue = json.categories;
  if (!Array.isArray(categoryValue) || categoryValue.length === 0) fail('categories', 'must be a non-empty array');
  const categories: ProhibitedList['categories'] = [];
  const items: ProhibitedItem[] = [];
  const ids = new Map<string, string>();
  categoryValue.forEach((category: unknown, c) => {
    let at = `categories[${c}]`;
    if (!isObject(category)) fail(at, 'must be an object');
    const code = text(category.code, `${at}.code`);
    if (!CODE.test(code)) fail(`${at}.code`, `must be lower-case letters, digits and "_", got ${JSON.stringify(code)}`);
    if (categories.some((known) => known.code === code)) fail(`${at}.code`, `repeats category ${code}`);
    at = `categories[${c}] (${code})`;
    categories.push({ code, names: names(category.names, `${at}.names`, languages) });
    const itemValue = category.items;
    if (!Array.isArray(itemValue) || itemValue.length === 0) fail(`${at}.items`, 'must be a non-empty array');
    itemValue.forEach((item: unknown, i) => {
      let where = `${at}.items[${i}]`;
      if (!isObject(item)) fail(where, 'must be an object');
      const id = text(item.id, `${where}.id`);
      if (!id.startsWith(`${code}.`) || !/^[a-z0-9_]+(\.[a-z0-9_]+)+$/.test(id)) fail(`${where}.id`, `must be "${code}." followed by a lower-case name, got ${JSON.stringify(id)}`);
      const earlier = ids.get(id);
      if (earlier) fail(`${where}.id`, `repeats ${id}, already at ${earlier}`);
      ids.set(id, where);
      where = `${where} (${id})`;
      const action = item.action;
      if (action !== 'prohibit' && action !== 'restrict') fail(`${where}.action`, `must be "prohibit" or "restrict", got ${JSON.stringify(action)}`);
      let licence: string | undefined;
      if (action === 'restrict') licence = text(item.licence, `${where}.licence`);
      else if (item.licence !== undefined) fail(`${where}.licence`, 'is only for restricted items');
      const jurisdictionValue = item.jurisdictions;
      if (!Array.isArray(jurisdictionValue) || jurisdictionValue.length === 0) fail(`${where}.jurisdictions`, 'must be a non-empty array');
      const jurisdictions = jurisdictionValue.map((value: unknown, j) => {
        if (typeof value !== 'string' || !JURISDICTION.test(value)) fail(`${where}.jurisdictions[${j}]`, `must be "*", a market or group code, or "!" and a code, got ${JSON.stringify(value)}`);
        return value;
      });
      if (jurisdictions.every((value) => value.startsWith('!'))) fail(`${where}.jurisdictions`, 'only takes markets out; add "*" or the markets it applies in');
      const hsValue = item.hs_codes ?? [];
      if (!Array.isArray(hsValue)) fail(`${where}.hs_codes`, 'must be an array of 4–6 digit HS code prefixes');
      const hsCodes = hsValue.map((value: unknown, h) => {
        if (typeof value !== 'string' || !HS_CODE.test(value)) fail(`${where}.hs_codes[${h}]`, `must be 4–6 digits, got ${JSON.stringify(value)}`);
        return value;
      });
      const keywords = phrases(item.keywords, `${where}.keywords`, languages, true);
      const exclusions = phrases(item.exclusions, `${where}.exclusions`, languages, false);
      const parsed: ProhibitedItem = {
        id,
        categoryCode: code,
        names: names(item.names, `${where}.names`, languages),
        keywords,
        exclusions,
        hsCodes,
        jurisdictions,
        action,
        ...(licence !== undefined ? { licence } : {}),
      };
      const index = items.length;
      for (const [field, source] of [['keywords', keywords], ['exclusions', exclusions]] as const) {
        for (const [language, list] of Object.entries(source)) {
          list.forEach((phrase, k) => {
            const compiled = compileKeyword(phrase, language, index, field === 'exclusions');
            if (typeof compiled === 'string') fail(`${where}.${field}.${language}[${k}]`, compiled);
          });
        }
      }
      items.push(parsed);
    });
  });
  return { version, published, languages, categories, items };
}

/** Reads and checks a list file such as `data/compliance/prohibited-items.json`. */
export function loadProhibitedListFile(file: string): ProhibitedList {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ProhibitedListError(`Cannot read prohibited items file ${file}: ${(error as Error).message}`);
  }
  try {
    return parseProhibitedList(json);
  } catch (error) {
    throw new ProhibitedListError(`${file}: ${(error as Error).message}`);
  }
}

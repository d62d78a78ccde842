/**
 * Pure decisions of search: how text is prepared for PostgreSQL full-text search in each language,
 * how good a listing is, how results are ranked, how prices fall into bands and how much stock a
 * buyer is told about. No I/O: the service feeds these functions and stores what they return.
 */

// ─── Text ──────────────────────────────────────────────────────────────────────────────────────

/**
 * The PostgreSQL text-search configuration (stemmer and stop words) of each language that has one,
 * in PostgreSQL and in PGlite alike. Chinese and Korean have none: their text is cut into character
 * bigrams (see cjkTerms) and indexed with the plain `simple` configuration.
 */
export const TEXT_SEARCH_CONFIGS: Readonly<Record<string, string>> = {
  ar: 'arabic',
  ca: 'catalan',
  da: 'danish',
  de: 'german',
  el: 'greek',
  en: 'english',
  es: 'spanish',
  et: 'estonian',
  fi: 'finnish',
  fr: 'french',
  hu: 'hungarian',
  it: 'italian',
  lt: 'lithuanian',
  nl: 'dutch',
  pt: 'portuguese',
  ro: 'romanian',
  ru: 'russian',
  sv: 'swedish',
  tr: 'turkish',
};

/** The configuration text in a language is stemmed with; `simple` (no stemming) for the others. */
export function textSearchConfig(language: string): string {
  return TEXT_SEARCH_CONFIGS[language] ?? 'simple';
}

/** Runs of Han, kana and Hangul: scripts written without spaces between words (or, in Korean, with particles attached). */
const CJK_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+/gu;

const bigrams = (run: string): string[] => {
  const chars = [...run];
  return chars.length === 1 ? chars : chars.slice(0, -1).map((char, i) => char + chars[i + 1]);
};

/**
 * CJK text as searchable terms: each run of CJK characters becomes its overlapping character
 * bigrams ("电灯泡" → "电灯 灯泡"), which any query of two or more characters is made of, and, for
 * indexing, its single characters too, so a one-character query still finds it. Other text is kept.
 */
export function cjkTerms(text: string, forIndex: boolean): string {
  return text.replace(CJK_RUN, (run) => {
    const chars = [...run];
    const terms = bigrams(run);
    if (forIndex && chars.length > 1) terms.push(...chars);
    return ` ${terms.join(' ')} `;
  });
}

export const hasCjk = (text: string): boolean => new RegExp(CJK_RUN.source, 'u').test(text);

/** Descriptions are indexed up to this length: what follows adds size to the index, not findability. */
export const DESCRIPTION_INDEX_CHARS = 4_000;

export interface VectorPart {
  config: string;
  text: string;
  /** A: titles, brand and model; B: descriptions. */
  weight: 'A' | 'B';
}

export interface IndexedContent {
  titles: Readonly<Record<string, string | undefined>>;
  descriptions?: Readonly<Record<string, string | undefined>> | undefined;
  brand?: string | null | undefined;
  model?: string | null | undefined;
}

/**
 * What a product's search vector is made of: every title and description in its own language's
 * configuration, plus titles, brand and model unstemmed, so an exact word (a model number, a brand,
 * a word in a language the query was not tagged with) matches too.
 */
export function vectorParts(content: IndexedContent): VectorPart[] {
  const parts: VectorPart[] = [];
  const add = (language: string, text: string | undefined, weight: VectorPart['weight']) => {
    if (!text?.trim()) return;
    const config = textSearchConfig(language);
    parts.push({ config, text: config === 'simple' ? cjkTerms(text, true) : text, weight });
  };
  for (const [language, title] of Object.entries(content.titles)) add(language, title, 'A');
  for (const [language, description] of Object.entries(content.descriptions ?? {})) add(language, description?.slice(0, DESCRIPTION_INDEX_CHARS), 'B');
  const plain = [...Object.values(content.titles), content.brand, content.model].filter((t): t is string => !!t?.trim() && !hasCjk(t));
  if (plain.length > 0) parts.push({ config: 'simple', text: plain.join(' '), weight: 'A' });
  return parts;
}

/** Titles, brand and model as one line: what the typo-tolerant fallback compares queries with. */
export function trigramText(content: IndexedContent): string {
  return [...Object.values(content.titles), content.brand, content.model].filter((t): t is string => !!t?.trim()).join(' · ');
}

/** A query as hot words count it: Unicode-normalised (full-width forms folded), lower-cased, spaces collapsed. */
export function normalizeQuery(query: string): string {
  return query.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * How alike a query and a listing's titles must be (pg_trgm word similarity, 0–1) for the
 * typo-tolerant fallback: a letter too many or too few in a longer word passes (“tettera” for
 * tetera: 0.67, “bombila” for bombilla: 0.75); a short word that merely looks like another
 * (“bulb” and the Portuguese “bule”: 0.6) does not.
 */
export const FUZZY_MIN_SIMILARITY = 0.65;

export interface TextQuery {
  /** Configuration for the query in the buyer's language. */
  config: string;
  /** The query for that configuration (CJK runs cut into bigrams when it is `simple`). */
  text: string;
  /** The query unstemmed, CJK runs cut into bigrams, for the unstemmed part of the vector. */
  plain: string;
}

/** How a buyer's query is matched: stemmed in the buyer's language, or word for word. */
export function textQuery(query: string, language: string): TextQuery {
  const config = textSearchConfig(language);
  const plain = cjkTerms(normalizeQuery(query), false).replace(/\s+/g, ' ').trim();
  return { config, text: config === 'simple' ? plain : normalizeQuery(query), plain };
}

// ─── Listing quality ───────────────────────────────────────────────────────────────────────────

export interface QualityInput {
  /** The catalogue language buyers of the market read (see contentLanguage). */
  language: string;
  titles: Readonly<Record<string, string | undefined>>;
  descriptions: Readonly<Record<string, string | undefined>>;
  images: number;
  video: { durationSeconds: number } | null;
  /** Product-level attributes the category defines, and how many of them the product fills. */
  attributesDefined: number;
  attributesFilled: number;
  /** none_required: the category asks no certificate in this market. */
  certification: 'none_required' | 'verified' | 'submitted' | 'missing';
  brand: boolean;
  model: boolean;
}

/**
 * The points a listing earns, out of 100, criterion by criterion. What buyers of the market can
 * read counts most; then pictures, complete attributes, a short video and the certificates the
 * category calls for. A video over 30 seconds earns nothing (it gets a listing throttled).
 */
export const QUALITY_POINTS = {
  /** Title in the market's language; an English title only where the market reads another language. */
  title: { localised: 25, english: 10 },
  /** Description in the market's language, by length; half as much for one in another language only. */
  description: { long: 15, medium: 8, short: 3, longChars: 300, mediumChars: 80 },
  /** By number of main images: at least 5, 3, 1. */
  images: { five: 20, three: 15, one: 8 },
  /** In proportion to the category's product attributes filled (full marks when it defines none). */
  attributes: 15,
  video: { points: 10, maxSeconds: 30 },
  certification: { none_required: 10, verified: 10, submitted: 5, missing: 0 },
  brand: 3,
  model: 2,
} as const;

export interface Quality {
  score: number;
  points: { title: number; description: number; images: number; attributes: number; video: number; certification: number; brand: number; model: number };
}

export function listingQuality(input: QualityInput): Quality {
  const P = QUALITY_POINTS;
  const title = input.titles[input.language]?.trim() ? P.title.localised : input.language !== 'en' && input.titles.en?.trim() ? P.title.english : 0;
  const byLength = (text: string | undefined) => {
    const length = text?.trim().length ?? 0;
    if (length === 0) return 0;
    return length >= P.description.longChars ? P.description.long : length >= P.description.mediumChars ? P.description.medium : P.description.short;
  };
  const local = byLength(input.descriptions[input.language]);
  const elsewhere = Math.max(0, ...Object.values(input.descriptions).map(byLength));
  const description = local > 0 ? local : Math.floor(elsewhere / 2);
  const images = input.images >= 5 ? P.images.five : input.images >= 3 ? P.images.three : input.images >= 1 ? P.images.one : 0;
  const attributes = input.attributesDefined === 0 ? P.attributes : Math.round((P.attributes * Math.min(input.attributesFilled, input.attributesDefined)) / input.attributesDefined);
  const video = input.video && input.video.durationSeconds <= P.video.maxSeconds ? P.video.points : 0;
  const certification = P.certification[input.certification];
  const points = { title, description, images, attributes, video, certification, brand: input.brand ? P.brand : 0, model: input.model ? P.model : 0 };
  return { score: Object.values(points).reduce((sum, p) => sum + p, 0), points };
}

/** The catalogue language a market's buyers read: its own when sellers can write in it, else English. */
export function contentLanguage(marketLanguage: string, catalogLanguages: readonly string[]): string {
  return catalogLanguages.includes(marketLanguage) ? marketLanguage : 'en';
}

// ─── Ranking ───────────────────────────────────────────────────────────────────────────────────

/**
 * Rank = relevance × listing quality × store score × market preference × listing status, with
 * out-of-stock listings after every listing in stock whatever their rank. Quality and store score
 * (0–100) each scale a listing between half and full weight, so neither alone can bury a relevant
 * listing; a throttled listing keeps a quarter of its weight; delisted, rejected and pending
 * listings are not in the index at all.
 */
export const RANKING = {
  /** Weight of a listing in each status buyers can see. */
  status: { active: 1, throttled: 0.25 },
  /** Listing localised in the market's language; fulfilled from inside the market. */
  preference: { localised: 1.1, localFulfilment: 1.25 },
  /** Ranks are compared as integers: relevance × weight × this, rounded down. */
  scale: 1_000_000_000,
} as const;

export type VisibleStatus = keyof typeof RANKING.status;

export const isVisible = (status: string): status is VisibleStatus => status in RANKING.status;

export function marketPreference(listing: { localised: boolean; localFulfilment: boolean }): number {
  return (listing.localised ? RANKING.preference.localised : 1) * (listing.localFulfilment ? RANKING.preference.localFulfilment : 1);
}

/** A 0–100 score as a factor between ½ and 1. */
const halfToFull = (score: number) => 0.5 + Math.min(100, Math.max(0, score)) / 200;

/** Everything in the rank but relevance: stored with the listing, recomputed when a part changes. */
export function listingWeight(listing: { quality: number; storeScore: number; preference: number; status: VisibleStatus }): number {
  return halfToFull(listing.quality) * halfToFull(listing.storeScore) * listing.preference * RANKING.status[listing.status];
}

/**
 * The rank as an integer, so pages can continue from a cursor exactly. Relevance is between 0 and
 * 1 (PostgreSQL's ts_rank_cd normalised as rank / (rank + 1), or trigram word similarity); 1 when
 * nothing is searched for. The search statement computes the same expression in SQL.
 */
export function rankKey(relevance: number, weight: number): number {
  return Math.floor(relevance * weight * RANKING.scale);
}

// ─── Prices and stock ──────────────────────────────────────────────────────────────────────────

/** Price-band edges in US dollars; each buyer currency gets round numbers near them. */
export const PRICE_BAND_USD_EDGES = [5, 10, 25, 50, 100, 250] as const;

/** The round number (1, 2, 2.5 or 5 times a power of ten) nearest to a positive value, on a log scale. */
export function roundNumber(value: number): number {
  if (!(value > 0)) throw new RangeError(`cannot round ${value}`);
  const power = 10 ** Math.floor(Math.log10(value));
  const candidates = [1, 2, 2.5, 5, 10].map((m) => m * power);
  return candidates.reduce((best, c) => (Math.abs(Math.log(c / value)) < Math.abs(Math.log(best / value)) ? c : best));
}

/**
 * Band edges in the buyer's currency, in minor units: the USD edges converted at `perUsd` (units of
 * the currency per dollar, as a number: only band placement depends on it), each rounded to a
 * round number of whole units, repeats dropped.
 */
export function priceBandEdges(perUsd: number, exponent: number): number[] {
  const edges = PRICE_BAND_USD_EDGES.map((usd) => roundNumber(usd * perUsd) * 10 ** exponent).map((edge) => Math.max(1, Math.round(edge)));
  return [...new Set(edges)].sort((a, b) => a - b);
}

/** Stock buyers are told about: a count only when few are left. */
export const LOW_STOCK_AT_MOST = 5;

export type StockState = 'in_stock' | 'low' | 'out_of_stock';

export function stockState(available: number): { state: StockState; available: number | null } {
  if (available <= 0) return { state: 'out_of_stock', available: null };
  if (available <= LOW_STOCK_AT_MOST) return { state: 'low', available };
  return { state: 'in_stock', available: null };
}

/**
 * Where a SKU's stock is: the countries of the overseas warehouses holding some, and whether any
 * is at origin. An inventory warehouse is a logistics warehouse when its code is that warehouse's
 * code (inventory writes codes in capitals: WH_ES_MAD is the Madrid warehouse wh_es_mad); any
 * other warehouse is the seller's own, at origin. Without stock anywhere, it would ship from origin.
 */
export function stockLocations(availableByWarehouse: Readonly<Record<string, number>>, warehouses: readonly { code: string; country: string }[]): { countries: string[]; atOrigin: boolean } {
  const countries = new Set<string>();
  let atOrigin = false;
  for (const [code, available] of Object.entries(availableByWarehouse)) {
    if (available <= 0) continue;
    const warehouse = warehouses.find((w) => w.code.toUpperCase() === code.toUpperCase());
    if (warehouse) countries.add(warehouse.country);
    else atOrigin = true;
  }
  return { countries: [...countries].sort(), atOrigin: atOrigin || countries.size === 0 };
}

export interface Offer {
  path: string;
  shipsFrom: string;
  free: boolean;
  deliveryDays: { min: number; max: number };
}

/** What the search index keeps of a listing's shipping offers in a market. */
export function shippingSummary(offers: readonly Offer[]) {
  const fastest = [...offers].sort((a, b) => a.deliveryDays.max - b.deliveryDays.max || a.deliveryDays.min - b.deliveryDays.min)[0];
  return {
    shipsFrom: [...new Set(offers.map((o) => o.shipsFrom))].sort(),
    fulfilment: [...new Set(offers.map((o) => o.path))].sort(),
    freeShipping: offers.some((o) => o.free),
    deliveryDays: fastest ? fastest.deliveryDays : null,
  };
}

import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Platform } from '../../platform/index.ts';
import { queryRows, type Db } from '../../platform/db/index.ts';
import { badRequest, notFound, validationFailed, type FieldError } from '../../platform/errors/index.ts';
import { isId, registerIdPrefix } from '../../platform/ids/index.ts';
import { convert, currencyExponent, isCurrency, type Money } from '../../platform/money/index.ts';
import { encodeCursor } from '../../platform/pagination.ts';
import { authorize, requireOperator, type Caller } from '../identity/index.ts';
import type { FxRateTable, MarketDirectory } from '../markets/index.ts';
import { contentLanguage, FUZZY_MIN_SIMILARITY, normalizeQuery, priceBandEdges, RANKING, textQuery } from './rules.ts';
import { titleFor } from '../catalog/index.ts';
import { searchClicks, searchDocuments, searchQueries } from './schema.ts';

const SEARCH_PREFIX = registerIdPrefix('srch', 'search');

export const FULFILMENT_PATHS = ['standard', 'dedicated_line', 'overseas_warehouse', 'express'] as const;

export interface SearchRequest {
  market: string;
  q?: string;
  /** The buyer's language (BCP 47; its primary subtag is used); the market's by default. */
  lang?: string;
  category?: string;
  /** Bounds on the "from" price, in minor units of `currency`. */
  priceMin?: number;
  priceMax?: number;
  /** The buyer's currency; the market's by default. */
  currency?: string;
  shipsFrom?: string[];
  fulfilment?: string[];
  maxDeliveryDays?: number;
  freeShipping?: boolean;
  limit: number;
  cursor?: string;
  /** The client's anonymous session, logged with the search when no buyer is signed in. */
  sessionId?: string;
}

export interface SearchHit {
  productId: string;
  title: { text: string; language: string };
  image: string | null;
  price: { from: Money; to: Money };
  store: { name: string; score: number };
  inStock: boolean;
  deliveryDays: { min: number; max: number } | null;
  freeShipping: boolean;
  shipsFrom: string[];
  fulfilment: string[];
}

export interface Facets {
  categories: { code: string; name: string; count: number }[];
  /** `to` is where the next band starts (not included); null for the last band. */
  priceBands: { from: Money; to: Money | null; count: number }[];
  shipsFrom: { value: string; count: number }[];
  fulfilment: { value: string; count: number }[];
  freeShipping: { count: number };
}

export interface SearchResults {
  searchId: string;
  market: string;
  language: string;
  currency: string;
  /** Typo-tolerant matches: nothing matched the words exactly. */
  fuzzy: boolean;
  /** Results in all pages; given with the first page only, as are the facets. */
  total: number | null;
  results: SearchHit[];
  facets: Facets | null;
  nextCursor: string | null;
}

export interface HotWord {
  query: string;
  searches: number;
  zeroResultSearches: number;
  clicks: number;
  /** Share of the searches in which the buyer opened at least one result. */
  clickThroughRate: number;
}

export interface HotWords {
  market: string | null;
  from: string;
  to: string;
  searches: number;
  zeroResultSearches: number;
  clickThroughRate: number;
  top: HotWord[];
  zeroResults: { query: string; searches: number }[];
}

export interface SearchServiceDependencies {
  markets: MarketDirectory;
  catalogLanguages: readonly string[];
  fxRates(tx: Db): Promise<FxRateTable>;
}

type Mode = 'browse' | 'exact' | 'fuzzy';

interface Position {
  searchId: string;
  mode: Mode;
  inStock: boolean;
  sortKey: string;
  productId: string;
}

const MODES: readonly Mode[] = ['browse', 'exact', 'fuzzy'];

/** Weights of ts_rank_cd for D, C, B, A: titles (A) count five times a description (B). */
const RANK_WEIGHTS = '{0.1, 0.2, 0.2, 1.0}';

function invalidCursor(): never {
  throw badRequest('invalid_cursor', 'The cursor is not one this API issued.', [{ in: 'query', path: '/cursor', code: 'invalid_cursor', message: 'is not a valid cursor' }]);
}

/** A search cursor: the search it continues and the sort key of the last result shown. */
function decodePosition(cursor: string): Position {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    invalidCursor();
  }
  if (!Array.isArray(parts) || parts.length !== 5 || !parts.every((p) => typeof p === 'string')) invalidCursor();
  const [searchId, mode, inStock, sortKey, productId] = parts as string[];
  if (!isId(searchId!, SEARCH_PREFIX) || !MODES.includes(mode as Mode) || !['0', '1'].includes(inStock!) || !/^\d{1,18}$/.test(sortKey!) || !isId(productId!, 'prd')) invalidCursor();
  return { searchId: searchId!, mode: mode as Mode, inStock: inStock === '1', sortKey: sortKey!, productId: productId! };
}

interface HitRow {
  product_id: string;
  titles: Record<string, string>;
  main_language: string;
  main_image: string | null;
  store_name: string;
  store_score: number;
  price_from_amount: number;
  price_from_currency: string;
  price_to_amount: number;
  price_to_currency: string;
  in_stock: boolean;
  free_shipping: boolean;
  delivery_days_min: number | null;
  delivery_days_max: number | null;
  ships_from: string[];
  fulfilment: string[];
  /** The sort key as text: a bigint, exactly. */
  cursor_key: string;
}

interface SearchRow {
  results: HitRow[];
  matched: number | null;
  total: number | null;
  categories: { code: string; names: Record<string, string> | null; n: number }[] | null;
  price_bands: { bucket: number; n: number }[] | null;
  ships_from: { value: string; n: number }[] | null;
  fulfilment: { value: string; n: number }[] | null;
  free_shipping: number | null;
}

export function createSearchService(platform: Platform, deps: SearchServiceDependencies) {
  const { db, clock, ids } = platform;
  const today = () => clock.now().toISOString().slice(0, 10);

  /** Checks what the schema cannot: a market that exists, a currency with a rate, a sensible price range. */
  async function contextOf(request: SearchRequest) {
    const problems: FieldError[] = [];
    const market = deps.markets.get(request.market);
    if (!market) problems.push({ in: 'query', path: '/market', code: 'unknown_market', message: `${request.market} is not a market of this marketplace` });
    const currency = request.currency ?? market?.currency ?? 'USD';
    const fx = await deps.fxRates(db);
    const date = today();
    if (!isCurrency(currency)) problems.push({ in: 'query', path: '/currency', code: 'unknown_currency', message: 'is not an ISO 4217 currency' });
    else if (currency !== 'USD' && (!fx.rate(currency, 'USD', date) || !fx.rate('USD', currency, date))) {
      problems.push({ in: 'query', path: '/currency', code: 'no_fx_rate', message: `prices cannot be shown in ${currency}: there is no exchange rate for it` });
    }
    if (request.priceMin !== undefined && request.priceMax !== undefined && request.priceMin > request.priceMax) {
      problems.push({ in: 'query', path: '/price_min', code: 'price_range', message: 'must not be more than price_max' });
    }
    if (problems.length > 0 || !market) throw validationFailed(problems);
    const language = (request.lang ?? market.language).split('-')[0]!;
    const toUsd = (amount: number) => (currency === 'USD' ? amount : convert({ amount, currency }, fx.rate(currency, 'USD', date)!, 'half_up').amount);
    const toBuyer = (value: Money): Money => {
      if (value.currency === currency) return value;
      const rate = fx.rate(value.currency, currency, date);
      return rate ? { amount: convert(value, rate, 'half_up').amount, currency } : value;
    };
    return { market, currency, language, fx, date, toUsd, toBuyer };
  }

  function statement(request: SearchRequest, context: Awaited<ReturnType<typeof contextOf>>, mode: Mode, after: Position | null, edgesUsd: readonly number[]): SQL {
    const q = request.q ? normalizeQuery(request.q) : '';
    let match = sql``;
    let sortKey: SQL = sql`d.rank_key`;
    if (mode === 'exact') {
      const query = textQuery(q, context.language);
      const tsquery = sql`(websearch_to_tsquery(${query.config}::regconfig, ${query.text}) || websearch_to_tsquery('simple', ${query.plain}))`;
      match = sql`AND d.search_vector @@ ${tsquery}`;
      sortKey = sql`floor(ts_rank_cd(${RANK_WEIGHTS}::float4[], d.search_vector, ${tsquery}, 32)::float8 * d.rank_weight * ${RANKING.scale})::bigint`;
    } else if (mode === 'fuzzy') {
      // The index finds candidates at pg_trgm's own threshold; the stricter one keeps short words from matching lookalikes.
      match = sql`AND ${q} <% d.search_text AND word_similarity(${q}, d.search_text) >= ${FUZZY_MIN_SIMILARITY}`;
      sortKey = sql`floor(word_similarity(${q}, d.search_text)::float8 * d.rank_weight * ${RANKING.scale})::bigint`;
    }
    const { priceMin, priceMax } = request;
    const price =
      priceMin === undefined && priceMax === undefined
        ? sql`true`
        : sql`d.price_from_usd BETWEEN ${priceMin === undefined ? 0 : context.toUsd(priceMin)} AND ${priceMax === undefined ? Number.MAX_SAFE_INTEGER : context.toUsd(priceMax)}`;
    const shipsFrom = request.shipsFrom?.length ? sql`d.ships_from && ${sql.param(request.shipsFrom)}::text[]` : sql`true`;
    const fulfilment = request.fulfilment?.length ? sql`d.fulfilment && ${sql.param(request.fulfilment)}::text[]` : sql`true`;
    const delivery = request.maxDeliveryDays !== undefined ? sql`coalesce(d.delivery_days_max <= ${request.maxDeliveryDays}, false)` : sql`true`;
    const free = request.freeShipping ? sql`d.free_shipping` : sql`true`;
    const category = request.category ? sql`AND d.category_path @> ARRAY[${request.category}]::text[]` : sql``;
    const continued = after
      ? sql`(in_stock::int < ${after.inStock ? 1 : 0} OR (in_stock::int = ${after.inStock ? 1 : 0} AND (sort_key < ${after.sortKey}::bigint OR (sort_key = ${after.sortKey}::bigint AND product_id > ${after.productId}))))`
      : sql`true`;
    const firstPage = after === null;
    const facets = firstPage
      ? sql`,
        (SELECT count(*)::int FROM matched) AS matched,
        (SELECT count(*)::int FROM hits) AS total,
        (SELECT coalesce(json_agg(c ORDER BY c.n DESC, c.code), '[]'::json) FROM (
           SELECT x.code, sc.names, x.n FROM (SELECT unnest(category_path) AS code, count(*)::int AS n FROM hits GROUP BY 1) x
           LEFT JOIN search_categories sc ON sc.code = x.code) c) AS categories,
        (SELECT coalesce(json_agg(b ORDER BY b.bucket), '[]'::json) FROM (
           SELECT width_bucket(price_from_usd, ${sql.param(edgesUsd)}::bigint[]) AS bucket, count(*)::int AS n
           FROM matched WHERE f_ships AND f_fulfilment AND f_delivery AND f_free GROUP BY 1) b) AS price_bands,
        (SELECT coalesce(json_agg(s ORDER BY s.n DESC, s.value), '[]'::json) FROM (
           SELECT unnest(ships_from) AS value, count(*)::int AS n FROM matched WHERE f_price AND f_fulfilment AND f_delivery AND f_free GROUP BY 1) s) AS ships_from,
        (SELECT coalesce(json_agg(f ORDER BY f.n DESC, f.value), '[]'::json) FROM (
           SELECT unnest(fulfilment) AS value, count(*)::int AS n FROM matched WHERE f_price AND f_ships AND f_delivery AND f_free GROUP BY 1) f) AS fulfilment,
        (SELECT count(*)::int FROM matched WHERE free_shipping AND f_price AND f_ships AND f_fulfilment AND f_delivery) AS free_shipping`
      : sql``;
    // One statement: the matches in scope (market, category, words) are read once; the page and
    // every facet are counted from them, each facet with every filter but its own. PostgreSQL
    // materialises `matched` when the facets read it too; for a later page it is inlined, so the
    // page can be read in index order and stop at the limit.
    return sql`
      WITH matched AS (
        SELECT d.product_id, d.titles, d.main_language, d.main_image, d.store_name, d.store_score,
               d.price_from_amount, d.price_from_currency, d.price_to_amount, d.price_to_currency, d.price_from_usd,
               d.in_stock, d.free_shipping, d.delivery_days_min, d.delivery_days_max, d.ships_from, d.fulfilment, d.category_path,
               ${sortKey} AS sort_key,
               ${price} AS f_price, ${shipsFrom} AS f_ships, ${fulfilment} AS f_fulfilment, ${delivery} AS f_delivery, ${free} AS f_free
        FROM search_documents d
        WHERE d.market = ${context.market.code} ${category} ${match}
      ),
      hits AS (SELECT * FROM matched WHERE f_price AND f_ships AND f_fulfilment AND f_delivery AND f_free)
      SELECT
        (SELECT coalesce(json_agg(p), '[]'::json) FROM (
           SELECT product_id, titles, main_language, main_image, store_name, store_score, price_from_amount, price_from_currency,
                  price_to_amount, price_to_currency, in_stock, free_shipping, delivery_days_min, delivery_days_max, ships_from, fulfilment, sort_key::text AS cursor_key
           FROM hits WHERE ${continued}
           ORDER BY in_stock DESC, sort_key DESC, product_id
           LIMIT ${request.limit + 1}) p) AS results
        ${facets}`;
  }

  function hitOf(row: HitRow, context: Awaited<ReturnType<typeof contextOf>>): SearchHit {
    const languages = [context.language, contentLanguage(context.market.language, deps.catalogLanguages)];
    return {
      productId: row.product_id,
      title: titleFor(row.titles, languages, row.main_language),
      image: row.main_image,
      price: {
        from: context.toBuyer({ amount: Number(row.price_from_amount), currency: row.price_from_currency }),
        to: context.toBuyer({ amount: Number(row.price_to_amount), currency: row.price_to_currency }),
      },
      store: { name: row.store_name, score: row.store_score },
      inStock: row.in_stock,
      deliveryDays: row.delivery_days_min !== null && row.delivery_days_max !== null ? { min: row.delivery_days_min, max: row.delivery_days_max } : null,
      freeShipping: row.free_shipping,
      shipsFrom: row.ships_from,
      fulfilment: row.fulfilment,
    };
  }

  return {
    /**
     * A buyer's search in one market: words in any catalogue language (or none, to browse),
     * filters, facets and a page of results ranked as rules.ts says. The first page is logged.
     * Statements: one for the page and facets, one to log it, and one more when no word matched
     * and the typo-tolerant fallback runs; a following page is one statement.
     */
    async search(caller: Caller | null, request: SearchRequest): Promise<SearchResults> {
      const context = await contextOf(request);
      const position = request.cursor ? decodePosition(request.cursor) : null;
      const exponent = currencyExponent(context.currency);
      const perUsd = context.currency === 'USD' ? 1 : Number(context.fx.rate('USD', context.currency, context.date)!.rate);
      const edges = priceBandEdges(perUsd, exponent);
      const edgesUsd = edges.map(context.toUsd);

      let mode: Mode = position?.mode ?? (request.q?.trim() ? 'exact' : 'browse');
      let [row] = await queryRows<SearchRow>(db, statement(request, context, mode, position, edgesUsd));
      if (!position && mode === 'exact' && row?.matched === 0) {
        mode = 'fuzzy';
        [row] = await queryRows<SearchRow>(db, statement(request, context, mode, null, edgesUsd));
      }
      const rows = row!.results;
      const page = rows.slice(0, request.limit);
      const last = page.at(-1);
      const searchId = position?.searchId ?? ids(SEARCH_PREFIX);
      const nextCursor = rows.length > request.limit && last ? encodeCursor([searchId, mode, last.in_stock ? '1' : '0', last.cursor_key, last.product_id]) : null;

      let facets: Facets | null = null;
      if (!position) {
        const money = (amount: number): Money => ({ amount, currency: context.currency });
        const bands = new Map((row!.price_bands ?? []).map((b) => [b.bucket, b.n]));
        facets = {
          categories: (row!.categories ?? []).map((c) => ({ code: c.code, name: c.names ? titleFor(c.names, [context.language], 'en').text : c.code, count: c.n })),
          priceBands: [0, ...edges]
            .map((from, i) => ({ from: money(from), to: i < edges.length ? money(edges[i]!) : null, count: bands.get(i) ?? 0 }))
            .filter((band) => band.count > 0),
          shipsFrom: (row!.ships_from ?? []).map((s) => ({ value: s.value, count: s.n })),
          fulfilment: (row!.fulfilment ?? []).map((f) => ({ value: f.value, count: f.n })),
          freeShipping: { count: row!.free_shipping ?? 0 },
        };
        const buyer = caller?.principal.kind === 'buyer' ? caller.principal.accountId : null;
        await db.insert(searchQueries).values({
          id: searchId,
          market: context.market.code,
          language: context.language,
          query: request.q?.trim() ?? '',
          normalizedQuery: normalizeQuery(request.q ?? ''),
          filters: {
            ...(request.category ? { category: request.category } : {}),
            ...(request.priceMin !== undefined ? { price_min: request.priceMin } : {}),
            ...(request.priceMax !== undefined ? { price_max: request.priceMax } : {}),
            currency: context.currency,
            ...(request.shipsFrom?.length ? { ships_from: request.shipsFrom } : {}),
            ...(request.fulfilment?.length ? { fulfilment: request.fulfilment } : {}),
            ...(request.maxDeliveryDays !== undefined ? { max_delivery_days: request.maxDeliveryDays } : {}),
            ...(request.freeShipping ? { free_shipping: true } : {}),
          },
          resultsCount: row!.total ?? 0,
          fuzzy: mode === 'fuzzy',
          buyerAccountId: buyer,
          sessionId: buyer ? null : (request.sessionId ?? null),
          createdAt: clock.now(),
        });
      }
      return {
        searchId,
        market: context.market.code,
        language: context.language,
        currency: context.currency,
        fuzzy: mode === 'fuzzy',
        total: position ? null : (row!.total ?? 0),
        results: page.map((hit) => hitOf(hit, context)),
        facets,
        nextCursor,
      };
    },

    /** A buyer opened a result of a search: counted once per search and product. */
    async click(searchId: string, click: { productId: string; position: number }): Promise<void> {
      const [search] = await db.select({ market: searchQueries.market }).from(searchQueries).where(eq(searchQueries.id, searchId));
      if (!search) throw notFound('search', searchId);
      const [listed] = await db
        .select({ productId: searchDocuments.productId })
        .from(searchDocuments)
        .where(and(eq(searchDocuments.market, search.market), eq(searchDocuments.productId, click.productId)));
      if (!listed) throw notFound('product', click.productId);
      await db.insert(searchClicks).values({ searchId, productId: click.productId, position: click.position, createdAt: clock.now() }).onConflictDoNothing();
    },

    /**
     * What buyers searched for between two days (both included): the commonest queries with their
     * zero-result searches and click-through, and the commonest queries that found nothing.
     */
    async hotWords(caller: Caller, filter: { market?: string; from?: string; to?: string; limit: number }): Promise<HotWords> {
      authorize(requireOperator(caller.principal), 'read', 'Dashboard');
      const problems: FieldError[] = [];
      if (filter.market && !deps.markets.get(filter.market)) problems.push({ in: 'query', path: '/market', code: 'unknown_market', message: `${filter.market} is not a market of this marketplace` });
      const to = filter.to ?? today();
      const from = filter.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 6 * 86_400_000).toISOString().slice(0, 10);
      if (from > to) problems.push({ in: 'query', path: '/from', code: 'date_range', message: 'must not be after to' });
      if (problems.length > 0) throw validationFailed(problems);
      const end = new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000);
      const [row] = await queryRows<{ totals: { searches: number; zero: number; clicked: number }; top: { query: string; searches: number; zero: number; clicked: number; clicks: number }[]; zero_results: { query: string; searches: number }[] }>(
        db,
        sql`WITH logged AS MATERIALIZED (
              SELECT q.normalized_query AS query, q.results_count,
                     (SELECT count(*)::int FROM search_clicks c WHERE c.search_id = q.id) AS clicks
              FROM search_queries q
              WHERE q.created_at >= ${new Date(`${from}T00:00:00Z`)} AND q.created_at < ${end}
                ${filter.market ? sql`AND q.market = ${filter.market}` : sql``}
                AND q.normalized_query <> ''
            )
            SELECT
              (SELECT json_build_object('searches', count(*)::int, 'zero', count(*) FILTER (WHERE results_count = 0)::int, 'clicked', count(*) FILTER (WHERE clicks > 0)::int) FROM logged) AS totals,
              (SELECT coalesce(json_agg(t ORDER BY t.searches DESC, t.query), '[]'::json) FROM (
                 SELECT query, count(*)::int AS searches, count(*) FILTER (WHERE results_count = 0)::int AS zero,
                        count(*) FILTER (WHERE clicks > 0)::int AS clicked, sum(clicks)::int AS clicks
                 FROM logged GROUP BY query ORDER BY count(*) DESC, query LIMIT ${filter.limit}) t) AS top,
              (SELECT coalesce(json_agg(z ORDER BY z.searches DESC, z.query), '[]'::json) FROM (
                 SELECT query, count(*)::int AS searches FROM logged WHERE results_count = 0
                 GROUP BY query ORDER BY count(*) DESC, query LIMIT ${filter.limit}) z) AS zero_results`,
      );
      const rate = (clicked: number, searches: number) => (searches === 0 ? 0 : Math.round((clicked / searches) * 10_000) / 10_000);
      const { totals } = row!;
      return {
        market: filter.market ?? null,
        from,
        to,
        searches: totals.searches,
        zeroResultSearches: totals.zero,
        clickThroughRate: rate(totals.clicked, totals.searches),
        top: row!.top.map((t) => ({ query: t.query, searches: t.searches, zeroResultSearches: t.zero, clicks: t.clicks, clickThroughRate: rate(t.clicked, t.searches) })),
        zeroResults: row!.zero_results,
      };
    },
  };
}

export type SearchService = ReturnType<typeof createSearchService>;

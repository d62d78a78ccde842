import { Type, type TProperties } from 'typebox';
import type { HttpApp } from '../../platform/http/server.ts';
import { IdOf, MoneySchema, pageQuery } from '../../platform/http/schemas.ts';
import { callerOf, type Principal } from '../identity/index.ts';
import type { ProductPage, ProductPages } from './product-page.ts';
import { FULFILMENT_PATHS, type Facets, type HotWords, type SearchHit, type SearchResults, type SearchService } from './service.ts';

const obj = <P extends TProperties>(properties: P) => Type.Object(properties, { additionalProperties: false });
const Market = Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2 code of the market.' });
const Amount = Type.Integer({ minimum: 0, maximum: 1_000_000_000_000, description: 'Minor units of `currency`.' });
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', format: 'date' });
const FulfilmentList = `^(${FULFILMENT_PATHS.join('|')})(,(${FULFILMENT_PATHS.join('|')})){0,3}$`;
const Window = obj({ min: Type.Integer(), max: Type.Integer() });
const Count = obj({ value: Type.String(), count: Type.Integer() });

const SearchQuery = pageQuery({
  market: Market,
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Words in any catalogue language; leave out to browse.' })),
  lang: Type.Optional(Type.String({ pattern: '^[a-z]{2}(-[A-Z]{2})?$', maxLength: 5, description: 'The buyer’s language (BCP 47): titles are shown in it and words stemmed as it stems them. Default: the market’s.' })),
  category: Type.Optional(Type.String({ pattern: '^[a-z0-9_]+(\\.[a-z0-9_]+)*$', maxLength: 200, description: 'A category code: the category and everything below it.' })),
  price_min: Type.Optional(Amount),
  price_max: Type.Optional(Amount),
  currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$', description: 'The buyer’s currency (ISO 4217) for prices, price filters and bands. Default: the market’s.' })),
  ships_from: Type.Optional(Type.String({ pattern: '^[A-Z]{2}(,[A-Z]{2}){0,9}$', description: 'Countries, comma-separated: any of them.' })),
  fulfilment: Type.Optional(Type.String({ pattern: FulfilmentList, description: `Fulfilment paths, comma-separated: any of ${FULFILMENT_PATHS.join(', ')}.` })),
  max_delivery_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 120, description: 'The quickest offer arrives within this many days (handling time included).' })),
  free_shipping: Type.Optional(Type.Boolean({ description: 'true: only listings that ship one unit free.' })),
});

const SearchHitSchema = obj({
  product_id: IdOf('prd'),
  title: Type.String(),
  title_language: Type.String(),
  image: Type.Union([Type.String(), Type.Null()]),
  price_from: MoneySchema,
  price_to: MoneySchema,
  store: obj({ name: Type.String(), score: Type.Integer({ description: 'Store score, 0–100.' }) }),
  in_stock: Type.Boolean(),
  delivery_days: Type.Union([Window, Type.Null()], { description: 'The quickest shipping offer’s window, handling time included.' }),
  free_shipping: Type.Boolean(),
  ships_from: Type.Array(Type.String()),
  fulfilment: Type.Array(Type.String()),
});

const FacetsSchema = obj({
  categories: Type.Array(obj({ code: Type.String(), name: Type.String(), count: Type.Integer() })),
  price_bands: Type.Array(obj({ from: MoneySchema, to: Type.Union([MoneySchema, Type.Null()]), count: Type.Integer() }), { description: 'From (included) to (not included; null: no upper end).' }),
  ships_from: Type.Array(Count),
  fulfilment: Type.Array(Count),
  free_shipping: obj({ count: Type.Integer() }),
});

const SearchResultsSchema = obj({
  search_id: IdOf('srch', 'Send with clicks on these results.'),
  market: Type.String(),
  language: Type.String(),
  currency: Type.String(),
  fuzzy: Type.Boolean({ description: 'No listing matched the words exactly: these match them approximately.' }),
  total: Type.Union([Type.Integer(), Type.Null()], { description: 'Results in all pages; on the first page only.' }),
  data: Type.Array(SearchHitSchema),
  facets: Type.Union([FacetsSchema, Type.Null()], { description: 'Counts for each filter value, with every other filter applied; on the first page only.' }),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});

const HotWordsSchema = obj({
  market: Type.Union([Type.String(), Type.Null()]),
  from: Type.String(),
  to: Type.String(),
  searches: Type.Integer(),
  zero_result_searches: Type.Integer(),
  click_through_rate: Type.Number(),
  top: Type.Array(obj({ query: Type.String(), searches: Type.Integer(), zero_result_searches: Type.Integer(), clicks: Type.Integer(), click_through_rate: Type.Number() })),
  zero_results: Type.Array(obj({ query: Type.String(), searches: Type.Integer() })),
});

const InLanguage = Type.Union([obj({ text: Type.String(), language: Type.String() }), Type.Null()]);
const ProductPageSchema = obj({
  product_id: IdOf('prd'),
  market: Type.String(),
  language: Type.String(),
  currency: Type.String(),
  title: Type.String(),
  title_language: Type.String(),
  description: InLanguage,
  warnings: InLanguage,
  images: Type.Array(Type.String()),
  video: Type.Union([obj({ url: Type.String(), duration_seconds: Type.Number() }), Type.Null()]),
  brand: Type.Union([Type.String(), Type.Null()]),
  model: Type.Union([Type.String(), Type.Null()]),
  attributes: Type.Array(obj({ code: Type.String(), value: Type.Union([Type.String(), Type.Number(), Type.Boolean()]) })),
  category: Type.Array(obj({ code: Type.String(), name: Type.String() }), { description: 'From the root down to the product’s category.' }),
  store: obj({ name: Type.String(), score: Type.Integer() }),
  price_from: MoneySchema,
  price_to: MoneySchema,
  skus: Type.Array(
    obj({
      sku_id: IdOf('sku'),
      seller_sku: Type.String(),
      variant: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
      price: MoneySchema,
      stock: obj({ state: Type.Enum(['in_stock', 'low', 'out_of_stock'] as const), available: Type.Union([Type.Integer(), Type.Null()], { description: 'Given only when few are left.' }) }),
    }),
  ),
  estimate_for: IdOf('sku', 'The SKU shipping and taxes are estimated for (one unit).'),
  shipping: obj({
    destination: obj({ country: Type.String(), postal_code: Type.Union([Type.String(), Type.Null()]) }),
    ships: Type.Boolean(),
    reason: Type.Union([Type.String(), Type.Null()]),
    options: Type.Array(
      obj({
        service_code: Type.String(),
        service_name: Type.String(),
        fulfilment: Type.String(),
        ships_from: Type.String(),
        price: MoneySchema,
        free: Type.Boolean(),
        delivery_days: Window,
        duties_prepaid: Type.Boolean({ description: 'Duties and taxes are paid with the order; none are due at the door.' }),
      }),
      { description: 'The seller’s default freight template, cheapest first; delivery windows include the handling time.' },
    ),
  }),
  taxes: Type.Union([
    obj({
      regime: Type.Union([Type.String(), Type.Null()]),
      collection: Type.String(),
      lines: Type.Array(obj({ kind: Type.String(), code: Type.String(), label: Type.String(), rate: Type.Union([Type.String(), Type.Null()]), amount: MoneySchema, collected: Type.Enum(['at_checkout', 'on_delivery'] as const) })),
      at_checkout: MoneySchema,
      on_delivery: MoneySchema,
      landed_total: Type.Union([MoneySchema, Type.Null()], { description: 'One unit, the cheapest shipping option and every duty and tax.' }),
      notes: Type.Array(Type.String()),
    }),
    Type.Null(),
  ]),
  taxes_unavailable: Type.Union([Type.String(), Type.Null()]),
});

const productPageView = (page: ProductPage) => ({
  product_id: page.productId,
  market: page.market,
  language: page.language,
  currency: page.currency,
  title: page.title.text,
  title_language: page.title.language,
  description: page.description,
  warnings: page.warnings,
  images: page.images,
  video: page.video ? { url: page.video.url, duration_seconds: page.video.durationSeconds } : null,
  brand: page.brand,
  model: page.model,
  attributes: page.attributes,
  category: page.category,
  store: page.store,
  price_from: page.price.from,
  price_to: page.price.to,
  skus: page.skus.map((sku) => ({ sku_id: sku.id, seller_sku: sku.sellerSku, variant: sku.variant, price: sku.price, stock: sku.stock })),
  estimate_for: page.estimateFor,
  shipping: {
    destination: { country: page.shipping.destination.country, postal_code: page.shipping.destination.postalCode },
    ships: page.shipping.ships,
    reason: page.shipping.reason,
    options: page.shipping.options.map((o) => ({ service_code: o.serviceCode, service_name: o.serviceName, fulfilment: o.fulfilment, ships_from: o.shipsFrom, price: o.price, free: o.free, delivery_days: o.deliveryDays, duties_prepaid: o.dutiesPrepaid })),
  },
  taxes: page.taxes
    ? { regime: page.taxes.regime, collection: page.taxes.collection, lines: page.taxes.lines, at_checkout: page.taxes.atCheckout, on_delivery: page.taxes.onDelivery, landed_total: page.taxes.landedTotal, notes: page.taxes.notes }
    : null,
  taxes_unavailable: page.taxesUnavailable,
});

const list = (value: string | undefined) => (value ? [...new Set(value.split(','))] : undefined);

const hitView = (hit: SearchHit) => ({
  product_id: hit.productId,
  title: hit.title.text,
  title_language: hit.title.language,
  image: hit.image,
  price_from: hit.price.from,
  price_to: hit.price.to,
  store: hit.store,
  in_stock: hit.inStock,
  delivery_days: hit.deliveryDays,
  free_shipping: hit.freeShipping,
  ships_from: hit.shipsFrom,
  fulfilment: hit.fulfilment,
});

const facetsView = (facets: Facets) => ({
  categories: facets.categories,
  price_bands: facets.priceBands,
  ships_from: facets.shipsFrom,
  fulfilment: facets.fulfilment,
  free_shipping: facets.freeShipping,
});

const resultsView = (results: SearchResults) => ({
  search_id: results.searchId,
  market: results.market,
  language: results.language,
  currency: results.currency,
  fuzzy: results.fuzzy,
  total: results.total,
  data: results.results.map(hitView),
  facets: results.facets ? facetsView(results.facets) : null,
  next_cursor: results.nextCursor,
});

const hotWordsView = (hot: HotWords) => ({
  market: hot.market,
  from: hot.from,
  to: hot.to,
  searches: hot.searches,
  zero_result_searches: hot.zeroResultSearches,
  click_through_rate: hot.clickThroughRate,
  top: hot.top.map((t) => ({ query: t.query, searches: t.searches, zero_result_searches: t.zeroResultSearches, clicks: t.clicks, click_through_rate: t.clickThroughRate })),
  zero_results: hot.zeroResults,
});

export function registerSearchRoutes(app: HttpApp, search: SearchService, pages: ProductPages): void {
  app.get(
    '/v1/store/products/:productId',
    {
      config: { public: true },
      schema: {
        tags: ['store'],
        summary: 'A product’s page in a market: content in the buyer’s language, SKUs with prices and stock, shipping options with delivery windows, estimated duties and taxes',
        params: obj({ productId: IdOf('prd') }),
        querystring: obj({
          market: Market,
          lang: SearchQuery.properties.lang,
          currency: SearchQuery.properties.currency,
          postal_code: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9 -]{1,11}$', description: 'The buyer’s postal code, for shipping prices; the whole country when left out.' })),
          sku_id: Type.Optional(IdOf('sku', 'Estimate shipping and taxes for this SKU; by default the cheapest in stock.')),
        }),
        response: { 200: ProductPageSchema },
      },
    },
    async (request) => {
      const { market, lang, currency, postal_code, sku_id } = request.query;
      return productPageView(
        await pages.page(request.params.productId, { market, ...(lang ? { lang } : {}), ...(currency ? { currency } : {}), ...(postal_code ? { postalCode: postal_code } : {}), ...(sku_id ? { skuId: sku_id } : {}) }),
      );
    },
  );

  app.get(
    '/v1/store/search',
    {
      config: { public: true },
      schema: {
        tags: ['store'],
        summary: 'Search a market’s listings: words in any catalogue language, filters, facets with counts, ranked by relevance, quality, store score and market preference',
        querystring: SearchQuery,
        headers: Type.Object({ 'x-session-id': Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{8,128}$', description: 'An anonymous buyer’s session, logged with the search.' })) }),
        response: { 200: SearchResultsSchema },
      },
    },
    async (request) => {
      const query = request.query;
      const principal = request.principal as Principal | null;
      const sessionId = request.headers['x-session-id'];
      const results = await search.search(principal ? callerOf(request) : null, {
        market: query.market,
        limit: query.limit ?? 20,
        ...(query.cursor ? { cursor: query.cursor } : {}),
        ...(query.q ? { q: query.q } : {}),
        ...(query.lang ? { lang: query.lang } : {}),
        ...(query.category ? { category: query.category } : {}),
        ...(query.price_min !== undefined ? { priceMin: query.price_min } : {}),
        ...(query.price_max !== undefined ? { priceMax: query.price_max } : {}),
        ...(query.currency ? { currency: query.currency } : {}),
        ...(query.ships_from ? { shipsFrom: list(query.ships_from) } : {}),
        ...(query.fulfilment ? { fulfilment: list(query.fulfilment) } : {}),
        ...(query.max_delivery_days !== undefined ? { maxDeliveryDays: query.max_delivery_days } : {}),
        ...(query.free_shipping ? { freeShipping: true } : {}),
        ...(typeof sessionId === 'string' ? { sessionId } : {}),
      });
      return resultsView(results);
    },
  );

  app.post(
    '/v1/store/search/:searchId/clicks',
    {
      config: { public: true, idempotency: 'optional' },
      schema: {
        tags: ['store'],
        summary: 'Record that a buyer opened a result of a search (counted once per search and product)',
        params: obj({ searchId: IdOf('srch') }),
        body: obj({ product_id: IdOf('prd'), position: Type.Integer({ minimum: 1, maximum: 10_000, description: '1-based position in the list the buyer saw.' }) }),
      },
    },
    async (request, reply) => {
      await search.click(request.params.searchId, { productId: request.body.product_id, position: request.body.position });
      return reply.status(204).send();
    },
  );

  app.get(
    '/v1/ops/search/hot-words',
    {
      schema: {
        tags: ['ops: search'],
        summary: 'Hot words: the commonest searches between two days (both included), searches that found nothing, click-through',
        querystring: obj({ market: Type.Optional(Market), from: Type.Optional(Day), to: Type.Optional(Day), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })) }),
        response: { 200: HotWordsSchema },
      },
    },
    async (request) => {
      const { market, from, to, limit } = request.query;
      return hotWordsView(await search.hotWords(callerOf(request), { limit: limit ?? 20, ...(market ? { market } : {}), ...(from ? { from } : {}), ...(to ? { to } : {}) }));
    },
  );
}

import { Type } from 'typebox';
import type { HttpApp } from '../../platform/http/server.ts';
import { FieldErrorSchema, IdOf, MoneySchema, Page, pageQuery, Timestamp } from '../../platform/http/schemas.ts';
import { CertificateSchema, certificateView, FindingSchema, findingView, NewCertificateSchema, type CertificatesService, type ListingReviewsService } from '../compliance/index.ts';
import { callerOf } from '../identity/index.ts';
import { WAREHOUSE_PATTERN } from '../inventory/index.ts';
import type { CategoriesService } from './categories.ts';
import { CountryPrices, Market, obj, PriceSchema, productProperties, SkuCode } from './input-schema.ts';
import { LIMITS, LISTING_STATUSES, PRODUCT_STATUSES, type ProductInput } from './rules.ts';
import type { CatalogService, Product } from './service.ts';
import type { ImportsService, ProductImport } from './imports.ts';
import { readSingleFile } from '../../platform/http/uploads.ts';
import { COLUMN_PREFIXES, PRODUCT_COLUMNS, REQUIRED_COLUMNS, SKU_COLUMNS } from './bulk.ts';
import { attributeJson, type ResolvedCategory } from './taxonomy.ts';


const ListingSchema = Type.Object({
  market: Type.String(),
  status: Type.Enum(LISTING_STATUSES),
  held: Type.Boolean({ description: 'Waiting in the compliance queue.' }),
  findings: Type.Array(FindingSchema),
  override: Type.Union([Type.Object({ outcome: Type.String(), reason: Type.String(), at: Timestamp }), Type.Null()]),
  evaluated_at: Timestamp,
});

const ProductSchema = Type.Object({
  id: IdOf('prd'),
  seller_id: IdOf('sel'),
  status: Type.Enum(PRODUCT_STATUSES),
  version: Type.Integer(),
  seller_ref: Type.Union([Type.String(), Type.Null()]),
  category: Type.String(),
  main_language: Type.String(),
  titles: Type.Record(Type.String(), Type.String()),
  descriptions: Type.Record(Type.String(), Type.String()),
  attributes: Type.Record(Type.String(), Type.Unknown()),
  images: Type.Array(Type.String()),
  video: Type.Union([Type.Object({ url: Type.String(), duration_seconds: Type.Number() }), Type.Null()]),
  brand: Type.Union([Type.String(), Type.Null()]),
  model: Type.Union([Type.String(), Type.Null()]),
  manufacturer: Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()]),
  eu_responsible_person: Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()]),
  warnings: Type.Record(Type.String(), Type.String()),
  hs_code: Type.Union([Type.String(), Type.Null()]),
  markets: Type.Array(Type.String()),
  skus: Type.Array(
    Type.Object({
      id: IdOf('sku'),
      seller_sku: Type.String(),
      variant: Type.Record(Type.String(), Type.Unknown()),
      price: MoneySchema,
      country_prices: Type.Record(Type.String(), MoneySchema),
      weight_grams: Type.Union([Type.Integer(), Type.Null()]),
      package_mm: Type.Union([Type.Object({ length: Type.Integer(), width: Type.Integer(), height: Type.Integer() }), Type.Null()]),
      barcode: Type.Union([Type.String(), Type.Null()]),
      available: Type.Integer(),
    }),
  ),
  listings: Type.Array(ListingSchema),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export function productView(product: Product) {
  const input = product.input;
  return {
    id: product.id,
    seller_id: product.sellerId,
    status: product.status,
    version: product.version,
    seller_ref: product.sellerRef,
    category: input.category,
    main_language: input.main_language,
    titles: input.titles as Record<string, string>,
    descriptions: (input.descriptions ?? {}) as Record<string, string>,
    attributes: input.attributes ?? {},
    images: input.images ?? [],
    video: input.video ?? null,
    brand: input.brand ?? null,
    model: input.model ?? null,
    manufacturer: (input.manufacturer ?? null) as Record<string, string> | null,
    eu_responsible_person: (input.eu_responsible_person ?? null) as Record<string, string> | null,
    warnings: (input.warnings ?? {}) as Record<string, string>,
    hs_code: input.hs_code ?? null,
    markets: input.markets,
    skus: product.skus.map((sku) => ({
      id: sku.id,
      seller_sku: sku.sellerSku,
      variant: sku.variant,
      price: sku.price,
      country_prices: sku.countryPrices,
      weight_grams: sku.weightGrams,
      package_mm: sku.packageMm,
      barcode: sku.barcode,
      available: sku.available,
    })),
    listings: product.listings.map((l) => ({
      market: l.market,
      status: l.status,
      held: l.held,
      findings: l.findings.map(findingView),
      override: l.override ? { outcome: l.override.outcome, reason: l.override.reason, at: l.override.at } : null,
      evaluated_at: l.evaluatedAt.toISOString(),
    })),
    created_at: product.createdAt.toISOString(),
    updated_at: product.updatedAt.toISOString(),
  };
}

function categoryView(c: ResolvedCategory, today: string) {
  const step = [...c.commission].reverse().find((s) => s.from <= today);
  return {
    code: c.code,
    path: c.path,
    names: c.names,
    is_leaf: c.isLeaf,
    commission_rate: step?.rate ?? null,
    certifications: c.certifications.map((r) => ({ markets: r.markets, any_of: r.anyOf, basis: r.basis })),
    qualification_required: c.qualificationRequired,
    attributes: c.attributes.map(attributeJson),
  };
}

const CategorySchema = Type.Object({
  code: Type.String(),
  path: Type.Array(Type.String()),
  names: Type.Record(Type.String(), Type.String()),
  is_leaf: Type.Boolean(),
  commission_rate: Type.Union([Type.String(), Type.Null()], { description: 'Commission in force today, as a decimal fraction.' }),
  certifications: Type.Array(Type.Object({ markets: Type.Array(Type.String()), any_of: Type.Array(Type.String()), basis: Type.String() })),
  qualification_required: Type.Boolean(),
  attributes: Type.Array(Type.Unknown()),
});

const ProductParams = Type.Object({ productId: IdOf('prd') });
const Reason = Type.String({ minLength: 3, maxLength: 2000 });

const BatchResultSchema = Type.Object({
  results: Type.Array(
    Type.Object({
      index: Type.Integer(),
      ok: Type.Boolean(),
      id: Type.String(),
      error: Type.Optional(Type.Object({ status: Type.Integer(), code: Type.String(), message: Type.String(), errors: Type.Array(FieldErrorSchema) })),
    }),
  ),
});

const StockMovementSchema = Type.Object({
  id: IdOf('stm'),
  sku_id: IdOf('sku'),
  warehouse: Type.String(),
  delta: Type.Integer(),
  on_hand_after: Type.Integer(),
  reason: Type.Enum(['set', 'adjust', 'import', 'sale'] as const),
  reference: Type.Union([Type.String(), Type.Null()]),
  actor_id: Type.Union([Type.String(), Type.Null()]),
  occurred_at: Timestamp,
});

/** Batch limits: generous enough for the ERP tools' 20 products × 200 SKUs per call. */
export const BATCH_LIMITS = { products: 50, skusPerProduct: LIMITS.skusPerProduct } as const;

export function registerCatalogRoutes(
  app: HttpApp,
  deps: { catalog: CatalogService; categories: CategoriesService; imports: ImportsService; certificates: CertificatesService; reviews: ListingReviewsService; today: () => string },
): void {
  const { catalog, categories, imports } = deps;
  registerImportRoutes(app, imports);

  for (const surface of ['store', 'seller'] as const) {
    app.get(
      `/v1/${surface}/categories`,
      {
        config: { public: surface === 'store' },
        schema: { tags: [surface === 'store' ? 'store' : 'seller: products'], summary: 'The category tree with names in every language, rules and attributes', response: { 200: Type.Object({ data: Type.Array(CategorySchema) }) } },
      },
      async () => ({ data: (await categories.list()).map((c) => categoryView(c, deps.today())) }),
    );
  }

  app.post(
    '/v1/seller/products',
    {
      config: { idempotency: 'required' },
      bodyLimit: 4 * 1024 * 1024,
      schema: {
        tags: ['seller: products'],
        summary: 'Create a product with its SKUs; `publish: true` lists it at once in its markets',
        description: 'The product is judged for every market it is offered in; each listing says whether it is live and, if not, why and how to fix it.',
        body: obj({ ...productProperties, publish: Type.Optional(Type.Boolean()) }),
        response: { 201: ProductSchema },
      },
    },
    async (request, reply) => {
      const { publish, ...input } = request.body;
      const product = await catalog.create(callerOf(request), input as ProductInput, { publish: publish ?? false });
      return reply.code(201).send(productView(product));
    },
  );

  app.get(
    '/v1/seller/products',
    {
      schema: {
        tags: ['seller: products'],
        summary: 'Your products, newest first, with filters',
        querystring: pageQuery({
          status: Type.Optional(Type.Enum(PRODUCT_STATUSES)),
          category: Type.Optional(Type.String({ maxLength: 200, description: 'A category code; its subcategories are included.' })),
          market: Type.Optional(Market),
          listing_status: Type.Optional(Type.Enum(LISTING_STATUSES)),
          q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Text in a title.' })),
          seller_sku: Type.Optional(Type.String({ maxLength: 64 })),
        }),
        response: { 200: Page(ProductSchema) },
      },
    },
    async (request) => {
      const { limit = 20, cursor, status, category, market, listing_status, q, seller_sku } = request.query;
      const page = await catalog.list(callerOf(request), {
        limit,
        ...(cursor ? { cursor } : {}),
        ...(status ? { status } : {}),
        ...(category ? { category } : {}),
        ...(market ? { market } : {}),
        ...(listing_status ? { listingStatus: listing_status } : {}),
        ...(q ? { q } : {}),
        ...(seller_sku ? { sellerSku: seller_sku } : {}),
      });
      return { data: page.data.map(productView), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/seller/products/:productId',
    { schema: { tags: ['seller: products'], summary: 'One product with its SKUs, stock and listings', params: ProductParams, response: { 200: ProductSchema } } },
    async (request) => productView(await catalog.get(callerOf(request), request.params.productId)),
  );

  app.patch(
    '/v1/seller/products/:productId',
    {
      bodyLimit: 4 * 1024 * 1024,
      schema: {
        tags: ['seller: products'],
        summary: 'Change a product (JSON merge patch); `skus`, when sent, is the complete new list',
        params: ProductParams,
        body: Type.Object({ patch: Type.Record(Type.String(), Type.Unknown()), expected_version: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false }),
        response: { 200: ProductSchema },
      },
    },
    async (request) => {
      const { patch, expected_version } = request.body;
      return productView(await catalog.update(callerOf(request), request.params.productId, patch, expected_version !== undefined ? { expectedVersion: expected_version } : {}));
    },
  );

  app.post(
    '/v1/seller/products/:productId/status',
    {
      config: { idempotency: 'optional' },
      schema: {
        tags: ['seller: products'],
        summary: 'Publish, take offline, or return to draft',
        params: ProductParams,
        body: obj({ status: Type.Enum(PRODUCT_STATUSES) }),
        response: { 200: ProductSchema },
      },
    },
    async (request) => productView(await catalog.changeStatus(callerOf(request), request.params.productId, request.body.status)),
  );

  app.delete(
    '/v1/seller/products/:productId',
    { schema: { tags: ['seller: products'], summary: 'Delete a product: its listings end and its SKU codes become free', params: ProductParams, response: { 204: Type.Null() } } },
    async (request, reply) => {
      await catalog.remove(callerOf(request), request.params.productId);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/seller/products/:productId/certificates',
    {
      config: { idempotency: 'required' },
      schema: { tags: ['seller: products'], summary: 'File a certificate for this product; its listings are judged again', params: ProductParams, body: NewCertificateSchema, response: { 201: CertificateSchema } },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      await catalog.ownProduct(caller, request.params.productId);
      const { type, number, markets, scope, issuer, valid_from, valid_to } = request.body;
      const certificate = await deps.certificates.add(caller, { productId: request.params.productId, type, number, markets, issuer, validFrom: valid_from, validTo: valid_to ?? null, ...(scope ? { scope } : {}) });
      return reply.code(201).send(certificateView(certificate));
    },
  );

  app.post(
    '/v1/seller/products/batch/prices',
    {
      config: { idempotency: 'required' },
      bodyLimit: 4 * 1024 * 1024,
      schema: {
        tags: ['seller: products'],
        summary: `Update prices of up to ${BATCH_LIMITS.products} products × ${BATCH_LIMITS.skusPerProduct} SKUs; each product answers for itself`,
        body: obj({
          items: Type.Array(
            obj({ product_id: IdOf('prd'), skus: Type.Array(obj({ seller_sku: SkuCode, price: PriceSchema, country_prices: Type.Optional(CountryPrices) }), { minItems: 1, maxItems: BATCH_LIMITS.skusPerProduct }) }),
            { minItems: 1, maxItems: BATCH_LIMITS.products },
          ),
        }),
        response: { 200: BatchResultSchema },
      },
    },
    async (request) => ({
      results: await catalog.updatePrices(
        callerOf(request),
        request.body.items.map((item) => ({
          productId: item.product_id,
          skus: item.skus.map((sku) => ({ sellerSku: sku.seller_sku, price: sku.price, ...(sku.country_prices ? { countryPrices: sku.country_prices } : {}) })),
        })),
      ),
    }),
  );

  app.get(
    '/v1/seller/inventory/movements',
    {
      schema: {
        tags: ['seller: products'],
        summary: 'Every change to one of your SKUs’ stock, newest first',
        querystring: pageQuery({ sku_id: IdOf('sku') }),
        response: { 200: Page(StockMovementSchema) },
      },
    },
    async (request) => {
      const { sku_id, limit = 20, cursor } = request.query;
      const page = await catalog.stockMovements(callerOf(request), { skuId: sku_id, limit, ...(cursor ? { cursor } : {}) });
      return {
        data: page.data.map((m) => ({
          id: m.id,
          sku_id: m.skuId,
          warehouse: m.warehouse,
          delta: m.delta,
          on_hand_after: m.onHandAfter,
          reason: m.reason,
          reference: m.reference,
          actor_id: m.actorId,
          occurred_at: m.occurredAt.toISOString(),
        })),
        next_cursor: page.nextCursor,
      };
    },
  );

  app.post(
    '/v1/seller/products/batch/stock',
    {
      config: { idempotency: 'required' },
      bodyLimit: 4 * 1024 * 1024,
      schema: {
        tags: ['seller: products'],
        summary: `Set (quantity) or adjust (delta) stock of up to ${BATCH_LIMITS.products} products × ${BATCH_LIMITS.skusPerProduct} SKUs; each product answers for itself`,
        body: obj({
          items: Type.Array(
            obj({
              product_id: IdOf('prd'),
              skus: Type.Array(
                obj({
                  seller_sku: SkuCode,
                  warehouse: Type.Optional(Type.String({ pattern: WAREHOUSE_PATTERN })),
                  quantity: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000 })),
                  delta: Type.Optional(Type.Integer({ minimum: -10_000_000, maximum: 10_000_000 })),
                }),
                { minItems: 1, maxItems: BATCH_LIMITS.skusPerProduct },
              ),
            }),
            { minItems: 1, maxItems: BATCH_LIMITS.products },
          ),
        }),
        response: { 200: BatchResultSchema },
      },
    },
    async (request) => ({
      results: await catalog.updateStock(
        callerOf(request),
        request.body.items.map((item) => ({
          productId: item.product_id,
          skus: item.skus.map((sku) => ({
            sellerSku: sku.seller_sku,
            ...(sku.warehouse ? { warehouse: sku.warehouse } : {}),
            ...(sku.quantity !== undefined ? { quantity: sku.quantity } : {}),
            ...(sku.delta !== undefined ? { delta: sku.delta } : {}),
          })),
        })),
      ),
    }),
  );

  app.post(
    '/v1/store/products/:productId/reports',
    {
      config: { idempotency: 'optional' },
      schema: {
        tags: ['store'],
        summary: 'Report a listing (a buyer): it joins the operators’ compliance queue',
        params: ProductParams,
        body: obj({
          market: Market,
          reason: Type.Enum(['prohibited_item', 'counterfeit', 'unsafe', 'misleading', 'off_platform_contact', 'other'] as const),
          details: Type.Optional(Type.String({ maxLength: 2000 })),
        }),
        response: { 202: Type.Object({ review_id: IdOf('lrv') }) },
      },
    },
    async (request, reply) => {
      const { market, reason, details } = request.body;
      const { reviewId } = await catalog.report(callerOf(request), request.params.productId, { market, reason, ...(details ? { details } : {}) });
      return reply.code(202).send({ review_id: reviewId });
    },
  );

  app.get(
    '/v1/ops/products/:productId',
    { schema: { tags: ['ops: compliance'], summary: 'Any product with its listings and findings', params: ProductParams, response: { 200: ProductSchema } } },
    async (request) => productView(await catalog.operatorView(callerOf(request), request.params.productId)),
  );

  const CategoryParams = Type.Object({ code: Type.String({ pattern: '^[a-z0-9_]+(\\.[a-z0-9_]+)*$', maxLength: 200 }) });
  app.get(
    '/v1/ops/categories/:code',
    {
      schema: {
        tags: ['ops: catalog'],
        summary: 'A category’s own definition (as stored, before inheritance) and every version it had',
        params: CategoryParams,
        response: {
          200: Type.Object({
            code: Type.String(),
            version: Type.Integer(),
            active: Type.Boolean(),
            updated_by: Type.String(),
            updated_at: Timestamp,
            definition: Type.Unknown(),
            history: Type.Array(Type.Object({ version: Type.Integer(), changed_by: Type.String(), changed_at: Timestamp, reason: Type.String(), active: Type.Boolean() })),
          }),
        },
      },
    },
    async (request) => {
      const item = await categories.definition(callerOf(request), request.params.code);
      return {
        code: item.key,
        version: item.version,
        active: item.active,
        updated_by: item.updatedBy,
        updated_at: item.updatedAt.toISOString(),
        definition: item.definition,
        history: item.history.map((h) => ({ version: h.version, changed_by: h.changedBy, changed_at: h.changedAt.toISOString(), reason: h.reason, active: h.active })),
      };
    },
  );

  app.put(
    '/v1/ops/categories/:code',
    {
      bodyLimit: 2 * 1024 * 1024,
      schema: {
        tags: ['ops: catalog'],
        summary: 'Change a category (names, commission steps, certifications, attributes) or add one; checked against the whole tree, versioned and audited',
        params: CategoryParams,
        body: obj({ definition: Type.Record(Type.String(), Type.Unknown()), reason: Reason }),
        response: { 200: Type.Object({ code: Type.String(), version: Type.Integer() }) },
      },
    },
    async (request) => {
      const item = await categories.put(callerOf(request), request.params.code, request.body.definition, request.body.reason);
      return { code: item.key, version: item.version };
    },
  );

  app.post(
    '/v1/ops/listings/:productId/:market/override',
    {
      config: { idempotency: 'optional' },
      schema: {
        tags: ['ops: compliance'],
        summary: 'Override the compliance outcome of one listing, with a reason; it stands while the findings stay the same',
        params: Type.Object({ productId: IdOf('prd'), market: Market }),
        body: obj({ outcome: Type.Enum(['pass', 'delist'] as const), reason: Reason }),
        response: { 200: ProductSchema },
      },
    },
    async (request) => productView(await catalog.override(callerOf(request), request.params.productId, request.params.market, request.body)),
  );
}

const ImportSchema = Type.Object({
  id: IdOf('imp'),
  status: Type.Enum(['queued', 'running', 'succeeded', 'failed'] as const),
  file_name: Type.String(),
  format: Type.Enum(['csv', 'xlsx'] as const),
  sha256: Type.String(),
  counts: Type.Object({
    rows: Type.Integer(),
    rows_imported: Type.Integer(),
    rows_failed: Type.Integer(),
    products_created: Type.Integer(),
    products_updated: Type.Integer(),
    products_unchanged: Type.Integer(),
  }),
  errors: Type.Array(Type.Object({ row: Type.Integer(), column: Type.String(), code: Type.String(), message: Type.String() })),
  failure: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
  started_at: Type.Union([Timestamp, Type.Null()]),
  finished_at: Type.Union([Timestamp, Type.Null()]),
});

const importView = (i: ProductImport) => ({
  id: i.id,
  status: i.status,
  file_name: i.fileName,
  format: i.format,
  sha256: i.sha256,
  counts: {
    rows: i.counts.rows,
    rows_imported: i.counts.rowsImported,
    rows_failed: i.counts.rowsFailed,
    products_created: i.counts.productsCreated,
    products_updated: i.counts.productsUpdated,
    products_unchanged: i.counts.productsUnchanged,
  },
  errors: i.errors,
  failure: i.failure,
  created_at: i.createdAt.toISOString(),
  started_at: i.startedAt?.toISOString() ?? null,
  finished_at: i.finishedAt?.toISOString() ?? null,
});

function registerImportRoutes(app: HttpApp, imports: ImportsService): void {
  app.get(
    '/v1/seller/imports/template',
    {
      schema: {
        tags: ['seller: products'],
        summary: 'The product file template: its columns, which are required, and the open-ended column prefixes',
        response: { 200: Type.Object({ product_columns: Type.Array(Type.String()), sku_columns: Type.Array(Type.String()), required: Type.Array(Type.String()), prefixes: Type.Record(Type.String(), Type.String()) }) },
      },
    },
    async () => ({ product_columns: [...PRODUCT_COLUMNS], sku_columns: [...SKU_COLUMNS], required: [...REQUIRED_COLUMNS], prefixes: { ...COLUMN_PREFIXES } }),
  );

  app.post(
    '/v1/seller/imports',
    {
      config: { multipart: true },
      schema: {
        tags: ['seller: products'],
        summary: 'Import products from a CSV or Excel (.xlsx) file in the template; follow it at /v1/seller/imports/{id}',
        description: 'One row per SKU; the rows of a product are consecutive and share its product_ref. Good products are committed, bad rows reported with their row and column. Importing the same file again changes nothing.',
        response: { 202: ImportSchema },
      },
    },
    async (request, reply) => {
      const file = await readSingleFile(request);
      const started = await imports.start(callerOf(request), { fileName: file.filename, content: file.content });
      return reply.code(202).header('location', `/v1/seller/imports/${started.id}`).send(importView(started));
    },
  );

  app.get(
    '/v1/seller/imports',
    { schema: { tags: ['seller: products'], summary: 'Your recent imports (without their row errors)', response: { 200: Type.Object({ data: Type.Array(ImportSchema) }) } } },
    async (request) => ({ data: (await imports.list(callerOf(request))).map(importView) }),
  );

  app.get(
    '/v1/seller/imports/:importId',
    { schema: { tags: ['seller: products'], summary: 'An import’s progress, counts and row errors', params: Type.Object({ importId: IdOf('imp') }), response: { 200: ImportSchema } } },
    async (request) => importView(await imports.get(callerOf(request), request.params.importId)),
  );

  app.get(
    '/v1/seller/exports/products',
    {
      schema: {
        tags: ['seller: products'],
        summary: 'Your catalogue as a CSV or Excel file in the import template',
        querystring: Type.Object({ format: Type.Optional(Type.Enum(['csv', 'xlsx'] as const)) }, { additionalProperties: false }),
      },
    },
    async (request, reply) => {
      const file = await imports.export(callerOf(request), request.query.format ?? 'xlsx');
      return reply.header('content-type', file.contentType).header('content-disposition', `attachment; filename="${file.fileName}"`).header('cache-control', 'private, no-store').send(file.content);
    },
  );
}

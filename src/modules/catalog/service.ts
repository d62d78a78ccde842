import { and, desc, eq, inArray, isNull, lt, ne, sql, type SQL } from 'drizzle-orm';
import type { Platform } from '../../platform/index.ts';
import { systemActor } from '../../platform/audit/index.ts';
import { inTransaction, isUniqueViolation, type Db } from '../../platform/db/index.ts';
import { AppError, conflict, notFound, validationFailed, type FieldError } from '../../platform/errors/index.ts';
import { registerIdPrefix } from '../../platform/ids/index.ts';
import { isCurrency } from '../../platform/money/index.ts';
import { decodeCursor, toPage, type Page } from '../../platform/pagination.ts';
import { canonicalJson } from '../../platform/canonical-json.ts';
import { mergePatch } from '../../platform/merge-patch.ts';
import { findingsFingerprint, type AdmissionService, type CertificatesService, type Finding, type ListingReviewsService, type MarketDecision, type ProductForAdmission } from '../compliance/index.ts';
import { actorOf, authorize, requireOperator, requireSeller, type Caller } from '../identity/index.ts';
import { DEFAULT_WAREHOUSE, type InventoryService } from '../inventory/index.ts';
import type { MarketDirectory } from '../markets/index.ts';
import type { SellersService } from '../sellers/index.ts';
import type { CategoriesService } from './categories.ts';
import { productShapeProblems } from './input-schema.ts';
import {
  contentHash,
  listingPath,
  productProblems,
  statusForOutcome,
  type ComplianceOutcome,
  type ListingStatus,
  type ProductInput,
  type ProductStatus,
  type SkuInput,
} from './rules.ts';
import { listings, products, skus } from './schema.ts';
import type { ResolvedCategory } from './taxonomy.ts';

const PRODUCT_PREFIX = registerIdPrefix('prd', 'product');
const SKU_PREFIX = registerIdPrefix('sku', 'SKU');

export const CATALOG_EVENTS = {
  listingChanged: 'catalog.listing.changed',
  /** A product was saved, judged, taken offline or deleted: { productId }. */
  productChanged: 'catalog.product.changed',
  /** A product's SKU prices changed: { productId }. */
  pricesChanged: 'catalog.prices.changed',
  /** Stock of a product's SKUs was set or moved: { productId }. */
  stockChanged: 'catalog.stock.changed',
} as const;

type ProductRow = typeof products.$inferSelect;
type SkuRow = typeof skus.$inferSelect;
type ListingRow = typeof listings.$inferSelect;

export interface Override {
  outcome: 'pass' | 'delist';
  fingerprint: string;
  by: string;
  reason: string;
  at: string;
}

export interface Listing {
  market: string;
  status: ListingStatus;
  held: boolean;
  findings: Finding[];
  override: Override | null;
  evaluatedAt: Date;
}

export interface Sku {
  id: string;
  sellerSku: string;
  variant: Record<string, string | number | boolean>;
  price: { amount: number; currency: string };
  countryPrices: Record<string, { amount: number; currency: string }>;
  weightGrams: number | null;
  packageMm: { length: number; width: number; height: number } | null;
  barcode: string | null;
  available: number;
}

export interface Product {
  id: string;
  sellerId: string;
  sellerRef: string | null;
  status: ProductStatus;
  input: Omit<ProductInput, 'skus'>;
  skus: Sku[];
  listings: Listing[];
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** What a product stores beside its SKUs and markets. */
type Content = Omit<ProductInput, 'skus' | 'markets' | 'category' | 'seller_ref'>;

function contentOf(input: ProductInput): Content {
  const { skus: _skus, markets: _markets, category: _category, seller_ref: _ref, ...content } = input;
  return content;
}

function skuInputOf(row: SkuRow): SkuInput {
  return {
    seller_sku: row.sellerSku,
    variant: row.variant as SkuInput['variant'],
    price: { amount: row.priceAmount, currency: row.priceCurrency },
    country_prices: row.countryPrices as Record<string, { amount: number; currency: string }>,
    weight_grams: row.weightGrams,
    package_mm: row.lengthMm && row.widthMm && row.heightMm ? { length: row.lengthMm, width: row.widthMm, height: row.heightMm } : null,
    barcode: row.barcode,
  };
}

/**
 * The problems of a whole product, pointed at the SKUs of a batch item: `/skus/3/price` of the
 * stored product becomes `/skus/0/price` when that SKU is the first the caller sent.
 */
function pointedAtSentSkus(error: AppError, stored: readonly SkuInput[], sent: readonly { sellerSku: string }[]): AppError {
  const errors = error.errors.map((field) => {
    const match = /^\/skus\/(\d+)(\/.*)?$/.exec(field.path);
    if (!match) return field;
    const sentIndex = sent.findIndex((sku) => sku.sellerSku === stored[Number(match[1])]?.seller_sku);
    return sentIndex < 0 ? field : { ...field, path: `/skus/${sentIndex}${match[2] ?? ''}` };
  });
  return new AppError(error.status, error.code, error.title, error.message, errors, error.headers);
}

function inputOf(row: ProductRow, skuRows: readonly SkuRow[]): ProductInput {
  return {
    ...(row.content as Content),
    seller_ref: row.sellerRef,
    category: row.categoryCode,
    markets: row.markets,
    skus: skuRows.map(skuInputOf),
  };
}

/** Stock is applied to inventory and kept out of the content hash: a new count is not a new product. */
export function withoutStock(input: ProductInput): ProductInput {
  return { ...input, skus: input.skus.map(({ stock: _stock, ...sku }) => sku) };
}

/** The texts buyers read, with their paths, for the content scanners. */
export function buyerTexts(input: ProductInput): { path: string; text: string }[] {
  const texts: { path: string; text: string }[] = [];
  const add = (path: string, text: unknown) => {
    if (typeof text === 'string' && text.trim() !== '') texts.push({ path, text });
  };
  for (const [lang, text] of Object.entries(input.titles)) add(`/titles/${lang}`, text);
  for (const [lang, text] of Object.entries(input.descriptions ?? {})) add(`/descriptions/${lang}`, text);
  for (const [lang, text] of Object.entries(input.warnings ?? {})) add(`/warnings/${lang}`, text);
  add('/brand', input.brand);
  add('/model', input.model);
  for (const [code, value] of Object.entries(input.attributes ?? {})) add(`/attributes/${code}`, value);
  input.skus.forEach((sku, i) => {
    for (const [code, value] of Object.entries(sku.variant ?? {})) add(`/skus/${i}/variant/${code}`, value);
  });
  return texts;
}

export interface CatalogDependencies {
  categories: CategoriesService;
  inventory: InventoryService;
  admission: AdmissionService;
  certificates: CertificatesService;
  reviews: ListingReviewsService;
  markets: MarketDirectory;
  sellers: SellersService;
}

export function createCatalogService(platform: Platform, deps: CatalogDependencies) {
  const { db, clock, ids, audit, events } = platform;

  function forAdmission(row: Pick<ProductRow, 'id'>, input: ProductInput, category: ResolvedCategory | undefined): ProductForAdmission {
    return {
      productId: row.id,
      hsCode: input.hs_code ?? null,
      texts: buyerTexts(input),
      product: {
        categoryName: category?.names.en ?? input.category,
        categoryPath: category?.path ?? [],
        qualificationRequired: category?.qualificationRequired ?? false,
        markets: input.markets,
        certificationRules: category?.certifications ?? [],
        video: input.video ? { durationSeconds: input.video.duration_seconds } : null,
        images: input.images?.length ?? 0,
        model: input.model ?? null,
        manufacturer: input.manufacturer ?? null,
        euResponsiblePerson: input.eu_responsible_person ?? null,
        warnings: (input.warnings ?? {}) as Record<string, string>,
      },
    };
  }

  async function skusOf(tx: Db, sellerId: string, productIds: readonly string[]): Promise<Map<string, SkuRow[]>> {
    const rows = productIds.length
      ? await tx
          .select()
          .from(skus)
          .where(and(eq(skus.sellerId, sellerId), inArray(skus.productId, [...productIds]), isNull(skus.deletedAt)))
          .orderBy(skus.position)
      : [];
    const byProduct = new Map<string, SkuRow[]>(productIds.map((id) => [id, []]));
    for (const row of rows) byProduct.get(row.productId)?.push(row);
    return byProduct;
  }

  /**
   * Judges products in every market they are offered in and moves each listing along the
   * lifecycle to where compliance (or an operator's standing override) puts it. Each move is
   * audited with the rules behind it; holds enter the compliance queue and leave it when fixed.
   * Listings, audit records and events are written in batches: this runs for whole imports.
   */
  async function judge(tx: Db, sellerId: string, rows: readonly ProductRow[], actor: Caller | null): Promise<void> {
    if (rows.length === 0) return;
    const { categories } = await deps.categories.resolved(tx);
    const skuRows = await skusOf(tx, sellerId, rows.map((r) => r.id));
    const published = rows.filter((row) => row.status === 'published' && !row.deletedAt);
    const decisions = await deps.admission.evaluate(
      tx,
      sellerId,
      published.map((row) => forAdmission(row, inputOf(row, skuRows.get(row.id) ?? []), categories.get(row.categoryCode))),
    );
    const existing = await tx
      .select()
      .from(listings)
      .where(and(eq(listings.sellerId, sellerId), inArray(listings.productId, rows.map((r) => r.id))));
    const now = clock.now();
    const moves: Move[] = [];
    const upserts: (typeof listings.$inferInsert)[] = [];
    const withdrawn: ListingRow[] = [];
    for (const row of rows) {
      const current = new Map(existing.filter((l) => l.productId === row.id).map((l) => [l.market, l]));
      const wanted = row.status === 'draft' || row.deletedAt ? [] : row.markets;
      for (const [market, listing] of current) {
        if (wanted.includes(market)) continue;
        withdrawn.push(listing);
        moves.push({ row, market, from: listing.status as ListingStatus, to: null, action: 'withdraw', reason: 'No longer offered in this market', findings: [] });
      }
      const byMarket = new Map((decisions.get(row.id) ?? []).map((d) => [d.market, d]));
      for (const market of wanted) {
        const listing = current.get(market);
        const settled = settle(row, market, listing, byMarket.get(market));
        upserts.push({ sellerId: row.sellerId, productId: row.id, market, status: settled.status, findings: settled.findings, override: settled.override, held: settled.held, evaluatedAt: now, updatedAt: now });
        moves.push(...settled.moves);
        if (settled.held) await deps.reviews.keepHold(tx, { sellerId, productId: row.id, market }, settled.findings);
        else if (!settled.held && listing?.held) await deps.reviews.closeHold(tx, { sellerId, productId: row.id, market });
      }
    }
    for (const listing of withdrawn) {
      await tx.delete(listings).where(and(eq(listings.sellerId, sellerId), eq(listings.productId, listing.productId), eq(listings.market, listing.market)));
      if (listing.held) await deps.reviews.closeHold(tx, { sellerId, productId: listing.productId, market: listing.market });
    }
    for (let i = 0; i < upserts.length; i += 500) {
      await tx
        .insert(listings)
        .values(upserts.slice(i, i + 500))
        .onConflictDoUpdate({
          target: [listings.sellerId, listings.productId, listings.market],
          set: { status: sql`excluded.status`, findings: sql`excluded.findings`, override: sql`excluded.override`, held: sql`excluded.held`, evaluatedAt: sql`excluded.evaluated_at`, updatedAt: sql`excluded.updated_at` },
        });
    }
    const auditActor = actor ? actorOf(actor) : systemActor('compliance');
    await audit.recordMany(
      tx,
      moves.map((move) => ({
        actor: auditActor,
        action: `listing.${move.action}`,
        subject: { type: 'listing', id: `${move.row.id}:${move.market}` },
        sellerId: move.row.sellerId,
        from: { status: move.from },
        to: { status: move.to },
        reason: move.reason,
        metadata: { productId: move.row.id, market: move.market, rules: move.findings.map((f) => `${f.rule}@${f.ruleVersion}`) },
      })),
    );
    await events.publishMany(tx, [
      ...moves.map((move) => ({
        type: CATALOG_EVENTS.listingChanged,
        subject: { type: 'product', id: move.row.id },
        sellerId: move.row.sellerId,
        payload: { productId: move.row.id, market: move.market, from: move.from, to: move.to, action: move.action },
      })),
      ...rows.map((row) => productEvent(CATALOG_EVENTS.productChanged, row)),
    ]);
  }

  /** Where one listing goes now, and the moves of the lifecycle that take it there. */
  function settle(row: ProductRow, market: string, listing: ListingRow | undefined, decision: MarketDecision | undefined) {
    const from: ListingStatus | 'none' = (listing?.status as ListingStatus | undefined) ?? 'none';
    const findings = decision?.findings ?? ((listing?.findings as Finding[] | undefined) ?? []);
    const standing = (listing?.override as Override | null | undefined) ?? null;
    const override = standing && standing.fingerprint === findingsFingerprint(findings) ? standing : null;
    const outcome: ComplianceOutcome = override?.outcome ?? decision?.outcome ?? 'pass';
    const target: ListingStatus = row.status === 'offline' ? 'offline' : statusForOutcome(from, outcome);
    const by = target === 'offline' ? 'seller' : 'system';
    const reason = override ? `Operator override: ${override.reason}` : summarise(findings);
    const moves: Move[] = (listingPath(from, target, by) ?? []).map((step) => ({ row, market, from: step.from, to: step.to, action: step.action, reason, findings }));
    return { status: target, findings, override, held: row.status === 'published' && outcome === 'hold', moves };
  }

  async function loadOwn(tx: Db, caller: Caller, productId: string, action: 'read' | 'update' | 'delete', lock = false): Promise<ProductRow> {
    const seller = requireSeller(caller.principal);
    authorize(seller, action, 'Product');
    const query = tx.select().from(products).where(and(eq(products.id, productId), isNull(products.deletedAt)));
    const [row] = lock ? await query.for('update') : await query;
    if (!row) throw notFound('product', productId);
    authorize(seller, action, 'Product', { sellerId: row.sellerId });
    return row;
  }

  async function view(tx: Db, row: ProductRow): Promise<Product> {
    const skuRows = (await skusOf(tx, row.sellerId, [row.id])).get(row.id) ?? [];
    const available = await deps.inventory.availableBySku(tx, row.sellerId, skuRows.map((s) => s.id));
    const listingRows = await tx.select().from(listings).where(and(eq(listings.sellerId, row.sellerId), eq(listings.productId, row.id)));
    const { skus: _skus, ...input } = inputOf(row, skuRows);
    return {
      id: row.id,
      sellerId: row.sellerId,
      sellerRef: row.sellerRef,
      status: row.status as ProductStatus,
      input,
      skus: skuRows.map((sku) => ({
        id: sku.id,
        sellerSku: sku.sellerSku,
        variant: sku.variant as Sku['variant'],
        price: { amount: sku.priceAmount, currency: sku.priceCurrency },
        countryPrices: sku.countryPrices as Sku['countryPrices'],
        weightGrams: sku.weightGrams,
        packageMm: sku.lengthMm && sku.widthMm && sku.heightMm ? { length: sku.lengthMm, width: sku.widthMm, height: sku.heightMm } : null,
        barcode: sku.barcode,
        available: available.get(sku.id) ?? 0,
      })),
      listings: row.markets
        .map((market) => listingRows.find((l) => l.market === market))
        .filter((l): l is ListingRow => l !== undefined)
        .map((l) => ({ market: l.market, status: l.status as ListingStatus, held: l.held, findings: l.findings as Finding[], override: l.override as Override | null, evaluatedAt: l.evaluatedAt })),
      version: row.version,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  }

  async function validate(tx: Db, sellerId: string, input: ProductInput, productId: string | null): Promise<void> {
    // The rules below read a well-formed product; an edit or an import may not have produced one.
    const shape = productShapeProblems(input);
    if (shape.length > 0) throw validationFailed(shape);
    const { categories } = await deps.categories.resolved(tx);
    const problems = productProblems(input, {
      category: categories.get(input.category),
      isMarket: (code) => deps.markets.get(code) !== undefined,
      isCurrency,
    });
    const codes = input.skus.map((s) => s.seller_sku);
    if (codes.length > 0) {
      const taken = await tx
        .select({ sellerSku: skus.sellerSku })
        .from(skus)
        .where(and(eq(skus.sellerId, sellerId), inArray(skus.sellerSku, codes), isNull(skus.deletedAt), productId ? ne(skus.productId, productId) : undefined));
      for (const { sellerSku } of taken) {
        problems.push({ in: 'body', path: `/skus/${codes.indexOf(sellerSku)}/seller_sku`, code: 'seller_sku_taken', message: 'another of your products uses this SKU code' });
      }
    }
    if (problems.length > 0) throw validationFailed(problems);
  }

  /**
   * Runs a save that writes SKU codes. Two saves can pass the code check at once; the database's
   * unique index stops the second, and the check, run again now that the first has committed,
   * names every code it took — the answer the second save would have had a moment later.
   */
  async function racingForSkuCodes<T>(save: (attempt: (sellerId: string, input: ProductInput, productId: string | null) => void) => Promise<T>): Promise<T> {
    let attempted: [sellerId: string, input: ProductInput, productId: string | null] | undefined;
    try {
      return await save((...attempt) => (attempted = attempt));
    } catch (error) {
      if (!isUniqueViolation(error, 'skus_seller_sku_idx') || !attempted) throw error;
      await validate(db, ...attempted);
      throw conflict('concurrent_change', 'Another save took one of these SKU codes at the same moment; send this one again.');
    }
  }

  async function requireOpenStore(tx: Db, sellerId: string): Promise<void> {
    if (!(await deps.sellers.openStore(tx, sellerId))) {
      throw conflict('store_not_open', 'Products can be listed once your store is open: finish onboarding first.');
    }
  }

  /**
   * Writes the SKUs of one or many products: existing codes updated when they changed, new ones
   * added, missing ones retired, stock given in the input applied. A few statements per batch.
   */
  async function writeSkus(tx: Db, sellerId: string, entries: readonly { productId: string; input: ProductInput }[], actorId: string, reference: string): Promise<void> {
    const current = await skusOf(tx, sellerId, entries.map((e) => e.productId));
    const inserts: (typeof skus.$inferInsert)[] = [];
    const retired: string[] = [];
    const stock: Parameters<InventoryService['apply']>[1][number][] = [];
    const stocked = new Set<string>();
    for (const { productId, input } of entries) {
      const byCode = new Map((current.get(productId) ?? []).map((row) => [row.sellerSku, row]));
      const kept = new Set<string>();
      for (const [position, sku] of input.skus.entries()) {
        const values = {
          variant: sku.variant ?? {},
          priceAmount: sku.price.amount,
          priceCurrency: sku.price.currency,
          countryPrices: sku.country_prices ?? {},
          weightGrams: sku.weight_grams ?? null,
          lengthMm: sku.package_mm?.length ?? null,
          widthMm: sku.package_mm?.width ?? null,
          heightMm: sku.package_mm?.height ?? null,
          barcode: sku.barcode ?? null,
          position,
        };
        const existing = byCode.get(sku.seller_sku);
        let skuId: string;
        if (existing) {
          skuId = existing.id;
          kept.add(existing.id);
          const unchanged = canonicalJson({ ...skuInputOf(existing), position: existing.position }) === canonicalJson({ ...skuInputOf({ ...existing, ...values }), position });
          if (!unchanged) await tx.update(skus).set(values).where(and(eq(skus.sellerId, sellerId), eq(skus.id, existing.id)));
        } else {
          skuId = ids(SKU_PREFIX);
          inserts.push({ sellerId, id: skuId, productId, sellerSku: sku.seller_sku, ...values });
        }
        if (sku.stock !== undefined) {
          stock.push({ sellerId, skuId, quantity: sku.stock, reason: reference.startsWith('import') ? 'import' : 'set', reference, actorId });
          stocked.add(productId);
        }
      }
      retired.push(...(current.get(productId) ?? []).filter((row) => !kept.has(row.id)).map((row) => row.id));
    }
    if (retired.length > 0) await tx.update(skus).set({ deletedAt: clock.now() }).where(and(eq(skus.sellerId, sellerId), inArray(skus.id, retired)));
    for (let i = 0; i < inserts.length; i += 500) await tx.insert(skus).values(inserts.slice(i, i + 500));
    await deps.inventory.apply(tx, stock);
    await events.publishMany(tx, [...stocked].map((productId) => productEvent(CATALOG_EVENTS.stockChanged, { id: productId, sellerId })));
  }

  /** What bulk imports use to write products the way single saves do. */
  const internals = {
    categories: deps.categories,
    isMarket: (code: string) => deps.markets.get(code) !== undefined,
    contentOf,
    withoutStock,
    newProductId: () => ids(PRODUCT_PREFIX),
    writeSkus,
    judge,
    requireOpenStore,
    /** Which product uses each of these SKU codes, among the seller's live SKUs. */
    async skuOwners(tx: Db, sellerId: string, codes: readonly string[]): Promise<Map<string, string>> {
      const owners = new Map<string, string>();
      for (let i = 0; i < codes.length; i += 1000) {
        const rows = await tx
          .select({ sellerSku: skus.sellerSku, productId: skus.productId })
          .from(skus)
          .where(and(eq(skus.sellerId, sellerId), inArray(skus.sellerSku, codes.slice(i, i + 1000)), isNull(skus.deletedAt)));
        for (const row of rows) owners.set(row.sellerSku, row.productId);
      }
      return owners;
    },
    /** Every live product of a seller with its stock by SKU code, a page at a time. */
    async *everyProduct(tx: Db, sellerId: string): AsyncGenerator<{ input: ProductInput; status: string; stock: Map<string, number> }> {
      let after: string | undefined;
      for (;;) {
        const rows = await tx
          .select()
          .from(products)
          .where(and(eq(products.sellerId, sellerId), isNull(products.deletedAt), after ? sql`${products.id} > ${after}` : undefined))
          .orderBy(products.id)
          .limit(200);
        if (rows.length === 0) return;
        const skuRows = await skusOf(tx, sellerId, rows.map((r) => r.id));
        // The file's stock column is the quantity on hand in the seller's own warehouse, so that is what goes out.
        const levels = await deps.inventory.levels(tx, sellerId, [...skuRows.values()].flat().map((s) => s.id));
        const onHand = new Map(levels.filter((l) => l.warehouse === DEFAULT_WAREHOUSE).map((l) => [l.skuId, l.onHand]));
        for (const row of rows) {
          const own = skuRows.get(row.id) ?? [];
          yield { input: inputOf(row, own), status: row.status, stock: new Map(own.map((s) => [s.sellerSku, onHand.get(s.id) ?? 0])) };
        }
        after = rows.at(-1)!.id;
      }
    },
  };

  return {
    internals,
    judge,
    view,

    async create(caller: Caller, input: ProductInput, options: { publish?: boolean; reference?: string } = {}): Promise<Product> {
      const seller = requireSeller(caller.principal);
      authorize(seller, 'create', 'Product', { sellerId: seller.sellerId });
      return racingForSkuCodes((attempt) => inTransaction(db, async (tx) => {
        await requireOpenStore(tx, seller.sellerId);
        attempt(seller.sellerId, input, null);
        await validate(tx, seller.sellerId, input, null);
        const now = clock.now();
        const id = ids(PRODUCT_PREFIX);
        let row: ProductRow;
        try {
          [row] = (await tx
            .insert(products)
            .values({
              sellerId: seller.sellerId,
              id,
              sellerRef: input.seller_ref ?? null,
              categoryCode: input.category,
              status: options.publish ? 'published' : 'draft',
              content: contentOf(withoutStock(input)),
              markets: input.markets,
              contentHash: contentHash(input),
              version: 1,
              createdAt: now,
              updatedAt: now,
            })
            .returning()) as [ProductRow];
        } catch (error) {
          if (isUniqueViolation(error, 'products_seller_ref_idx')) {
            throw new AppError(409, 'seller_ref_taken', 'Conflict', 'Another of your products has this seller_ref.', [{ in: 'body', path: '/seller_ref', code: 'seller_ref_taken', message: 'is already used' }]);
          }
          throw error;
        }
        await writeSkus(tx, seller.sellerId, [{ productId: id, input }], seller.accountId, options.reference ?? `product:${id}`);
        await audit.record(tx, { actor: actorOf(caller), action: 'product.create', subject: { type: 'product', id }, sellerId: seller.sellerId, to: { status: row.status, category: input.category, markets: input.markets } });
        await judge(tx, seller.sellerId, [row], caller);
        return view(tx, row);
      }));
    },

    async get(caller: Caller, productId: string): Promise<Product> {
      const row = await loadOwn(db, caller, productId, 'read');
      return view(db, row);
    },

    /**
     * A JSON merge patch of the product; `skus`, when given, is the whole new list (matched by
     * seller_sku). Saving what is already there changes nothing; a change is judged again at once.
     */
    async update(caller: Caller, productId: string, patch: Record<string, unknown>, options: { expectedVersion?: number } = {}): Promise<Product> {
      return racingForSkuCodes((attempt) => inTransaction(db, async (tx) => {
        const row = await loadOwn(tx, caller, productId, 'update', true);
        if (options.expectedVersion !== undefined && options.expectedVersion !== row.version) {
          throw conflict('version_conflict', `The product changed since version ${options.expectedVersion} (now ${row.version}); reload it and apply your change again.`);
        }
        const before = inputOf(row, (await skusOf(tx, row.sellerId, [row.id])).get(row.id) ?? []);
        const { skus: newSkus, ...rest } = patch;
        const merged = mergePatch(before, rest) as ProductInput;
        const input: ProductInput = { ...merged, skus: newSkus === undefined ? before.skus : (newSkus as SkuInput[]) };
        attempt(row.sellerId, input, row.id);
        await validate(tx, row.sellerId, input, row.id);
        const hash = contentHash(input);
        const seller = requireSeller(caller.principal);
        if (hash === row.contentHash) {
          // Same content: only stock counts may have been given.
          await writeSkus(tx, row.sellerId, [{ productId: row.id, input }], seller.accountId, `product:${row.id}`);
          return view(tx, row);
        }
        const [updated] = await tx
          .update(products)
          .set({ sellerRef: input.seller_ref ?? null, categoryCode: input.category, content: contentOf(withoutStock(input)), markets: input.markets, contentHash: hash, version: row.version + 1, updatedAt: clock.now() })
          .where(and(eq(products.sellerId, row.sellerId), eq(products.id, row.id)))
          .returning();
        await writeSkus(tx, row.sellerId, [{ productId: row.id, input }], seller.accountId, `product:${row.id}`);
        await audit.record(tx, { actor: actorOf(caller), action: 'product.update', subject: { type: 'product', id: row.id }, sellerId: row.sellerId, from: { version: row.version }, to: { version: row.version + 1 } });
        await judge(tx, row.sellerId, [updated!], caller);
        return view(tx, updated!);
      }));
    },

    async changeStatus(caller: Caller, productId: string, status: ProductStatus): Promise<Product> {
      return inTransaction(db, async (tx) => {
        const row = await loadOwn(tx, caller, productId, 'update', true);
        if (status === 'published') await requireOpenStore(tx, row.sellerId);
        if (row.status === status) return view(tx, row);
        const [updated] = await tx.update(products).set({ status, version: row.version + 1, updatedAt: clock.now() }).where(and(eq(products.sellerId, row.sellerId), eq(products.id, row.id))).returning();
        await audit.record(tx, { actor: actorOf(caller), action: 'product.status', subject: { type: 'product', id: row.id }, sellerId: row.sellerId, from: { status: row.status }, to: { status } });
        await judge(tx, row.sellerId, [updated!], caller);
        return view(tx, updated!);
      });
    },

    async remove(caller: Caller, productId: string): Promise<void> {
      await inTransaction(db, async (tx) => {
        const row = await loadOwn(tx, caller, productId, 'delete', true);
        const now = clock.now();
        const [deleted] = await tx.update(products).set({ deletedAt: now, updatedAt: now }).where(and(eq(products.sellerId, row.sellerId), eq(products.id, row.id))).returning();
        await tx.update(skus).set({ deletedAt: now }).where(and(eq(skus.sellerId, row.sellerId), eq(skus.productId, row.id), isNull(skus.deletedAt)));
        await audit.record(tx, { actor: actorOf(caller), action: 'product.delete', subject: { type: 'product', id: row.id }, sellerId: row.sellerId, from: { status: row.status }, to: { status: 'deleted' } });
        await judge(tx, row.sellerId, [deleted!], caller);
      });
    },

    async list(caller: Caller, filter: { status?: ProductStatus; category?: string; market?: string; listingStatus?: ListingStatus; q?: string; sellerSku?: string; limit: number; cursor?: string }): Promise<Page<Product>> {
      const seller = requireSeller(caller.principal);
      authorize(seller, 'read', 'Product', { sellerId: seller.sellerId });
      const before = decodeCursor(filter.cursor, ['id:prd'])?.[0];
      const conditions: (SQL | undefined)[] = [eq(products.sellerId, seller.sellerId), isNull(products.deletedAt), before ? lt(products.id, before) : undefined];
      if (filter.status) conditions.push(eq(products.status, filter.status));
      if (filter.category) conditions.push(sql`(${products.categoryCode} = ${filter.category} OR ${products.categoryCode} LIKE ${`${filter.category}.%`})`);
      if (filter.market) {
        conditions.push(
          sql`EXISTS (SELECT 1 FROM listings l WHERE l.seller_id = ${products.sellerId} AND l.product_id = ${products.id} AND l.market = ${filter.market}
                      ${filter.listingStatus ? sql`AND l.status = ${filter.listingStatus}` : sql``})`,
        );
      } else if (filter.listingStatus) {
        conditions.push(sql`EXISTS (SELECT 1 FROM listings l WHERE l.seller_id = ${products.sellerId} AND l.product_id = ${products.id} AND l.status = ${filter.listingStatus})`);
      }
      if (filter.q) conditions.push(sql`(${products.content}->>'titles') ILIKE ${`%${filter.q.replace(/[\\%_]/g, '\\$&')}%`}`);
      if (filter.sellerSku) {
        conditions.push(sql`EXISTS (SELECT 1 FROM skus s WHERE s.seller_id = ${products.sellerId} AND s.product_id = ${products.id} AND s.seller_sku = ${filter.sellerSku} AND s.deleted_at IS NULL)`);
      }
      const rows = await db.select().from(products).where(and(...conditions)).orderBy(desc(products.id)).limit(filter.limit + 1);
      const page = toPage(rows, filter.limit, (row) => row, (row) => [row.id]);
      return { data: await Promise.all(page.data.map((row) => view(db, row))), nextCursor: page.nextCursor };
    },

    /** Re-judges products after something they depend on changed (a certificate, a rule, a category). */
    async rejudge(sellerId: string, filter: { productIds?: string[]; categoryPrefix?: string }, afterId?: string, limit = 200): Promise<string | null> {
      return inTransaction(db, async (tx) => {
        const conditions: (SQL | undefined)[] = [eq(products.sellerId, sellerId), isNull(products.deletedAt), ne(products.status, 'draft')];
        if (filter.productIds) conditions.push(inArray(products.id, filter.productIds));
        if (filter.categoryPrefix) conditions.push(sql`(${products.categoryCode} = ${filter.categoryPrefix} OR ${products.categoryCode} LIKE ${`${filter.categoryPrefix}.%`})`);
        if (afterId) conditions.push(sql`${products.id} > ${afterId}`);
        const rows = await tx.select().from(products).where(and(...conditions)).orderBy(products.id).limit(limit);
        await judge(tx, sellerId, rows, null);
        return rows.length === limit ? rows.at(-1)!.id : null;
      });
    },

    /** An operator's standing decision on a listing, kept while the findings stay the same. */
    async override(caller: Caller, productId: string, market: string, decision: { outcome: 'pass' | 'delist'; reason: string }): Promise<Product> {
      const operator = requireOperator(caller.principal);
      authorize(operator, 'update', 'ComplianceCase');
      return inTransaction(db, async (tx) => {
        const [row] = await tx.select().from(products).where(and(eq(products.id, productId), isNull(products.deletedAt))).for('update');
        if (!row) throw notFound('product', productId);
        const [listing] = await tx.select().from(listings).where(and(eq(listings.sellerId, row.sellerId), eq(listings.productId, row.id), eq(listings.market, market)));
        if (!listing) throw notFound('listing', `${productId}:${market}`);
        const override: Override = { outcome: decision.outcome, fingerprint: findingsFingerprint(listing.findings as Finding[]), by: operator.accountId, reason: decision.reason, at: clock.now().toISOString() };
        await tx.update(listings).set({ override }).where(and(eq(listings.sellerId, row.sellerId), eq(listings.productId, row.id), eq(listings.market, market)));
        await audit.record(tx, { actor: actorOf(caller), action: 'listing.override', subject: { type: 'listing', id: `${row.id}:${market}` }, sellerId: row.sellerId, from: { status: listing.status }, to: { outcome: decision.outcome }, reason: decision.reason });
        await judge(tx, row.sellerId, [row], caller);
        return view(tx, row);
      });
    },

    /**
     * Batch price changes, each product in its own transaction: one bad item never sinks the
     * others, and each answers for itself.
     */
    async updatePrices(caller: Caller, items: readonly { productId: string; skus: readonly { sellerSku: string; price: { amount: number; currency: string }; countryPrices?: Record<string, { amount: number; currency: string }> }[] }[]): Promise<BatchResult[]> {
      const results: BatchResult[] = [];
      for (const [index, item] of items.entries()) {
        results.push(
          await perItem(index, item.productId, () =>
            inTransaction(db, async (tx) => {
              const row = await loadOwn(tx, caller, item.productId, 'update', true);
              const before = inputOf(row, (await skusOf(tx, row.sellerId, [row.id])).get(row.id) ?? []);
              const byCode = new Map(item.skus.map((sku) => [sku.sellerSku, sku]));
              const unknown = item.skus.filter((sku) => !before.skus.some((existing) => existing.seller_sku === sku.sellerSku));
              if (unknown.length > 0) {
                throw validationFailed(unknown.map((sku) => ({ in: 'body', path: `/skus/${item.skus.indexOf(sku)}/seller_sku`, code: 'unknown_sku', message: `${sku.sellerSku} is not a SKU of this product` })));
              }
              const input: ProductInput = {
                ...before,
                skus: before.skus.map((sku) => {
                  const change = byCode.get(sku.seller_sku);
                  return change ? { ...sku, price: change.price, ...(change.countryPrices ? { country_prices: change.countryPrices } : {}) } : sku;
                }),
              };
              await validate(tx, row.sellerId, input, row.id).catch((error: unknown) => {
                throw error instanceof AppError ? pointedAtSentSkus(error, before.skus, item.skus) : error;
              });
              const hash = contentHash(input);
              if (hash !== row.contentHash) {
                await writeSkus(tx, row.sellerId, [{ productId: row.id, input }], caller.principal.accountId, `prices:${row.id}`);
                await tx.update(products).set({ contentHash: hash, version: row.version + 1, updatedAt: clock.now() }).where(and(eq(products.sellerId, row.sellerId), eq(products.id, row.id)));
                await events.publish(tx, productEvent(CATALOG_EVENTS.pricesChanged, row));
                await audit.record(tx, { actor: actorOf(caller), action: 'product.prices', subject: { type: 'product', id: row.id }, sellerId: row.sellerId, from: { version: row.version }, to: { version: row.version + 1, skus: item.skus.length } });
              }
            }),
          ),
        );
      }
      return results;
    },

    async updateStock(caller: Caller, items: readonly { productId: string; skus: readonly { sellerSku: string; warehouse?: string; quantity?: number; delta?: number }[] }[]): Promise<BatchResult[]> {
      const results: BatchResult[] = [];
      for (const [index, item] of items.entries()) {
        results.push(
          await perItem(index, item.productId, () =>
            inTransaction(db, async (tx) => {
              const row = await loadOwn(tx, caller, item.productId, 'update', true);
              const current = (await skusOf(tx, row.sellerId, [row.id])).get(row.id) ?? [];
              const problems = item.skus.flatMap((sku, i) => [
                ...(current.some((c) => c.sellerSku === sku.sellerSku) ? [] : [{ in: 'body' as const, path: `/skus/${i}/seller_sku`, code: 'unknown_sku', message: `${sku.sellerSku} is not a SKU of this product` }]),
                ...((sku.quantity === undefined) === (sku.delta === undefined) ? [{ in: 'body' as const, path: `/skus/${i}`, code: 'quantity_or_delta', message: 'give either quantity (set) or delta (adjust)' }] : []),
              ]);
              if (problems.length > 0) throw validationFailed(problems);
              await deps.inventory.apply(
                tx,
                item.skus.map((sku) => ({
                  sellerId: row.sellerId,
                  skuId: current.find((c) => c.sellerSku === sku.sellerSku)!.id,
                  ...(sku.warehouse ? { warehouse: sku.warehouse } : {}),
                  ...(sku.quantity !== undefined ? { quantity: sku.quantity } : { delta: sku.delta! }),
                  reason: sku.quantity !== undefined ? ('set' as const) : ('adjust' as const),
                  reference: `stock:${row.id}`,
                  actorId: caller.principal.accountId,
                })),
              );
              await events.publish(tx, productEvent(CATALOG_EVENTS.stockChanged, row));
            }),
          ),
        );
      }
      return results;
    },

    /** Sellers that have products to judge (for catalogue-wide re-evaluations). */
    async sellersWithProducts(): Promise<string[]> {
      const rows = await db.selectDistinct({ sellerId: products.sellerId }).from(products).where(and(isNull(products.deletedAt), ne(products.status, 'draft')));
      return rows.map((row) => row.sellerId);
    },

    /**
     * An operator's decision from the compliance queue: approving lets the listing go live despite
     * its findings, rejecting takes it down; either stands while the findings stay the same.
     */
    async applyReviewDecision(tx: Db, decision: { productId: string; market: string; outcome: 'approve' | 'reject'; reason: string; operatorId: string; findings?: Finding[] }): Promise<void> {
      const [row] = await tx.select().from(products).where(and(eq(products.id, decision.productId), isNull(products.deletedAt))).for('update');
      if (!row) return;
      const [listing] = await tx.select().from(listings).where(and(eq(listings.sellerId, row.sellerId), eq(listings.productId, row.id), eq(listings.market, decision.market)));
      if (!listing) return;
      const override: Override = {
        outcome: decision.outcome === 'approve' ? 'pass' : 'delist',
        fingerprint: findingsFingerprint(decision.findings ?? (listing.findings as Finding[])),
        by: decision.operatorId,
        reason: decision.reason,
        at: clock.now().toISOString(),
      };
      await tx.update(listings).set({ override }).where(and(eq(listings.sellerId, row.sellerId), eq(listings.productId, row.id), eq(listings.market, decision.market)));
      const operator: Caller = { principal: { kind: 'operator', accountId: decision.operatorId, sessionId: 'compliance-queue', roles: [], dataTier: 'masked' } };
      await judge(tx, row.sellerId, [row], operator);
    },

    /** A buyer reports a live listing; it joins the compliance queue with the buyer's reason. */
    async report(caller: Caller, productId: string, report: { market: string; reason: string; details?: string }): Promise<{ reviewId: string }> {
      if (caller.principal.kind !== 'buyer') throw new AppError(403, 'buyer_account_required', 'Forbidden', 'Reports come from buyers: sign in with a buyer account.');
      return inTransaction(db, async (tx) => {
        const [listing] = await tx
          .select({ sellerId: listings.sellerId, status: listings.status })
          .from(listings)
          .innerJoin(products, and(eq(products.sellerId, listings.sellerId), eq(products.id, listings.productId)))
          .where(and(eq(listings.productId, productId), eq(listings.market, report.market), isNull(products.deletedAt)));
        if (!listing || !['active', 'throttled'].includes(listing.status)) throw notFound('listing', `${productId}:${report.market}`);
        const review = await deps.reviews.openReport(tx, { sellerId: listing.sellerId, productId, market: report.market }, { reporterAccountId: caller.principal.accountId, reason: report.reason, ...(report.details ? { details: report.details } : {}) });
        return { reviewId: review.id };
      });
    },

    /** Any product, for operators working the compliance queue. */
    async stockMovements(caller: Caller, filter: { skuId: string; limit: number; cursor?: string }) {
      const seller = requireSeller(caller.principal);
      authorize(seller, 'read', 'Product', { sellerId: seller.sellerId });
      const [own] = await db.select({ id: skus.id }).from(skus).where(and(eq(skus.sellerId, seller.sellerId), eq(skus.id, filter.skuId)));
      if (!own) throw notFound('SKU', filter.skuId);
      return deps.inventory.movements(seller.sellerId, filter);
    },

    async operatorView(caller: Caller, productId: string): Promise<Product> {
      authorize(requireOperator(caller.principal), 'read', 'ComplianceCase');
      const [row] = await db.select().from(products).where(and(eq(products.id, productId), isNull(products.deletedAt)));
      if (!row) throw notFound('product', productId);
      return view(db, row);
    },

    /** Checks that a product is the caller's before something is attached to it. */
    async ownProduct(caller: Caller, productId: string): Promise<void> {
      await loadOwn(db, caller, productId, 'update');
    },
  };
}

interface Move {
  row: ProductRow;
  market: string;
  from: ListingStatus | 'none';
  to: ListingStatus | null;
  action: string;
  reason: string;
  findings: readonly Finding[];
}

export interface BatchResult {
  index: number;
  ok: boolean;
  id: string;
  error?: { status: number; code: string; message: string; errors: FieldError[] };
}

async function perItem(index: number, id: string, work: () => Promise<void>): Promise<BatchResult> {
  try {
    await work();
    return { index, ok: true, id };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { index, ok: false, id, error: { status: error.status, code: error.code, message: error.message, errors: error.errors } };
  }
}

function productEvent(type: string, product: { id: string; sellerId: string }) {
  return { type, subject: { type: 'product', id: product.id }, sellerId: product.sellerId, payload: { productId: product.id } };
}

function summarise(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'Meets every admission rule';
  return findings.map((f) => f.message).join(' ');
}

export type CatalogService = ReturnType<typeof createCatalogService>;
export type CatalogInternals = CatalogService['internals'];

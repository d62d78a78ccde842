import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import type { Platform } from '../../platform/index.ts';
import { inTransaction, type Db } from '../../platform/db/index.ts';
import { notFound, unprocessable } from '../../platform/errors/index.ts';
import { registerIdPrefix } from '../../platform/ids/index.ts';
import { isCurrency } from '../../platform/money/index.ts';
import { sha256Hex } from '../../platform/storage/index.ts';
import { actorOf, authorize, requireSeller, type Caller, type SellerPrincipal } from '../identity/index.ts';
import { headerProblems, locate, productFromRows, rowsFromProduct, exportColumns, type ParsedProduct, type RowError, type SheetRow } from './bulk.ts';
import { contentHash, productProblems } from './rules.ts';
import { products, productImports } from './schema.ts';
import type { CatalogInternals } from './service.ts';
import { productShapeProblems } from './input-schema.ts';
import { detectFormat, readSheet, SheetReadError, writeCsv, writeXlsx, type SheetFormat } from './sheets.ts';

const IMPORT_PREFIX = registerIdPrefix('imp', 'product import');
export const IMPORT_JOB = 'catalog.import_products';

/** Products committed per transaction: large enough to amortise, small enough to resume cheaply. */
const BATCH_PRODUCTS = 100;
const MAX_ERRORS_KEPT = 5_000;

export interface ImportCounts {
  rows: number;
  rowsImported: number;
  rowsFailed: number;
  productsCreated: number;
  productsUpdated: number;
  productsUnchanged: number;
}

export interface ProductImport {
  id: string;
  sellerId: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  fileName: string;
  format: SheetFormat;
  sha256: string;
  counts: ImportCounts;
  errors: RowError[];
  failure: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const refOf = (row: SheetRow) => (row.cells.product_ref ?? '').trim();

const emptyCounts = (): ImportCounts => ({ rows: 0, rowsImported: 0, rowsFailed: 0, productsCreated: 0, productsUpdated: 0, productsUnchanged: 0 });

type Row = typeof productImports.$inferSelect;
const toImport = (row: Row): ProductImport => ({
  id: row.id,
  sellerId: row.sellerId,
  status: row.status as ProductImport['status'],
  fileName: row.fileName,
  format: row.format as SheetFormat,
  sha256: row.sha256,
  counts: row.counts as ImportCounts,
  errors: row.errors as RowError[],
  failure: row.failure,
  createdAt: row.createdAt,
  startedAt: row.startedAt,
  finishedAt: row.finishedAt,
});

export function createImportsService(platform: Platform, catalog: CatalogInternals) {
  const { db, clock, ids, audit, storage, jobs } = platform;

  /**
   * Commits one batch of parsed products in one transaction: new ones inserted, changed ones
   * updated, unchanged ones left alone (their stock still applied), then all judged together.
   */
  async function commitBatch(tx: Db, principal: SellerPrincipal, batch: readonly ParsedProduct[], counts: ImportCounts, errors: RowError[]): Promise<void> {
    const { categories } = await catalog.categories.resolved(tx);
    const valid: ParsedProduct[] = [];
    const codesInBatch = new Map<string, string>();
    for (const parsed of batch) {
      // Held to the limits of the API's schema first; the rules, as for the API, read a well-formed product.
      const shape = productShapeProblems(parsed.input);
      const problems = shape.length > 0 ? shape : productProblems(parsed.input, { category: categories.get(parsed.input.category), isMarket: catalog.isMarket, isCurrency });
      parsed.input.skus.forEach((sku, i) => {
        const owner = codesInBatch.get(sku.seller_sku);
        if (owner && owner !== parsed.ref) problems.push({ in: 'body', path: `/skus/${i}/seller_sku`, code: 'duplicate_seller_sku', message: `also used by product ${owner} in this file` });
        codesInBatch.set(sku.seller_sku, parsed.ref);
      });
      if (problems.length > 0) {
        errors.push(...problems.map((p) => locate(p, parsed.rows)));
        counts.rowsFailed += parsed.rows.length;
      } else valid.push(parsed);
    }
    if (valid.length === 0) return;
    const refs = valid.map((p) => p.ref);
    const existing = new Map(
      (await tx.select().from(products).where(and(eq(products.sellerId, principal.sellerId), inArray(products.sellerRef, refs), isNull(products.deletedAt)))).map((row) => [row.sellerRef!, row]),
    );
    const taken = await catalog.skuOwners(tx, principal.sellerId, valid.flatMap((p) => p.input.skus.map((s) => s.seller_sku)));
    const accepted: ParsedProduct[] = [];
    for (const parsed of valid) {
      const mine = existing.get(parsed.ref)?.id;
      const clashes = parsed.input.skus.map((sku, i) => ({ sku, i })).filter(({ sku }) => taken.has(sku.seller_sku) && taken.get(sku.seller_sku) !== mine);
      if (clashes.length > 0) {
        errors.push(...clashes.map(({ i }) => locate({ in: 'body', path: `/skus/${i}/seller_sku`, code: 'seller_sku_taken', message: 'another of your products uses this SKU code' }, parsed.rows)));
        counts.rowsFailed += parsed.rows.length;
      } else accepted.push(parsed);
    }
    const now = clock.now();
    const changed: (typeof products.$inferSelect)[] = [];
    const inserts: (typeof products.$inferInsert)[] = [];
    for (const parsed of accepted) {
      const input = catalog.withoutStock(parsed.input);
      const hash = contentHash(input);
      const current = existing.get(parsed.ref);
      // "publish: no" asks for a product that is not for sale: one the seller took offline stays offline.
      const status = parsed.publish ? 'published' : current?.status === 'offline' ? 'offline' : 'draft';
      if (current && current.contentHash === hash && current.status === status) {
        counts.productsUnchanged++;
        continue;
      }
      const values = { categoryCode: input.category, status, content: catalog.contentOf(input), markets: input.markets, contentHash: hash, updatedAt: now };
      if (current) {
        const [row] = await tx
          .update(products)
          .set({ ...values, version: current.version + 1 })
          .where(and(eq(products.sellerId, principal.sellerId), eq(products.id, current.id)))
          .returning();
        changed.push(row!);
        counts.productsUpdated++;
      } else {
        inserts.push({ sellerId: principal.sellerId, id: catalog.newProductId(), sellerRef: parsed.ref, ...values, version: 1, createdAt: now });
        counts.productsCreated++;
      }
    }
    for (let i = 0; i < inserts.length; i += 500) changed.push(...(await tx.insert(products).values(inserts.slice(i, i + 500)).returning()));
    const idByRef = new Map([...existing.values(), ...changed].map((row) => [row.sellerRef!, row.id]));
    await catalog.writeSkus(tx, principal.sellerId, accepted.map((p) => ({ productId: idByRef.get(p.ref)!, input: p.input })), principal.accountId, 'import');
    await catalog.judge(tx, principal.sellerId, changed, { principal });
    counts.rowsImported += accepted.reduce((sum, p) => sum + p.rows.length, 0);
  }

  return {
    /** Stores the file and queues its import; the answer tells where to follow it. */
    async start(caller: Caller, file: { fileName: string; content: Buffer }): Promise<ProductImport> {
      const seller = requireSeller(caller.principal);
      authorize(seller, 'create', 'Product', { sellerId: seller.sellerId });
      if (file.content.length === 0) throw unprocessable('empty_file', 'The file is empty.');
      return inTransaction(db, async (tx) => {
        await catalog.requireOpenStore(tx, seller.sellerId);
        const id = ids(IMPORT_PREFIX);
        const key = `imports/${seller.sellerId.toLowerCase()}/${id.toLowerCase()}`;
        await storage.put(key, file.content);
        const [row] = await tx
          .insert(productImports)
          .values({
            sellerId: seller.sellerId,
            id,
            status: 'queued',
            fileName: file.fileName.slice(0, 200) || 'products',
            fileKey: key,
            format: detectFormat(file.content),
            sha256: sha256Hex(file.content),
            createdBy: seller.accountId,
            counts: emptyCounts(),
            errors: [],
            createdAt: clock.now(),
          })
          .returning();
        await jobs.enqueue(tx, IMPORT_JOB, { importId: id, principal: seller }, { dedupeKey: `import:${id}` });
        await audit.record(tx, { actor: actorOf(caller), action: 'product_import.start', subject: { type: 'product_import', id }, sellerId: seller.sellerId, to: { file: row!.fileName, sha256: row!.sha256 } });
        return toImport(row!);
      });
    },

    async get(caller: Caller, importId: string): Promise<ProductImport> {
      const seller = requireSeller(caller.principal);
      authorize(seller, 'read', 'Product', { sellerId: seller.sellerId });
      const [row] = await db.select().from(productImports).where(and(eq(productImports.sellerId, seller.sellerId), eq(productImports.id, importId)));
      if (!row) throw notFound('product import', importId);
      return toImport(row);
    },

    async list(caller: Caller): Promise<ProductImport[]> {
      const seller = requireSeller(caller.principal);
      authorize(seller, 'read', 'Product', { sellerId: seller.sellerId });
      const rows = await db.select().from(productImports).where(eq(productImports.sellerId, seller.sellerId)).orderBy(desc(productImports.id)).limit(50);
      return rows.map((row) => ({ ...toImport(row), errors: [] }));
    },

    /**
     * Reads the file as a stream and commits it batch by batch. Rows already committed by an
     * earlier, interrupted run are skipped; since products are matched by product_ref and unchanged
     * ones are left alone, running an import twice changes nothing the second time.
     */
    async run(importId: string, principal: SellerPrincipal, onProgress?: (counts: ImportCounts) => void): Promise<ProductImport> {
      const [job] = await db.select().from(productImports).where(eq(productImports.id, importId));
      if (!job) throw notFound('product import', importId);
      if (job.status === 'succeeded' || job.status === 'failed') return toImport(job);
      await db.update(productImports).set({ status: 'running', startedAt: job.startedAt ?? clock.now() }).where(eq(productImports.id, importId));
      const counts = { ...(job.counts as ImportCounts) };
      const errors = [...(job.errors as RowError[])];
      let resumeAfter = job.resumeAfterRow;
      const finish = async (status: 'succeeded' | 'failed', failure: string | null) => {
        const [row] = await db
          .update(productImports)
          .set({ status, counts, errors: errors.slice(0, MAX_ERRORS_KEPT), failure, finishedAt: clock.now() })
          .where(eq(productImports.id, importId))
          .returning();
        return toImport(row!);
      };
      const content = await storage.get(job.fileKey);
      let header: string[] | undefined;
      let sawProductRow = false;
      let group: SheetRow[] = [];
      /** Every product whose rows have ended, so that rows of it found further down are refused, not imported over it. */
      const endedRefs = new Set<string>();
      let batch: ParsedProduct[] = [];
      const { categories } = await catalog.categories.resolved(db);

      const flushBatch = async (lastRow: number) => {
        if (batch.length > 0) {
          const committing = batch;
          batch = [];
          await inTransaction(db, async (tx) => {
            await commitBatch(tx, principal, committing, counts, errors);
            await tx.update(productImports).set({ counts, errors: errors.slice(0, MAX_ERRORS_KEPT), resumeAfterRow: lastRow }).where(eq(productImports.id, importId));
          });
        } else {
          await db.update(productImports).set({ counts, errors: errors.slice(0, MAX_ERRORS_KEPT), resumeAfterRow: lastRow }).where(eq(productImports.id, importId));
        }
        resumeAfter = lastRow;
        onProgress?.({ ...counts });
      };
      const closeGroup = async () => {
        if (group.length === 0) return;
        const rows = group;
        group = [];
        const ref = refOf(rows[0]!);
        const apart = endedRefs.has(ref);
        endedRefs.add(ref);
        if (rows.at(-1)!.row <= resumeAfter) return;
        counts.rows += rows.length;
        if (apart) {
          errors.push(...rows.map((row) => ({ row: row.row, column: 'product_ref', code: 'rows_not_consecutive', message: `product ${ref} has rows further up; the rows of a product follow one another, so move this row to them` })));
          counts.rowsFailed += rows.length;
          return;
        }
        const parsed = productFromRows(rows, (code) => categories.get(code));
        if ('errors' in parsed) {
          errors.push(...parsed.errors);
          counts.rowsFailed += rows.length;
        } else batch.push(parsed.product);
        if (batch.length >= BATCH_PRODUCTS) await flushBatch(rows.at(-1)!.row);
      };

      try {
        let lastRow = 1;
        for await (const item of readSheet(content, job.format as SheetFormat)) {
          if ('header' in item) {
            header = item.header;
            const problems = headerProblems(header);
            if (problems.length > 0) {
              errors.push(...problems.map((message) => ({ row: 1, column: '', code: 'invalid_header', message })));
              return await finish('failed', `The header row does not match the template: ${problems.join('; ')}.`);
            }
            continue;
          }
          lastRow = item.row;
          sawProductRow = true;
          const ref = refOf(item);
          if (ref === '') {
            await closeGroup();
            if (item.row > resumeAfter) {
              counts.rows++;
              counts.rowsFailed++;
              errors.push({ row: item.row, column: 'product_ref', code: 'required', message: 'every row names its product' });
            }
            continue;
          }
          if (group.length > 0 && refOf(group[0]!) !== ref) await closeGroup();
          group.push(item);
        }
        if (!header) return await finish('failed', 'The file has no header row.');
        if (!sawProductRow) return await finish('failed', 'The file has no product rows under its header.');
        await closeGroup();
        await flushBatch(lastRow);
        return await finish('succeeded', null);
      } catch (error) {
        if (error instanceof SheetReadError) return await finish('failed', `The file could not be read: ${error.message}`);
        throw error;
      }
    },

    /** The seller's catalogue in the import template, so a file can go out, be edited and come back. */
    async export(caller: Caller, format: SheetFormat): Promise<{ content: Buffer; contentType: string; fileName: string }> {
      const seller = requireSeller(caller.principal);
      authorize(seller, 'read', 'Product', { sellerId: seller.sellerId });
      const rows: Record<string, string>[] = [];
      for await (const { input, status, stock } of catalog.everyProduct(db, seller.sellerId)) rows.push(...rowsFromProduct(input, status, stock));
      const columns = exportColumns(rows);
      const stamp = clock.now().toISOString().slice(0, 10);
      return format === 'csv'
        ? { content: writeCsv(columns, rows), contentType: 'text/csv; charset=utf-8', fileName: `products-${stamp}.csv` }
        : { content: await writeXlsx(columns, rows), contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', fileName: `products-${stamp}.xlsx` };
    },
  };
}

export type ImportsService = ReturnType<typeof createImportsService>;

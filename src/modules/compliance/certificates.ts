import { and, asc, eq, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Platform } from '../../platform/index.ts';
import { inTransaction, type Db } from '../../platform/db/index.ts';
import { conflict, notFound, validationFailed, type FieldError } from '../../platform/errors/index.ts';
import { registerIdPrefix } from '../../platform/ids/index.ts';
import { contentTypeOf, sha256Hex } from '../../platform/storage/index.ts';
import { actorOf, authorize, requireOperator, requireSeller, type Caller } from '../identity/index.ts';
import type { CertificateFact } from './admission.ts';
import { certificates } from './schema.ts';

const CERTIFICATE_PREFIX = registerIdPrefix('cer', 'certificate');

/**
 * Kinds of evidence that admit products to markets. A LICENCE lifts the restricted items named in
 * its scope; a QUALIFICATION admits the seller to the categories named in its scope.
 */
export const CERTIFICATE_TYPES = ['CE', 'UKCA', 'CPNP', 'SCPN', 'EN71', 'TEST_REPORT', 'LICENCE', 'QUALIFICATION'] as const;
export type CertificateType = (typeof CERTIFICATE_TYPES)[number];
export type CertificateStatus = 'submitted' | 'verified' | 'rejected' | 'withdrawn';

export const CERTIFICATE_EVENTS = {
  changed: 'compliance.certificate.changed',
} as const;

const FILE_TYPES = ['application/pdf', 'image/jpeg', 'image/png'];

export interface Certificate {
  id: string;
  sellerId: string;
  productId: string | null;
  type: CertificateType;
  number: string;
  markets: string[];
  scope: string[];
  issuer: string;
  validFrom: string;
  validTo: string | null;
  hasFile: boolean;
  status: CertificateStatus;
  reviewedBy: string | null;
  reviewedAt: Date | null;
  rejectionReason: string | null;
  createdAt: Date;
}

export interface NewCertificate {
  productId?: string | null;
  type: CertificateType;
  number: string;
  markets: string[];
  scope?: string[];
  issuer: string;
  validFrom: string;
  validTo?: string | null;
}

type Row = typeof certificates.$inferSelect;

function toCertificate(row: Row): Certificate {
  return {
    id: row.id,
    sellerId: row.sellerId,
    productId: row.productId,
    type: row.type as CertificateType,
    number: row.number,
    markets: row.markets,
    scope: row.scope,
    issuer: row.issuer,
    validFrom: row.validFrom,
    validTo: row.validTo,
    hasFile: row.fileKey !== null,
    status: row.status as CertificateStatus,
    reviewedBy: row.reviewedBy,
    reviewedAt: row.reviewedAt,
    rejectionReason: row.rejectionReason,
    createdAt: row.createdAt,
  };
}

export function createCertificatesService(platform: Platform, deps: { isMarketOrGroup(code: string): boolean }) {
  const { db, clock, ids, audit, events, storage } = platform;

  async function changed(tx: Db, row: Pick<Row, 'sellerId' | 'productId' | 'id' | 'type'>, why: string): Promise<void> {
    await events.publish(tx, {
      type: CERTIFICATE_EVENTS.changed,
      subject: { type: 'certificate', id: row.id },
      sellerId: row.sellerId,
      payload: { certificateId: row.id, productId: row.productId, type: row.type, why },
    });
  }

  async function loadOwn(tx: Db, caller: Caller, certificateId: string, action: 'read' | 'update'): Promise<Row> {
    const seller = requireSeller(caller.principal);
    authorize(seller, action, 'Product');
    const query = tx.select().from(certificates).where(and(eq(certificates.sellerId, seller.sellerId), eq(certificates.id, certificateId)));
    const [row] = action === 'update' ? await query.for('update') : await query;
    if (!row) throw notFound('certificate', certificateId);
    return row;
  }

  /** A certificate as its seller, or an operator of the compliance team, may see it. */
  async function readable(caller: Caller, certificateId: string): Promise<Row> {
    if (caller.principal.kind !== 'operator') return loadOwn(db, caller, certificateId, 'read');
    authorize(caller.principal, 'read', 'ComplianceCase');
    const [row] = await db.select().from(certificates).where(eq(certificates.id, certificateId));
    if (!row) throw notFound('certificate', certificateId);
    return row;
  }

  function problems(input: NewCertificate): FieldError[] {
    const found: FieldError[] = [];
    input.markets.forEach((market, i) => {
      if (!deps.isMarketOrGroup(market)) found.push({ in: 'body', path: `/markets/${i}`, code: 'unknown_market', message: `${market} is neither a market nor a group of markets` });
    });
    if (input.validTo && input.validTo < input.validFrom) found.push({ in: 'body', path: '/valid_to', code: 'before_start', message: 'must not be before valid_from' });
    if ((input.type === 'LICENCE' || input.type === 'QUALIFICATION') && (input.scope ?? []).length === 0) {
      found.push({ in: 'body', path: '/scope', code: 'required', message: 'a licence names the restricted items it covers; a qualification, the categories' });
    }
    return found;
  }

  return {
    /**
     * Files a certificate for the calling seller. `productId` must already be known to be the
     * seller's (the catalog checks it); without one the certificate covers all their products.
     */
    async add(caller: Caller, input: NewCertificate): Promise<Certificate> {
      const seller = requireSeller(caller.principal);
      authorize(seller, 'update', 'Product', { sellerId: seller.sellerId });
      const found = problems(input);
      if (found.length > 0) throw validationFailed(found);
      return inTransaction(db, async (tx) => {
        const now = clock.now();
        const [row] = await tx
          .insert(certificates)
          .values({
            sellerId: seller.sellerId,
            id: ids(CERTIFICATE_PREFIX),
            productId: input.productId ?? null,
            type: input.type,
            number: input.number.trim(),
            markets: [...new Set(input.markets)],
            scope: [...new Set(input.scope ?? [])],
            issuer: input.issuer.trim(),
            validFrom: input.validFrom,
            validTo: input.validTo ?? null,
            status: 'submitted',
            startProcessedAt: input.validFrom <= now.toISOString().slice(0, 10) ? now : null,
            createdAt: now,
            updatedAt: now,
          })
          .returning();
        await audit.record(tx, { actor: actorOf(caller), action: 'certificate.add', subject: { type: 'certificate', id: row!.id }, sellerId: seller.sellerId, to: { type: input.type, markets: input.markets, validTo: input.validTo ?? null } });
        await changed(tx, row!, 'added');
        return toCertificate(row!);
      });
    },

    async attachFile(caller: Caller, certificateId: string, content: Buffer): Promise<Certificate> {
      const contentType = await contentTypeOf(content, FILE_TYPES, 'A certificate file');
      return inTransaction(db, async (tx) => {
        const row = await loadOwn(tx, caller, certificateId, 'update');
        if (row.status === 'withdrawn') throw conflict('certificate_withdrawn', 'This certificate was withdrawn; file a new one.');
        const key = `certificates/${row.sellerId.toLowerCase()}/${row.id.toLowerCase()}`;
        await storage.put(key, content);
        const [updated] = await tx
          .update(certificates)
          .set({ fileKey: key, fileContentType: contentType, updatedAt: clock.now() })
          .where(and(eq(certificates.sellerId, row.sellerId), eq(certificates.id, row.id)))
          .returning();
        await audit.record(tx, { actor: actorOf(caller), action: 'certificate.attach_file', subject: { type: 'certificate', id: row.id }, sellerId: row.sellerId, to: { sha256: sha256Hex(content) } });
        return toCertificate(updated!);
      });
    },

    async list(caller: Caller, filter: { productId?: string; status?: CertificateStatus }): Promise<Certificate[]> {
      const seller = requireSeller(caller.principal);
      authorize(seller, 'read', 'Product', { sellerId: seller.sellerId });
      const rows = await db
        .select()
        .from(certificates)
        .where(
          and(
            eq(certificates.sellerId, seller.sellerId),
            filter.productId ? or(eq(certificates.productId, filter.productId), isNull(certificates.productId)) : undefined,
            filter.status ? eq(certificates.status, filter.status) : undefined,
          ),
        )
        .orderBy(asc(certificates.id));
      return rows.map(toCertificate);
    },

    async get(caller: Caller, certificateId: string): Promise<Certificate> {
      return toCertificate(await readable(caller, certificateId));
    },

    async file(caller: Caller, certificateId: string): Promise<{ content: Buffer; contentType: string }> {
      const row = await readable(caller, certificateId);
      if (!row.fileKey || !row.fileContentType) throw notFound('certificate file', certificateId);
      return { content: await storage.get(row.fileKey), contentType: row.fileContentType };
    },

    async withdraw(caller: Caller, certificateId: string, reason: string | undefined): Promise<Certificate> {
      return inTransaction(db, async (tx) => {
        const row = await loadOwn(tx, caller, certificateId, 'update');
        if (row.status === 'withdrawn') return toCertificate(row);
        const [updated] = await tx.update(certificates).set({ status: 'withdrawn', updatedAt: clock.now() }).where(and(eq(certificates.sellerId, row.sellerId), eq(certificates.id, row.id))).returning();
        await audit.record(tx, { actor: actorOf(caller), action: 'certificate.withdraw', subject: { type: 'certificate', id: row.id }, sellerId: row.sellerId, from: { status: row.status }, to: { status: 'withdrawn' }, reason: reason ?? null });
        await changed(tx, row, 'withdrawn');
        return toCertificate(updated!);
      });
    },

    /** Operators confirm a certificate or refuse it; a refused one stops counting at once. */
    async review(caller: Caller, certificateId: string, decision: { outcome: 'verified' | 'rejected'; reason: string }): Promise<Certificate> {
      authorize(requireOperator(caller.principal), 'update', 'ComplianceCase');
      return inTransaction(db, async (tx) => {
        const [row] = await tx.select().from(certificates).where(eq(certificates.id, certificateId)).for('update');
        if (!row) throw notFound('certificate', certificateId);
        if (row.status === 'withdrawn') throw conflict('certificate_withdrawn', 'The seller withdrew this certificate.');
        const [updated] = await tx
          .update(certificates)
          .set({ status: decision.outcome, reviewedBy: caller.principal.accountId, reviewedAt: clock.now(), rejectionReason: decision.outcome === 'rejected' ? decision.reason : null, updatedAt: clock.now() })
          .where(and(eq(certificates.sellerId, row.sellerId), eq(certificates.id, row.id)))
          .returning();
        await audit.record(tx, { actor: actorOf(caller), action: `certificate.${decision.outcome === 'verified' ? 'verify' : 'reject'}`, subject: { type: 'certificate', id: row.id }, sellerId: row.sellerId, from: { status: row.status }, to: { status: decision.outcome }, reason: decision.reason });
        await changed(tx, row, decision.outcome);
        return toCertificate(updated!);
      });
    },

    async awaitingReview(caller: Caller, limit: number): Promise<Certificate[]> {
      authorize(requireOperator(caller.principal), 'read', 'ComplianceCase');
      const rows = await db.select().from(certificates).where(eq(certificates.status, 'submitted')).orderBy(asc(certificates.createdAt), asc(certificates.id)).limit(limit);
      return rows.map(toCertificate);
    },

    /** The certificates that can admit one product: its own and the seller's general ones. */
    async factsFor(tx: Db, sellerId: string, productIds: readonly string[]): Promise<Map<string, CertificateFact[]>> {
      const rows = await tx
        .select()
        .from(certificates)
        .where(
          and(
            eq(certificates.sellerId, sellerId),
            inArray(certificates.status, ['submitted', 'verified']),
            or(isNull(certificates.productId), productIds.length > 0 ? inArray(certificates.productId, [...productIds]) : sql`false`),
          ),
        );
      const facts = new Map<string, CertificateFact[]>(productIds.map((id) => [id, []]));
      for (const row of rows) {
        const fact: CertificateFact = { id: row.id, type: row.type, markets: row.markets, scope: row.scope, validFrom: row.validFrom, validTo: row.validTo, status: row.status as CertificateFact['status'] };
        for (const productId of row.productId ? [row.productId] : productIds) facts.get(productId)?.push(fact);
      }
      return facts;
    },

    /**
     * Certificates that came into force or lapsed by `today`: each marked once, and announced, so the
     * listings they concern are judged again on the day — admitted on the first valid day, delisted
     * the day after the last.
     */
    async processValidityChanges(today: string): Promise<{ started: number; expired: number }> {
      return inTransaction(db, async (tx) => {
        const live = inArray(certificates.status, ['submitted', 'verified']);
        const announce = async (rows: Row[], action: 'take_effect' | 'expire', why: string, to: (row: Row) => object, reason: (row: Row) => string) => {
          for (const row of rows) {
            await audit.record(tx, { actor: { type: 'system', id: 'certificate-validity' }, action: `certificate.${action}`, subject: { type: 'certificate', id: row.id }, sellerId: row.sellerId, to: to(row), reason: reason(row) });
            await changed(tx, row, why);
          }
          return rows.length;
        };
        const started = await tx
          .update(certificates)
          .set({ startProcessedAt: clock.now() })
          .where(and(lte(certificates.validFrom, today), isNull(certificates.startProcessedAt), live))
          .returning();
        const expired = await tx
          .update(certificates)
          .set({ expiryProcessedAt: clock.now() })
          .where(and(lt(certificates.validTo, today), isNull(certificates.expiryProcessedAt), live))
          .returning();
        return {
          started: await announce(started, 'take_effect', 'took_effect', (row) => ({ validFrom: row.validFrom }), (row) => `Valid from ${row.validFrom}`),
          expired: await announce(expired, 'expire', 'expired', (row) => ({ validTo: row.validTo }), (row) => `Valid until ${row.validTo}`),
        };
      });
    },
  };
}

export type CertificatesService = ReturnType<typeof createCertificatesService>;

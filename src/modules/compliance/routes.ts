import { Type } from 'typebox';
import type { HttpApp } from '../../platform/http/server.ts';
import { IdOf, NullableTimestamp, Page, pageQuery, Timestamp } from '../../platform/http/schemas.ts';
import { callerOf } from '../identity/index.ts';
import type { FastifyReply } from 'fastify';
import { readSingleFile } from '../../platform/http/uploads.ts';
import type { Finding } from './admission.ts';
import type { AdmissionService, ProhibitedItemDefinition } from './admission-service.ts';
import { CERTIFICATE_TYPES, type Certificate, type CertificatesService } from './certificates.ts';
import type { ListingReview, ListingReviewsService } from './listing-reviews.ts';
import type { ComplianceCase, ComplianceService } from './service.ts';

const CaseStatusSchema = Type.Enum(['open', 'false_positive', 'confirmed_match'] as const);

const CaseSchema = Type.Object({
  id: IdOf('cas'),
  seller_id: IdOf('sel'),
  kind: Type.String(),
  status: CaseStatusSchema,
  subject: Type.Object({ type: Type.String(), id: Type.String() }),
  hits: Type.Array(
    Type.Object({
      subject_ref: Type.String({ description: 'Which name of the subject matched, e.g. entity or representative.' }),
      subject_name: Type.String(),
      entry_id: Type.String(),
      entry_name: Type.String(),
      matched_name: Type.String(),
      program: Type.String(),
      score: Type.Number(),
    }),
  ),
  list_version: Type.String(),
  opened_at: Timestamp,
  resolved_at: NullableTimestamp,
  resolved_by: Type.Union([Type.String(), Type.Null()]),
  resolution_reason: Type.Union([Type.String(), Type.Null()]),
});

function caseView(item: ComplianceCase) {
  return {
    id: item.id,
    seller_id: item.sellerId,
    kind: item.kind,
    status: item.status,
    subject: { type: item.subjectType, id: item.subjectId },
    hits: item.hits.map((hit) => ({
      subject_ref: hit.subjectRef,
      subject_name: hit.subjectName,
      entry_id: hit.entryId,
      entry_name: hit.entryName,
      matched_name: hit.matchedName,
      program: hit.program,
      score: hit.score,
    })),
    list_version: item.listVersion,
    opened_at: item.openedAt.toISOString(),
    resolved_at: item.resolvedAt?.toISOString() ?? null,
    resolved_by: item.resolvedBy,
    resolution_reason: item.resolutionReason,
  };
}

const CaseParams = Type.Object({ caseId: IdOf('cas') });

export interface ComplianceServices {
  cases: ComplianceService;
  certificates: CertificatesService;
  reviews: ListingReviewsService;
  admission: AdmissionService;
}

export function registerComplianceRoutes(app: HttpApp, services: ComplianceServices): void {
  const compliance = services.cases;
  registerCertificateRoutes(app, services.certificates);
  registerQueueRoutes(app, services.reviews);
  registerProhibitedListRoutes(app, services.admission);

  app.get(
    '/v1/ops/compliance/cases',
    {
      schema: {
        tags: ['ops: compliance'],
        summary: 'Compliance cases (sanctions matches), oldest first',
        querystring: pageQuery({ status: Type.Optional(CaseStatusSchema) }),
        response: { 200: Page(CaseSchema) },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const { limit = 20, cursor, status } = request.query;
      const page = await compliance.listCases(caller, { limit, ...(cursor ? { cursor } : {}), ...(status ? { status } : {}) });
      return { data: page.data.map(caseView), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/ops/compliance/cases/:caseId',
    { schema: { tags: ['ops: compliance'], summary: 'One compliance case with its evidence', params: CaseParams, response: { 200: CaseSchema } } },
    async (request) => {
      const caller = callerOf(request);
      return caseView(await compliance.getCase(caller, request.params.caseId));
    },
  );

  app.post(
    '/v1/ops/compliance/cases/:caseId/resolve',
    {
      config: { idempotency: 'optional' },
      schema: {
        tags: ['ops: compliance'],
        summary: 'Resolve a case: a false positive lets the subject proceed; a confirmed match ends the seller’s application',
        params: CaseParams,
        body: Type.Object({ outcome: Type.Enum(['false_positive', 'confirmed_match'] as const), reason: Type.String({ minLength: 3, maxLength: 2000 }) }, { additionalProperties: false }),
        response: { 200: CaseSchema },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      return caseView(await compliance.resolveCase(caller, request.params.caseId, request.body));
    },
  );
}

const IsoDate = Type.String({ format: 'date' });
const Reason = Type.String({ minLength: 3, maxLength: 2000 });
const MarketCode = Type.String({ pattern: '^[A-Z]{2}$', description: 'A market (ISO 3166-1 alpha-2) or a group such as EU' });

export const CertificateSchema = Type.Object({
  id: IdOf('cer'),
  product_id: Type.Union([IdOf('prd'), Type.Null()], { description: 'Null: covers every product of the seller it applies to.' }),
  type: Type.Enum(CERTIFICATE_TYPES),
  number: Type.String(),
  markets: Type.Array(Type.String()),
  scope: Type.Array(Type.String()),
  issuer: Type.String(),
  valid_from: IsoDate,
  valid_to: Type.Union([IsoDate, Type.Null()]),
  has_file: Type.Boolean(),
  status: Type.Enum(['submitted', 'verified', 'rejected', 'withdrawn'] as const),
  rejection_reason: Type.Union([Type.String(), Type.Null()]),
  reviewed_at: NullableTimestamp,
  created_at: Timestamp,
});

export const NewCertificateSchema = Type.Object(
  {
    type: Type.Enum(CERTIFICATE_TYPES),
    number: Type.String({ minLength: 1, maxLength: 120 }),
    markets: Type.Array(MarketCode, { minItems: 1, maxItems: 40, uniqueItems: true }),
    scope: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 50, uniqueItems: true, description: 'LICENCE: the restricted item ids it lifts; QUALIFICATION: the category codes it admits.' })),
    issuer: Type.String({ minLength: 1, maxLength: 200 }),
    valid_from: IsoDate,
    valid_to: Type.Optional(Type.Union([IsoDate, Type.Null()])),
  },
  { additionalProperties: false },
);

export function certificateView(c: Certificate) {
  return {
    id: c.id,
    product_id: c.productId,
    type: c.type,
    number: c.number,
    markets: c.markets,
    scope: c.scope,
    issuer: c.issuer,
    valid_from: c.validFrom,
    valid_to: c.validTo,
    has_file: c.hasFile,
    status: c.status,
    rejection_reason: c.rejectionReason,
    reviewed_at: c.reviewedAt?.toISOString() ?? null,
    created_at: c.createdAt.toISOString(),
  };
}

const CertificateParams = Type.Object({ certificateId: IdOf('cer') });

function sendFile(reply: FastifyReply, file: { content: Buffer; contentType: string }, name: string) {
  return reply
    .header('content-type', file.contentType)
    .header('content-disposition', `attachment; filename="${name}"`)
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'private, no-store')
    .send(file.content);
}

function registerCertificateRoutes(app: HttpApp, certificates: CertificatesService): void {
  app.get(
    '/v1/seller/certificates',
    {
      schema: {
        tags: ['seller: compliance'],
        summary: 'The seller’s certificates (optionally those that can admit one product)',
        querystring: Type.Object({ product_id: Type.Optional(IdOf('prd')), status: Type.Optional(Type.Enum(['submitted', 'verified', 'rejected', 'withdrawn'] as const)) }, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(CertificateSchema) }) },
      },
    },
    async (request) => {
      const { product_id, status } = request.query;
      const list = await certificates.list(callerOf(request), { ...(product_id ? { productId: product_id } : {}), ...(status ? { status } : {}) });
      return { data: list.map(certificateView) };
    },
  );

  app.post(
    '/v1/seller/certificates',
    {
      config: { idempotency: 'required' },
      schema: {
        tags: ['seller: compliance'],
        summary: 'File a certificate that covers all your products of its kind (per-product ones go to /v1/seller/products/{id}/certificates)',
        body: NewCertificateSchema,
        response: { 201: CertificateSchema },
      },
    },
    async (request, reply) => {
      const { type, number, markets, scope, issuer, valid_from, valid_to } = request.body;
      const certificate = await certificates.add(callerOf(request), { type, number, markets, issuer, validFrom: valid_from, validTo: valid_to ?? null, ...(scope ? { scope } : {}) });
      return reply.code(201).send(certificateView(certificate));
    },
  );

  app.get(
    '/v1/seller/certificates/:certificateId',
    { schema: { tags: ['seller: compliance'], summary: 'One certificate', params: CertificateParams, response: { 200: CertificateSchema } } },
    async (request) => certificateView(await certificates.get(callerOf(request), request.params.certificateId)),
  );

  app.post(
    '/v1/seller/certificates/:certificateId/file',
    {
      config: { multipart: true },
      schema: { tags: ['seller: compliance'], summary: 'Attach the certificate document (PDF, JPEG or PNG; one part named `file`)', params: CertificateParams, response: { 200: CertificateSchema } },
    },
    async (request) => {
      const file = await readSingleFile(request);
      return certificateView(await certificates.attachFile(callerOf(request), request.params.certificateId, file.content));
    },
  );

  for (const surface of ['seller', 'ops'] as const) {
    app.get(
      surface === 'seller' ? '/v1/seller/certificates/:certificateId/file' : '/v1/ops/compliance/certificates/:certificateId/file',
      { schema: { tags: [surface === 'seller' ? 'seller: compliance' : 'ops: compliance'], summary: 'Download the certificate document', params: CertificateParams } },
      async (request, reply) => sendFile(reply, await certificates.file(callerOf(request), request.params.certificateId), `certificate-${request.params.certificateId}`),
    );
  }

  app.delete(
    '/v1/seller/certificates/:certificateId',
    {
      schema: {
        tags: ['seller: compliance'],
        summary: 'Withdraw a certificate; listings that relied on it are judged again',
        params: CertificateParams,
        querystring: Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false }),
        response: { 200: CertificateSchema },
      },
    },
    async (request) => certificateView(await certificates.withdraw(callerOf(request), request.params.certificateId, request.query.reason)),
  );

  app.get(
    '/v1/ops/compliance/certificates',
    {
      schema: {
        tags: ['ops: compliance'],
        summary: 'Certificates awaiting verification, oldest first',
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(CertificateSchema) }) },
      },
    },
    async (request) => ({ data: (await certificates.awaitingReview(callerOf(request), request.query.limit ?? 50)).map(certificateView) }),
  );

  app.get(
    '/v1/ops/compliance/certificates/:certificateId',
    { schema: { tags: ['ops: compliance'], summary: 'One certificate', params: CertificateParams, response: { 200: CertificateSchema } } },
    async (request) => certificateView(await certificates.get(callerOf(request), request.params.certificateId)),
  );

  app.post(
    '/v1/ops/compliance/certificates/:certificateId/review',
    {
      config: { idempotency: 'optional' },
      schema: {
        tags: ['ops: compliance'],
        summary: 'Verify a certificate, or reject it (it stops counting at once)',
        params: CertificateParams,
        body: Type.Object({ outcome: Type.Enum(['verified', 'rejected'] as const), reason: Reason }, { additionalProperties: false }),
        response: { 200: CertificateSchema },
      },
    },
    async (request) => certificateView(await certificates.review(callerOf(request), request.params.certificateId, request.body)),
  );
}

const FindingSchema = Type.Object({
  rule: Type.String(),
  rule_version: Type.Integer(),
  outcome: Type.Enum(['pass', 'throttle', 'delist', 'hold', 'reject'] as const),
  market: Type.Union([Type.String(), Type.Null()]),
  field: Type.Optional(Type.String()),
  evidence: Type.Optional(Type.String()),
  message: Type.String(),
  fix: Type.String(),
});

export const findingView = (f: Finding) => ({
  rule: f.rule,
  rule_version: f.ruleVersion,
  outcome: f.outcome,
  market: f.market,
  ...(f.field ? { field: f.field } : {}),
  ...(f.evidence ? { evidence: f.evidence } : {}),
  message: f.message,
  fix: f.fix,
});
export { FindingSchema };

const ReviewSchema = Type.Object({
  id: IdOf('lrv'),
  seller_id: IdOf('sel'),
  kind: Type.Enum(['hold', 'report'] as const),
  product_id: IdOf('prd'),
  market: Type.String(),
  findings: Type.Array(FindingSchema),
  report: Type.Union([Type.Object({ reason: Type.String(), details: Type.Optional(Type.String()) }), Type.Null()]),
  status: Type.String(),
  opened_at: Timestamp,
  decided_at: NullableTimestamp,
  decision_reason: Type.Union([Type.String(), Type.Null()]),
});

const reviewView = (r: ListingReview) => ({
  id: r.id,
  seller_id: r.sellerId,
  kind: r.kind,
  product_id: r.productId,
  market: r.market,
  findings: (r.evidence.findings ?? []).map(findingView),
  report: r.evidence.reason ? { reason: r.evidence.reason, ...(r.evidence.details ? { details: r.evidence.details } : {}) } : null,
  status: r.status,
  opened_at: r.openedAt.toISOString(),
  decided_at: r.decidedAt?.toISOString() ?? null,
  decision_reason: r.decisionReason,
});

function registerQueueRoutes(app: HttpApp, reviews: ListingReviewsService): void {
  app.get(
    '/v1/ops/compliance/queue',
    { schema: { tags: ['ops: compliance'], summary: 'Held and reported listings with their evidence, oldest first', querystring: pageQuery(), response: { 200: Page(ReviewSchema) } } },
    async (request) => {
      const { limit = 20, cursor } = request.query;
      const page = await reviews.queue(callerOf(request), { limit, ...(cursor ? { cursor } : {}) });
      return { data: page.data.map(reviewView), next_cursor: page.nextCursor };
    },
  );

  app.post(
    '/v1/ops/compliance/queue/:reviewId/decide',
    {
      config: { idempotency: 'optional' },
      schema: {
        tags: ['ops: compliance'],
        summary: 'Approve the listing (it goes live), reject it (it is delisted), or dismiss a report',
        params: Type.Object({ reviewId: IdOf('lrv') }),
        body: Type.Object({ outcome: Type.Enum(['approve', 'reject', 'dismiss'] as const), reason: Reason }, { additionalProperties: false }),
        response: { 200: ReviewSchema },
      },
    },
    async (request) => reviewView(await reviews.decide(callerOf(request), request.params.reviewId, request.body)),
  );
}

const Names = Type.Record(Type.String({ pattern: '^[a-z]{2}$' }), Type.String({ minLength: 1, maxLength: 200 }));
const Keywords = Type.Record(Type.String({ pattern: '^[a-z]{2}$' }), Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 200 }));

const ProhibitedItemSchema = Type.Object({
  category_code: Type.String({ minLength: 1, maxLength: 100 }),
  category_names: Names,
  names: Names,
  keywords: Keywords,
  exclusions: Type.Optional(Keywords),
  hs_codes: Type.Optional(Type.Array(Type.String({ pattern: '^\\d{4,10}$' }), { maxItems: 50 })),
  jurisdictions: Type.Array(Type.String({ minLength: 1, maxLength: 10 }), { minItems: 1, maxItems: 50 }),
  action: Type.Enum(['prohibit', 'restrict'] as const),
  licence: Type.Optional(Type.String({ maxLength: 300 })),
});

function prohibitedView(item: { key: string; definition: ProhibitedItemDefinition; version: number; active: boolean; updatedBy: string; updatedAt: Date }) {
  const d = item.definition;
  return {
    id: item.key,
    category_code: d.categoryCode,
    category_names: d.categoryNames,
    names: d.names,
    keywords: d.keywords,
    exclusions: d.exclusions,
    hs_codes: d.hsCodes,
    jurisdictions: d.jurisdictions,
    action: d.action,
    ...(d.licence ? { licence: d.licence } : {}),
    version: item.version,
    active: item.active,
    updated_by: item.updatedBy,
    updated_at: item.updatedAt.toISOString(),
  };
}

const ProhibitedItemView = Type.Object({
  id: Type.String(),
  category_code: Type.String(),
  category_names: Names,
  names: Names,
  keywords: Keywords,
  exclusions: Keywords,
  hs_codes: Type.Array(Type.String()),
  jurisdictions: Type.Array(Type.String()),
  action: Type.String(),
  licence: Type.Optional(Type.String()),
  version: Type.Integer(),
  active: Type.Boolean(),
  updated_by: Type.String(),
  updated_at: Timestamp,
});

const ItemParams = Type.Object({ itemId: Type.String({ pattern: '^[a-z0-9_]+(\\.[a-z0-9_]+)+$', maxLength: 120 }) });

function registerProhibitedListRoutes(app: HttpApp, admission: AdmissionService): void {
  app.get(
    '/v1/ops/compliance/prohibited-items',
    { schema: { tags: ['ops: compliance'], summary: 'The prohibited and restricted items list, with its revision', response: { 200: Type.Object({ revision: Type.Integer(), data: Type.Array(ProhibitedItemView) }) } } },
    async (request) => {
      const { revision, items } = await admission.prohibitedItems(callerOf(request));
      return { revision, data: items.map(prohibitedView) };
    },
  );

  app.put(
    '/v1/ops/compliance/prohibited-items/:itemId',
    {
      schema: {
        tags: ['ops: compliance'],
        summary: 'Add or change an item: a new version of the list, audited; listings are judged again',
        params: ItemParams,
        body: Type.Object({ item: ProhibitedItemSchema, reason: Reason }, { additionalProperties: false }),
        response: { 200: ProhibitedItemView },
      },
    },
    async (request) => {
      const { item, reason } = request.body;
      const saved = await admission.putProhibitedItem(
        callerOf(request),
        request.params.itemId,
        {
          categoryCode: item.category_code,
          categoryNames: item.category_names,
          names: item.names,
          keywords: item.keywords,
          exclusions: item.exclusions ?? {},
          hsCodes: item.hs_codes ?? [],
          jurisdictions: item.jurisdictions,
          action: item.action,
          ...(item.licence ? { licence: item.licence } : {}),
        },
        reason,
      );
      return prohibitedView(saved);
    },
  );

  app.delete(
    '/v1/ops/compliance/prohibited-items/:itemId',
    {
      schema: {
        tags: ['ops: compliance'],
        summary: 'Retire an item from the list (kept in its history)',
        params: ItemParams,
        querystring: Type.Object({ reason: Reason }, { additionalProperties: false }),
        response: { 200: ProhibitedItemView },
      },
    },
    async (request) => prohibitedView(await admission.deactivateProhibitedItem(callerOf(request), request.params.itemId, request.query.reason)),
  );
}

import { Type, type TObject, type TProperties, type TSchema } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { readSingleFile } from '../../platform/http/uploads.ts';
import type { Clock } from '../../platform/clock/index.ts';
import type { HttpApp } from '../../platform/http/server.ts';
import { FieldErrorSchema, IdOf, MoneySchema, NullableTimestamp, Page, pageQuery, Timestamp } from '../../platform/http/schemas.ts';
import { AccountSchema, accountView, callerOf, DisplayName, Email, Locale, Password } from '../identity/index.ts';
import { APPLICATION_STATUSES, AWAITING_REVIEW, DOCUMENT_KINDS, type DocumentKind } from './rules.ts';
import type { SellersService } from './service.ts';
import type { StoreScoreHistory } from './store-score.ts';
import { applicationView, documentView, storeView } from './views.ts';

const text = (maxLength: number) => Type.String({ maxLength });
const IsoDate = Type.String({ format: 'date' });
const obj = <P extends TProperties>(properties: P) => Type.Object(properties, { additionalProperties: false });

const Entity = obj({
  name: Type.Optional(text(200)),
  name_en: Type.Optional(text(200)),
  uscc: Type.Optional(text(40)),
  registered_address: Type.Optional(text(500)),
  business_scope: Type.Optional(text(4000)),
  licence_valid_until: Type.Optional(Type.Union([IsoDate, Type.Null()])),
});
const Person = obj({ name: Type.Optional(text(100)), name_latin: Type.Optional(text(100)), id_number: Type.Optional(text(40)), mobile: Type.Optional(text(30)) });
const Bank = obj({ holder_name: Type.Optional(text(200)), bank_name: Type.Optional(text(200)), branch: Type.Optional(text(200)), account_number: Type.Optional(text(40)) });
const Payment = obj({ provider: Type.Optional(text(50)), account_id: Type.Optional(text(100)), bound_mobile: Type.Optional(text(30)) });
const Trademark = obj({
  kind: Type.Optional(Type.Enum(['registered', 'application'] as const)),
  mark: Type.Optional(text(100)),
  number: Type.Optional(text(50)),
  registered_on: Type.Optional(IsoDate),
  valid_until: Type.Optional(IsoDate),
  filed_on: Type.Optional(IsoDate),
});
const StoreRequest = obj({ name: Type.Optional(text(100)), type: Type.Optional(Type.Enum(['standard', 'brand'] as const)), trademark: Type.Optional(Trademark) });

export const ApplicationFormSchema = obj({
  entity: Type.Optional(Entity),
  representative: Type.Optional(Person),
  bank_account: Type.Optional(Bank),
  payment_account: Type.Optional(Payment),
  store: Type.Optional(StoreRequest),
});

/** The same shape for RFC 7396 merge patches: any field may also be null, which removes it. */
function patchOf(schema: TSchema): TSchema {
  const object = schema as TObject;
  if (object.type !== 'object' || !object.properties) return schema;
  const properties: TProperties = {};
  for (const [key, property] of Object.entries(object.properties)) {
    const inner = 'anyOf' in property ? property : patchOf(property);
    properties[key] = Type.Optional(Type.Union([inner, Type.Null()]));
  }
  return Type.Object(properties, { additionalProperties: false });
}

const ApplicationFormPatch = patchOf(ApplicationFormSchema);
const ApplicantKindSchema = Type.Enum(['enterprise', 'individual'] as const);
const StatusSchema = Type.Enum(APPLICATION_STATUSES);
const DocumentKindSchema = Type.Enum(Object.keys(DOCUMENT_KINDS) as [DocumentKind, ...DocumentKind[]]);
const Reason = Type.String({ minLength: 3, maxLength: 2000, description: 'Why: kept in the audit log and shown to the applicant.' });

const DocumentSchema = Type.Object({
  id: IdOf('doc'),
  kind: DocumentKindSchema,
  content_type: Type.String(),
  size_bytes: Type.Integer(),
  sha256: Type.String(),
  original_name: Type.String(),
  uploaded_at: Timestamp,
});

const StoreSchema = Type.Object({
  id: IdOf('sto'),
  seller_id: IdOf('sel'),
  name: Type.String(),
  type: Type.Enum(['standard', 'brand'] as const),
  status: Type.String(),
  entry_fee: MoneySchema,
  opened_at: Timestamp,
});

const ApplicationSchema = Type.Object({
  id: IdOf('sap'),
  seller_id: IdOf('sel'),
  kind: ApplicantKindSchema,
  status: StatusSchema,
  version: Type.Integer({ description: 'Increases with every change; send it back as expected_version to avoid overwriting someone else’s edit.' }),
  form: ApplicationFormSchema,
  problems: Type.Array(FieldErrorSchema, { description: 'What still stands between this draft and submission, every field at once.' }),
  required_documents: Type.Array(DocumentKindSchema),
  documents: Type.Array(DocumentSchema),
  first_submitted_at: NullableTimestamp,
  submitted_at: NullableTimestamp,
  review: Type.Object({
    target_at: NullableTimestamp,
    due_at: NullableTimestamp,
    overdue: Type.Boolean(),
    flagged_overdue_at: NullableTimestamp,
    reviewer_id: Type.Union([Type.String(), Type.Null()]),
    started_at: NullableTimestamp,
  }),
  info_requests: Type.Array(Type.Object({ path: Type.Optional(Type.String()), message: Type.String() })),
  decision: Type.Union([Type.Object({ reason: Type.String(), decided_at: Timestamp }), Type.Null()]),
  store: Type.Union([StoreSchema, Type.Null()]),
  allowed_actions: Type.Array(Type.String()),
  created_at: Timestamp,
  updated_at: Timestamp,
});

const HistorySchema = Type.Object({
  data: Type.Array(
    Type.Object({
      id: Type.String(),
      occurred_at: Timestamp,
      actor_type: Type.String(),
      actor_id: Type.Union([Type.String(), Type.Null()]),
      action: Type.String(),
      from: Type.Unknown(),
      to: Type.Unknown(),
      reason: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});

const ApplicationParams = Type.Object({ applicationId: IdOf('sap') });
const DocumentParams = Type.Object({ applicationId: IdOf('sap'), documentId: IdOf('doc') });

const FeePolicySchema = Type.Object({
  id: IdOf('sfp'),
  effective_from: IsoDate,
  effective_to: Type.Union([IsoDate, Type.Null()]),
  entry_fee: MoneySchema,
  note: Type.String(),
  source: Type.String(),
  created_at: Timestamp,
});

export function registerSellersRoutes(app: HttpApp, sellers: SellersService, clock: Clock): void {
  const now = () => clock.now();

  // ─── Seller Center ──────────────────────────────────────────────────────────────────────────

  app.post(
    '/v1/seller/sign-up',
    {
      // No idempotency record: its stored response would hold the session token. An e-mail registers once anyway.
      config: { public: true },
      schema: {
        tags: ['seller: onboarding'],
        summary: 'Create a seller and its owner account, and sign in',
        body: obj({ email: Email, password: Password, display_name: DisplayName, seller_name: Type.String({ minLength: 2, maxLength: 120 }), locale: Type.Optional(Locale) }),
        response: {
          201: Type.Object({
            token: Type.String(),
            token_type: Type.Literal('Bearer'),
            expires_at: Timestamp,
            account: AccountSchema,
            seller: Type.Object({ id: IdOf('sel'), display_name: Type.String(), status: Type.String() }),
          }),
        },
      },
    },
    async (request, reply) => {
      const { email, password, display_name, seller_name, locale } = request.body;
      const result = await sellers.signUp(
        { email, password, displayName: display_name, sellerName: seller_name, ...(locale ? { locale } : {}) },
        { ip: request.ip, ...(request.headers['user-agent'] ? { userAgent: request.headers['user-agent'] } : {}) },
      );
      return reply.code(201).send({
        token: result.token,
        token_type: 'Bearer',
        expires_at: result.expiresAt.toISOString(),
        account: accountView(result.account),
        seller: { id: result.seller.id, display_name: result.seller.displayName, status: result.seller.status },
      });
    },
  );

  app.get(
    '/v1/seller/profile',
    {
      schema: {
        tags: ['seller: onboarding'],
        summary: 'The seller, its store once open, and its latest application',
        response: {
          200: Type.Object({
            seller: Type.Object({ id: IdOf('sel'), display_name: Type.String(), status: Type.String(), created_at: Timestamp }),
            store: Type.Union([StoreSchema, Type.Null()]),
            latest_application: Type.Union([Type.Object({ id: IdOf('sap'), status: StatusSchema }), Type.Null()]),
          }),
        },
      },
    },
    async (request) => {
      const profile = await sellers.profile(callerOf(request));
      return {
        seller: { id: profile.seller.id, display_name: profile.seller.displayName, status: profile.seller.status, created_at: profile.seller.createdAt.toISOString() },
        store: profile.store ? storeView(profile.store) : null,
        latest_application: profile.latestApplication,
      };
    },
  );

  app.get(
    '/v1/seller/applications',
    { schema: { tags: ['seller: onboarding'], summary: 'The seller’s applications, newest first', response: { 200: Type.Object({ data: Type.Array(Type.Object({ id: IdOf('sap'), kind: ApplicantKindSchema, status: StatusSchema, created_at: Timestamp, submitted_at: NullableTimestamp })) }) } } },
    async (request) => {
      const list = await sellers.listApplications(callerOf(request));
      return { data: list.map((a) => ({ id: a.id, kind: a.kind, status: a.status, created_at: a.createdAt.toISOString(), submitted_at: a.submittedAt?.toISOString() ?? null })) };
    },
  );

  app.post(
    '/v1/seller/applications',
    {
      config: { idempotency: 'required' },
      schema: {
        tags: ['seller: onboarding'],
        summary: 'Start an application (a draft) as an enterprise or an individual business',
        description:
          '`entity` is the company (enterprise) or the individual business (个体工商户); `representative` is the legal representative or the operator (经营者). The draft is saved as given; `problems` lists what must be fixed before submission.',
        body: obj({ kind: ApplicantKindSchema, form: Type.Optional(ApplicationFormSchema) }),
        response: { 201: ApplicationSchema },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const details = await sellers.createApplication(caller, { kind: request.body.kind, ...(request.body.form ? { form: request.body.form } : {}) });
      return reply.code(201).send(applicationView(caller.principal, details, now()));
    },
  );

  app.get(
    '/v1/seller/applications/:applicationId',
    { schema: { tags: ['seller: onboarding'], summary: 'One application with its documents, problems and review status', params: ApplicationParams, response: { 200: ApplicationSchema } } },
    async (request) => {
      const caller = callerOf(request);
      return applicationView(caller.principal, await sellers.getApplication(caller, request.params.applicationId), now());
    },
  );

  app.patch(
    '/v1/seller/applications/:applicationId',
    {
      schema: {
        tags: ['seller: onboarding'],
        summary: 'Change a draft, or an application returned for more information (JSON merge patch of the form)',
        params: ApplicationParams,
        body: obj({ kind: Type.Optional(ApplicantKindSchema), form: Type.Optional(ApplicationFormPatch), expected_version: Type.Optional(Type.Integer({ minimum: 1 })) }),
        response: { 200: ApplicationSchema },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const { kind, form, expected_version } = request.body as { kind?: 'enterprise' | 'individual'; form?: unknown; expected_version?: number };
      const details = await sellers.updateApplication(caller, request.params.applicationId, {
        ...(kind ? { kind } : {}),
        ...(form !== undefined ? { form } : {}),
        ...(expected_version !== undefined ? { expectedVersion: expected_version } : {}),
      });
      return applicationView(caller.principal, details, now());
    },
  );

  for (const [action, summary] of [
    ['submit', 'Submit the draft for review: every problem is reported at once (422), or the review clock starts'],
    ['resubmit', 'Send back an application that was returned for more information'],
  ] as const) {
    app.post(
      `/v1/seller/applications/:applicationId/${action}`,
      { config: { idempotency: 'optional' }, schema: { tags: ['seller: onboarding'], summary, params: ApplicationParams, response: { 200: ApplicationSchema } } },
      async (request) => {
        const caller = callerOf(request);
        const handIn = action === 'submit' ? sellers.submitApplication : sellers.resubmitApplication;
        return applicationView(caller.principal, await handIn(caller, request.params.applicationId), now());
      },
    );
  }

  app.post(
    '/v1/seller/applications/:applicationId/documents',
    {
      config: { multipart: true },
      schema: {
        tags: ['seller: onboarding'],
        summary: 'Upload a document (multipart/form-data, one part named `file`)',
        description: 'The file’s content decides its type (JPEG, PNG or PDF as the kind allows; ID images JPEG or PNG). A new upload of the same kind replaces the previous one. Size limit: UPLOAD_MAX_BYTES (10 MiB by default).',
        params: ApplicationParams,
        querystring: obj({ kind: DocumentKindSchema }),
        response: { 201: DocumentSchema },
      },
    },
    async (request, reply) => {
      const file = await readSingleFile(request);
      const document = await sellers.uploadDocument(callerOf(request), request.params.applicationId, { kind: request.query.kind, ...file });
      return reply.code(201).send(documentView(document));
    },
  );

  app.delete(
    '/v1/seller/applications/:applicationId/documents/:documentId',
    { schema: { tags: ['seller: onboarding'], summary: 'Withdraw an uploaded document while the application is editable', params: DocumentParams, response: { 204: Type.Null() } } },
    async (request, reply) => {
      await sellers.removeDocument(callerOf(request), request.params.applicationId, request.params.documentId);
      return reply.code(204).send(null);
    },
  );

  const sendDocument = async (request: FastifyRequest, params: { applicationId: string; documentId: string }, reply: FastifyReply) => {
    const { document, content } = await sellers.documentContent(callerOf(request), params.applicationId, params.documentId);
    return reply
      .header('content-type', document.contentType)
      .header('content-disposition', `attachment; filename="${document.kind}${extension(document.contentType)}"`)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, no-store')
      .send(content);
  };

  app.get(
    '/v1/seller/applications/:applicationId/documents/:documentId/content',
    { schema: { tags: ['seller: onboarding'], summary: 'Download an uploaded document', params: DocumentParams } },
    (request, reply) => sendDocument(request, request.params, reply),
  );

  app.get(
    '/v1/seller/applications/:applicationId/history',
    { schema: { tags: ['seller: onboarding'], summary: 'What happened to the application, newest first', params: ApplicationParams, response: { 200: HistorySchema } } },
    async (request) => ({ data: (await sellers.history(callerOf(request), request.params.applicationId)).map(historyView) }),
  );

  // ─── Operators ──────────────────────────────────────────────────────────────────────────────

  app.get(
    '/v1/ops/seller-applications',
    {
      schema: {
        tags: ['ops: seller review'],
        summary: 'Review queue: applications awaiting review, nearest SLA deadline first',
        querystring: pageQuery({ status: Type.Optional(Type.Enum(AWAITING_REVIEW)), overdue: Type.Optional(Type.Boolean({ description: 'Only those past their deadline.' })) }),
        response: {
          200: Page(
            Type.Object({
              id: IdOf('sap'),
              seller_id: IdOf('sel'),
              kind: ApplicantKindSchema,
              status: StatusSchema,
              entity_name: Type.Union([Type.String(), Type.Null()]),
              requested_store_type: Type.String(),
              submitted_at: NullableTimestamp,
              review_target_at: NullableTimestamp,
              review_due_at: NullableTimestamp,
              overdue: Type.Boolean(),
              reviewer_id: Type.Union([Type.String(), Type.Null()]),
            }),
          ),
        },
      },
    },
    async (request) => {
      const { limit = 20, cursor, status, overdue } = request.query;
      const page = await sellers.reviewQueue(callerOf(request), { limit, ...(cursor ? { cursor } : {}), ...(status ? { status } : {}), ...(overdue ? { overdueOnly: true } : {}) });
      return {
        data: page.data.map((item) => ({
          id: item.id,
          seller_id: item.sellerId,
          kind: item.kind,
          status: item.status,
          entity_name: item.entityName,
          requested_store_type: item.storeType,
          submitted_at: item.submittedAt?.toISOString() ?? null,
          review_target_at: item.reviewTargetAt?.toISOString() ?? null,
          review_due_at: item.reviewDueAt?.toISOString() ?? null,
          overdue: item.overdue,
          reviewer_id: item.reviewerAccountId,
        })),
        next_cursor: page.nextCursor,
      };
    },
  );

  app.get(
    '/v1/ops/seller-applications/:applicationId',
    { schema: { tags: ['ops: seller review'], summary: 'One application; personal data masked as the operator’s data-access tier requires', params: ApplicationParams, response: { 200: ApplicationSchema } } },
    async (request) => {
      const caller = callerOf(request);
      return applicationView(caller.principal, await sellers.getApplication(caller, request.params.applicationId), now());
    },
  );

  app.post(
    '/v1/ops/seller-applications/:applicationId/start-review',
    {
      config: { idempotency: 'optional' },
      schema: { tags: ['ops: seller review'], summary: 'Take an application from the queue', params: ApplicationParams, body: obj({ reason: Type.Optional(Reason) }), response: { 200: ApplicationSchema } },
    },
    async (request) => {
      const caller = callerOf(request);
      return applicationView(caller.principal, await sellers.startReview(caller, request.params.applicationId, request.body.reason ?? 'Review started'), now());
    },
  );

  app.post(
    '/v1/ops/seller-applications/:applicationId/request-info',
    {
      config: { idempotency: 'optional' },
      schema: {
        tags: ['ops: seller review'],
        summary: 'Return the application to the applicant with what to fix or add',
        params: ApplicationParams,
        body: obj({ reason: Reason, requests: Type.Array(obj({ path: Type.Optional(Type.String({ maxLength: 200 })), message: Type.String({ minLength: 3, maxLength: 1000 }) }), { minItems: 1, maxItems: 30 }) }),
        response: { 200: ApplicationSchema },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      return applicationView(caller.principal, await sellers.requestInfo(caller, request.params.applicationId, request.body.reason, request.body.requests), now());
    },
  );

  app.post(
    '/v1/ops/seller-applications/:applicationId/approve',
    {
      config: { idempotency: 'optional' },
      schema: {
        tags: ['ops: seller review'],
        summary: 'Approve: screens for sanctions, records the entry fee in force, and opens the store',
        params: ApplicationParams,
        body: obj({ reason: Reason, store_type: Type.Optional(Type.Enum(['standard', 'brand'] as const, { description: 'Open a standard store although a brand store was requested.' })) }),
        response: { 200: ApplicationSchema },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const details = await sellers.approve(caller, request.params.applicationId, { reason: request.body.reason, ...(request.body.store_type ? { storeType: request.body.store_type } : {}) });
      return applicationView(caller.principal, details, now());
    },
  );

  app.post(
    '/v1/ops/seller-applications/:applicationId/reject',
    {
      config: { idempotency: 'optional' },
      schema: { tags: ['ops: seller review'], summary: 'Reject, with the reason the applicant will read', params: ApplicationParams, body: obj({ reason: Reason }), response: { 200: ApplicationSchema } },
    },
    async (request) => {
      const caller = callerOf(request);
      return applicationView(caller.principal, await sellers.reject(caller, request.params.applicationId, request.body.reason), now());
    },
  );

  app.get(
    '/v1/ops/seller-applications/:applicationId/history',
    { schema: { tags: ['ops: seller review'], summary: 'Audit trail of the application', params: ApplicationParams, response: { 200: HistorySchema } } },
    async (request) => ({ data: (await sellers.history(callerOf(request), request.params.applicationId)).map(historyView) }),
  );

  app.get(
    '/v1/ops/seller-applications/:applicationId/documents/:documentId/content',
    { schema: { tags: ['ops: seller review'], summary: 'Download a document (ID images need the full data-access tier; every view is audited)', params: DocumentParams } },
    (request, reply) => sendDocument(request, request.params, reply),
  );

  app.get(
    '/v1/ops/fee-policies',
    { schema: { tags: ['ops: fees'], summary: 'Seller fee policies by date', response: { 200: Type.Object({ data: Type.Array(FeePolicySchema) }) } } },
    async (request) => ({ data: (await sellers.listFeePolicies(callerOf(request))).map(feePolicyView) }),
  );

  app.post(
    '/v1/ops/fee-policies',
    {
      config: { idempotency: 'required' },
      schema: {
        tags: ['ops: fees'],
        summary: 'Add a dated fee policy (finance); policies may not overlap and are never edited',
        body: obj({
          effective_from: IsoDate,
          effective_to: Type.Union([IsoDate, Type.Null()]),
          entry_fee: obj({ amount: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }), currency: Type.String({ pattern: '^[A-Z]{3}$' }) }),
          note: Type.String({ minLength: 3, maxLength: 500 }),
        }),
        response: { 201: FeePolicySchema },
      },
    },
    async (request, reply) => {
      const { effective_from, effective_to, entry_fee, note } = request.body;
      const policy = await sellers.createFeePolicy(callerOf(request), { effectiveFrom: effective_from, effectiveTo: effective_to, entryFee: entry_fee, note });
      return reply.code(201).send(feePolicyView(policy));
    },
  );

  const StoreScoreSchema = Type.Object({
    score: Type.Integer({ minimum: 0, maximum: 100 }),
    changes: Page(
      Type.Object({ id: IdOf('ssc'), code: Type.String(), delta: Type.Integer(), score_after: Type.Integer(), reason: Type.String(), reference: Type.String(), occurred_at: Timestamp }),
    ),
  });
  const storeScoreView = (history: StoreScoreHistory) => ({
    score: history.score,
    changes: {
      data: history.changes.data.map((c) => ({ id: c.id, code: c.code, delta: c.delta, score_after: c.scoreAfter, reason: c.reason, reference: c.reference, occurred_at: c.occurredAt.toISOString() })),
      next_cursor: history.changes.nextCursor,
    },
  });

  app.get(
    '/v1/seller/store/score',
    {
      schema: {
        tags: ['seller: store'],
        summary: 'The store’s score (search ranking weighs it) and every change with its reason, newest first',
        querystring: pageQuery(),
        response: { 200: StoreScoreSchema },
      },
    },
    async (request) => {
      const { limit = 20, cursor } = request.query;
      return storeScoreView(await sellers.ownStoreScore(callerOf(request), { limit, ...(cursor ? { cursor } : {}) }));
    },
  );

  app.get(
    '/v1/ops/sellers/:sellerId/store-score',
    {
      schema: {
        tags: ['ops: sellers'],
        summary: 'A store’s score and its history',
        params: Type.Object({ sellerId: IdOf('sel') }),
        querystring: pageQuery(),
        response: { 200: StoreScoreSchema },
      },
    },
    async (request) => {
      const { limit = 20, cursor } = request.query;
      return storeScoreView(await sellers.storeScoreOf(callerOf(request), request.params.sellerId, { limit, ...(cursor ? { cursor } : {}) }));
    },
  );

  // ─── Storefront ─────────────────────────────────────────────────────────────────────────────

  app.get(
    '/v1/store/stores/:storeId',
    {
      config: { public: true },
      schema: {
        tags: ['store'],
        summary: 'A store’s public page',
        params: Type.Object({ storeId: IdOf('sto') }),
        response: { 200: Type.Object({ id: IdOf('sto'), name: Type.String(), type: Type.String(), opened_at: Timestamp }) },
      },
    },
    async (request) => {
      const store = await sellers.publicStore(request.params.storeId);
      return { id: store.id, name: store.name, type: store.type, opened_at: store.openedAt.toISOString() };
    },
  );
}

function extension(contentType: string): string {
  return { 'image/jpeg': '.jpg', 'image/png': '.png', 'application/pdf': '.pdf' }[contentType] ?? '';
}

function historyView(record: { id: string; occurredAt: Date; actorType: string; actorId: string | null; action: string; fromState: unknown; toState: unknown; reason: string | null }) {
  return {
    id: record.id,
    occurred_at: record.occurredAt.toISOString(),
    actor_type: record.actorType,
    actor_id: record.actorId,
    action: record.action,
    from: record.fromState,
    to: record.toState,
    reason: record.reason,
  };
}

function feePolicyView(policy: { id: string; effectiveFrom: string; effectiveTo: string | null; entryFee: { amount: number; currency: string }; note: string; source: string; createdAt: Date }) {
  return {
    id: policy.id,
    effective_from: policy.effectiveFrom,
    effective_to: policy.effectiveTo,
    entry_fee: policy.entryFee,
    note: policy.note,
    source: policy.source,
    created_at: policy.createdAt.toISOString(),
  };
}

import type { Principal } from '../identity/index.ts';
import { APPLICATION_TRANSITIONS, EDITABLE_STATUSES, type ApplicationAction } from './rules.ts';
import type { ApplicationDetails, SellerDocument, Store } from './service.ts';

export function allowedActions(principal: Principal, status: ApplicationDetails['application']['status']): string[] {
  if (principal.kind === 'seller') {
    if (!EDITABLE_STATUSES.includes(status)) return [];
    return ['update', 'upload_document', status === 'draft' ? 'submit' : 'resubmit'];
  }
  if (principal.kind === 'operator') {
    return (Object.keys(APPLICATION_TRANSITIONS) as ApplicationAction[]).filter(
      (action) => APPLICATION_TRANSITIONS[action].by === 'operator' && APPLICATION_TRANSITIONS[action].from.includes(status),
    );
  }
  return [];
}

export const documentView = (doc: SellerDocument) => ({
  id: doc.id,
  kind: doc.kind,
  content_type: doc.contentType,
  size_bytes: doc.sizeBytes,
  sha256: doc.sha256,
  original_name: doc.originalName,
  uploaded_at: doc.uploadedAt.toISOString(),
});

export const storeView = (store: Store) => ({
  id: store.id,
  seller_id: store.sellerId,
  name: store.name,
  type: store.type,
  status: store.status,
  entry_fee: store.entryFee,
  opened_at: store.openedAt.toISOString(),
});

export function applicationView(principal: Principal, details: ApplicationDetails, now: Date) {
  const { application: a } = details;
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    id: a.id,
    seller_id: a.sellerId,
    kind: a.kind,
    status: a.status,
    version: a.version,
    form: a.form,
    problems: details.problems,
    required_documents: details.requiredDocuments,
    documents: details.documents.map(documentView),
    first_submitted_at: iso(a.firstSubmittedAt),
    submitted_at: iso(a.submittedAt),
    review: {
      target_at: iso(a.reviewTargetAt),
      due_at: iso(a.reviewDueAt),
      overdue: a.reviewDueAt !== null && a.reviewDueAt.getTime() <= now.getTime(),
      flagged_overdue_at: iso(a.overdueAt),
      reviewer_id: principal.kind === 'operator' ? a.reviewerAccountId : null,
      started_at: iso(a.reviewStartedAt),
    },
    info_requests: a.infoRequests.map((r) => ({ ...(r.path ? { path: r.path } : {}), message: r.message })),
    decision: a.decidedAt ? { reason: a.decisionReason ?? '', decided_at: a.decidedAt.toISOString() } : null,
    store: details.store ? storeView(details.store) : null,
    allowed_actions: allowedActions(principal, a.status),
    created_at: a.createdAt.toISOString(),
    updated_at: a.updatedAt.toISOString(),
  };
}

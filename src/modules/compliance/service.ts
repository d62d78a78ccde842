import { and, asc, eq, type SQL } from 'drizzle-orm';
import type { Platform } from '../../platform/index.ts';
import { inTransaction } from '../../platform/db/index.ts';
import { conflict, notFound } from '../../platform/errors/index.ts';
import { afterTimeAndId, toPage, type Page } from '../../platform/pagination.ts';
import { registerIdPrefix } from '../../platform/ids/index.ts';
import { actorOf, authorize, maskPersonName, requireOperator, revealsPersonalData, type Caller, type Principal } from '../identity/index.ts';
import { complianceCases, sanctionsScreenings } from './schema.ts';
import type { SanctionsScreener, ScreeningHit, ScreeningSubject } from './screening.ts';

const SCREENING_PREFIX = registerIdPrefix('scr', 'sanctions screening');
const CASE_PREFIX = registerIdPrefix('cas', 'compliance case');

export const COMPLIANCE_EVENTS = {
  caseOpened: 'compliance.case.opened',
  caseResolved: 'compliance.case.resolved',
} as const;

export type CaseStatus = 'open' | 'false_positive' | 'confirmed_match';
export type CaseOutcome = Exclude<CaseStatus, 'open'>;

export interface ComplianceCase {
  id: string;
  sellerId: string;
  kind: string;
  status: CaseStatus;
  subjectType: string;
  subjectId: string;
  hits: ScreeningHit[];
  listVersion: string;
  openedAt: Date;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  resolutionReason: string | null;
}

export type ScreeningResult = { outcome: 'clear'; screeningId: string } | { outcome: 'blocked'; screeningId: string; caseId: string };

const hitKey = (hit: ScreeningHit) => `${hit.subjectRef}\u0000${hit.subjectName}\u0000${hit.entryId}`;

function toCase(row: typeof complianceCases.$inferSelect): ComplianceCase {
  return { ...row, status: row.status as CaseStatus, hits: row.hits as ScreeningHit[] };
}

/**
 * A case as this operator may see it. A person's screened name is contact data; since matching is
 * exact, the listed name that matched it spells the same person and is masked with it.
 */
export function presentCase(principal: Principal, item: ComplianceCase): ComplianceCase {
  if (revealsPersonalData(principal, 'contact')) return item;
  return {
    ...item,
    hits: item.hits.map((hit) =>
      hit.subjectRef.startsWith('representative')
        ? { ...hit, subjectName: maskPersonName(hit.subjectName), matchedName: maskPersonName(hit.matchedName), entryName: maskPersonName(hit.entryName) }
        : hit,
    ),
  };
}

export function createComplianceService(platform: Platform, screener: SanctionsScreener) {
  const { db, clock, ids, audit, events } = platform;

  return {
    /**
     * Screens the people and company behind a subject (a seller application) before it is approved.
     * A hit opens a case for the compliance team, unless a case already cleared exactly these hits
     * as false positives; the result is recorded either way.
     */
    async screenSeller(input: { sellerId: string; subjectType: string; subjectId: string; subjects: ScreeningSubject[] }): Promise<ScreeningResult> {
      const hits = await screener.screen(input.subjects);
      return inTransaction(db, async (tx) => {
        const now = clock.now();
        const screeningId = ids(SCREENING_PREFIX);
        const record = (outcome: 'clear' | 'hit' | 'cleared_by_case', caseId: string | null) =>
          tx.insert(sanctionsScreenings).values({
            sellerId: input.sellerId,
            id: screeningId,
            subjectType: input.subjectType,
            subjectId: input.subjectId,
            screener: screener.name,
            listVersion: screener.listVersion,
            subjects: input.subjects,
            hits,
            outcome,
            caseId,
            screenedAt: now,
          });
        if (hits.length === 0) {
          await record('clear', null);
          return { outcome: 'clear', screeningId };
        }
        const previous = (
          await tx
            .select()
            .from(complianceCases)
            .where(and(eq(complianceCases.subjectType, input.subjectType), eq(complianceCases.subjectId, input.subjectId)))
            .orderBy(asc(complianceCases.openedAt))
            .for('update')
        ).map(toCase);
        const blocking = previous.find((c) => c.status === 'open' || c.status === 'confirmed_match');
        if (blocking) {
          await record('hit', blocking.id);
          return { outcome: 'blocked', screeningId, caseId: blocking.id };
        }
        const cleared = new Set(previous.filter((c) => c.status === 'false_positive').flatMap((c) => c.hits.map(hitKey)));
        if (hits.every((hit) => cleared.has(hitKey(hit)))) {
          await record('cleared_by_case', previous.at(-1)?.id ?? null);
          return { outcome: 'clear', screeningId };
        }
        const caseId = ids(CASE_PREFIX);
        const opened = await tx
          .insert(complianceCases)
          .values({
            sellerId: input.sellerId,
            id: caseId,
            kind: 'sanctions_match',
            status: 'open',
            subjectType: input.subjectType,
            subjectId: input.subjectId,
            hits,
            listVersion: screener.listVersion,
            openedAt: now,
          })
          .onConflictDoNothing()
          .returning({ id: complianceCases.id });
        if (opened.length === 0) {
          // A parallel screening of the same subject opened the case a moment ago: it is the one.
          const [open] = await tx
            .select({ id: complianceCases.id })
            .from(complianceCases)
            .where(and(eq(complianceCases.subjectType, input.subjectType), eq(complianceCases.subjectId, input.subjectId), eq(complianceCases.status, 'open')));
          await record('hit', open?.id ?? null);
          return { outcome: 'blocked', screeningId, caseId: open?.id ?? caseId };
        }
        await record('hit', caseId);
        await audit.record(tx, {
          actor: { type: 'system', id: `screener:${screener.name}` },
          action: 'compliance_case.open',
          subject: { type: 'compliance_case', id: caseId },
          sellerId: input.sellerId,
          to: { status: 'open', hits: hits.length },
          reason: `Sanctions screening matched ${hits.length} list ${hits.length === 1 ? 'entry' : 'entries'}`,
          metadata: { subjectType: input.subjectType, subjectId: input.subjectId, listVersion: screener.listVersion },
        });
        await events.publish(tx, {
          type: COMPLIANCE_EVENTS.caseOpened,
          subject: { type: 'compliance_case', id: caseId },
          sellerId: input.sellerId,
          payload: { caseId, kind: 'sanctions_match', subjectType: input.subjectType, subjectId: input.subjectId },
        });
        return { outcome: 'blocked', screeningId, caseId };
      });
    },

    async listCases(caller: Caller, filter: { status?: CaseStatus; limit: number; cursor?: string }): Promise<Page<ComplianceCase>> {
      authorize(requireOperator(caller.principal), 'read', 'ComplianceCase');
      const conditions: (SQL | undefined)[] = [afterTimeAndId(complianceCases.openedAt, complianceCases.id, filter.cursor, 'cas')];
      if (filter.status) conditions.push(eq(complianceCases.status, filter.status));
      const rows = await db
        .select()
        .from(complianceCases)
        .where(and(...conditions))
        .orderBy(asc(complianceCases.openedAt), asc(complianceCases.id))
        .limit(filter.limit + 1);
      return toPage(rows, filter.limit, (row) => presentCase(caller.principal, toCase(row)), (item) => [item.openedAt.toISOString(), item.id]);
    },

    async getCase(caller: Caller, caseId: string): Promise<ComplianceCase> {
      authorize(requireOperator(caller.principal), 'read', 'ComplianceCase');
      const [row] = await db.select().from(complianceCases).where(eq(complianceCases.id, caseId));
      if (!row) throw notFound('compliance case', caseId);
      return presentCase(caller.principal, toCase(row));
    },

    async resolveCase(caller: Caller, caseId: string, resolution: { outcome: CaseOutcome; reason: string }): Promise<ComplianceCase> {
      authorize(requireOperator(caller.principal), 'update', 'ComplianceCase');
      return inTransaction(db, async (tx) => {
        const [row] = await tx.select().from(complianceCases).where(eq(complianceCases.id, caseId)).for('update');
        if (!row) throw notFound('compliance case', caseId);
        if (row.status !== 'open') throw conflict('case_already_resolved', `Case ${caseId} was already resolved as ${row.status}.`);
        const now = clock.now();
        const [updated] = await tx
          .update(complianceCases)
          .set({ status: resolution.outcome, resolvedAt: now, resolvedBy: caller.principal.accountId, resolutionReason: resolution.reason })
          .where(and(eq(complianceCases.sellerId, row.sellerId), eq(complianceCases.id, caseId)))
          .returning();
        await audit.record(tx, {
          actor: actorOf(caller),
          action: 'compliance_case.resolve',
          subject: { type: 'compliance_case', id: caseId },
          sellerId: row.sellerId,
          from: { status: 'open' },
          to: { status: resolution.outcome },
          reason: resolution.reason,
        });
        await events.publish(tx, {
          type: COMPLIANCE_EVENTS.caseResolved,
          subject: { type: 'compliance_case', id: caseId },
          sellerId: row.sellerId,
          payload: { caseId, outcome: resolution.outcome, subjectType: row.subjectType, subjectId: row.subjectId },
        });
        return presentCase(caller.principal, toCase(updated!));
      });
    },
  };
}

export type ComplianceService = ReturnType<typeof createComplianceService>;

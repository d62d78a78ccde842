import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import type { Clock } from '../clock/index.ts';
import type { Db } from '../db/index.ts';
import { registerIdPrefix, type IdGenerator } from '../ids/index.ts';
import { auditLog } from './schema.ts';

export { auditLog } from './schema.ts';

/** Who did something: the audit log, events and jobs all speak of actors this way. */
export interface Actor {
  type: 'operator' | 'seller' | 'buyer' | 'system';
  id: string | null;
  requestId?: string | undefined;
}

export const systemActor = (name: string): Actor => ({ type: 'system', id: name });

export interface AuditEntry {
  actor: Actor;
  action: string;
  subject: { type: string; id: string };
  sellerId?: string | null;
  from?: unknown;
  to?: unknown;
  reason?: string | null;
  metadata?: Record<string, unknown>;
}

export interface AuditRecord {
  id: string;
  occurredAt: Date;
  actorType: string;
  actorId: string | null;
  action: string;
  subjectType: string;
  subjectId: string;
  sellerId: string | null;
  fromState: unknown;
  toState: unknown;
  reason: string | null;
  requestId: string | null;
  metadata: unknown;
}

const AUDIT_PREFIX = registerIdPrefix('aud', 'audit record');

export interface AuditLog {
  record(tx: Db, entry: AuditEntry): Promise<string>;
  /** Many records in one statement (a batch import, a catalogue-wide re-evaluation). */
  recordMany(tx: Db, entries: readonly AuditEntry[]): Promise<void>;
  list(db: Db, filter: { subjectType?: string; subjectId?: string; sellerId?: string; before?: string; limit: number }): Promise<AuditRecord[]>;
}

export function createAuditLog(deps: { clock: Clock; ids: IdGenerator }): AuditLog {
  const row = (entry: AuditEntry) => ({
    id: deps.ids(AUDIT_PREFIX),
    occurredAt: deps.clock.now(),
    actorType: entry.actor.type,
    actorId: entry.actor.id,
    action: entry.action,
    subjectType: entry.subject.type,
    subjectId: entry.subject.id,
    sellerId: entry.sellerId ?? null,
    fromState: entry.from ?? null,
    toState: entry.to ?? null,
    reason: entry.reason ?? null,
    requestId: entry.actor.requestId ?? null,
    metadata: entry.metadata ?? null,
  });

  return {
    async record(tx, entry) {
      const values = row(entry);
      await tx.insert(auditLog).values(values);
      return values.id;
    },

    async recordMany(tx, entries) {
      for (let i = 0; i < entries.length; i += 500) await tx.insert(auditLog).values(entries.slice(i, i + 500).map(row));
    },

    async list(db, filter) {
      const conditions: SQL[] = [];
      if (filter.subjectType) conditions.push(eq(auditLog.subjectType, filter.subjectType));
      if (filter.subjectId) conditions.push(eq(auditLog.subjectId, filter.subjectId));
      if (filter.sellerId) conditions.push(eq(auditLog.sellerId, filter.sellerId));
      if (filter.before) conditions.push(lt(auditLog.id, filter.before));
      return db
        .select()
        .from(auditLog)
        .where(and(...conditions))
        .orderBy(desc(auditLog.id))
        .limit(filter.limit);
    },
  };
}

import { and, asc, eq, sql } from 'drizzle-orm';
import type { AuditLog, Actor } from '../audit/index.ts';
import type { Clock } from '../clock/index.ts';
import { inTransaction, queryRows, type Db } from '../db/index.ts';
import { notFound } from '../errors/index.ts';
import { referenceItems, referenceItemVersions, referenceRevisions } from './schema.ts';

export { referenceItems, referenceItemVersions, referenceRevisions } from './schema.ts';

/** Who changes shipped reference data when it is installed from the product's data files. */
export const SHIPPED = 'reference-data';

export interface ReferenceItem<T> {
  key: string;
  definition: T;
  version: number;
  active: boolean;
  updatedBy: string;
  updatedAt: Date;
}

export interface ReferenceVersion<T> {
  version: number;
  definition: T;
  active: boolean;
  changedBy: string;
  changedAt: Date;
  reason: string;
}

interface Snapshot<T> {
  revision: number;
  items: ReferenceItem<T>[];
  derived: Map<string, unknown>;
}

/**
 * A collection of operator-editable reference data (the category tree, the prohibited list).
 * Reads are cached per process and revalidated with one small query; anything derived from the
 * collection (a resolved tree, a compiled matcher) is cached alongside and rebuilt on change.
 */
export class ReferenceCollection<T> {
  #snapshot: Snapshot<T> | undefined;

  constructor(
    readonly name: string,
    private readonly deps: { clock: Clock; audit: AuditLog },
    /** Checks the whole collection as it would be after a change; throws to refuse it. */
    private readonly validate: (items: ReadonlyMap<string, T>) => void = () => undefined,
  ) {}

  async revision(db: Db): Promise<number> {
    const [row] = await db.select({ revision: referenceRevisions.revision }).from(referenceRevisions).where(eq(referenceRevisions.collection, this.name));
    return row?.revision ?? 0;
  }

  async #load(db: Db): Promise<Snapshot<T>> {
    const revision = await this.revision(db);
    if (this.#snapshot?.revision === revision) return this.#snapshot;
    const rows = await db.select().from(referenceItems).where(eq(referenceItems.collection, this.name)).orderBy(asc(referenceItems.key));
    this.#snapshot = {
      revision,
      items: rows.map((row) => ({ key: row.key, definition: row.definition as T, version: row.version, active: row.active, updatedBy: row.updatedBy, updatedAt: row.updatedAt })),
      derived: new Map(),
    };
    return this.#snapshot;
  }

  /** Every item, inactive ones included (for operators' views). */
  async all(db: Db): Promise<{ revision: number; items: ReferenceItem<T>[] }> {
    const snapshot = await this.#load(db);
    return { revision: snapshot.revision, items: snapshot.items };
  }

  /** The active definitions by key. */
  async current(db: Db): Promise<{ revision: number; items: ReadonlyMap<string, T> }> {
    return this.derive(db, 'current', (items) => items);
  }

  /** A value computed from the active definitions, kept until the collection changes. */
  async derive<D>(db: Db, name: string, compute: (items: ReadonlyMap<string, T>, revision: number) => D): Promise<{ revision: number; items: ReadonlyMap<string, T> } & { value: D }> {
    const snapshot = await this.#load(db);
    const active = (snapshot.derived.get('\u0000active') as ReadonlyMap<string, T> | undefined) ?? new Map(snapshot.items.filter((i) => i.active).map((i) => [i.key, i.definition]));
    snapshot.derived.set('\u0000active', active);
    if (!snapshot.derived.has(name)) snapshot.derived.set(name, compute(active, snapshot.revision));
    return { revision: snapshot.revision, items: active, value: snapshot.derived.get(name) as D };
  }

  async get(db: Db, key: string): Promise<ReferenceItem<T> | undefined> {
    return (await this.#load(db)).items.find((item) => item.key === key);
  }

  async history(db: Db, key: string): Promise<ReferenceVersion<T>[]> {
    const rows = await db
      .select()
      .from(referenceItemVersions)
      .where(and(eq(referenceItemVersions.collection, this.name), eq(referenceItemVersions.key, key)))
      .orderBy(asc(referenceItemVersions.version));
    return rows.map((row) => ({ version: row.version, definition: row.definition as T, active: row.active, changedBy: row.changedBy, changedAt: row.changedAt, reason: row.reason }));
  }

  /**
   * Installs the shipped definitions: adds what is missing and updates what is still as shipped.
   * An item an operator changed is theirs; a new release never overwrites it.
   */
  async install(db: Db, shipped: readonly { key: string; definition: T }[], reason: string): Promise<number> {
    return inTransaction(db, async (tx) => {
      await this.#lock(tx);
      const existing = new Map((await tx.select().from(referenceItems).where(eq(referenceItems.collection, this.name))).map((row) => [row.key, row]));
      let changed = 0;
      for (const item of shipped) {
        const current = existing.get(item.key);
        if (current && (current.updatedBy !== SHIPPED || JSON.stringify(current.definition) === JSON.stringify(item.definition))) continue;
        await this.#write(tx, item.key, item.definition, true, (current?.version ?? 0) + 1, SHIPPED, reason, current ? 'update' : 'insert');
        changed++;
      }
      if (changed > 0) await this.#bump(tx);
      return changed;
    });
  }

  /** An operator's change: validated against the whole collection, versioned, audited. */
  async put(db: Db, actor: Actor, key: string, definition: T, reason: string): Promise<ReferenceItem<T>> {
    return this.#change(db, actor, key, definition, true, reason);
  }

  async deactivate(db: Db, actor: Actor, key: string, reason: string): Promise<ReferenceItem<T>> {
    return this.#change(db, actor, key, undefined, false, reason);
  }

  async #change(db: Db, actor: Actor, key: string, definition: T | undefined, active: boolean, reason: string): Promise<ReferenceItem<T>> {
    return inTransaction(db, async (tx) => {
      await this.#lock(tx);
      const rows = await tx.select().from(referenceItems).where(eq(referenceItems.collection, this.name));
      const current = rows.find((row) => row.key === key);
      const next = definition ?? (current?.definition as T | undefined);
      if (next === undefined) throw notFound(this.name.replace(/_/g, ' ').replace(/s$/, ''), key);
      const after = new Map(rows.filter((row) => row.active && row.key !== key).map((row) => [row.key, row.definition as T]));
      if (active) after.set(key, next);
      this.validate(after);
      const version = (current?.version ?? 0) + 1;
      const by = actor.id ?? actor.type;
      await this.#write(tx, key, next, active, version, by, reason, current ? 'update' : 'insert');
      await this.#bump(tx);
      await this.deps.audit.record(tx, {
        actor,
        action: `${this.name}.${active ? 'put' : 'deactivate'}`,
        subject: { type: this.name, id: key },
        from: current ? { version: current.version, active: current.active } : null,
        to: { version, active },
        reason,
      });
      return { key, definition: next, version, active, updatedBy: by, updatedAt: this.deps.clock.now() };
    });
  }

  async #write(tx: Db, key: string, definition: T, active: boolean, version: number, by: string, reason: string, mode: 'insert' | 'update'): Promise<void> {
    const now = this.deps.clock.now();
    const values = { definition, version, active, updatedBy: by, updatedAt: now };
    if (mode === 'insert') await tx.insert(referenceItems).values({ collection: this.name, key, ...values });
    else await tx.update(referenceItems).set(values).where(and(eq(referenceItems.collection, this.name), eq(referenceItems.key, key)));
    await tx.insert(referenceItemVersions).values({ collection: this.name, key, version, definition, active, changedBy: by, changedAt: now, reason });
  }

  async #lock(tx: Db): Promise<void> {
    await queryRows(tx, sql`SELECT pg_advisory_xact_lock(hashtext(${`reference:${this.name}`}))`);
  }

  async #bump(tx: Db): Promise<void> {
    await tx
      .insert(referenceRevisions)
      .values({ collection: this.name, revision: 1 })
      .onConflictDoUpdate({ target: referenceRevisions.collection, set: { revision: sql`${referenceRevisions.revision} + 1` } });
  }
}

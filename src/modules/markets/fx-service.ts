import type { Platform } from '../../platform/index.ts';
import { inTransaction, isTransaction, type Db } from '../../platform/db/index.ts';
import { notFound, unprocessable, validationFailed, type FieldError } from '../../platform/errors/index.ts';
import { convert as convertMoney, isCurrency, money } from '../../platform/money/index.ts';
import { decodeCursor, toPage, type Page } from '../../platform/pagination.ts';
import { ReferenceCollection, type ReferenceItem } from '../../platform/reference/index.ts';
import { actorOf, authorize, requireOperator, type Caller } from '../identity/index.ts';
import type { MarketDirectory } from './countries.ts';
import {
  fxSnapshot,
  mergeFxSnapshots,
  operatorSnapshotId,
  parseFxRateId,
  shippedFxRates,
  snapshotRate,
  type DatedFxRate,
  type FxRateTable,
  type FxSnapshot,
} from './fx.ts';
import { checkSnapshotRates, FX_BASE, parseSnapshotFile, sameRates, type FxSnapshotInput, type SnapshotProblem } from './fx-snapshots.ts';

export const MARKETS_EVENTS = {
  /** An operator's FX snapshot was saved: payload { date, snapshot_id, version, superseded_id }. */
  fxSnapshotSaved: 'markets.fx_snapshot.saved',
} as const;

/** An operator's snapshot as stored: one item per date, every version kept. */
interface StoredSnapshot {
  base: string;
  rates: Record<string, string>;
  source: string;
}

export interface FxSnapshotView {
  id: string;
  date: string;
  base: string;
  rates: Record<string, string>;
  origin: 'shipped' | 'operator';
  /** The operator's version for the date; null for a shipped snapshot. */
  version: number | null;
  source: string;
  /** The shipped snapshot of the same date this one supersedes, if any. */
  supersedes: string | null;
  updatedBy: string | null;
  updatedAt: Date | null;
}

export interface FxSnapshotVersion extends FxSnapshotView {
  /** Whether this is the snapshot in force for its date; a superseded one still resolves by id. */
  current: boolean;
  reason: string | null;
}

export interface FxSnapshotChange {
  date: string;
  id: string;
  outcome: 'added' | 'replaced' | 'unchanged';
}

export interface ConvertedAmount {
  amount: number;
  currency: string;
  /** The id of the rate the amount was converted with; null when no conversion was needed. */
  fxRateId: string | null;
  rate: string | null;
}

const ratesOf = (snapshot: FxSnapshot): Record<string, string> => Object.fromEntries(snapshot.rates.map((rate) => [rate.quote, rate.rate]));
const toFieldErrors = (problems: readonly SnapshotProblem[], where: FieldError['in'] = 'body'): FieldError[] => problems.map((p) => ({ in: where, path: p.path, code: p.code, message: p.message }));
const dayOf = (date: Date) => date.toISOString().slice(0, 10);
const SOURCE_MAX = 500;

/**
 * FX snapshots: the shipped file is the floor, operators' snapshots (kept in a reference
 * collection, one item per date, every version kept) supersede it date by date. The merged table
 * is cached per process and revalidated with one single-row query, at most once per transaction.
 */
export function createFxSnapshots(platform: Platform, directory: MarketDirectory) {
  const { db, clock, audit, events } = platform;
  const shipped = shippedFxRates();
  const collection = new ReferenceCollection<StoredSnapshot>('fx_snapshots', { clock, audit });
  // Currencies every snapshot must quote: those buyers pay in, and CNY that sellers price in.
  const requiredQuotes = [...new Set([...directory.currencies(), 'CNY'])].filter((currency) => currency !== FX_BASE).sort();
  const shippedSource = `data/markets/fx-rates.json${shipped.source ? `: ${shipped.source}` : ''}`;

  const toSnapshot = (item: Pick<ReferenceItem<StoredSnapshot>, 'key' | 'version' | 'definition'>) => fxSnapshot(operatorSnapshotId(item.key, item.version), item.key, item.definition.base, item.definition.rates);

  let merged: { revision: number; table: FxRateTable } | undefined;
  const perTransaction = new WeakMap<Db, Promise<FxRateTable>>();

  async function load(tx: Db): Promise<FxRateTable> {
    const { revision, items } = await collection.all(tx);
    if (merged?.revision !== revision) merged = { revision, table: mergeFxSnapshots(shipped, items.filter((item) => item.active).map(toSnapshot)) };
    return merged.table;
  }

  /** The merged rates: once per transaction (a caller's transaction never sees them change midway). */
  function fxRates(tx: Db): Promise<FxRateTable> {
    if (!isTransaction(tx)) return load(tx);
    let table = perTransaction.get(tx);
    if (!table) {
      table = load(tx);
      perTransaction.set(tx, table);
    }
    return table;
  }

  function shippedView(snapshot: FxSnapshot): FxSnapshotView {
    return { id: snapshot.id, date: snapshot.date, base: snapshot.base, rates: ratesOf(snapshot), origin: 'shipped', version: null, source: shippedSource, supersedes: null, updatedBy: null, updatedAt: null };
  }

  const shippedOn = (date: string) => shipped.snapshots.find((snapshot) => snapshot.date === date);

  function operatorView(date: string, version: number, definition: StoredSnapshot, by: string, at: Date): FxSnapshotView {
    return {
      id: operatorSnapshotId(date, version),
      date,
      base: definition.base,
      rates: { ...definition.rates },
      origin: 'operator',
      version,
      source: definition.source,
      supersedes: shippedOn(date)?.id ?? null,
      updatedBy: by,
      updatedAt: at,
    };
  }

  /** Every snapshot in force, one per date, shipped and operators' merged. */
  async function currentViews(tx: Db): Promise<FxSnapshotView[]> {
    const byDate = new Map(shipped.snapshots.map((snapshot) => [snapshot.date, shippedView(snapshot)]));
    for (const item of (await collection.all(tx)).items) {
      if (item.active) byDate.set(item.key, operatorView(item.key, item.version, item.definition, item.updatedBy, item.updatedAt));
    }
    return [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : 1));
  }

  function checkSource(source: string | null | undefined, where: FieldError['in'], path: string): string {
    const text = source?.trim() ?? '';
    if (text === '' || text.length > SOURCE_MAX) {
      throw validationFailed([{ in: where, path, code: text === '' ? 'required' : 'too_long', message: text === '' ? 'say where the rates come from (a provider, a central bank, a file)' : `must be at most ${SOURCE_MAX} characters` }]);
    }
    return text;
  }

  /**
   * Saves operators' snapshots in the caller's transaction, skipping those that repeat what is in
   * force for their date. Everything was checked before: this only writes.
   */
  async function save(tx: Db, caller: Caller, inputs: readonly FxSnapshotInput[], source: string, reason: string): Promise<{ change: FxSnapshotChange; view: FxSnapshotView | null }[]> {
    // Read before the first write: the collection's process cache must never hold uncommitted rows.
    const before = new Map((await collection.all(tx)).items.map((item) => [item.key, item]));
    const results: { change: FxSnapshotChange; view: FxSnapshotView | null }[] = [];
    for (const input of inputs) {
      const existing = before.get(input.date);
      const inForce = existing?.active ? toSnapshot(existing) : shippedOn(input.date);
      if (inForce && sameRates(inForce, input)) {
        results.push({ change: { date: input.date, id: inForce.id, outcome: 'unchanged' }, view: null });
        continue;
      }
      const item = await collection.put(tx, actorOf(caller), input.date, { base: input.base, rates: input.rates, source }, reason);
      const id = operatorSnapshotId(item.key, item.version);
      await events.publish(tx, {
        type: MARKETS_EVENTS.fxSnapshotSaved,
        subject: { type: 'fx_snapshot', id: input.date },
        payload: { date: input.date, snapshot_id: id, version: item.version, superseded_id: inForce?.id ?? null },
      });
      results.push({ change: { date: input.date, id, outcome: inForce ? 'replaced' : 'added' }, view: operatorView(item.key, item.version, item.definition, item.updatedBy, item.updatedAt) });
    }
    return results;
  }

  return {
    fxRates,

    /**
     * Converts an amount into another currency at the rates in force on a day (its UTC date),
     * rounding half-even to the target currency's minor unit, and names the rate it used.
     */
    async convert(tx: Db, value: { amount: number; currency: string }, to: string, on: Date): Promise<ConvertedAmount> {
      if (value.currency === to) return { amount: value.amount, currency: to, fxRateId: null, rate: null };
      const date = dayOf(on);
      const rate = isCurrency(value.currency) && isCurrency(to) ? (await fxRates(tx)).rate(value.currency, to, date) : undefined;
      if (!rate) throw unprocessable('no_fx_rate', `No exchange rate from ${value.currency} to ${to} is known for ${date}.`);
      const converted = convertMoney(money(value.amount, value.currency), rate, 'half_even');
      return { amount: converted.amount, currency: to, fxRateId: rate.id, rate: rate.rate };
    },

    /** A rate by the id a converted amount kept, also after its snapshot was superseded. */
    async fxRate(tx: Db, id: string): Promise<DatedFxRate | undefined> {
      const parts = parseFxRateId(id);
      if (!parts) return undefined;
      let snapshot: FxSnapshot | undefined = (await fxRates(tx)).snapshots.find((s) => s.id === parts.snapshotId) ?? (parts.version === null ? shippedOn(parts.date) : undefined);
      if (!snapshot && parts.version !== null) {
        const version = (await collection.history(tx, parts.date)).find((v) => v.version === parts.version);
        if (version) snapshot = fxSnapshot(parts.snapshotId, parts.date, version.definition.base, version.definition.rates);
      }
      return snapshot && snapshotRate(snapshot, parts.base, parts.quote);
    },

    /** Snapshots in force, newest first, optionally between two dates (inclusive). */
    async listFxSnapshots(caller: Caller, query: { from?: string; to?: string; limit: number; cursor?: string }): Promise<Page<FxSnapshotView>> {
      authorize(requireOperator(caller.principal), 'read', 'LogisticsRates');
      const before = decodeCursor(query.cursor, ['timestamp'])?.[0]?.slice(0, 10);
      const views = (await currentViews(db))
        .filter((view) => (query.from === undefined || view.date >= query.from) && (query.to === undefined || view.date <= query.to) && (before === undefined || view.date < before))
        .reverse();
      return toPage(views.slice(0, query.limit + 1), query.limit, (view) => view, (view) => [`${view.date}T00:00:00.000Z`]);
    },

    /** The snapshot of one date as it stands, and every version it had (the shipped one first). */
    async getFxSnapshot(caller: Caller, date: string): Promise<FxSnapshotView & { history: FxSnapshotVersion[] }> {
      authorize(requireOperator(caller.principal), 'read', 'LogisticsRates');
      const current = (await currentViews(db)).find((view) => view.date === date);
      if (!current) throw notFound('FX snapshot', date);
      const shippedSnapshot = shippedOn(date);
      const history: FxSnapshotVersion[] = shippedSnapshot ? [{ ...shippedView(shippedSnapshot), current: current.id === shippedSnapshot.id, reason: null }] : [];
      for (const version of await collection.history(db, date)) {
        const view = operatorView(date, version.version, version.definition, version.changedBy, version.changedAt);
        history.push({ ...view, current: view.id === current.id, reason: version.reason });
      }
      return { ...current, history };
    },

    /** An operator's snapshot for a date: checked, saved as a new version, audited. Repeating the rates in force changes nothing. */
    async setFxSnapshot(caller: Caller, date: string, input: { base: string; rates: Record<string, string>; source: string; reason: string }): Promise<{ snapshot: FxSnapshotView; outcome: FxSnapshotChange['outcome'] }> {
      authorize(requireOperator(caller.principal), 'update', 'LogisticsRates');
      const problems = checkSnapshotRates(input.base, input.rates, requiredQuotes);
      if (problems.length > 0) throw validationFailed(toFieldErrors(problems), 'The snapshot has invalid rates; see errors[].');
      const source = checkSource(input.source, 'body', '/source');
      return inTransaction(db, async (tx) => {
        const [result] = await save(tx, caller, [{ date, base: input.base, rates: input.rates }], source, input.reason);
        const snapshot = result!.view ?? (await currentViews(tx)).find((view) => view.date === date)!;
        return { snapshot, outcome: result!.change.outcome };
      });
    },

    /**
     * Snapshots from a file (JSON in the shape of fx-rates.json, or CSV): every one is checked
     * before anything is written, and they are saved together or not at all.
     */
    async importFxSnapshots(caller: Caller, file: { content: Buffer }, options: { source?: string | undefined; reason: string }): Promise<FxSnapshotChange[]> {
      authorize(requireOperator(caller.principal), 'update', 'LogisticsRates');
      if (file.content.length === 0) throw unprocessable('empty_file', 'The file is empty.', [{ in: 'body', path: '/file', code: 'empty', message: 'is empty' }]);
      const parsed = parseSnapshotFile(file.content, requiredQuotes);
      if (parsed.problems.length > 0) {
        throw validationFailed(toFieldErrors(parsed.problems), `The ${parsed.format.toUpperCase()} file has ${parsed.problems.length} problem${parsed.problems.length === 1 ? '' : 's'}; nothing was imported. See errors[].`);
      }
      // The request's source note wins; a JSON file's own is the fallback.
      const source = options.source === undefined && parsed.source !== null ? checkSource(parsed.source, 'body', '/file/source') : checkSource(options.source, 'query', '/source');
      const ordered = [...parsed.snapshots].sort((a, b) => (a.date < b.date ? -1 : 1));
      return inTransaction(db, async (tx) => (await save(tx, caller, ordered, source, options.reason)).map((result) => result.change));
    },
  };
}

export type FxSnapshots = ReturnType<typeof createFxSnapshots>;

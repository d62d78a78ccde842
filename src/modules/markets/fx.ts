import { readFileSync } from 'node:fs';
import path from 'node:path';
import { divide, isCurrency, parseRatio, type FxRate } from '../../platform/money/index.ts';
import { DATA_DIR } from '../../platform/paths.ts';

/**
 * Dated FX snapshots. The shipped data file, and operators through the markets service, record for
 * each snapshot date the rates from one base currency (USD) to the others. A snapshot is in force
 * from its date until the next snapshot's date; a lookup for a day picks the latest snapshot dated
 * on or before it. An operator's snapshot for a date supersedes the shipped one of that date.
 *
 * Rates the file does not record are derived from the same snapshot, never mixed across dates:
 * the inverse (EUR→USD = 1 / USD→EUR) and the cross through the base (EUR→GBP = USD→GBP / USD→EUR),
 * each rounded half-even to DERIVED_RATE_DECIMALS decimals. Every rate carries an id naming its
 * snapshot and pair (`fx_2026-07-01_EUR_GBP`), which converted amounts keep.
 */

/** Decimal places kept on a derived (inverse or cross) rate: ample for KRW→USD (0.000714285714…). */
export const DERIVED_RATE_DECIMALS = 15;

export interface FxLookup {
  /** The rate converting `base` into `quote` in force on `date` (YYYY-MM-DD), or undefined when none is known. */
  rate(base: string, quote: string, date: string): FxRate | undefined;
}

export interface DatedFxRate extends FxRate {
  /** The date of the snapshot the rate comes from. */
  readonly date: string;
  readonly snapshotId: string;
  /** recorded: as written in the data file; inverse or cross: derived from recorded rates of the same snapshot. */
  readonly derivation: 'recorded' | 'inverse' | 'cross';
}

export interface FxSnapshot {
  readonly id: string;
  readonly date: string;
  readonly base: string;
  /** The rates recorded, base → each quote. */
  readonly rates: readonly DatedFxRate[];
}

export interface FxRateTable extends FxLookup {
  readonly description: string;
  /** Where the rates come from, when the data says. */
  readonly source: string | null;
  readonly snapshots: readonly FxSnapshot[];
  /** The snapshot in force on a date: the latest dated on or before it. */
  snapshotOn(date: string): FxSnapshot | undefined;
  rate(base: string, quote: string, date: string): DatedFxRate | undefined;
}

export class FxDataError extends Error {
  override name = 'FxDataError';
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A rate as written in a snapshot: a positive plain decimal of at most 12 digits either side of the point. */
export const RATE_PATTERN = '^\\d{1,12}(\\.\\d{1,12})?$';
const RATE = new RegExp(RATE_PATTERN);

export function isRate(value: unknown): value is string {
  return typeof value === 'string' && RATE.test(value) && parseRatio(value).numerator > 0n;
}

export function isIsoDate(value: unknown): value is string {
  if (typeof value !== 'string' || !ISO_DATE.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

/**
 * Snapshot ids. A shipped snapshot is `fx_<date>`; an operator's snapshot for a date is
 * `fx_<date>.v<version>`, numbered per date and never reused, so it cannot collide with a shipped
 * one and still names the same rates after a later version supersedes it. A rate adds its pair:
 * `fx_2026-07-01_USD_BRL`, `fx_2026-07-01.v2_EUR_GBP`.
 */
export const shippedSnapshotId = (date: string) => `fx_${date}`;
export const operatorSnapshotId = (date: string, version: number) => `fx_${date}.v${version}`;

const RATE_ID = /^fx_(\d{4}-\d{2}-\d{2})(?:\.v([1-9]\d{0,8}))?_([A-Z]{3})_([A-Z]{3})$/;

export interface FxRateIdParts {
  snapshotId: string;
  date: string;
  /** The operator's version for the date; null for a shipped snapshot. */
  version: number | null;
  base: string;
  quote: string;
}

export function parseFxRateId(id: string): FxRateIdParts | undefined {
  const match = RATE_ID.exec(id);
  if (!match || !isIsoDate(match[1])) return undefined;
  const [, date, version, base, quote] = match as unknown as [string, string, string | undefined, string, string];
  return { snapshotId: version ? operatorSnapshotId(date, Number(version)) : shippedSnapshotId(date), date, version: version ? Number(version) : null, base, quote };
}

/** a / b as an exact decimal string rounded half-even to `places` decimals, trailing zeros dropped. */
export function divideDecimals(a: string, b: string, places: number): string {
  const x = parseRatio(a);
  const y = parseRatio(b);
  if (y.numerator <= 0n || x.numerator < 0n) throw new FxDataError(`cannot divide ${a} by ${b}`);
  const scaled = divide(x.numerator * y.denominator * 10n ** BigInt(places), x.denominator * y.numerator, 'half_even');
  const digits = scaled.toString().padStart(places + 1, '0');
  const whole = digits.slice(0, digits.length - places);
  const fraction = digits.slice(digits.length - places).replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole;
}

/** A snapshot from checked rates: base → each quote. */
export function fxSnapshot(id: string, date: string, base: string, rates: Readonly<Record<string, string>>): FxSnapshot {
  const recorded = Object.entries(rates).map(([quote, rate]) => Object.freeze({ id: `${id}_${base}_${quote}`, base, quote, rate, date, snapshotId: id, derivation: 'recorded' as const }));
  return Object.freeze({ id, date, base, rates: Object.freeze(recorded) });
}

/** The rate from one currency to another within one snapshot: recorded, or its inverse, or the cross through the base. */
export function snapshotRate(snapshot: FxSnapshot, from: string, to: string): DatedFxRate | undefined {
  if (from === to) return undefined;
  const recorded = (quote: string) => snapshot.rates.find((r) => r.quote === quote);
  const make = (rate: string, derivation: DatedFxRate['derivation']): DatedFxRate =>
    Object.freeze({ id: `${snapshot.id}_${from}_${to}`, base: from, quote: to, rate, date: snapshot.date, snapshotId: snapshot.id, derivation });
  if (from === snapshot.base) return recorded(to);
  const fromRate = recorded(from);
  if (!fromRate) return undefined;
  if (to === snapshot.base) return make(divideDecimals('1', fromRate.rate, DERIVED_RATE_DECIMALS), 'inverse');
  const toRate = recorded(to);
  if (!toRate) return undefined;
  return make(divideDecimals(toRate.rate, fromRate.rate, DERIVED_RATE_DECIMALS), 'cross');
}

/** The lookup over snapshots in ascending date order, one per date. */
export function fxRateTable(description: string, snapshots: readonly FxSnapshot[], source: string | null = null): FxRateTable {
  for (let i = 1; i < snapshots.length; i++) {
    if (snapshots[i - 1]!.date >= snapshots[i]!.date) throw new FxDataError(`snapshots must be in ascending date order, one per date (${snapshots[i]!.id})`);
  }
  const snapshotOn = (date: string): FxSnapshot | undefined => {
    let found: FxSnapshot | undefined;
    for (const snapshot of snapshots) {
      if (snapshot.date > date) break;
      found = snapshot;
    }
    return found;
  };
  const cache = new Map<string, DatedFxRate | undefined>();
  return {
    description,
    source,
    snapshots,
    snapshotOn,
    rate(base, quote, date) {
      const snapshot = snapshotOn(date);
      if (!snapshot) return undefined;
      const key = `${snapshot.id}|${base}|${quote}`;
      if (!cache.has(key)) cache.set(key, snapshotRate(snapshot, base, quote));
      return cache.get(key);
    },
  };
}

/**
 * The shipped snapshots with operators' snapshots on top: for a date both have, the operator's
 * supersedes the shipped one; the shipped ones remain for every other date.
 */
export function mergeFxSnapshots(shipped: FxRateTable, operators: readonly FxSnapshot[]): FxRateTable {
  const byDate = new Map(shipped.snapshots.map((snapshot) => [snapshot.date, snapshot]));
  for (const snapshot of operators) byDate.set(snapshot.date, snapshot);
  const merged = [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : 1));
  return fxRateTable(operators.length > 0 ? `${shipped.description} Operators' snapshots supersede shipped ones of the same date.` : shipped.description, merged, shipped.source);
}

interface RawSnapshot {
  id?: unknown;
  date?: unknown;
  base?: unknown;
  rates?: unknown;
}

/** Validates parsed fx-rates data and builds the lookup; fails naming the snapshot and field at fault. */
export function parseFxRates(data: unknown, source = 'fx rates'): FxRateTable {
  const fail = (where: string, message: string): never => {
    throw new FxDataError(`${source}: ${where}: ${message}`);
  };
  if (typeof data !== 'object' || data === null) fail('file', 'must be a JSON object');
  const raw = data as { description?: unknown; source?: unknown; snapshots?: unknown };
  if (typeof raw.description !== 'string' || raw.description.trim() === '') fail('file', 'field "description" must say what the rates are and where they come from');
  if (raw.source !== undefined && (typeof raw.source !== 'string' || raw.source.trim() === '')) fail('file', 'field "source" must say where the rates come from');
  if (!Array.isArray(raw.snapshots) || raw.snapshots.length === 0) fail('file', 'field "snapshots" must be a non-empty array');

  const snapshots: FxSnapshot[] = [];
  for (const [index, entry] of (raw.snapshots as RawSnapshot[]).entries()) {
    const where = `snapshot #${index}${typeof entry?.id === 'string' ? ` "${entry.id}"` : ''}`;
    if (typeof entry !== 'object' || entry === null) fail(where, 'must be an object');
    if (!isIsoDate(entry.date)) fail(where, 'field "date" must be a calendar date YYYY-MM-DD');
    const date = entry.date as string;
    if (entry.id !== shippedSnapshotId(date)) fail(where, `field "id" must be "${shippedSnapshotId(date)}", the date's snapshot id`);
    const id = entry.id as string;
    const previous = snapshots.at(-1);
    if (previous && previous.date >= date) fail(where, `field "date" must come after the previous snapshot's (${previous.date})`);
    if (typeof entry.base !== 'string' || !isCurrency(entry.base)) fail(where, 'field "base" must be an ISO 4217 currency');
    const base = entry.base as string;
    if (typeof entry.rates !== 'object' || entry.rates === null || Array.isArray(entry.rates)) fail(where, 'field "rates" must map currencies to decimal strings');
    for (const [quote, value] of Object.entries(entry.rates as Record<string, unknown>)) {
      if (!isCurrency(quote)) fail(where, `field "rates.${quote}" is not an ISO 4217 currency`);
      if (quote === base) fail(where, `field "rates.${quote}" must not repeat the base currency`);
      if (!isRate(value)) fail(where, `field "rates.${quote}" must be a positive decimal string such as "0.9215"`);
    }
    snapshots.push(fxSnapshot(id, date, base, entry.rates as Record<string, string>));
  }
  return fxRateTable(raw.description as string, snapshots, (raw.source as string | undefined) ?? null);
}

export function loadFxRates(file: string): FxRateTable {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new FxDataError(`${file}: ${(error as Error).message}`);
  }
  return parseFxRates(data, file);
}

export const SHIPPED_FX_RATES_FILE = path.join(DATA_DIR, 'markets', 'fx-rates.json');

let shipped: FxRateTable | undefined;

/** The sample FX snapshots the product ships (for tests and the demo), loaded once. */
export function shippedFxRates(): FxRateTable {
  shipped ??= loadFxRates(SHIPPED_FX_RATES_FILE);
  return shipped;
}

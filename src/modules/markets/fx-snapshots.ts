import { parse } from 'csv-parse/sync';
import { isCurrency } from '../../platform/money/index.ts';
import { isIsoDate, isRate, type FxSnapshot } from './fx.ts';

/**
 * What operators give as FX snapshots — one through the API, or many in a file — checked before
 * anything is written. Every problem of the input is reported at once, each with the place it is in.
 */

/** Operators' snapshots quote every currency per 1 USD, as the shipped ones do. */
export const FX_BASE = 'USD';
export const MAX_SNAPSHOTS_PER_IMPORT = 400;
const MAX_CURRENCIES = 200;

export interface FxSnapshotInput {
  date: string;
  base: string;
  rates: Record<string, string>;
}

/** A problem at a JSON pointer into what was sent. */
export interface SnapshotProblem {
  path: string;
  code: string;
  message: string;
}

type Raw = Record<string, unknown>;
const isObject = (value: unknown): value is Raw => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The base and rates of one snapshot. `requiredQuotes` are the currencies no snapshot may leave
 * out (those buyers pay in, and CNY that sellers price in): a snapshot without one would leave a
 * market unable to check out from its date on.
 */
export function checkSnapshotRates(base: unknown, rates: unknown, requiredQuotes: readonly string[], at = ''): SnapshotProblem[] {
  const problems: SnapshotProblem[] = [];
  if (base !== FX_BASE) problems.push({ path: `${at}/base`, code: 'invalid', message: `must be "${FX_BASE}": snapshots give the units of each currency per 1 ${FX_BASE}` });
  if (!isObject(rates)) return [...problems, { path: `${at}/rates`, code: 'invalid', message: 'must map currency codes to decimal strings, such as { "EUR": "0.8600" }' }];
  const quotes = Object.keys(rates);
  if (quotes.length > MAX_CURRENCIES) problems.push({ path: `${at}/rates`, code: 'too_many', message: `must quote at most ${MAX_CURRENCIES} currencies` });
  for (const quote of quotes) {
    const path = `${at}/rates/${quote}`;
    if (!isCurrency(quote)) problems.push({ path, code: 'unknown_currency', message: `${quote} is not an ISO 4217 currency` });
    else if (quote === FX_BASE) problems.push({ path, code: 'invalid', message: `is the base currency: 1 ${FX_BASE} is 1 ${FX_BASE}` });
    else if (!isRate(rates[quote])) problems.push({ path, code: 'invalid_rate', message: 'must be a positive decimal string of at most 12 digits either side of the point, such as "5.4000"' });
  }
  for (const quote of requiredQuotes) {
    if (quote !== FX_BASE && !(quote in rates)) problems.push({ path: `${at}/rates/${quote}`, code: 'required', message: `is required: buyers or sellers pay in ${quote}` });
  }
  return problems;
}

/** Whether a snapshot already says exactly this: the same base and the same rates, written the same way. */
export function sameRates(snapshot: FxSnapshot, input: Pick<FxSnapshotInput, 'base' | 'rates'>): boolean {
  const given = Object.entries(input.rates);
  return snapshot.base === input.base && snapshot.rates.length === given.length && given.every(([quote, rate]) => snapshot.rates.some((r) => r.quote === quote && r.rate === rate));
}

export interface SnapshotFile {
  format: 'json' | 'csv';
  snapshots: FxSnapshotInput[];
  /** The file's own note of where its rates come from (JSON `source`), if any. */
  source: string | null;
  problems: SnapshotProblem[];
}

/**
 * Reads a file of snapshots: JSON in the shape of data/markets/fx-rates.json, or CSV with one row
 * per date — columns `date`, `base` and one per currency, an empty cell for a currency not quoted
 * that day. Snapshot ids in a JSON file are ignored: the marketplace numbers operators' snapshots.
 */
export function parseSnapshotFile(content: Buffer, requiredQuotes: readonly string[]): SnapshotFile {
  const text = content.toString('utf8').replace(/^\uFEFF/, '');
  const file = text.trimStart().startsWith('{') || text.trimStart().startsWith('[') ? parseJsonFile(text, requiredQuotes) : parseCsvFile(text, requiredQuotes);
  const seen = new Map<string, number>();
  for (const [index, snapshot] of file.snapshots.entries()) {
    const earlier = seen.get(snapshot.date);
    if (earlier !== undefined) file.problems.push({ path: '/file', code: 'duplicate_date', message: `has two snapshots for ${snapshot.date} (the ${ordinal(earlier + 1)} and the ${ordinal(index + 1)})` });
    seen.set(snapshot.date, index);
  }
  if (file.problems.length === 0 && file.snapshots.length === 0) file.problems.push({ path: '/file', code: 'empty', message: 'holds no snapshot' });
  if (file.snapshots.length > MAX_SNAPSHOTS_PER_IMPORT) file.problems.push({ path: '/file', code: 'too_many', message: `holds ${file.snapshots.length} snapshots; import at most ${MAX_SNAPSHOTS_PER_IMPORT} at a time` });
  return file;
}

const ordinal = (n: number) => `${n}${n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th'}`;

const JSON_FILE_FIELDS = ['description', 'source', 'recorded_on', 'sample', 'snapshots'];
const JSON_SNAPSHOT_FIELDS = ['id', 'date', 'base', 'rates'];

function parseJsonFile(text: string, requiredQuotes: readonly string[]): SnapshotFile {
  const file: SnapshotFile = { format: 'json', snapshots: [], source: null, problems: [] };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    file.problems.push({ path: '/file', code: 'invalid_json', message: `is not valid JSON: ${(error as Error).message}` });
    return file;
  }
  if (!isObject(data) || !Array.isArray(data.snapshots)) {
    file.problems.push({ path: '/file', code: 'invalid', message: 'must be an object with "snapshots": [{ "date", "base", "rates" }, …], the shape of data/markets/fx-rates.json' });
    return file;
  }
  for (const key of Object.keys(data)) if (!JSON_FILE_FIELDS.includes(key)) file.problems.push({ path: `/file/${key}`, code: 'unknown_field', message: 'is not a field of an FX snapshot file' });
  if (data.source !== undefined) {
    if (typeof data.source === 'string' && data.source.trim() !== '') file.source = data.source.trim();
    else file.problems.push({ path: '/file/source', code: 'invalid', message: 'must say where the rates come from' });
  }
  for (const [index, entry] of data.snapshots.entries()) {
    const at = `/file/snapshots/${index}`;
    if (!isObject(entry)) {
      file.problems.push({ path: at, code: 'invalid', message: 'must be an object with "date", "base" and "rates"' });
      continue;
    }
    for (const key of Object.keys(entry)) if (!JSON_SNAPSHOT_FIELDS.includes(key)) file.problems.push({ path: `${at}/${key}`, code: 'unknown_field', message: 'is not a field of a snapshot' });
    if (!isIsoDate(entry.date)) file.problems.push({ path: `${at}/date`, code: 'invalid_date', message: 'must be a calendar date YYYY-MM-DD' });
    if (entry.id !== undefined && typeof entry.id !== 'string') file.problems.push({ path: `${at}/id`, code: 'invalid', message: 'must be a string when given (it is not kept)' });
    file.problems.push(...checkSnapshotRates(entry.base, entry.rates, requiredQuotes, at));
    if (isIsoDate(entry.date) && isObject(entry.rates)) file.snapshots.push({ date: entry.date, base: String(entry.base), rates: entry.rates as Record<string, string> });
  }
  return file;
}

function parseCsvFile(text: string, requiredQuotes: readonly string[]): SnapshotFile {
  const file: SnapshotFile = { format: 'csv', snapshots: [], source: null, problems: [] };
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { info: true, skip_empty_lines: true, trim: true }) as unknown as typeof records;
  } catch (error) {
    file.problems.push({ path: '/file', code: 'invalid_csv', message: `cannot be read as CSV: ${(error as Error).message}` });
    return file;
  }
  const [head, ...rows] = records;
  if (!head) return file;
  const header = head.record;
  const at = (line: number, column: string) => `/file/line/${line}/${column}`;
  for (const column of ['date', 'base']) if (!header.includes(column)) file.problems.push({ path: at(head.info.lines, column), code: 'required', message: `the header needs a "${column}" column` });
  for (const [index, column] of header.entries()) {
    if (header.indexOf(column) !== index) file.problems.push({ path: at(head.info.lines, column), code: 'duplicate_column', message: `the header names "${column}" twice` });
    else if (column !== 'date' && column !== 'base' && !isCurrency(column)) file.problems.push({ path: at(head.info.lines, column), code: 'unknown_column', message: 'is neither date, base nor an ISO 4217 currency code' });
  }
  if (file.problems.length > 0) return file;

  for (const { record, info } of rows) {
    const cells = Object.fromEntries(header.map((column, i) => [column, record[i] ?? '']));
    const rates = Object.fromEntries(header.filter((column) => column !== 'date' && column !== 'base' && cells[column] !== '').map((column) => [column, cells[column]!]));
    const problems = checkSnapshotRates(cells.base, rates, requiredQuotes).map((problem) => ({ ...problem, path: at(info.lines, problem.path.split('/').at(-1)!) }));
    if (!isIsoDate(cells.date)) problems.unshift({ path: at(info.lines, 'date'), code: 'invalid_date', message: 'must be a calendar date YYYY-MM-DD' });
    file.problems.push(...problems);
    if (isIsoDate(cells.date)) file.snapshots.push({ date: cells.date, base: cells.base!, rates });
  }
  return file;
}

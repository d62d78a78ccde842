import { and, eq, gt, or, type AnyColumn, type SQL } from 'drizzle-orm';
import { badRequest } from './errors/index.ts';
import { isId } from './ids/index.ts';

/**
 * Cursor (keyset) pagination: a cursor is the sort key of the last item, opaque to clients.
 * Lists fetch one row more than asked to learn whether another page follows.
 */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** What each position of a cursor holds: an RFC 3339 timestamp, or an id with the given prefix. */
export type CursorPart = 'timestamp' | `id:${string}`;

export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function fitsPart(value: unknown, part: CursorPart): boolean {
  if (typeof value !== 'string') return false;
  if (part === 'timestamp') return /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(value) && !Number.isNaN(Date.parse(value));
  return isId(value, part.slice(3));
}

export function decodeCursor(cursor: string | undefined, shape: readonly CursorPart[]): string[] | undefined {
  if (cursor === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === shape.length && value.every((v, i) => fitsPart(v, shape[i]!))) return value as string[];
  } catch {
    // fall through to the error below
  }
  throw badRequest('invalid_cursor', 'The cursor is not one this API issued.', [
    { in: 'query', path: '/cursor', code: 'invalid_cursor', message: 'is not a valid cursor' },
  ]);
}

/** Rows after a (timestamp, id) cursor in a list ordered by that time, then id, ascending. */
export function afterTimeAndId(time: AnyColumn, id: AnyColumn, cursor: string | undefined, idPrefix: string): SQL | undefined {
  const after = decodeCursor(cursor, ['timestamp', `id:${idPrefix}`]);
  if (!after) return undefined;
  const [at, lastId] = after as [string, string];
  return or(gt(time, new Date(at)), and(eq(time, new Date(at)), gt(id, lastId)));
}

export function toPage<R, T>(rows: readonly R[], limit: number, map: (row: R) => T, cursorOf: (item: T) => readonly string[] | null): Page<T> {
  const data = rows.slice(0, limit).map(map);
  const last = data.at(-1);
  const key = rows.length > limit && last !== undefined ? cursorOf(last) : null;
  return { data, nextCursor: key ? encodeCursor(key) : null };
}

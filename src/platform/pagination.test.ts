import { describe, expect, it } from 'vitest';
import { AppError } from './errors/index.ts';
import { decodeCursor, encodeCursor, toPage } from './pagination.ts';

describe('cursors', () => {
  it('round-trip the sort key of the last item', () => {
    const key = ['2026-10-10T16:00:00.000Z', 'sap_01JD3Z8Q4X5N6M7P8R9S0T1V2W'];
    expect(decodeCursor(encodeCursor(key), ['timestamp', 'id:sap'])).toEqual(key);
    expect(decodeCursor(undefined, ['id:ntf'])).toBeUndefined();
  });

  it.each([
    ['not base64 json', '%%%'],
    ['a wrong arity', encodeCursor(['sap_01JD3Z8Q4X5N6M7P8R9S0T1V2W'])],
    ['junk where a time belongs', encodeCursor(['junk', 'sap_01JD3Z8Q4X5N6M7P8R9S0T1V2W'])],
    ['an id of another kind', encodeCursor(['2026-10-10T16:00:00.000Z', 'cas_01JD3Z8Q4X5N6M7P8R9S0T1V2W'])],
    ['an impossible date', encodeCursor(['2026-13-45T99:00:00.000Z', 'sap_01JD3Z8Q4X5N6M7P8R9S0T1V2W'])],
  ])('refuse %s with 400 invalid_cursor', (_what, cursor) => {
    let error: unknown;
    try {
      decodeCursor(cursor, ['timestamp', 'id:sap']);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ status: 400, code: 'invalid_cursor' });
  });
});

describe('toPage', () => {
  const rows = [1, 2, 3, 4, 5];
  it('cuts the look-ahead row and points at the last item shown', () => {
    const page = toPage(rows, 2, (n) => n * 10, (item) => [String(item)]);
    expect(page.data).toEqual([10, 20]);
    expect(decodeCursorLoosely(page.nextCursor)).toEqual(['20']);
  });
  it('ends when no row beyond the limit was found', () => {
    expect(toPage(rows, 5, (n) => n, (item) => [String(item)])).toEqual({ data: rows, nextCursor: null });
  });
});

function decodeCursorLoosely(cursor: string | null): unknown {
  return cursor ? JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) : null;
}

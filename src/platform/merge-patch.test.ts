import { describe, expect, it } from 'vitest';
import { mergePatch } from './merge-patch.ts';

describe('merge patch (RFC 7396)', () => {
  it('merges objects, removes nulls, replaces the rest', () => {
    expect(mergePatch({ a: { b: 1, c: 2 }, d: [1] }, { a: { c: null, e: 3 }, d: [2] })).toEqual({ a: { b: 1, e: 3 }, d: [2] });
  });

  it('replaces the whole target when the patch is not an object', () => {
    expect(mergePatch({ a: 1 }, ['x'])).toEqual(['x']);
    expect(mergePatch({ a: 1 }, 'text')).toBe('text');
  });

  it('leaves the target untouched', () => {
    const target = { a: { b: 1 } };
    mergePatch(target, { a: { b: 2 } });
    expect(target).toEqual({ a: { b: 1 } });
  });
});

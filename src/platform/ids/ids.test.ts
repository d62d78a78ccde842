import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock/index.ts';
import { createIdGenerator, idPattern, isId, registerIdPrefix } from './index.ts';

describe('ids', () => {
  registerIdPrefix('tst', 'test thing');
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  const nextId = createIdGenerator(clock);

  it('are prefixed ULIDs', () => {
    const id = nextId('tst');
    expect(id).toMatch(/^tst_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(isId(id, 'tst')).toBe(true);
    expect(isId(id, 'sel')).toBe(false);
    expect(new RegExp(idPattern('tst')).test(id)).toBe(true);
  });

  it('sort by creation time, also within one millisecond', () => {
    const first = nextId('tst');
    const second = nextId('tst');
    clock.advance({ ms: 1 });
    const third = nextId('tst');
    expect([third, second, first].sort()).toEqual([first, second, third]);
    expect(third.slice(4, 14)).not.toBe(first.slice(4, 14)); // the time part moved
  });

  it('keep increasing if the clock steps back, so list cursors never skip a record', () => {
    const before = nextId('tst');
    clock.set('2025-12-31T23:59:59Z');
    expect(nextId('tst') > before).toBe(true);
  });

  it('refuse unregistered or clashing prefixes', () => {
    expect(() => nextId('zzz')).toThrow(/not registered/);
    expect(() => registerIdPrefix('tst', 'another thing')).toThrow(/already used/);
    expect(() => registerIdPrefix('Bad', 'x')).toThrow(/lower-case/);
  });
});

describe('ManualClock', () => {
  it('stands still until moved', () => {
    const clock = new ManualClock('2026-03-01T00:00:00Z');
    expect(clock.now().toISOString()).toBe('2026-03-01T00:00:00.000Z');
    clock.advance({ days: 1, hours: 2, minutes: 3, seconds: 4, ms: 5 });
    expect(clock.now().toISOString()).toBe('2026-03-02T02:03:04.005Z');
  });
});

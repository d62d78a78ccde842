import { describe, expect, it } from 'vitest';
import { nextCheck, pollRunMayContinue, retryAfterFailure } from './rules.ts';

const at = new Date('2026-11-25T10:00:00Z');
const minutesAfter = (date: Date | null) => (date ? (date.getTime() - at.getTime()) / 60_000 : null);

describe('polling', () => {
  it.each([
    ['customs', 15],
    ['out_for_delivery', 15],
    ['in_transit', 180],
    ['info_received', 60],
    ['delivered', null],
    ['returned', null],
  ] as const)('asks about a parcel in %s again after %s minutes', (stage, minutes) => {
    expect(minutesAfter(nextCheck(stage, at))).toBe(minutes);
  });

  it('backs off 5, 10, 20 … minutes after failures, up to six hours, or longer when the provider asks', () => {
    expect([1, 2, 3, 4, 10].map((failures) => minutesAfter(retryAfterFailure(failures, at)))).toEqual([5, 10, 20, 40, 360]);
    expect(minutesAfter(retryAfterFailure(1, at, 3600))).toBe(60);
  });

  it('keeps a poll run taking batches for 50 seconds, so it ends before the next minute’s run', () => {
    const seconds = (n: number) => new Date(at.getTime() + n * 1000);
    expect([0, 30, 49.9, 50, 75].map((n) => pollRunMayContinue(at, seconds(n)))).toEqual([true, true, true, false, false]);
  });
});

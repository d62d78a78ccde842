import { describe, expect, it } from 'vitest';
import { deliverySuccessRate, journeyOutcome, nextCheck, outcomeAfter, retryAfterFailure } from './rules.ts';

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
});

describe('journey outcomes', () => {
  it.each([
    ['delivered', 'signed', 'delivered'],
    ['returned', 'returned', 'returned'],
    ['exception', 'lost', 'lost'],
    ['exception', 'destroyed', 'lost'],
    ['expired', 'no_update', 'expired'],
    ['exception', 'damaged', null],
    ['delivery_failed', 'recipient_unavailable', null],
    ['returning', 'returning', null],
    ['customs', 'held', null],
  ] as const)('%s/%s closes the journey as %s', (status, subStatus, outcome) => {
    expect(journeyOutcome(status, subStatus)).toBe(outcome);
  });

  it('keeps a lost parcel lost when it then falls silent, and reopens it when it is scanned again', () => {
    expect(outcomeAfter('lost', 'expired', 'no_update')).toBe('lost');
    expect(outcomeAfter(null, 'expired', 'no_update')).toBe('expired');
    expect(outcomeAfter('lost', 'in_transit', 'in_transit')).toBeNull();
    expect(outcomeAfter('delivered', 'returned', 'returned')).toBe('returned');
  });

  it('counts delivered over every closed journey, and has no rate before any closed', () => {
    expect(deliverySuccessRate({ delivered: 19, returned: 0, lost: 1, expired: 0 })).toBe(0.95);
    expect(deliverySuccessRate({ delivered: 3, returned: 1, lost: 0, expired: 1 })).toBe(0.6);
    expect(deliverySuccessRate({ delivered: 0, returned: 0, lost: 0, expired: 0 })).toBeNull();
  });
});

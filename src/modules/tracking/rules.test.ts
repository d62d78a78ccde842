import { describe, expect, it } from 'vitest';
import { shippedCarrierRegistry } from './carriers.ts';
import { deliverySuccessRate, handOverEvent, handOverTimeProblem, journeyOutcome, nextCheck, outcomeAfter, pollRunMayContinue, retryAfterFailure } from './rules.ts';
import { toTrackingEvent } from './status.ts';

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

describe('hand-over to a last-mile carrier', () => {
  const handOver = { carrierCode: 'correios', carrierName: 'Correios', lastMileNumber: 'NL123456785BR', handedOverAt: new Date('2026-11-24T16:30:00Z'), location: 'São Paulo, BR' };

  it('is the platform leg’s in_transit/handed_over event, naming the carrier and its number', () => {
    const raw = handOverEvent(handOver);
    expect(raw).toEqual({ eventId: 'handover:correios:NL123456785BR', code: 'HANDED_OVER', text: 'Handed over to Correios, tracking number NL123456785BR', location: 'São Paulo, BR', time: '2026-11-24T16:30:00.000Z' });
    const event = toTrackingEvent(shippedCarrierRegistry().get('caravan')!, raw, at);
    expect(event).toMatchObject({ carrier: 'caravan', status: 'in_transit', subStatus: 'handed_over', mappedBy: 'code', occurredAt: '2026-11-24T16:30:00.000Z' });
    expect(handOverEvent({ ...handOver, location: undefined })).not.toHaveProperty('location');
  });

  it('cannot have happened before the label or in the future, allowing a partner’s clock five minutes ahead', () => {
    const parcel = { registeredAt: new Date('2026-11-20T08:00:00Z') };
    expect(handOverTimeProblem(new Date('2026-11-24T16:30:00Z'), parcel, at)).toBeNull();
    expect(handOverTimeProblem(new Date('2026-11-25T10:05:00Z'), parcel, at)).toBeNull();
    expect(handOverTimeProblem(new Date('2026-11-25T10:05:01Z'), parcel, at)).toBe('is in the future');
    expect(handOverTimeProblem(new Date('2026-11-20T07:59:59Z'), parcel, at)).toMatch(/^is before the platform parcel's label was created/);
  });
});

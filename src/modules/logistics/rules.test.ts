import { describe, expect, it } from 'vitest';
import { platformTrackingNumber, shipmentTransition } from './rules.ts';

describe('shipment lifecycle', () => {
  it.each([
    ['label_created', 'cancelled', 'cancel'],
    ['label_created', 'handed_over', 'hand_over'],
    ['handed_over', 'cancelled', null],
    ['cancelled', 'handed_over', null],
    ['cancelled', 'label_created', null],
  ] as const)('%s → %s is %s', (from, to, action) => {
    expect(shipmentTransition(from, to)).toBe(action);
  });
});

describe('platform tracking numbers', () => {
  it('pads the serial to ten digits and appends its check digit', () => {
    // 0000000001: the last digit weighs 3 → sum 3 → check 7.
    expect(platformTrackingNumber(1)).toBe('CRV00000000017');
    // 0000000042: 2×3 + 4×1 = 10 → check 0.
    expect(platformTrackingNumber(42)).toBe('CRV00000000420');
  });

  it('refuses serials that do not fit', () => {
    expect(() => platformTrackingNumber(0)).toThrow(RangeError);
    expect(() => platformTrackingNumber(10 ** 10)).toThrow(RangeError);
  });
});

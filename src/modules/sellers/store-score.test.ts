import { expect, it } from 'vitest';
import { scoreAfter, STORE_SCORE, STORE_SCORE_RULES } from './rules.ts';

it('takes a rule’s points off and never goes below zero or above the start', () => {
  expect(scoreAfter(STORE_SCORE.start, STORE_SCORE_RULES.late_first_shipment.delta)).toBe(90);
  expect(scoreAfter(4, STORE_SCORE_RULES.late_first_shipment.delta)).toBe(0);
  expect(scoreAfter(95, 20)).toBe(100);
});

import { describe, expect, it } from 'vitest';
import type { NextAction, ProviderAnswer, RefundAnswer } from './providers/provider.ts';
import {
  canRefundTransition,
  canTransition,
  decideAnswer,
  decideRefundAnswer,
  EXPIRABLE_STATUSES,
  FINAL_STATUSES,
  isFinal,
  MAX_ATTEMPTS,
  PAYMENT_STATUSES,
  PAYMENT_TRANSITIONS,
  payRefusal,
  REFUND_STATUSES,
  REFUND_TRANSITIONS,
  refundCheckDelayMs,
  refundRefusal,
  UNSETTLED_REFUND_STATUSES,
  type PaymentStatus,
  type RefundDecision,
  type RefundStatus,
} from './rules.ts';

const threeDs: NextAction = { type: 'three_ds', url: '/v1/store/payments/pay_x/three-ds' };
const ref = 'prov_1';

describe('the payment lifecycle', () => {
  it('has exactly four final statuses, and nothing leaves them', () => {
    expect([...FINAL_STATUSES].sort()).toEqual(['canceled', 'expired', 'failed', 'succeeded']);
    for (const status of PAYMENT_STATUSES) {
      expect(isFinal(status), status).toBe(FINAL_STATUSES.includes(status));
      if (isFinal(status)) expect(PAYMENT_TRANSITIONS[status], status).toEqual([]);
      else expect(PAYMENT_TRANSITIONS[status].length, status).toBeGreaterThan(0);
    }
  });

  it.each<[PaymentStatus, PaymentStatus, boolean]>([
    ['requires_payment_method', 'processing', true],
    ['requires_payment_method', 'canceled', true],
    ['requires_payment_method', 'expired', true],
    ['requires_payment_method', 'succeeded', false],
    ['requires_payment_method', 'failed', false],
    ['requires_action', 'processing', true],
    ['requires_action', 'expired', true],
    ['requires_action', 'succeeded', false],
    ['processing', 'succeeded', true],
    ['processing', 'requires_payment_method', true],
    ['processing', 'requires_action', true],
    ['processing', 'requires_capture', true],
    ['processing', 'failed', true],
    ['processing', 'canceled', false],
    ['processing', 'expired', false],
    ['requires_capture', 'succeeded', true],
    ['requires_capture', 'expired', false],
    ['succeeded', 'canceled', false],
    ['canceled', 'processing', false],
    ['failed', 'requires_payment_method', false],
    ['expired', 'processing', false],
  ])('%s → %s allowed: %s', (from, to, allowed) => {
    expect(canTransition(from, to)).toBe(allowed);
  });

  it('lets only payments waiting for the buyer expire, never one with the provider', () => {
    expect([...EXPIRABLE_STATUSES].sort()).toEqual(['requires_action', 'requires_payment_method']);
  });
});

describe('a provider’s answer', () => {
  it.each<[string, ProviderAnswer, number, { attempt: string; payment: PaymentStatus; failure: string | null }]>([
    ['an explicit success', { kind: 'succeeded', providerReference: ref, providerStatus: 'captured' }, 1, { attempt: 'succeeded', payment: 'succeeded', failure: null }],
    ['an authorisation to capture later', { kind: 'authorized', providerReference: ref, providerStatus: 'authorised' }, 1, { attempt: 'authorized', payment: 'requires_capture', failure: null }],
    ['a 3-D Secure challenge', { kind: 'requires_action', providerReference: ref, providerStatus: 'challenge', nextAction: threeDs }, 1, { attempt: 'requires_action', payment: 'requires_action', failure: null }],
    ['a first decline', { kind: 'declined', providerReference: ref, providerStatus: 'refused', code: 'card_declined', message: 'Declined.' }, 1, { attempt: 'failed', payment: 'requires_payment_method', failure: 'card_declined' }],
    ['a decline before the limit', { kind: 'declined', providerReference: ref, providerStatus: 'refused', code: 'insufficient_funds', message: 'No funds.' }, MAX_ATTEMPTS - 1, { attempt: 'failed', payment: 'requires_payment_method', failure: 'insufficient_funds' }],
    ['the last decline allowed', { kind: 'declined', providerReference: ref, providerStatus: 'refused', code: 'card_declined', message: 'Declined.' }, MAX_ATTEMPTS, { attempt: 'failed', payment: 'failed', failure: 'card_declined' }],
    ['a decline without a code', { kind: 'declined', providerReference: null, providerStatus: 'refused', code: ' ', message: '' }, 1, { attempt: 'failed', payment: 'requires_payment_method', failure: 'declined' }],
    ['a pending answer', { kind: 'pending', providerReference: ref, providerStatus: 'in_progress' }, 1, { attempt: 'pending', payment: 'processing', failure: null }],
    ['a status the adapter does not know', { kind: 'unknown', providerReference: ref, providerStatus: 'weird' }, 1, { attempt: 'pending', payment: 'processing', failure: null }],
    ['no answer at the last attempt', { kind: 'unknown', providerReference: null, providerStatus: 'no_answer' }, MAX_ATTEMPTS, { attempt: 'pending', payment: 'processing', failure: null }],
    ['an action without its url', { kind: 'requires_action', providerReference: ref, providerStatus: 'challenge', nextAction: { type: 'three_ds', url: '' } }, 1, { attempt: 'pending', payment: 'processing', failure: null }],
    ['a QR code without its data', { kind: 'requires_action', providerReference: ref, providerStatus: 'qr', nextAction: { type: 'display_qr_code', data: '', imageUrl: null, expiresAt: null } }, 1, { attempt: 'pending', payment: 'processing', failure: null }],
  ])('%s', (_label, answer, attemptsMade, expected) => {
    const decision = decideAnswer(answer, attemptsMade);
    expect({ attempt: decision.attempt, payment: decision.payment, failure: decision.failure?.code ?? null }).toEqual(expected);
    // Every decision is a transition the table allows from processing (or staying there).
    if (decision.payment !== 'processing') expect(canTransition('processing', decision.payment)).toBe(true);
  });

  it('keeps the next action of a challenge and a message for a decline without one', () => {
    expect(decideAnswer({ kind: 'requires_action', providerReference: ref, providerStatus: 'challenge', nextAction: threeDs }, 1).nextAction).toEqual(threeDs);
    expect(decideAnswer({ kind: 'declined', providerReference: ref, providerStatus: 'refused', code: 'x', message: '' }, 1).failure?.message).toBe('The payment was declined.');
  });
});

describe('whether a payment can be paid now', () => {
  const now = new Date('2026-03-02T12:00:00Z');
  const later = new Date('2026-03-02T13:00:00Z');
  it.each<[PaymentStatus, number, Date, string | null]>([
    ['requires_payment_method', 0, later, null],
    ['requires_payment_method', MAX_ATTEMPTS - 1, later, null],
    ['requires_action', 1, later, null],
    ['requires_payment_method', MAX_ATTEMPTS, later, 'attempt_limit_reached'],
    ['requires_payment_method', 0, now, 'payment_not_confirmable'],
    ['processing', 1, later, 'payment_in_progress'],
    ['requires_capture', 1, later, 'payment_authorized'],
    ['succeeded', 1, later, 'payment_already_succeeded'],
    ['canceled', 0, later, 'payment_not_confirmable'],
    ['failed', MAX_ATTEMPTS, later, 'payment_not_confirmable'],
    ['expired', 0, now, 'payment_not_confirmable'],
  ])('%s after %s attempts, expiring %s: %s', (status, attempts, expiresAt, code) => {
    expect(payRefusal({ status, expiresAt }, attempts, now)?.code ?? null).toBe(code);
  });
});

describe('the refund lifecycle', () => {
  it.each<[RefundStatus, RefundStatus, boolean]>([
    ['pending', 'succeeded', true],
    ['pending', 'failed', true],
    ['pending', 'manual_review', true],
    ['manual_review', 'succeeded', true],
    ['manual_review', 'failed', true],
    ['manual_review', 'pending', false],
    ['succeeded', 'failed', false],
    ['succeeded', 'pending', false],
    ['failed', 'succeeded', false],
    ['failed', 'pending', false],
  ])('%s → %s allowed: %s', (from, to, allowed) => {
    expect(canRefundTransition(from, to)).toBe(allowed);
  });

  it('asks the provider again only about refunds that are not settled', () => {
    expect([...UNSETTLED_REFUND_STATUSES].sort()).toEqual(['manual_review', 'pending']);
    for (const status of REFUND_STATUSES) expect(REFUND_TRANSITIONS[status].length > 0, status).toBe(UNSETTLED_REFUND_STATUSES.includes(status));
  });

  it.each<[string, RefundAnswer | null, RefundDecision]>([
    ['an explicit success', { kind: 'succeeded', providerReference: 're_1' }, { status: 'succeeded', providerReference: 're_1' }],
    ['a success without the provider’s reference', { kind: 'succeeded', providerReference: '  ' }, { status: 'unsettled', providerReference: null }],
    ['an explicit failure', { kind: 'failed', code: 'charge_disputed', message: 'The charge is disputed.' }, { status: 'failed', failure: { code: 'charge_disputed', message: 'The charge is disputed.' } }],
    ['a failure that says nothing', { kind: 'failed', code: ' ', message: '' }, { status: 'failed', failure: { code: 'refund_failed', message: 'The provider refused the refund.' } }],
    ['a pending answer', { kind: 'pending', providerReference: 're_2' }, { status: 'unsettled', providerReference: 're_2' }],
    ['no answer at all (timeout)', null, { status: 'unsettled', providerReference: null }],
    ['a kind the adapter should not have let through', { kind: 'reversed' } as unknown as RefundAnswer, { status: 'unsettled', providerReference: null }],
  ])('%s', (_case, answer, decision) => {
    expect(decideRefundAnswer(answer)).toEqual(decision);
  });

  it.each([
    [1, 60_000],
    [2, 120_000],
    [3, 240_000],
    [6, 1_920_000],
    [7, 3_600_000],
    [50, 3_600_000],
  ])('after %i unanswered checks asks again in %i ms', (checks, delay) => {
    expect(refundCheckDelayMs(checks)).toBe(delay);
  });

  const paid = { status: 'succeeded' as PaymentStatus, amount: 10_000, currency: 'BRL' };
  it.each<[string, typeof paid, { amount: number; currency: string }, number, string | null]>([
    ['part of a paid payment', paid, { amount: 4_000, currency: 'BRL' }, 0, null],
    ['exactly what is left', paid, { amount: 6_000, currency: 'BRL' }, 4_000, null],
    ['one unit more than is left', paid, { amount: 6_001, currency: 'BRL' }, 4_000, 'refund_exceeds_payment'],
    ['anything once all is refunded', paid, { amount: 1, currency: 'BRL' }, 10_000, 'refund_exceeds_payment'],
    ['another currency', paid, { amount: 1_000, currency: 'USD' }, 0, 'refund_currency_mismatch'],
    ['a payment still processing', { ...paid, status: 'processing' }, { amount: 1_000, currency: 'BRL' }, 0, 'payment_not_refundable'],
    ['an expired payment', { ...paid, status: 'expired' }, { amount: 1_000, currency: 'BRL' }, 0, 'payment_not_refundable'],
  ])('refunding %s', (_case, payment, request, alreadyRefunding, code) => {
    expect(refundRefusal(payment, request, alreadyRefunding)?.code ?? null).toBe(code);
  });
});

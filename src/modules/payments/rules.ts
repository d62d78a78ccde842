import type { NextAction, ProviderAnswer, RefundAnswer } from './providers/provider.ts';

/**
 * A payment (intent) for an amount, paid by one or more attempts. The vocabulary is the one the
 * leading processors share, so a provider's statuses map onto it without translation loss.
 */
export const PAYMENT_STATUSES = ['requires_payment_method', 'requires_action', 'processing', 'requires_capture', 'succeeded', 'canceled', 'failed', 'expired'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/**
 * The lifecycle as data. A confirmation or a 3-D Secure answer first moves the payment to
 * `processing` (an attempt is with the provider), and the provider's answer moves it on from there:
 * back to `requires_payment_method` after a decline, so the buyer can try another card. A payment
 * in `processing` waits for the provider and is never cancelled or expired under it. An authorised
 * payment (`requires_capture`) is captured; voiding one (→ `canceled`) joins the table with the
 * first provider that authorises before it captures.
 */
export const PAYMENT_TRANSITIONS: Readonly<Record<PaymentStatus, readonly PaymentStatus[]>> = {
  requires_payment_method: ['processing', 'canceled', 'expired'],
  requires_action: ['processing', 'canceled', 'expired'],
  processing: ['requires_payment_method', 'requires_action', 'requires_capture', 'succeeded', 'failed'],
  requires_capture: ['succeeded'],
  succeeded: [],
  canceled: [],
  failed: [],
  expired: [],
};

export const FINAL_STATUSES: readonly PaymentStatus[] = ['succeeded', 'canceled', 'failed', 'expired'];

export const isFinal = (status: PaymentStatus): boolean => FINAL_STATUSES.includes(status);

export const canTransition = (from: PaymentStatus, to: PaymentStatus): boolean => PAYMENT_TRANSITIONS[from].includes(to);

/** Statuses the expiry job closes once the payment's time is up: those the table lets expire. */
export const EXPIRABLE_STATUSES: readonly PaymentStatus[] = PAYMENT_STATUSES.filter((status) => canTransition(status, 'expired'));

/** One try with a provider: `pending` while the provider has it and has not said. */
export const ATTEMPT_STATUSES = ['pending', 'requires_action', 'authorized', 'succeeded', 'failed', 'canceled'] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

/** Attempts a payment may take; the last one declined fails the payment for good. */
export const MAX_ATTEMPTS = 5;

/** A pending attempt is asked about again once it has waited this long without an answer. */
export const STATUS_CHECK_AFTER_MS = 60_000;

/** What a provider's answer does to the attempt and to its payment. */
export interface AnswerDecision {
  attempt: AttemptStatus;
  payment: PaymentStatus;
  nextAction: NextAction | null;
  failure: { code: string; message: string } | null;
}

const pending = (): AnswerDecision => ({ attempt: 'pending', payment: 'processing', nextAction: null, failure: null });

/**
 * Turns a provider's answer into the attempt's outcome and the payment's next status. Only an
 * explicit success or decline is an outcome; anything pending, unknown or incomplete (an action
 * without its details) leaves the attempt pending and the payment processing, to be asked again.
 * `attemptsMade` counts this attempt: when it is the last one allowed, a decline fails the payment.
 */
export function decideAnswer(answer: ProviderAnswer, attemptsMade: number, maxAttempts = MAX_ATTEMPTS): AnswerDecision {
  switch (answer.kind) {
    case 'succeeded':
      return { attempt: 'succeeded', payment: 'succeeded', nextAction: null, failure: null };
    case 'authorized':
      return { attempt: 'authorized', payment: 'requires_capture', nextAction: null, failure: null };
    case 'requires_action':
      if (!isCompleteAction(answer.nextAction)) return pending();
      return { attempt: 'requires_action', payment: 'requires_action', nextAction: answer.nextAction, failure: null };
    case 'declined':
      return {
        attempt: 'failed',
        payment: attemptsMade >= maxAttempts ? 'failed' : 'requires_payment_method',
        nextAction: null,
        failure: { code: answer.code.trim() || 'declined', message: answer.message.trim() || 'The payment was declined.' },
      };
    case 'pending':
    case 'unknown':
      return pending();
  }
}

function isCompleteAction(action: NextAction | undefined | null): action is NextAction {
  if (!action) return false;
  switch (action.type) {
    case 'three_ds':
    case 'redirect_to_url':
      return action.url.length > 0;
    case 'display_qr_code':
      return action.data.length > 0;
    case 'wait':
      return action.retryAfterSeconds > 0;
    default:
      return false;
  }
}

/**
 * Why a payment cannot be paid now (confirmed, or its 3-D Secure challenge answered), as a problem
 * code and detail; null when it can. A payment past its expiry is refused before the expiry job
 * has closed it.
 */
export function payRefusal(payment: { status: PaymentStatus; expiresAt: Date }, attemptsMade: number, now: Date, maxAttempts = MAX_ATTEMPTS): { code: string; detail: string } | null {
  switch (payment.status) {
    case 'requires_payment_method':
    case 'requires_action':
      if (payment.expiresAt.getTime() <= now.getTime()) return { code: 'payment_not_confirmable', detail: `This payment expired at ${payment.expiresAt.toISOString()}: it can no longer be paid.` };
      return attemptsMade >= maxAttempts ? { code: 'attempt_limit_reached', detail: `This payment has had its ${maxAttempts} attempts.` } : null;
    case 'processing':
      return { code: 'payment_in_progress', detail: 'An attempt of this payment is with the provider; wait for its answer.' };
    case 'requires_capture':
      return { code: 'payment_authorized', detail: 'This payment is authorised and waits to be captured.' };
    case 'succeeded':
      return { code: 'payment_already_succeeded', detail: 'This payment has already been paid.' };
    case 'canceled':
    case 'failed':
    case 'expired':
      return { code: 'payment_not_confirmable', detail: `This payment is ${payment.status}: it can no longer be paid.` };
  }
}

/**
 * A refund gives back part or all of a succeeded payment. It is `pending` from the moment it is
 * requested until the provider answers explicitly; one the provider has left without an explicit
 * answer for too long goes to `manual_review`, where finance looks at it while the status check
 * keeps asking, and an explicit answer still settles it.
 */
export const REFUND_STATUSES = ['pending', 'succeeded', 'failed', 'manual_review'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

export const REFUND_TRANSITIONS: Readonly<Record<RefundStatus, readonly RefundStatus[]>> = {
  pending: ['succeeded', 'failed', 'manual_review'],
  manual_review: ['succeeded', 'failed'],
  succeeded: [],
  failed: [],
};

export const canRefundTransition = (from: RefundStatus, to: RefundStatus): boolean => REFUND_TRANSITIONS[from].includes(to);

/** Refunds still waiting for the provider's explicit answer: the status check asks about these. */
export const UNSETTLED_REFUND_STATUSES: readonly RefundStatus[] = REFUND_STATUSES.filter((status) => REFUND_TRANSITIONS[status].length > 0);

/** A refund pending this long without an explicit answer is handed to finance (manual_review). */
export const REFUND_REVIEW_AFTER_MS = 24 * 3_600_000;

/**
 * When an unsettled refund is asked about again after its `checks`-th unanswered question: a minute
 * after the first, doubling each time, at most hourly — so a provider's outage is not hammered, and
 * a refund it lost is still asked about every hour.
 */
export function refundCheckDelayMs(checks: number): number {
  const minute = 60_000;
  return Math.min(60 * minute, minute * 2 ** Math.max(0, checks - 1));
}

/** What a provider's refund answer does to the refund. */
export type RefundDecision =
  | { status: 'succeeded'; providerReference: string }
  | { status: 'failed'; failure: { code: string; message: string } }
  /** No explicit answer: stays as it is, asked again later. */
  | { status: 'unsettled'; providerReference: string | null };

/**
 * Only an explicit success (with the provider's reference for it) or an explicit failure settles a
 * refund. A pending answer, a success without a reference, or no answer at all (`null`: the call
 * threw or timed out — the money may or may not have moved) leaves it to be asked again.
 */
export function decideRefundAnswer(answer: RefundAnswer | null): RefundDecision {
  if (!answer) return { status: 'unsettled', providerReference: null };
  switch (answer.kind) {
    case 'succeeded':
      return answer.providerReference.trim() ? { status: 'succeeded', providerReference: answer.providerReference } : { status: 'unsettled', providerReference: null };
    case 'failed':
      return { status: 'failed', failure: { code: answer.code.trim() || 'refund_failed', message: answer.message.trim() || 'The provider refused the refund.' } };
    case 'pending':
      return { status: 'unsettled', providerReference: answer.providerReference };
    default:
      return { status: 'unsettled', providerReference: null };
  }
}

/**
 * Why a refund of `amount` cannot be taken from a payment, as a problem code and detail; null when
 * it can. `alreadyRefunding` is what the payment's refunds that have not failed already give back.
 */
export function refundRefusal(payment: { status: PaymentStatus; amount: number; currency: string }, request: { amount: number; currency: string }, alreadyRefunding: number): { code: string; detail: string } | null {
  if (payment.status !== 'succeeded') return { code: 'payment_not_refundable', detail: `This payment is ${payment.status}: only a succeeded payment can be refunded.` };
  if (request.currency !== payment.currency) return { code: 'refund_currency_mismatch', detail: `This payment is in ${payment.currency}; a refund of it is too.` };
  const left = payment.amount - alreadyRefunding;
  if (request.amount > left) return { code: 'refund_exceeds_payment', detail: `Only ${left} (minor units of ${payment.currency}) of this payment's ${payment.amount} is left to refund.` };
  return null;
}

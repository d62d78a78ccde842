/**
 * The built-in SANDBOX payment provider: no money moves. It behaves like a card processor in test
 * mode, so checkout can be built, demonstrated and tested end to end before a real provider is
 * connected.
 *
 * It takes only its published test cards; each one stands for an outcome. A buyer's card details
 * reach the sandbox once, to be tokenised (as a processor's client-side tokenisation would), and are
 * dropped there: the token names the test card by its last four digits and its expiry, nothing
 * more, so the sandbox stays stateless and no card number is ever stored or logged.
 */
import { randomBytes } from 'node:crypto';
import type { Money } from '../../../platform/money/index.ts';
import { PaymentMethodRejected, type AttemptRequest, type PaymentMethodSummary, type PaymentMethodToken, type PaymentProvider, type ProviderAnswer, type RefundAnswer } from './provider.ts';

export type CardBrand = 'visa' | 'mastercard';

type TestCardBehaviour = { kind: 'approve' } | { kind: 'decline'; code: string; message: string } | { kind: 'three_ds' };

export interface SandboxTestCard {
  number: string;
  brand: CardBrand;
  description: string;
  behaviour: TestCardBehaviour;
}

/** The sandbox's test cards: the numbers card processors publish for their own test modes. */
export const SANDBOX_TEST_CARDS: readonly SandboxTestCard[] = [
  { number: '4242424242424242', brand: 'visa', description: 'Approved', behaviour: { kind: 'approve' } },
  { number: '5555555555554444', brand: 'mastercard', description: 'Approved', behaviour: { kind: 'approve' } },
  { number: '4000000000000002', brand: 'visa', description: 'Declined: card_declined', behaviour: { kind: 'decline', code: 'card_declined', message: 'The card was declined.' } },
  { number: '4000000000009995', brand: 'visa', description: 'Declined: insufficient_funds', behaviour: { kind: 'decline', code: 'insufficient_funds', message: 'The card has insufficient funds.' } },
  { number: '4000000000003220', brand: 'visa', description: '3-D Secure required; the challenge then passes or fails', behaviour: { kind: 'three_ds' } },
];

/** What a buyer types in. Handled in memory only. */
export interface CardDetails {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}

export interface CardProblem {
  field: 'number' | 'exp_month' | 'exp_year' | 'cvc';
  code: string;
  message: string;
}

/** A sandbox card token and what it stands for. */
export interface SandboxCardToken {
  token: string;
  card: { type: 'card'; brand: CardBrand; last4: string; expMonth: number; expYear: number };
}

export type TokenisationResult = ({ ok: true } & SandboxCardToken) | { ok: false; problems: CardProblem[] };

/** The challenge's two answers: the card holder passes it or fails it. */
export const SANDBOX_THREE_DS_RESULTS = ['pass', 'fail'] as const;

/** Where the sandbox's 3-D Secure challenge is answered for a payment. */
export const sandboxThreeDsUrl = (paymentId: string) => `/v1/store/payments/${paymentId}/three-ds`;

const TOKEN = /^tok_sandbox_(\d{4})_(\d{4})(\d{2})_[0-9a-f]{16}$/;

/** The Luhn (mod 10) check digit test every card number passes. */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** Visa and Mastercard, by their number ranges (Mastercard's 2-series included). */
export function cardBrand(digits: string): CardBrand | null {
  if (/^4/.test(digits) && [13, 16, 19].includes(digits.length)) return 'visa';
  const prefix = Number(digits.slice(0, 4));
  if (digits.length === 16 && (/^5[1-5]/.test(digits) || (prefix >= 2221 && prefix <= 2720))) return 'mastercard';
  return null;
}

/** A card is good through the last day of its expiry month. */
export function cardExpired(expMonth: number, expYear: number, now: Date): boolean {
  return Date.UTC(expYear, expMonth, 1) <= now.getTime();
}

const testCardByLast4 = (last4: string) => SANDBOX_TEST_CARDS.find((card) => card.number.endsWith(last4));

export class SandboxPaymentProvider implements PaymentProvider {
  readonly name = 'sandbox';
  readonly #now: () => Date;

  constructor(options: { now: () => Date }) {
    this.#now = options.now;
  }

  /** Checks a card the way a processor's tokenisation would, then forgets everything but the token's facts. */
  tokenizeCard(card: CardDetails): TokenisationResult {
    const digits = card.number.replace(/[\s-]/g, '');
    const problems: CardProblem[] = [];
    const brand = cardBrand(digits);
    const testCard = SANDBOX_TEST_CARDS.find((candidate) => candidate.number === digits);
    if (!/^\d{12,19}$/.test(digits) || !luhnValid(digits)) {
      problems.push({ field: 'number', code: 'invalid_number', message: 'is not a valid card number (its check digit is wrong)' });
    } else if (!brand) {
      problems.push({ field: 'number', code: 'unsupported_brand', message: 'is not a Visa or Mastercard number' });
    } else if (!testCard) {
      problems.push({ field: 'number', code: 'sandbox_test_card_required', message: 'the sandbox takes only its test cards (e.g. 4242 4242 4242 4242); no money moves, so never enter a real card' });
    }
    if (card.expMonth < 1 || card.expMonth > 12) {
      problems.push({ field: 'exp_month', code: 'invalid_expiry_month', message: 'must be a month from 1 to 12' });
    } else if (cardExpired(card.expMonth, card.expYear, this.#now())) {
      problems.push({ field: 'exp_year', code: 'expired_card', message: 'the card has expired' });
    } else if (card.expYear > this.#now().getUTCFullYear() + 20) {
      problems.push({ field: 'exp_year', code: 'invalid_expiry_year', message: 'is too far in the future' });
    }
    if (!/^\d{3}$/.test(card.cvc)) problems.push({ field: 'cvc', code: 'invalid_cvc', message: 'must be the 3 digits on the back of the card' });
    if (problems.length > 0 || !testCard || !brand) return { ok: false, problems };

    const last4 = digits.slice(-4);
    const expiry = `${card.expYear}${String(card.expMonth).padStart(2, '0')}`;
    return {
      ok: true,
      token: `tok_sandbox_${last4}_${expiry}_${randomBytes(8).toString('hex')}`,
      card: { type: 'card', brand, last4, expMonth: card.expMonth, expYear: card.expYear },
    };
  }

  async describeMethod(method: PaymentMethodToken): Promise<PaymentMethodSummary> {
    const { card, expMonth, expYear } = this.#read(method);
    return { type: 'card', brand: card.brand, last4: card.number.slice(-4), expMonth, expYear };
  }

  async authorize(request: AttemptRequest): Promise<ProviderAnswer> {
    return this.#outcome(request, this.#read(request.method).card.behaviour);
  }

  async completeAction(request: AttemptRequest & { providerReference: string; result: string }): Promise<ProviderAnswer> {
    const { card } = this.#read(request.method);
    const reference = this.#reference(request);
    if (card.behaviour.kind !== 'three_ds') return { kind: 'unknown', providerReference: reference, providerStatus: 'no_challenge_pending' };
    if (request.result === 'pass') return { kind: 'succeeded', providerReference: reference, providerStatus: 'succeeded' };
    if (request.result === 'fail') return { kind: 'declined', providerReference: reference, providerStatus: 'authentication_failed', code: 'authentication_failed', message: 'The card holder did not pass 3-D Secure authentication.' };
    return { kind: 'unknown', providerReference: reference, providerStatus: 'unrecognised_challenge_result' };
  }

  /** Stateless and deterministic: asked again, a test card gives the answer it gave at first. */
  async fetchStatus(request: AttemptRequest): Promise<ProviderAnswer> {
    return this.authorize(request);
  }

  async refund(request: { providerReference: string; amount: Money; idempotencyKey: string }): Promise<RefundAnswer> {
    if (!request.providerReference.startsWith('sandbox_')) return { kind: 'failed', code: 'unknown_charge', message: 'The sandbox made no such charge.' };
    if (request.amount.amount <= 0) return { kind: 'failed', code: 'invalid_amount', message: 'A refund must be for more than nothing.' };
    return { kind: 'succeeded', providerReference: `${request.providerReference}_refund_${randomBytes(4).toString('hex')}` };
  }

  #reference(request: AttemptRequest): string {
    return request.providerReference ?? `sandbox_${request.attemptId}`;
  }

  #outcome(request: AttemptRequest, behaviour: TestCardBehaviour): ProviderAnswer {
    const reference = this.#reference(request);
    switch (behaviour.kind) {
      case 'approve':
        return { kind: 'succeeded', providerReference: reference, providerStatus: 'succeeded' };
      case 'decline':
        return { kind: 'declined', providerReference: reference, providerStatus: 'declined', code: behaviour.code, message: behaviour.message };
      case 'three_ds':
        return { kind: 'requires_action', providerReference: reference, providerStatus: 'requires_action', nextAction: { type: 'three_ds', url: sandboxThreeDsUrl(request.paymentId) } };
    }
  }

  #read(method: PaymentMethodToken): { card: SandboxTestCard; expMonth: number; expYear: number } {
    const match = TOKEN.exec(method.token);
    const card = match ? testCardByLast4(match[1]!) : undefined;
    const expMonth = Number(match?.[3]);
    if (method.type !== 'card' || !match || !card || expMonth < 1 || expMonth > 12) {
      throw new PaymentMethodRejected('invalid_token', 'is not a card token of the sandbox: get one from POST /v1/store/payments/sandbox/card-tokens');
    }
    return { card, expYear: Number(match[2]), expMonth };
  }
}

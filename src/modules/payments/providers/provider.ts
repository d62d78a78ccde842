/**
 * What the payments module needs from anyone who can take a buyer's money: a card processor over
 * HTTP, a wallet (PayPal, KakaoPay), an instant-payment scheme (Pix), or the built-in SANDBOX
 * (sandbox.ts), with which no money moves.
 *
 * A provider is stateless: every call carries what the provider needs to know (the attempt, the
 * amount, the payment method's token, the provider's own reference from an earlier answer), and
 * the payments core persists whatever comes back. A provider never decides a payment's status
 * either: it reports what it was told in the vocabulary below, and rules.ts turns that into a
 * transition. Anything it cannot classify is `unknown`, which leaves the payment pending until a
 * later status check gives an explicit answer.
 *
 * Transport problems are thrown as errors; the core treats a thrown call as an unknown answer
 * (the charge may or may not have happened) and asks again later with `fetchStatus`.
 */
import type { Money } from '../../../platform/money/index.ts';

/** What the buyer must do before the provider can go on. */
export type NextAction =
  /** Authenticate with the card's issuer (3-D Secure) at `url`. */
  | { type: 'three_ds'; url: string }
  /** Approve in the provider's own pages (PayPal, KakaoPay), then come back to `returnUrl`. */
  | { type: 'redirect_to_url'; url: string; returnUrl: string | null }
  /** Pay by scanning or pasting `data` (a Pix BR Code) before `expiresAt`. */
  | { type: 'display_qr_code'; data: string; imageUrl: string | null; expiresAt: string | null }
  /** Nothing to do but wait for the provider; ask again after a while. */
  | { type: 'wait'; retryAfterSeconds: number };

export type PaymentMethodType = 'card';

/** A payment method as the buyer hands it over: the provider's token, never card data. */
export interface PaymentMethodToken {
  type: PaymentMethodType;
  token: string;
}

/** What may be shown and kept of a payment method: never the card number. */
export interface PaymentMethodSummary {
  type: PaymentMethodType;
  brand: string | null;
  last4: string | null;
  expMonth: number | null;
  expYear: number | null;
}

/** One try at paying an intent, as the provider is asked about it. */
export interface AttemptRequest {
  /** Our id of the attempt: the provider's merchant reference, and the idempotency key it is sent with. */
  attemptId: string;
  paymentId: string;
  amount: Money;
  method: PaymentMethodToken;
  description: string | null;
  /** The provider's id for this attempt, once an earlier answer gave one. */
  providerReference: string | null;
}

/**
 * A provider's answer, classified. Only `succeeded`, `authorized` and `declined` are explicit
 * outcomes; `pending` and `unknown` leave the payment processing.
 */
export type ProviderAnswer =
  | { kind: 'succeeded'; providerReference: string; providerStatus: string }
  /** Authorised, to be captured later (manual capture). */
  | { kind: 'authorized'; providerReference: string; providerStatus: string }
  | { kind: 'requires_action'; providerReference: string; providerStatus: string; nextAction: NextAction }
  | { kind: 'declined'; providerReference: string | null; providerStatus: string; code: string; message: string }
  /** The provider is still working on it (asynchronous methods). */
  | { kind: 'pending'; providerReference: string | null; providerStatus: string }
  /** A status the adapter does not recognise, or no answer at all. */
  | { kind: 'unknown'; providerReference: string | null; providerStatus: string };

export type RefundAnswer =
  | { kind: 'succeeded'; providerReference: string }
  | { kind: 'pending'; providerReference: string | null }
  | { kind: 'failed'; code: string; message: string };

/** A payment method the provider will not take, for a reason the buyer can fix (422). */
export class PaymentMethodRejected extends Error {
  override name = 'PaymentMethodRejected';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface PaymentProvider {
  /** Stable name, recorded on every attempt it handles (e.g. "sandbox"). */
  readonly name: string;
  /** What a token stands for (brand, last four, expiry). Throws PaymentMethodRejected for a token it does not accept. */
  describeMethod(method: PaymentMethodToken): Promise<PaymentMethodSummary>;
  /** Asks the provider to take the amount with the method: charge it, or say what the buyer must do first. */
  authorize(request: AttemptRequest): Promise<ProviderAnswer>;
  /** Hands the provider what the buyer's next action produced (e.g. a 3-D Secure challenge's result). */
  completeAction(request: AttemptRequest & { providerReference: string; result: string }): Promise<ProviderAnswer>;
  /** Where an attempt stands now, by our attempt id or the provider's reference: the status check. */
  fetchStatus(request: AttemptRequest): Promise<ProviderAnswer>;
  /** Gives back part or all of a succeeded attempt's amount (used by refunds). */
  refund(request: { providerReference: string; amount: Money; idempotencyKey: string }): Promise<RefundAnswer>;
}

import { and, asc, eq, inArray, lte, notInArray } from 'drizzle-orm';
import type { Platform } from '../../platform/index.ts';
import { systemActor, type Actor } from '../../platform/audit/index.ts';
import { inTransaction, isUniqueViolation, type Db } from '../../platform/db/index.ts';
import { AppError, conflict, forbidden, notFound, unprocessable, validationFailed, type FieldError } from '../../platform/errors/index.ts';
import { registerIdPrefix } from '../../platform/ids/index.ts';
import { isCurrency } from '../../platform/money/index.ts';
import { actorOf, requireOperator, type Caller, type Principal } from '../identity/index.ts';
import { PaymentMethodRejected, type AttemptRequest, type NextAction, type PaymentMethodSummary, type PaymentMethodToken, type PaymentProvider, type ProviderAnswer, type RefundAnswer } from './providers/provider.ts';
import { cardExpired, SandboxPaymentProvider, type CardDetails, type SandboxCardToken } from './providers/sandbox.ts';
import {
  canRefundTransition,
  canTransition,
  decideAnswer,
  decideRefundAnswer,
  EXPIRABLE_STATUSES,
  isFinal,
  payRefusal,
  REFUND_REVIEW_AFTER_MS,
  refundCheckDelayMs,
  refundRefusal,
  STATUS_CHECK_AFTER_MS,
  UNSETTLED_REFUND_STATUSES,
  type AttemptStatus,
  type PaymentStatus,
  type RefundStatus,
} from './rules.ts';
import { paymentAttempts, paymentIntents, paymentRefunds } from './schema.ts';

const PAYMENT_PREFIX = registerIdPrefix('pay', 'payment');
const ATTEMPT_PREFIX = registerIdPrefix('pat', 'payment attempt');
const REFUND_PREFIX = registerIdPrefix('rfd', 'refund');
const GOODWILL_PREFIX = registerIdPrefix('gwr', 'goodwill refund decision');

/**
 * Announced in the transaction that makes the payment final, once per payment; and in the one that
 * settles a refund, once per refund.
 */
export const PAYMENT_EVENTS = {
  succeeded: 'payments.payment.succeeded',
  failed: 'payments.payment.failed',
  canceled: 'payments.payment.canceled',
  expired: 'payments.payment.expired',
  refundSucceeded: 'payments.refund.succeeded',
  refundFailed: 'payments.refund.failed',
} as const;

export type PaymentEventPayload = {
  paymentId: string;
  reference: PaymentReference;
  amount: number;
  currency: string;
  buyerAccountId: string;
};

/** The refund's payload: `reference` is what was refunded (e.g. an order), `amount` what was given back. */
export type RefundEventPayload = {
  refundId: string;
  paymentId: string;
  reference: PaymentReference;
  amount: number;
  currency: string;
  buyerAccountId: string;
};

export const PAYMENT_EXPIRY_JOB = 'payments.expire';
export const PAYMENT_STATUS_CHECK_JOB = 'payments.check_status';
/** Sends one refund to the provider, enqueued with the refund. */
export const REFUND_JOB = 'payments.refund';
/** Asks the provider again about refunds it has not settled. */
export const REFUND_STATUS_CHECK_JOB = 'payments.check_refunds';

/** Operators who see payments and refund them: finance, and admins. */
const PAYMENT_OPERATOR_ROLES = ['finance', 'admin'] as const;

/** Payments closed or checked per transaction by the jobs. */
const JOB_BATCH = 100;

export interface PaymentReference {
  type: string;
  id: string;
}

export interface PaymentAttempt {
  id: string;
  number: number;
  provider: string;
  status: AttemptStatus;
  providerReference: string | null;
  providerStatus: string | null;
  method: PaymentMethodSummary;
  failureCode: string | null;
  failureMessage: string | null;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
}

export interface Refund {
  id: string;
  paymentId: string;
  amount: number;
  currency: string;
  reason: string;
  reference: PaymentReference;
  status: RefundStatus;
  providerReference: string | null;
  failure: { code: string; message: string } | null;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
}

export interface NewRefund {
  paymentId: string;
  /** In minor units of the payment's currency. */
  amount: number;
  currency: string;
  reason: string;
  /** What is refunded (e.g. `{ type: 'order', id }`): asking again for the same one answers the refund already made. */
  reference: PaymentReference;
}

export interface Payment {
  id: string;
  status: PaymentStatus;
  amount: number;
  currency: string;
  reference: PaymentReference;
  buyerAccountId: string;
  description: string | null;
  nextAction: NextAction | null;
  /** The method of the latest attempt: type, brand, last four. */
  method: PaymentMethodSummary | null;
  /** Why the latest attempt failed, when it did. */
  lastError: { code: string; message: string } | null;
  attempts: PaymentAttempt[];
  /** Oldest first; the payment stays `succeeded` however much of it is refunded. */
  refunds: Refund[];
  /** What the succeeded refunds gave back, in minor units. */
  amountRefunded: number;
  cancellationReason: string | null;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date;
  closedAt: Date | null;
}

export interface NewPaymentIntent {
  buyerAccountId: string;
  reference: PaymentReference;
  amount: number;
  currency: string;
  expiresAt: Date;
  description?: string;
}

export interface Confirmation {
  method: PaymentMethodToken;
  /** What the buyer was shown and agreed to pay: it must be the payment's amount and currency. */
  amount: number;
  currency: string;
}

export interface PaymentsService {
  /** In the caller's transaction: a payment intent (status requires_payment_method) for an amount owed by a buyer. */
  createIntent(tx: Db, input: NewPaymentIntent): Promise<Payment>;
  /**
   * In the caller's transaction: cancel an intent that has not succeeded (e.g. the order closed
   * unpaid); no-op if already final. A payment whose attempt is with the provider (`processing`)
   * cannot be cancelled: 409 `payment_in_progress`, try again once it has an answer.
   */
  cancelIntent(tx: Db, paymentId: string, reason: string, actor?: Actor): Promise<Payment>;
  /** The buyer sees only their own payments; finance operators and admins see any. */
  get(caller: Caller, paymentId: string): Promise<Payment>;
  /** The buyer pays with a payment method's token, for the amount they were shown. */
  confirm(caller: Caller, paymentId: string, confirmation: Confirmation): Promise<Payment>;
  /** The buyer's answer to a 3-D Secure challenge (the sandbox's: `pass` or `fail`). */
  completeThreeDs(caller: Caller, paymentId: string, result: string): Promise<Payment>;
  /** The sandbox's stand-in for a processor's client-side tokenisation: card details in, a token out. */
  tokenizeSandboxCard(caller: Caller, card: CardDetails): Promise<SandboxCardToken>;
  /** Closes payments whose time is up (the expiry job); returns how many. */
  expireDue(): Promise<number>;
  /** Asks the provider again about attempts left without an answer (the status check job); returns how many were asked about. */
  checkPending(): Promise<number>;
  /** In the caller's transaction, for other modules' reactions: a payment as it stands, or null. No caller check. */
  find(tx: Db, paymentId: string): Promise<Payment | null>;
  /**
   * In the caller's transaction: gives back part or all of a succeeded payment. Refused (409) for a
   * payment not succeeded, another currency, or more than is left once the refunds that have not
   * failed are counted; the same reference again answers the refund already made (409 if it was
   * for another amount). The provider is asked by a job once the transaction commits.
   */
  requestRefund(tx: Db, input: NewRefund, actor?: Actor): Promise<Refund>;
  /**
   * A finance operator or admin gives back part or all of a succeeded payment of their own accord
   * (a goodwill gesture, or an order's refund that failed), within what is left of it.
   */
  refundByOperator(caller: Caller, paymentId: string, input: Omit<NewRefund, 'paymentId' | 'reference'>): Promise<Refund>;
  /** Asks the provider to make a refund and records its answer (the refund job). */
  sendRefund(refundId: string): Promise<Refund>;
  /** Asks the provider again about refunds it has not settled whose check is due (the refund status check job); returns how many. */
  checkRefunds(): Promise<number>;
}

type IntentRow = typeof paymentIntents.$inferSelect;
type AttemptRow = typeof paymentAttempts.$inferSelect;
type RefundRow = typeof paymentRefunds.$inferSelect;

const FINAL_EVENT: Partial<Record<PaymentStatus, string>> = {
  succeeded: PAYMENT_EVENTS.succeeded,
  failed: PAYMENT_EVENTS.failed,
  canceled: PAYMENT_EVENTS.canceled,
  expired: PAYMENT_EVENTS.expired,
};

function methodOf(row: AttemptRow): PaymentMethodSummary {
  return { type: row.methodType as PaymentMethodSummary['type'], brand: row.methodBrand, last4: row.methodLast4, expMonth: row.methodExpMonth, expYear: row.methodExpYear };
}

function toAttempt(row: AttemptRow): PaymentAttempt {
  return {
    id: row.id,
    number: row.number,
    provider: row.provider,
    status: row.status as AttemptStatus,
    providerReference: row.providerReference,
    providerStatus: row.providerStatus,
    method: methodOf(row),
    failureCode: row.failureCode,
    failureMessage: row.failureMessage,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    completedAt: row.completedAt,
  };
}

function toRefund(row: RefundRow): Refund {
  return {
    id: row.id,
    paymentId: row.paymentId,
    amount: row.amount,
    currency: row.currency,
    reason: row.reason,
    reference: { type: row.referenceType, id: row.referenceId },
    status: row.status as RefundStatus,
    providerReference: row.providerReference,
    failure: row.failureCode ? { code: row.failureCode, message: row.failureMessage ?? '' } : null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    completedAt: row.completedAt,
  };
}

function toPayment(row: IntentRow, attemptRows: readonly AttemptRow[], refundRows: readonly RefundRow[]): Payment {
  const attempts = attemptRows.map(toAttempt);
  const refunds = refundRows.map(toRefund);
  const latest = attempts.at(-1);
  return {
    id: row.id,
    status: row.status as PaymentStatus,
    amount: row.amount,
    currency: row.currency,
    reference: { type: row.referenceType, id: row.referenceId },
    buyerAccountId: row.buyerAccountId,
    description: row.description,
    nextAction: row.status === 'requires_action' ? (row.nextAction as NextAction | null) : null,
    method: latest?.method ?? null,
    lastError: latest?.status === 'failed' && latest.failureCode ? { code: latest.failureCode, message: latest.failureMessage ?? '' } : null,
    attempts,
    refunds,
    amountRefunded: refunds.filter((refund) => refund.status === 'succeeded').reduce((sum, refund) => sum + refund.amount, 0),
    cancellationReason: row.cancellationReason,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    expiresAt: row.expiresAt,
    closedAt: row.closedAt,
  };
}

/** The roles that see payments and refund them, named here: the permission model has no payments subject yet. */
function requirePaymentOperator(principal: Principal): void {
  const operator = requireOperator(principal);
  if (!operator.roles.some((role) => (PAYMENT_OPERATOR_ROLES as readonly string[]).includes(role))) throw forbidden('Payments are open to finance operators and admins.', 'permission_denied');
}

function requireBuyer(principal: Principal): Principal & { kind: 'buyer' } {
  if (principal.kind !== 'buyer') throw new AppError(403, 'buyer_account_required', 'Forbidden', 'Payments are made by buyers: sign in with a buyer account.');
  return principal;
}

export function createPaymentsService(platform: Platform, deps: { provider: PaymentProvider }): PaymentsService {
  const { db, clock, ids, audit, events, jobs, logger } = platform;
  const { provider } = deps;

  const attemptsOf = (tx: Db, paymentId: string) => tx.select().from(paymentAttempts).where(eq(paymentAttempts.paymentId, paymentId)).orderBy(asc(paymentAttempts.number));
  const refundsOf = (tx: Db, paymentId: string) => tx.select().from(paymentRefunds).where(eq(paymentRefunds.paymentId, paymentId)).orderBy(asc(paymentRefunds.id));
  const paymentOf = async (tx: Db, row: IntentRow) => toPayment(row, await attemptsOf(tx, row.id), await refundsOf(tx, row.id));

  async function lockPayment(tx: Db, paymentId: string): Promise<IntentRow | undefined> {
    const [row] = await tx.select().from(paymentIntents).where(eq(paymentIntents.id, paymentId)).for('update');
    return row;
  }

  /** The buyer's own payment (locked, or only read); another buyer's is as unknown as one that does not exist. */
  async function ownPayment(tx: Db, caller: Caller, paymentId: string, lock: 'lock' | 'read' = 'lock'): Promise<IntentRow> {
    const buyer = requireBuyer(caller.principal);
    const row = lock === 'lock' ? await lockPayment(tx, paymentId) : (await tx.select().from(paymentIntents).where(eq(paymentIntents.id, paymentId)))[0];
    if (!row || row.buyerAccountId !== buyer.accountId) throw notFound('payment', paymentId);
    return row;
  }

  async function reload(tx: Db, paymentId: string): Promise<Payment> {
    const [row] = await tx.select().from(paymentIntents).where(eq(paymentIntents.id, paymentId));
    if (!row) throw notFound('payment', paymentId);
    return paymentOf(tx, row);
  }

  /** Moves a payment along its lifecycle: checked against the table, audited, and announced when final. */
  async function moveTo(tx: Db, row: IntentRow, to: PaymentStatus, actor: Actor, reason: string, changes: { nextAction?: NextAction | null; cancellationReason?: string } = {}, metadata?: Record<string, unknown>): Promise<void> {
    const from = row.status as PaymentStatus;
    if (!canTransition(from, to)) throw conflict('illegal_transition', `A payment in ${from} cannot become ${to}.`);
    const now = clock.now();
    await tx
      .update(paymentIntents)
      .set({ status: to, nextAction: changes.nextAction ?? null, updatedAt: now, closedAt: isFinal(to) ? now : null, ...(changes.cancellationReason ? { cancellationReason: changes.cancellationReason } : {}) })
      .where(eq(paymentIntents.id, row.id));
    await audit.record(tx, { actor, action: `payment.${to}`, subject: { type: 'payment', id: row.id }, from: { status: from }, to: { status: to }, reason, ...(metadata ? { metadata } : {}) });
    const event = FINAL_EVENT[to];
    if (event) {
      const payload: PaymentEventPayload = { paymentId: row.id, reference: { type: row.referenceType, id: row.referenceId }, amount: row.amount, currency: row.currency, buyerAccountId: row.buyerAccountId };
      await events.publish(tx, { type: event, subject: { type: 'payment', id: row.id }, payload });
    }
  }

  /** A 3-D Secure challenge nobody will answer any more: the payment moved on without it. */
  async function abandonWaitingAttempts(tx: Db, attempts: readonly AttemptRow[], code: string, message: string): Promise<void> {
    const waiting = attempts.filter((attempt) => attempt.status === 'requires_action').map((attempt) => attempt.id);
    if (waiting.length === 0) return;
    const now = clock.now();
    await tx.update(paymentAttempts).set({ status: 'canceled', failureCode: code, failureMessage: message, updatedAt: now, completedAt: now }).where(inArray(paymentAttempts.id, waiting));
  }

  function refusePaying(row: IntentRow, attemptsMade: number): void {
    const refusal = payRefusal({ status: row.status as PaymentStatus, expiresAt: row.expiresAt }, attemptsMade, clock.now());
    if (refusal) throw conflict(refusal.code, refusal.detail);
  }

  function checkAmount(row: IntentRow, confirmation: Confirmation): void {
    const errors: FieldError[] = [];
    if (confirmation.currency !== row.currency) errors.push({ in: 'body', path: '/currency', code: 'amount_mismatch', message: `the payment is in ${row.currency}` });
    else if (confirmation.amount !== row.amount) errors.push({ in: 'body', path: '/amount', code: 'amount_mismatch', message: `the payment is for ${row.amount} (minor units of ${row.currency})` });
    if (errors.length > 0) throw unprocessable('amount_mismatch', 'The amount confirmed is not the amount of this payment; show the buyer the current amount.', errors);
  }

  const attemptRequest = (row: IntentRow, attempt: AttemptRow): AttemptRequest => ({
    attemptId: attempt.id,
    paymentId: row.id,
    amount: { amount: row.amount, currency: row.currency },
    method: { type: attempt.methodType as PaymentMethodToken['type'], token: attempt.methodToken },
    description: row.description,
    providerReference: attempt.providerReference,
  });

  /** A provider that fails to answer may still have charged: its silence is an unknown answer, asked about again later. */
  async function ask(paymentId: string, attemptId: string, call: () => Promise<ProviderAnswer>): Promise<ProviderAnswer> {
    try {
      return await call();
    } catch (error) {
      logger.warn({ err: error, paymentId, attemptId, provider: provider.name }, 'the payment provider did not answer; the attempt stays pending');
      return { kind: 'unknown', providerReference: null, providerStatus: 'no_answer' };
    }
  }

  /** Records a provider's answer on a pending attempt and moves the payment as rules.ts decides. */
  async function applyAnswer(paymentId: string, attemptId: string, answer: ProviderAnswer, actor: Actor, reason: string): Promise<Payment> {
    return inTransaction(db, async (tx) => {
      const row = await lockPayment(tx, paymentId);
      if (!row) throw notFound('payment', paymentId);
      const attempts = await attemptsOf(tx, paymentId);
      const attempt = attempts.find((candidate) => candidate.id === attemptId);
      // Someone else recorded an answer first (the status check, or the request that asked): theirs stands.
      if (!attempt || attempt.status !== 'pending' || row.status !== 'processing') return paymentOf(tx, row);
      const decision = decideAnswer(answer, attempts.length);
      const now = clock.now();
      await tx
        .update(paymentAttempts)
        .set({
          status: decision.attempt,
          providerReference: answer.providerReference ?? attempt.providerReference,
          providerStatus: answer.providerStatus,
          failureCode: decision.failure?.code ?? null,
          failureMessage: decision.failure?.message ?? null,
          updatedAt: now,
          completedAt: decision.attempt === 'pending' ? null : now,
        })
        .where(eq(paymentAttempts.id, attemptId));
      if (decision.payment !== row.status) {
        await moveTo(tx, row, decision.payment, actor, reason, { nextAction: decision.nextAction }, { attemptId, answer: answer.kind, providerStatus: answer.providerStatus, ...(decision.failure ? { failureCode: decision.failure.code } : {}) });
      }
      return reload(tx, paymentId);
    });
  }

  async function describe(method: PaymentMethodToken): Promise<PaymentMethodSummary> {
    let summary: PaymentMethodSummary;
    try {
      summary = await provider.describeMethod(method);
    } catch (error) {
      if (error instanceof PaymentMethodRejected) throw validationFailed([{ in: 'body', path: '/payment_method/token', code: error.code, message: error.message }], 'The payment method was refused; see errors[].');
      throw error;
    }
    if (summary.expMonth !== null && summary.expYear !== null && cardExpired(summary.expMonth, summary.expYear, clock.now())) {
      throw validationFailed([{ in: 'body', path: '/payment_method/token', code: 'expired_card', message: `the card expired at the end of ${summary.expYear}-${String(summary.expMonth).padStart(2, '0')}` }], 'The payment method was refused; see errors[].');
    }
    return summary;
  }

  function validateIntent(input: NewPaymentIntent): void {
    const errors: FieldError[] = [];
    const field = (path: string, code: string, message: string) => errors.push({ in: 'body', path, code, message });
    if (!Number.isSafeInteger(input.amount) || input.amount <= 0) field('/amount', 'invalid_amount', 'must be a positive whole number of minor units');
    if (!isCurrency(input.currency)) field('/currency', 'unknown_currency', 'must be an ISO 4217 currency code');
    if (!(input.expiresAt instanceof Date) || Number.isNaN(input.expiresAt.getTime()) || input.expiresAt.getTime() <= clock.now().getTime()) field('/expires_at', 'invalid_expiry', 'must be a time in the future');
    for (const [path, value] of [['/buyer_account_id', input.buyerAccountId], ['/reference/type', input.reference.type], ['/reference/id', input.reference.id]] as const) {
      if (value.trim() === '' || value.length > 200) field(path, 'invalid', 'must be 1–200 characters');
    }
    if (input.description !== undefined && (input.description.trim() === '' || input.description.length > 500)) field('/description', 'invalid', 'must be 1–500 characters');
    if (errors.length > 0) throw validationFailed(errors, 'The payment intent is invalid; see errors[].');
  }

  function validateRefund(input: NewRefund): void {
    const errors: FieldError[] = [];
    const field = (path: string, code: string, message: string) => errors.push({ in: 'body', path, code, message });
    if (!Number.isSafeInteger(input.amount) || input.amount <= 0) field('/amount', 'invalid_amount', 'must be a positive whole number of minor units');
    if (!isCurrency(input.currency)) field('/currency', 'unknown_currency', 'must be an ISO 4217 currency code');
    if (input.reason.trim() === '' || input.reason.length > 500) field('/reason', 'invalid', 'must be 1–500 characters');
    for (const [path, value] of [['/reference/type', input.reference.type], ['/reference/id', input.reference.id]] as const) {
      if (value.trim() === '' || value.length > 200) field(path, 'invalid', 'must be 1–200 characters');
    }
    if (errors.length > 0) throw validationFailed(errors, 'The refund is invalid; see errors[].');
  }

  /** Moves a refund along its lifecycle: checked against the table, audited, and announced when it succeeds or fails. */
  async function moveRefund(tx: Db, refund: RefundRow, to: RefundStatus, actor: Actor, reason: string, changes: Partial<RefundRow> = {}): Promise<void> {
    const from = refund.status as RefundStatus;
    if (!canRefundTransition(from, to)) throw conflict('illegal_transition', `A refund in ${from} cannot become ${to}.`);
    const now = clock.now();
    const settled = to === 'succeeded' || to === 'failed';
    await tx
      .update(paymentRefunds)
      .set({ ...changes, status: to, updatedAt: now, ...(settled ? { completedAt: now, nextCheckAt: null } : {}) })
      .where(eq(paymentRefunds.id, refund.id));
    await audit.record(tx, {
      actor,
      action: `refund.${to}`,
      subject: { type: 'refund', id: refund.id },
      from: { status: from },
      to: { status: to, ...(changes.failureCode ? { failureCode: changes.failureCode } : {}) },
      reason,
      metadata: { paymentId: refund.paymentId, amount: refund.amount, currency: refund.currency },
    });
    if (!settled) return;
    const [payment] = await tx.select({ buyerAccountId: paymentIntents.buyerAccountId }).from(paymentIntents).where(eq(paymentIntents.id, refund.paymentId));
    const payload: RefundEventPayload = {
      refundId: refund.id,
      paymentId: refund.paymentId,
      reference: { type: refund.referenceType, id: refund.referenceId },
      amount: refund.amount,
      currency: refund.currency,
      buyerAccountId: payment!.buyerAccountId,
    };
    await events.publish(tx, { type: to === 'succeeded' ? PAYMENT_EVENTS.refundSucceeded : PAYMENT_EVENTS.refundFailed, subject: { type: 'refund', id: refund.id }, payload });
  }

  /**
   * Asks the provider to make the refund, with no transaction open, then records its answer in a
   * short one. The refund id is the idempotency key: asking again (a retried job, the status
   * check) never gives the money back twice.
   */
  async function askForRefund(refundId: string, actor: Actor): Promise<Refund> {
    const [refund] = await db.select().from(paymentRefunds).where(eq(paymentRefunds.id, refundId));
    if (!refund) throw notFound('refund', refundId);
    if (!UNSETTLED_REFUND_STATUSES.includes(refund.status as RefundStatus)) return toRefund(refund);
    const [charge] = await db
      .select({ providerReference: paymentAttempts.providerReference })
      .from(paymentAttempts)
      .where(and(eq(paymentAttempts.paymentId, refund.paymentId), eq(paymentAttempts.status, 'succeeded')));
    if (!charge?.providerReference) throw new Error(`refund ${refundId}: payment ${refund.paymentId} has no succeeded attempt with a provider reference`);
    let answer: RefundAnswer | null;
    try {
      answer = await provider.refund({ providerReference: charge.providerReference, amount: { amount: refund.amount, currency: refund.currency }, idempotencyKey: refund.id });
    } catch (error) {
      logger.warn({ err: error, refundId, paymentId: refund.paymentId, provider: provider.name }, 'the payment provider did not answer the refund; it stays pending');
      answer = null;
    }
    return recordRefundAnswer(refundId, answer, actor);
  }

  async function recordRefundAnswer(refundId: string, answer: RefundAnswer | null, actor: Actor): Promise<Refund> {
    return inTransaction(db, async (tx) => {
      const [refund] = await tx.select().from(paymentRefunds).where(eq(paymentRefunds.id, refundId)).for('update');
      if (!refund) throw notFound('refund', refundId);
      // Someone else recorded an explicit answer first (the job, or the status check): theirs stands.
      if (!UNSETTLED_REFUND_STATUSES.includes(refund.status as RefundStatus)) return toRefund(refund);
      const decision = decideRefundAnswer(answer);
      const now = clock.now();
      if (decision.status === 'succeeded') {
        await moveRefund(tx, refund, 'succeeded', actor, 'The provider made the refund', { providerReference: decision.providerReference, failureCode: null, failureMessage: null });
      } else if (decision.status === 'failed') {
        await moveRefund(tx, refund, 'failed', actor, `The provider refused the refund: ${decision.failure.message}`, { failureCode: decision.failure.code, failureMessage: decision.failure.message });
      } else {
        const checks = refund.checks + 1;
        const changes = { checks, nextCheckAt: new Date(now.getTime() + refundCheckDelayMs(checks)), providerReference: decision.providerReference ?? refund.providerReference, updatedAt: now };
        if (refund.status === 'pending' && now.getTime() - refund.createdAt.getTime() >= REFUND_REVIEW_AFTER_MS) {
          await moveRefund(tx, refund, 'manual_review', actor, `The provider has given no explicit answer in ${REFUND_REVIEW_AFTER_MS / 3_600_000} hours`, changes);
        } else {
          await tx.update(paymentRefunds).set(changes).where(eq(paymentRefunds.id, refundId));
        }
      }
      const [updated] = await tx.select().from(paymentRefunds).where(eq(paymentRefunds.id, refundId));
      return toRefund(updated!);
    });
  }

  async function requestRefund(tx: Db, input: NewRefund, actor: Actor = systemActor('payments')): Promise<Refund> {
    validateRefund(input);
    // Locked, so refunds of one payment asked for at the same moment are counted one after the other.
    const payment = await lockPayment(tx, input.paymentId);
    if (!payment) throw notFound('payment', input.paymentId);
    const refunds = await refundsOf(tx, payment.id);
    const same = refunds.find((refund) => refund.referenceType === input.reference.type && refund.referenceId === input.reference.id);
    if (same) {
      if (same.amount !== input.amount || same.currency !== input.currency) {
        throw conflict('refund_reference_taken', `${input.reference.type} ${input.reference.id} already has a refund of ${same.amount} ${same.currency} (minor units) from this payment (${same.id}).`);
      }
      return toRefund(same);
    }
    const refunding = refunds.filter((refund) => refund.status !== 'failed').reduce((sum, refund) => sum + refund.amount, 0);
    const refusal = refundRefusal({ status: payment.status as PaymentStatus, amount: payment.amount, currency: payment.currency }, input, refunding);
    if (refusal) throw conflict(refusal.code, refusal.detail);
    const now = clock.now();
    const [refund] = await tx
      .insert(paymentRefunds)
      .values({
        id: ids(REFUND_PREFIX),
        paymentId: payment.id,
        amount: input.amount,
        currency: input.currency,
        reason: input.reason,
        referenceType: input.reference.type,
        referenceId: input.reference.id,
        status: 'pending',
        // The refund job asks at once; the status check only if that answer never comes.
        nextCheckAt: new Date(now.getTime() + refundCheckDelayMs(1)),
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await audit.record(tx, {
      actor,
      action: 'refund.create',
      subject: { type: 'refund', id: refund!.id },
      to: { status: 'pending', amount: input.amount, currency: input.currency, reference: input.reference },
      reason: input.reason,
      metadata: { paymentId: payment.id },
    });
    await jobs.enqueue(tx, REFUND_JOB, { refundId: refund!.id }, { dedupeKey: `${REFUND_JOB}:${refund!.id}` });
    return toRefund(refund!);
  }

  const referenceTaken = (reference: PaymentReference, paymentId?: string) =>
    conflict('payment_exists_for_reference', `${reference.type} ${reference.id} already has a payment that is open or paid${paymentId ? ` (${paymentId})` : ''}.`);

  return {
    async createIntent(tx, input) {
      validateIntent(input);
      const [open] = await tx
        .select({ id: paymentIntents.id })
        .from(paymentIntents)
        .where(and(eq(paymentIntents.referenceType, input.reference.type), eq(paymentIntents.referenceId, input.reference.id), notInArray(paymentIntents.status, ['canceled', 'failed', 'expired'])));
      if (open) throw referenceTaken(input.reference, open.id);
      const now = clock.now();
      const id = ids(PAYMENT_PREFIX);
      try {
        await tx.insert(paymentIntents).values({
          id,
          buyerAccountId: input.buyerAccountId,
          referenceType: input.reference.type,
          referenceId: input.reference.id,
          amount: input.amount,
          currency: input.currency,
          description: input.description ?? null,
          status: 'requires_payment_method',
          createdAt: now,
          updatedAt: now,
          expiresAt: input.expiresAt,
        });
      } catch (error) {
        if (isUniqueViolation(error, 'payment_intents_reference_idx')) throw referenceTaken(input.reference);
        throw error;
      }
      await audit.record(tx, {
        actor: systemActor('payments'),
        action: 'payment.create',
        subject: { type: 'payment', id },
        to: { status: 'requires_payment_method', amount: input.amount, currency: input.currency, reference: input.reference, expiresAt: input.expiresAt.toISOString() },
        reason: `Payment for ${input.reference.type} ${input.reference.id}`,
      });
      return reload(tx, id);
    },

    async cancelIntent(tx, paymentId, reason, actor = systemActor('payments')) {
      const row = await lockPayment(tx, paymentId);
      if (!row) throw notFound('payment', paymentId);
      const status = row.status as PaymentStatus;
      if (isFinal(status)) return reload(tx, paymentId);
      if (!canTransition(status, 'canceled')) {
        throw conflict('payment_in_progress', `This payment is ${status}: it cannot be cancelled until the provider has answered.`);
      }
      await abandonWaitingAttempts(tx, await attemptsOf(tx, paymentId), 'payment_canceled', 'The payment was cancelled before this attempt finished.');
      await moveTo(tx, row, 'canceled', actor, reason, { cancellationReason: reason });
      return reload(tx, paymentId);
    },

    async get(caller, paymentId) {
      const { principal } = caller;
      if (principal.kind === 'operator') {
        requirePaymentOperator(principal);
        return reload(db, paymentId);
      }
      return paymentOf(db, await ownPayment(db, caller, paymentId, 'read'));
    },

    async confirm(caller, paymentId, confirmation) {
      const actor = actorOf(caller);
      // Cheap refusals first, before the provider is asked anything; they are checked again under the lock.
      const current = await ownPayment(db, caller, paymentId, 'read');
      refusePaying(current, (await attemptsOf(db, paymentId)).length);
      checkAmount(current, confirmation);
      const method = await describe(confirmation.method);

      const started = await inTransaction(db, async (tx) => {
        const row = await ownPayment(tx, caller, paymentId);
        const attempts = await attemptsOf(tx, paymentId);
        refusePaying(row, attempts.length);
        checkAmount(row, confirmation);
        await abandonWaitingAttempts(tx, attempts, 'abandoned', 'The buyer paid again another way before finishing this attempt.');
        const now = clock.now();
        const [attempt] = await tx
          .insert(paymentAttempts)
          .values({
            id: ids(ATTEMPT_PREFIX),
            paymentId,
            buyerAccountId: row.buyerAccountId,
            number: attempts.length + 1,
            provider: provider.name,
            status: 'pending',
            methodType: method.type,
            methodToken: confirmation.method.token,
            methodBrand: method.brand,
            methodLast4: method.last4,
            methodExpMonth: method.expMonth,
            methodExpYear: method.expYear,
            createdAt: now,
            updatedAt: now,
          })
          .returning();
        await moveTo(tx, row, 'processing', actor, 'The buyer confirmed the payment', {}, { attemptId: attempt!.id, provider: provider.name, method: { type: method.type, brand: method.brand, last4: method.last4 } });
        return attemptRequest(row, attempt!);
      });

      // The provider is asked outside any transaction: the pending attempt is on record first, so
      // a crash or a timeout here leaves something the status check can settle.
      const answer = await ask(paymentId, started.attemptId, () => provider.authorize(started));
      return applyAnswer(paymentId, started.attemptId, answer, actor, 'The provider answered the confirmation');
    },

    async completeThreeDs(caller, paymentId, result) {
      const actor = actorOf(caller);
      const started = await inTransaction(db, async (tx) => {
        const row = await ownPayment(tx, caller, paymentId);
        const attempts = await attemptsOf(tx, paymentId);
        const action = row.nextAction as NextAction | null;
        const attempt = attempts.find((candidate) => candidate.status === 'requires_action');
        if (row.status !== 'requires_action' || action?.type !== 'three_ds' || !attempt?.providerReference) {
          throw conflict('payment_not_awaiting_action', `This payment is ${row.status}: it has no 3-D Secure challenge to answer.`);
        }
        // The challenge belongs to an attempt already counted: only the payment's expiry can refuse it.
        refusePaying(row, 0);
        await tx.update(paymentAttempts).set({ status: 'pending', updatedAt: clock.now() }).where(eq(paymentAttempts.id, attempt.id));
        await moveTo(tx, row, 'processing', actor, 'The buyer answered the 3-D Secure challenge', {}, { attemptId: attempt.id });
        return { ...attemptRequest(row, attempt), providerReference: attempt.providerReference };
      });
      const answer = await ask(paymentId, started.attemptId, () => provider.completeAction({ ...started, result }));
      return applyAnswer(paymentId, started.attemptId, answer, actor, 'The provider answered the 3-D Secure result');
    },

    async tokenizeSandboxCard(caller, card) {
      requireBuyer(caller.principal);
      if (!(provider instanceof SandboxPaymentProvider)) throw new AppError(404, 'sandbox_not_enabled', 'Not found', 'The payment sandbox is not this marketplace’s payment provider.');
      const result = provider.tokenizeCard(card);
      if (!result.ok) throw validationFailed(result.problems.map((problem) => ({ in: 'body', path: `/${problem.field}`, code: problem.code, message: problem.message })), 'The card was refused; see errors[].');
      return { token: result.token, card: result.card };
    },

    async expireDue() {
      let expired = 0;
      for (;;) {
        const batch = await inTransaction(db, async (tx) => {
          const due = await tx
            .select()
            .from(paymentIntents)
            .where(and(inArray(paymentIntents.status, [...EXPIRABLE_STATUSES]), lte(paymentIntents.expiresAt, clock.now())))
            .orderBy(asc(paymentIntents.expiresAt))
            .limit(JOB_BATCH)
            .for('update', { skipLocked: true });
          for (const row of due) {
            await abandonWaitingAttempts(tx, await attemptsOf(tx, row.id), 'payment_expired', 'The payment expired before this attempt finished.');
            await moveTo(tx, row, 'expired', systemActor('payments.expiry'), `Not paid by ${row.expiresAt.toISOString()}`);
          }
          return due.length;
        });
        expired += batch;
        if (batch < JOB_BATCH) return expired;
      }
    },

    async checkPending() {
      const waiting = await db
        .select({ attempt: paymentAttempts, payment: paymentIntents })
        .from(paymentAttempts)
        .innerJoin(paymentIntents, eq(paymentIntents.id, paymentAttempts.paymentId))
        .where(and(eq(paymentAttempts.status, 'pending'), lte(paymentAttempts.updatedAt, new Date(clock.now().getTime() - STATUS_CHECK_AFTER_MS))))
        .orderBy(asc(paymentAttempts.updatedAt))
        .limit(JOB_BATCH);
      for (const { attempt, payment } of waiting) {
        const answer = await ask(payment.id, attempt.id, () => provider.fetchStatus(attemptRequest(payment, attempt)));
        await applyAnswer(payment.id, attempt.id, answer, systemActor('payments.status_check'), 'The provider answered a status check');
      }
      return waiting.length;
    },

    async find(tx, paymentId) {
      const [row] = await tx.select().from(paymentIntents).where(eq(paymentIntents.id, paymentId));
      return row ? paymentOf(tx, row) : null;
    },

    requestRefund,

    async refundByOperator(caller, paymentId, input) {
      requirePaymentOperator(caller.principal);
      // Each decision is a refund of its own; the Idempotency-Key of the request keeps a retry from making another.
      return inTransaction(db, (tx) => requestRefund(tx, { ...input, paymentId, reference: { type: 'goodwill', id: ids(GOODWILL_PREFIX) } }, actorOf(caller)));
    },

    async sendRefund(refundId) {
      return askForRefund(refundId, systemActor('payments.refund'));
    },

    async checkRefunds() {
      const due = await db
        .select({ id: paymentRefunds.id })
        .from(paymentRefunds)
        .where(and(inArray(paymentRefunds.status, [...UNSETTLED_REFUND_STATUSES]), lte(paymentRefunds.nextCheckAt, clock.now())))
        .orderBy(asc(paymentRefunds.nextCheckAt))
        .limit(JOB_BATCH);
      for (const { id } of due) await askForRefund(id, systemActor('payments.refund_check'));
      return due.length;
    },
  };
}

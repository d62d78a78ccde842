import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** A payment (intent): an amount a buyer owes for something (an order), and where paying it stands. */
export const paymentIntents = pgTable(
  'payment_intents',
  {
    id: text('id').primaryKey(),
    buyerAccountId: text('buyer_account_id').notNull(),
    /** What is being paid for, as a plain reference (e.g. an order). */
    referenceType: text('reference_type').notNull(),
    referenceId: text('reference_id').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    currency: text('currency').notNull(),
    description: text('description'),
    status: text('status').notNull(),
    /** What the buyer must do next (3-D Secure, a redirect, a QR code), while the status is requires_action. */
    nextAction: jsonb('next_action'),
    cancellationReason: text('cancellation_reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    /** When it reached a final status. */
    closedAt: timestamp('closed_at', { withTimezone: true }),
  },
  (t) => [
    // One payment at a time per thing paid for: a new one only once the last was cancelled, failed or expired.
    uniqueIndex('payment_intents_reference_idx').on(t.referenceType, t.referenceId).where(sql`${t.status} NOT IN ('canceled', 'failed', 'expired')`),
    // The expiry job's query.
    index('payment_intents_expiry_idx').on(t.expiresAt).where(sql`${t.status} IN ('requires_payment_method', 'requires_action')`),
  ],
);

/** One try at paying an intent with a provider. Keeps the method's token, brand and last four: never a card number. */
export const paymentAttempts = pgTable(
  'payment_attempts',
  {
    id: text('id').primaryKey(),
    paymentId: text('payment_id').notNull(),
    buyerAccountId: text('buyer_account_id').notNull(),
    /** 1 for the first attempt of its payment, then 2, 3… */
    number: integer('number').notNull(),
    provider: text('provider').notNull(),
    /** The provider's own id for the attempt, once it gave one. */
    providerReference: text('provider_reference'),
    /** The provider's last status as it said it, for operators. */
    providerStatus: text('provider_status'),
    status: text('status').notNull(),
    methodType: text('method_type').notNull(),
    methodToken: text('method_token').notNull(),
    methodBrand: text('method_brand'),
    methodLast4: text('method_last4'),
    methodExpMonth: integer('method_exp_month'),
    methodExpYear: integer('method_exp_year'),
    failureCode: text('failure_code'),
    failureMessage: text('failure_message'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('payment_attempts_number_idx').on(t.paymentId, t.number),
    // Whatever happens concurrently, a payment is taken at most once.
    uniqueIndex('payment_attempts_one_success_idx').on(t.paymentId).where(sql`${t.status} IN ('succeeded', 'authorized')`),
    // The status check's query: attempts still waiting for the provider's answer.
    index('payment_attempts_pending_idx').on(t.updatedAt).where(sql`${t.status} = 'pending'`),
  ],
);

/**
 * Money given back from a succeeded payment: part of it (one order of several it paid for) or all.
 * Its status lives here; the payment stays `succeeded` however much of it is refunded.
 */
export const paymentRefunds = pgTable(
  'payment_refunds',
  {
    id: text('id').primaryKey(),
    paymentId: text('payment_id').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    currency: text('currency').notNull(),
    reason: text('reason').notNull(),
    /** What is refunded, as a plain reference (e.g. an order): refunded once per payment. */
    referenceType: text('reference_type').notNull(),
    referenceId: text('reference_id').notNull(),
    status: text('status').notNull(),
    /** The provider's id for the refund, once it gave one. */
    providerReference: text('provider_reference'),
    failureCode: text('failure_code'),
    failureMessage: text('failure_message'),
    /** How many times the provider has been asked without an explicit answer. */
    checks: integer('checks').notNull().default(0),
    /** When the status check asks the provider about it again, while it is not settled. */
    nextCheckAt: timestamp('next_check_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    /** When it succeeded or failed. */
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [
    // The same order is never refunded twice from the same payment, whatever runs concurrently.
    uniqueIndex('payment_refunds_reference_idx').on(t.paymentId, t.referenceType, t.referenceId),
    // The status check's query.
    index('payment_refunds_check_idx').on(t.nextCheckAt).where(sql`${t.status} IN ('pending', 'manual_review')`),
  ],
);

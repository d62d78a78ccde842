import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Clock } from '../clock/index.ts';
import { inTransaction, queryRows, type Db } from '../db/index.ts';
import { registerIdPrefix, type IdGenerator } from '../ids/index.ts';
import { defaultRetryPolicy, retryDelayMs, type RetryPolicy } from '../jobs/retry.ts';
import { outboxEvents } from './schema.ts';

export { outboxEvents, eventReceipts } from './schema.ts';

/**
 * The transactional outbox. A module publishes an event with the transaction that makes the change,
 * so the event exists exactly when the change does. A dispatcher then delivers it at least once to
 * every subscriber; each subscriber's processing commits together with a receipt, so a redelivery
 * after a crash is recognised and skipped.
 */
export interface DomainEvent<P = Record<string, unknown>> {
  id: string;
  type: string;
  subject: { type: string; id: string };
  sellerId: string | null;
  payload: P;
  occurredAt: Date;
}

export interface NewEvent<P = Record<string, unknown>> {
  type: string;
  subject: { type: string; id: string };
  sellerId?: string | null;
  payload: P;
}

export type EventHandler = (event: DomainEvent, tx: Db) => Promise<void>;

interface Subscription {
  subscriber: string;
  types: Set<string>;
  handler: EventHandler;
}

const EVENT_PREFIX = registerIdPrefix('evt', 'event');

export interface EventBusOptions {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  retry?: RetryPolicy;
  leaseMs?: number;
}

interface ClaimedEvent {
  id: string;
  type: string;
  subject_type: string;
  subject_id: string;
  seller_id: string | null;
  payload: Record<string, unknown>;
  occurred_at: Date | string;
  attempts: number;
}

export class EventBus {
  readonly #subscriptions: Subscription[] = [];
  readonly #options: Required<EventBusOptions>;

  constructor(options: EventBusOptions) {
    this.#options = { retry: defaultRetryPolicy, leaseMs: 60_000, ...options };
  }

  subscribe(subscriber: string, types: string[], handler: EventHandler): void {
    if (this.#subscriptions.some((s) => s.subscriber === subscriber)) {
      throw new Error(`subscriber "${subscriber}" is already registered`);
    }
    this.#subscriptions.push({ subscriber, types: new Set(types), handler });
  }

  /** Records an event inside the caller's transaction. */
  async publish<P extends Record<string, unknown>>(tx: Db, event: NewEvent<P>): Promise<string> {
    const [id] = await this.publishMany(tx, [event]);
    return id!;
  }

  /** Records many events in as few statements as possible, inside the caller's transaction. */
  async publishMany(tx: Db, batch: readonly NewEvent[]): Promise<string[]> {
    const now = this.#options.clock.now();
    const rows = batch.map((event) => ({
      id: this.#options.ids(EVENT_PREFIX),
      type: event.type,
      subjectType: event.subject.type,
      subjectId: event.subject.id,
      sellerId: event.sellerId ?? null,
      payload: event.payload,
      occurredAt: now,
      availableAt: now,
    }));
    for (let i = 0; i < rows.length; i += 500) await tx.insert(outboxEvents).values(rows.slice(i, i + 500));
    return rows.map((row) => row.id);
  }

  /**
   * Claims a batch of due events, delivers them, and returns how many were claimed. Claims are
   * leases taken with SKIP LOCKED, so any number of processes can dispatch side by side.
   */
  async dispatchPending(limit = 100): Promise<number> {
    const { db, clock } = this.#options;
    const now = clock.now();
    const leaseUntil = new Date(now.getTime() + this.#options.leaseMs);
    const claimed = await queryRows<ClaimedEvent>(
      db,
      sql`UPDATE outbox_events SET locked_until = ${leaseUntil}, attempts = attempts + 1
          WHERE id IN (
            SELECT id FROM outbox_events
            WHERE dispatched_at IS NULL AND available_at <= ${now}
              AND (locked_until IS NULL OR locked_until <= ${now})
            ORDER BY id LIMIT ${limit}
            FOR UPDATE SKIP LOCKED)
          RETURNING id, type, subject_type, subject_id, seller_id, payload, occurred_at, attempts`,
    );
    claimed.sort((a, b) => (a.id < b.id ? -1 : 1));
    for (const row of claimed) await this.#deliver(row);
    return claimed.length;
  }

  /** Dispatches until nothing is due: what tests and the CLI use to settle all reactions. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const claimed = await this.dispatchPending();
      total += claimed;
      if (claimed === 0) return total;
    }
  }

  async #deliver(row: ClaimedEvent): Promise<void> {
    const { db, clock, logger } = this.#options;
    const event: DomainEvent = {
      id: row.id,
      type: row.type,
      subject: { type: row.subject_type, id: row.subject_id },
      sellerId: row.seller_id,
      payload: row.payload,
      occurredAt: new Date(row.occurred_at),
    };
    const failures: string[] = [];
    for (const subscription of this.#subscriptions) {
      if (!subscription.types.has(event.type)) continue;
      try {
        await inTransaction(db, async (tx) => {
          const fresh = await queryRows<{ event_id: string }>(
            tx,
            sql`INSERT INTO event_receipts (subscriber, event_id, processed_at)
                VALUES (${subscription.subscriber}, ${event.id}, ${clock.now()})
                ON CONFLICT DO NOTHING RETURNING event_id`,
          );
          if (fresh.length === 0) return;
          await subscription.handler(event, tx);
        });
      } catch (error) {
        failures.push(`${subscription.subscriber}: ${(error as Error).message}`);
        logger.error({ err: error, eventId: event.id, subscriber: subscription.subscriber }, 'event subscriber failed');
      }
    }
    const now = clock.now();
    if (failures.length === 0) {
      await db.execute(sql`UPDATE outbox_events SET dispatched_at = ${now}, locked_until = NULL, last_error = NULL WHERE id = ${event.id}`);
    } else {
      const retryAt = new Date(now.getTime() + retryDelayMs(row.attempts, this.#options.retry));
      await db.execute(
        sql`UPDATE outbox_events SET available_at = ${retryAt}, locked_until = NULL, last_error = ${failures.join('; ')} WHERE id = ${event.id}`,
      );
    }
  }
}

import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { testLogger } from '../../../test/support/logger.ts';
import { ManualClock } from '../clock/index.ts';
import { inTransaction, queryRows } from '../db/index.ts';
import { createIdGenerator } from '../ids/index.ts';
import { EventBus, type DomainEvent } from './index.ts';

describe('outbox event bus', () => {
  let testDb: TestDatabase;
  const clock = new ManualClock('2026-04-01T00:00:00Z');
  const ids = createIdGenerator(clock);

  beforeAll(async () => {
    testDb = await createTestDatabase();
    await testDb.database.db.execute(sql`CREATE TABLE probe_notes (id text PRIMARY KEY, note text)`);
  });
  afterAll(() => testDb.drop());
  beforeEach(async () => {
    for (const table of ['outbox_events', 'event_receipts', 'probe_notes']) await testDb.database.db.execute(sql.raw(`DELETE FROM ${table}`));
  });

  const newBus = () => new EventBus({ db: testDb.database.db, clock, ids, logger: testLogger, retry: { baseDelayMs: 1000, maxDelayMs: 60_000, jitter: 0 } });

  it('keeps an event only if the transaction that made the change commits', async () => {
    const bus = newBus();
    const seen: string[] = [];
    bus.subscribe('probe', ['probe.created'], async (event) => {
      seen.push(event.subject.id);
    });
    await inTransaction(testDb.database.db, async (tx) => {
      await tx.execute(sql`INSERT INTO probe_notes VALUES ('n1', 'kept')`);
      await bus.publish(tx, { type: 'probe.created', subject: { type: 'probe', id: 'n1' }, payload: {} });
    });
    await inTransaction(testDb.database.db, async (tx) => {
      await tx.execute(sql`INSERT INTO probe_notes VALUES ('n2', 'rolled back')`);
      await bus.publish(tx, { type: 'probe.created', subject: { type: 'probe', id: 'n2' }, payload: {} });
      throw new Error('abort');
    }).catch(() => undefined);
    await bus.drain();
    expect(seen).toEqual(['n1']);
  });

  it('delivers to every matching subscriber once, with the subscriber’s writes in the same transaction as its receipt', async () => {
    const bus = newBus();
    const received: DomainEvent[] = [];
    bus.subscribe('writer', ['probe.created'], async (event, tx) => {
      await tx.execute(sql`INSERT INTO probe_notes VALUES (${event.id}, 'handled')`);
    });
    bus.subscribe('observer', ['probe.created', 'probe.deleted'], async (event) => {
      received.push(event);
    });
    bus.subscribe('bystander', ['other.thing'], async () => {
      throw new Error('must not be called');
    });
    const id = await bus.publish(testDb.database.db, { type: 'probe.created', subject: { type: 'probe', id: 'p1' }, sellerId: 'sel_1', payload: { n: 1 } });
    expect(await bus.drain()).toBe(1);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ id, type: 'probe.created', subject: { type: 'probe', id: 'p1' }, sellerId: 'sel_1', payload: { n: 1 } });
    const receipts = await queryRows<{ subscriber: string }>(testDb.database.db, sql`SELECT subscriber FROM event_receipts ORDER BY subscriber`);
    expect(receipts.map((r) => r.subscriber)).toEqual(['observer', 'writer']);

    // A redelivery (the dispatcher died before marking the event) runs nobody twice.
    await testDb.database.db.execute(sql`UPDATE outbox_events SET dispatched_at = NULL`);
    await bus.drain();
    expect(received).toHaveLength(1);
    const notes = await queryRows<{ n: number }>(testDb.database.db, sql`SELECT count(*)::int AS n FROM probe_notes`);
    expect(notes[0]?.n).toBe(1);
  });

  it('retries a failing subscriber with back-off without repeating the ones that succeeded', async () => {
    const bus = newBus();
    let healthyCalls = 0;
    let flakyCalls = 0;
    bus.subscribe('healthy', ['probe.created'], async () => {
      healthyCalls++;
    });
    bus.subscribe('flaky', ['probe.created'], async (_event, tx) => {
      flakyCalls++;
      await tx.execute(sql`INSERT INTO probe_notes VALUES ('flaky-write', 'x')`);
      if (flakyCalls < 3) throw new Error('downstream unavailable');
    });
    await bus.publish(testDb.database.db, { type: 'probe.created', subject: { type: 'probe', id: 'p2' }, payload: {} });
    await bus.drain();
    expect([healthyCalls, flakyCalls]).toEqual([1, 1]);
    const [pending] = await queryRows<{ last_error: string; available_at: Date }>(testDb.database.db, sql`SELECT last_error, available_at FROM outbox_events`);
    expect(pending?.last_error).toMatch(/flaky: downstream unavailable/);

    await bus.drain(); // not due yet
    expect(flakyCalls).toBe(1);
    clock.advance({ seconds: 1 });
    await bus.drain();
    clock.advance({ seconds: 2 });
    await bus.drain();
    expect([healthyCalls, flakyCalls]).toEqual([1, 3]);
    const notes = await queryRows<{ id: string }>(testDb.database.db, sql`SELECT id FROM probe_notes`);
    expect(notes).toEqual([{ id: 'flaky-write' }]); // the failed attempts rolled back their writes
    const [done] = await queryRows<{ dispatched_at: Date | null }>(testDb.database.db, sql`SELECT dispatched_at FROM outbox_events`);
    expect(done?.dispatched_at).not.toBeNull();
  });

  it('lets two dispatchers share the outbox without delivering an event twice', async () => {
    const delivered: string[] = [];
    const first = newBus();
    const second = newBus();
    for (const bus of [first, second]) {
      bus.subscribe('counter', ['probe.created'], async (event) => {
        delivered.push(event.id);
      });
    }
    for (let i = 0; i < 30; i++) {
      await first.publish(testDb.database.db, { type: 'probe.created', subject: { type: 'probe', id: `c${i}` }, payload: {} });
    }
    await Promise.all([first.drain(), second.drain()]);
    expect(delivered).toHaveLength(30);
    expect(new Set(delivered).size).toBe(30);
  });
});

import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import type { ManualClock } from '../../platform/clock/index.ts';
import { inTransaction, queryRows } from '../../platform/db/index.ts';
import { TrackingSimulator } from './index.ts';
import type { TrackedNumber, TrackingProvider, WebhookHeaders } from './providers/provider.ts';
import { TRACKING_POLL_JOB } from './service.ts';

/**
 * One run of the `tracking.poll` job, as the worker runs it every minute: it keeps taking batches
 * while parcels are due, within its time, and each batch keeps to the limits per carrier.
 */

/** The carrier simulator, watched: which numbers each poll asks about; it can be made slow or down. */
class WatchedSimulator implements TrackingProvider {
  readonly name = 'simulator';
  readonly batches: TrackedNumber[][] = [];
  /** How far the clock moves during each fetch, as a slow provider would take. */
  secondsPerFetch = 0;
  down = false;
  /** Runs while a fetch is under way, before it answers. */
  duringFetch: () => Promise<void> = async () => {};
  readonly #clock: ManualClock;
  readonly #simulator: TrackingSimulator;

  constructor(clock: ManualClock) {
    this.#clock = clock;
    this.#simulator = new TrackingSimulator({ now: () => clock.now() });
  }

  register(numbers: readonly TrackedNumber[]) {
    return this.#simulator.register(numbers);
  }

  async fetch(numbers: readonly TrackedNumber[]) {
    this.batches.push([...numbers]);
    this.#clock.advance({ seconds: this.secondsPerFetch });
    await this.duringFetch();
    if (this.down) throw new Error('the provider is down');
    return this.#simulator.fetch(numbers);
  }

  readWebhook(rawBody: Buffer, headers: WebhookHeaders) {
    return this.#simulator.readWebhook(rawBody, headers);
  }
}

describe('the tracking.poll job', () => {
  let app: TestApp;
  let provider: WatchedSimulator;

  beforeAll(async () => {
    app = await startTestApp({ now: '2026-11-25T02:00:00Z', trackingProvider: (clock) => (provider = new WatchedSimulator(clock)) });
  });

  afterAll(async () => {
    await app.close();
  });

  beforeEach(async () => {
    // Each test starts from its own parcels: the ones before are no longer followed.
    await app.platform.db.execute(sql`UPDATE tracked_parcels SET next_check_at = NULL, stopped_at = ${app.clock.now()} WHERE stopped_at IS NULL`);
    provider.batches.length = 0;
    provider.secondsPerFetch = 0;
    provider.down = false;
    provider.duringFetch = async () => {};
  });

  /** Follows `count` parcels of each carrier, all due at once. */
  const follow = (prefix: string, perCarrier: Record<string, number>) =>
    inTransaction(app.platform.db, async (tx) => {
      for (const [carrierCode, count] of Object.entries(perCarrier)) {
        for (let i = 0; i < count; i++) {
          const serial = `${prefix}${carrierCode}${i}`.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
          await app.modules.tracking.service.follow(tx, { sellerId: 'sel_poll_job', shipmentId: `shp_${serial}`, carrierCode, trackingNumber: serial });
        }
      }
    });

  /** Runs the job once, as the worker would, and answers how it ended. */
  const runJobOnce = async () => {
    const id = await app.platform.jobs.enqueue(app.platform.db, TRACKING_POLL_JOB, {});
    expect(await app.platform.jobs.runDue(1)).toBe(1);
    const [job] = await queryRows<{ status: string }>(app.platform.db, sql`SELECT status FROM jobs WHERE id = ${id}`);
    return job?.status;
  };

  const parcels = async () =>
    (
      await queryRows<{ checked: number; due: number; failed: number }>(
        app.platform.db,
        sql`SELECT count(*) FILTER (WHERE last_checked_at IS NOT NULL)::int AS checked,
                   count(*) FILTER (WHERE next_check_at <= ${app.clock.now()})::int AS due,
                   count(*) FILTER (WHERE failures > 0)::int AS failed
            FROM tracked_parcels WHERE stopped_at IS NULL`,
      )
    )[0];

  /** The most numbers of one carrier in a batch. */
  const mostOfOneCarrier = (batch: readonly TrackedNumber[]) => {
    const counts = new Map<string, number>();
    for (const number of batch) counts.set(number.carrierCode, (counts.get(number.carrierCode) ?? 0) + 1);
    return Math.max(...counts.values());
  };

  it('checks every due parcel in one run, 40 a batch and at most 20 of one carrier', async () => {
    await follow('drain', { ups: 60, 'dhl-express': 40 });
    expect(await parcels()).toEqual({ checked: 0, due: 100, failed: 0 });

    expect(await runJobOnce()).toBe('succeeded');
    expect(await parcels()).toEqual({ checked: 100, due: 0, failed: 0 });
    expect(provider.batches.map((batch) => batch.length)).toEqual([40, 40, 20]);
    expect(provider.batches.map(mostOfOneCarrier)).toEqual([20, 20, 20]);
  });

  it('ends a run after 50 seconds and leaves the rest to the next minute’s run', async () => {
    await follow('budget', { ups: 40, 'dhl-express': 40, fedex: 40, usps: 40, cainiao: 40 });
    provider.secondsPerFetch = 20;

    // Batches start at 0, 20 and 40 seconds; at 60 the run is over.
    expect(await runJobOnce()).toBe('succeeded');
    expect(await parcels()).toEqual({ checked: 120, due: 80, failed: 0 });

    expect(await runJobOnce()).toBe('succeeded');
    expect(await parcels()).toEqual({ checked: 200, due: 0, failed: 0 });
  });

  it('ends a run at the first failed batch, so a provider that is down is asked once a minute', async () => {
    await follow('outage', { ups: 50, 'dhl-express': 50 });
    provider.down = true;

    expect(await runJobOnce()).toBe('succeeded');
    expect(provider.batches).toHaveLength(1);
    // The failed batch backs off (five minutes after a first failure); the others wait for the next run.
    expect(await parcels()).toEqual({ checked: 0, due: 60, failed: 40 });
    app.clock.advance({ minutes: 5 });
    provider.down = false;
    expect(await runJobOnce()).toBe('succeeded');
    expect(await parcels()).toEqual({ checked: 100, due: 0, failed: 0 });
  });

  it('leaves a label cancelled while its parcel was being asked about stopped when the poll fails', async () => {
    await follow('cancelled', { ups: 2 });
    provider.down = true;
    provider.duringFetch = () => inTransaction(app.platform.db, (tx) => app.modules.tracking.service.stop(tx, 'sel_poll_job', 'shp_CANCELLEDUPS0'));

    expect(await runJobOnce()).toBe('succeeded');
    const rows = await queryRows<{ shipment: string; next: Date | null; failures: number }>(
      app.platform.db,
      sql`SELECT shipment_id AS shipment, next_check_at AS next, failures FROM tracked_parcels WHERE shipment_id LIKE 'shp_CANCELLED%' ORDER BY shipment_id`,
    );
    expect(rows.map((row) => [row.shipment, row.next === null, row.failures])).toEqual([
      ['shp_CANCELLEDUPS0', true, 0],
      ['shp_CANCELLEDUPS1', false, 1],
    ]);
  });
});

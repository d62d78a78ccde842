import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOperator, sellerWithOpenStore, signInAgain, type SellerActor } from '../../../test/support/actors.ts';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { expectProblem } from '../../../test/support/expect.ts';
import { apiClient } from '../../../test/support/http.ts';
import { inTransaction, queryRows } from '../../platform/db/index.ts';
import type { TrackingProvider } from './index.ts';
import type { RawCarrierEvent } from './status.ts';

/**
 * What the rest of the platform learns from tracking: the events of the stages it acts on, how
 * each journey ended, each seller's delivery success rate, and how fresh the news is — for
 * operators, and for a metrics scraper.
 */

/** A carrier whose answers the test writes: each number's events, as the carrier would report them. */
class ScriptedCarrier implements TrackingProvider {
  readonly name = 'scripted';
  readonly journeys = new Map<string, RawCarrierEvent[]>();

  async register() {
    return { rejected: [] };
  }

  async fetch(numbers: readonly { carrierCode: string; trackingNumber: string }[]) {
    return numbers.map((n) => ({ ...n, events: this.journeys.get(n.trackingNumber) ?? [] }));
  }

  readWebhook(): never {
    throw new Error('the scripted carrier sends no webhooks');
  }

  /** Adds an event the carrier recorded `minutesAgo` before the app's clock. */
  scan(number: string, now: Date, minutesAgo: number, event: Omit<RawCarrierEvent, 'time'>): void {
    const time = new Date(now.getTime() - minutesAgo * 60_000).toISOString();
    this.journeys.set(number, [...(this.journeys.get(number) ?? []), { ...event, time }]);
  }
}

const METRICS_TOKEN = 'scrape-token-for-tests-0123456789';
const ACCEPTED = { text: 'Accepted at the sorting centre', location: 'Shenzhen' };
const DELIVERED = { text: 'Delivered, signed by the recipient', location: 'Madrid' };
const FAILED = { text: 'Delivery attempt failed, recipient not available', location: 'Madrid' };
const LOST = { text: 'Item lost', location: 'Madrid' };
const RETURNING = { text: 'Returned to sender', location: 'Madrid' };
const RETURNED = { text: 'Return delivered to sender', location: 'Shenzhen' };

describe('tracking outcomes, delivery rates and freshness', () => {
  let app: TestApp;
  let carrier: ScriptedCarrier;
  const api = apiClient(() => app);
  let seller: SellerActor;
  let other: SellerActor;
  let support: { token: string };

  beforeAll(async () => {
    app = await startTestApp({ now: '2026-11-25T02:00:00Z', env: { METRICS_TOKEN }, trackingProvider: () => (carrier = new ScriptedCarrier()) });
    seller = await sellerWithOpenStore(app, api);
    other = await sellerWithOpenStore(app, api);
    support = await createOperator(app, api, ['support']);
  });

  afterAll(async () => {
    await app.close();
  });

  const now = () => app.clock.now();
  const follow = (sellerId: string, shipmentId: string, trackingNumber: string) =>
    inTransaction(app.platform.db, (tx) => app.modules.tracking.service.follow(tx, { sellerId, shipmentId, carrierCode: 'correos', trackingNumber }));
  const pollAll = async () => {
    while ((await app.modules.tracking.service.pollDue()).asked > 0);
    await app.settle();
  };
  const outcomes = async (sellerId: string) =>
    Object.fromEntries((await queryRows<{ shipment_id: string; outcome: string }>(app.platform.db, sql`SELECT shipment_id, outcome FROM shipment_outcomes WHERE seller_id = ${sellerId}`)).map((r) => [r.shipment_id, r.outcome]));
  const published = async (shipmentId: string) =>
    (await queryRows<{ type: string }>(app.platform.db, sql`SELECT type FROM outbox_events WHERE subject_id = ${shipmentId} AND type LIKE 'tracking.%' ORDER BY occurred_at, type`)).map((r) => r.type);

  it('closes journeys as delivered, returned, lost or expired, and tells the platform the stages it acts on', async () => {
    const journeys = ['delivered', 'failed-then-delivered', 'returned', 'lost', 'found', 'silent'];
    for (const name of journeys) await follow(seller.sellerId, `shp_${name}`, `PQ${name.toUpperCase()}`);
    await follow(other.sellerId, 'shp_other_delivered', 'PQOTHER');
    for (const name of journeys) carrier.scan(`PQ${name.toUpperCase()}`, now(), 60, ACCEPTED);
    carrier.scan('PQOTHER', now(), 60, ACCEPTED);
    await pollAll();

    app.clock.advance({ days: 2 });
    carrier.scan('PQFAILED-THEN-DELIVERED', now(), 30, FAILED);
    await pollAll();
    app.clock.advance({ days: 1 });
    carrier.scan('PQDELIVERED', now(), 10, DELIVERED);
    carrier.scan('PQFAILED-THEN-DELIVERED', now(), 5, DELIVERED);
    carrier.scan('PQRETURNED', now(), 40, RETURNING);
    carrier.scan('PQRETURNED', now(), 20, RETURNED);
    carrier.scan('PQLOST', now(), 20, LOST);
    carrier.scan('PQFOUND', now(), 20, LOST);
    carrier.scan('PQOTHER', now(), 20, DELIVERED);
    await pollAll();
    expect(await outcomes(seller.sellerId)).toEqual({ shp_delivered: 'delivered', 'shp_failed-then-delivered': 'delivered', shp_returned: 'returned', shp_lost: 'lost', shp_found: 'lost' });
    // Beside each stage change, the events fees, orders and diagnostics listen to.
    expect(await published('shp_delivered')).toEqual(['tracking.stage_reached', 'tracking.delivered', 'tracking.stage_reached']);
    expect(await published('shp_failed-then-delivered')).toEqual(['tracking.stage_reached', 'tracking.delivery_failed', 'tracking.stage_reached', 'tracking.delivered', 'tracking.stage_reached']);
    expect(await published('shp_returned')).toContain('tracking.returned');
    expect(await published('shp_lost')).toContain('tracking.exception');
    expect(await published('shp_lost')).not.toContain('tracking.delivered');

    // The silent parcel hears nothing for over thirty days: it expires. The "lost" one turns up
    // again: its journey is open once more.
    app.clock.advance({ days: 31 });
    carrier.scan('PQFOUND', now(), 15, { text: 'Item found, in transit to the delivery office', location: 'Madrid' });
    await pollAll();
    const closed = await outcomes(seller.sellerId);
    expect(closed).not.toHaveProperty('shp_found');
    expect(closed).toMatchObject({ shp_silent: 'expired', shp_lost: 'lost' });
  });

  it('gives the seller their delivery success rate over a period, and operators every seller’s, worst first', async () => {
    seller = await signInAgain(api, seller);
    support = await createOperator(app, api, ['support']);
    const mine = await api.get('/v1/seller/logistics/delivery-rate?from=2026-11-01T00:00:00Z', { token: seller.token });
    expect(mine.status, JSON.stringify(mine.body)).toBe(200);
    // Delivered 2 of 5 closed (returned, lost, expired count against it); the re-opened parcel does not count.
    expect(mine.body).toMatchObject({ seller_id: seller.sellerId, closed: 5, delivered: 2, returned: 1, lost: 1, expired: 1, rate: 0.4 });

    // A period before anything closed has no rate rather than a failing one.
    const early = await api.get('/v1/seller/logistics/delivery-rate?from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:00Z', { token: seller.token });
    expect(early.body).toMatchObject({ closed: 0, rate: null });
    expectProblem(await api.get('/v1/seller/logistics/delivery-rate?from=2026-11-01T00:00:00Z&to=2026-10-01T00:00:00Z', { token: seller.token }), 400, 'invalid_period');

    // By default the last 30 days: the journeys above closed a month ago, except the expiry.
    expect((await api.get('/v1/seller/logistics/delivery-rate', { token: seller.token })).body).toMatchObject({ closed: 1, expired: 1, rate: 0 });

    const all = await api.get('/v1/ops/tracking/delivery-rates?from=2026-11-01T00:00:00Z', { token: support.token });
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    const ours = (all.body.data as { seller_id: string; rate: number }[]).filter((r) => [seller.sellerId, other.sellerId].includes(r.seller_id));
    expect(ours).toEqual([expect.objectContaining({ seller_id: seller.sellerId, rate: 0.4 }), expect.objectContaining({ seller_id: other.sellerId, closed: 1, rate: 1 })]);
    const busy = await api.get('/v1/ops/tracking/delivery-rates?from=2026-11-01T00:00:00Z&min_closed=2', { token: support.token });
    expect((busy.body.data as { seller_id: string }[]).map((r) => r.seller_id)).not.toContain(other.sellerId);

    // The service answers fees and diagnostics the same figure.
    expect(await app.modules.tracking.service.deliveryRateOf(other.sellerId, { from: new Date('2026-11-01T00:00:00Z'), to: now() })).toMatchObject({ delivered: 1, rate: 1 });

    const reviewer = await createOperator(app, api, ['reviewer']);
    expectProblem(await api.get('/v1/ops/tracking/delivery-rates', { token: reviewer.token }), 403, 'permission_denied');
    expectProblem(await api.get('/v1/ops/tracking/delivery-rates', { token: seller.token }), 403, 'operator_account_required');
  });

  it('shows operators how fresh the news is: parcels per stage, overdue checks, how late events arrived', async () => {
    await follow(seller.sellerId, 'shp_fresh', 'PQFRESH');
    await follow(seller.sellerId, 'shp_late', 'PQLATE');
    app.clock.advance({ minutes: 45 });
    carrier.scan('PQFRESH', now(), 4, ACCEPTED);
    // Recorded by the carrier 40 minutes before we asked: outside the 15-minute promise.
    carrier.scan('PQLATE', now(), 40, ACCEPTED);
    await pollAll();
    // A parcel nobody has asked about for two hours past its due time.
    await follow(seller.sellerId, 'shp_forgotten', 'PQFORGOTTEN');
    app.clock.advance({ hours: 2 });

    support = await createOperator(app, api, ['support']);
    seller = await signInAgain(api, seller);
    const fresh = await api.get('/v1/ops/tracking/freshness?window_hours=24', { token: support.token });
    expect(fresh.status, JSON.stringify(fresh.body)).toBe(200);
    // Within the day: these two, and the parcel found again 15 minutes after the carrier's scan.
    expect(fresh.body).toMatchObject({ target_minutes: 15, window_hours: 24, arrivals: { parcels: 3, within_target: 2 } });
    expect(fresh.body.arrivals.lag_minutes.max).toBe(40);
    const stages = Object.fromEntries((fresh.body.stages as { stage: string; active: number; overdue_checks: number }[]).map((s) => [s.stage, s]));
    // The found parcel and the two new ones are in transit; the forgotten one is pending and overdue.
    expect(stages.in_transit).toMatchObject({ active: 3 });
    expect(stages.pending).toMatchObject({ active: 1, overdue_checks: 1, longest_unasked_minutes: 120 });
    expect((fresh.body.most_overdue as { shipment_id: string }[]).map((p) => p.shipment_id)).toContain('shp_forgotten');

    expectProblem(await api.get('/v1/ops/tracking/freshness', { token: seller.token }), 403, 'operator_account_required');
  });

  it('serves the same measures to a metrics scraper holding the token, and nobody else', async () => {
    const anonymous = await app.http.inject({ method: 'GET', url: '/metrics' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['content-type']).toMatch(/application\/problem\+json/);
    const wrong = await app.http.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN.replace('0', 'x')}` } });
    expect(wrong.statusCode).toBe(401);

    const scraped = await app.http.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(scraped.statusCode).toBe(200);
    expect(scraped.headers['content-type']).toMatch(/^text\/plain/);
    const text = scraped.body;
    expect(text).toMatch(/^caravan_tracking_active_parcels\{stage="in_transit"\} 3$/m);
    expect(text).toMatch(/^caravan_tracking_overdue_checks\{stage="pending"\} 1$/m);
    // Events new to us, and how late they came: one of the two last polled came after 40 minutes.
    expect(Number(/^caravan_tracking_events_ingested_total\{provider="scripted"\} (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(16);
    const bucket = (le: string) => Number(new RegExp(`^caravan_tracking_event_lag_seconds_bucket\\{le="${le}",provider="scripted"\\} (\\d+)$`, 'm').exec(text)?.[1]);
    expect(bucket('\\+Inf') - bucket('900')).toBeGreaterThanOrEqual(1);
    expect(text).toContain('process_cpu_seconds_total');
  });
});

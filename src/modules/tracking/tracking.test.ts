import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sellerWithOpenStore, signInAgain, type SellerActor } from '../../../test/support/actors.ts';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { expectProblem } from '../../../test/support/expect.ts';
import { shipmentToMadrid } from '../../../test/support/fixtures.ts';
import { apiClient } from '../../../test/support/http.ts';
import { inTransaction, queryRows } from '../../platform/db/index.ts';
import { TrackingSimulator } from './index.ts';

/**
 * A parcel's journey end to end: a label is bought, the carrier simulator moves the parcel day by
 * day, polling and signed webhooks bring the events, the seller and the buyer read the timeline,
 * and the shipment can no longer be cancelled once the carrier has it.
 */

const parcel = shipmentToMadrid({ order_ref: 'ORD-TRACK-1' });

describe('tracking', () => {
  let app: TestApp;
  let simulator: TrackingSimulator;
  const api = apiClient(() => app);
  let seller: SellerActor;
  let rival: SellerActor;

  beforeAll(async () => {
    // The carrier simulator, with a webhook secret the test knows so it can send deliveries.
    app = await startTestApp({ now: '2026-11-25T02:00:00Z', trackingProvider: (clock) => (simulator = new TrackingSimulator({ now: () => clock.now(), webhookSecret: 'simulator test secret' })) });
    seller = await sellerWithOpenStore(app, api);
    rival = await sellerWithOpenStore(app, api);
  });

  afterAll(async () => {
    await app.close();
  });

  const tracking = async (shipmentId: string) => {
    seller = await signInAgain(api, seller);
    return api.get(`/v1/seller/shipments/${shipmentId}/tracking`, { token: seller.token });
  };
  const toldStages = async (shipmentId: string) =>
    (await queryRows<{ stages: string[] }>(app.platform.db, sql`SELECT notified_stages AS stages FROM tracked_parcels WHERE shipment_id = ${shipmentId}`))[0]?.stages ?? [];

  it('follows a label from the start, polls as the parcel moves, and tells each stage once', async () => {
    const created = await api.post('/v1/seller/shipments', parcel, { token: seller.token });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const before = await tracking(created.body.id);
    expect(before.body).toMatchObject({ status: 'pending', tracking_number: created.body.tracking_number, timeline: [] });

    // Day by day for seven weeks: every parcel of the simulator is delivered or returned by then.
    for (let day = 0; day < 50; day++) {
      app.clock.advance({ days: 1 });
      await app.modules.tracking.service.pollDue();
      await app.settle();
    }
    const after = await tracking(created.body.id);
    expect(['delivered', 'returned']).toContain(after.body.status);
    const timeline = after.body.timeline as { occurred_at: string; stage: string; starts_stage: boolean; text: string | null }[];
    expect(timeline.length).toBeGreaterThan(4);
    // Newest first, in the carrier's time order; every event's raw text kept, milestones marked.
    expect(timeline.map((e) => e.occurred_at)).toEqual([...timeline.map((e) => e.occurred_at)].sort().reverse());
    expect(timeline.every((e) => e.text?.startsWith('[Simulation]'))).toBe(true);
    const stages = timeline.filter((e) => e.starts_stage).map((e) => e.stage).reverse();
    expect(stages).toContain('customs');
    // Each stage is announced once at most: the stages told are recorded, without repeats.
    const told = await toldStages(created.body.id);
    expect(new Set(told).size).toBe(told.length);
    expect(told).toContain(after.body.status);
    expect(after.body.freshness.next_check_at).toBeNull();

    // The carrier has had the parcel for weeks: the label can no longer be cancelled.
    const shipment = await api.get(`/v1/seller/shipments/${created.body.id}`, { token: seller.token });
    expect(shipment.body.status).toBe('handed_over');
    expectProblem(await api.post(`/v1/seller/shipments/${created.body.id}/cancel`, { reason: 'Too late' }, { token: seller.token }), 409, 'shipment_not_cancellable');

    // The buyer's page shows the journey without anything about the seller or the address.
    const page = await api.get(`/v1/store/tracking?number=${created.body.tracking_number}`);
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ status: after.body.status, tracking_number: created.body.tracking_number });
    expect(JSON.stringify(page.body)).not.toContain('Lucia');
  });

  it('takes signed webhook deliveries once, refuses forged ones, and works them off in the background', async () => {
    seller = await signInAgain(api, seller);
    const created = await api.post('/v1/seller/shipments', { ...parcel, order_ref: 'ORD-TRACK-2' }, { token: seller.token });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    app.clock.advance({ days: 6 });
    const { rawBody, headers } = simulator.webhookFor({ carrierCode: created.body.carrier_code, trackingNumber: created.body.tracking_number, registeredAt: created.body.created_at });
    const send = (body: Buffer, extra: Record<string, string> = {}) =>
      app.http.inject({ method: 'POST', url: '/v1/webhooks/tracking/simulator', payload: body, headers: { 'content-type': 'application/json', ...headers, ...extra } });

    // One character changed after signing.
    const forged = await send(Buffer.from(rawBody.toString('utf8').replace('"simulator":true', '"simulator":false')));
    expect(forged.statusCode).toBe(401);
    expect(forged.headers['content-type']).toMatch(/application\/problem\+json/);

    const first = await send(rawBody);
    expect(first.statusCode, first.body).toBe(202);
    expect(first.json()).toMatchObject({ duplicate: false });
    const again = await send(rawBody);
    expect(again.json()).toMatchObject({ delivery_id: first.json().delivery_id, duplicate: true });

    await app.settle();
    const seen = await tracking(created.body.id);
    expect(seen.body.timeline.length).toBeGreaterThan(0);
    expect(seen.body.status).not.toBe('pending');
    expect(seen.body.freshness.last_received_at).not.toBeNull();
    // A poll right after brings nothing new: the same events are not kept twice.
    await app.modules.tracking.service.pollDue();
    expect((await tracking(created.body.id)).body.timeline).toHaveLength(seen.body.timeline.length);
  });

  it('asks about at most 20 parcels of one carrier per poll, so a backlog neither floods it nor starves the others', async () => {
    const { tracking: module } = app.modules;
    await inTransaction(app.platform.db, async (tx) => {
      for (let i = 0; i < 30; i++) await module.service.follow(tx, { sellerId: seller.sellerId, shipmentId: `shp_backlog_ups_${i}`, carrierCode: 'ups', trackingNumber: `1ZBACKLOG${String(i).padStart(9, '0')}` });
      for (let i = 0; i < 5; i++) await module.service.follow(tx, { sellerId: seller.sellerId, shipmentId: `shp_backlog_dhl_${i}`, carrierCode: 'dhl-express', trackingNumber: `BACKLOG${String(i).padStart(5, '0')}` });
    });
    const due = async () =>
      (await queryRows<{ carrier: string; n: number }>(app.platform.db, sql`SELECT carrier_code AS carrier, count(*)::int AS n FROM tracked_parcels WHERE shipment_id LIKE 'shp_backlog_%' AND next_check_at <= ${app.clock.now()} GROUP BY carrier_code ORDER BY carrier_code`)).map((r) => [r.carrier, r.n]);
    expect(await due()).toEqual([['dhl-express', 5], ['ups', 30]]);
    await module.service.pollDue();
    expect(await due()).toEqual([['ups', 10]]);
    await module.service.pollDue();
    expect(await due()).toEqual([]);
  });

  it('stops following a cancelled label, and keeps shipments to their seller', async () => {
    seller = await signInAgain(api, seller);
    const created = await api.post('/v1/seller/shipments', { ...parcel, order_ref: 'ORD-TRACK-3' }, { token: seller.token });
    await api.post(`/v1/seller/shipments/${created.body.id}/cancel`, { reason: 'Wrong address' }, { token: seller.token });
    expect((await tracking(created.body.id)).body.freshness.next_check_at).toBeNull();
    expectProblem(await api.get(`/v1/store/tracking?number=${created.body.tracking_number}`), 404, 'not_found');
    rival = await signInAgain(api, rival);
    expectProblem(await api.get(`/v1/seller/shipments/${created.body.id}/tracking`, { token: rival.token }), 404, 'not_found');
  });
});

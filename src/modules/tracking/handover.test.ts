import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOperator, sellerWithOpenStore, type SellerActor } from '../../../test/support/actors.ts';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { buyerAccount, FOSHAN, listedInBrazil, paidAndWaitingForSeller, type BuyerActor } from '../../../test/support/commerce.ts';
import { expectProblem } from '../../../test/support/expect.ts';
import { FAKE_AGGREGATOR_API_KEY, startFakeAggregator, type FakeAggregator } from '../../../test/support/fake-aggregator.ts';
import { shipmentToMadrid } from '../../../test/support/fixtures.ts';
import { apiClient } from '../../../test/support/http.ts';
import { queryRows } from '../../platform/db/index.ts';
import { platformTrackingNumber } from '../logistics/index.ts';
import { AggregatorTrackingProvider } from './providers/aggregator.ts';

/**
 * A parcel on the platform's own network, tracked through a tracking aggregator that has never
 * heard of CRV numbers: the platform leg is not sent to the aggregator, an operator records the
 * hand-over to the last-mile carrier from a partner's manifest, the aggregator reports the last
 * mile, and buyer, seller and order see one journey under either number.
 */

const HOUR = 3_600_000;
const LAST_MILE = 'NL123456785BR';

describe('hand-over from the platform’s network to a last-mile carrier, with an aggregator', () => {
  let fake: FakeAggregator;
  let app: TestApp;
  const api = apiClient(() => app);
  let seller: SellerActor & { storeId: string };
  let rival: SellerActor;
  let buyer: BuyerActor;
  const ops = {} as Record<'logistics' | 'admin' | 'support' | 'reviewer', { token: string; accountId: string }>;
  let orderId: string;
  let shipmentId: string;
  let crv: string;

  beforeAll(async () => {
    fake = await startFakeAggregator();
    app = await startTestApp({
      now: '2026-11-25T10:00:00Z',
      trackingProvider: (clock) => new AggregatorTrackingProvider({ baseUrl: fake.url, apiKey: FAKE_AGGREGATOR_API_KEY, webhookSecret: 'hand-over test secret', now: () => clock.now() }),
    });
    seller = await sellerWithOpenStore(app, api);
    rival = await sellerWithOpenStore(app, api);
    for (const role of ['logistics', 'admin', 'support', 'reviewer'] as const) ops[role] = await createOperator(app, api, [role], 'masked');
    const bulb = await listedInBrazil(api, seller);
    buyer = await buyerAccount(api);
    const placed = await paidAndWaitingForSeller(app, api, buyer, [{ skuId: bulb.skus[0]!.id, quantity: 1 }]);
    orderId = placed.checkout.order_ids[0]!;
    const shipped = await api.post(`/v1/seller/orders/${orderId}/shipments`, { sender: FOSHAN, weight_g: 400 }, { token: seller.token });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(201);
    const [parcel] = shipped.body.parcels as { shipment_id: string; carrier_code: string; tracking_number: string }[];
    expect(parcel).toMatchObject({ carrier_code: 'caravan', tracking_number: expect.stringMatching(/^CRV\d{11}$/) });
    shipmentId = parcel!.shipment_id;
    crv = parcel!.tracking_number;
  });

  afterAll(async () => {
    await app?.close();
    await fake?.close();
  });

  const handOver = (entries: object[], token = ops.logistics.token) => api.post('/v1/ops/tracking/hand-overs', { entries }, { token });
  const entry = (overrides: Record<string, unknown> = {}) => ({ tracking_number: crv, carrier_code: 'correios', last_mile_number: LAST_MILE, handed_over_at: new Date(app.clock.now().getTime() - HOUR).toISOString(), location: 'São Paulo, BR', ...overrides });
  const sellerView = async () => (await api.get(`/v1/seller/shipments/${shipmentId}/tracking`, { token: seller.token })).body;
  const numbersAskedAbout = () => fake.requests.flatMap((request) => (request.body?.items ?? []).map((item: { number: string }) => item.number));
  /** The shipment's tracked parcels and the hand-overs audited: what a refused hand-over must leave as it was. */
  const state = async () => ({
    parcels: await queryRows(app.platform.db, sql`SELECT * FROM tracked_parcels WHERE seller_id = ${seller.sellerId} ORDER BY id`),
    audited: await queryRows(app.platform.db, sql`SELECT * FROM audit_log WHERE action = 'tracking.hand_over' ORDER BY id`),
  });
  const stagesAnnounced = async () =>
    (await queryRows<{ stage: string }>(app.platform.db, sql`SELECT payload->>'stage' AS stage FROM outbox_events WHERE type = 'tracking.stage_reached' AND payload->>'shipmentId' = ${shipmentId} ORDER BY id`)).map((row) => row.stage);

  it('does not send the platform’s own number to the aggregator, nor poll it', async () => {
    app.clock.advance({ hours: 30 });
    await app.modules.tracking.service.pollDue();
    await app.settle();
    expect(numbersAskedAbout()).not.toContain(crv);
    const view = await sellerView();
    expect(view).toMatchObject({ tracking_number: crv, carrier_code: 'caravan', tracking_url: `/v1/store/tracking?number=${crv}`, status: 'pending', timeline: [], last_mile: null });
    expect(view.freshness.next_check_at).toBeNull();
    expect((await api.get(`/v1/store/tracking?number=${crv}`)).body).toMatchObject({ tracking_number: crv, status: 'pending', last_mile: null });
  });

  it('refuses bad manifests, wrong callers and impossible lines, and changes nothing', async () => {
    const before = await state();
    // Only operators who manage tracking record hand-overs: a seller, a reviewer and support are refused.
    expectProblem(await handOver([entry()], seller.token), 403, 'operator_account_required');
    expectProblem(await handOver([entry()], ops.reviewer.token), 403, 'permission_denied');
    expectProblem(await handOver([entry()], ops.support.token), 403, 'permission_denied');
    expectProblem(await handOver([]), 400, 'invalid_request');
    expectProblem(await handOver([{ ...entry(), handed_over_at: 'yesterday' }]), 400, 'invalid_request');

    const future = new Date(app.clock.now().getTime() + 2 * HOUR).toISOString();
    const mistyped = `${crv.slice(0, -1)}${(Number(crv.at(-1)) + 1) % 10}`;
    const lines = [
      entry({ tracking_number: platformTrackingNumber(9_999_999_999) }),
      entry({ tracking_number: mistyped }),
      entry({ last_mile_number: '12345678901234' }),
      entry({ carrier_code: 'teleport-express' }),
      entry({ carrier_code: 'caravan', last_mile_number: platformTrackingNumber(9_999_999_998) }),
      entry({ handed_over_at: future }),
      entry({ handed_over_at: '2026-11-01T00:00:00Z' }),
    ];
    const refused = await handOver(lines);
    expect(refused.status, JSON.stringify(refused.body)).toBe(200);
    expect(refused.body.results.map((r: { ok: boolean; error: { status: number; code: string; errors: { path: string; code: string }[] } }) => [r.ok, r.error.status, r.error.code, r.error.errors[0]?.path ?? null, r.error.errors[0]?.code ?? null])).toEqual([
      [false, 404, 'not_found', null, null],
      [false, 422, 'validation_failed', '/entries/1/tracking_number', 'invalid_tracking_number'],
      [false, 422, 'validation_failed', '/entries/2/last_mile_number', 'invalid_tracking_number'],
      [false, 422, 'validation_failed', '/entries/3/carrier_code', 'unknown_carrier'],
      [false, 422, 'validation_failed', '/entries/4/carrier_code', 'not_last_mile'],
      [false, 422, 'validation_failed', '/entries/5/handed_over_at', 'impossible_time'],
      [false, 422, 'validation_failed', '/entries/6/handed_over_at', 'impossible_time'],
    ]);
    // The mistyped number's message says which digit was expected; the wrong shape says what Correios numbers look like.
    expect(refused.body.results[1].error.errors[0].message).toContain(`should be ${crv.at(-1)}`);
    expect(refused.body.results[2].error.errors[0].message).toContain('is not a Correios tracking number');
    expect(await state()).toEqual(before);
    // Nor can a seller pass a platform number off as their own carrier's.
    const claimed = await api.post('/v1/seller/shipments', shipmentToMadrid({ order_ref: 'ORD-HANDOVER-CLAIM', service_code: 'own_carrier', own_carrier: { carrier_code: 'caravan', tracking_number: platformTrackingNumber(9_999_999_997) } }), { token: seller.token });
    expectProblem(claimed, 422, 'validation_failed');
    expect(claimed.body.errors[0]).toMatchObject({ path: '/own_carrier/tracking_number', code: 'invalid_tracking_number' });
    expect(await state()).toEqual(before);
    // The rival seller's parcel is not theirs to see.
    expectProblem(await api.get(`/v1/seller/shipments/${shipmentId}/tracking`, { token: rival.token }), 404, 'not_found');
  });

  it('records a hand-over: the platform leg says so and stops, the last mile is followed through the aggregator', async () => {
    const handedOverAt = entry().handed_over_at;
    const manifest = await handOver([entry({ tracking_number: platformTrackingNumber(9_999_999_999) }), entry({ tracking_number: crv.toLowerCase().replace(/^crv/, 'crv ') })]);
    expect(manifest.status).toBe(200);
    expect(manifest.body.results).toEqual([
      expect.objectContaining({ index: 0, ok: false, error: expect.objectContaining({ code: 'not_found' }) }),
      { index: 1, ok: true, tracking_number: crv, shipment_id: shipmentId, last_mile: { carrier_code: 'correios', tracking_number: LAST_MILE, tracking_url: expect.stringContaining(LAST_MILE) } },
    ]);
    await app.settle();

    const view = await sellerView();
    expect(view).toMatchObject({ tracking_number: crv, carrier_code: 'caravan', status: 'in_transit', sub_status: 'handed_over', last_mile: { carrier_code: 'correios', tracking_number: LAST_MILE } });
    expect(view.timeline).toEqual([expect.objectContaining({ carrier: 'caravan', occurred_at: handedOverAt, stage: 'in_transit', sub_status: 'handed_over', text: `Handed over to Correios, tracking number ${LAST_MILE}`, location: 'São Paulo, BR' })]);
    // The parcel left the seller's hands: the shipment can no longer be cancelled.
    expect((await api.get(`/v1/seller/shipments/${shipmentId}`, { token: seller.token })).body.status).toBe('handed_over');
    expect(await stagesAnnounced()).toEqual(['in_transit']);

    const [platformLeg, lastMile] = await queryRows<{ id: string; carrier_code: string; provider: string; next_check_at: Date | null; continues_id: string | null; notified_stages: string[]; shipment_id: string }>(
      app.platform.db,
      sql`SELECT id, carrier_code, provider, next_check_at, continues_id, notified_stages, shipment_id FROM tracked_parcels WHERE shipment_id = ${shipmentId} ORDER BY registered_at, id`,
    );
    expect(platformLeg).toMatchObject({ carrier_code: 'caravan', provider: 'platform', next_check_at: null });
    expect(lastMile).toMatchObject({ carrier_code: 'correios', provider: 'aggregator', continues_id: platformLeg!.id, notified_stages: ['in_transit'], shipment_id: shipmentId });

    const [audited] = (await state()).audited as { actor_id: string; subject_id: string; from_state: unknown; to_state: unknown }[];
    expect(audited).toMatchObject({ actor_id: ops.logistics.accountId, subject_id: shipmentId, from_state: { carrierCode: 'caravan', trackingNumber: crv }, to_state: { carrierCode: 'correios', trackingNumber: LAST_MILE, handedOverAt } });

    // Recorded once: the same parcel again, or another platform parcel under the same last-mile number, is refused.
    const before = await state();
    const again = await handOver([entry({ last_mile_number: 'NL123456799BR' })]);
    expect(again.body.results[0]).toMatchObject({ ok: false, error: { status: 409, code: 'already_handed_over' } });
    const other = await api.post('/v1/seller/shipments', shipmentToMadrid({ order_ref: 'ORD-HANDOVER-2' }), { token: seller.token });
    expect(other.status, JSON.stringify(other.body)).toBe(201);
    const beforeOther = await state();
    const sameNumber = await handOver([entry({ tracking_number: other.body.tracking_number, handed_over_at: new Date(app.clock.now().getTime()).toISOString() })]);
    expect(sameNumber.body.results[0]).toMatchObject({ ok: false, error: { status: 409, code: 'tracking_number_in_use', errors: [{ path: '/entries/0/last_mile_number', code: 'in_use' }] } });
    expect(await state()).toEqual(beforeOther);
    expect(before.audited).toEqual(beforeOther.audited);

    // The next poll registers the last-mile number with the aggregator; the platform's number never goes there.
    await app.modules.tracking.service.pollDue();
    expect(fake.registered).toEqual(new Set([`correios|${LAST_MILE}`]));
    expect(numbersAskedAbout()).not.toContain(crv);
  });

  it('merges the last mile’s events into the journey, tells each stage once, and delivery reaches the order', async () => {
    const at = (hoursAfterNow: number) => new Date(app.clock.now().getTime() + hoursAfterNow * HOUR).toISOString();
    fake.events.set(`correios|${LAST_MILE}`, [{ id: 'c1', status_code: 'EMA', description: 'Objeto postado', location: 'São Paulo, BR', occurred_at: at(1) }]);
    app.clock.advance({ hours: 4 });
    await app.modules.tracking.service.pollDue();
    await app.settle();
    // The last mile's acceptance is in transit again: the buyer already heard of that stage.
    expect(await stagesAnnounced()).toEqual(['in_transit']);
    expect((await sellerView()).timeline.map((e: { carrier: string }) => e.carrier)).toEqual(['correios', 'caravan']);

    fake.events.set(`correios|${LAST_MILE}`, [
      { id: 'c1', status_code: 'EMA', description: 'Objeto postado', location: 'São Paulo, BR', occurred_at: at(-3) },
      { id: 'c2', status_code: 'EDG', description: 'Objeto saiu para entrega ao destinatário', location: 'São Paulo, BR', occurred_at: at(14) },
      { id: 'c3', status_code: 'EMI', description: 'Objeto entregue ao destinatário', location: 'São Paulo, BR', occurred_at: at(18) },
    ]);
    app.clock.advance({ hours: 20 });
    await app.modules.tracking.service.pollDue();
    await app.settle();
    expect(await stagesAnnounced()).toEqual(['in_transit', 'delivered']);

    const view = await sellerView();
    expect(view).toMatchObject({ tracking_number: crv, status: 'delivered', last_mile: { carrier_code: 'correios', tracking_number: LAST_MILE } });
    expect(view.freshness.next_check_at).toBeNull();
    const timeline = view.timeline as { occurred_at: string; carrier: string; stage: string }[];
    expect(timeline.map((e) => [e.carrier, e.stage])).toEqual([
      ['correios', 'delivered'],
      ['correios', 'out_for_delivery'],
      ['correios', 'in_transit'],
      ['caravan', 'in_transit'],
    ]);
    expect(timeline.map((e) => e.occurred_at)).toEqual([...timeline.map((e) => e.occurred_at)].sort().reverse());

    // The buyer finds the same journey under either number, each shown as asked, with the last mile named.
    const byPlatform = (await api.get(`/v1/store/tracking?number=${crv}`)).body;
    const byLastMile = (await api.get(`/v1/store/tracking?number=${LAST_MILE.toLowerCase()}`)).body;
    expect(byPlatform).toMatchObject({ carrier_code: 'caravan', tracking_number: crv, status: 'delivered', last_mile: { carrier_code: 'correios', tracking_number: LAST_MILE } });
    expect(byLastMile).toMatchObject({ carrier_code: 'correios', tracking_number: LAST_MILE, status: 'delivered', last_mile: { carrier_code: 'correios', tracking_number: LAST_MILE } });
    expect(byLastMile.timeline).toEqual(byPlatform.timeline);
    expect(byPlatform.timeline).toEqual(view.timeline);

    // Delivery reached the order: the parcel is delivered and the buyer sees the whole journey there too.
    const order = await api.get(`/v1/store/orders/${orderId}`, { token: buyer.token });
    expect(order.body.parcels[0].delivered_at).toBe(timeline[0]!.occurred_at);
    expect(order.body.tracking[0]).toMatchObject({ tracking_number: crv, status: 'delivered', last_mile: { carrier_code: 'correios', tracking_number: LAST_MILE } });
    expect(order.body.tracking[0].timeline).toHaveLength(4);
    // The same journey, in the same shape, as the buyer's lookup by the platform number.
    expect(order.body.tracking[0].timeline).toEqual(byPlatform.timeline);
  });

  it('shows an operator whose parcel it is; support may look, a reviewer may not', async () => {
    const seen = await api.get(`/v1/ops/tracking/parcels?number=${LAST_MILE}`, { token: ops.support.token });
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ seller_id: seller.sellerId, shipment_id: shipmentId, stopped: false, tracking_number: LAST_MILE, status: 'delivered', last_mile: { tracking_number: LAST_MILE } });
    expectProblem(await api.get(`/v1/ops/tracking/parcels?number=${crv}`, { token: ops.reviewer.token }), 403, 'permission_denied');
    expectProblem(await api.get(`/v1/ops/tracking/parcels?number=${crv}`, { token: seller.token }), 403, 'operator_account_required');
    expectProblem(await api.get(`/v1/ops/tracking/parcels?number=${platformTrackingNumber(9_999_999_999)}`, { token: ops.admin.token }), 404, 'not_found');
  });
});

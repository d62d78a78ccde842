import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { addStaff, createOperator, sellerWithOpenStore, type SellerActor } from '../../../test/support/actors.ts';
import { useTestApp } from '../../../test/support/app.ts';
import { expectProblem } from '../../../test/support/expect.ts';
import { shipmentToMadrid } from '../../../test/support/fixtures.ts';
import { apiClient } from '../../../test/support/http.ts';
import { queryRows } from '../../platform/db/index.ts';
import { FREIGHT_TEMPLATE_EVENTS, LOGISTICS_DATA_EVENTS } from './index.ts';

/**
 * The logistics hub through HTTP: quotes for a parcel from China to Spain, then a label bought,
 * printed, cancelled and bought again — and nobody else's seller can touch it.
 */

const bulbs = { description: 'LED bulb 9 W E27', weight_g: 60, dimensions_mm: { length: 120, width: 65, height: 65 }, value: { amount: 1290, currency: 'CNY' }, hs_code: '853952', quantity: 4 };

const parcelToMadrid = {
  origin_country: 'CN',
  destination: { country: 'ES', postal_code: '28013' },
  items: [bulbs],
  package: { length_mm: 250, width_mm: 150, height_mm: 140 },
  date: '2026-11-25',
};

const recipient = shipmentToMadrid().recipient;

const sum = (lines: { amount: { amount: number } }[]) => lines.reduce((total, line) => total + line.amount.amount, 0);

describe('logistics hub', () => {
  const app = useTestApp({ now: '2026-11-25T02:00:00Z' });
  const api = apiClient(app);
  let seller: SellerActor;

  beforeAll(async () => {
    seller = await sellerWithOpenStore(app(), api);
  });

  it('quotes every service that can carry a parcel to Madrid, itemised, and says why the others cannot', async () => {
    const response = await api.post('/v1/seller/logistics/quotes', parcelToMadrid, { token: seller.token });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const { quotes, excluded } = response.body;
    const codes = quotes.map((q: { service_code: string }) => q.service_code);
    expect(codes).toEqual(expect.arrayContaining(['caravan_standard', 'line_cn_es_fr', 'express_integrator']));
    expect(quotes.filter((q: { recommended: boolean }) => q.recommended).map((q: { service_code: string }) => q.service_code)).toEqual(['caravan_standard']);
    for (const quote of quotes) {
      // No hidden fees: the total is the sum of the lines, in the quote's currency.
      expect(quote.total.amount).toBe(sum(quote.lines));
      expect(quote.lines.every((line: { amount: { currency: string } }) => line.amount.currency === quote.currency)).toBe(true);
      expect(quote.rate_sheet.id).toBeTruthy();
      expect(quote.delivery_days.min).toBeLessThanOrEqual(quote.delivery_days.max);
    }
    expect(quotes.map((q: { rank: number }) => q.rank)).toEqual(quotes.map((_: unknown, i: number) => i + 1));
    // A parcel to Spain under €150 pays Spanish VAT at checkout (IOSS) when the service prepays it.
    const ddp = quotes.find((q: { customs: string }) => q.customs === 'DDP');
    expect(ddp).toBeDefined();
    expect(ddp.lines.some((line: { kind: string; code: string }) => line.kind === 'tax' && line.code === 'vat_at_sale')).toBe(true);
    // Warehouse services need stock in that country; lines to other countries do not serve Spain.
    expect(excluded.find((e: { service_code: string }) => e.service_code === 'wh_es_local').reasons.map((r: { code: string }) => r.code)).toContain('no_warehouse_stock');
    expect(excluded.find((e: { service_code: string }) => e.service_code === 'line_cn_br').reasons.map((r: { code: string }) => r.code)).toContain('destination_not_served');
  });

  it('quotes the same for a buyer on the store, without signing in', async () => {
    const store = await api.post('/v1/store/shipping-quotes', parcelToMadrid);
    const seller_ = await api.post('/v1/seller/logistics/quotes', parcelToMadrid, { token: seller.token });
    expect(store.status).toBe(200);
    expect(store.body).toEqual(seller_.body);
  });

  it('refuses a parcel it cannot measure, with the field at fault', async () => {
    const { dimensions_mm: _dims, ...noSize } = bulbs;
    const response = await api.post('/v1/seller/logistics/quotes', { ...parcelToMadrid, package: undefined, items: [noSize] }, { token: seller.token });
    expectProblem(response, 422, 'validation_failed');
    expect(response.body.errors[0].path).toMatch(/^\/items\/0\/dimensions/);
  });

  it('buys a label: platform tracking number, charges as quoted, a 4×6 PDF; cancels it once, and only once', async () => {
    const created = await api.post('/v1/seller/shipments', shipmentToMadrid(), { token: seller.token });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ status: 'label_created', carrier_code: 'caravan', service_code: 'caravan_standard', order_ref: 'ORD-2026-0001' });
    expect(created.body.tracking_number).toMatch(/^CRV\d{11}$/);
    expect(created.body.charges.total.amount).toBe(sum(created.body.charges.lines));

    const label = await api.get(created.body.label_url, { token: seller.token });
    expect(label.status).toBe(200);
    expect(label.headers['content-type']).toBe('application/pdf');
    expect(String(label.body).startsWith('%PDF')).toBe(true);

    const cancelled = await api.post(`/v1/seller/shipments/${created.body.id}/cancel`, { reason: 'Buyer changed the address' }, { token: seller.token });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', cancel_reason: 'Buyer changed the address', label_url: null });
    expectProblem(await api.post(`/v1/seller/shipments/${created.body.id}/cancel`, { reason: 'Again' }, { token: seller.token }), 409, 'shipment_not_cancellable');
    expectProblem(await api.get(`/v1/seller/shipments/${created.body.id}/label`, { token: seller.token }), 409, 'shipment_cancelled');
  });

  it('re-labels with another service: the old label is cancelled and the new one says what it replaces', async () => {
    const first = await api.post('/v1/seller/shipments', shipmentToMadrid({ order_ref: 'ORD-2026-0002' }), { token: seller.token });
    const second = await api.post(`/v1/seller/shipments/${first.body.id}/relabel`, { service_code: 'line_cn_es_fr', reason: 'Cheaper line for a small parcel' }, { token: seller.token });
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    expect(second.body).toMatchObject({ service_code: 'line_cn_es_fr', replaces: first.body.id, order_ref: 'ORD-2026-0002', status: 'label_created' });
    expect(second.body.tracking_number).not.toBe(first.body.tracking_number);
    expect((await api.get(`/v1/seller/shipments/${first.body.id}`, { token: seller.token })).body.status).toBe('cancelled');
    const listed = await api.get('/v1/seller/shipments?order_ref=ORD-2026-0002', { token: seller.token });
    expect(listed.body.data.map((s: { id: string; status: string }) => [s.id, s.status])).toEqual([
      [second.body.id, 'label_created'],
      [first.body.id, 'cancelled'],
    ]);
  });

  it('refuses a service that cannot carry the parcel, saying why, and buys nothing', async () => {
    // The Spain/France line takes at most 2 kg.
    const response = await api.post('/v1/seller/shipments', shipmentToMadrid({ order_ref: 'ORD-HEAVY', service_code: 'line_cn_es_fr', weight_g: 2600, items: [{ ...shipmentToMadrid().items[0], quantity: 10, net_weight_g: 2400 }] }), { token: seller.token });
    expectProblem(response, 422, 'validation_failed');
    expect(response.body.errors.map((e: { code: string }) => e.code)).toContain('too_heavy');
    expect((await api.get('/v1/seller/shipments?order_ref=ORD-HEAVY', { token: seller.token })).body.data).toEqual([]);
  });

  it('refuses a label whose recipient is not written in Latin script, naming the field', async () => {
    const response = await api.post('/v1/seller/shipments', shipmentToMadrid({ order_ref: 'ORD-CYRILLIC', recipient: { ...recipient, name: 'Анна Иванова' } }), { token: seller.token });
    expectProblem(response, 422, 'validation_failed');
    expect(response.body.errors.map((e: { path: string }) => e.path)).toContain('/recipient/name');
  });

  it('ships with the seller’s own carrier only under a number that carrier can have issued', async () => {
    const own = (trackingNumber: string, orderRef: string) => shipmentToMadrid({ order_ref: orderRef, service_code: 'own_carrier', own_carrier: { carrier_code: 'ups', tracking_number: trackingNumber } });
    // UPS's published example; the last digit is its check digit.
    const accepted = await api.post('/v1/seller/shipments', own('1Z 999 AA1 01234 5678 4', 'ORD-OWN-1'), { token: seller.token });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(201);
    expect(accepted.body).toMatchObject({ carrier_code: 'ups', tracking_number: '1Z999AA10123456784', charges: null });
    const mistyped = await api.post('/v1/seller/shipments', own('1Z999AA10123456785', 'ORD-OWN-2'), { token: seller.token });
    expectProblem(mistyped, 422, 'validation_failed');
    expect(mistyped.body.errors).toEqual([expect.objectContaining({ path: '/own_carrier/tracking_number', code: 'invalid_tracking_number' })]);
    // The same number cannot be on two live parcels.
    expectProblem(await api.post('/v1/seller/shipments', own('1Z999AA10123456784', 'ORD-OWN-3'), { token: seller.token }), 409, 'tracking_number_in_use');
  });

  it('names the carriers a tracking number can belong to, check digit first', async () => {
    const detected = await api.get('/v1/seller/carriers/detect?number=RR123456785CN', { token: seller.token });
    expect(detected.status).toBe(200);
    expect(detected.body.candidates[0]).toMatchObject({ carrier: { code: 'china-post' }, check_digit: 'verified' });
    expect(detected.body.candidates[0].tracking_url).toContain('RR123456785CN');
    const carriers = await api.get('/v1/seller/carriers', { token: seller.token });
    expect(carriers.body.data.length).toBeGreaterThanOrEqual(137);
  });

  describe('freight templates', () => {
    const europe = {
      name: 'Europe',
      handling_days: 3,
      rules: [
        // Free on the line from ¥50.00 of goods; standard shipping charged.
        { destinations: ['ES', 'FR'], services: ['line_cn_es_fr', 'caravan_standard'], free_shipping: { kind: 'over', threshold: { amount: 5000, currency: 'CNY' }, service: 'line_cn_es_fr' } },
      ],
    };

    it('offers the buyer the seller’s services in the seller’s order, free above the threshold, handling time included', async () => {
      const template = await api.post('/v1/seller/freight-templates', europe, { token: seller.token });
      expect(template.status, JSON.stringify(template.body)).toBe(201);
      expect(template.body).toMatchObject({ name: 'Europe', is_default: true, handling_days: 3, version: 1 });

      const quoted = await api.post('/v1/seller/logistics/quotes', { ...parcelToMadrid, template_id: template.body.id }, { token: seller.token });
      expect(quoted.status, JSON.stringify(quoted.body)).toBe(200);
      const byCode = new Map(quoted.body.quotes.map((q: { service_code: string }) => [q.service_code, q]));
      const [line, standard] = quoted.body.template_offers.offers;
      // Four bulbs at ¥12.90 are ¥51.60: over the ¥50.00 threshold.
      expect(line).toMatchObject({ service_code: 'line_cn_es_fr', free: true, buyer_pays: { amount: 0, currency: 'CNY' } });
      expect(standard).toMatchObject({ service_code: 'caravan_standard', free: false, buyer_pays: (byCode.get('caravan_standard') as { total: unknown }).total });
      const window = (byCode.get('line_cn_es_fr') as { delivery_days: { min: number; max: number } }).delivery_days;
      expect(line.delivery_days).toEqual({ min: window.min + 3, max: window.max + 3 });

      // Three bulbs are ¥38.70: under the threshold, the line is charged.
      const cheaper = await api.post('/v1/seller/logistics/quotes', { ...parcelToMadrid, items: [{ ...bulbs, quantity: 3 }], template_id: template.body.id }, { token: seller.token });
      expect(cheaper.body.template_offers.offers[0]).toMatchObject({ service_code: 'line_cn_es_fr', free: false });

      // Nothing is offered where the template does not ship.
      const toUs = await api.post('/v1/seller/logistics/quotes', { ...parcelToMadrid, destination: { country: 'US', postal_code: '10001' }, template_id: template.body.id }, { token: seller.token });
      expect(toUs.body.template_offers).toEqual({ ships: false, reason: 'The seller does not ship to US.' });
    });

    it('refuses rules naming unknown services or free shipping on a service not offered, and duplicate names', async () => {
      const bad = await api.post('/v1/seller/freight-templates', { ...europe, name: 'Broken', rules: [{ destinations: ['ES'], services: ['teleport'], free_shipping: { kind: 'always', service: 'caravan_standard' } }] }, { token: seller.token });
      expectProblem(bad, 422, 'validation_failed');
      expect(bad.body.errors.map((e: { path: string; code: string }) => [e.path, e.code])).toEqual([
        ['/rules/0/services/0', 'unknown_service'],
        ['/rules/0/free_shipping/service', 'service_not_offered'],
      ]);
      expectProblem(await api.post('/v1/seller/freight-templates', europe, { token: seller.token }), 409, 'template_name_taken');
    });

    it('keeps one default, and keeps templates to their seller', async () => {
      const second = await api.post('/v1/seller/freight-templates', { ...europe, name: 'Europe express', is_default: true }, { token: seller.token });
      const all = await api.get('/v1/seller/freight-templates', { token: seller.token });
      expect(all.body.data.filter((t: { is_default: boolean }) => t.is_default).map((t: { id: string }) => t.id)).toEqual([second.body.id]);
      const rival = await sellerWithOpenStore(app(), api);
      expectProblem(await api.get(`/v1/seller/freight-templates/${second.body.id}`, { token: rival.token }), 404, 'not_found');
      expectProblem(await api.post('/v1/seller/logistics/quotes', { ...parcelToMadrid, template_id: second.body.id }, { token: rival.token }), 404, 'not_found');
      expect((await api.delete(`/v1/seller/freight-templates/${second.body.id}`, { token: seller.token })).status).toBe(204);
      expectProblem(await api.get(`/v1/seller/freight-templates/${second.body.id}`, { token: seller.token }), 404, 'not_found');
    });

    it('tells other modules of every change, and of every move of the default, as it commits', async () => {
      const exporter = await sellerWithOpenStore(app(), api);
      const announced = async () =>
        (await queryRows<{ type: string; payload: Record<string, unknown> }>(app().platform.db, sql`SELECT type, payload FROM outbox_events WHERE seller_id = ${exporter.sellerId} AND type LIKE 'logistics.freight_template.%' ORDER BY id`)).map(
          ({ type, payload }) => [type, payload],
        );
      const first = await api.post('/v1/seller/freight-templates', europe, { token: exporter.token });
      const second = await api.post('/v1/seller/freight-templates', { ...europe, name: 'Europe express' }, { token: exporter.token });
      const edited = await api.put(`/v1/seller/freight-templates/${second.body.id}`, { ...europe, name: 'Europe express', handling_days: 2 }, { token: exporter.token });
      const promoted = await api.put(`/v1/seller/freight-templates/${second.body.id}`, { ...europe, name: 'Europe express', is_default: true }, { token: exporter.token });
      expect([first.status, second.status, edited.status, promoted.status]).toEqual([201, 201, 200, 200]);
      expect((await api.delete(`/v1/seller/freight-templates/${second.body.id}`, { token: exporter.token })).status).toBe(204);
      // A refused change announces nothing.
      expectProblem(await api.put(`/v1/seller/freight-templates/${first.body.id}`, { ...europe, name: 'Europe express', rules: [{ ...europe.rules[0], services: ['teleport'] }] }, { token: exporter.token }), 422, 'validation_failed');

      const sellerId = exporter.sellerId;
      const [one, two] = [first.body.id, second.body.id];
      expect(await announced()).toEqual([
        [FREIGHT_TEMPLATE_EVENTS.created, { sellerId, templateId: one, isDefault: true, wasDefault: false }],
        [FREIGHT_TEMPLATE_EVENTS.defaultChanged, { sellerId, templateId: one, previousTemplateId: null }],
        [FREIGHT_TEMPLATE_EVENTS.created, { sellerId, templateId: two, isDefault: false, wasDefault: false }],
        [FREIGHT_TEMPLATE_EVENTS.changed, { sellerId, templateId: two, isDefault: false, wasDefault: false }],
        [FREIGHT_TEMPLATE_EVENTS.changed, { sellerId, templateId: two, isDefault: true, wasDefault: false }],
        [FREIGHT_TEMPLATE_EVENTS.defaultChanged, { sellerId, templateId: two, previousTemplateId: one }],
        [FREIGHT_TEMPLATE_EVENTS.deleted, { sellerId, templateId: two, isDefault: false, wasDefault: true }],
        [FREIGHT_TEMPLATE_EVENTS.defaultChanged, { sellerId, templateId: null, previousTemplateId: two }],
      ]);
    });
  });

  it('lets finance operators date a new fuel percentage: checked, versioned, audited, and quoted at once', async () => {
    const finance = await createOperator(app(), api, ['finance']);
    const before = await api.get('/v1/ops/logistics/data/surcharges', { token: finance.token });
    expect(before.status).toBe(200);
    expect(before.body.version).toBe(1);
    const fuelLine = async () => {
      const quoted = await api.post('/v1/seller/logistics/quotes', parcelToMadrid, { token: seller.token });
      return quoted.body.quotes.find((q: { service_code: string }) => q.service_code === 'caravan_standard').lines.find((l: { code: string }) => l.code === 'fuel');
    };
    const fuelBefore = await fuelLine();
    expect(fuelBefore).toBeDefined();

    // Standard shipping's fuel rises from 8 % to 12 % from 2026-11-25: the open-ended record is closed the day before.
    const definition = structuredClone(before.body.definition) as { fuel: { id: string; service: string; valid_from: string; valid_to: string | null; rate: string; applies_to: string[] }[] };
    const current = definition.fuel.find((f) => f.service === 'caravan_standard' && f.valid_to === null)!;
    current.valid_to = '2026-11-24';
    definition.fuel.push({ ...current, id: 'fuel:caravan_standard:2026-11-25', valid_from: '2026-11-25', valid_to: null, rate: '0.1200' });

    // Overlapping dates are refused, naming the record, and change nothing.
    const overlapping = structuredClone(definition);
    overlapping.fuel.at(-1)!.valid_from = '2026-11-20';
    const refused = await api.put('/v1/ops/logistics/data/surcharges', { definition: overlapping, reason: 'Fuel for late November' }, { token: finance.token });
    expectProblem(refused, 422, 'validation_failed');
    expect(refused.body.errors[0]).toMatchObject({ path: '/definition', code: 'invalid_logistics_data' });
    expect((await api.get('/v1/ops/logistics/data/surcharges', { token: finance.token })).body.version).toBe(1);

    const saved = await api.put('/v1/ops/logistics/data/surcharges', { definition, reason: 'Carrier notice: fuel 12 % from 25 November' }, { token: finance.token });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body.version).toBe(2);
    // What was priced with the files (search's shipping) learns of each version: the shipped one
    // installed at start and the operator's — not the one refused, nor a restart that changes nothing.
    await app().modules.logistics.installReferenceData();
    const announced = await queryRows<{ payload: { file: string; version: number; revision: number } }>(app().platform.db, sql`SELECT payload FROM outbox_events WHERE type = ${LOGISTICS_DATA_EVENTS.changed} AND subject_id = 'surcharges' ORDER BY id`);
    expect(announced.map((e) => e.payload)).toEqual([
      { file: 'surcharges', version: 1, revision: expect.any(Number) },
      { file: 'surcharges', version: 2, revision: expect.any(Number) },
    ]);
    expect(announced[1]!.payload.revision).toBeGreaterThan(announced[0]!.payload.revision);
    expect(saved.body.history.map((h: { version: number; reason: string }) => [h.version, h.reason])).toEqual([
      [1, expect.stringContaining('Logistics data')],
      [2, 'Carrier notice: fuel 12 % from 25 November'],
    ]);
    const fuelAfter = await fuelLine();
    // Fuel is a percentage of the base: 12/8 of what it was, give or take the rounding of each line.
    expect(Math.abs(fuelAfter.amount.amount - Math.round((fuelBefore.amount.amount * 12) / 8))).toBeLessThanOrEqual(1);
    const audit = await app().platform.audit.list(app().platform.db, { subjectType: 'logistics_data', subjectId: 'surcharges', limit: 5 });
    expect(audit.map((r) => r.reason)).toContain('Carrier notice: fuel 12 % from 25 November');

    const reviewer = await createOperator(app(), api, ['reviewer']);
    expectProblem(await api.put('/v1/ops/logistics/data/surcharges', { definition, reason: 'Not mine' }, { token: reviewer.token }), 403, 'permission_denied');
    expectProblem(await api.get('/v1/ops/logistics/data/surcharges', { token: seller.token }), 403, 'operator_account_required');
  });

  it('keeps shipments to their seller, and to staff with the orders permission', async () => {
    const created = await api.post('/v1/seller/shipments', shipmentToMadrid({ order_ref: 'ORD-2026-0003' }), { token: seller.token });
    const rival = await sellerWithOpenStore(app(), api);
    expectProblem(await api.get(`/v1/seller/shipments/${created.body.id}`, { token: rival.token }), 404, 'not_found');
    expectProblem(await api.get(`/v1/seller/shipments/${created.body.id}/label`, { token: rival.token }), 404, 'not_found');
    expectProblem(await api.post(`/v1/seller/shipments/${created.body.id}/cancel`, { reason: 'Not mine' }, { token: rival.token }), 404, 'not_found');
    expect((await api.get('/v1/seller/shipments', { token: rival.token })).body.data).toEqual([]);

    const catalogue = await addStaff(api, seller, ['products']);
    expectProblem(await api.get(`/v1/seller/shipments/${created.body.id}`, { token: catalogue.token }), 403, 'permission_denied');
    expectProblem(await api.post('/v1/seller/shipments', shipmentToMadrid({ order_ref: 'ORD-STAFF' }), { token: catalogue.token }), 403, 'permission_denied');
    const warehouse = await addStaff(api, seller, ['orders']);
    expect((await api.get(`/v1/seller/shipments/${created.body.id}`, { token: warehouse.token })).status).toBe(200);
    expect((await api.get(`/v1/seller/shipments/${created.body.id}`, { token: seller.token })).body.status).toBe('label_created');
  });
});

import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../src/platform/db/index.ts';
import { seedDemoData, type DemoCredential } from '../src/seed/demo.ts';
import { useTestApp } from './support/app.ts';
import { apiClient } from './support/http.ts';

describe('demo data', () => {
  const app = useTestApp({ now: '2026-11-24T02:00:00Z' });
  const api = apiClient(app);
  const remembered: DemoCredential[] = [];

  it('creates operators and sellers at every onboarding stage, each password handed over as it is made', async () => {
    const created = await seedDemoData(app(), (c) => remembered.push(c));
    expect(created).toHaveLength(13);
    expect(remembered).toEqual(created);

    const statuses = await queryRows<{ status: string; n: number }>(app().platform.db, sql`SELECT status, count(*)::int AS n FROM seller_applications GROUP BY status ORDER BY status`);
    expect(Object.fromEntries(statuses.map((s) => [s.status, s.n]))).toEqual({ approved: 2, draft: 1, needs_info: 1, rejected: 1, submitted: 1, under_review: 2 });
    const [stores] = await queryRows<{ brand: number; standard: number }>(
      app().platform.db,
      sql`SELECT count(*) FILTER (WHERE type = 'brand')::int AS brand, count(*) FILTER (WHERE type = 'standard')::int AS standard FROM stores`,
    );
    expect(stores).toEqual({ brand: 1, standard: 1 });

    // The printed credentials work.
    const admin = created.find((c) => c.email === 'admin@caravan.demo')!;
    const signIn = await api.post('/v1/auth/sign-in', { email: admin.email, password: admin.password });
    expect(signIn.status).toBe(200);
    const queue = await api.get('/v1/ops/seller-applications', { token: signIn.body.token });
    expect(queue.body.data).toHaveLength(3);

    // The draft shows the mistyped credit code it was seeded with.
    const garden = created.find((c) => c.email.startsWith('garden@'))!;
    const gardenToken = (await api.post('/v1/auth/sign-in', { email: garden.email, password: garden.password })).body.token;
    const profile = await api.get('/v1/seller/profile', { token: gardenToken });
    const draft = await api.get(`/v1/seller/applications/${profile.body.latest_application.id}`, { token: gardenToken });
    expect(draft.body.problems.map((p: { path: string; code: string }) => `${p.path} ${p.code}`)).toEqual(['/entity/uscc invalid_check_character']);

    // The open stores have catalogues, with the two classic mistakes of new stores.
    const listingsOf = async (email: string) => {
      const owner = created.find((c) => c.email === email)!;
      const token = (await api.post('/v1/auth/sign-in', { email: owner.email, password: owner.password })).body.token;
      const products = (await api.get('/v1/seller/products?limit=50', { token })).body.data as { seller_ref: string; listings: { market: string; status: string; findings: { rule: string }[] }[] }[];
      return Object.fromEntries(products.map((p) => [p.seller_ref, Object.fromEntries(p.listings.map((l) => [l.market, `${l.status}${l.findings.length ? ` ${[...new Set(l.findings.map((f) => f.rule))].join(',')}` : ''}`]))]));
    };
    expect(await listingsOf('lumen@sellers.caravan.demo')).toEqual({
      'LUMEN-DESK-01': { ES: 'delisted certification.required', FR: 'delisted certification.required' },
      'LUMEN-A60': { ES: 'active', FR: 'active', GB: 'active' },
    });
    const lumenOwner = created.find((c) => c.email === 'lumen@sellers.caravan.demo')!;
    const lumenToken = (await api.post('/v1/auth/sign-in', { email: lumenOwner.email, password: lumenOwner.password })).body.token;
    const parcels = (await api.get('/v1/seller/shipments', { token: lumenToken })).body.data as { order_ref: string; tracking_number: string; status: string }[];
    expect(parcels.map((p) => [p.order_ref, p.status])).toEqual([
      ['DEMO-ORDER-1002', 'label_created'],
      ['DEMO-ORDER-1001', 'label_created'],
    ]);
    expect((await api.get(`/v1/store/tracking?number=${parcels[0]!.tracking_number}`)).status).toBe(200);

    // The demo buyer paid for orders from Lumen and Xinghe in one checkout; each seller has one to ship.
    const buyer = created.find((c) => c.email === 'buyer@caravan.demo')!;
    const buyerToken = (await api.post('/v1/auth/sign-in', { email: buyer.email, password: buyer.password })).body.token;
    const orders = (await api.get('/v1/store/orders', { token: buyerToken })).body.data as { seller_id: string; status: string; currency: string; checkout_id: string }[];
    expect(orders).toHaveLength(2);
    expect(new Set(orders.map((o) => o.checkout_id)).size).toBe(1);
    for (const order of orders) {
      expect(order.currency).toBe('EUR');
      expect(order.status).toBe('RISK_CONTROL');
    }
    const toShip = (await api.get('/v1/seller/orders', { token: lumenToken })).body.data as { status: string }[];
    expect(toShip).toHaveLength(1);
    const xinghe = await listingsOf('xinghe@sellers.caravan.demo');
    expect(xinghe['XH-CASE-S24']).toEqual({ ES: 'throttled content.off_platform_diversion', FR: 'throttled content.off_platform_diversion' });
    expect(Object.values(xinghe['XH-CASE-IP15']!)).toEqual(['active', 'active', 'active', 'active', 'active']);
    expect(Object.values(xinghe['XH-TEE-BASIC']!).every((status) => status === 'active')).toBe(true);
    expect(Object.values(xinghe['XH-LEASH']!).every((status) => status === 'active')).toBe(true);

    // The listed company's approval is held for compliance.
    const sanctioned = queue.body.data.find((item: { entity_name: string }) => item.entity_name === '示例制裁贸易有限公司');
    const approve = await api.post(`/v1/ops/seller-applications/${sanctioned.id}/approve`, { reason: 'Looks fine.' }, { token: signIn.body.token });
    expect(approve.body.code).toBe('sanctions_screening_hit');
  });

  it('creates nothing twice, and completes a run that was cut short', async () => {
    expect(await seedDemoData(app(), () => undefined)).toEqual([]);
    // As if the first run had stopped before the last seller.
    await app().platform.db.execute(sql`UPDATE accounts SET email = 'renamed@sellers.caravan.demo', email_normalized = 'renamed@sellers.caravan.demo' WHERE email = 'sanctioned@sellers.caravan.demo'`);
    const completed = await seedDemoData(app(), () => undefined);
    expect(completed.map((c) => c.email)).toEqual(['sanctioned@sellers.caravan.demo']);
  });
});

import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/app.ts';
import { sellerWithOpenStore, signInAgain } from './support/actors.ts';
import { ledBulb } from './support/fixtures.ts';
import { apiClient } from './support/http.ts';

/**
 * What the platform promises about product admission, through HTTP: a listing lawful in every
 * market it is shown in, decided automatically and explained, restored by a fix.
 */
describe('product admission, end to end', () => {
  const app = useTestApp({ now: '2026-03-02T02:00:00Z' });
  const api = apiClient(app);
  const listing = (product: { listings: { market: string }[] }, market: string) => product.listings.find((l) => l.market === market) as any;

  it('delists an LED lamp without CE in ES and FR, relists it on a CE declaration, and delists it again when that expires', async () => {
    const seller = await sellerWithOpenStore(app(), api);
    const created = await api.post('/v1/seller/products', { ...ledBulb(), publish: true }, { token: seller.token });
    expect(created.status).toBe(201);
    for (const market of ['ES', 'FR']) {
      const l = listing(created.body, market);
      expect(l.status).toBe('delisted');
      expect(l.findings).toEqual([
        expect.objectContaining({ rule: 'certification.required', rule_version: 1, outcome: 'delist', market, message: expect.stringContaining('CE certificate'), fix: expect.stringContaining('CE') }),
      ]);
    }
    const productId: string = created.body.id;

    // A CE declaration for this product, valid until the end of 2026.
    const filed = await api.post(
      `/v1/seller/products/${productId}/certificates`,
      { type: 'CE', number: 'DoC-LH-A60-2026', markets: ['EU'], issuer: 'Foshan Lumen Lighting Co., Ltd.', valid_from: '2026-01-01', valid_to: '2026-12-31' },
      { token: seller.token },
    );
    expect(filed.status).toBe(201);
    await app().settle();
    const relisted = await api.get(`/v1/seller/products/${productId}`, { token: seller.token });
    expect(relisted.body.listings.map((l: { market: string; status: string }) => [l.market, l.status])).toEqual([
      ['ES', 'active'],
      ['FR', 'active'],
    ]);
    expect(listing(relisted.body, 'ES').findings).toEqual([]);

    // The last valid day passes; the hourly check delists it on the next day.
    app().clock.set('2026-12-31T23:00:00Z');
    await app().settle();
    const later = await signInAgain(api, seller);
    expect(listing((await api.get(`/v1/seller/products/${productId}`, { token: later.token })).body, 'FR').status).toBe('active');
    app().clock.set('2027-01-01T01:10:00Z');
    await app().settle();
    const lapsed = (await api.get(`/v1/seller/products/${productId}`, { token: later.token })).body;
    for (const market of ['ES', 'FR']) {
      expect(listing(lapsed, market)).toMatchObject({ status: 'delisted', findings: [expect.objectContaining({ rule: 'certification.required', evidence: expect.stringContaining('expired on 2026-12-31') })] });
    }
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../../test/support/app.ts';
import { apiClient } from '../../../test/support/http.ts';

/**
 * One parcel of three blouses from Shenzhen quoted to the six priority destinations through the
 * store's quote API, the day before and after the EU's low-value duty starts (2026-07-01, and
 * Russia's new regime the same day): every service is quoted or excluded with its reasons, every
 * quote is itemised to its total, and the duties and taxes are those of reference/tax.md.
 */

interface Line {
  kind: string;
  code: string;
  description: string;
  amount: { amount: number; currency: string };
}
interface Quote {
  service_code: string;
  customs: 'DDP' | 'DAP';
  currency: string;
  lines: Line[];
  total: { amount: number; currency: string };
  payable_on_delivery: Line[] | null;
  rate_sheet: { id: string; valid_from: string };
}
interface QuoteResult {
  quotes: Quote[];
  excluded: { service_code: string; reasons: { code: string }[] }[];
}

const blouse = (hs: string, yuan: number) => ({ description: 'Blouse', weight_g: 200, dimensions_mm: { length: 250, width: 200, height: 30 }, value: { amount: yuan * 100, currency: 'CNY' }, hs_code: hs, quantity: 1 });
// One silk blouse and two of wool: two distinct tariff subheadings (tax.md's own example).
const blouses = (yuan: number) => [blouse('620610', yuan), blouse('620620', yuan), blouse('620620', yuan)];
const BEFORE = '2026-06-30';
const AFTER = '2026-07-01';
const DESTINATIONS = {
  ES: { postal_code: '28013' },
  FR: { postal_code: '75001' },
  // Bahia: ICMS 20 % since 2025-04-01.
  BR: { postal_code: '40010-000', state: 'BA' },
  SA: { postal_code: '11564' },
  RU: { postal_code: '101000' },
  US: { postal_code: '10001' },
} as const;
type Destination = keyof typeof DESTINATIONS;
/** Services that carry this parcel there; the warehouses are excluded for want of stock. */
const CARRIED: Record<Destination, string[]> = {
  ES: ['caravan_standard', 'line_cn_es_fr', 'express_integrator'],
  FR: ['caravan_standard', 'line_cn_es_fr', 'express_integrator'],
  BR: ['caravan_standard', 'line_cn_br', 'express_integrator'],
  SA: ['caravan_standard', 'line_cn_sa', 'express_integrator'],
  // The Russia line takes parcels up to a value cap this one exceeds.
  RU: ['caravan_standard'],
  US: ['caravan_standard', 'express_integrator'],
};

const sum = (lines: readonly Line[]) => lines.reduce((total, line) => total + line.amount.amount, 0);
const line = (quote: Quote, code: string) => quote.lines.find((l) => l.code === code);

describe('quotes to the priority destinations around 2026-07-01', () => {
  const app = useTestApp({ now: '2026-11-25T02:00:00Z' });
  const api = apiClient(app);
  const results = new Map<string, QuoteResult>();
  const quoted = (country: Destination, date: string) => results.get(`${country} ${date}`)!;
  const service = (country: Destination, date: string, code: string) => quoted(country, date).quotes.find((q) => q.service_code === code)!;

  beforeAll(async () => {
    for (const date of [BEFORE, AFTER]) {
      for (const [country, destination] of Object.entries(DESTINATIONS)) {
        // Russia's parcel is worth €300-odd, above its €200 allowance, so both regimes show.
        const items = country === 'RU' ? blouses(900) : blouses(90);
        const response = await api.post('/v1/store/shipping-quotes', { origin_country: 'CN', destination: { country, ...destination }, items, date });
        expect(response.status, JSON.stringify(response.body)).toBe(200);
        results.set(`${country} ${date}`, response.body);
      }
    }
  });

  it('quotes every service that can carry the parcel, itemised to its total, and says why the others cannot', () => {
    for (const date of [BEFORE, AFTER]) {
      for (const country of Object.keys(DESTINATIONS) as Destination[]) {
        const { quotes, excluded } = quoted(country, date);
        expect(quotes.map((q) => q.service_code).sort(), `${country} ${date}`).toEqual([...CARRIED[country]].sort());
        expect(quotes.length + excluded.length).toBe(11);
        expect(excluded.every((e) => e.reasons.length > 0)).toBe(true);
        for (const quote of quotes) {
          expect(quote.total.amount, `${quote.service_code} to ${country}`).toBe(sum(quote.lines));
          expect(quote.lines.every((l) => l.amount.currency === quote.currency)).toBe(true);
          expect(quote.rate_sheet.valid_from <= date).toBe(true);
        }
      }
    }
  });

  it('adds €3 per tariff subheading to EU parcels from 2026-07-01, beside the VAT collected at sale', () => {
    for (const [country, vat] of [['ES', '21 %'], ['FR', '20 %']] as const) {
      for (const code of CARRIED[country]) {
        const before = service(country, BEFORE, code);
        const after = service(country, AFTER, code);
        expect(before.customs).toBe('DDP');
        expect(line(before, 'vat_at_sale')?.description).toContain(`VAT ${vat} (${country})`);
        expect(line(before, 'flat_duty_per_subheading')).toBeUndefined();
        expect(line(after, 'flat_duty_per_subheading')?.description).toBe('EU flat duty on low-value parcels: 3.00 EUR per distinct tariff subheading × 2');
        expect(line(after, 'vat_at_sale')?.description).toContain(`VAT ${vat} (${country})`);
      }
    }
    // The same €6 in the same currency, whichever EU country.
    expect(line(service('ES', AFTER, 'express_integrator'), 'flat_duty_per_subheading')!.amount).toEqual(line(service('FR', AFTER, 'express_integrator'), 'flat_duty_per_subheading')!.amount);
  });

  it('collects Brazil’s import tax and 20 % ICMS in Bahia, grossed up on value plus import tax', () => {
    for (const date of [BEFORE, AFTER]) {
      for (const code of CARRIED.BR) {
        const quote = service('BR', date, code);
        const importTax = line(quote, 'import_tax')!;
        const icms = line(quote, 'icms')!;
        expect(icms.description).toContain('ICMS 20 % (BA)');
        // In the 20 % tier, value = II / 0.2, so ICMS = (value + II) × 0.2 / 0.8 = 1.5 × II.
        if (importTax.description.startsWith('Import tax (II) 20 %')) expect(Math.abs(icms.amount.amount - 1.5 * importTax.amount.amount)).toBeLessThanOrEqual(2);
        else expect(importTax.description).toBe('Import tax (II) 60 % of the customs value minus 20.00 USD');
      }
    }
    // The cheap line stays within US$50 with its freight; the express's freight takes it over.
    expect(line(service('BR', AFTER, 'line_cn_br'), 'import_tax')!.description).toBe('Import tax (II) 20 % of the customs value');
  });

  it('charges Saudi VAT of 15 % and the flat customs fee under SAR 1,000 on both dates', () => {
    for (const date of [BEFORE, AFTER]) {
      for (const code of CARRIED.SA) {
        const quote = service('SA', date, code);
        expect(line(quote, 'import_vat')?.description).toBe('Import VAT 15 % on customs value');
        expect(line(quote, 'customs_fee')?.description).toBe('Saudi customs fee on online-store shipments: flat fee below 1000.00 SAR');
      }
    }
  });

  it('switches Russia from 15 % above €200 to 5 % of the whole value plus 22 % VAT on 2026-07-01', () => {
    const before = service('RU', BEFORE, 'caravan_standard');
    const after = service('RU', AFTER, 'caravan_standard');
    expect(line(before, 'customs_duty')?.description).toMatch(/^15 % of the value above 200\.00 EUR/);
    expect(line(before, 'import_vat')).toBeUndefined();
    expect(line(after, 'customs_duty')?.description).toMatch(/^5 % of the full value/);
    const vat = line(after, 'import_vat')!;
    expect(vat.description).toBe('Import VAT 22 % on the full value plus duty');
    // 22 % of goods (CNY 2,700) plus the duty, within a yuan of rounding through euros.
    expect(Math.abs(vat.amount.amount - 0.22 * (270_000 + line(after, 'customs_duty')!.amount.amount))).toBeLessThan(100);
    const russiaLine = quoted('RU', AFTER).excluded.find((e) => e.service_code === 'line_cn_ru')!;
    expect(russiaLine.reasons.map((r) => r.code)).toEqual(['value_above_cap']);
  });

  it('charges US duty on every parcel, de minimis being suspended, line by line', () => {
    for (const date of [BEFORE, AFTER]) {
      for (const code of CARRIED.US) {
        const duties = service('US', date, code).lines.filter((l) => l.code === 'customs_duty');
        expect(duties.map((d) => d.description)).toEqual([
          'Customs duty 12 % on the goods value of HS 620610 (sample rate)',
          'Customs duty 12 % on the goods value of HS 620620 (sample rate)',
          'Customs duty 12 % on the goods value of HS 620620 (sample rate)',
        ]);
      }
    }
  });
});

import { describe, expect, it } from 'vitest';
import { contentHash, gtinIsValid, LISTING_TRANSITIONS, listingPath, productProblems, statusForOutcome, type ProductContext, type ProductInput } from './rules.ts';
import type { ResolvedCategory } from './taxonomy.ts';

const names = (en: string) => ({ en, zh: en, es: en, fr: en, ru: en, pt: en, ar: en, ko: en });

const bulbs: ResolvedCategory = {
  code: 'lighting.bulbs.led_bulbs',
  path: ['lighting', 'lighting.bulbs', 'lighting.bulbs.led_bulbs'],
  names: names('LED Bulbs'),
  isLeaf: true,
  commission: [{ from: '2025-01-01', rate: '0.08' }],
  certifications: [{ markets: ['EU'], anyOf: ['CE'], basis: 'LVD' }],
  qualificationRequired: false,
  attributes: [
    { code: 'light_colour', names: names('Light colour'), type: 'enum', required: true, skuDefining: true, values: [{ code: 'warm_white', names: names('Warm') }, { code: 'cool_white', names: names('Cool') }] },
    { code: 'wattage_w', names: names('Wattage'), type: 'number', required: true, skuDefining: false, min: 0, max: 500 },
    { code: 'dimmable', names: names('Dimmable'), type: 'boolean', required: false, skuDefining: false },
  ],
};

const base = (): ProductInput => ({
  category: 'lighting.bulbs.led_bulbs',
  main_language: 'en',
  titles: { en: 'LED bulb' },
  attributes: { wattage_w: 9 },
  markets: ['ES', 'FR'],
  skus: [
    { seller_sku: 'A', variant: { light_colour: 'warm_white' }, price: { amount: 100, currency: 'CNY' }, barcode: '6901234567892' },
    { seller_sku: 'B', variant: { light_colour: 'cool_white' }, price: { amount: 100, currency: 'CNY' } },
  ],
});

const context: ProductContext = { category: bulbs, isMarket: (code: string) => ['ES', 'FR', 'GB', 'US'].includes(code), isCurrency: (code: string) => ['CNY', 'EUR', 'USD'].includes(code) };
const problems = (input: ProductInput, ctx = context) => productProblems(input, ctx).map((p) => `${p.path} ${p.code}`);

describe('listing lifecycle', () => {
  it.each([
    ['none', 'active', 'system', ['submit', 'approve']],
    ['none', 'rejected', 'system', ['submit', 'reject']],
    ['active', 'throttled', 'system', ['throttle']],
    ['throttled', 'active', 'system', ['unthrottle']],
    ['active', 'delisted', 'system', ['delist']],
    ['delisted', 'active', 'system', ['relist', 'approve']],
    ['rejected', 'active', 'system', ['submit', 'approve']],
    ['active', 'offline', 'seller', ['take_offline']],
    ['offline', 'active', 'system', ['put_online', 'approve']],
    ['active', 'pending_review', 'system', ['hold']],
    ['throttled', 'pending_review', 'operator', ['hold']],
    ['active', 'active', 'system', []],
  ] as const)('%s → %s by %s takes %j', (from, to, by, actions) => {
    expect(listingPath(from, to, by)?.map((step) => step.action)).toEqual(actions);
  });

  it('refuses moves no row of the table allows', () => {
    expect(listingPath('active', 'offline', 'system')).toBeNull();
    expect(listingPath('none', 'offline', 'operator')).toBeNull();
  });

  it('names every status in the table', () => {
    const reached = new Set(LISTING_TRANSITIONS.map((t) => t.to));
    expect([...reached].sort()).toEqual(['active', 'delisted', 'offline', 'pending_review', 'rejected', 'throttled']);
  });

  it.each([
    ['none', 'reject', 'rejected'],
    ['pending_review', 'reject', 'rejected'],
    ['active', 'reject', 'delisted'],
    ['throttled', 'reject', 'delisted'],
    ['active', 'hold', 'pending_review'],
    ['delisted', 'pass', 'active'],
    ['active', 'throttle', 'throttled'],
  ] as const)('from %s, outcome %s leads to %s', (from, outcome, status) => {
    expect(statusForOutcome(from, outcome)).toBe(status);
  });
});

describe('product validation', () => {
  it('accepts a complete product', () => {
    expect(problems(base())).toEqual([]);
  });

  it('reports every structural problem at once', () => {
    const input: ProductInput = {
      ...base(),
      titles: { fr: 'Ampoule' },
      attributes: { wattage_w: 'nine' as unknown as number, light_colour: 'warm_white', colour_temp_k: 2700 },
      markets: ['ES', 'XX', 'ES'],
      skus: [
        { seller_sku: 'A', variant: { light_colour: 'purple' }, price: { amount: 100, currency: 'CNY' }, barcode: '6901234567890' },
        { seller_sku: 'A', variant: { light_colour: 'purple' }, price: { amount: 100, currency: 'EUR' } },
        { seller_sku: 'C', variant: {}, price: { amount: 100, currency: 'ZZZ' }, country_prices: { XX: { amount: 1, currency: 'EUR' } } },
      ],
    };
    expect(problems(input)).toEqual([
      '/titles/en required',
      '/attributes/wattage_w invalid_attribute_value',
      '/attributes/light_colour variant_attribute',
      '/attributes/colour_temp_k unknown_attribute',
      '/markets/1 unknown_market',
      '/markets/2 duplicate_market',
      '/skus/0/barcode invalid_barcode',
      '/skus/0/variant/light_colour invalid_attribute_value',
      '/skus/1/seller_sku duplicate_seller_sku',
      '/skus/1/price/currency mixed_currencies',
      '/skus/1/variant/light_colour invalid_attribute_value',
      '/skus/1/variant duplicate_variant',
      '/skus/2/price/currency unknown_currency',
      '/skus/2/country_prices/XX unknown_market',
      '/skus/2/variant/light_colour required',
    ]);
  });

  it('needs a leaf category that exists', () => {
    expect(problems(base(), { ...context, category: undefined })).toContain('/category unknown_category');
    expect(problems(base(), { ...context, category: { ...bulbs, isLeaf: false } })).toContain('/category not_a_leaf_category');
  });

  it('checks GS1 check digits', () => {
    expect(['6901234567892', '96385074', '036000291452', '10012345678902'].map(gtinIsValid)).toEqual([true, true, true, true]);
    expect(['6901234567891', '1234567', 'ABCDEFGHIJKLM'].map(gtinIsValid)).toEqual([false, false, false]);
  });
});

describe('content hash', () => {
  it('ignores key order and changes with any value', () => {
    const input = base();
    const reordered = { skus: input.skus, markets: input.markets, titles: input.titles, attributes: input.attributes, main_language: input.main_language, category: input.category };
    expect(contentHash(reordered as ProductInput)).toBe(contentHash(input));
    expect(contentHash({ ...input, markets: ['FR', 'ES'] })).not.toBe(contentHash(input));
  });
});

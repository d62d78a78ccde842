import { describe, expect, it } from 'vitest';
import {
  cjkTerms,
  contentLanguage,
  listingQuality,
  listingWeight,
  marketPreference,
  normalizeQuery,
  priceBandEdges,
  rankKey,
  roundNumber,
  shippingSummary,
  stockLocations,
  stockState,
  textQuery,
  textSearchConfig,
  vectorParts,
  type QualityInput,
} from './rules.ts';
import { titleFor } from '../catalog/index.ts';

const CATALOG_LANGUAGES = ['en', 'zh', 'es', 'fr', 'ru', 'pt', 'ar', 'ko'];

describe('text', () => {
  it.each([
    ['es', 'spanish'],
    ['pt', 'portuguese'],
    ['fr', 'french'],
    ['ru', 'russian'],
    ['ar', 'arabic'],
    ['en', 'english'],
    ['de', 'german'],
    // No stemmer: Chinese and Korean are cut into bigrams instead; unknown languages are taken word for word.
    ['zh', 'simple'],
    ['ko', 'simple'],
    ['pl', 'simple'],
  ])('stems %s text with the %s configuration', (language, config) => {
    expect(textSearchConfig(language)).toBe(config);
  });

  it.each([
    ['电灯泡', true, '电灯 灯泡 电 灯 泡'],
    ['电灯泡', false, '电灯 灯泡'],
    ['灯', false, '灯'],
    ['LED 灯泡 9W', true, 'LED 灯泡 灯 泡 9W'],
    ['도자기 찻주전자', false, '도자 자기 찻주 주전 전자'],
    ['Ceramic teapot', true, 'Ceramic teapot'],
  ])('cuts CJK runs of %j into bigrams (index: %s)', (text, forIndex, terms) => {
    expect(cjkTerms(text, forIndex).replace(/\s+/g, ' ').trim()).toBe(terms);
  });

  it('indexes each language with its own stemmer, and titles, brand and model word for word', () => {
    const parts = vectorParts({ titles: { es: 'Tetera de cerámica', zh: '陶瓷茶壶' }, descriptions: { es: 'Una tetera.', en: '' }, brand: 'Casa', model: 'TP-800' });
    expect(parts).toEqual([
      { config: 'spanish', text: 'Tetera de cerámica', weight: 'A' },
      { config: 'simple', text: expect.stringContaining('茶壶'), weight: 'A' },
      { config: 'spanish', text: 'Una tetera.', weight: 'B' },
      { config: 'simple', text: 'Tetera de cerámica Casa TP-800', weight: 'A' },
    ]);
  });

  it.each([
    ['  ＬＥＤ   Bulb ', 'led bulb'],
    ['Théière', 'théière'],
    ['ЧАЙНИК', 'чайник'],
  ])('normalises %j to %j for hot words', (query, normalized) => {
    expect(normalizeQuery(query)).toBe(normalized);
  });

  it('matches a query stemmed in the buyer’s language and word for word', () => {
    expect(textQuery('Teteras', 'es')).toEqual({ config: 'spanish', text: 'teteras', plain: 'teteras' });
    expect(textQuery('茶壶', 'zh')).toEqual({ config: 'simple', text: '茶壶', plain: '茶壶' });
    expect(textQuery('电灯泡', 'es')).toEqual({ config: 'spanish', text: '电灯泡', plain: '电灯 灯泡' });
  });

  it.each([
    [{ es: 'Tetera', en: 'Teapot', zh: '茶壶' }, ['es', 'es'], 'es'],
    [{ en: 'Teapot', zh: '茶壶' }, ['pt', 'pt'], 'en'],
    [{ zh: '茶壶', ko: '찻주전자' }, ['fr', 'fr'], 'zh'],
    [{ ko: '찻주전자' }, ['fr', 'fr'], 'ko'],
  ])('shows %j to a buyer reading %j in %s', (titles, languages, shown) => {
    expect(titleFor(titles, languages, 'zh').language).toBe(shown);
  });
});

describe('listing quality', () => {
  const complete: QualityInput = {
    language: 'es',
    titles: { es: 'Tetera de cerámica', zh: '陶瓷茶壶' },
    descriptions: { es: 'x'.repeat(300) },
    images: 5,
    video: { durationSeconds: 20 },
    attributesDefined: 2,
    attributesFilled: 2,
    certification: 'verified',
    brand: true,
    model: true,
  };

  it.each<[string, Partial<QualityInput>, number]>([
    ['complete and localised', {}, 100],
    ['no title in the market’s language, an English one', { titles: { en: 'Teapot', zh: '茶壶' } }, 85],
    ['no title buyers can read', { titles: { zh: '茶壶' } }, 75],
    ['a medium description', { descriptions: { es: 'x'.repeat(80) } }, 93],
    ['a short description', { descriptions: { es: 'Tetera.' } }, 88],
    ['a long description in another language only', { descriptions: { en: 'x'.repeat(300) } }, 92],
    ['no description', { descriptions: {} }, 85],
    ['three images', { images: 3 }, 95],
    ['one image', { images: 1 }, 88],
    ['no image', { images: 0 }, 80],
    ['half the attributes', { attributesFilled: 1 }, 93],
    ['a category without attributes', { attributesDefined: 0, attributesFilled: 0 }, 100],
    ['a video over 30 seconds', { video: { durationSeconds: 45 } }, 90],
    ['no video', { video: null }, 90],
    ['a certificate filed, not yet verified', { certification: 'submitted' }, 95],
    ['no certificate where one is required', { certification: 'missing' }, 90],
    ['nothing to certify', { certification: 'none_required' }, 100],
    ['no brand nor model', { brand: false, model: false }, 95],
  ])('%s scores %i', (_, change, score) => {
    expect(listingQuality({ ...complete, ...change }).score).toBe(score);
  });

  it('reads English in markets whose language sellers cannot write in', () => {
    expect(contentLanguage('de', CATALOG_LANGUAGES)).toBe('en');
    expect(contentLanguage('pt', CATALOG_LANGUAGES)).toBe('pt');
  });
});

describe('ranking', () => {
  const base = { quality: 80, storeScore: 100, preference: 1, status: 'active' as const };

  it('demotes a throttled listing below an equal active one, and never below zero', () => {
    expect(listingWeight({ ...base, status: 'throttled' })).toBeLessThan(listingWeight(base));
    expect(listingWeight({ ...base, status: 'throttled' })).toBeGreaterThan(0);
  });

  it('puts the higher store score first, other things equal', () => {
    expect(listingWeight({ ...base, storeScore: 90 })).toBeLessThan(listingWeight(base));
    expect(listingWeight({ ...base, storeScore: 0 })).toBe(listingWeight(base) / 2);
  });

  it('prefers listings localised for the market and fulfilled inside it', () => {
    expect(marketPreference({ localised: false, localFulfilment: false })).toBe(1);
    expect(marketPreference({ localised: true, localFulfilment: false })).toBeCloseTo(1.1);
    expect(marketPreference({ localised: true, localFulfilment: true })).toBeCloseTo(1.375);
  });

  it('ranks by relevance times weight, as integers', () => {
    expect(rankKey(1, 1)).toBe(1_000_000_000);
    expect(rankKey(0.5, 0.75)).toBe(375_000_000);
    expect(rankKey(0.9, 0.5)).toBeGreaterThan(rankKey(0.5, 0.8));
  });
});

describe('prices and stock', () => {
  it.each([
    [4.6, 5],
    [9.2, 10],
    [23, 25],
    [34.5, 25],
    [69000, 50000],
    [1.4, 1],
  ])('rounds %d to the round number %d', (value, round) => {
    expect(roundNumber(value)).toBe(round);
  });

  it.each<[string, number, number, number[]]>([
    ['USD', 1, 2, [500, 1000, 2500, 5000, 10000, 25000]],
    ['EUR', 0.92, 2, [500, 1000, 2500, 5000, 10000, 25000]],
    ['BRL', 5, 2, [2500, 5000, 10000, 25000, 50000, 100000]],
    ['KRW', 1380, 0, [5000, 10000, 25000, 50000, 100000, 250000]],
  ])('bands %s prices at round numbers', (_, perUsd, exponent, edges) => {
    expect(priceBandEdges(perUsd, exponent)).toEqual(edges);
  });

  it.each<[number, ReturnType<typeof stockState>]>([
    [0, { state: 'out_of_stock', available: null }],
    [-1, { state: 'out_of_stock', available: null }],
    [1, { state: 'low', available: 1 }],
    [5, { state: 'low', available: 5 }],
    [6, { state: 'in_stock', available: null }],
    [5000, { state: 'in_stock', available: null }],
  ])('tells a buyer about %i available as %j', (available, told) => {
    expect(stockState(available)).toEqual(told);
  });

  it('finds stock in overseas warehouses by their codes, whatever the case', () => {
    const warehouses = [
      { code: 'wh_es_mad', country: 'ES' },
      { code: 'wh_fr_par', country: 'FR' },
    ];
    expect(stockLocations({ SELLER: 40, WH_ES_MAD: 3, WH_FR_PAR: 0 }, warehouses)).toEqual({ countries: ['ES'], atOrigin: true });
    expect(stockLocations({ WH_ES_MAD: 3 }, warehouses)).toEqual({ countries: ['ES'], atOrigin: false });
    expect(stockLocations({ SELLER: 40 }, warehouses)).toEqual({ countries: [], atOrigin: true });
    expect(stockLocations({}, warehouses)).toEqual({ countries: [], atOrigin: true });
  });

  it('keeps the quickest offer, every origin and path, and whether any ships free', () => {
    const offers = [
      { path: 'standard', shipsFrom: 'CN', free: false, deliveryDays: { min: 11, max: 18 } },
      { path: 'dedicated_line', shipsFrom: 'CN', free: true, deliveryDays: { min: 11, max: 17 } },
      { path: 'overseas_warehouse', shipsFrom: 'ES', free: false, deliveryDays: { min: 4, max: 6 } },
    ];
    expect(shippingSummary(offers)).toEqual({ shipsFrom: ['CN', 'ES'], fulfilment: ['dedicated_line', 'overseas_warehouse', 'standard'], freeShipping: true, deliveryDays: { min: 4, max: 6 } });
    expect(shippingSummary([])).toEqual({ shipsFrom: [], fulfilment: [], freeShipping: false, deliveryDays: null });
  });
});

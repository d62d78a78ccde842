import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MarketDataError, parseMarkets, SHIPPED_MARKETS_FILE, shippedMarkets } from './countries.ts';
import { shippedFxRates } from './fx.ts';
import { shippedLandedCostRules } from './landed-cost-rules.ts';

const directory = shippedMarkets();
type RawMarket = Record<string, unknown> & { code: string; buyer_identifiers: Record<string, unknown>[] };
const shippedData = () => JSON.parse(readFileSync(SHIPPED_MARKETS_FILE, 'utf8')) as { markets: RawMarket[]; groups: Record<string, string[]> } & Record<string, unknown>;
const market = (data: ReturnType<typeof shippedData>, code: string) => data.markets.find((m) => m.code === code)!;

describe('shipped markets', () => {
  it.each([
    ['RU', 'RUB', ['ru'], 'ru.personal_import', true],
    ['ES', 'EUR', ['es'], 'eu.ioss', true],
    ['FR', 'EUR', ['fr'], 'eu.ioss', true],
    ['BR', 'BRL', ['pt'], 'br.remessa_conforme', true],
    ['SA', 'SAR', ['ar'], 'sa.import', true],
    ['DE', 'EUR', ['de'], 'eu.ioss', false],
    ['IT', 'EUR', ['it'], 'eu.ioss', false],
    ['NL', 'EUR', ['nl'], 'eu.ioss', false],
    ['PL', 'PLN', ['pl'], 'eu.ioss', false],
    ['GB', 'GBP', ['en'], 'gb.low_value', false],
    ['US', 'USD', ['en'], 'us.import', false],
    ['KR', 'KRW', ['ko'], 'kr.import', false],
    ['BE', 'EUR', ['nl', 'fr', 'de'], 'eu.ioss', false],
    ['LU', 'EUR', ['fr', 'de', 'lb'], 'eu.ioss', false],
  ])('%s: buyers pay in %s, are served in %j, parcels fall under %s', (code, currency, languages, taxRegime, priority) => {
    expect(directory.get(code)).toMatchObject({ code, currency, languages, language: languages[0], taxRegime, priority });
  });

  it('asks Brazilian buyers for a CPF (and a company’s CNPJ when they have one), Korean buyers for a PCCC, EU buyers for nothing', () => {
    expect(directory.get('BR')!.buyerIdentifiers.map(({ kind, required }) => [kind, required])).toEqual([
      ['CPF', true],
      ['CNPJ', false],
    ]);
    expect(directory.get('KR')!.buyerIdentifiers.map(({ kind, required }) => [kind, required])).toEqual([['PCCC', true]]);
    for (const code of directory.groups.EU!) expect(directory.get(code)!.buyerIdentifiers, code).toEqual([]);
  });

  it('name for every market the regime the landed-cost rules apply there today, and require what that regime requires', () => {
    const rules = shippedLandedCostRules();
    for (const { code, taxRegime, buyerIdentifiers } of directory.markets) {
      const regime = rules.regime(code, '2026-11-24');
      expect(regime?.id, code).toBe(taxRegime);
      const required = buyerIdentifiers.filter((identifier) => identifier.required).map((identifier) => identifier.kind);
      const regimeRequires = regime && 'requiredIdentifiers' in regime ? regime.requiredIdentifiers : [];
      expect(required, code).toEqual(expect.arrayContaining([...regimeRequires]));
    }
  });

  it('have every currency buyers pay in quoted by every shipped FX snapshot', () => {
    for (const snapshot of shippedFxRates().snapshots) {
      const quoted = new Set([snapshot.base, ...snapshot.rates.map((rate) => rate.quote)]);
      expect(directory.currencies().filter((currency) => !quoted.has(currency)), snapshot.id).toEqual([]);
    }
  });
});

describe('markets data validation', () => {
  const broken = (change: (data: ReturnType<typeof shippedData>) => void) => {
    const data = shippedData();
    change(data);
    return () => parseMarkets(data, 'markets.json');
  };

  it('fails naming the market and the field', () => {
    expect(broken((d) => (market(d, 'BR').currency = 'XYZ'))).toThrow('markets.json: market #3 "BR": field "currency" must be an ISO 4217 currency');
    expect(broken((d) => (market(d, 'BR').languages = ['en', 'pt']))).toThrow(/market #3 "BR": field "languages" must start with the main language "pt"/);
    expect(broken((d) => (market(d, 'BE').languages = ['nl', 'fr', 'nl']))).toThrow(/"BE": field "languages\[2\]" repeats "nl"/);
    expect(broken((d) => (market(d, 'BR').languages = []))).toThrow(/"BR": field "languages" must list/);
    expect(broken((d) => delete market(d, 'KR').tax_regime)).toThrow(/"KR": field "tax_regime" must be the id of a regime rule/);
    expect(broken((d) => (market(d, 'KR').buyer_identifiers[0]!.kind = 'RRN'))).toThrow(/"KR": field "buyer_identifiers\[0\]\.kind" must be one of CPF, CNPJ, PCCC/);
    expect(broken((d) => (market(d, 'KR').buyer_identifiers[0]!.required = 'yes'))).toThrow(/"KR": field "buyer_identifiers\[0\]\.required" must be true or false/);
    expect(broken((d) => market(d, 'BR').buyer_identifiers.push({ ...market(d, 'BR').buyer_identifiers[0] }))).toThrow(/"BR": field "buyer_identifiers\[2\]\.kind" repeats CPF/);
    expect(broken((d) => (market(d, 'BR').buyer_identifier = []))).toThrow(/"BR": unknown field "buyer_identifier"/);
    expect(broken((d) => (market(d, 'FR').code = 'ES'))).toThrow(/"ES": field "code" repeats an earlier market/);
    expect(broken((d) => (market(d, 'FR').code = 'fr'))).toThrow(/field "code" must be an ISO 3166-1 alpha-2 code/);
    expect(broken((d) => (market(d, 'FR').priority = 'yes'))).toThrow(/"FR": field "priority" must be true or false/);
  });

  it('refuses group membership written differently on the two sides', () => {
    expect(broken((d) => (market(d, 'GB').groups = ['EU']))).toThrow('markets.json: market "GB": field "groups" names "EU", whose members do not include GB');
    expect(broken((d) => (market(d, 'FR').groups = []))).toThrow('markets.json: group "EU": lists FR, whose field "groups" does not name it');
    expect(broken((d) => d.groups.EU!.push('XX'))).toThrow(/group "EU": names unknown markets: XX/);
  });

  it('refuses a file without its description, source or date', () => {
    expect(broken((d) => delete d.source)).toThrow(MarketDataError);
    expect(broken((d) => (d.recorded_on = 'yesterday'))).toThrow(/field "recorded_on" must be a date/);
    expect(() => parseMarkets([], 'markets.json')).toThrow('markets.json: file: must be a JSON object');
  });
});

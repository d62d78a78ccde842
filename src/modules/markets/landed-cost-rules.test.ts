import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATA_DIR } from '../../platform/paths.ts';
import { marketDirectory } from './countries.ts';
import { parseLandedCostRules, SHIPPED_LANDED_COST_RULES_FILE, shippedLandedCostRules } from './landed-cost-rules.ts';

const directory = marketDirectory(path.join(DATA_DIR, 'markets', 'markets.json'));
const rules = shippedLandedCostRules();
type RawRule = Record<string, unknown> & { id: string; version: number };
const shippedData = () => JSON.parse(readFileSync(SHIPPED_LANDED_COST_RULES_FILE, 'utf8')) as { rules: RawRule[] } & Record<string, unknown>;
const rule = (data: { rules: RawRule[] }, id: string, version = 1) => data.rules.find((r) => r.id === id && r.version === version)!;

describe('shipped landed-cost rules', () => {
  it.each(['2024-08-01', '2025-08-29', '2026-07-01', '2026-11-24'])('give every market the platform sells to an import regime on %s', (date) => {
    const missing = directory.markets.filter((market) => !rules.regime(market.code, date)).map((market) => market.code);
    expect(missing).toEqual([]);
  });

  it.each(['2024-01-01', '2025-07-01', '2026-11-24'])('give every EU member and GB, SA, RU, KR a VAT rate on %s', (date) => {
    const markets = [...(directory.groups.EU ?? []), 'GB', 'SA', 'RU', 'KR'];
    expect(markets.filter((market) => !rules.vatRate(market, date))).toEqual([]);
  });

  it('expand the EU group and date the versions', () => {
    expect(rules.regime('PL', '2025-01-01')).toMatchObject({ id: 'eu.ioss', currency: 'EUR' });
    expect(rules.vatRate('RU', '2025-12-31')).toMatchObject({ version: 1, rate: '0.20' });
    expect(rules.vatRate('RU', '2026-01-01')).toMatchObject({ version: 2, rate: '0.22' });
    expect(rules.regime('US', '2025-08-28')).toMatchObject({ version: 1 });
    expect(rules.regime('US', '2025-08-29')).toMatchObject({ version: 2, threshold: null });
    expect(rules.surcharges('FR', '2026-06-30')).toEqual([]);
    expect(rules.surcharges('FR', '2026-07-01').map((r) => r.id)).toEqual(['eu.low_value_duty']);
  });

  it('label every duty table as sample rates', () => {
    const tables = rules.rules.filter((r) => r.type === 'duty_table');
    expect(tables.length).toBeGreaterThan(0);
    for (const table of tables) {
      expect(table).toMatchObject({ sample: true });
      expect(table.note).toMatch(/SAMPLE/);
    }
  });
});

describe('landed-cost rules validation', () => {
  const broken = (change: (data: ReturnType<typeof shippedData>) => void) => {
    const data = shippedData();
    change(data);
    return () => parseLandedCostRules(data, directory);
  };

  it('fails loudly naming the rule and the field', () => {
    expect(broken((d) => (rule(d, 'vat.ES').rate = '21'))).toThrow('landed-cost rules: rule "vat.ES" v1: field "rate" must be a rate below 1');
    expect(broken((d) => (rule(d, 'vat.FR').rate = 0.2))).toThrow('rule "vat.FR" v1: field "rate" must be a decimal string');
    expect(broken((d) => delete rule(d, 'eu.ioss').threshold)).toThrow('rule "eu.ioss" v1: field "threshold.amount" must be an amount');
    expect(broken((d) => ((rule(d, 'gb.low_value').threshold as { amount: unknown }).amount = { amount: 13500, currency: 'EUR' }))).toThrow(
      'rule "gb.low_value" v1: field "threshold.amount.currency" must be GBP',
    );
    expect(broken((d) => ((rule(d, 'br.remessa_conforme').tiers as { rate: string }[])[1]!.rate = '1.6'))).toThrow('rule "br.remessa_conforme" v1: field "tiers.1.rate"');
    expect(broken((d) => (rule(d, 'kr.import').markets = ['KR', 'XX']))).toThrow('rule "kr.import" v1: field "markets[1]" names no market or group');
    expect(broken((d) => (rule(d, 'sa.customs_fee').valid_to = '2024-01-01'))).toThrow('rule "sa.customs_fee" v1: field "valid_to" must not be before valid_from');
    expect(broken((d) => (rule(d, 'ru.personal_import', 2).type = 'sideways'))).toThrow('rule "ru.personal_import" v2: field "type" must be one of');
    expect(broken((d) => (rule(d, 'us.import', 2).vat = 'sometimes'))).toThrow('rule "us.import" v2: field "vat" must be one of none, above_threshold, always');
    expect(broken((d) => (rule(d, 'br.icms', 2).state_rates = { ZZ: '0.20' }))).toThrow('rule "br.icms" v2: field "state_rates.ZZ" names a state missing from "states"');
    expect(broken((d) => (rule(d, 'duty.sample.US').rates = { '6': '0.1' }))).toThrow('rule "duty.sample.US" v1: field "rates.6" must be keyed by an HS prefix');
  });

  it('refuses versions that overlap in time, repeat, or change type', () => {
    expect(broken((d) => (rule(d, 'ru.personal_import', 2).valid_from = '2026-06-30'))).toThrow(
      'rule "ru.personal_import" v2: field "valid_from" overlaps rule "ru.personal_import" v1 for RU; only one regime rule may be in force per market and day',
    );
    expect(broken((d) => d.rules.push({ ...rule(d, 'vat.DE'), id: 'vat.DE.copy' }))).toThrow(/rule "vat\.DE\.copy" v1: field "valid_from" overlaps rule "vat\.DE" v1 for DE/);
    expect(broken((d) => (rule(d, 'vat.RU', 2).version = 1))).toThrow('rule "vat.RU" v1: field "version" repeats another rule');
    expect(broken((d) => d.rules.push({ id: 'duty.sample.US', version: 2, type: 'vat_rate', name: 'US', markets: ['US'], valid_from: '2030-01-01', valid_to: null, rate: '0.10' }))).toThrow(
      'rule "duty.sample.US" v2: field "type" differs from v1 (duty_table)',
    );
  });

  it('checks that rules that work together fit together', () => {
    expect(
      broken((d) => {
        const fee = rule(d, 'sa.customs_fee') as Record<string, any>;
        fee.threshold.amount = { amount: 26700, currency: 'USD' };
        fee.within_threshold.amount = { amount: 400, currency: 'USD' };
        fee.above_threshold.min = { amount: 400, currency: 'USD' };
        fee.above_threshold.max = { amount: 13300, currency: 'USD' };
      }),
    ).toThrow(
      /rule "sa\.customs_fee" v1: its currency USD differs from SAR of regime "sa\.import" v1/,
    );
    expect(broken((d) => (d.rules = d.rules.filter((r) => r.id !== 'br.icms')))).toThrow('rule "br.remessa_conforme" v1: field "state_tax" names ICMS, but no state_rates rule');
  });
});

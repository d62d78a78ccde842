import { describe, expect, it } from 'vitest';
import type { ResolvedCategory } from './taxonomy.ts';
import {
  CATALOG_LANGUAGES,
  DEFAULT_TAXONOMY_FILE,
  TaxonomyError,
  certificationsFor,
  commissionRateOn,
  loadTaxonomyFile,
  parseTaxonomy,
  resolveCategories,
} from './taxonomy.ts';

const taxonomy = loadTaxonomyFile(DEFAULT_TAXONOMY_FILE);
const categories = resolveCategories(taxonomy);
const all = [...categories.values()];
const leaves = all.filter((c) => c.isLeaf);
const roots = all.filter((c) => c.path.length === 1);
const secondLevel = all.filter((c) => c.path.length === 2);
const ON = taxonomy.version;

function category(code: string): ResolvedCategory {
  const found = categories.get(code);
  if (!found) throw new Error(`no category ${code} in the shipped taxonomy`);
  return found;
}

/** What a buyer in `market` must be shown, as one sorted list of alternatives per rule. */
function required(code: string, market: string): string[][] {
  return certificationsFor(category(code), market, taxonomy.marketGroups)
    .map((rule) => [...rule.anyOf].sort())
    .sort((a, b) => a.join().localeCompare(b.join()));
}

describe('data/catalog/categories.json', () => {
  it('is a tree of at least 12 roots, three levels and 120 leaves', () => {
    expect(roots.length).toBeGreaterThanOrEqual(12);
    expect(secondLevel.length).toBeGreaterThanOrEqual(40);
    expect(secondLevel.length).toBeLessThanOrEqual(60);
    expect(leaves.length).toBeGreaterThanOrEqual(120);
    expect(leaves.length).toBeLessThanOrEqual(200);
    expect(Math.min(...leaves.map((c) => c.path.length))).toBeGreaterThanOrEqual(3);
  });

  it.each([
    ['phones and accessories', /phones/i],
    ['consumer electronics', /consumer electronics/i],
    ['lighting', /^lighting$/i],
    ['home and garden', /home & garden/i],
    ['auto parts', /auto parts/i],
    ['pet supplies', /pet supplies/i],
    ['apparel', /apparel/i],
    ['wedding dresses', /^wedding dresses$/i],
    ['jewellery', /^jewellery$/i],
    ['beauty and cosmetics', /beauty|cosmetics/i],
    ['toys', /toys/i],
    ['sports', /sports/i],
  ])('covers %s', (_vertical, pattern) => {
    expect([...roots, ...secondLevel].some((c) => pattern.test(c.names.en))).toBe(true);
  });

  it('names every category, attribute and value in all eight languages', () => {
    const nameSets = taxonomy.categories.flatMap((c) => [
      c.names,
      ...c.attributes.flatMap((a) => [a.names, ...(a.values ?? []).map((v) => v.names)]),
    ]);
    for (const names of nameSets) {
      expect(Object.keys(names).sort()).toEqual([...CATALOG_LANGUAGES].sort());
      for (const name of Object.values(names)) expect(name.trim()).not.toBe('');
    }
    // Translated, not copied: the scripts differ from English where the language needs it.
    const root = category('lighting').names;
    expect(root.zh).toMatch(/\p{Script=Han}/u);
    expect(root.ru).toMatch(/\p{Script=Cyrillic}/u);
    expect(root.ar).toMatch(/\p{Script=Arabic}/u);
    expect(root.ko).toMatch(/\p{Script=Hangul}/u);
  });

  it.each([
    ['a phone accessory', 'phones.cases_covers.back_cases', '0.05'],
    ['a wedding dress', 'weddings.wedding_dresses.a_line', '0.08'],
    ['a piece of jewellery', 'jewellery.fine.rings', '0.12'],
  ])('charges the published commission on %s (%s: %s)', (_what, code, rate) => {
    expect(commissionRateOn(category(code), ON)).toBe(rate);
  });

  it('keeps every leaf’s commission within the published 5–12 % band', () => {
    for (const leaf of leaves) {
      const rate = commissionRateOn(leaf, ON);
      expect(rate, leaf.code).toBeDefined();
      expect(Number(rate), leaf.code).toBeGreaterThanOrEqual(0.05);
      expect(Number(rate), leaf.code).toBeLessThanOrEqual(0.12);
    }
  });

  it('asks CE of an LED lamp in the EU, CE or UKCA in GB, and records nothing for the US', () => {
    expect(required('lighting.bulbs.led_bulbs', 'ES')).toEqual([['CE']]);
    expect(required('lighting.bulbs.led_bulbs', 'FR')).toEqual([['CE']]);
    expect(required('lighting.bulbs.led_bulbs', 'GB')).toEqual([['CE', 'UKCA']]);
    expect(required('lighting.bulbs.led_bulbs', 'US')).toEqual([]);
  });

  it('asks a CPNP notification of cosmetics in the EU and an SCPN one in GB', () => {
    expect(required('beauty.skincare.sunscreen', 'DE')).toEqual([['CPNP']]);
    expect(required('beauty.skincare.sunscreen', 'GB')).toEqual([['SCPN']]);
    expect(required('beauty.makeup.lipstick', 'DE')).toEqual([['CPNP']]);
  });

  it('asks both CE and an EN 71 test report of toys in the EU, and CE or UKCA in GB', () => {
    expect(required('toys.building.building_blocks', 'FR')).toEqual([['CE'], ['EN71']]);
    expect(required('toys.building.building_blocks', 'GB')).toEqual([['CE', 'UKCA']]);
  });

  it('follows EU rules in Northern Ireland (XI), unlike the rest of the UK', () => {
    expect(required('lighting.bulbs.led_bulbs', 'XI')).toEqual([['CE']]);
    expect(required('beauty.skincare.sunscreen', 'XI')).toEqual([['CPNP']]);
  });

  it('leaves non-electrical goods free of electrical certification', () => {
    expect(required('phones.cases_covers.back_cases', 'FR')).toEqual([]);
    expect(required('apparel.womens.dresses', 'DE')).toEqual([]);
    expect(required('beauty.nails.nail_lamps', 'DE')).toEqual([['CE']]);
    expect(required('beauty.nails.false_nails', 'DE')).toEqual([]);
  });

  it('uses only the certificate types and markets the compliance facts name', () => {
    const rules = taxonomy.categories.flatMap((c) => c.certifications);
    expect(new Set(rules.flatMap((r) => r.anyOf))).toEqual(new Set(['CE', 'UKCA', 'CPNP', 'SCPN', 'EN71']));
    expect(new Set(rules.flatMap((r) => r.markets))).toEqual(new Set(['EU', 'XI', 'GB']));
  });

  it('passes attributes down the tree, the root’s first', () => {
    const dresses = category('apparel.womens.dresses');
    expect(dresses.path).toEqual(['apparel', 'apparel.womens', 'apparel.womens.dresses']);
    expect(dresses.attributes.map((a) => a.code)).toEqual(['colour', 'size', 'fibre_composition']);
    expect(dresses.attributes.filter((a) => a.skuDefining).map((a) => a.code)).toEqual(['colour', 'size']);

    const lamp = category('lighting.bulbs.led_bulbs');
    expect(lamp.attributes.map((a) => a.code)).toEqual(expect.arrayContaining(['light_colour', 'wattage_w', 'lamp_base']));
    expect(category('lighting.indoor.table_lamps').attributes.map((a) => a.code)).toContain('plug_type');
    expect(category('phones.cases_covers.back_cases').attributes.find((a) => a.code === 'compatible_model')?.skuDefining).toBe(true);
    expect(category('jewellery.fine.rings').attributes.map((a) => a.code)).toEqual(expect.arrayContaining(['metal', 'purity', 'ring_size']));
    expect(category('toys.dolls_plush.baby_dolls').attributes.map((a) => a.code)).toContain('age_range');
    expect(category('auto_parts.exterior.wiper_blades').attributes.map((a) => a.code)).toEqual(expect.arrayContaining(['vehicle_make', 'vehicle_model']));
    expect(category('pet_supplies.walking.harnesses').attributes.map((a) => a.code)).toEqual(expect.arrayContaining(['pet_type', 'pet_size']));
    expect(category('beauty.skincare.serums').attributes.map((a) => a.code)).toContain('volume_ml');
  });

  it('requires a category qualification where any category on the path does', () => {
    expect(category('jewellery.fine').qualificationRequired).toBe(true);
    expect(category('jewellery.fine.rings').qualificationRequired).toBe(true);
    expect(category('jewellery.fashion.rings').qualificationRequired).toBe(false);
    expect(category('beauty.skincare.sunscreen').qualificationRequired).toBe(true);
    expect(category('beauty.nails.nail_polish').qualificationRequired).toBe(true);
    expect(category('beauty.nails.false_nails').qualificationRequired).toBe(false);
    expect(category('lighting.bulbs.led_bulbs').qualificationRequired).toBe(false);
  });

  it('marks only categories without children as leaves', () => {
    expect(category('lighting').isLeaf).toBe(false);
    expect(category('lighting.bulbs').isLeaf).toBe(false);
    expect(category('lighting.bulbs.led_bulbs').isLeaf).toBe(true);
  });

  it('stays small enough to ship and load quickly', async () => {
    const { statSync } = await import('node:fs');
    expect(statSync(DEFAULT_TAXONOMY_FILE).size).toBeLessThan(1_500_000);
  });
});

// ─── parseTaxonomy on a small file of its own ────────────────────────────────────────────────

const names = (en: string) => Object.fromEntries(CATALOG_LANGUAGES.map((language) => [language, `${en} (${language})`]));

/** A minimal valid file in its on-disk (snake_case) form, for the tests to break. */
function rawTaxonomy(): Record<string, any> {
  return {
    version: '2026-01-01',
    source: 'test fixture',
    languages: [...CATALOG_LANGUAGES],
    market_groups: { EU: ['DE', 'FR'] },
    categories: [
      {
        code: 'home',
        parent: null,
        names: names('Home'),
        commission: [{ from: '2025-01-01', rate: '0.08' }],
        certifications: [{ markets: ['EU'], any_of: ['CE'], basis: 'fixture' }],
        qualification_required: false,
        attributes: [
          {
            code: 'colour',
            names: names('Colour'),
            type: 'enum',
            required: true,
            sku_defining: true,
            values: [
              { code: 'red', names: names('Red') },
              { code: 'blue', names: names('Blue') },
            ],
          },
        ],
      },
      {
        code: 'home.lamps',
        parent: 'home',
        names: names('Lamps'),
        certifications: [{ markets: ['GB'], any_of: ['CE', 'UKCA'], basis: 'fixture' }],
        attributes: [{ code: 'wattage_w', names: names('Wattage'), type: 'number', unit: 'W', min: 0, max: 500, required: false, sku_defining: false }],
      },
      { code: 'home.lamps.desk', parent: 'home.lamps', names: names('Desk lamps'), qualification_required: true },
      {
        code: 'home.rugs',
        parent: 'home',
        names: names('Rugs'),
        commission: [
          { from: '2025-01-01', rate: '0.1' },
          { from: '2026-07-01', rate: '0.12' },
        ],
      },
    ],
  };
}

function problem(raw: unknown): string {
  try {
    parseTaxonomy(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(TaxonomyError);
    return (error as Error).message;
  }
  throw new Error('parseTaxonomy accepted the file');
}

describe('parseTaxonomy', () => {
  it('accepts the fixture and returns camelCase definitions', () => {
    const parsed = parseTaxonomy(rawTaxonomy());
    expect(parsed.marketGroups).toEqual({ EU: ['DE', 'FR'] });
    expect(parsed.categories.map((c) => c.code)).toEqual(['home', 'home.lamps', 'home.lamps.desk', 'home.rugs']);
    expect(parsed.categories[0]?.certifications).toEqual([{ markets: ['EU'], anyOf: ['CE'], basis: 'fixture' }]);
    expect(parsed.categories[1]?.attributes[0]).toMatchObject({ code: 'wattage_w', type: 'number', unit: 'W', min: 0, max: 500, skuDefining: false });
  });

  it('resolves inheritance: nearest schedule, rules and attributes from the root down, qualification', () => {
    const resolved = resolveCategories(parseTaxonomy(rawTaxonomy()));
    const desk = resolved.get('home.lamps.desk')!;
    expect(desk.path).toEqual(['home', 'home.lamps', 'home.lamps.desk']);
    expect(desk.attributes.map((a) => a.code)).toEqual(['colour', 'wattage_w']);
    expect(desk.certifications.map((r) => r.markets)).toEqual([['EU'], ['GB']]);
    expect(desk.commission).toEqual([{ from: '2025-01-01', rate: '0.08' }]);
    expect(desk.qualificationRequired).toBe(true);
    expect(resolved.get('home.lamps')!.qualificationRequired).toBe(false);
    expect(resolved.get('home.rugs')!.commission.map((s) => s.rate)).toEqual(['0.1', '0.12']);
  });

  it('finds rules through a market group and only there', () => {
    const parsed = parseTaxonomy(rawTaxonomy());
    const desk = resolveCategories(parsed).get('home.lamps.desk')!;
    expect(certificationsFor(desk, 'DE', parsed.marketGroups).map((r) => r.anyOf)).toEqual([['CE']]);
    expect(certificationsFor(desk, 'GB', parsed.marketGroups).map((r) => r.anyOf)).toEqual([['CE', 'UKCA']]);
    expect(certificationsFor(desk, 'IT', parsed.marketGroups)).toEqual([]);
  });

  it('picks the commission step in force on a date', () => {
    const rugs = resolveCategories(parseTaxonomy(rawTaxonomy())).get('home.rugs')!;
    expect(commissionRateOn(rugs, '2024-12-31')).toBeUndefined();
    expect(commissionRateOn(rugs, '2025-01-01')).toBe('0.1');
    expect(commissionRateOn(rugs, '2026-06-30')).toBe('0.1');
    expect(commissionRateOn(rugs, '2026-07-01')).toBe('0.12');
    expect(commissionRateOn(rugs, '2030-01-01')).toBe('0.12');
    expect(() => commissionRateOn(rugs, '2026-02-30')).toThrow(TaxonomyError);
  });

  it('rejects a missing translation', () => {
    const raw = rawTaxonomy();
    delete raw.categories[2].names.ar;
    expect(problem(raw)).toBe('categories[2] (home.lamps.desk).names.ar is missing');
  });

  it('rejects an empty translation', () => {
    const raw = rawTaxonomy();
    raw.categories[1].attributes[0].names.ko = '  ';
    expect(problem(raw)).toBe('categories[1] (home.lamps).attributes[0].names.ko must be a non-empty string, got "  "');
  });

  it('rejects an unknown parent', () => {
    const raw = rawTaxonomy();
    raw.categories[2].parent = 'home.lights';
    expect(problem(raw)).toBe('categories[2] (home.lamps.desk).parent "home.lights" is not a category');
  });

  it('rejects a parent listed after its child', () => {
    const raw = rawTaxonomy();
    [raw.categories[1], raw.categories[2]] = [raw.categories[2], raw.categories[1]];
    expect(problem(raw)).toBe('categories[1] (home.lamps.desk).parent "home.lamps" must be listed before its children (it is at categories[2])');
  });

  it('rejects a code that is not the parent’s code plus one slug', () => {
    const raw = rawTaxonomy();
    raw.categories[2].code = 'home.desk';
    expect(problem(raw)).toBe('categories[2] (home.desk).code must be the parent\'s code "home.lamps" followed by "." and one slug');
  });

  it('rejects a child redefining an inherited attribute', () => {
    const raw = rawTaxonomy();
    raw.categories[2].attributes = [{ code: 'colour', names: names('Shade'), type: 'text', required: false, sku_defining: true }];
    expect(problem(raw)).toBe('categories[2] (home.lamps.desk).attributes[0].code "colour" is already defined by ancestor home');
  });

  it('lets unrelated branches use the same attribute code', () => {
    const raw = rawTaxonomy();
    raw.categories[3].attributes = [{ code: 'wattage_w', names: names('Wattage'), type: 'number', required: false, sku_defining: false }];
    expect(() => parseTaxonomy(raw)).not.toThrow();
  });

  it('rejects a duplicate code', () => {
    const raw = rawTaxonomy();
    raw.categories.push({ ...raw.categories[1] });
    expect(problem(raw)).toBe('categories[4] (home.lamps).code duplicates categories[1]');
  });

  it('rejects a duplicate enum value', () => {
    const raw = rawTaxonomy();
    raw.categories[0].attributes[0].values[1].code = 'red';
    expect(problem(raw)).toBe('categories[0] (home).attributes[0].values[1].code "red" duplicates categories[0] (home).attributes[0].values[0]');
  });

  it.each([
    ['8', '"8"'],
    ['1.5', '"1.5"'],
    ['0.08%', '"0.08%"'],
    ['-0.05', '"-0.05"'],
    ['0.123456', '"0.123456"'],
  ])('rejects the rate %s', (rate, shown) => {
    const raw = rawTaxonomy();
    raw.categories[0].commission[0].rate = rate;
    expect(problem(raw)).toBe(`categories[0] (home).commission[0].rate must be a decimal string from 0 to 1 with at most 4 decimals, got ${shown}`);
  });

  it('rejects a rate written as a number', () => {
    const raw = rawTaxonomy();
    raw.categories[0].commission[0].rate = 0.08;
    expect(problem(raw)).toBe('categories[0] (home).commission[0].rate must be a decimal string from 0 to 1 with at most 4 decimals, got 0.08');
  });

  it.each(['2025-02-30', '2025-13-01', '25-01-01', '2025-1-1'])('rejects the date %s', (date) => {
    const raw = rawTaxonomy();
    raw.categories[3].commission[0].from = date;
    expect(problem(raw)).toBe(`categories[3] (home.rugs).commission[0].from must be a real date as YYYY-MM-DD, got "${date}"`);
  });

  it('rejects commission steps out of order', () => {
    const raw = rawTaxonomy();
    raw.categories[3].commission.reverse();
    expect(problem(raw)).toBe('categories[3] (home.rugs).commission[1].from 2025-01-01 must be after 2026-07-01 of the step before');
  });

  it('rejects a root without a commission schedule', () => {
    const raw = rawTaxonomy();
    delete raw.categories[0].commission;
    expect(problem(raw)).toBe('categories[0] (home).commission is missing: a root category needs a commission schedule for its subtree');
    raw.categories[0].commission = [];
    expect(problem(raw)).toBe('categories[0] (home).commission is empty: a root category needs a commission schedule for its subtree');
  });

  it('reads an empty schedule or rule list on a child as inheriting, so parsed definitions round-trip', () => {
    const raw = rawTaxonomy();
    raw.categories[2].commission = [];
    raw.categories[2].certifications = [];
    raw.categories[2].attributes = [];
    const desk = resolveCategories(parseTaxonomy(raw)).get('home.lamps.desk')!;
    expect(desk.commission).toEqual([{ from: '2025-01-01', rate: '0.08' }]);
    expect(desk.certifications).toHaveLength(2);
    expect(desk.attributes.map((a) => a.code)).toEqual(['colour', 'wattage_w']);
  });

  it.each(['EUR', 'XX', 'fr', 'UK'])('rejects the market %s, neither a country code nor a group', (market) => {
    const raw = rawTaxonomy();
    raw.categories[1].certifications[0].markets = [market];
    expect(problem(raw)).toBe(
      `categories[1] (home.lamps).certifications[0].markets[0] "${market}" is neither an ISO 3166-1 alpha-2 country code nor a market group`,
    );
  });

  it('rejects an unknown certificate type', () => {
    const raw = rawTaxonomy();
    raw.categories[0].certifications[0].any_of = ['Ce'];
    expect(problem(raw)).toBe('categories[0] (home).certifications[0].any_of[0] "Ce" is not a certificate type (CE, UKCA, CPNP, SCPN, EN71)');
  });

  it('rejects a misspelt field instead of ignoring it', () => {
    const raw = rawTaxonomy();
    raw.categories[1].attributes[0].sku_defning = true;
    expect(problem(raw)).toBe('categories[1] (home.lamps).attributes[0].sku_defning is not a known field');
  });

  it('rejects number limits on a text attribute', () => {
    const raw = rawTaxonomy();
    raw.categories[1].attributes[0].type = 'text';
    expect(problem(raw)).toBe('categories[1] (home.lamps).attributes[0].unit only applies to number attributes');
  });

  it('rejects two siblings a shopper could not tell apart', () => {
    const raw = rawTaxonomy();
    raw.categories[3].names.fr = raw.categories[1].names.fr;
    expect(problem(raw)).toBe('categories[3] (home.rugs).names.fr "Lamps (fr)" is also the name of sibling categories[1] (home.lamps)');
  });

  it('rejects a market group named like a country', () => {
    const raw = rawTaxonomy();
    raw.market_groups.DE = ['DE'];
    expect(problem(raw)).toBe('market_groups.DE must not be named like a country code');
  });

  it('names the file when loading fails', () => {
    expect(() => loadTaxonomyFile('/nonexistent/categories.json')).toThrow(/Cannot read taxonomy file \/nonexistent\/categories\.json/);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CARRIERS_FILE, CarrierRegistryError, loadCarrierRegistryFile, parseCarrierRegistry, shippedCarrierRegistry, trackingUrlFor } from './carriers.ts';
import { MAX_TRACKING_NUMBER_LENGTH, matchFormat, parseS10 } from './numbers.ts';
import { mapCarrierEvent } from './status.ts';

const registry = shippedCarrierRegistry();
const file = JSON.parse(readFileSync(CARRIERS_FILE, 'utf8')) as Record<string, any>;

/** Every carrier logistics.md and the brief name, by the code it has here and the kind it must be. */
const NAMED: [string, string][] = [
  // national posts
  ['china-post', 'post'], ['hong-kong-post', 'post'], ['russian-post', 'post'], ['correos', 'post'], ['la-poste', 'post'], ['colissimo', 'post'],
  ['correios', 'post'], ['saudi-post', 'post'], ['korea-post', 'post'], ['royal-mail', 'post'], ['usps', 'post'], ['deutsche-post', 'post'],
  ['postnl', 'post'], ['poste-italiane', 'post'],
  // China cross-border consolidators
  ['cainiao', 'consolidator'], ['yunexpress', 'consolidator'], ['4px', 'consolidator'], ['yanwen', 'consolidator'], ['sf-international', 'consolidator'],
  ['jt-express', 'consolidator'], ['sunyou', 'consolidator'], ['wanb', 'consolidator'], ['flyt', 'consolidator'],
  // express integrators
  ['dhl-express', 'express'], ['ups', 'express'], ['fedex', 'express'], ['aramex', 'express'], ['tnt', 'express'], ['chronopost', 'express'],
  // last-mile carriers
  ['cdek', 'last_mile'], ['boxberry', 'last_mile'], ['seur', 'last_mile'], ['mrw', 'last_mile'], ['gls', 'last_mile'], ['colis-prive', 'last_mile'],
  ['mondial-relay', 'last_mile'], ['jadlog', 'last_mile'], ['loggi', 'last_mile'], ['total-express', 'last_mile'], ['smsa', 'last_mile'], ['naqel', 'last_mile'],
  ['cj-logistics', 'last_mile'], ['hanjin', 'last_mile'], ['lotte', 'last_mile'], ['evri', 'last_mile'], ['dpd', 'last_mile'], ['hermes-germany', 'last_mile'],
  ['inpost', 'last_mile'], ['brt', 'last_mile'],
  // the marketplace's own network
  ['caravan', 'platform'],
];

/** The S10 suffix each named post issues. */
const POST_COUNTRIES: Record<string, string> = {
  'china-post': 'CN', 'hong-kong-post': 'HK', 'russian-post': 'RU', correos: 'ES', 'la-poste': 'FR', colissimo: 'FR', correios: 'BR',
  'saudi-post': 'SA', 'korea-post': 'KR', 'royal-mail': 'GB', usps: 'US', 'deutsche-post': 'DE', postnl: 'NL', 'poste-italiane': 'IT',
};

describe('the shipped registry', () => {
  it('records its version, date and sources', () => {
    expect(registry.version).toMatch(/^\d{4}\.\d+\.\d+$/);
    expect(registry.recordedOn).toBe('2026-11-25');
    expect(registry.sources).toContain('UPU');
  });

  it('has at least the 137 carriers the reference integrates', () => {
    expect(registry.carriers.length).toBeGreaterThanOrEqual(137);
    expect(new Set(registry.carriers.map((carrier) => carrier.code)).size).toBe(registry.carriers.length);
  });

  it.each(NAMED)('includes %s as a %s', (code, kind) => {
    expect(registry.get(code)?.kind).toBe(kind);
  });

  it.each(Object.entries(POST_COUNTRIES))('lets %s accept S10 numbers with its suffix %s', (code, country) => {
    const carrier = registry.get(code);
    expect(carrier?.s10Country).toBe(country);
    const s10 = carrier?.numberFormats.find((format) => format.checkDigit === 's10');
    expect(parseS10(s10?.example ?? '')?.country).toBe(country);
  });

  it('gives every post an S10 format and its country suffix', () => {
    for (const carrier of registry.carriers.filter((candidate) => candidate.kind === 'post')) {
      expect(carrier.s10Country, carrier.code).toMatch(/^[A-Z]{2}$/);
      expect(carrier.numberFormats.some((format) => format.checkDigit === 's10'), carrier.code).toBe(true);
    }
  });

  it('gives every carrier tracking, a tracking URL for a number, and at least one format', () => {
    for (const carrier of registry.carriers) {
      expect(carrier.capabilities, carrier.code).toContain('track');
      expect(carrier.numberFormats.length, carrier.code).toBeGreaterThan(0);
      const example = carrier.numberFormats[0]?.example ?? '';
      expect(trackingUrlFor(carrier, example.toLowerCase()), carrier.code).toContain(example);
    }
  });

  it('maps the event codes of the carriers whose codes are published', () => {
    expect(mapCarrierEvent(registry.get('dhl-express')?.statusMap, { code: 'OK' })).toMatchObject({ status: 'delivered' });
    expect(mapCarrierEvent(registry.get('dhl-express')?.statusMap, { code: 'CD' })).toMatchObject({ status: 'customs', subStatus: 'held' });
    expect(mapCarrierEvent(registry.get('fedex')?.statusMap, { code: 'OD' })).toMatchObject({ status: 'out_for_delivery' });
    expect(mapCarrierEvent(registry.get('usps')?.statusMap, { code: '01' })).toMatchObject({ status: 'delivered' });
    expect(mapCarrierEvent(registry.get('cdek')?.statusMap, { code: 'ACCEPTED_AT_PICK_UP_POINT' })).toMatchObject({ status: 'available_for_pickup' });
    expect(mapCarrierEvent(registry.get('colissimo')?.statusMap, { code: 'DO3' })).toMatchObject({ status: 'customs', subStatus: 'held' });
    // Every post understands the UPU's EDI events.
    expect(mapCarrierEvent(registry.get('correios')?.statusMap, { code: 'EMI' })).toMatchObject({ status: 'delivered', mappedBy: 'code' });
    expect(mapCarrierEvent(registry.get('korea-post')?.statusMap, { code: 'EDB' })).toMatchObject({ status: 'customs', subStatus: 'processing' });
  });
});

describe('the platform’s own numbers', () => {
  const caravan = registry.get('caravan')!;

  it('detects a CRV number as the platform’s, its GS1 mod 10 check digit verified, and links to the store’s own tracking page', () => {
    // Serial 0000482613, weights 3 and 1 from the right: 3·3 + 1·1 + 6·3 + 2·1 + 8·3 + 4·1 = 58, so (10 − 8) mod 10 = 2.
    const detection = registry.detectCarriers('crv 0000482613-2');
    expect(detection.normalized).toBe('CRV00004826132');
    expect(detection.candidates).toHaveLength(1);
    expect(detection.candidates[0]).toMatchObject({ carrier: { code: 'caravan', kind: 'platform' }, checkDigit: 'verified' });
    expect(registry.validateForCarrier('caravan', 'CRV00004826132')).toMatchObject({ ok: true, checkDigit: 'verified' });
    expect(trackingUrlFor(caravan, 'CRV00004826132')).toBe('/v1/store/tracking?number=CRV00004826132');
    expect(caravan.capabilities).not.toContain('webhook');
  });

  it('refuses a CRV number with a wrong check digit, and one of the wrong length, and never guesses the platform for them', () => {
    const mistyped = registry.validateForCarrier('caravan', 'CRV00004826137');
    expect(mistyped).toMatchObject({ ok: false, reason: 'check_digit_mismatch', expected: '2' });
    expect(registry.detectCarriers('CRV00004826137').candidates.map((candidate) => candidate.carrier.code)).not.toContain('caravan');
    expect(registry.validateForCarrier('caravan', 'CRV0000482613')).toMatchObject({ ok: false, reason: 'format_mismatch' });
    expect(registry.validateForCarrier('caravan', 'XRV00004826136')).toMatchObject({ ok: false, reason: 'format_mismatch' });
  });

  it('reads the platform’s hand-over record and the simulator’s cross-border texts', () => {
    expect(mapCarrierEvent(caravan.statusMap, { code: 'HANDED_OVER', text: 'Handed over to Correios' })).toMatchObject({ status: 'in_transit', subStatus: 'handed_over', mappedBy: 'code' });
    expect(mapCarrierEvent(caravan.statusMap, { text: 'Customs clearance completed' })).toMatchObject({ status: 'customs', subStatus: 'released' });
  });
});

describe('every number format, valid and mutated', () => {
  const formats = registry.carriers.flatMap((carrier) => carrier.numberFormats.map((format) => ({ carrier, format })));
  const table = formats.map(({ carrier, format }) => [`${carrier.code}: ${format.name}`, carrier, format] as const);

  it('covers every format in the registry', () => {
    expect(table.length).toBe(file.carriers.reduce((sum: number, carrier: any) => sum + carrier.number_formats.length, 0));
  });

  it.each(table)('%s', (_label, carrier, format) => {
    // The example is valid for its carrier, in the format it illustrates.
    expect(registry.validateForCarrier(carrier.code, format.example)).toMatchObject({ ok: true });
    expect(matchFormat(format, format.example)).toMatchObject({ matches: true, checkDigit: format.checkDigit === 'none' ? 'none' : 'verified' });
    if (format.checkDigit !== 'none') {
      // Changing the check character must fail the check digit.
      const match = new RegExp(format.pattern, 'd').exec(format.example);
      const at = match?.indices?.groups?.check?.[0] ?? format.example.length - 1;
      const check = format.example[at] as string;
      const other = /\d/.test(check) ? String((Number(check) + 1) % 10) : check === 'Z' ? 'A' : String.fromCharCode(check.charCodeAt(0) + 1);
      const mutated = `${format.example.slice(0, at)}${other}${format.example.slice(at + 1)}`;
      expect(mutated).not.toBe(format.example);
      expect(matchFormat(format, mutated)).toMatchObject({ matches: true, checkDigit: 'failed', expected: check });
    } else {
      // Lengthening the number past what the pattern allows must fail the pattern.
      let mutated = `${format.example}Z`;
      while (format.regex.test(mutated) && mutated.length < MAX_TRACKING_NUMBER_LENGTH) mutated += 'Z';
      expect(matchFormat(format, mutated)).toEqual({ matches: false });
    }
  });
});

/** A minimal valid registry to break one field at a time. */
function minimal(): Record<string, any> {
  return {
    version: 't',
    recorded_on: '2026-11-25',
    sources: 'test',
    shared_status_maps: { base: { codes: { EMI: 'delivered' } } },
    carriers: [
      {
        code: 'china-post',
        name: 'China Post',
        kind: 'post',
        countries: ['CN'],
        s10_country: 'CN',
        website: 'https://www.chinapost.com.cn',
        tracking_url: 'https://example.cn/track?n={number}',
        number_formats: [{ name: 'S10', regex: '^[A-Z]{2}(?<body>\\d{8})(?<check>\\d)CN$', check_digit: 's10', example: 'RR123456785CN' }],
        status_map: { extends: ['base'], codes: { '1': 'in_transit/accepted' }, keywords: { 'Posted': 'in_transit/accepted' } },
        capabilities: ['track'],
      },
      {
        code: 'ups',
        name: 'UPS',
        kind: 'express',
        countries: ['*'],
        website: 'https://www.ups.com',
        tracking_url: 'https://www.ups.com/track?tracknum={number}',
        number_formats: [{ name: 'UPS 1Z', regex: '^1Z(?<body>[A-Z0-9]{15})(?<check>\\d)$', check_digit: 'ups_mod10', example: '1Z999AA10123456784' }],
        capabilities: ['track', 'rate'],
      },
    ],
  };
}

function breaking(change: (json: Record<string, any>) => void): Record<string, any> {
  const json = minimal();
  change(json);
  return json;
}

describe('registry validation', () => {
  it('accepts the minimal registry and merges the shared status map', () => {
    const parsed = parseCarrierRegistry(minimal());
    expect(parsed.carriers.map((carrier) => carrier.code)).toEqual(['china-post', 'ups']);
    expect(mapCarrierEvent(parsed.get('china-post')?.statusMap, { code: 'emi' })).toMatchObject({ status: 'delivered' });
    expect(parsed.detectCarriers('RR123456785CN').candidates[0]?.carrier.code).toBe('china-post');
  });

  it('lets only the platform’s own network track on the marketplace’s own pages', () => {
    const parsed = parseCarrierRegistry(breaking((json) => Object.assign(json.carriers[1], { kind: 'platform', website: '/', tracking_url: '/v1/store/tracking?number={number}' })));
    expect(parsed.get('ups')).toMatchObject({ kind: 'platform', website: '/', trackingUrl: '/v1/store/tracking?number={number}' });
  });

  it.each([
    ['a duplicate code', (json: any) => { json.carriers[1].code = 'china-post'; }, 'carriers[1].code repeats china-post, already at carriers[0]'],
    ['a code that is not a slug', (json: any) => { json.carriers[1].code = 'UPS'; }, 'carriers[1].code must be a lower-case slug'],
    ['a bad regex', (json: any) => { json.carriers[1].number_formats[0].regex = '^1Z([A-Z$'; }, 'carriers[1] (ups).number_formats[0] (UPS 1Z).regex is not a valid regular expression'],
    ['an unanchored regex', (json: any) => { json.carriers[1].number_formats[0].regex = '1Z(?<body>[A-Z0-9]{15})(?<check>\\d)'; }, 'must match the whole number'],
    ['an example that does not match', (json: any) => { json.carriers[1].number_formats[0].example = '1Z999AA1012345678'; }, 'carriers[1] (ups).number_formats[0] (UPS 1Z).example "1Z999AA1012345678" does not match its regex'],
    ['an example that fails its check digit', (json: any) => { json.carriers[1].number_formats[0].example = '1Z999AA10123456785'; }, 'carriers[1] (ups).number_formats[0] (UPS 1Z).example "1Z999AA10123456785" fails its ups_mod10 check digit: expected 4, found 5'],
    ['an S10 example that fails', (json: any) => { json.carriers[0].number_formats[0].example = 'RR123456784CN'; }, 'carriers[0] (china-post).number_formats[0] (S10).example "RR123456784CN" fails its s10 check digit: expected 5, found 4'],
    ['an example in lower case', (json: any) => { json.carriers[1].number_formats[0].example = '1z999aa10123456784'; }, 'must be written as it is matched'],
    ['an unknown algorithm', (json: any) => { json.carriers[1].number_formats[0].check_digit = 'mod11'; }, 'carriers[1] (ups).number_formats[0] (UPS 1Z).check_digit must be one of none, s10'],
    ['only one named group', (json: any) => { json.carriers[1].number_formats[0].regex = '^1Z(?<body>[A-Z0-9]{15})\\d$'; }, 'names only one of the groups'],
    ['an unknown canonical status', (json: any) => { json.carriers[0].status_map.codes['1'] = 'shipped'; }, 'carriers[0] (china-post).status_map.codes.1 "shipped" is not a canonical status'],
    ['an unknown sub-status', (json: any) => { json.carriers[0].status_map.codes['1'] = 'customs/stuck'; }, '"stuck" is not a sub-status of customs'],
    ['a status decided by the clock', (json: any) => { json.carriers[0].status_map.codes['1'] = 'expired'; }, 'expired is decided from the clock'],
    ['an unknown status in a keyword', (json: any) => { json.carriers[0].status_map.keywords.Posted = 'posted'; }, 'carriers[0] (china-post).status_map.keywords."Posted" "posted" is not a canonical status'],
    ['a code repeated in another case', (json: any) => { json.carriers[0].status_map.codes.ok = 'delivered'; json.carriers[0].status_map.codes.OK = 'delivered'; }, 'repeats code OK'],
    ['an unknown shared map', (json: any) => { json.carriers[0].status_map.extends = ['nope']; }, 'carriers[0] (china-post).status_map.extends[0] names no shared status map: "nope"'],
    ['an unknown status in a shared map', (json: any) => { json.shared_status_maps.base.codes.EMI = 'arrived'; }, 'shared_status_maps.base.codes.EMI "arrived" is not a canonical status'],
    ['an unknown field', (json: any) => { json.carriers[1].number_formats[0]['check-digit'] = 'none'; }, 'number_formats[0].check-digit is not a known field'],
    ['an unknown kind', (json: any) => { json.carriers[1].kind = 'courier'; }, 'carriers[1] (ups).kind must be one of post, consolidator, express, last_mile, platform'],
    ['a tracking page on the marketplace’s host for an outside carrier', (json: any) => { json.carriers[1].tracking_url = '/v1/store/tracking?number={number}'; }, 'carriers[1] (ups).tracking_url must be an http(s) URL, got'],
    ['a protocol-relative tracking page for the platform', (json: any) => { json.carriers[1].kind = 'platform'; json.carriers[1].tracking_url = '//tracking.example/{number}'; }, 'carriers[1] (ups).tracking_url must be an http(s) URL or a path from the marketplace’s own root'],
    ['a bad country', (json: any) => { json.carriers[0].countries = ['China']; }, 'carriers[0] (china-post).countries[0] must be an ISO 3166-1 alpha-2 code'],
    ['worldwide with others', (json: any) => { json.carriers[1].countries = ['*', 'US']; }, '"*" (worldwide) stands alone'],
    ['an S10 country without a matching format', (json: any) => { json.carriers[0].s10_country = 'HK'; }, 'carriers[0] (china-post).s10_country is HK, but no s10 format'],
    ['a tracking URL without the number', (json: any) => { json.carriers[1].tracking_url = 'https://www.ups.com/track'; }, 'carriers[1] (ups).tracking_url must contain {number} exactly once'],
    ['an unknown capability', (json: any) => { json.carriers[1].capabilities = ['track', 'pickup']; }, 'carriers[1] (ups).capabilities[1] must be one of track, rate, label, webhook'],
    ['no number formats', (json: any) => { json.carriers[1].number_formats = []; }, 'carriers[1] (ups).number_formats must be a non-empty array'],
    ['a bad date', (json: any) => { json.recorded_on = '25/11/2026'; }, 'recorded_on must be a date YYYY-MM-DD'],
  ])('fails on %s, naming the record and field', (_case, change, message) => {
    expect(() => parseCarrierRegistry(breaking(change))).toThrow(CarrierRegistryError);
    expect(() => parseCarrierRegistry(breaking(change))).toThrow(message);
  });

  it('names the file it could not read', () => {
    expect(() => loadCarrierRegistryFile('/nonexistent/carriers.json')).toThrow('/nonexistent/carriers.json');
  });
});

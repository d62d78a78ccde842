import { describe, expect, it } from 'vitest';
import { shippedCarrierRegistry } from './carriers.ts';
import {
  expectedCheckCharacter,
  fedexMod11CheckDigit,
  fixedCharacters,
  gs1Mod10CheckDigit,
  iso7064Mod3736CheckCharacter,
  luhnCheckDigit,
  matchFormat,
  mod10Weights49CheckDigit,
  mod7CheckDigit,
  normalizeTrackingNumber,
  numberProblem,
  parseS10,
  s10CheckDigit,
  upsMod10CheckDigit,
} from './numbers.ts';

const registry = shippedCarrierRegistry();
const codes = (input: string, countries?: string[]) => registry.detectCarriers(input, countries ? { countries } : {}).candidates.map((candidate) => candidate.carrier.code);

describe('UPU S10 check digit', () => {
  it('reproduces the worked example of logistics.md: 12345678 → 204 → r 6 → 5', () => {
    expect(s10CheckDigit('12345678')).toBe(5);
    expect(parseS10('RR123456785CN')).toEqual({
      serviceIndicator: 'RR',
      service: 'registered',
      trackable: true,
      serial: '12345678',
      checkDigit: 5,
      checkDigitValid: true,
      country: 'CN',
    });
  });

  it('gives 5 when the remainder is 0 and 0 when it is 1, instead of 11 − r', () => {
    expect(s10CheckDigit('00000000')).toBe(5); // Σ = 0
    expect(s10CheckDigit('00000008')).toBe(0); // Σ = 56 = 5 × 11 + 1
    expect(s10CheckDigit('00000003')).toBe(1); // Σ = 21, r = 10
  });

  it.each([
    ['RR123456784CN', false],
    ['RR123456758CN', false], // two digits swapped
    ['RR123456785CN', true],
  ])('checks %s', (number, valid) => {
    expect(parseS10(number)?.checkDigitValid).toBe(valid);
  });

  it('names the service from the first letter, and marks U* items as untracked', () => {
    expect(parseS10('EA123456785CN')?.service).toBe('ems');
    expect(parseS10('CP123456785FR')?.service).toBe('parcel');
    expect(parseS10('LX123456785DE')?.service).toBe('tracked_letter');
    expect(parseS10('VV123456785GB')?.service).toBe('insured');
    expect(parseS10('UA123456785CN')).toMatchObject({ service: 'untracked', trackable: false });
    expect(parseS10('AB123456785CN')?.service).toBe('other');
  });

  it('refuses what is not S10-shaped', () => {
    expect(parseS10('RR12345678CN')).toBeUndefined();
    expect(parseS10('R1123456785CN')).toBeUndefined();
    expect(() => s10CheckDigit('1234567')).toThrow(RangeError);
  });
});

describe('check-digit algorithms, valid and mutated', () => {
  // [algorithm, body, check that passes, a wrong check]
  const cases: [Parameters<typeof expectedCheckCharacter>[0], string, string, string][] = [
    ['s10', '12345678', '5', '4'],
    ['s10', '18392825', '2', '3'], // TNT consignment: the same weights over the first 8 digits
    ['ups_mod10', '999AA1012345678', '4', '5'], // UPS's own documentation example 1Z999AA10123456784
    ['ups_mod10', 'C1103150000187', '9', '8'], // OnTrac: the letter counts as 4 (C) in the same rule
    ['fedex_mod11', '98657878885', '5', '6'],
    ['fedex_mod11', '47717908123', '0', '1'], // Σ mod 11 = 0
    ['gs1_mod10', '940011120108080548301', '6', '7'], // USPS IMpb 22 digits
    ['gs1_mod10', '44904430413782', '1', '2'], // FedEx Ground 15 digits
    ['gs1_mod10', '007393800054929', '7', '1'], // Canada Post 16 digits
    ['mod7', '331881002', '5', '6'], // DHL Express 3318810025
    ['mod7', '40554842488', '6', '0'], // Japan Post 405548424886
    ['mod10_4_9', '56310243031', '3', '4'], // Deutsche Post Identcode, worked below
    ['luhn', '32059546393', '8', '9'], // Purolator 320595463938
    ['iso7064_mod37_36', '008182709980000020033350276', 'C', 'D'], // DPD label barcode
  ];

  it.each(cases)('%s over %s expects %s, not %s', (algorithm, body, good, bad) => {
    expect(expectedCheckCharacter(algorithm, body)).toBe(good);
    expect(expectedCheckCharacter(algorithm, body)).not.toBe(bad);
  });

  it('computes Deutsche Post weights 4 and 9 from the left', () => {
    // 5·4 + 6·9 + 3·4 + 1·9 + 0·4 + 2·9 + 4·4 + 3·9 + 0·4 + 3·9 + 1·4 = 187 → check 3
    expect(mod10Weights49CheckDigit('56310243031')).toBe(3);
  });

  it('reads every body length the formats need', () => {
    expect(gs1Mod10CheckDigit('98765431234567')).toBe(2); // FedEx Ground 96: the last 15 digits
    const fedex34 = '1001921334250001000300779017972697'; // the check covers the 13 digits before the last
    expect(String(fedexMod11CheckDigit(fedex34.slice(20, 33)))).toBe(fedex34.slice(33));
    expect(mod7CheckDigit('9'.repeat(40))).toBe(Number(BigInt('9'.repeat(40)) % 7n));
    expect(luhnCheckDigit('7992739871')).toBe(3); // the classic Luhn example
    expect(upsMod10CheckDigit('5R8939035756712')).toBe(7);
    expect(iso7064Mod3736CheckCharacter('008182709980000020045327276')).toBe('N');
  });

  it('answers undefined when the body does not suit the algorithm', () => {
    expect(expectedCheckCharacter('s10', '123')).toBeUndefined();
    expect(expectedCheckCharacter('gs1_mod10', '12A4')).toBeUndefined();
    expect(expectedCheckCharacter('mod7', '')).toBeUndefined();
  });
});

describe('normalisation', () => {
  it.each([
    ['rr 123-456-785 cn', 'RR123456785CN'],
    ['  1z 999 aa1 0123 4567 84 ', '1Z999AA10123456784'],
    ['ＲＲ１２３４５６７８５ＣＮ', 'RR123456785CN'], // full-width, as Chinese keyboards type
    ['99.60.123456.12345678', '996012345612345678'],
    ['RR\u200B123456785\u00A0CN', 'RR123456785CN'],
    ['9400–1000–0000', '940010000000'], // en dash
  ])('%j → %s', (input, expected) => {
    expect(normalizeTrackingNumber(input)).toBe(expected);
  });

  it('names what makes a number impossible', () => {
    expect(numberProblem('')).toBe('empty');
    expect(numberProblem('A'.repeat(41))).toBe('too_long');
    expect(numberProblem('RR123/456')).toBe('invalid_characters');
    expect(numberProblem('RR123456785CN')).toBeUndefined();
  });
});

describe('format specificity', () => {
  it.each([
    ['^LP\\d{14}$', 2],
    ['^\\d{10}$', 0],
    ['^(?:JJD|JD)\\d{16}$', 2],
    ['^J{1,2}D\\d{16}$', 2],
    ['^[A-Z]{2}(?<body>\\d{8})(?<check>\\d)CN$', 2],
    ['^E[A-Z](?<body>\\d{8})(?<check>\\d)CN$', 3],
    ['^WNB[A-Z]{2}\\d{9,12}(?:YQ)?$', 3],
    ['^420\\d{5}(?<body>9[1-5]\\d{19})(?<check>\\d)$', 4],
  ])('%s fixes %i characters', (source, count) => {
    expect(fixedCharacters(source)).toBe(count);
  });
});

describe('matching a format', () => {
  it('uses the named body and check groups when the regex has them', () => {
    const format = { regex: /^420\d{5}(?<body>9[1-5]\d{19})(?<check>\d)$/, checkDigit: 'gs1_mod10' as const };
    const body = '9400111201080805483016'.slice(0, 21);
    expect(matchFormat(format, `42010001${body}6`)).toMatchObject({ matches: true, checkDigit: 'verified' });
    expect(matchFormat(format, `42010001${body}7`)).toMatchObject({ matches: true, checkDigit: 'failed', expected: '6', found: '7' });
    expect(matchFormat(format, `${body}6`)).toEqual({ matches: false });
  });
});

describe('detecting carriers', () => {
  it('puts the post that issued an S10 number first, then the consolidators that carry any post’s numbers', () => {
    const found = codes('RR123456785CN');
    expect(found[0]).toBe('china-post');
    expect(found).toContain('cainiao');
    expect(found).not.toContain('hong-kong-post');
    expect(codes('RR123456785HK')[0]).toBe('hong-kong-post');
    expect(codes('RR123456785BR')[0]).toBe('correios');
    expect(codes('RR123456785RU')[0]).toBe('russian-post');
    expect(codes('RR123456785ES')[0]).toBe('correos');
    expect(codes('RR123456785SA')[0]).toBe('saudi-post');
    expect(codes('RR123456785KR')[0]).toBe('korea-post');
    expect(codes('RR123456785GB')[0]).toBe('royal-mail');
    expect(codes('RR123456785US')[0]).toBe('usps');
    expect(codes('RR123456785DE')[0]).toBe('deutsche-post');
    expect(codes('RR123456785NL')[0]).toBe('postnl');
  });

  it('lets the service letter pick the post’s EMS or parcel arm', () => {
    expect(codes('EA123456785CN').slice(0, 2)).toEqual(['ems-china', 'china-post']);
    expect(codes('CP123456785FR').slice(0, 2)).toEqual(['colissimo', 'la-poste']);
    expect(codes('EE123456785FR').slice(0, 2)).toEqual(['chronopost', 'la-poste']);
    expect(codes('RR123456785FR')[0]).toBe('la-poste');
  });

  it('drops a format whose check digit fails: a mistyped S10 number matches only bare patterns', () => {
    const detection = registry.detectCarriers('RR123456784CN');
    expect(detection.s10).toMatchObject({ checkDigitValid: false });
    expect(detection.candidates.every((candidate) => candidate.checkDigit === 'none')).toBe(true);
    expect(detection.candidates.map((candidate) => candidate.carrier.code)).not.toContain('china-post');
  });

  it('ranks a verified check digit above a bare pattern of the same length', () => {
    // 10 digits: DHL Express (mod 7) against CDEK, Aramex, DPD UK and others (patterns only).
    const detection = registry.detectCarriers('3318810025');
    expect(detection.candidates[0]).toMatchObject({ carrier: { code: 'dhl-express' }, checkDigit: 'verified' });
    expect(detection.candidates.slice(1).every((candidate) => candidate.checkDigit === 'none')).toBe(true);
    expect(codes('3318810025')).toContain('cdek');
    // The same digits with a wrong check: DHL is out, the patterns stay.
    expect(codes('3318810024')).not.toContain('dhl-express');
    expect(codes('3318810024')).toContain('cdek');
  });

  it('ranks a more specific pattern above a looser one, and a hinted country above both', () => {
    // "JJD" + 16 digits fits DHL Express and DHL Paket ("JJD" fixed) and Yodel ("J{1,2}D", 2 fixed).
    expect(codes('JJD0001234567890123')).toEqual(['dhl-express', 'dhl-paket', 'yodel']);
    expect(codes('JJD0001234567890123', ['GB'])).toEqual(['yodel', 'dhl-express', 'dhl-paket']);
    // Twelve digits fit many carriers' bare patterns; naming the destination brings its carriers up.
    const hinted = registry.detectCarriers('123456789013', { countries: ['kr'] }).candidates.filter((candidate) => candidate.checkDigit === 'none');
    expect(hinted.length).toBeGreaterThan(3);
    expect(hinted[0]?.servesHintedCountry).toBe(true);
    expect(hinted[0]?.carrier.countries).toContain('KR');
  });

  it('finds the carriers of distinctive numbers', () => {
    expect(codes('1Z999AA10123456784')).toEqual(['ups']);
    expect(codes('1z 999 aa1 0123 4567 84')).toEqual(['ups']);
    expect(codes('1Z999AA10123456785')).toEqual([]);
    expect(codes('LP00123456789012')).toEqual(['cainiao']);
    expect(codes('YT2412345678901234')).toEqual(['yunexpress']);
    expect(codes('TBA123456789012')).toEqual(['amazon-logistics']);
    expect(codes('9400111201080805483016')[0]).toBe('usps');
    expect(registry.detectCarriers('986578788855').candidates).toContainEqual(expect.objectContaining({ carrier: expect.objectContaining({ code: 'fedex' }), checkDigit: 'verified' }));
  });

  it('never suggests a carrier from a catch-all format', () => {
    expect(codes('ABCD12345678')).not.toContain('loggi');
    expect(registry.validateForCarrier('loggi', 'ABCD12345678')).toMatchObject({ ok: true, checkDigit: 'none' });
  });

  it('looks nothing up for input that cannot be a tracking number', () => {
    expect(registry.detectCarriers('  ')).toEqual({ normalized: '', problem: 'empty', candidates: [] });
    expect(registry.detectCarriers('RR12345/6785CN')).toMatchObject({ problem: 'invalid_characters', candidates: [] });
  });
});

describe('validating a seller’s number for their carrier', () => {
  it('accepts a number in any spelling and says which format it is', () => {
    expect(registry.validateForCarrier('china-post', 'rr 123-456-785 cn')).toMatchObject({
      ok: true,
      normalized: 'RR123456785CN',
      format: { name: 'UPU S10 (CN)' },
      checkDigit: 'verified',
    });
    expect(registry.validateForCarrier('ups', '1Z999AA10123456784')).toMatchObject({ ok: true, format: { name: 'UPS 1Z' } });
  });

  it('says the check digit is wrong, and which digit was expected', () => {
    const result = registry.validateForCarrier('china-post', 'RR123456784CN');
    expect(result).toMatchObject({ ok: false, reason: 'check_digit_mismatch', expected: '5' });
    if (!result.ok) expect(result.message).toContain('should be 5, not 4');
  });

  it('says the number is not that carrier’s, shows theirs, and names who it does fit', () => {
    const result = registry.validateForCarrier('china-post', '1Z999AA10123456784');
    expect(result).toMatchObject({ ok: false, reason: 'format_mismatch', suggestions: ['ups'] });
    if (!result.ok) {
      expect(result.message).toContain('UPU S10 (CN)');
      expect(result.message).toContain('It does fit UPS');
    }
  });

  it('refuses an S10 number from another post', () => {
    expect(registry.validateForCarrier('china-post', 'RR123456785HK')).toMatchObject({ ok: false, reason: 'format_mismatch', suggestions: expect.arrayContaining(['hong-kong-post']) });
  });

  it('refuses untracked letter post, which no carrier will ever report on', () => {
    expect(registry.validateForCarrier('china-post', 'UA123456785CN')).toMatchObject({ ok: false, reason: 'not_trackable' });
  });

  it('answers for unknown carriers and impossible input', () => {
    expect(registry.validateForCarrier('no-such-carrier', 'RR123456785CN')).toMatchObject({ ok: false, reason: 'unknown_carrier' });
    expect(registry.validateForCarrier('ups', '')).toMatchObject({ ok: false, reason: 'empty' });
    expect(registry.validateForCarrier('ups', 'x'.repeat(41))).toMatchObject({ ok: false, reason: 'too_long' });
    expect(registry.validateForCarrier('ups', '1Z#')).toMatchObject({ ok: false, reason: 'invalid_characters' });
  });
});

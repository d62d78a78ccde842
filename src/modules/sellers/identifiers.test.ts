import { describe, expect, it } from 'vitest';
import { checkMainlandMobile, checkResidentId, checkUscc, residentIdCheckCharacter, usccCheckCharacter } from './identifiers.ts';

const TODAY = '2026-11-24';

describe('Unified Social Credit Code (GB 32100-2015)', () => {
  it.each(['91350100M000100Y43', '91110108551385082Q', '91 1101 0855 1385 082q'])('accepts %s', (code) => {
    const result = checkUscc(code);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value).toMatch(/^[0-9A-Y]{18}$/);
  });

  it('computes the check character of the reference examples', () => {
    expect(usccCheckCharacter('91350100M000100Y4')).toBe('3');
    expect(usccCheckCharacter('91110108551385082')).toBe('Q');
  });

  it('catches every wrong check character', () => {
    const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
    for (const c of alphabet) {
      if (c === 'Q') continue;
      expect(checkUscc(`91110108551385082${c}`)).toMatchObject({ ok: false, code: 'invalid_check_character' });
    }
  });

  it.each([
    ['9111010855138508', 'invalid_length'],
    ['91110108551385082QQ', 'invalid_length'],
    ['91110108551385O82Q', 'invalid_character'],
    ['9111010855138508IQ', 'invalid_character'],
    ['91990108551385082Q', 'invalid_division_code'],
    ['9111A108551385082Q', 'invalid_division_code'],
    ['91110108551385083Q', 'invalid_check_character'],
  ])('rejects %s as %s', (code, reason) => {
    expect(checkUscc(code)).toMatchObject({ ok: false, code: reason });
  });
});

describe('resident identity number (GB 11643-1999)', () => {
  it.each(['11010519491231002X', '440308199901101512', '11010519491231002x'])('accepts %s', (id) => {
    expect(checkResidentId(id, TODAY)).toMatchObject({ ok: true });
  });

  it('computes the reference check characters', () => {
    expect(residentIdCheckCharacter('11010519491231002')).toBe('X');
    expect(residentIdCheckCharacter('44030819990110151')).toBe('2');
  });

  it('catches every wrong check character', () => {
    for (const c of '0123456789X') {
      if (c === '2') continue;
      expect(checkResidentId(`44030819990110151${c}`, TODAY)).toMatchObject({ ok: false, code: 'invalid_check_character' });
    }
  });

  const withCheck = (first17: string) => `${first17}${residentIdCheckCharacter(first17)}`;

  it.each([
    ['1101051949123100', 'invalid_length'],
    ['11010519491231002XX', 'invalid_length'],
    ['1101051949123100AX', 'invalid_character'],
    [withCheck('99010519491231002'), 'invalid_division_code'],
    [withCheck('11010519490230002'), 'invalid_birth_date'],
    [withCheck('11010519491301002'), 'invalid_birth_date'],
    [withCheck('11010518991231002'), 'invalid_birth_date'],
    [withCheck('11010520271231002'), 'invalid_birth_date'],
  ])('rejects %s as %s', (id, reason) => {
    expect(checkResidentId(id, TODAY)).toMatchObject({ ok: false, code: reason });
  });

  it('accepts a leap day only in a leap year', () => {
    expect(checkResidentId(withCheck('11010520000229002'), TODAY)).toMatchObject({ ok: true });
    expect(checkResidentId(withCheck('11010519990229002'), TODAY)).toMatchObject({ ok: false, code: 'invalid_birth_date' });
  });
});

describe('mainland mobile numbers', () => {
  it.each([
    ['13800138000', '+8613800138000'],
    ['+86 139 1234 5678', '+8613912345678'],
    ['0086-199-0000-0000', '+8619900000000'],
  ])('accepts %s as %s', (input, e164) => {
    expect(checkMainlandMobile(input)).toEqual({ ok: true, value: e164 });
  });

  it.each([
    ['1380013800', 'invalid_length'],
    ['138001380001', 'invalid_length'],
    ['12800138000', 'invalid_prefix'],
    ['23800138000', 'invalid_prefix'],
    ['1380013800a', 'invalid_character'],
  ])('rejects %s as %s', (input, reason) => {
    expect(checkMainlandMobile(input)).toMatchObject({ ok: false, code: reason });
  });
});

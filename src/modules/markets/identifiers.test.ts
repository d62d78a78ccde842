import { describe, expect, it } from 'vitest';
import { shippedMarkets } from './countries.ts';
import { checkBuyerIdentifier, checkCnpj, checkCpf, checkPccc } from './identifiers.ts';

const markets = shippedMarkets();

describe('CPF', () => {
  it.each([
    ['529.982.247-25', '52998224725'],
    ['52998224725', '52998224725'],
    ['111.444.777-35', '11144477735'],
    ['123.456.789-09', '12345678909'],
    // First check digit from a remainder below 2 (→ 0).
    ['000.000.001-91', '00000000191'],
    [' 529.982.247-25 ', '52998224725'],
  ])('accepts %s as %s', (value, normalized) => {
    expect(checkCpf(value)).toEqual({ ok: true, normalized });
  });

  it.each([
    ['529.982.247-35', 'first check digit wrong'],
    ['529.982.247-24', 'second check digit wrong'],
    ['529.982.247-52', 'check digits swapped'],
    ['529.982.237-25', 'a body digit mistyped'],
  ])('refuses %s (%s)', (value) => {
    expect(checkCpf(value)).toEqual({ ok: false, reason: expect.stringContaining('check digits are wrong') });
  });

  it.each([
    ['5299822472', 'ten digits'],
    ['529982247250', 'twelve digits'],
    ['529.982.24725', 'half punctuated'],
    ['529 982 247 25', 'spaces between groups'],
    ['529.982.247-2X', 'a letter'],
    ['', 'nothing'],
  ])('refuses %j (%s) for its form', (value) => {
    expect(checkCpf(value)).toEqual({ ok: false, reason: expect.stringContaining('11 digits') });
  });

  it.each(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'])('refuses %s repeated eleven times, although its check digits add up', (digit) => {
    expect(checkCpf(digit.repeat(11))).toEqual({ ok: false, reason: 'a CPF is never one digit repeated' });
  });
});

describe('CNPJ', () => {
  it.each([
    ['11.222.333/0001-81', '11222333000181'],
    ['11222333000181', '11222333000181'],
    ['11.444.777/0001-61', '11444777000161'],
    // The alphanumeric CNPJ issued from July 2026: letters count as their code minus 48.
    ['12.ABC.345/01DE-35', '12ABC34501DE35'],
    ['12abc34501de35', '12ABC34501DE35'],
  ])('accepts %s as %s', (value, normalized) => {
    expect(checkCnpj(value)).toEqual({ ok: true, normalized });
  });

  it.each(['11.222.333/0001-91', '11.222.333/0001-80', '12.ABC.345/01DE-53', '12.ABD.345/01DE-35'])('refuses %s: wrong check digits', (value) => {
    expect(checkCnpj(value)).toEqual({ ok: false, reason: expect.stringContaining('check digits are wrong') });
  });

  it.each(['1122233300018', '112223330001811', '11.222.333/0001-8A', '11-222-333/0001-81', '00000000000000'])('refuses %s', (value) => {
    expect(checkCnpj(value).ok).toBe(false);
  });
});

describe('Personal Customs Clearance Code', () => {
  it.each([
    ['P123456789012', 'P123456789012'],
    ['p123456789012', 'P123456789012'],
  ])('accepts %s as %s', (value, normalized) => {
    expect(checkPccc(value)).toEqual({ ok: true, normalized });
  });

  it.each(['P12345678901', 'P1234567890123', '123456789012', 'Q123456789012', 'P12345678901A', 'P-123456789012'])('refuses %s', (value) => {
    expect(checkPccc(value)).toEqual({ ok: false, reason: 'a Personal Customs Clearance Code is P followed by 12 digits' });
  });
});

describe('checkBuyerIdentifier', () => {
  it('checks what each market asks for', () => {
    expect(checkBuyerIdentifier(markets.get('BR')!, 'CPF', '529.982.247-25')).toEqual({ ok: true, normalized: '52998224725' });
    expect(checkBuyerIdentifier(markets.get('BR')!, 'CNPJ', '11.222.333/0001-81')).toEqual({ ok: true, normalized: '11222333000181' });
    expect(checkBuyerIdentifier(markets.get('KR')!, 'PCCC', 'P123456789012')).toEqual({ ok: true, normalized: 'P123456789012' });
    expect(checkBuyerIdentifier(markets.get('BR')!, 'CPF', '111.111.111-11')).toEqual({ ok: false, reason: 'a CPF is never one digit repeated' });
  });

  it('refuses an identifier the market does not ask for', () => {
    expect(checkBuyerIdentifier(markets.get('KR')!, 'CPF', '529.982.247-25')).toEqual({ ok: false, reason: 'KR asks buyers for PCCC, not CPF' });
    expect(checkBuyerIdentifier(markets.get('ES')!, 'PCCC', 'P123456789012')).toEqual({ ok: false, reason: 'ES asks buyers for no identifier, not PCCC' });
    expect(checkBuyerIdentifier(markets.get('BR')!, 'RG', '123')).toEqual({ ok: false, reason: 'BR asks buyers for CPF or CNPJ, not RG' });
  });
});

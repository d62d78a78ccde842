import { describe, expect, it } from 'vitest';
import { nameTokens, normalizeName } from './screening.ts';

describe('normalizeName', () => {
  it.each([
    // case, punctuation and whitespace
    ['ACME  Trading', 'entity', 'acme trading'],
    ['Acme-Trading/Import', 'entity', 'acme trading import'],
    ['  "Acme"   (Trading)  ', 'entity', 'acme trading'],
    // accents and letters without a decomposition
    ['Ñandú Café', 'entity', 'nandu cafe'],
    ['Łukasz Błażej Żółć', 'person', 'lukasz blazej zolc'],
    ['Müller Straße', 'person', 'muller strasse'],
    ['İSTANBUL', 'entity', 'istanbul'],
    // full-width forms
    ['ＡＣＭＥ（Ｔｒａｄｉｎｇ）', 'entity', 'acme trading'],
    ['示例（深圳）贸易', 'entity', '示例 深圳 贸易'],
    // "SURNAME, Given" for people
    ['SAMPLE, Listed Person', 'person', 'listed person sample'],
    ['DOE, Jane', 'person', 'jane doe'],
    ['Jane Doe', 'person', 'jane doe'],
    ['SMITH, John, Jr.', 'person', 'smith john jr'],
    ['DOE,', 'person', 'doe'],
    ['ZHANG，Wei', 'person', 'wei zhang'],
    // the reorder is for people only
    ['SAMPLE, Listed Person', 'entity', 'sample listed person'],
    // English and other legal forms
    ['EXAMPLE SANCTIONED TRADING CO., LTD.', 'entity', 'example sanctioned trading'],
    ['Example Trading Company Limited', 'entity', 'example trading'],
    ['The Bank of Example Inc.', 'entity', 'bank example'],
    ['Alpha & Omega LLC', 'entity', 'alpha omega'],
    ['Alpha and Omega L.L.C.', 'entity', 'alpha omega'],
    ['Mock Logistics S.A.', 'entity', 'mock logistics'],
    ['Demo Export-Import GmbH', 'entity', 'demo export import'],
    ['Illustrative Minerals O.J.S.C.', 'entity', 'illustrative minerals'],
    ['OOO Romashka', 'entity', 'romashka'],
    ['Gulf Example FZE', 'entity', 'gulf example'],
    ['Example Pte. Ltd.', 'entity', 'example'],
    // kept on purpose: group and holding(s) are not legal forms
    ['Alpha Group Holdings Ltd', 'entity', 'alpha group holdings'],
    ['Alpha Holding Corp.', 'entity', 'alpha holding'],
    // a name made only of legal-form words keeps them rather than becoming empty
    ['The Company Ltd', 'entity', 'the company ltd'],
    // people keep words that are legal forms for companies
    ['Co Ltd', 'person', 'co ltd'],
    ['Anna Sa', 'person', 'anna sa'],
    // initials stay separate for people
    ['J.R. Smith', 'person', 'j r smith'],
    // Chinese company suffixes
    ['示例制裁贸易有限公司', 'entity', '示例制裁贸易'],
    ['示例制裁贸易有限责任公司', 'entity', '示例制裁贸易'],
    ['示例制裁贸易股份有限公司', 'entity', '示例制裁贸易'],
    ['示例制裁貿易有限責任公司', 'entity', '示例制裁貿易'],
    ['示例制裁贸易公司', 'entity', '示例制裁贸易'],
    ['示例制裁贸易 有限公司', 'entity', '示例制裁贸易'],
    ['示例贸易（香港）有限公司', 'entity', '示例贸易 香港'],
    ['示例集团有限公司', 'entity', '示例集团'],
    ['有限公司', 'entity', '有限公司'],
    // Han names are kept whole, and people's names lose no suffix
    ['张伟', 'person', '张伟'],
    ['欧阳娜娜', 'person', '欧阳娜娜'],
    ['张公司', 'person', '张公司'],
    // other scripts survive
    ['ООО Ромашка', 'entity', 'ооо ромашка'],
    ['がっこう', 'entity', 'がっこう'],
    ['한국무역', 'entity', '한국무역'],
    // nothing to screen
    ['', 'entity', ''],
    [' ,.- ', 'person', ''],
  ] as const)('%s (%s) → "%s"', (input, kind, expected) => {
    expect(normalizeName(input, kind)).toBe(expected);
  });
});

describe('nameTokens', () => {
  it('returns the normalised words in order', () => {
    expect(nameTokens('EXAMPLE SANCTIONED TRADING CO., LTD.', 'entity')).toEqual(['example', 'sanctioned', 'trading']);
    expect(nameTokens('SAMPLE, Listed Person', 'person')).toEqual(['listed', 'person', 'sample']);
  });

  it('keeps composed Hangul and voiced kana as single characters', () => {
    expect(nameTokens('한국', 'person')).toEqual(['한국']);
    expect([...(nameTokens('が', 'person')[0] ?? '')]).toEqual(['が']);
  });
});

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATA_DIR } from '../../platform/paths.ts';
import { evaluateAdmission, findingsFingerprint, loadAdmissionRules, outcomeOf, type AdmissionContext, type AdmissionProduct, type CertificateFact, type ContentHit } from './admission.ts';

const rules = loadAdmissionRules(path.join(DATA_DIR, 'compliance', 'admission-rules.json'));
const EU = ['ES', 'FR', 'DE', 'NL'];
const context: AdmissionContext = {
  rules,
  prohibitedListVersion: 7,
  today: '2026-06-01',
  covers: (listed, market) => listed.includes(market) || (listed.includes('EU') && EU.includes(market)),
  languageOf: (market) => ({ ES: 'es', FR: 'fr', GB: 'en', US: 'en', DE: 'de', NL: 'nl' })[market],
};

const lamp = (overrides: Partial<AdmissionProduct> = {}): AdmissionProduct => ({
  categoryName: 'LED Bulbs',
  categoryPath: ['lighting', 'lighting.bulbs', 'lighting.bulbs.led_bulbs'],
  qualificationRequired: false,
  markets: ['ES', 'GB', 'US'],
  certificationRules: [
    { markets: ['EU'], anyOf: ['CE'], basis: 'Low Voltage Directive' },
    { markets: ['GB'], anyOf: ['CE', 'UKCA'], basis: 'GB product safety' },
  ],
  video: { durationSeconds: 20 },
  images: 2,
  model: 'A60',
  manufacturer: { name: 'Lumen', address: 'Foshan', email: 'a@b.cn', country: 'CN' },
  euResponsiblePerson: { name: 'Lumen EU', address: 'Amsterdam', email: 'eu@b.nl', country: 'NL' },
  warnings: { en: 'Hot', es: 'Caliente', fr: 'Chaud' },
  ...overrides,
});

const cert = (type: string, markets: string[], overrides: Partial<CertificateFact> = {}): CertificateFact => ({
  id: `cer_${type}`,
  type,
  markets,
  scope: [],
  validFrom: '2026-01-01',
  validTo: '2026-12-31',
  status: 'submitted',
  ...overrides,
});

const summary = (decisions: ReturnType<typeof evaluateAdmission>) => Object.fromEntries(decisions.map((d) => [d.market, `${d.outcome}:${d.findings.map((f) => f.rule).join(',')}`]));

describe('product admission', () => {
  it('delists where a required certificate is missing, market by market', () => {
    expect(summary(evaluateAdmission(lamp(), [], [], context))).toEqual({
      ES: 'delist:certification.required',
      GB: 'delist:certification.required',
      US: 'pass:',
    });
    expect(summary(evaluateAdmission(lamp(), [cert('UKCA', ['GB'])], [], context))).toEqual({ ES: 'delist:certification.required', GB: 'pass:', US: 'pass:' });
    expect(summary(evaluateAdmission(lamp(), [cert('CE', ['EU', 'GB'])], [], context))).toEqual({ ES: 'pass:', GB: 'pass:', US: 'pass:' });
  });

  it('does not count rejected, not yet valid or expired certificates, and says when one expired', () => {
    for (const bad of [cert('CE', ['EU'], { status: 'rejected' }), cert('CE', ['EU'], { validFrom: '2026-07-01' })]) {
      expect(evaluateAdmission(lamp({ markets: ['ES'] }), [bad], [], context)[0]?.outcome).toBe('delist');
    }
    const [expired] = evaluateAdmission(lamp({ markets: ['ES'] }), [cert('CE', ['EU'], { validTo: '2026-05-31' })], [], context);
    expect(expired?.findings[0]).toMatchObject({ evidence: 'CE certificate cer_CE expired on 2026-05-31', fix: expect.stringContaining('renewed') });
    const [lastDay] = evaluateAdmission(lamp({ markets: ['ES'] }), [cert('CE', ['EU'], { validTo: '2026-06-01' })], [], context);
    expect(lastDay?.outcome).toBe('pass');
  });

  it('asks EU listings for the GPSR information, and only EU listings', () => {
    const bare = lamp({ euResponsiblePerson: null, model: null, warnings: { en: 'Hot' } });
    const decisions = evaluateAdmission(bare, [cert('CE', ['EU', 'GB'])], [], context);
    expect(decisions.find((d) => d.market === 'ES')?.findings.map((f) => f.field)).toEqual(['/eu_responsible_person', '/model', '/warnings/es']);
    expect(decisions.find((d) => d.market === 'GB')?.outcome).toBe('pass');
    // A manufacturer established in the EU needs no separate responsible person.
    const european = lamp({ euResponsiblePerson: null, manufacturer: { name: 'X', address: 'Y', email: 'z@x.de', country: 'DE' }, markets: ['ES'] });
    expect(evaluateAdmission(european, [cert('CE', ['EU'])], [], context)[0]?.outcome).toBe('pass');
  });

  it('throttles a main video over 30 seconds', () => {
    expect(evaluateAdmission(lamp({ markets: ['US'], video: { durationSeconds: 30 } }), [], [], context)[0]?.outcome).toBe('pass');
    const [long] = evaluateAdmission(lamp({ markets: ['US'], video: { durationSeconds: 31 } }), [], [], context);
    expect(long).toMatchObject({ outcome: 'throttle', findings: [{ rule: 'media.video_length', evidence: '31 s', field: '/video/duration_seconds' }] });
  });

  const hit = (kind: ContentHit['kind'], where: string[] | '*' = '*'): ContentHit => ({
    kind,
    ruleKey: kind === 'diversion' ? 'messenger' : 'weapons.stun_gun',
    label: kind === 'diversion' ? 'messenger' : 'stun gun',
    field: '/titles/en',
    matched: kind === 'diversion' ? 'WhatsApp +86 138 0013 8000' : 'stun gun',
    licence: 'a security equipment licence',
    appliesIn: (market) => where === '*' || where.includes(market),
  });

  it('rejects prohibited items where they are prohibited, holds restricted ones, throttles diversion', () => {
    const certified = [cert('CE', ['EU', 'GB'])];
    expect(summary(evaluateAdmission(lamp(), certified, [hit('prohibit', ['GB'])], context))).toEqual({ ES: 'pass:', GB: 'reject:prohibited.item', US: 'pass:' });
    expect(summary(evaluateAdmission(lamp(), certified, [hit('restrict')], context))).toEqual({ ES: 'hold:restricted.item', GB: 'hold:restricted.item', US: 'hold:restricted.item' });
    expect(summary(evaluateAdmission(lamp(), certified, [hit('diversion')], context))).toEqual({
      ES: 'throttle:content.off_platform_diversion',
      GB: 'throttle:content.off_platform_diversion',
      US: 'throttle:content.off_platform_diversion',
    });
    const [prohibited] = evaluateAdmission(lamp({ markets: ['US'] }), [], [hit('prohibit')], context);
    expect(prohibited?.findings[0]).toMatchObject({ ruleVersion: 7, evidence: 'stun gun', field: '/titles/en' });
  });

  it('lifts a restriction with a verified licence that names the item, and only then', () => {
    const licence = cert('LICENCE', ['US'], { scope: ['weapons.stun_gun'] });
    expect(evaluateAdmission(lamp({ markets: ['US'] }), [licence], [hit('restrict')], context)[0]?.outcome).toBe('hold');
    expect(evaluateAdmission(lamp({ markets: ['US'] }), [{ ...licence, status: 'verified' }], [hit('restrict')], context)[0]?.outcome).toBe('pass');
    expect(evaluateAdmission(lamp({ markets: ['US'] }), [{ ...licence, status: 'verified', scope: ['other.item'] }], [hit('restrict')], context)[0]?.outcome).toBe('hold');
  });

  it('holds categories that need a qualification until a verified one names the category or an ancestor', () => {
    const makeup = lamp({ markets: ['US'], qualificationRequired: true, categoryPath: ['beauty', 'beauty.makeup', 'beauty.makeup.lipstick'], certificationRules: [] });
    expect(evaluateAdmission(makeup, [], [], context)[0]).toMatchObject({ outcome: 'hold', findings: [{ rule: 'category.qualification' }] });
    const qualification = cert('QUALIFICATION', ['US'], { scope: ['beauty.makeup'], status: 'verified' });
    expect(evaluateAdmission(makeup, [qualification], [], context)[0]?.outcome).toBe('pass');
  });

  it('decides by the most severe finding', () => {
    expect(outcomeOf([], rules.precedence)).toBe('pass');
    const findings = evaluateAdmission(lamp({ markets: ['ES'], video: { durationSeconds: 45 } }), [], [hit('restrict'), hit('diversion')], context)[0]!.findings;
    expect(outcomeOf(findings, rules.precedence)).toBe('hold');
    expect(outcomeOf(findings.filter((f) => f.outcome !== 'hold'), rules.precedence)).toBe('delist');
  });

  it('fingerprints findings regardless of order, and tells different evidence apart', () => {
    const [a] = evaluateAdmission(lamp({ markets: ['ES'] }), [], [hit('diversion'), hit('restrict')], context);
    const [b] = evaluateAdmission(lamp({ markets: ['ES'] }), [], [hit('restrict'), hit('diversion')], context);
    expect(findingsFingerprint(a!.findings)).toBe(findingsFingerprint(b!.findings));
    const other = { ...hit('diversion'), matched: 'WeChat abc' };
    const [c] = evaluateAdmission(lamp({ markets: ['ES'] }), [], [other, hit('restrict')], context);
    expect(findingsFingerprint(c!.findings)).not.toBe(findingsFingerprint(a!.findings));
  });
});

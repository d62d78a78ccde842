import { readFileSync } from 'node:fs';

/**
 * Product admission: whether a product may be shown in each market it is offered in, and why not.
 * A pure function of the product, its certificates and the findings of the content scanners, so
 * every decision can be replayed from what it stored (rule id and version, evidence).
 */
export type ComplianceOutcome = 'pass' | 'throttle' | 'delist' | 'hold' | 'reject';

interface RuleRef {
  id: string;
  version: number;
  outcome: ComplianceOutcome;
}

export interface AdmissionRules {
  version: number;
  certification: RuleRef;
  gpsr: RuleRef & { markets: string[] };
  prohibited: RuleRef;
  restricted: RuleRef;
  qualification: RuleRef;
  video: RuleRef & { maxSeconds: number };
  diversion: RuleRef;
  precedence: ComplianceOutcome[];
}

export function loadAdmissionRules(file: string): AdmissionRules {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as {
    version: number;
    rules: Record<string, RuleRef & { markets?: string[]; max_seconds?: number }>;
    precedence: ComplianceOutcome[];
  };
  const rule = (name: string) => {
    const found = raw.rules[name];
    if (!found?.id || !Number.isInteger(found.version)) throw new Error(`admission rules: "${name}" needs an id and a version`);
    return found;
  };
  return {
    version: raw.version,
    certification: rule('certification'),
    gpsr: { ...rule('gpsr'), markets: rule('gpsr').markets ?? [] },
    prohibited: rule('prohibited'),
    restricted: rule('restricted'),
    qualification: rule('qualification'),
    video: { ...rule('video'), maxSeconds: rule('video').max_seconds ?? 30 },
    diversion: rule('diversion'),
    precedence: raw.precedence,
  };
}

export interface Finding {
  rule: string;
  ruleVersion: number;
  outcome: ComplianceOutcome;
  /** The market the finding concerns; null when it holds everywhere the product is offered. */
  market: string | null;
  field?: string;
  evidence?: string;
  message: string;
  fix: string;
}

export interface MarketDecision {
  market: string;
  outcome: ComplianceOutcome;
  findings: Finding[];
}

export interface Party {
  name?: string;
  address?: string;
  email?: string;
  country?: string;
}

export interface AdmissionProduct {
  categoryName: string;
  /** Category codes from the root to the product's leaf. */
  categoryPath: string[];
  /** Sellers need an approved qualification for this category before listing in it. */
  qualificationRequired: boolean;
  markets: string[];
  /** The certification rules of the product's category (inherited ones included). */
  certificationRules: { markets: string[]; anyOf: string[]; basis: string }[];
  video: { durationSeconds: number } | null;
  images: number;
  model: string | null;
  manufacturer: Party | null;
  euResponsiblePerson: Party | null;
  warnings: Record<string, string>;
}

export interface CertificateFact {
  id: string;
  type: string;
  markets: string[];
  scope: string[];
  validFrom: string;
  validTo: string | null;
  status: 'submitted' | 'verified' | 'rejected';
}

export interface ContentHit {
  kind: 'prohibit' | 'restrict' | 'diversion';
  /** The prohibited item or diversion rule that matched. */
  ruleKey: string;
  label: string;
  field: string;
  matched: string;
  /** Where it applies: the item's jurisdictions (prohibited list), every market otherwise. */
  appliesIn(market: string): boolean;
  licence?: string;
}

export interface AdmissionContext {
  rules: AdmissionRules;
  /** The prohibited list's version, recorded on prohibited/restricted findings. */
  prohibitedListVersion: number;
  today: string;
  /** Whether a certificate's market list covers a market (a market code or a group containing it). */
  covers(listed: readonly string[], market: string): boolean;
  /** A market's main language, for warnings buyers must be able to read. */
  languageOf(market: string): string | undefined;
}

function usable(certificate: CertificateFact, market: string, today: string, context: AdmissionContext): boolean {
  return (
    certificate.status !== 'rejected' &&
    certificate.validFrom <= today &&
    (certificate.validTo === null || today <= certificate.validTo) &&
    context.covers(certificate.markets, market)
  );
}

function certificationFindings(product: AdmissionProduct, market: string, certificates: readonly CertificateFact[], context: AdmissionContext): Finding[] {
  const { certification } = context.rules;
  const findings: Finding[] = [];
  for (const requirement of product.certificationRules.filter((r) => context.covers(r.markets, market))) {
    const candidates = certificates.filter((c) => requirement.anyOf.includes(c.type) && context.covers(c.markets, market) && c.status !== 'rejected');
    if (candidates.some((c) => usable(c, market, context.today, context))) continue;
    const expired = candidates.find((c) => c.validTo !== null && c.validTo < context.today);
    const names = requirement.anyOf.join(' or ');
    findings.push({
      rule: certification.id,
      ruleVersion: certification.version,
      outcome: certification.outcome,
      market,
      field: '/certificates',
      ...(expired ? { evidence: `${expired.type} certificate ${expired.id} expired on ${expired.validTo}` } : { evidence: `no valid ${names} certificate covers ${market}` }),
      message: `${product.categoryName} products need a ${names} certificate to be sold in ${market} (${requirement.basis}).`,
      fix: expired
        ? `Upload a renewed ${names} certificate covering ${market}; the listing comes back as soon as it is on file.`
        : `Upload the ${names} certificate (or declaration of conformity) for this product, listing ${market} among its markets.`,
    });
  }
  return findings;
}

function gpsrFindings(product: AdmissionProduct, market: string, context: AdmissionContext): Finding[] {
  const { gpsr } = context.rules;
  if (!context.covers(gpsr.markets, market)) return [];
  const missing: { field: string; what: string }[] = [];
  const m = product.manufacturer;
  if (!m?.name?.trim() || !m.address?.trim() || !m.email?.trim()) missing.push({ field: '/manufacturer', what: 'the manufacturer’s name, postal address and e-mail address' });
  const manufacturerInEu = m?.country !== undefined && context.covers(gpsr.markets, m.country);
  const rp = product.euResponsiblePerson;
  if (!manufacturerInEu && (!rp?.name?.trim() || !rp.address?.trim() || !rp.email?.trim())) {
    missing.push({ field: '/eu_responsible_person', what: 'an EU responsible person (name, postal and e-mail address), since the manufacturer is outside the EU' });
  }
  if (product.images < 1) missing.push({ field: '/images', what: 'a picture of the product' });
  if (!product.model?.trim()) missing.push({ field: '/model', what: 'the product’s type, model or batch identifier' });
  const language = context.languageOf(market);
  const hasWarnings = Object.values(product.warnings).some((w) => w.trim() !== '');
  if (hasWarnings && language && !product.warnings[language]?.trim()) missing.push({ field: `/warnings/${language}`, what: `the warnings and safety information in ${language}, the buyers’ language` });
  return missing.map(({ field, what }) => ({
    rule: gpsr.id,
    ruleVersion: gpsr.version,
    outcome: gpsr.outcome,
    market,
    field,
    message: `Products sold in the EU must show ${what} (General Product Safety Regulation (EU) 2023/988).`,
    fix: `Add ${what} to the product.`,
  }));
}

function contentFindings(hits: readonly ContentHit[], market: string, certificates: readonly CertificateFact[], context: AdmissionContext): Finding[] {
  const { prohibited, restricted, diversion } = context.rules;
  const findings: Finding[] = [];
  for (const hit of hits) {
    if (!hit.appliesIn(market)) continue;
    if (hit.kind === 'prohibit') {
      findings.push({
        rule: prohibited.id,
        ruleVersion: context.prohibitedListVersion,
        outcome: prohibited.outcome,
        market,
        field: hit.field,
        evidence: hit.matched,
        message: `“${hit.matched}” matches a prohibited item (${hit.label}); it cannot be sold in ${market}.`,
        fix: 'Remove the product, or correct the text if it does not describe a prohibited item (an operator can confirm on appeal).',
      });
    } else if (hit.kind === 'restrict') {
      const licensed = certificates.some((c) => c.type === 'LICENCE' && c.status === 'verified' && c.scope.includes(hit.ruleKey) && usable(c, market, context.today, context));
      if (licensed) continue;
      findings.push({
        rule: restricted.id,
        ruleVersion: context.prohibitedListVersion,
        outcome: restricted.outcome,
        market,
        field: hit.field,
        evidence: hit.matched,
        message: `“${hit.matched}” matches a restricted item (${hit.label}); it needs ${hit.licence ?? 'a licence'} and an operator’s review.`,
        fix: `Upload ${hit.licence ?? 'the licence'} as a LICENCE certificate covering this item; the listing waits for review meanwhile.`,
      });
    } else {
      findings.push({
        rule: diversion.id,
        ruleVersion: diversion.version,
        outcome: diversion.outcome,
        market,
        field: hit.field,
        evidence: hit.matched,
        message: `“${hit.matched}” (${hit.label}) steers buyers off the platform; the listing loses ranking until it is removed.`,
        fix: `Remove “${hit.matched}” from ${hit.field}: buyers contact sellers through the platform’s messages.`,
      });
    }
  }
  return findings;
}

function qualificationFindings(product: AdmissionProduct, market: string, certificates: readonly CertificateFact[], context: AdmissionContext): Finding[] {
  const { qualification } = context.rules;
  if (!product.qualificationRequired) return [];
  const qualified = certificates.some(
    (c) => c.type === 'QUALIFICATION' && c.status === 'verified' && c.scope.some((code) => product.categoryPath.includes(code)) && usable(c, market, context.today, context),
  );
  if (qualified) return [];
  return [
    {
      rule: qualification.id,
      ruleVersion: qualification.version,
      outcome: qualification.outcome,
      market,
      field: '/category',
      evidence: `no approved qualification for ${product.categoryName}`,
      message: `Selling ${product.categoryName} needs a category qualification approved by the marketplace.`,
      fix: 'File a QUALIFICATION certificate naming this category (with its evidence); the listing waits for review meanwhile.',
    },
  ];
}

function videoFindings(product: AdmissionProduct, market: string, context: AdmissionContext): Finding[] {
  const { video } = context.rules;
  if (!product.video || product.video.durationSeconds <= video.maxSeconds) return [];
  return [
    {
      rule: video.id,
      ruleVersion: video.version,
      outcome: video.outcome,
      market,
      field: '/video/duration_seconds',
      evidence: `${product.video.durationSeconds} s`,
      message: `The main video lasts ${product.video.durationSeconds} seconds; at most ${video.maxSeconds} are allowed.`,
      fix: `Upload a main video of ${video.maxSeconds} seconds or less.`,
    },
  ];
}

/** The outcome of the most severe finding, by the rules' precedence. */
export function outcomeOf(findings: readonly Finding[], precedence: readonly ComplianceOutcome[]): ComplianceOutcome {
  let best: ComplianceOutcome = 'pass';
  for (const finding of findings) if (precedence.indexOf(finding.outcome) < precedence.indexOf(best)) best = finding.outcome;
  return best;
}

export function evaluateAdmission(product: AdmissionProduct, certificates: readonly CertificateFact[], hits: readonly ContentHit[], context: AdmissionContext): MarketDecision[] {
  return product.markets.map((market) => {
    const findings = [
      ...contentFindings(hits, market, certificates, context),
      ...qualificationFindings(product, market, certificates, context),
      ...certificationFindings(product, market, certificates, context),
      ...gpsrFindings(product, market, context),
      ...videoFindings(product, market, context),
    ];
    return { market, outcome: outcomeOf(findings, context.rules.precedence), findings };
  });
}

/** Two evaluations found the same things: an operator's override of the first still stands. */
export function findingsFingerprint(findings: readonly Finding[]): string {
  return findings
    .map((f) => `${f.rule}@${f.ruleVersion}|${f.market ?? ''}|${f.field ?? ''}|${f.evidence ?? ''}`)
    .sort()
    .join('\n');
}

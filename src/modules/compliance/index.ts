import type { Platform } from '../../platform/index.ts';
import type { HttpApp } from '../../platform/http/server.ts';
import { createAdmissionService, type MarketsView } from './admission-service.ts';
import { createCertificatesService } from './certificates.ts';
import { createListingReviewsService } from './listing-reviews.ts';
import { ListSanctionsScreener } from './providers/sdn-list.ts';
import { registerComplianceRoutes } from './routes.ts';
import type { SanctionsScreener } from './screening.ts';
import { createComplianceService } from './service.ts';

export { COMPLIANCE_EVENTS, type CaseOutcome, type ComplianceCase, type ComplianceService, type ScreeningResult } from './service.ts';
export type { SanctionsScreener, ScreeningHit, ScreeningSubject } from './screening.ts';
export { findingsFingerprint, type ComplianceOutcome, type Finding, type MarketDecision } from './admission.ts';
export { PROHIBITED_LIST_EVENTS, type AdmissionService, type ProductForAdmission } from './admission-service.ts';
export { CERTIFICATE_EVENTS, CERTIFICATE_TYPES, type Certificate, type CertificatesService, type CertificateType, type NewCertificate } from './certificates.ts';
export { LISTING_REVIEW_EVENTS, type ListingReview, type ListingReviewsService } from './listing-reviews.ts';
export type { TextField } from './prohibited.ts';
export { CertificateSchema, certificateView, FindingSchema, findingView, NewCertificateSchema } from './routes.ts';

export const CERTIFICATE_VALIDITY_JOB = 'compliance.certificate_validity';

export function createComplianceModule(platform: Platform, options: { screener?: SanctionsScreener; markets: MarketsView }) {
  const screener = options.screener ?? ListSanctionsScreener.fromDirectory(platform.config.sanctionsListDir);
  const service = createComplianceService(platform, screener);
  const certificates = createCertificatesService(platform, { isMarketOrGroup: (code) => options.markets.expand(code).length > 0 });
  const reviews = createListingReviewsService(platform);
  const admission = createAdmissionService(platform, { certificates, markets: options.markets });

  // Certificates take effect on their first valid day and lapse after their last; the hourly run catches each on the day.
  platform.jobs.define(CERTIFICATE_VALIDITY_JOB, async () => {
    await certificates.processValidityChanges(platform.clock.now().toISOString().slice(0, 10));
  });
  platform.jobs.schedule(CERTIFICATE_VALIDITY_JOB, '5 * * * *');

  return {
    service,
    certificates,
    reviews,
    admission,
    installReferenceData: () => admission.installReferenceData(),
    registerRoutes: (app: HttpApp) => registerComplianceRoutes(app, { cases: service, certificates, reviews, admission }),
  };
}

export type ComplianceModule = ReturnType<typeof createComplianceModule>;

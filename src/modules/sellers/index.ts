import type { Platform } from '../../platform/index.ts';
import type { HttpApp } from '../../platform/http/server.ts';
import { COMPLIANCE_EVENTS, type CaseOutcome } from '../compliance/index.ts';
import { registerSellersRoutes } from './routes.ts';
import { createSellersService, type SellersDependencies } from './service.ts';

export { SELLER_EVENTS, screeningSubjects, storeNameKey, type Application, type SellersService, type Store } from './service.ts';
export { checkMainlandMobile, checkResidentId, checkUscc, residentIdCheckCharacter, usccCheckCharacter } from './identifiers.ts';
export type { StoreScoreChange, StoreScoreHistory } from './store-score.ts';
export { STORE_SCORE, STORE_SCORE_RULES, type StoreScoreRule } from './rules.ts';
export { APPLICATION_STATUSES, APPLICATION_TRANSITIONS, REVIEW_SLA, type ApplicationForm, type ApplicationStatus, type DocumentKind } from './rules.ts';

export const FLAG_OVERDUE_REVIEWS_JOB = 'sellers.flag_overdue_reviews';

export function createSellersModule(platform: Platform, deps: SellersDependencies) {
  const service = createSellersService(platform, deps);

  platform.jobs.define(FLAG_OVERDUE_REVIEWS_JOB, async () => {
    await service.flagOverdueReviews();
  });
  platform.jobs.schedule(FLAG_OVERDUE_REVIEWS_JOB, '*/15 * * * *');

  // A confirmed sanctions match ends the application it was found on.
  platform.events.subscribe('sellers.compliance-outcomes', [COMPLIANCE_EVENTS.caseResolved], async (event, tx) => {
    const payload = event.payload as { caseId: string; outcome: CaseOutcome; subjectType: string; subjectId: string };
    if (payload.outcome === 'confirmed_match' && payload.subjectType === 'seller_application') {
      await service.closeForCompliance(tx, payload.subjectId, payload.caseId);
    }
  });

  return {
    service,
    installReferenceData: () => service.installReferenceData(),
    registerRoutes: (app: HttpApp) => registerSellersRoutes(app, service, platform.clock),
  };
}

export type SellersModule = ReturnType<typeof createSellersModule>;

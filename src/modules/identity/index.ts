import type { Platform } from '../../platform/index.ts';
import type { HttpApp } from '../../platform/http/server.ts';
import { registerIdentityRoutes } from './routes.ts';
import { createIdentityService } from './service.ts';

export {
  DATA_ACCESS_TIERS,
  OPERATOR_ROLES,
  SELLER_PERMISSIONS,
  revealsPersonalData,
  type DataAccessTier,
  type OperatorPrincipal,
  type OperatorRole,
  type PersonalDataClass,
  type Principal,
  type SellerPermission,
  type SellerPrincipal,
  type SubjectType,
} from './rules.ts';
export { actorOf, authorize, can, requireOperator, requireSeller, type Account, type Caller, type IdentityService, type SessionGrant } from './service.ts';
export { maskAccountNumber, maskEmail, maskIdNumber, maskPersonName, maskPhone } from './masking.ts';
export { accountView, AccountSchema, callerOf, DisplayName, Email, Locale, Password, SessionSchema, sessionView, SellerPermissionSchema } from './routes.ts';

export const PURGE_SIGN_IN_ATTEMPTS_JOB = 'identity.purge_sign_in_attempts';

export function createIdentityModule(platform: Platform) {
  const service = createIdentityService(platform);
  platform.jobs.define(PURGE_SIGN_IN_ATTEMPTS_JOB, async () => {
    await service.purgeSignInAttempts();
  });
  platform.jobs.schedule(PURGE_SIGN_IN_ATTEMPTS_JOB, '23 * * * *');
  return {
    service,
    registerRoutes: (app: HttpApp) => registerIdentityRoutes(app, service),
  };
}

export type IdentityModule = ReturnType<typeof createIdentityModule>;

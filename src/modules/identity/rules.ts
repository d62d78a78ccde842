import { AbilityBuilder, createMongoAbility, subject as asSubject, type MongoAbility } from '@casl/ability';

/** Permission sets a seller's owner gives staff; the owner holds all of them and manages staff. */
export const SELLER_PERMISSIONS = ['products', 'orders', 'marketing', 'finance', 'data', 'settings'] as const;
export type SellerPermission = (typeof SELLER_PERMISSIONS)[number];

export const OPERATOR_ROLES = ['reviewer', 'compliance', 'support', 'finance', 'logistics', 'admin'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

/**
 * How much personal data an operator sees: `masked` none in full; `contact` names, phones and
 * e-mails in full but identity numbers, bank accounts and ID images masked; `full` everything.
 */
export const DATA_ACCESS_TIERS = ['masked', 'contact', 'full'] as const;
export type DataAccessTier = (typeof DATA_ACCESS_TIERS)[number];

export type PersonalDataClass = 'contact' | 'identity';

export type AccountKind = 'buyer' | 'seller' | 'operator';

export interface BuyerPrincipal {
  kind: 'buyer';
  accountId: string;
  sessionId: string;
}

export interface SellerPrincipal {
  kind: 'seller';
  accountId: string;
  sessionId: string;
  sellerId: string;
  role: 'owner' | 'staff';
  permissions: readonly SellerPermission[];
}

export interface OperatorPrincipal {
  kind: 'operator';
  accountId: string;
  sessionId: string;
  roles: readonly OperatorRole[];
  dataTier: DataAccessTier;
}

export type Principal = BuyerPrincipal | SellerPrincipal | OperatorPrincipal;

export type Action = 'manage' | 'read' | 'create' | 'update' | 'delete' | 'submit' | 'review';
export type SubjectType =
  | 'SellerProfile'
  | 'SellerApplication'
  | 'SellerDocument'
  | 'SellerStaff'
  | 'Store'
  | 'Notification'
  | 'Product'
  | 'Category'
  | 'Order'
  | 'Promotion'
  | 'Payout'
  | 'Dashboard'
  | 'ComplianceCase'
  | 'FeePolicy'
  | 'LogisticsRates'
  | 'Tracking'
  | 'BusinessCalendar'
  | 'Operator'
  | 'AuditLog'
  | 'all';

/** What each staff permission set opens, always within the member's own seller. */
export const SELLER_PERMISSION_GRANTS: Record<SellerPermission, ReadonlyArray<readonly [Action, SubjectType]>> = {
  settings: [
    ['manage', 'SellerApplication'],
    ['manage', 'SellerDocument'],
    ['manage', 'Store'],
  ],
  products: [['manage', 'Product']],
  orders: [['manage', 'Order']],
  marketing: [['manage', 'Promotion']],
  finance: [
    ['manage', 'Payout'],
    ['read', 'Store'],
  ],
  data: [['read', 'Dashboard']],
};

/** What each operator role may do, across all sellers. */
export const OPERATOR_ROLE_GRANTS: Record<OperatorRole, ReadonlyArray<readonly [Action, SubjectType]>> = {
  reviewer: [
    ['read', 'SellerApplication'],
    ['review', 'SellerApplication'],
    ['read', 'SellerDocument'],
    ['read', 'Store'],
    ['read', 'AuditLog'],
  ],
  compliance: [
    ['read', 'SellerApplication'],
    ['read', 'SellerDocument'],
    ['manage', 'ComplianceCase'],
    ['manage', 'Category'],
    ['read', 'Store'],
    ['read', 'AuditLog'],
  ],
  support: [
    ['read', 'SellerApplication'],
    ['read', 'Store'],
    ['read', 'Tracking'],
  ],
  finance: [
    ['manage', 'FeePolicy'],
    ['manage', 'LogisticsRates'],
    ['read', 'Store'],
    ['read', 'Tracking'],
  ],
  // The platform's own network: recording where its parcels go next (hand-over manifests).
  logistics: [['manage', 'Tracking']],
  admin: [['manage', 'all']],
};

export type AppAbility = MongoAbility<[Action, SubjectType | object]>;

export function defineAbility(principal: Principal): AppAbility {
  const { can, build } = new AbilityBuilder<AppAbility>(createMongoAbility);
  switch (principal.kind) {
    case 'seller': {
      const own = { sellerId: principal.sellerId };
      can('read', 'SellerProfile', own);
      can('read', 'Notification', own);
      if (principal.role === 'owner') {
        can('manage', 'all', own);
      } else {
        for (const permission of principal.permissions) {
          for (const [action, subjectType] of SELLER_PERMISSION_GRANTS[permission]) can(action, subjectType, own);
        }
      }
      break;
    }
    case 'operator':
      for (const role of principal.roles) {
        for (const [action, subjectType] of OPERATOR_ROLE_GRANTS[role]) can(action, subjectType);
      }
      break;
    case 'buyer':
      break;
  }
  return build();
}

export { asSubject };

/** Whether personal data of a class is shown in full to this principal (else it is masked). */
export function revealsPersonalData(principal: Principal, dataClass: PersonalDataClass): boolean {
  switch (principal.kind) {
    case 'operator':
      return principal.dataTier === 'full' || (principal.dataTier === 'contact' && dataClass === 'contact');
    case 'seller':
      return principal.role === 'owner' || dataClass === 'contact';
    case 'buyer':
      return false;
  }
}

export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFKC').toLowerCase();
}

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

/** Length-based policy (NIST SP 800-63B): no composition rules, but not the e-mail itself. */
export function passwordProblems(password: string, email: string): string[] {
  const problems: string[] = [];
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) problems.push(`must be at least ${PASSWORD_MIN_LENGTH} characters`);
  if (length > PASSWORD_MAX_LENGTH) problems.push(`must be at most ${PASSWORD_MAX_LENGTH} characters`);
  if (normalizeEmail(password) === normalizeEmail(email)) problems.push('must not be the e-mail address');
  if (length >= PASSWORD_MIN_LENGTH && new Set(password).size === 1) problems.push('must not repeat one character');
  return problems;
}

export interface RateLimit {
  max: number;
  windowMs: number;
}

/** Failed sign-ins allowed per window, per e-mail and per client address. */
export const SIGN_IN_LIMITS = {
  email: { max: 5, windowMs: 15 * 60_000 },
  ip: { max: 50, windowMs: 15 * 60_000 },
} as const satisfies Record<string, RateLimit>;

/** New accounts per client address are counted over an hour (the number is configuration). */
export const SIGN_UP_WINDOW_MS = 60 * 60_000;

/** How long attempts must be kept to judge every limit. */
export const LONGEST_THROTTLE_WINDOW_MS = Math.max(SIGN_IN_LIMITS.email.windowMs, SIGN_IN_LIMITS.ip.windowMs, SIGN_UP_WINDOW_MS);

export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Milliseconds until another attempt is allowed, given the earlier attempts (oldest first); 0 if now. */
function waitMs(earlier: readonly Date[], limit: RateLimit, now: Date): number {
  const recent = earlier.filter((at) => now.getTime() - at.getTime() < limit.windowMs);
  if (recent.length < limit.max) return 0;
  // Allowed again when enough of the recent attempts have left the window.
  const freeing = recent[recent.length - limit.max]!;
  return freeing.getTime() + limit.windowMs - now.getTime();
}

function decide(ms: number): ThrottleDecision {
  return ms > 0 ? { allowed: false, retryAfterSeconds: Math.ceil(ms / 1000) } : { allowed: true };
}

export function rateLimitDecision(earlier: readonly Date[], limit: RateLimit, now: Date): ThrottleDecision {
  return decide(waitMs(earlier, limit, now));
}

/** Decides from the recent failures (oldest first) whether another sign-in may be tried now. */
export function signInThrottle(failures: { email: readonly Date[]; ip: readonly Date[] }, now: Date): ThrottleDecision {
  return decide(Math.max(waitMs(failures.email, SIGN_IN_LIMITS.email, now), waitMs(failures.ip, SIGN_IN_LIMITS.ip, now)));
}

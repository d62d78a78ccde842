import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { and, asc, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import type { Platform } from '../../platform/index.ts';
import type { Actor } from '../../platform/audit/index.ts';
import { inTransaction, isUniqueViolation, type Db } from '../../platform/db/index.ts';
import { AppError, conflict, forbidden, notFound, tooManyRequests, validationFailed } from '../../platform/errors/index.ts';
import { registerIdPrefix } from '../../platform/ids/index.ts';
import {
  asSubject,
  defineAbility,
  normalizeEmail,
  passwordProblems,
  LONGEST_THROTTLE_WINDOW_MS,
  rateLimitDecision,
  SIGN_IN_LIMITS,
  SIGN_UP_WINDOW_MS,
  signInThrottle,
  type AccountKind,
  type Action,
  type AppAbility,
  type DataAccessTier,
  type OperatorPrincipal,
  type OperatorRole,
  type Principal,
  type SellerPermission,
  type SellerPrincipal,
  type SubjectType,
  type ThrottleDecision,
} from './rules.ts';
import { accounts, operatorProfiles, sellerMembers, sessions, signInFailures } from './schema.ts';

const ACCOUNT_PREFIX = registerIdPrefix('acc', 'account');
const SESSION_PREFIX = registerIdPrefix('ses', 'session');
const TOKEN_PREFIX = 'cvn_';

/** Whoever is calling a use case, and the request that carries the call (for the audit log). */
export interface Caller {
  principal: Principal;
  requestId?: string | undefined;
}

export function actorOf(caller: Caller): Actor {
  return { type: caller.principal.kind, id: caller.principal.accountId, requestId: caller.requestId };
}

export interface Account {
  id: string;
  kind: AccountKind;
  email: string;
  displayName: string;
  locale: string;
  status: 'active' | 'disabled';
  createdAt: Date;
}

export interface SessionGrant {
  token: string;
  expiresAt: Date;
}

export interface NewAccount {
  kind: AccountKind;
  email: string;
  password: string;
  displayName: string;
  locale?: string;
}

export interface SellerMemberView {
  account: Account;
  role: 'owner' | 'staff';
  permissions: SellerPermission[];
}

export interface OperatorView {
  account: Account;
  roles: OperatorRole[];
  dataTier: DataAccessTier;
}

const abilities = new WeakMap<Principal, AppAbility>();

function abilityOf(principal: Principal): AppAbility {
  let ability = abilities.get(principal);
  if (!ability) {
    ability = defineAbility(principal);
    abilities.set(principal, ability);
  }
  return ability;
}

/**
 * Checks that the principal may do `action` on a subject type and, given a record, on that record.
 * Lacking the permission at all is a 403; a record of another tenant is a 404, so ids of other
 * sellers cannot be probed.
 */
export function authorize(principal: Principal, action: Action, subjectType: SubjectType, record?: Record<string, unknown>): void {
  const ability = abilityOf(principal);
  if (!ability.can(action, subjectType)) {
    throw forbidden(`Your account may not ${action} ${subjectType} records.`, 'permission_denied');
  }
  if (record && !ability.can(action, asSubject(subjectType, { ...record }))) {
    throw notFound(subjectType);
  }
}

export function can(principal: Principal, action: Action, subjectType: SubjectType, record?: Record<string, unknown>): boolean {
  const ability = abilityOf(principal);
  return record ? ability.can(action, asSubject(subjectType, { ...record })) : ability.can(action, subjectType);
}

export function requireSeller(principal: Principal): SellerPrincipal {
  if (principal.kind !== 'seller') throw forbidden('This is a Seller Center endpoint: sign in with a seller account.', 'seller_account_required');
  return principal;
}

export function requireOperator(principal: Principal): OperatorPrincipal {
  if (principal.kind !== 'operator') throw forbidden('This is an operator endpoint: sign in with an operator account.', 'operator_account_required');
  return principal;
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function toAccount(row: typeof accounts.$inferSelect): Account {
  return {
    id: row.id,
    kind: row.kind as AccountKind,
    email: row.email,
    displayName: row.displayName,
    locale: row.locale,
    status: row.status as Account['status'],
    createdAt: row.createdAt,
  };
}

let dummyHash: Promise<string> | undefined;

export function createIdentityService(platform: Platform) {
  const { db, clock, ids, audit, config } = platform;
  const sessionTtlMs = config.sessionTtlHours * 3_600_000;
  const signUpLimit = { max: config.signUpsPerHourPerAddress, windowMs: SIGN_UP_WINDOW_MS };

  async function createAccount(tx: Db, input: NewAccount): Promise<Account> {
    const problems = passwordProblems(input.password, input.email);
    if (problems.length > 0) {
      throw validationFailed(problems.map((message) => ({ in: 'body', path: '/password', code: 'weak_password', message })));
    }
    const now = clock.now();
    const passwordHash = await hash(input.password);
    try {
      const [row] = await tx
        .insert(accounts)
        .values({
          id: ids(ACCOUNT_PREFIX),
          kind: input.kind,
          email: input.email.trim(),
          emailNormalized: normalizeEmail(input.email),
          passwordHash,
          displayName: input.displayName.trim(),
          locale: input.locale ?? 'en',
          status: 'active',
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      return toAccount(row!);
    } catch (error) {
      if (isUniqueViolation(error, 'accounts_email_idx')) {
        throw new AppError(409, 'email_taken', 'Conflict', 'An account with this e-mail address already exists.', [
          { in: 'body', path: '/email', code: 'email_taken', message: 'is already registered' },
        ]);
      }
      throw error;
    }
  }

  async function startSession(tx: Db, accountId: string, context: { ip?: string; userAgent?: string } = {}): Promise<SessionGrant> {
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const now = clock.now();
    const expiresAt = new Date(now.getTime() + sessionTtlMs);
    await tx.insert(sessions).values({
      id: ids(SESSION_PREFIX),
      accountId,
      tokenHash: hashToken(token),
      createdAt: now,
      expiresAt,
      ip: context.ip ?? null,
      userAgent: context.userAgent?.slice(0, 512) ?? null,
    });
    return { token, expiresAt };
  }

  async function revokeAllSessions(tx: Db, accountId: string): Promise<void> {
    await tx
      .update(sessions)
      .set({ revokedAt: clock.now() })
      .where(and(eq(sessions.accountId, accountId), isNull(sessions.revokedAt)));
  }

  /**
   * Records a sign-in attempt before judging it, then counts only the attempts recorded before it:
   * sequence order decides, so parallel guesses cannot all slip through under the limit.
   */
  async function recordAttempt(emailKey: string, ipKey: string, now: Date): Promise<{ decision: ThrottleDecision; ids: Map<string, number> }> {
    const inserted = await db
      .insert(signInFailures)
      .values([
        { throttleKey: emailKey, failedAt: now },
        { throttleKey: ipKey, failedAt: now },
      ])
      .returning({ id: signInFailures.id, key: signInFailures.throttleKey });
    const ids = new Map(inserted.map((row) => [row.key, row.id]));
    const windowStart = new Date(now.getTime() - Math.max(SIGN_IN_LIMITS.email.windowMs, SIGN_IN_LIMITS.ip.windowMs));
    const rows = await db
      .select({ key: signInFailures.throttleKey, at: signInFailures.failedAt })
      .from(signInFailures)
      .where(
        and(
          gt(signInFailures.failedAt, windowStart),
          or(
            and(eq(signInFailures.throttleKey, emailKey), lt(signInFailures.id, ids.get(emailKey)!)),
            and(eq(signInFailures.throttleKey, ipKey), lt(signInFailures.id, ids.get(ipKey)!)),
          ),
        ),
      )
      .orderBy(asc(signInFailures.failedAt));
    const earlier = (key: string) => rows.filter((row) => row.key === key).map((row) => row.at);
    return { decision: signInThrottle({ email: earlier(emailKey), ip: earlier(ipKey) }, now), ids };
  }

  /**
   * Counts a sign-up from this address and refuses it past the limit. Attempts are ordered by the
   * sequence, so parallel sign-ups cannot all pass under the limit.
   */
  async function admitSignUp(ip: string | undefined): Promise<void> {
    if (!ip) return;
    const now = clock.now();
    const key = `sign-up:${ip}`;
    const [mine] = await db.insert(signInFailures).values({ throttleKey: key, failedAt: now }).returning({ id: signInFailures.id });
    const earlier = await db
      .select({ at: signInFailures.failedAt })
      .from(signInFailures)
      .where(and(eq(signInFailures.throttleKey, key), lt(signInFailures.id, mine!.id), gt(signInFailures.failedAt, new Date(now.getTime() - signUpLimit.windowMs))))
      .orderBy(asc(signInFailures.failedAt));
    const decision = rateLimitDecision(earlier.map((row) => row.at), signUpLimit, now);
    if (!decision.allowed) throw tooManyRequests(`Too many new accounts from this address. Try again in ${decision.retryAfterSeconds} seconds.`, decision.retryAfterSeconds);
  }

  async function addSellerMember(tx: Db, member: { sellerId: string; accountId: string; role: 'owner' | 'staff'; permissions: SellerPermission[] }): Promise<void> {
    const now = clock.now();
    await tx.insert(sellerMembers).values({ ...member, permissions: [...new Set(member.permissions)], createdAt: now, updatedAt: now });
  }

  async function loadMember(tx: Db, sellerId: string, accountId: string) {
    const [row] = await tx
      .select()
      .from(sellerMembers)
      .innerJoin(accounts, eq(accounts.id, sellerMembers.accountId))
      .where(and(eq(sellerMembers.sellerId, sellerId), eq(sellerMembers.accountId, accountId)));
    return row;
  }

  return {
    createAccount,
    startSession,

    /** Resolves a bearer token in one query: session, account, and its seller or operator grants. */
    async authenticate(token: string): Promise<Principal | null> {
      if (!token.startsWith(TOKEN_PREFIX) || token.length > 128) return null;
      const [row] = await db
        .select({
          sessionId: sessions.id,
          accountId: accounts.id,
          kind: accounts.kind,
          sellerId: sellerMembers.sellerId,
          memberRole: sellerMembers.role,
          permissions: sellerMembers.permissions,
          operatorRoles: operatorProfiles.roles,
          dataTier: operatorProfiles.dataTier,
        })
        .from(sessions)
        .innerJoin(accounts, eq(accounts.id, sessions.accountId))
        .leftJoin(sellerMembers, eq(sellerMembers.accountId, accounts.id))
        .leftJoin(operatorProfiles, eq(operatorProfiles.accountId, accounts.id))
        .where(
          and(eq(sessions.tokenHash, hashToken(token)), isNull(sessions.revokedAt), gt(sessions.expiresAt, clock.now()), eq(accounts.status, 'active')),
        );
      if (!row) return null;
      const base = { accountId: row.accountId, sessionId: row.sessionId };
      if (row.kind === 'seller' && row.sellerId && row.memberRole) {
        return { kind: 'seller', ...base, sellerId: row.sellerId, role: row.memberRole as 'owner' | 'staff', permissions: (row.permissions ?? []) as SellerPermission[] };
      }
      if (row.kind === 'operator' && row.operatorRoles && row.dataTier) {
        return { kind: 'operator', ...base, roles: row.operatorRoles as OperatorRole[], dataTier: row.dataTier as DataAccessTier };
      }
      if (row.kind === 'buyer') return { kind: 'buyer', ...base };
      return null;
    },

    async signIn(input: { email: string; password: string; ip: string; userAgent?: string }): Promise<SessionGrant & { account: Account }> {
      const now = clock.now();
      const emailKey = `email:${normalizeEmail(input.email)}`;
      const ipKey = `ip:${input.ip}`;
      // Every attempt counts against the limit until it succeeds; refused attempts keep counting.
      const { decision, ids } = await recordAttempt(emailKey, ipKey, now);
      if (!decision.allowed) {
        throw tooManyRequests(`Too many failed sign-ins. Try again in ${decision.retryAfterSeconds} seconds.`, decision.retryAfterSeconds);
      }
      const [row] = await db.select().from(accounts).where(eq(accounts.emailNormalized, normalizeEmail(input.email)));
      // Unknown e-mails cost a hash verification too, so timing does not reveal which accounts exist.
      dummyHash ??= hash(randomBytes(16).toString('hex'));
      const valid = await verify(row?.passwordHash ?? (await dummyHash), input.password).catch(() => false);
      if (!row || !valid) throw new AppError(401, 'invalid_credentials', 'Invalid credentials', 'The e-mail address or password is wrong.');
      if (row.status !== 'active') throw forbidden('This account is disabled.', 'account_disabled');
      return inTransaction(db, async (tx) => {
        // A success clears the account's failures and withdraws this attempt from the address's count.
        await tx.delete(signInFailures).where(or(eq(signInFailures.throttleKey, emailKey), eq(signInFailures.id, ids.get(ipKey)!)));
        const grant = await startSession(tx, row.id, { ip: input.ip, ...(input.userAgent ? { userAgent: input.userAgent } : {}) });
        return { ...grant, account: toAccount(row) };
      });
    },

    /** Attempts older than the longest throttle window count for nothing; they go. */
    async purgeSignInAttempts(): Promise<number> {
      const cutoff = new Date(clock.now().getTime() - LONGEST_THROTTLE_WINDOW_MS);
      const removed = await db.delete(signInFailures).where(lt(signInFailures.failedAt, cutoff)).returning({ id: signInFailures.id });
      return removed.length;
    },

    async signOut(principal: Principal): Promise<void> {
      await db.update(sessions).set({ revokedAt: clock.now() }).where(and(eq(sessions.id, principal.sessionId), isNull(sessions.revokedAt)));
    },

    async signOutEverywhere(principal: Principal): Promise<void> {
      await revokeAllSessions(db, principal.accountId);
    },

    async findAccountByEmail(email: string): Promise<Account | null> {
      const [row] = await db.select().from(accounts).where(eq(accounts.emailNormalized, normalizeEmail(email)));
      return row ? toAccount(row) : null;
    },

    async getAccount(accountId: string): Promise<Account> {
      const [row] = await db.select().from(accounts).where(eq(accounts.id, accountId));
      if (!row) throw notFound('account', accountId);
      return toAccount(row);
    },

    admitSignUp,

    async signUpBuyer(input: Omit<NewAccount, 'kind'>, context: { ip?: string; userAgent?: string }): Promise<SessionGrant & { account: Account }> {
      await admitSignUp(context.ip);
      return inTransaction(db, async (tx) => {
        const account = await createAccount(tx, { ...input, kind: 'buyer' });
        const grant = await startSession(tx, account.id, context);
        return { ...grant, account };
      });
    },

    addSellerMember,

    /** Members of a seller who may act on `permission` (owners always), for notifications. */
    async sellerMembersWith(tx: Db, sellerId: string, permission: SellerPermission): Promise<Account[]> {
      const rows = await tx
        .select()
        .from(sellerMembers)
        .innerJoin(accounts, eq(accounts.id, sellerMembers.accountId))
        .where(
          and(
            eq(sellerMembers.sellerId, sellerId),
            eq(accounts.status, 'active'),
            sql`(${sellerMembers.role} = 'owner' OR ${permission} = ANY(${sellerMembers.permissions}))`,
          ),
        );
      return rows.map((row) => toAccount(row.accounts));
    },

    /**
     * A seller member acting outside a session, for the command line: named by e-mail (that member,
     * with their own role and permissions) or by seller id (its owner). Null when there is no such
     * active member.
     */
    async sellerMemberPrincipal(member: string, sessionId: string): Promise<SellerPrincipal | null> {
      const bySellerId = member.startsWith('sel_');
      const [row] = await db
        .select({ accountId: accounts.id, sellerId: sellerMembers.sellerId, role: sellerMembers.role, permissions: sellerMembers.permissions })
        .from(sellerMembers)
        .innerJoin(accounts, eq(accounts.id, sellerMembers.accountId))
        .where(
          and(
            eq(accounts.status, 'active'),
            bySellerId ? and(eq(sellerMembers.sellerId, member), eq(sellerMembers.role, 'owner')) : eq(accounts.emailNormalized, normalizeEmail(member)),
          ),
        );
      if (!row) return null;
      return { kind: 'seller', accountId: row.accountId, sessionId, sellerId: row.sellerId, role: row.role as 'owner' | 'staff', permissions: row.permissions as SellerPermission[] };
    },

    /** Active operators holding any of the roles, for notifications to the team that acts on something. */
    async operatorsWithRoles(tx: Db, roles: readonly OperatorRole[]): Promise<Account[]> {
      const rows = await tx
        .select()
        .from(operatorProfiles)
        .innerJoin(accounts, eq(accounts.id, operatorProfiles.accountId))
        .where(and(eq(accounts.status, 'active'), sql`${operatorProfiles.roles} && ${`{${roles.join(',')}}`}::text[]`));
      return rows.map((row) => toAccount(row.accounts));
    },

    async listStaff(caller: Caller): Promise<SellerMemberView[]> {
      const seller = requireSeller(caller.principal);
      authorize(seller, 'read', 'SellerStaff', { sellerId: seller.sellerId });
      const rows = await db
        .select()
        .from(sellerMembers)
        .innerJoin(accounts, eq(accounts.id, sellerMembers.accountId))
        .where(eq(sellerMembers.sellerId, seller.sellerId))
        .orderBy(asc(sellerMembers.createdAt), asc(sellerMembers.accountId));
      return rows.map((row) => ({
        account: toAccount(row.accounts),
        role: row.seller_members.role as 'owner' | 'staff',
        permissions: row.seller_members.permissions as SellerPermission[],
      }));
    },

    async addStaff(caller: Caller, input: { email: string; password: string; displayName: string; locale?: string; permissions: SellerPermission[] }): Promise<SellerMemberView> {
      const seller = requireSeller(caller.principal);
      authorize(seller, 'create', 'SellerStaff', { sellerId: seller.sellerId });
      return inTransaction(db, async (tx) => {
        const account = await createAccount(tx, { kind: 'seller', email: input.email, password: input.password, displayName: input.displayName, ...(input.locale ? { locale: input.locale } : {}) });
        const permissions = [...new Set(input.permissions)];
        await addSellerMember(tx, { sellerId: seller.sellerId, accountId: account.id, role: 'staff', permissions });
        await audit.record(tx, {
          actor: actorOf(caller),
          action: 'seller_staff.add',
          subject: { type: 'account', id: account.id },
          sellerId: seller.sellerId,
          to: { role: 'staff', permissions },
        });
        return { account, role: 'staff', permissions };
      });
    },

    async updateStaff(caller: Caller, accountId: string, change: { permissions: SellerPermission[] }): Promise<SellerMemberView> {
      const seller = requireSeller(caller.principal);
      authorize(seller, 'update', 'SellerStaff', { sellerId: seller.sellerId });
      return inTransaction(db, async (tx) => {
        const member = await loadMember(tx, seller.sellerId, accountId);
        if (!member) throw notFound('staff member', accountId);
        if (member.seller_members.role === 'owner') throw conflict('owner_permissions_fixed', 'The owner holds every permission; only staff permissions can change.');
        const permissions = [...new Set(change.permissions)];
        await tx
          .update(sellerMembers)
          .set({ permissions, updatedAt: clock.now() })
          .where(and(eq(sellerMembers.sellerId, seller.sellerId), eq(sellerMembers.accountId, accountId)));
        await audit.record(tx, {
          actor: actorOf(caller),
          action: 'seller_staff.permissions_change',
          subject: { type: 'account', id: accountId },
          sellerId: seller.sellerId,
          from: { permissions: member.seller_members.permissions },
          to: { permissions },
        });
        return { account: toAccount(member.accounts), role: 'staff', permissions };
      });
    },

    async removeStaff(caller: Caller, accountId: string, reason: string | undefined): Promise<void> {
      const seller = requireSeller(caller.principal);
      authorize(seller, 'delete', 'SellerStaff', { sellerId: seller.sellerId });
      await inTransaction(db, async (tx) => {
        const member = await loadMember(tx, seller.sellerId, accountId);
        if (!member || member.accounts.status !== 'active') throw notFound('staff member', accountId);
        if (member.seller_members.role === 'owner') throw conflict('owner_cannot_be_removed', 'The owner cannot be removed.');
        await tx.update(accounts).set({ status: 'disabled', updatedAt: clock.now() }).where(eq(accounts.id, accountId));
        await revokeAllSessions(tx, accountId);
        await audit.record(tx, {
          actor: actorOf(caller),
          action: 'seller_staff.remove',
          subject: { type: 'account', id: accountId },
          sellerId: seller.sellerId,
          from: { status: 'active', permissions: member.seller_members.permissions },
          to: { status: 'disabled' },
          reason: reason ?? null,
        });
      });
    },

    async createOperator(caller: Caller | null, input: { email: string; password: string; displayName: string; roles: OperatorRole[]; dataTier: DataAccessTier }): Promise<OperatorView> {
      // A null caller is the platform itself (first operator from the CLI or the demo seed).
      if (caller) authorize(requireOperator(caller.principal), 'create', 'Operator');
      return inTransaction(db, async (tx) => {
        const account = await createAccount(tx, { kind: 'operator', email: input.email, password: input.password, displayName: input.displayName });
        const roles = [...new Set(input.roles)];
        const now = clock.now();
        await tx.insert(operatorProfiles).values({ accountId: account.id, roles, dataTier: input.dataTier, createdAt: now, updatedAt: now });
        await audit.record(tx, {
          actor: caller ? actorOf(caller) : { type: 'system', id: 'bootstrap' },
          action: 'operator.create',
          subject: { type: 'account', id: account.id },
          to: { roles, dataTier: input.dataTier },
        });
        return { account, roles, dataTier: input.dataTier };
      });
    },

    async listOperators(caller: Caller): Promise<OperatorView[]> {
      authorize(requireOperator(caller.principal), 'read', 'Operator');
      const rows = await db
        .select()
        .from(operatorProfiles)
        .innerJoin(accounts, eq(accounts.id, operatorProfiles.accountId))
        .orderBy(asc(accounts.createdAt), asc(accounts.id));
      return rows.map((row) => ({
        account: toAccount(row.accounts),
        roles: row.operator_profiles.roles as OperatorRole[],
        dataTier: row.operator_profiles.dataTier as DataAccessTier,
      }));
    },

    async updateOperator(
      caller: Caller,
      accountId: string,
      change: { roles?: OperatorRole[]; dataTier?: DataAccessTier; status?: 'active' | 'disabled'; reason: string },
    ): Promise<OperatorView> {
      const operator = requireOperator(caller.principal);
      authorize(operator, 'update', 'Operator');
      if (accountId === operator.accountId && (change.status === 'disabled' || (change.roles && !change.roles.includes('admin')))) {
        throw conflict('cannot_demote_self', 'You cannot remove your own admin role or disable yourself; ask another admin.');
      }
      return inTransaction(db, async (tx) => {
        const [row] = await tx
          .select()
          .from(operatorProfiles)
          .innerJoin(accounts, eq(accounts.id, operatorProfiles.accountId))
          .where(eq(operatorProfiles.accountId, accountId))
          .for('update');
        if (!row) throw notFound('operator', accountId);
        const before = { roles: row.operator_profiles.roles, dataTier: row.operator_profiles.dataTier, status: row.accounts.status };
        const after = {
          roles: change.roles ? [...new Set(change.roles)] : before.roles,
          dataTier: change.dataTier ?? before.dataTier,
          status: change.status ?? before.status,
        };
        const now = clock.now();
        await tx.update(operatorProfiles).set({ roles: after.roles, dataTier: after.dataTier, updatedAt: now }).where(eq(operatorProfiles.accountId, accountId));
        if (after.status !== before.status) {
          await tx.update(accounts).set({ status: after.status, updatedAt: now }).where(eq(accounts.id, accountId));
          if (after.status === 'disabled') await revokeAllSessions(tx, accountId);
        }
        await audit.record(tx, { actor: actorOf(caller), action: 'operator.update', subject: { type: 'account', id: accountId }, from: before, to: after, reason: change.reason });
        return { account: { ...toAccount(row.accounts), status: after.status as Account['status'] }, roles: after.roles as OperatorRole[], dataTier: after.dataTier as DataAccessTier };
      });
    },
  };
}

export type IdentityService = ReturnType<typeof createIdentityService>;

import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { unauthenticated } from '../../platform/errors/index.ts';
import type { HttpApp } from '../../platform/http/server.ts';
import { IdOf, Timestamp } from '../../platform/http/schemas.ts';
import { DATA_ACCESS_TIERS, OPERATOR_ROLES, PASSWORD_MAX_LENGTH, SELLER_PERMISSIONS, type Principal } from './rules.ts';
import { requireOperator, requireSeller, type Account, type Caller, type IdentityService, type OperatorView, type SellerMemberView } from './service.ts';

export function callerOf(request: FastifyRequest): Caller {
  if (!request.principal) throw unauthenticated();
  return { principal: request.principal as Principal, requestId: request.id };
}

export const Email = Type.String({ format: 'email', maxLength: 254 });
export const Password = Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH, description: 'At least 10 characters.' });
export const DisplayName = Type.String({ minLength: 1, maxLength: 100 });
export const Locale = Type.String({ pattern: '^[a-z]{2}(-[A-Z]{2})?$', maxLength: 5, description: 'BCP 47 language, e.g. zh, en, es-ES.' });
export const SellerPermissionSchema = Type.Enum(SELLER_PERMISSIONS);
const OperatorRoleSchema = Type.Enum(OPERATOR_ROLES);
const DataTierSchema = Type.Enum(DATA_ACCESS_TIERS);
const Reason = Type.String({ minLength: 3, maxLength: 1000 });

export const AccountSchema = Type.Object({
  id: IdOf('acc'),
  kind: Type.Enum(['buyer', 'seller', 'operator'] as const),
  email: Type.String(),
  display_name: Type.String(),
  locale: Type.String(),
  status: Type.Enum(['active', 'disabled'] as const),
  created_at: Timestamp,
});

export function accountView(account: Account) {
  return {
    id: account.id,
    kind: account.kind,
    email: account.email,
    display_name: account.displayName,
    locale: account.locale,
    status: account.status,
    created_at: account.createdAt.toISOString(),
  };
}

export const SessionSchema = Type.Object({
  token: Type.String({ description: 'Send as `Authorization: Bearer <token>`.' }),
  token_type: Type.Literal('Bearer'),
  expires_at: Timestamp,
  account: AccountSchema,
});

export function sessionView(grant: { token: string; expiresAt: Date; account: Account }) {
  return { token: grant.token, token_type: 'Bearer' as const, expires_at: grant.expiresAt.toISOString(), account: accountView(grant.account) };
}

const StaffSchema = Type.Object({ account: AccountSchema, role: Type.Enum(['owner', 'staff'] as const), permissions: Type.Array(SellerPermissionSchema) });
const staffView = (member: SellerMemberView) => ({ account: accountView(member.account), role: member.role, permissions: member.permissions });

const OperatorSchema = Type.Object({ account: AccountSchema, roles: Type.Array(OperatorRoleSchema), data_tier: DataTierSchema });
const operatorView = (operator: OperatorView) => ({ account: accountView(operator.account), roles: operator.roles, data_tier: operator.dataTier });

const AccountIdParams = Type.Object({ accountId: IdOf('acc') });

export function registerIdentityRoutes(app: HttpApp, identity: IdentityService): void {
  // Each surface belongs to one kind of account. Services check again; this answers early and
  // uniformly, before a request body is even validated.
  app.addHook('preValidation', async (request) => {
    const url = request.routeOptions.url;
    if (!url || request.routeOptions.config.public || !request.principal) return;
    const principal = request.principal as Principal;
    if (url.startsWith('/v1/seller/')) requireSeller(principal);
    else if (url.startsWith('/v1/ops/')) requireOperator(principal);
  });

  app.post(
    '/v1/auth/sign-in',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with e-mail and password',
        description: 'Returns an opaque session token. Five failed attempts for one e-mail within 15 minutes lock further attempts for the rest of the window (429 with Retry-After).',
        body: Type.Object({ email: Email, password: Password }, { additionalProperties: false }),
        response: { 200: SessionSchema },
      },
    },
    async (request) => {
      const grant = await identity.signIn({ ...request.body, ip: request.ip, ...(request.headers['user-agent'] ? { userAgent: request.headers['user-agent'] } : {}) });
      return sessionView(grant);
    },
  );

  app.post('/v1/auth/sign-out', { schema: { tags: ['auth'], summary: 'Revoke the current session', response: { 204: Type.Null() } } }, async (request, reply) => {
    await identity.signOut(callerOf(request).principal);
    return reply.code(204).send(null);
  });

  app.post(
    '/v1/auth/sign-out-everywhere',
    { schema: { tags: ['auth'], summary: 'Revoke every session of the signed-in account', response: { 204: Type.Null() } } },
    async (request, reply) => {
      await identity.signOutEverywhere(callerOf(request).principal);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/v1/auth/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'The signed-in account and what it may do',
        response: {
          200: Type.Object({
            account: AccountSchema,
            seller: Type.Union([Type.Object({ seller_id: IdOf('sel'), role: Type.Enum(['owner', 'staff'] as const), permissions: Type.Array(SellerPermissionSchema) }), Type.Null()]),
            operator: Type.Union([Type.Object({ roles: Type.Array(OperatorRoleSchema), data_tier: DataTierSchema }), Type.Null()]),
          }),
        },
      },
    },
    async (request) => {
      const { principal } = callerOf(request);
      const account = await identity.getAccount(principal.accountId);
      return {
        account: accountView(account),
        seller: principal.kind === 'seller' ? { seller_id: principal.sellerId, role: principal.role, permissions: [...principal.permissions] } : null,
        operator: principal.kind === 'operator' ? { roles: [...principal.roles], data_tier: principal.dataTier } : null,
      };
    },
  );

  app.post(
    '/v1/store/sign-up',
    {
      // No idempotency record: its stored response would hold the session token. An e-mail registers once anyway.
      config: { public: true },
      schema: {
        tags: ['store'],
        summary: 'Create a buyer account and sign in',
        body: Type.Object({ email: Email, password: Password, display_name: DisplayName, locale: Type.Optional(Locale) }, { additionalProperties: false }),
        response: { 201: SessionSchema },
      },
    },
    async (request, reply) => {
      const { email, password, display_name, locale } = request.body;
      const grant = await identity.signUpBuyer({ email, password, displayName: display_name, ...(locale ? { locale } : {}) }, { ip: request.ip });
      return reply.code(201).send(sessionView(grant));
    },
  );

  app.get(
    '/v1/seller/staff',
    { schema: { tags: ['seller: account'], summary: 'The seller’s owner and staff (owner only)', response: { 200: Type.Object({ data: Type.Array(StaffSchema) }) } } },
    async (request) => ({ data: (await identity.listStaff(callerOf(request))).map(staffView) }),
  );

  app.post(
    '/v1/seller/staff',
    {
      config: { idempotency: 'required' },
      schema: {
        tags: ['seller: account'],
        summary: 'Add a staff member with permission sets (owner only)',
        body: Type.Object(
          { email: Email, password: Password, display_name: DisplayName, locale: Type.Optional(Locale), permissions: Type.Array(SellerPermissionSchema, { maxItems: SELLER_PERMISSIONS.length, uniqueItems: true }) },
          { additionalProperties: false },
        ),
        response: { 201: StaffSchema },
      },
    },
    async (request, reply) => {
      const { email, password, display_name, locale, permissions } = request.body;
      const member = await identity.addStaff(callerOf(request), { email, password, displayName: display_name, permissions, ...(locale ? { locale } : {}) });
      return reply.code(201).send(staffView(member));
    },
  );

  app.patch(
    '/v1/seller/staff/:accountId',
    {
      schema: {
        tags: ['seller: account'],
        summary: 'Change a staff member’s permission sets (owner only)',
        params: AccountIdParams,
        body: Type.Object({ permissions: Type.Array(SellerPermissionSchema, { maxItems: SELLER_PERMISSIONS.length, uniqueItems: true }) }, { additionalProperties: false }),
        response: { 200: StaffSchema },
      },
    },
    async (request) => staffView(await identity.updateStaff(callerOf(request), request.params.accountId, request.body)),
  );

  app.delete(
    '/v1/seller/staff/:accountId',
    {
      schema: {
        tags: ['seller: account'],
        summary: 'Remove a staff member: disables the account and revokes its sessions (owner only)',
        params: AccountIdParams,
        querystring: Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false }),
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await identity.removeStaff(callerOf(request), request.params.accountId, request.query.reason);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/v1/ops/operators',
    { schema: { tags: ['ops: access'], summary: 'Operators with their roles and data-access tiers (admin)', response: { 200: Type.Object({ data: Type.Array(OperatorSchema) }) } } },
    async (request) => ({ data: (await identity.listOperators(callerOf(request))).map(operatorView) }),
  );

  app.post(
    '/v1/ops/operators',
    {
      config: { idempotency: 'required' },
      schema: {
        tags: ['ops: access'],
        summary: 'Create an operator (admin)',
        body: Type.Object(
          { email: Email, password: Password, display_name: DisplayName, roles: Type.Array(OperatorRoleSchema, { minItems: 1, uniqueItems: true }), data_tier: DataTierSchema },
          { additionalProperties: false },
        ),
        response: { 201: OperatorSchema },
      },
    },
    async (request, reply) => {
      const { email, password, display_name, roles, data_tier } = request.body;
      const operator = await identity.createOperator(callerOf(request), { email, password, displayName: display_name, roles, dataTier: data_tier });
      return reply.code(201).send(operatorView(operator));
    },
  );

  app.patch(
    '/v1/ops/operators/:accountId',
    {
      schema: {
        tags: ['ops: access'],
        summary: 'Change an operator’s roles, data-access tier or status (admin)',
        params: AccountIdParams,
        body: Type.Object(
          {
            roles: Type.Optional(Type.Array(OperatorRoleSchema, { minItems: 1, uniqueItems: true })),
            data_tier: Type.Optional(DataTierSchema),
            status: Type.Optional(Type.Enum(['active', 'disabled'] as const)),
            reason: Reason,
          },
          { additionalProperties: false },
        ),
        response: { 200: OperatorSchema },
      },
    },
    async (request) => {
      const { roles, data_tier, status, reason } = request.body;
      const operator = await identity.updateOperator(callerOf(request), request.params.accountId, {
        reason,
        ...(roles ? { roles } : {}),
        ...(data_tier ? { dataTier: data_tier } : {}),
        ...(status ? { status } : {}),
      });
      return operatorView(operator);
    },
  );
}

import { sql } from 'drizzle-orm';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useTestApp } from '../../../test/support/app.ts';
import { apiClient } from '../../../test/support/http.ts';
import { queryRows } from '../../platform/db/index.ts';

describe('identity over HTTP', () => {
  const app = useTestApp();
  const api = apiClient(app);
  let adminToken: string;

  beforeAll(async () => {
    await app().modules.identity.service.createOperator(null, {
      email: 'root@ops.example',
      password: 'operator-password-1',
      displayName: 'Root',
      roles: ['admin'],
      dataTier: 'full',
    });
  });
  // Other tests move the clock past the session lifetime, so sign in afresh each time.
  beforeEach(async () => {
    adminToken = (await api.post('/v1/auth/sign-in', { email: 'root@ops.example', password: 'operator-password-1' })).body.token;
  });

  it('signs a buyer up, in and out', async () => {
    const signUp = await api.post('/v1/store/sign-up', { email: 'Ana.Souza@Example.com', password: 'uma senha longa', display_name: 'Ana' });
    expect(signUp.status).toBe(201);
    expect(signUp.body.account).toMatchObject({ kind: 'buyer', email: 'Ana.Souza@Example.com', display_name: 'Ana', status: 'active' });
    expect(signUp.body.token).toMatch(/^cvn_/);

    const signIn = await api.post('/v1/auth/sign-in', { email: 'ana.souza@example.com', password: 'uma senha longa' });
    expect(signIn.status).toBe(200);
    const me = await api.get('/v1/auth/me', { token: signIn.body.token });
    expect(me.body).toMatchObject({ account: { kind: 'buyer' }, seller: null, operator: null });

    expect((await api.post('/v1/auth/sign-out', {}, { token: signIn.body.token })).status).toBe(204);
    const after = await api.get('/v1/auth/me', { token: signIn.body.token });
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('invalid_token');
    // The other session is untouched.
    expect((await api.get('/v1/auth/me', { token: signUp.body.token })).status).toBe(200);
  });

  it('stores passwords as argon2id hashes and session tokens only as hashes, nowhere in full', async () => {
    const signUp = await api.post('/v1/store/sign-up', { email: 'hash.check@example.com', password: 'a long enough secret', display_name: 'H' }, { idempotencyKey: 'signup-hash-check' });
    const signIn = await api.post('/v1/auth/sign-in', { email: 'hash.check@example.com', password: 'a long enough secret' }, { idempotencyKey: 'signin-hash-check' });
    const [account] = await queryRows<{ password_hash: string }>(app().platform.db, sql`SELECT password_hash FROM accounts WHERE email = 'hash.check@example.com'`);
    expect(account?.password_hash).toMatch(/^\$argon2id\$/);
    const tokens = await queryRows<{ token_hash: string }>(app().platform.db, sql`SELECT token_hash FROM sessions`);
    expect(tokens.every((t) => /^[0-9a-f]{64}$/.test(t.token_hash))).toBe(true);
    // Neither token, nor the password, is kept anywhere a response, job or event is stored.
    for (const secret of [signUp.body.token, signIn.body.token, 'a long enough secret']) {
      const [found] = await queryRows<{ n: number }>(
        app().platform.db,
        sql`SELECT (SELECT count(*) FROM idempotency_keys WHERE response_body LIKE ${`%${secret}%`})
                 + (SELECT count(*) FROM jobs WHERE payload::text LIKE ${`%${secret}%`})
                 + (SELECT count(*) FROM outbox_events WHERE payload::text LIKE ${`%${secret}%`})
                 + (SELECT count(*) FROM audit_log WHERE coalesce(to_state::text, '') || coalesce(metadata::text, '') LIKE ${`%${secret}%`}) AS n`,
      );
      expect(Number(found?.n)).toBe(0);
    }
  });

  it('refuses a second account with the same e-mail, in any case', async () => {
    await api.post('/v1/store/sign-up', { email: 'dup@example.com', password: 'first password!', display_name: 'One' });
    const again = await api.post('/v1/store/sign-up', { email: 'DUP@example.com', password: 'second password', display_name: 'Two' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'email_taken', errors: [{ path: '/email', code: 'email_taken' }] });
  });

  it('refuses weak passwords and malformed e-mails with field errors', async () => {
    const weak = await api.post('/v1/store/sign-up', { email: 'weak@example.com', password: 'short', display_name: 'W' });
    expect(weak.status).toBe(422);
    expect(weak.body.errors).toEqual([expect.objectContaining({ path: '/password', code: 'weak_password' })]);
    const malformed = await api.post('/v1/store/sign-up', { email: 'not-an-email', password: 'long enough pass', display_name: 'W' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors).toEqual([expect.objectContaining({ path: '/email' })]);
  });

  it('expires sessions after their lifetime', async () => {
    const signUp = await api.post('/v1/store/sign-up', { email: 'expiry@example.com', password: 'expiring password', display_name: 'E' });
    app().clock.advance({ hours: 71 });
    expect((await api.get('/v1/auth/me', { token: signUp.body.token })).status).toBe(200);
    app().clock.advance({ hours: 1 });
    expect((await api.get('/v1/auth/me', { token: signUp.body.token })).status).toBe(401);
  });

  it('slows password guessing: the sixth wrong attempt in 15 minutes is refused even with the right password', async () => {
    await api.post('/v1/store/sign-up', { email: 'target@example.com', password: 'the real password', display_name: 'T' });
    for (let i = 0; i < 5; i++) {
      const wrong = await api.post('/v1/auth/sign-in', { email: 'target@example.com', password: `guess number ${i}` });
      expect(wrong.status).toBe(401);
      expect(wrong.body.code).toBe('invalid_credentials');
    }
    const locked = await api.post('/v1/auth/sign-in', { email: 'target@example.com', password: 'the real password' });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    app().clock.advance({ minutes: 15 });
    expect((await api.post('/v1/auth/sign-in', { email: 'target@example.com', password: 'the real password' })).status).toBe(200);
  });

  it('counts parallel guesses too: of twenty at once, five are judged and the rest refused', async () => {
    await api.post('/v1/store/sign-up', { email: 'parallel@example.com', password: 'the real password', display_name: 'P' });
    const attempts = await Promise.all(Array.from({ length: 20 }, (_, i) => api.post('/v1/auth/sign-in', { email: 'parallel@example.com', password: `parallel guess ${i}` })));
    const statuses = attempts.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    expect((await api.post('/v1/auth/sign-in', { email: 'parallel@example.com', password: 'the real password' })).status).toBe(429);
  });

  it('answers an unknown e-mail exactly like a wrong password', async () => {
    const unknown = await api.post('/v1/auth/sign-in', { email: 'nobody@example.com', password: 'whatever password' });
    expect(unknown.status).toBe(401);
    expect(unknown.body.code).toBe('invalid_credentials');
  });

  describe('operators', () => {
    it('lets an admin create operators with roles and tiers, audited', async () => {
      const created = await api.post(
        '/v1/ops/operators',
        { email: 'rev@ops.example', password: 'reviewer password', display_name: 'Rev', roles: ['reviewer'], data_tier: 'contact' },
        { token: adminToken },
      );
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ roles: ['reviewer'], data_tier: 'contact', account: { kind: 'operator' } });
      const reviewerToken = (await api.post('/v1/auth/sign-in', { email: 'rev@ops.example', password: 'reviewer password' })).body.token;
      expect((await api.get('/v1/auth/me', { token: reviewerToken })).body.operator).toEqual({ roles: ['reviewer'], data_tier: 'contact' });

      // A reviewer is not an admin.
      const refused = await api.post('/v1/ops/operators', { email: 'x@ops.example', password: 'reviewer password', display_name: 'X', roles: ['admin'], data_tier: 'full' }, { token: reviewerToken });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('permission_denied');

      const changed = await api.patch(`/v1/ops/operators/${created.body.account.id}`, { data_tier: 'full', reason: 'Needs to verify ID documents' }, { token: adminToken });
      expect(changed.body.data_tier).toBe('full');
      const [record] = await queryRows<{ action: string; reason: string; from_state: { dataTier: string }; to_state: { dataTier: string } }>(
        app().platform.db,
        sql`SELECT action, reason, from_state, to_state FROM audit_log WHERE subject_id = ${created.body.account.id} AND action = 'operator.update'`,
      );
      expect(record).toMatchObject({ reason: 'Needs to verify ID documents', from_state: { dataTier: 'contact' }, to_state: { dataTier: 'full' } });

      const disabled = await api.patch(`/v1/ops/operators/${created.body.account.id}`, { status: 'disabled', reason: 'Left the team' }, { token: adminToken });
      expect(disabled.body.account.status).toBe('disabled');
      expect((await api.get('/v1/auth/me', { token: reviewerToken })).status).toBe(401);
    });

    it('stops an admin from locking themselves out', async () => {
      const me = await api.get('/v1/auth/me', { token: adminToken });
      const response = await api.patch(`/v1/ops/operators/${me.body.account.id}`, { roles: ['support'], reason: 'oops' }, { token: adminToken });
      expect(response.status).toBe(409);
      expect(response.body.code).toBe('cannot_demote_self');
    });

    it('keeps buyers and sellers out of operator endpoints', async () => {
      const buyer = await api.post('/v1/store/sign-up', { email: 'curious@example.com', password: 'curious buyer pw', display_name: 'C' });
      const response = await api.get('/v1/ops/operators', { token: buyer.body.token });
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('operator_account_required');
    });
  });
});

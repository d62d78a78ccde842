import { sql } from 'drizzle-orm';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { testLogger } from '../../../test/support/logger.ts';
import { ManualClock } from '../clock/index.ts';
import { queryRows } from '../db/index.ts';
import { conflict, validationFailed } from '../errors/index.ts';
import { IdempotencyStore } from './idempotency.ts';
import { createHttpServer, type HttpApp } from './server.ts';

describe('HTTP platform', () => {
  let testDb: TestDatabase;
  let app: HttpApp;
  const clock = new ManualClock('2026-06-01T00:00:00Z');
  let created = 0;
  let release: (() => void) | undefined;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    app = await createHttpServer({
      logger: testLogger,
      bodyLimitBytes: 2048,
      uploadMaxBytes: 4096,
      trustProxy: false,
      version: 'test',
      authenticate: async (token) => (token.startsWith('good-') ? { id: token.slice(5) } : null),
      principalScope: (principal) => `p:${(principal as { id: string }).id}`,
      idempotency: new IdempotencyStore(testDb.database.db, clock),
    });
    app.post(
      '/v1/widgets',
      {
        config: { idempotency: 'required' },
        schema: {
          body: Type.Object({ name: Type.String({ minLength: 2, maxLength: 20 }), size: Type.Integer({ minimum: 1 }), tags: Type.Optional(Type.Array(Type.String())) }, { additionalProperties: false }),
        },
      },
      async (request, reply) => {
        if (request.body.name === 'slow') await new Promise<void>((resolve) => (release = resolve));
        if (request.body.name === 'taken') throw conflict('widget_taken', 'That widget name is taken.');
        if (request.body.name === 'bad') throw validationFailed([{ in: 'body', path: '/name', code: 'bad_name', message: 'is bad' }]);
        if (request.body.name === 'crash') throw new Error('database on fire');
        created++;
        return reply.code(201).send({ id: `w${created}`, name: request.body.name });
      },
    );
    app.get('/v1/open', { config: { public: true } }, async () => ({ ok: true }));
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await testDb.drop();
  });

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/v1/widgets', headers: { authorization: 'Bearer good-alice', ...headers }, payload: body as object });

  it('answers schema violations with a problem document listing every bad field', async () => {
    const response = await post({ name: 'x', size: 'big', colour: 'red' }, { 'idempotency-key': 'k-schema' });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = response.json();
    expect(problem).toMatchObject({ type: 'urn:caravan:problem:invalid_request', title: 'Invalid request', status: 400, code: 'invalid_request', instance: '/v1/widgets' });
    expect(problem.request_id).toBe(response.headers['x-request-id']);
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ in: 'body', path: '/colour', code: 'unknown_field' }),
        expect.objectContaining({ in: 'body', path: '/name', code: 'invalid_minLength' }),
        expect.objectContaining({ in: 'body', path: '/size', code: 'invalid_type' }),
      ]),
    );
  });

  it('reports missing required fields by their own path', async () => {
    const problem = (await post({}, { 'idempotency-key': 'k-missing' })).json();
    expect(problem.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/name', '/size']);
  });

  it('refuses oversized bodies, malformed JSON and other media types with 4xx problems', async () => {
    const huge = await post({ name: 'ok', size: 1, tags: Array.from({ length: 400 }, () => 'abcdefgh') }, { 'idempotency-key': 'k-huge' });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().code).toBe('payload_too_large');
    const malformed = await app.inject({ method: 'POST', url: '/v1/widgets', headers: { authorization: 'Bearer good-alice', 'content-type': 'application/json', 'idempotency-key': 'k-bad-json' }, payload: '{"name": ' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().code).toBe('malformed_body');
    const text = await app.inject({ method: 'POST', url: '/v1/widgets', headers: { authorization: 'Bearer good-alice', 'content-type': 'text/plain', 'idempotency-key': 'k-text' }, payload: 'hello' });
    expect(text.statusCode).toBe(415);
    expect(text.json().code).toBe('unsupported_media_type');
    expect(created).toBe(0);
  });

  it('requires a valid session on /v1 routes unless the route is public', async () => {
    const anonymous = await app.inject({ method: 'POST', url: '/v1/widgets', payload: { name: 'ok', size: 1 } });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().code).toBe('unauthenticated');
    const badToken = await post({ name: 'ok', size: 1 }, { authorization: 'Bearer nope', 'idempotency-key': 'k-tok' });
    expect(badToken.statusCode).toBe(401);
    expect(badToken.json().code).toBe('invalid_token');
    const malformed = await post({ name: 'ok', size: 1 }, { authorization: 'Basic abc', 'idempotency-key': 'k-tok2' });
    expect(malformed.json().code).toBe('invalid_token');
    expect((await app.inject({ method: 'GET', url: '/v1/open' })).statusCode).toBe(200);
    const missing = await app.inject({ method: 'GET', url: '/v1/nowhere' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('route_not_found');
  });

  it('keeps a well-formed incoming request id and makes one otherwise', async () => {
    const echoed = await app.inject({ method: 'GET', url: '/v1/open', headers: { 'x-request-id': 'trace-123' } });
    expect(echoed.headers['x-request-id']).toBe('trace-123');
    const made = await app.inject({ method: 'GET', url: '/v1/open', headers: { 'x-request-id': 'bad id with spaces' } });
    expect(made.headers['x-request-id']).toMatch(/^req_[0-9A-Z]{26}$/);
  });

  it('hides internal errors behind a 500 problem', async () => {
    const response = await post({ name: 'crash', size: 1 }, { 'idempotency-key': 'k-crash' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toMatchObject({ code: 'internal_error' });
    expect(response.body).not.toContain('database on fire');
  });

  describe('idempotency keys', () => {
    it('requires a key on creating POSTs', async () => {
      const response = await post({ name: 'nokey', size: 1 });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'idempotency_key_missing', errors: [{ in: 'header', path: '/idempotency-key' }] });
      const tooLong = await post({ name: 'nokey', size: 1 }, { 'idempotency-key': 'x'.repeat(256) });
      expect(tooLong.json().code).toBe('idempotency_key_invalid');
    });

    it('replays the first response for 24 hours and creates once', async () => {
      const before = created;
      const first = await post({ name: 'alpha', size: 2 }, { 'idempotency-key': 'k-alpha' });
      const again = await post({ size: 2, name: 'alpha' }, { 'idempotency-key': 'k-alpha' });
      expect(first.statusCode).toBe(201);
      expect(again.statusCode).toBe(201);
      expect(again.json()).toEqual(first.json());
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(created).toBe(before + 1);

      clock.advance({ hours: 23, minutes: 59 });
      expect((await post({ name: 'alpha', size: 2 }, { 'idempotency-key': 'k-alpha' })).json()).toEqual(first.json());
      clock.advance({ minutes: 2 });
      const fresh = await post({ name: 'alpha', size: 2 }, { 'idempotency-key': 'k-alpha' });
      expect(fresh.json().id).not.toBe(first.json().id);
      expect(created).toBe(before + 2);
    });

    it('refuses the same key with a different body (422), and scopes keys per caller', async () => {
      await post({ name: 'beta', size: 1 }, { 'idempotency-key': 'k-beta' });
      const reused = await post({ name: 'beta', size: 99 }, { 'idempotency-key': 'k-beta' });
      expect(reused.statusCode).toBe(422);
      expect(reused.json().code).toBe('idempotency_key_reused');
      const otherCaller = await post({ name: 'beta', size: 99 }, { 'idempotency-key': 'k-beta', authorization: 'Bearer good-bob' });
      expect(otherCaller.statusCode).toBe(201);
    });

    it('answers 409 while the first request is still running', async () => {
      const first = post({ name: 'slow', size: 1 }, { 'idempotency-key': 'k-slow' });
      while (!release) await new Promise((resolve) => setTimeout(resolve, 5));
      const concurrent = await post({ name: 'slow', size: 1 }, { 'idempotency-key': 'k-slow' });
      expect(concurrent.statusCode).toBe(409);
      expect(concurrent.json().code).toBe('idempotency_request_in_progress');
      release();
      expect((await first).statusCode).toBe(201);
      expect((await post({ name: 'slow', size: 1 }, { 'idempotency-key': 'k-slow' })).headers['idempotent-replayed']).toBe('true');
    });

    it('stores errors from execution but not server faults', async () => {
      const taken = await post({ name: 'taken', size: 1 }, { 'idempotency-key': 'k-taken' });
      expect(taken.statusCode).toBe(409);
      const replay = await post({ name: 'taken', size: 1 }, { 'idempotency-key': 'k-taken' });
      expect(replay.statusCode).toBe(409);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.headers['content-type']).toMatch(/problem\+json/);

      await post({ name: 'crash', size: 1 }, { 'idempotency-key': 'k-crash-2' });
      const rows = await queryRows<{ key: string }>(testDb.database.db, sql`SELECT key FROM idempotency_keys WHERE key = 'k-crash-2'`);
      expect(rows).toEqual([]);
    });

    it('purges expired keys', async () => {
      const store = new IdempotencyStore(testDb.database.db, clock);
      clock.advance({ days: 2 });
      expect(await store.purgeExpired()).toBeGreaterThan(0);
      const [left] = await queryRows<{ n: number }>(testDb.database.db, sql`SELECT count(*)::int AS n FROM idempotency_keys`);
      expect(left?.n).toBe(0);
    });
  });

  it('serves the OpenAPI 3.1 document with the problem schema', async () => {
    const response = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.openapi).toBe('3.1.0');
    expect(document.paths['/v1/widgets'].post.responses['4XX']).toBeDefined();
    expect(JSON.stringify(document.components.schemas)).toContain('request_id');
  });
});

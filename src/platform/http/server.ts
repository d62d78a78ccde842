import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type RawReplyDefaultExpression, type RawRequestDefaultExpression, type RawServerDefault } from 'fastify';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Logger } from 'pino';
import { ulid } from 'ulidx';
import { AppError, badRequest } from '../errors/index.ts';
import { requestFingerprint, validateIdempotencyKey, type IdempotencyStore } from './idempotency.ts';
import { PROBLEM_CONTENT_TYPE, sendProblem, toProblem } from './problem.ts';
import { ProblemSchema } from './schemas.ts';
import { isEmptyBody, nulCharacterAt, strictValidatorCompiler } from './validation.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route needs no session (sign-in, public store pages). */
    public?: boolean;
    /** Creating POSTs take an Idempotency-Key; `required` refuses a request without one. */
    idempotency?: 'required' | 'optional';
    /** The handler reads a multipart/form-data body itself (uploads). */
    multipart?: boolean;
    /** The body arrives as the raw bytes sent (signed webhooks); see withRawBodies. */
    rawBody?: boolean;
    /** The handler reads the Authorization header itself (a scraper's token), not as a session. */
    ownAuthorization?: boolean;
  }
  interface FastifyRequest {
    /** Whoever the bearer token belongs to; the shape is the identity module's. */
    principal: unknown;
    idempotency: { scope: string; key: string } | null;
  }
}

export type HttpApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface HttpServerOptions {
  logger: Logger;
  bodyLimitBytes: number;
  uploadMaxBytes: number;
  trustProxy: boolean;
  version: string;
  /** Resolves a bearer token to a principal, or null when the token is unknown, expired or revoked. */
  authenticate(token: string): Promise<unknown>;
  /** The idempotency scope of a principal: keys of different callers never collide. */
  principalScope(principal: unknown): string;
  idempotency: IdempotencyStore;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;

export async function createHttpServer(options: HttpServerOptions): Promise<HttpApp> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: options.bodyLimitBytes,
    trustProxy: options.trustProxy,
    logController: new LogController({ requestIdLogLabel: 'request_id' }),
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : `req_${ulid()}`;
    },
    ajv: { customOptions: { allErrors: true } },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Errors the router raises before any hook (a badly encoded or over-long URL) are problems too.
    frameworkErrors: (error, request, reply) => {
      reply.header('x-request-id', request.id);
      return sendProblem(reply, toProblem(error, request));
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(strictValidatorCompiler);
  app.addHook('preValidation', async (request) => {
    for (const [part, value] of [['body', request.body], ['query', request.query]] as const) {
      const at = nulCharacterAt(value);
      if (at !== undefined) {
        throw badRequest('invalid_character', 'Text must not contain the NUL character (U+0000).', [{ in: part, path: at, code: 'invalid_character', message: 'contains a NUL character' }]);
      }
    }
    // A POST, PUT or PATCH that declares no body takes none, rather than ignoring whatever comes.
    const { schema, config } = request.routeOptions;
    if (['POST', 'PUT', 'PATCH'].includes(request.method) && !schema?.body && !config.multipart && !config.rawBody && !isEmptyBody(request.body)) {
      throw badRequest('unexpected_body', 'This endpoint takes no request body (or an empty JSON object).', [{ in: 'body', path: '', code: 'unexpected_body', message: 'must be empty' }]);
    }
  });
  // JSON is the API's only body type (and multipart for uploads); anything else is a 415.
  app.removeContentTypeParser('text/plain');
  app.decorateRequest('principal', null);
  app.decorateRequest('idempotency', null);

  app.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error, request);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: problem.code, status: problem.status }, 'request refused');
    return sendProblem(reply, problem, error instanceof AppError ? error.headers : {});
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, toProblem(new AppError(404, 'route_not_found', 'Not found', `No route ${request.method} ${request.url.split('?')[0]}.`), request)),
  );

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    const held = request.idempotency;
    if (held) {
      request.idempotency = null;
      const contentType = String(reply.getHeader('content-type') ?? '') || null;
      const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : null;
      if (body === null) await options.idempotency.release(held.scope, held.key);
      else await options.idempotency.complete(held.scope, held.key, reply.statusCode, contentType, body);
    }
    return payload;
  });
  // A request that dies before its response is sent frees its key for a retry.
  app.addHook('onResponse', async (request) => {
    if (request.idempotency) await options.idempotency.release(request.idempotency.scope, request.idempotency.key);
  });

  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.ownAuthorization) return;
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = BEARER.exec(header);
      if (!match?.[1]) throw new AppError(401, 'invalid_token', 'Invalid token', 'The Authorization header must be `Bearer <session token>`.');
      const principal = await options.authenticate(match[1]);
      if (!principal) throw new AppError(401, 'invalid_token', 'Invalid token', 'The session token is unknown, expired or revoked. Sign in again.');
      request.principal = principal;
    } else if (request.routeOptions.url?.startsWith('/v1/') && !request.routeOptions.config.public) {
      throw new AppError(401, 'unauthenticated', 'Authentication required', 'Sign in and send the session token as `Authorization: Bearer <token>`.');
    }
  });

  app.addHook('preHandler', async (request, reply) => {
    const mode = request.routeOptions.config.idempotency;
    if (!mode) return;
    const header = request.headers['idempotency-key'];
    const key = validateIdempotencyKey(Array.isArray(header) ? header[0] : header, mode === 'required');
    if (key === undefined) return;
    const scope = request.principal ? options.principalScope(request.principal) : `anonymous:${request.ip}`;
    const outcome = await options.idempotency.begin(scope, key, requestFingerprint(request.method, request.url, request.body));
    if (outcome.kind === 'replay') {
      reply.header('idempotent-replayed', 'true');
      if (outcome.contentType) reply.type(outcome.contentType);
      return reply.code(outcome.status).send(outcome.body);
    }
    request.idempotency = { scope, key };
  });

  await app.register(multipart, {
    limits: { fileSize: options.uploadMaxBytes, files: 1, fields: 10, parts: 12, fieldSize: 4096, headerPairs: 100 },
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Caravan API',
        version: options.version,
        description:
          'Cross-border marketplace API. Surfaces: `/v1/store` (buyers), `/v1/seller` (Seller Center), `/v1/ops` (operators), `/v1/auth` (everyone). ' +
          'Errors are RFC 9457 problem documents (`application/problem+json`) with a stable `code` and per-field `errors[]`. ' +
          'Creating POSTs take an `Idempotency-Key` header; lists use cursor pagination (`limit`, `cursor` → `data`, `next_cursor`). ' +
          'Money is an integer amount in minor units beside an ISO 4217 currency code.',
      },
      components: {
        securitySchemes: { session: { type: 'http', scheme: 'bearer', description: 'Opaque session token from POST /v1/auth/sign-in.' } },
      },
      security: [{ session: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    // Uploads read their multipart body in the handler; the document still describes it.
    transform: ({ schema, url, route }) =>
      route.config?.multipart
        ? {
            url,
            schema: {
              ...schema,
              consumes: ['multipart/form-data'],
              body: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary', description: 'The file: one part named `file`.' } } },
            },
          }
        : { schema, url },
  });
  app.addSchema(ProblemSchema);
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  // Every route documents the problem responses it can give.
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/v1/')) return;
    const schema = (route.schema ??= {}) as { response?: Record<string, unknown>; security?: unknown };
    schema.response ??= {};
    schema.response['4XX'] ??= {
      description: 'Problem (RFC 9457)',
      content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: 'Problem#' } } },
    };
    if (route.config?.public) schema.security = [];
    // No declared query parameters means none are accepted: a typo never goes unnoticed.
    (schema as { querystring?: unknown }).querystring ??= Type.Object({}, { additionalProperties: false });
  });

  return app;
}

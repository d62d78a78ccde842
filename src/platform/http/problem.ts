import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type FieldError } from '../errors/index.ts';

/** RFC 9457 problem document, with Caravan's stable `code` and per-field `errors[]`. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance: string;
  request_id: string;
  errors: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problemType(code: string): string {
  return `urn:caravan:problem:${code}`;
}

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  schemaPath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

const LOCATION: Record<string, FieldError['in']> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

/** Turns schema-validator output into one field error per offending field. */
export function validationToFieldErrors(issues: ValidationIssue[], context: string | undefined): FieldError[] {
  const location = LOCATION[context ?? 'body'] ?? 'body';
  const errors: FieldError[] = [];
  for (const issue of issues) {
    const base = issue.instancePath ?? '';
    if (issue.keyword === 'required' && Array.isArray(issue.params?.requiredProperties)) {
      for (const property of issue.params.requiredProperties as string[]) {
        errors.push({ in: location, path: `${base}/${property}`, code: 'required', message: 'is required' });
      }
    } else if (issue.keyword === 'additionalProperties' && Array.isArray(issue.params?.additionalProperties)) {
      for (const property of issue.params.additionalProperties as string[]) {
        errors.push({ in: location, path: `${base}/${property}`, code: 'unknown_field', message: 'is not a known field' });
      }
    } else if (issue.keyword === 'boolean' && issue.schemaPath?.endsWith('/additionalProperties')) {
      // Reported once more, and better, by the additionalProperties issue above.
    } else {
      errors.push({ in: location, path: base, code: `invalid_${issue.keyword}`, message: issue.message ?? 'is invalid' });
    }
  }
  return onePerField(errors);
}

/**
 * A field that breaks several keywords is reported once, by the first. A nullable object that is
 * wrong inside is reported at the fields inside, not as "must be null" and "must match anyOf".
 */
function onePerField(errors: FieldError[]): FieldError[] {
  const explainedInside = (path: string) => errors.some((other) => other.path.startsWith(`${path}/`));
  const seen = new Set<string>();
  return errors.filter((error) => {
    if (seen.has(error.path)) return false;
    seen.add(error.path);
    return !(error.code === 'invalid_anyOf' || error.code === 'invalid_type') || !explainedInside(error.path);
  });
}

const FASTIFY_CODES: Record<string, { code: string; title: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'payload_too_large', title: 'Payload too large' },
  FST_REQ_FILE_TOO_LARGE: { code: 'payload_too_large', title: 'Payload too large' },
  FST_FILES_LIMIT: { code: 'too_many_files', title: 'Too many files' },
  FST_PARTS_LIMIT: { code: 'too_many_parts', title: 'Too many parts' },
  FST_FIELDS_LIMIT: { code: 'too_many_fields', title: 'Too many fields' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'unsupported_media_type', title: 'Unsupported media type' },
  FST_INVALID_MULTIPART_CONTENT_TYPE: { code: 'unsupported_media_type', title: 'Unsupported media type' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'malformed_body', title: 'Malformed body' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'malformed_body', title: 'Malformed body' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'malformed_body', title: 'Malformed body' },
};

export function toProblem(error: unknown, request: FastifyRequest): ProblemDocument {
  const base = { instance: request.url.split('?')[0] ?? request.url, request_id: request.id };
  if (error instanceof AppError) {
    return { type: problemType(error.code), title: error.title, status: error.status, detail: error.message, code: error.code, errors: error.errors, ...base };
  }
  const fastifyError = error as FastifyError & { validation?: ValidationIssue[]; validationContext?: string };
  if (fastifyError.validation) {
    return {
      type: problemType('invalid_request'),
      title: 'Invalid request',
      status: 400,
      detail: 'The request does not match the schema; see errors[].',
      code: 'invalid_request',
      errors: validationToFieldErrors(fastifyError.validation, fastifyError.validationContext),
      ...base,
    };
  }
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    const known = FASTIFY_CODES[fastifyError.code] ?? (error instanceof SyntaxError ? FASTIFY_CODES.FST_ERR_CTP_INVALID_JSON_BODY : undefined);
    const code = known?.code ?? 'bad_request';
    return { type: problemType(code), title: known?.title ?? 'Bad request', status, detail: fastifyError.message, code, errors: [], ...base };
  }
  return {
    type: problemType('internal_error'),
    title: 'Internal error',
    status: 500,
    detail: 'Something went wrong on our side. The request id identifies it in our logs.',
    code: 'internal_error',
    errors: [],
    ...base,
  };
}

export function sendProblem(reply: FastifyReply, problem: ProblemDocument, headers: Record<string, string> = {}): FastifyReply {
  for (const [name, value] of Object.entries(headers)) reply.header(name, value);
  // Sent as a string so that no route's response schema reshapes it.
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

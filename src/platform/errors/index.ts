/**
 * Errors a use case can end with. Services throw them; the HTTP layer turns them into RFC 9457
 * problem documents, the Open Platform gateway into its own envelopes. `code` is stable: clients
 * branch on it, so a code is never renamed.
 */
export interface FieldError {
  /** Where the problem is: the request body, the query string, the URL path or a header. */
  in: 'body' | 'query' | 'path' | 'header';
  /** JSON pointer to the field within that part, e.g. `/legal_representative/id_number`. */
  path: string;
  code: string;
  message: string;
}

export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    detail?: string,
    readonly errors: FieldError[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
  }
}

export const badRequest = (code: string, detail: string, errors: FieldError[] = []) =>
  new AppError(400, code, 'Bad request', detail, errors);

export const unauthenticated = (detail = 'Sign in and send the session token as `Authorization: Bearer <token>`.') =>
  new AppError(401, 'unauthenticated', 'Authentication required', detail);

export const forbidden = (detail: string, code = 'forbidden') => new AppError(403, code, 'Forbidden', detail);

/** Also what a caller gets for another tenant's records, so ids cannot be probed. */
export const notFound = (entity: string, id?: string) =>
  new AppError(404, 'not_found', 'Not found', id ? `No ${entity} with id ${id}.` : `No such ${entity}.`);

export const conflict = (code: string, detail: string) => new AppError(409, code, 'Conflict', detail);

export const validationFailed = (errors: FieldError[], detail = 'The request has invalid fields; see errors[].') =>
  new AppError(422, 'validation_failed', 'Validation failed', detail, errors);

export const unprocessable = (code: string, detail: string, errors: FieldError[] = []) =>
  new AppError(422, code, 'Unprocessable request', detail, errors);

export const tooManyRequests = (detail: string, retryAfterSeconds: number) =>
  new AppError(429, 'too_many_requests', 'Too many requests', detail, [], { 'retry-after': String(retryAfterSeconds) });

export const payloadTooLarge = (detail: string) => new AppError(413, 'payload_too_large', 'Payload too large', detail);

export const unsupportedMediaType = (detail: string) =>
  new AppError(415, 'unsupported_media_type', 'Unsupported media type', detail);

export function fieldError(path: string, code: string, message: string, location: FieldError['in'] = 'body'): FieldError {
  return { in: location, path, code, message };
}

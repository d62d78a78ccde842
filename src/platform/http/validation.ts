import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * Schema validation for every request part. Bodies are JSON and checked as sent. Query strings,
 * path parameters and headers arrive as text, so a declared integer or boolean is converted — but
 * only from its plain spelling: `limit=1.5`, `0x10` or `true` for a number stay text and fail,
 * where a lenient converter would quietly turn them into something the caller did not send.
 */
const PLAIN_INTEGER = /^-?(0|[1-9]\d*)$/;
const PLAIN_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?$/;

function convertText(schema: TSchema, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
  const converted: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [key, raw] of Object.entries(converted)) {
    if (typeof raw !== 'string') continue;
    const type = properties[key]?.type;
    if (type === 'integer' && PLAIN_INTEGER.test(raw)) converted[key] = Number(raw);
    else if (type === 'number' && PLAIN_NUMBER.test(raw)) converted[key] = Number(raw);
    else if (type === 'boolean' && (raw === 'true' || raw === 'false')) converted[key] = raw === 'true';
  }
  return converted;
}

export const strictValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = Compile(schema);
  return (value) => {
    const candidate = httpPart === 'body' ? value : convertText(schema, value);
    return check.Check(candidate) ? { value: candidate } : { error: check.Errors(candidate) as never };
  };
};

/**
 * The JSON pointer of the first string holding a NUL character. PostgreSQL cannot store U+0000 in
 * text or jsonb, and no legitimate input needs it, so it is refused at the door.
 */
export function nulCharacterAt(value: unknown, pointer = ''): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? pointer || '/' : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const found = nulCharacterAt(key, `${pointer}/${key}`) ?? nulCharacterAt(inner, `${pointer}/${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

export function isEmptyBody(body: unknown): boolean {
  return body === undefined || (body !== null && typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0);
}

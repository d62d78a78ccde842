import { Type, type TProperties, type TSchema } from 'typebox';
import { idPattern } from '../ids/index.ts';

/** Schemas every surface shares. Declared once: they validate, type, serialize and document. */

export const IdOf = (prefix: string, description?: string) =>
  Type.String({ pattern: idPattern(prefix), ...(description ? { description } : {}), examples: [`${prefix}_01JD3Z8Q4X5N6M7P8R9S0T1V2W`] });

export const Timestamp = Type.String({ format: 'date-time' });
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

export const MoneySchema = Type.Object(
  {
    amount: Type.Integer({ description: 'Integer amount in the currency’s minor units (ISO 4217 exponent).' }),
    currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code.' }),
  },
  { additionalProperties: false },
);

export const FieldErrorSchema = Type.Object({
  in: Type.Union([Type.Literal('body'), Type.Literal('query'), Type.Literal('path'), Type.Literal('header')]),
  path: Type.String(),
  code: Type.String(),
  message: Type.String(),
});

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'Stable machine-readable problem code.' }),
    instance: Type.String(),
    request_id: Type.String(),
    errors: Type.Array(FieldErrorSchema),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details.' },
);

const pagingProperties = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
};

/** Query string of a cursor-paginated list, with the list's own filters beside `limit` and `cursor`. */
export const pageQuery = <P extends TProperties = Record<never, never>>(filters: P = {} as P) => Type.Object({ ...pagingProperties, ...filters }, { additionalProperties: false });

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({
    data: Type.Array(item),
    next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page.' }),
  });

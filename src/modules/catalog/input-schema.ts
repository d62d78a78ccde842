import { Type, type TProperties } from 'typebox';
import { Compile } from 'typebox/compile';
import type { FieldError } from '../../platform/errors/index.ts';
import { validationToFieldErrors } from '../../platform/http/problem.ts';
import { LIMITS } from './rules.ts';
import { CATALOG_LANGUAGES } from './taxonomy.ts';

/*
 * The shape of a product as sellers send it. One schema serves the API (validation and OpenAPI),
 * edits by merge patch and file imports, so a product is held to the same limits however it arrives.
 */

export const obj = <P extends TProperties>(properties: P) => Type.Object(properties, { additionalProperties: false });
const Language = Type.Enum(CATALOG_LANGUAGES);
const perLanguage = (maxLength: number) =>
  obj(Object.fromEntries(CATALOG_LANGUAGES.map((lang) => [lang, Type.Optional(Type.String({ minLength: 1, maxLength }))])) as Record<(typeof CATALOG_LANGUAGES)[number], ReturnType<typeof Type.Optional<ReturnType<typeof Type.String>>>>);
const AttributeValue = Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean()]);
const Attributes = Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' }), AttributeValue, { maxProperties: 100 });
export const Market = Type.String({ pattern: '^[A-Z]{2}$' });
const PartySchema = obj({
  name: Type.Optional(Type.String({ maxLength: 200 })),
  address: Type.Optional(Type.String({ maxLength: 500 })),
  email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
  country: Type.Optional(Market),
});
const Positive = (max: number) => Type.Integer({ minimum: 1, maximum: max });

export const SkuCode = Type.String({ pattern: '^[A-Za-z0-9._/-]{1,64}$', description: 'Your SKU code, unique across your products.' });

/** A selling price: a whole positive number of the currency's minor units. */
export const PriceSchema = obj({
  amount: Type.Integer({ minimum: 1, maximum: 1_000_000_000_000, description: 'Integer amount in the currency’s minor units (ISO 4217 exponent).' }),
  currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code.' }),
});
export const CountryPrices = Type.Record(Market, PriceSchema, { maxProperties: 40 });

const SkuInputSchema = obj({
  seller_sku: SkuCode,
  variant: Type.Optional(Attributes),
  price: PriceSchema,
  country_prices: Type.Optional(CountryPrices),
  weight_grams: Type.Optional(Type.Union([Positive(1_000_000), Type.Null()])),
  package_mm: Type.Optional(Type.Union([obj({ length: Positive(10_000), width: Positive(10_000), height: Positive(10_000) }), Type.Null()])),
  barcode: Type.Optional(Type.Union([Type.String({ pattern: '^\\d{8,14}$' }), Type.Null()])),
  stock: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000, description: 'Sets the quantity on hand in your own warehouse.' })),
});

export const productProperties = {
  seller_ref: Type.Optional(Type.Union([Type.String({ pattern: '^[A-Za-z0-9._/-]{1,64}$' }), Type.Null()])),
  category: Type.String({ pattern: '^[a-z0-9_]+(\\.[a-z0-9_]+)*$', maxLength: 200 }),
  main_language: Language,
  titles: perLanguage(LIMITS.titleLength),
  descriptions: Type.Optional(perLanguage(LIMITS.descriptionLength)),
  attributes: Type.Optional(Attributes),
  images: Type.Optional(Type.Array(Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000 }), { maxItems: LIMITS.mainImages })),
  video: Type.Optional(Type.Union([obj({ url: Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000 }), duration_seconds: Type.Number({ exclusiveMinimum: 0, maximum: 36_000 }) }), Type.Null()])),
  brand: Type.Optional(Type.Union([Type.String({ maxLength: 120 }), Type.Null()])),
  model: Type.Optional(Type.Union([Type.String({ maxLength: 120, description: 'Type, model or batch identifier (GPSR).' }), Type.Null()])),
  manufacturer: Type.Optional(Type.Union([PartySchema, Type.Null()])),
  eu_responsible_person: Type.Optional(Type.Union([PartySchema, Type.Null()])),
  warnings: Type.Optional(perLanguage(LIMITS.warningLength)),
  hs_code: Type.Optional(Type.Union([Type.String({ pattern: '^\\d{6,10}$' }), Type.Null()])),
  markets: Type.Array(Market, { minItems: 1, maxItems: 40 }),
  skus: Type.Array(SkuInputSchema, { minItems: 1, maxItems: LIMITS.skusPerProduct }),
};


const productShape = Compile(obj(productProperties));

/** Where a product's shape breaks the schema: the problems a request body would have had. */
export function productShapeProblems(input: unknown): FieldError[] {
  if (productShape.Check(input)) return [];
  return validationToFieldErrors(productShape.Errors(input) as never, 'body');
}

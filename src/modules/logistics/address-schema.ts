import { Type, type Static, type TProperties } from 'typebox';
import type { LabelAddress } from './label.ts';

/** Postal addresses and the seller's own carrier as the HTTP surfaces take them (shipments, checkout, orders). */
const obj = <P extends TProperties>(properties: P) => Type.Object(properties, { additionalProperties: false });
const Country = Type.String({ pattern: '^[A-Z]{2}$' });
const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength });

export const AddressSchema = obj({
  name: Text(120),
  name_latin: Type.Optional(Text(120)),
  company: Type.Optional(Text(120)),
  lines: Type.Array(Text(120), { minItems: 1, maxItems: 3 }),
  city: Text(80),
  region: Type.Optional(Text(80)),
  postal_code: Type.Optional(Type.String({ minLength: 1, maxLength: 20 })),
  country: Country,
  phone: Type.Optional(Type.String({ pattern: '^\\+?[0-9 ()-]{6,24}$' })),
});
export const RecipientSchema = obj({ ...AddressSchema.properties, state: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$', description: 'Brazilian state (UF), for ICMS.' })) });
export const OwnCarrierSchema = obj({ carrier_code: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{1,39}$' }), tracking_number: Type.String({ minLength: 4, maxLength: 40 }) });

export const addressIn = (a: Static<typeof AddressSchema>): LabelAddress => ({
  name: a.name,
  ...(a.name_latin ? { nameLatin: a.name_latin } : {}),
  ...(a.company ? { company: a.company } : {}),
  lines: a.lines,
  city: a.city,
  ...(a.region ? { region: a.region } : {}),
  ...(a.postal_code ? { postalCode: a.postal_code } : {}),
  country: a.country,
  ...(a.phone ? { phone: a.phone } : {}),
});
export const addressOut = (a: LabelAddress & { state?: string }) => ({
  name: a.name,
  name_latin: a.nameLatin ?? null,
  company: a.company ?? null,
  lines: a.lines,
  city: a.city,
  region: a.region ?? null,
  postal_code: a.postalCode ?? null,
  country: a.country,
  phone: a.phone ?? null,
  ...(a.state ? { state: a.state } : {}),
});

export const ownCarrierIn = (o: Static<typeof OwnCarrierSchema> | undefined) => (o ? { ownCarrier: { carrierCode: o.carrier_code, trackingNumber: o.tracking_number } } : {});


import type { FastifyReply } from 'fastify';
import { Type, type Static, type TProperties } from 'typebox';
import type { HttpApp } from '../../platform/http/server.ts';
import { IdOf, MoneySchema, NullableTimestamp, Page, pageQuery, Timestamp } from '../../platform/http/schemas.ts';
import { callerOf } from '../identity/index.ts';
import { CUSTOMS_CATEGORIES } from './label.ts';
import { AddressSchema, addressIn, addressOut, ownCarrierIn, OwnCarrierSchema, RecipientSchema } from './address-schema.ts';
import type { QuoteResult, ServiceQuote } from './quote.ts';
import { SHIPMENT_STATUSES } from './rules.ts';
import type { FreightTemplate, FreightTemplateInput, TemplateOffers } from './freight-templates.ts';
import { LOGISTICS_DATA_FILES, type LogisticsDataFileName, type LogisticsReference } from './reference.ts';
import type { LogisticsService, NewShipment, QuoteRequest, Shipment } from './service.ts';

const obj = <P extends TProperties>(properties: P) => Type.Object(properties, { additionalProperties: false });
const Country = Type.String({ pattern: '^[A-Z]{2}$' });
const Grams = Type.Integer({ minimum: 1, maximum: 10_000_000 });
const Millimetres = Type.Integer({ minimum: 1, maximum: 10_000 });
const HsCode = Type.String({ pattern: '^\\d{6,10}$' });
const PositiveMoney = obj({ amount: Type.Integer({ minimum: 0, maximum: 1_000_000_000_000 }), currency: Type.String({ pattern: '^[A-Z]{3}$' }) });
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', format: 'date' });
const Reason = Type.String({ minLength: 3, maxLength: 500 });
const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength });

const QuoteBody = obj({
  origin_country: Country,
  destination: obj({ country: Country, postal_code: Type.String({ maxLength: 20 }), state: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })) }),
  items: Type.Array(
    obj({
      description: Type.Optional(Text(200)),
      weight_g: Grams,
      dimensions_mm: Type.Optional(obj({ length: Millimetres, width: Millimetres, height: Millimetres })),
      value: PositiveMoney,
      hs_code: HsCode,
      quantity: Type.Integer({ minimum: 1, maximum: 10_000 }),
    }),
    { minItems: 1, maxItems: 100 },
  ),
  package: Type.Optional(obj({ length_mm: Millimetres, width_mm: Millimetres, height_mm: Millimetres, packaging_weight_g: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })) })),
  date: Type.Optional(Day),
  warehouse_stock: Type.Optional(Type.Array(Country, { maxItems: 50 })),
  currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
});

const QuoteLineSchema = Type.Object({ kind: Type.String(), code: Type.String(), description: Type.String(), amount: MoneySchema });
const ServiceQuoteSchema = Type.Object({
  service_code: Type.String(),
  service_name: Type.String(),
  path: Type.String(),
  recommended: Type.Boolean(),
  tracking: Type.String(),
  carriers: Type.Array(Type.String()),
  delivery_days: Type.Object({ min: Type.Integer(), max: Type.Integer() }),
  zone: Type.String(),
  customs: Type.String({ description: 'DDP: duties and taxes are lines of this quote; DAP: the buyer pays them on delivery; domestic: none.' }),
  ddp_available: Type.Boolean(),
  currency: Type.String(),
  lines: Type.Array(QuoteLineSchema),
  total: MoneySchema,
  comparable_total: Type.Union([MoneySchema, Type.Null()]),
  payable_on_delivery: Type.Union([Type.Array(QuoteLineSchema), Type.Null()]),
  billable_weight_g: Type.Integer(),
  billable_weight_basis: Type.String(),
  rate_sheet: Type.Object({ id: Type.String(), version: Type.String(), valid_from: Type.String(), valid_to: Type.Union([Type.String(), Type.Null()]) }),
  rank: Type.Integer(),
});
const QuoteResultSchema = Type.Object({
  date: Type.String(),
  rank_currency: Type.String(),
  quotes: Type.Array(ServiceQuoteSchema),
  excluded: Type.Array(Type.Object({ service_code: Type.String(), service_name: Type.String(), reasons: Type.Array(Type.Object({ code: Type.String(), detail: Type.String() })) })),
});

const ServiceCode = Type.String({ pattern: '^[a-z0-9_]{2,60}$' });
const FreeShippingSchema = Type.Union([
  obj({ kind: Type.Literal('none') }),
  obj({ kind: Type.Literal('always'), service: ServiceCode }),
  obj({ kind: Type.Literal('over'), threshold: PositiveMoney, service: ServiceCode }),
]);
const FreightTemplateBody = obj({
  name: Text(80),
  is_default: Type.Optional(Type.Boolean()),
  handling_days: Type.Integer({ minimum: 1, maximum: 30, description: 'Days from order to hand-over (new sellers: 3).' }),
  rules: Type.Array(
    obj({
      destinations: Type.Array(Type.String({ pattern: '^([A-Z]{2}|\\*)$' }), { minItems: 1, maxItems: 60 }),
      services: Type.Array(ServiceCode, { minItems: 1, maxItems: 20 }),
      free_shipping: FreeShippingSchema,
    }),
    { minItems: 1, maxItems: 50 },
  ),
});
const FreightTemplateSchema = Type.Object({
  id: IdOf('frt'),
  name: Type.String(),
  is_default: Type.Boolean(),
  handling_days: Type.Integer(),
  rules: Type.Array(Type.Object({ destinations: Type.Array(Type.String()), services: Type.Array(Type.String()), free_shipping: Type.Record(Type.String(), Type.Unknown()) })),
  version: Type.Integer(),
  updated_at: Timestamp,
});
const TemplateParams = Type.Object({ templateId: IdOf('frt') });
const OffersSchema = Type.Union([
  Type.Object({ ships: Type.Literal(true), offers: Type.Array(Type.Object({ service_code: Type.String(), service_name: Type.String(), buyer_pays: MoneySchema, free: Type.Boolean(), delivery_days: Type.Object({ min: Type.Integer(), max: Type.Integer() }) })) }),
  Type.Object({ ships: Type.Literal(false), reason: Type.String() }),
]);

const ShipmentItemSchema = obj({
  description: Text(120),
  quantity: Type.Integer({ minimum: 1, maximum: 10_000 }),
  net_weight_g: Grams,
  unit_value: PositiveMoney,
  hs_code: HsCode,
  origin_country: Country,
});
const NewShipmentBody = obj({
  order_ref: Type.String({ pattern: '^[A-Za-z0-9._/-]{1,64}$' }),
  service_code: Type.String({ pattern: '^[a-z0-9_]{2,60}$' }),
  own_carrier: Type.Optional(OwnCarrierSchema),
  sender: AddressSchema,
  recipient: RecipientSchema,
  items: Type.Array(ShipmentItemSchema, { minItems: 1, maxItems: 100 }),
  customs_category: Type.Optional(Type.Enum(CUSTOMS_CATEGORIES)),
  weight_g: Grams,
  package_mm: Type.Optional(obj({ length: Millimetres, width: Millimetres, height: Millimetres })),
});

const ShipmentSchema = Type.Object({
  id: IdOf('shp'),
  order_ref: Type.String(),
  service_code: Type.String(),
  carrier_code: Type.String(),
  tracking_number: Type.String(),
  status: Type.Enum(SHIPMENT_STATUSES),
  sender: Type.Record(Type.String(), Type.Unknown()),
  recipient: Type.Record(Type.String(), Type.Unknown()),
  items: Type.Array(Type.Record(Type.String(), Type.Unknown())),
  customs_category: Type.String(),
  weight_g: Type.Integer(),
  package_mm: Type.Union([Type.Object({ length: Type.Integer(), width: Type.Integer(), height: Type.Integer() }), Type.Null()]),
  charges: Type.Union([ServiceQuoteSchema, Type.Null()]),
  replaces: Type.Union([IdOf('shp'), Type.Null()]),
  cancel_reason: Type.Union([Type.String(), Type.Null()]),
  label_url: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
  cancelled_at: NullableTimestamp,
});
const ShipmentParams = Type.Object({ shipmentId: IdOf('shp') });

function quoteRequestOf(body: Static<typeof QuoteBody>): QuoteRequest {
  return {
    parcel: {
      originCountry: body.origin_country,
      destination: { country: body.destination.country, postalCode: body.destination.postal_code },
      items: body.items.map((item) => ({
        ...(item.description ? { description: item.description } : {}),
        weightG: item.weight_g,
        ...(item.dimensions_mm ? { dimensionsMm: { lengthMm: item.dimensions_mm.length, widthMm: item.dimensions_mm.width, heightMm: item.dimensions_mm.height } } : {}),
        value: item.value,
        hsCode: item.hs_code,
        quantity: item.quantity,
      })),
      ...(body.package
        ? { package: { dimensionsMm: { lengthMm: body.package.length_mm, widthMm: body.package.width_mm, heightMm: body.package.height_mm }, ...(body.package.packaging_weight_g !== undefined ? { packagingWeightG: body.package.packaging_weight_g } : {}) } }
        : {}),
    },
    ...(body.date ? { date: body.date } : {}),
    ...(body.destination.state ? { destinationState: body.destination.state } : {}),
    ...(body.warehouse_stock ? { warehouseStock: body.warehouse_stock } : {}),
    ...(body.currency ? { currency: body.currency } : {}),
  };
}

/** Amounts go out as amount and currency only, whatever the engine carried beside them. */
const moneyOut = (m: { amount: number; currency: string }) => ({ amount: m.amount, currency: m.currency });

function serviceQuoteView(q: ServiceQuote) {
  const line = (l: { kind: string; code: string; description: string; amount: { amount: number; currency: string } }) => ({ kind: l.kind, code: l.code, description: l.description, amount: moneyOut(l.amount) });
  return {
    service_code: q.serviceCode,
    service_name: q.serviceName,
    path: q.path,
    recommended: q.recommended,
    tracking: q.tracking,
    carriers: q.carriers,
    delivery_days: { min: q.deliveryDays.min, max: q.deliveryDays.max },
    zone: q.zone,
    customs: q.customs,
    ddp_available: q.ddpAvailable,
    currency: q.currency,
    lines: q.lines.map(line),
    total: moneyOut(q.total),
    comparable_total: q.comparableTotal ? moneyOut(q.comparableTotal) : null,
    payable_on_delivery: q.payableOnDelivery?.map(line) ?? null,
    billable_weight_g: q.billableWeight.billableG,
    billable_weight_basis: q.billableWeight.explanation,
    rate_sheet: { id: q.rateSheet.id, version: q.rateSheet.version, valid_from: q.rateSheet.validFrom, valid_to: q.rateSheet.validTo },
    rank: q.rank,
  };
}

function quoteView(result: QuoteResult) {
  return {
    date: result.date,
    rank_currency: result.rankCurrency,
    quotes: result.quotes.map(serviceQuoteView),
    excluded: result.excluded.map((e) => ({ service_code: e.serviceCode, service_name: e.serviceName, reasons: e.reasons.map((r) => ({ code: r.code, detail: r.detail })) })),
  };
}

function newShipmentOf(body: Static<typeof NewShipmentBody>): NewShipment {
  return {
    orderRef: body.order_ref,
    serviceCode: body.service_code,
    ...ownCarrierIn(body.own_carrier),
    sender: addressIn(body.sender),
    recipient: { ...addressIn(body.recipient), ...(body.recipient.state ? { state: body.recipient.state } : {}) },
    items: body.items.map((i) => ({ description: i.description, quantity: i.quantity, netWeightGrams: i.net_weight_g, unitValue: i.unit_value, hsCode: i.hs_code, originCountry: i.origin_country })),
    ...(body.customs_category ? { customsCategory: body.customs_category } : {}),
    weightGrams: body.weight_g,
    ...(body.package_mm ? { packageMm: body.package_mm } : {}),
  };
}

function shipmentView(s: Shipment) {
  return {
    id: s.id,
    order_ref: s.orderRef,
    service_code: s.serviceCode,
    carrier_code: s.carrierCode,
    tracking_number: s.trackingNumber,
    status: s.status,
    sender: addressOut(s.sender),
    recipient: addressOut(s.recipient),
    items: s.items.map((i) => ({ description: i.description, quantity: i.quantity, net_weight_g: i.netWeightGrams, unit_value: i.unitValue, hs_code: i.hsCode, origin_country: i.originCountry })),
    customs_category: s.customsCategory,
    weight_g: s.weightGrams,
    package_mm: s.packageMm,
    charges: s.charges ? serviceQuoteView(s.charges) : null,
    replaces: s.replaces,
    cancel_reason: s.cancelReason,
    label_url: s.status === 'cancelled' ? null : `/v1/seller/shipments/${s.id}/label`,
    created_at: s.createdAt.toISOString(),
    cancelled_at: s.cancelledAt?.toISOString() ?? null,
  };
}

function templateIn(body: Static<typeof FreightTemplateBody>): FreightTemplateInput {
  return {
    name: body.name,
    ...(body.is_default !== undefined ? { isDefault: body.is_default } : {}),
    handlingDays: body.handling_days,
    rules: body.rules.map((rule) => ({ destinations: rule.destinations, services: rule.services, freeShipping: rule.free_shipping })),
  };
}

function templateView(t: FreightTemplate) {
  return {
    id: t.id,
    name: t.name,
    is_default: t.isDefault,
    handling_days: t.handlingDays,
    rules: t.rules.map((rule) => ({ destinations: rule.destinations, services: rule.services, free_shipping: rule.freeShipping })),
    version: t.version,
    updated_at: t.updatedAt.toISOString(),
  };
}

function offersView(offers: TemplateOffers) {
  if (!offers.ships) return { ships: false as const, reason: offers.reason };
  return {
    ships: true as const,
    offers: offers.offers.map((o) => ({ service_code: o.serviceCode, service_name: o.serviceName, buyer_pays: o.buyerPays, free: o.free, delivery_days: o.deliveryDays })),
  };
}

function sendPdf(reply: FastifyReply, pdf: Buffer, name: string) {
  return reply
    .header('content-type', 'application/pdf')
    .header('content-disposition', `inline; filename="${name}"`)
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'private, no-store')
    .send(pdf);
}

export function registerLogisticsRoutes(app: HttpApp, logistics: LogisticsService, reference: LogisticsReference): void {
  registerLogisticsDataRoutes(app, reference);

  app.get(
    '/v1/seller/logistics/services',
    { schema: { tags: ['seller: logistics'], summary: 'The logistics services on offer: paths, destinations, limits, delivery windows', response: { 200: Type.Object({ data: Type.Array(Type.Record(Type.String(), Type.Unknown())) }) } } },
    async () => ({
      data: (await logistics.services()).map((s) => ({
        code: s.code,
        name: s.name,
        path: s.path,
        recommended: s.recommended,
        origins: s.origins,
        currency: s.currency,
        tracking: s.tracking,
        ddp: s.ddp !== null,
        destinations: s.destinations.map((d) => ({ country: d.country, delivery_days: d.deliveryDays })),
      })),
    }),
  );

  const quoteSummary = 'Quote every service for a parcel: itemised charges (base, fuel, remote area, oversize, DDP fee, duties, taxes), or why a service cannot carry it';
  app.post(
    '/v1/store/shipping-quotes',
    { config: { public: true }, bodyLimit: 256 * 1024, schema: { tags: ['store'], summary: quoteSummary, body: QuoteBody, response: { 200: QuoteResultSchema } } },
    async (request) => quoteView(await logistics.quote(quoteRequestOf(request.body))),
  );
  app.post(
    '/v1/seller/logistics/quotes',
    {
      bodyLimit: 256 * 1024,
      schema: {
        tags: ['seller: logistics'],
        summary: `${quoteSummary}; with template_id, also what the buyer is offered under that freight template`,
        body: obj({ ...QuoteBody.properties, template_id: Type.Optional(IdOf('frt')) }),
        response: { 200: Type.Object({ ...QuoteResultSchema.properties, template_offers: Type.Optional(OffersSchema) }) },
      },
    },
    async (request) => {
      const { template_id, ...body } = request.body;
      if (!template_id) return quoteView(await logistics.quote(quoteRequestOf(body)));
      const { quote, offers } = await logistics.quoteWithTemplate(callerOf(request), quoteRequestOf(body), template_id);
      return { ...quoteView(quote), template_offers: offersView(offers) };
    },
  );

  app.post(
    '/v1/seller/freight-templates',
    { config: { idempotency: 'required' }, schema: { tags: ['seller: logistics'], summary: 'Create a freight template: services per destination, free-shipping rules, handling time', body: FreightTemplateBody, response: { 201: FreightTemplateSchema } } },
    async (request, reply) => reply.status(201).send(templateView(await logistics.templates.create(callerOf(request), templateIn(request.body)))),
  );
  app.get(
    '/v1/seller/freight-templates',
    { schema: { tags: ['seller: logistics'], summary: 'The seller’s freight templates', response: { 200: Type.Object({ data: Type.Array(FreightTemplateSchema) }) } } },
    async (request) => ({ data: (await logistics.templates.list(callerOf(request))).map(templateView) }),
  );
  app.get(
    '/v1/seller/freight-templates/:templateId',
    { schema: { tags: ['seller: logistics'], summary: 'One freight template', params: TemplateParams, response: { 200: FreightTemplateSchema } } },
    async (request) => templateView(await logistics.templates.get(callerOf(request), request.params.templateId)),
  );
  app.put(
    '/v1/seller/freight-templates/:templateId',
    { schema: { tags: ['seller: logistics'], summary: 'Replace a freight template', params: TemplateParams, body: FreightTemplateBody, response: { 200: FreightTemplateSchema } } },
    async (request) => templateView(await logistics.templates.replace(callerOf(request), request.params.templateId, templateIn(request.body))),
  );
  app.delete(
    '/v1/seller/freight-templates/:templateId',
    { schema: { tags: ['seller: logistics'], summary: 'Delete a freight template', params: TemplateParams } },
    async (request, reply) => {
      await logistics.templates.remove(callerOf(request), request.params.templateId);
      return reply.status(204).send();
    },
  );

  app.post(
    '/v1/seller/shipments',
    {
      config: { idempotency: 'required' },
      bodyLimit: 256 * 1024,
      schema: {
        tags: ['seller: logistics'],
        summary: 'Buy a label for a parcel of an order: the service is quoted, a tracking number assigned (or the seller’s own carrier’s checked) and the 4×6 label made',
        body: NewShipmentBody,
        response: { 201: ShipmentSchema },
      },
    },
    async (request, reply) => reply.status(201).send(shipmentView(await logistics.createShipment(callerOf(request), newShipmentOf(request.body)))),
  );

  app.get(
    '/v1/seller/shipments',
    {
      schema: {
        tags: ['seller: logistics'],
        summary: 'The seller’s shipments, newest first',
        querystring: pageQuery({ order_ref: Type.Optional(Type.String({ maxLength: 64 })), status: Type.Optional(Type.Enum(SHIPMENT_STATUSES)) }),
        response: { 200: Page(ShipmentSchema) },
      },
    },
    async (request) => {
      const { order_ref, status, limit = 20, cursor } = request.query;
      const page = await logistics.list(callerOf(request), { limit, ...(order_ref ? { orderRef: order_ref } : {}), ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) });
      return { data: page.data.map(shipmentView), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/seller/shipments/:shipmentId',
    { schema: { tags: ['seller: logistics'], summary: 'One shipment with its charges', params: ShipmentParams, response: { 200: ShipmentSchema } } },
    async (request) => shipmentView(await logistics.get(callerOf(request), request.params.shipmentId)),
  );

  app.get(
    '/v1/seller/shipments/:shipmentId/label',
    { schema: { tags: ['seller: logistics'], summary: 'The 4×6 inch label as PDF (Code 128 barcode; CN 22/CN 23 declaration for international parcels)', params: ShipmentParams } },
    async (request, reply) => {
      const { shipment, pdf } = await logistics.label(callerOf(request), request.params.shipmentId);
      return sendPdf(reply, pdf, `label-${shipment.trackingNumber}.pdf`);
    },
  );

  app.post(
    '/v1/seller/shipments/:shipmentId/cancel',
    { schema: { tags: ['seller: logistics'], summary: 'Cancel a label not yet handed over to the carrier', params: ShipmentParams, body: obj({ reason: Reason }), response: { 200: ShipmentSchema } } },
    async (request) => shipmentView(await logistics.cancel(callerOf(request), request.params.shipmentId, request.body.reason)),
  );

  app.post(
    '/v1/seller/shipments/:shipmentId/relabel',
    {
      config: { idempotency: 'required' },
      schema: {
        tags: ['seller: logistics'],
        summary: 'Cancel a label not yet handed over and buy a new one for the same parcel, optionally with another service',
        params: ShipmentParams,
        body: obj({ service_code: Type.Optional(Type.String({ pattern: '^[a-z0-9_]{2,60}$' })), own_carrier: Type.Optional(OwnCarrierSchema), reason: Reason }),
        response: { 201: ShipmentSchema },
      },
    },
    async (request, reply) => {
      const { service_code, own_carrier, reason } = request.body;
      const replaced = await logistics.relabel(callerOf(request), request.params.shipmentId, { reason, ...(service_code ? { serviceCode: service_code } : {}), ...ownCarrierIn(own_carrier) });
      return reply.status(201).send(shipmentView(replaced));
    },
  );
}

const DataFileParams = Type.Object({ file: Type.Enum(Object.keys(LOGISTICS_DATA_FILES) as LogisticsDataFileName[]) });
const DataFileSchema = Type.Object({
  file: Type.String(),
  version: Type.Integer(),
  updated_by: Type.String(),
  updated_at: Timestamp,
  definition: Type.Unknown(),
  history: Type.Array(Type.Object({ version: Type.Integer(), changed_by: Type.String(), changed_at: Timestamp, reason: Type.String() })),
});

function registerLogisticsDataRoutes(app: HttpApp, reference: LogisticsReference): void {
  const view = (file: LogisticsDataFileName, item: { version: number; updatedBy: string; updatedAt: Date; definition: unknown; history: { version: number; changedBy: string; changedAt: Date; reason: string }[] }) => ({
    file,
    version: item.version,
    updated_by: item.updatedBy,
    updated_at: item.updatedAt.toISOString(),
    definition: item.definition,
    history: item.history.map((h) => ({ version: h.version, changed_by: h.changedBy, changed_at: h.changedAt.toISOString(), reason: h.reason })),
  });
  app.get(
    '/v1/ops/logistics/data/:file',
    { schema: { tags: ['ops: logistics'], summary: 'One logistics data file (services, zones, rate sheets, surcharges) with its versions', params: DataFileParams, response: { 200: DataFileSchema } } },
    async (request) => view(request.params.file, await reference.file(callerOf(request), request.params.file)),
  );
  app.put(
    '/v1/ops/logistics/data/:file',
    {
      bodyLimit: 2 * 1024 * 1024,
      schema: {
        tags: ['ops: logistics'],
        summary: 'Replace a logistics data file (a new dated rate sheet, this month’s fuel percentage): checked with the other files, versioned and audited',
        params: DataFileParams,
        body: obj({ definition: Type.Record(Type.String(), Type.Unknown()), reason: Reason }),
        response: { 200: DataFileSchema },
      },
    },
    async (request) => {
      await reference.put(callerOf(request), request.params.file, request.body.definition, request.body.reason);
      return view(request.params.file, await reference.file(callerOf(request), request.params.file));
    },
  );
}

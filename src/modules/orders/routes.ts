import { Type, type Static, type TProperties } from 'typebox';
import type { HttpApp } from '../../platform/http/server.ts';
import { IdOf, MoneySchema, NullableTimestamp, Page, pageQuery, Timestamp } from '../../platform/http/schemas.ts';
import { callerOf, maskIdNumber, maskPersonName, maskPhone, revealsPersonalData, type Principal } from '../identity/index.ts';
import { AddressSchema, addressIn, addressOut, ownCarrierIn, OwnCarrierSchema } from '../logistics/index.ts';
import { JourneyProperties, journeyView } from '../tracking/index.ts';
import { END_REASONS, ORDER_STATUSES } from './rules.ts';
import type { Order, OrdersService } from './service.ts';

const obj = <P extends TProperties>(properties: P) => Type.Object(properties, { additionalProperties: false });
const Reason = Type.String({ minLength: 3, maxLength: 500 });
const OrderParams = Type.Object({ orderId: IdOf('ord') });
const StatusSchema = Type.Enum(ORDER_STATUSES);
const LineAmount = obj({ code: Type.String(), description: Type.String(), amount: MoneySchema });
const TaxLineSchema = obj({ code: Type.String(), label: Type.String(), rate: Type.Union([Type.String(), Type.Null()]), amount: MoneySchema });
const Variant = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]));

export const OrderSchema = obj({
  id: IdOf('ord'),
  seller_id: IdOf('sel'),
  checkout_id: IdOf('chk'),
  status: StatusSchema,
  suspended_from: Type.Union([StatusSchema, Type.Null()]),
  end_reason: Type.Union([Type.Enum(END_REASONS), Type.Null()]),
  market: Type.String(),
  currency: Type.String(),
  shipping_address: Type.Object({}, { additionalProperties: true }),
  buyer_identifiers: Type.Record(Type.String(), Type.String()),
  lines: Type.Array(
    obj({
      line_no: Type.Integer(),
      sku_id: IdOf('sku'),
      product_id: IdOf('prd'),
      seller_sku: Type.String(),
      title: Type.String(),
      variant: Variant,
      quantity: Type.Integer(),
      shipped_quantity: Type.Integer(),
      unit_price: MoneySchema,
      buyer_unit_price: MoneySchema,
      buyer_line_total: MoneySchema,
      commission_rate: Type.String({ description: 'The category’s rate in force when the order was placed, frozen.' }),
      commission: MoneySchema,
    }),
  ),
  shipping: obj({ service_code: Type.String(), service_name: Type.String(), free: Type.Boolean(), delivery_days: obj({ min: Type.Integer(), max: Type.Integer() }), lines: Type.Array(LineAmount), total: MoneySchema }),
  taxes: obj({ collection: Type.String(), regime: Type.Union([Type.String(), Type.Null()]), collected: Type.Array(TaxLineSchema), on_delivery: Type.Array(TaxLineSchema) }),
  totals: obj({ goods: MoneySchema, shipping: MoneySchema, taxes: MoneySchema, grand: MoneySchema }),
  commission: MoneySchema,
  fx_rate_ids: Type.Array(Type.String()),
  handling_hours: Type.Integer(),
  cancel_request: Type.Union([obj({ reason: Type.String(), requested_at: Timestamp, refused_reason: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]),
  parcels: Type.Array(obj({ shipment_id: IdOf('shp'), carrier_code: Type.String(), tracking_number: Type.String(), lines: Type.Array(obj({ line_no: Type.Integer(), quantity: Type.Integer() })), shipped_at: Timestamp, delivered_at: NullableTimestamp })),
  placed_at: Timestamp,
  pay_due_at: Timestamp,
  paid_at: NullableTimestamp,
  ship_due_at: NullableTimestamp,
  late_at: NullableTimestamp,
  shipped_at: NullableTimestamp,
  delivered_at: NullableTimestamp,
  confirm_due_at: NullableTimestamp,
  finished_at: NullableTimestamp,
  version: Type.Integer(),
});

const TrackingSchema = obj({ shipment_id: IdOf('shp'), ...JourneyProperties });
const HistorySchema = Type.Object({
  data: Type.Array(obj({ occurred_at: Timestamp, actor_type: Type.String(), action: Type.String(), from: Type.Unknown(), to: Type.Unknown(), reason: Type.Union([Type.String(), Type.Null()]) })),
});

const ShipBody = obj({
  service_code: Type.Optional(Type.String({ pattern: '^[a-z0-9_]{2,60}$', description: 'Default: the service the buyer chose at checkout.' })),
  own_carrier: Type.Optional(OwnCarrierSchema),
  sender: AddressSchema,
  weight_g: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
  package_mm: Type.Optional(obj({ length: Type.Integer({ minimum: 1, maximum: 10_000 }), width: Type.Integer({ minimum: 1, maximum: 10_000 }), height: Type.Integer({ minimum: 1, maximum: 10_000 }) })),
  lines: Type.Optional(Type.Array(obj({ line_no: Type.Integer({ minimum: 1, maximum: 500 }), quantity: Type.Integer({ minimum: 1, maximum: 10_000 }) }), { minItems: 1, maxItems: 200, description: 'Default: everything not yet shipped.' })),
});

/** Operators see the recipient's contact and identifiers only as their data-access tier allows. */
function personalDataFor(order: Order, principal: Principal) {
  const address = addressOut(order.shippingAddress);
  if (principal.kind !== 'operator') return { shipping_address: address, buyer_identifiers: order.buyerIdentifiers };
  const contact = revealsPersonalData(principal, 'contact');
  const identity = revealsPersonalData(principal, 'identity');
  return {
    shipping_address: contact ? address : { ...address, name: maskPersonName(address.name), phone: address.phone ? maskPhone(address.phone) : null, lines: address.lines.map(() => '***') },
    buyer_identifiers: identity ? order.buyerIdentifiers : Object.fromEntries(Object.entries(order.buyerIdentifiers).map(([k, v]) => [k, maskIdNumber(v)])),
  };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const moneyOut = (m: { amount: number; currency: string }) => ({ amount: m.amount, currency: m.currency });
const taxLineOut = (l: { code: string; label: string; rate: string | null; amount: { amount: number; currency: string } }) => ({ code: l.code, label: l.label, rate: l.rate, amount: moneyOut(l.amount) });

export function orderView(order: Order, principal: Principal): Static<typeof OrderSchema> {
  return {
    id: order.id,
    seller_id: order.sellerId,
    checkout_id: order.checkoutId,
    status: order.status,
    suspended_from: order.suspendedFrom,
    end_reason: order.endReason,
    market: order.market,
    currency: order.currency,
    ...personalDataFor(order, principal),
    lines: order.lines.map((line) => ({
      line_no: line.lineNo,
      sku_id: line.skuId,
      product_id: line.productId,
      seller_sku: line.sellerSku,
      title: line.title,
      variant: line.variant,
      quantity: line.quantity,
      shipped_quantity: line.shippedQuantity,
      unit_price: moneyOut(line.unitPrice),
      buyer_unit_price: { amount: line.buyerUnitPrice, currency: order.currency },
      buyer_line_total: { amount: line.buyerLineTotal, currency: order.currency },
      commission_rate: line.commissionRate,
      commission: { amount: line.commissionAmount, currency: order.currency },
    })),
    shipping: {
      service_code: order.shipping.serviceCode,
      service_name: order.shipping.serviceName,
      free: order.shipping.free,
      delivery_days: order.shipping.deliveryDays,
      lines: order.shipping.lines.map((l) => ({ code: l.code, description: l.description, amount: moneyOut(l.amount) })),
      total: moneyOut(order.shipping.total),
    },
    taxes: { collection: order.taxes.collection, regime: order.taxes.regime, collected: order.taxes.collected.map(taxLineOut), on_delivery: order.taxes.onDelivery.map(taxLineOut) },
    totals: order.totals,
    commission: order.commission,
    fx_rate_ids: order.fxRateIds,
    handling_hours: order.handlingHours,
    cancel_request: order.cancelRequest ? { reason: order.cancelRequest.reason, requested_at: order.cancelRequest.requestedAt, refused_reason: order.cancelRequest.refusedReason ?? null } : null,
    parcels: order.parcels.map((p) => ({ shipment_id: p.shipmentId, carrier_code: p.carrierCode, tracking_number: p.trackingNumber, lines: p.lines.map((l) => ({ line_no: l.lineNo, quantity: l.quantity })), shipped_at: p.shippedAt.toISOString(), delivered_at: iso(p.deliveredAt) })),
    placed_at: order.placedAt.toISOString(),
    pay_due_at: order.payDueAt.toISOString(),
    paid_at: iso(order.paidAt),
    ship_due_at: iso(order.shipDueAt),
    late_at: iso(order.lateAt),
    shipped_at: iso(order.shippedAt),
    delivered_at: iso(order.deliveredAt),
    confirm_due_at: iso(order.confirmDueAt),
    finished_at: iso(order.finishedAt),
    version: order.version,
  };
}

export function registerOrdersRoutes(app: HttpApp, orders: OrdersService): void {
  const history = async (principalOrder: { caller: ReturnType<typeof callerOf>; orderId: string }) => {
    const records = await orders.history(principalOrder.caller, principalOrder.orderId);
    return { data: records.map((r) => ({ occurred_at: r.occurredAt.toISOString(), actor_type: r.actorType, action: r.action, from: r.fromState, to: r.toState, reason: r.reason })) };
  };

  // ─── Seller Center ────────────────────────────────────────────────────────────────────────

  app.get(
    '/v1/seller/orders',
    {
      schema: {
        tags: ['seller: orders'],
        summary: 'The seller’s orders, newest first, filtered by status, placing dates and the buyer’s country',
        querystring: pageQuery({
          status: Type.Optional(StatusSchema),
          placed_from: Type.Optional(Type.String({ format: 'date-time' })),
          placed_to: Type.Optional(Type.String({ format: 'date-time' })),
          buyer_country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
        }),
        response: { 200: Page(OrderSchema) },
      },
    },
    async (request) => {
      const { status, placed_from, placed_to, buyer_country, limit = 20, cursor } = request.query;
      const caller = callerOf(request);
      const page = await orders.listForSeller(caller, {
        limit,
        ...(status ? { status } : {}),
        ...(placed_from ? { from: new Date(placed_from) } : {}),
        ...(placed_to ? { to: new Date(placed_to) } : {}),
        ...(buyer_country ? { buyerCountry: buyer_country } : {}),
        ...(cursor ? { cursor } : {}),
      });
      return { data: page.data.map((o) => orderView(o, caller.principal)), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/seller/orders/:orderId',
    { schema: { tags: ['seller: orders'], summary: 'One order', params: OrderParams, response: { 200: OrderSchema } } },
    async (request) => {
      const caller = callerOf(request);
      return orderView(await orders.get(caller, request.params.orderId), caller.principal);
    },
  );

  app.get(
    '/v1/seller/orders/:orderId/history',
    { schema: { tags: ['seller: orders'], summary: 'Every status change of an order, newest first', params: OrderParams, response: { 200: HistorySchema } } },
    async (request) => history({ caller: callerOf(request), orderId: request.params.orderId }),
  );

  app.post(
    '/v1/seller/orders/:orderId/shipments',
    {
      config: { idempotency: 'required' },
      schema: {
        tags: ['seller: orders'],
        summary: 'Ship all or part of an order: buys the label, takes the units out of stock, moves the order on',
        params: OrderParams,
        body: ShipBody,
        response: { 201: OrderSchema },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const body = request.body;
      const order = await orders.ship(caller, request.params.orderId, {
        ...(body.service_code ? { serviceCode: body.service_code } : {}),
        ...ownCarrierIn(body.own_carrier),
        sender: addressIn(body.sender),
        weightGrams: body.weight_g,
        ...(body.package_mm ? { packageMm: body.package_mm } : {}),
        ...(body.lines ? { lines: body.lines.map((l) => ({ lineNo: l.line_no, quantity: l.quantity })) } : {}),
      });
      return reply.code(201).send(orderView(order, caller.principal));
    },
  );

  app.post(
    '/v1/seller/orders/:orderId/cancellation',
    {
      schema: {
        tags: ['seller: orders'],
        summary: 'Accept or refuse the buyer’s cancellation request',
        params: OrderParams,
        body: obj({ accept: Type.Boolean(), reason: Reason }),
        response: { 200: OrderSchema },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      return orderView(await orders.answerCancellation(caller, request.params.orderId, request.body), caller.principal);
    },
  );

  // ─── Buyers ───────────────────────────────────────────────────────────────────────────────

  app.get(
    '/v1/store/orders',
    { schema: { tags: ['store'], summary: 'My orders, newest first', querystring: pageQuery(), response: { 200: Page(OrderSchema) } } },
    async (request) => {
      const caller = callerOf(request);
      const { limit = 20, cursor } = request.query;
      const page = await orders.listForBuyer(caller, { limit, ...(cursor ? { cursor } : {}) });
      return { data: page.data.map((o) => orderView(o, caller.principal)), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/store/orders/:orderId',
    { schema: { tags: ['store'], summary: 'One of my orders, with the tracking timeline of each parcel', params: OrderParams, response: { 200: obj({ ...OrderSchema.properties, tracking: Type.Array(TrackingSchema) }) } } },
    async (request) => {
      const caller = callerOf(request);
      const { order, tracking } = await orders.getWithTracking(caller, request.params.orderId);
      return {
        ...orderView(order, caller.principal),
        tracking: tracking.map((t) => ({ shipment_id: t.shipmentId, ...journeyView(t) })),
      };
    },
  );

  app.post(
    '/v1/store/orders/:orderId/cancel',
    {
      schema: {
        tags: ['store'],
        summary: 'Cancel before shipment: at once when the seller is past the handling time, otherwise the seller is asked',
        params: OrderParams,
        body: obj({ reason: Reason }),
        response: { 200: OrderSchema },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      return orderView(await orders.cancelByBuyer(caller, request.params.orderId, request.body.reason), caller.principal);
    },
  );

  app.post(
    '/v1/store/orders/:orderId/confirm-receipt',
    { schema: { tags: ['store'], summary: 'Confirm the goods arrived: the seller’s funds are released', params: OrderParams, response: { 200: OrderSchema } } },
    async (request) => {
      const caller = callerOf(request);
      return orderView(await orders.confirmReceipt(caller, request.params.orderId), caller.principal);
    },
  );

  // ─── Operators ────────────────────────────────────────────────────────────────────────────

  app.get(
    '/v1/ops/orders/:orderId',
    { schema: { tags: ['ops: orders'], summary: 'One order; personal data masked as the operator’s tier requires', params: OrderParams, response: { 200: OrderSchema } } },
    async (request) => {
      const caller = callerOf(request);
      return orderView(await orders.get(caller, request.params.orderId), caller.principal);
    },
  );

  app.get(
    '/v1/ops/orders/:orderId/history',
    { schema: { tags: ['ops: orders'], summary: 'Every status change of an order, newest first', params: OrderParams, response: { 200: HistorySchema } } },
    async (request) => history({ caller: callerOf(request), orderId: request.params.orderId }),
  );

  for (const action of ['freeze', 'unfreeze'] as const) {
    app.post(
      `/v1/ops/orders/:orderId/${action}`,
      {
        schema: {
          tags: ['ops: orders'],
          summary: action === 'freeze' ? 'Freeze an order for a risk or compliance review' : 'Return a frozen order to where it was',
          params: OrderParams,
          body: obj({ reason: Reason }),
          response: { 200: OrderSchema },
        },
      },
      async (request) => {
        const caller = callerOf(request);
        return orderView(await orders.freeze(caller, request.params.orderId, action, request.body.reason), caller.principal);
      },
    );
  }
}

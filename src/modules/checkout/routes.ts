import { Type, type Static, type TProperties } from 'typebox';
import type { HttpApp } from '../../platform/http/server.ts';
import { IdOf, MoneySchema, Page, pageQuery, Timestamp } from '../../platform/http/schemas.ts';
import { callerOf } from '../identity/index.ts';
import { addressIn, RecipientSchema } from '../logistics/index.ts';
import { OrderSchema, orderView } from '../orders/index.ts';
import { CART_LIMITS } from './rules.ts';
import type { Cart, CartLine, CartOwner, Checkout, CheckoutQuote, CheckoutService, QuoteInput, SellerQuote } from './service.ts';

const obj = <P extends TProperties>(properties: P) => Type.Object(properties, { additionalProperties: false });
const Market = Type.String({ pattern: '^[A-Z]{2}$', description: 'The buyer’s market (ISO 3166-1 alpha-2), e.g. BR' });
const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'Must be the market’s currency when given' });
const Nullable = <T extends ReturnType<typeof Type.String> | typeof MoneySchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Variant = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]));

const CartLineSchema = obj({
  sku_id: IdOf('sku'),
  seller_id: IdOf('sel'),
  product_id: Type.Union([IdOf('prd'), Type.Null()]),
  title: Type.String(),
  variant: Variant,
  image: Nullable(Type.String()),
  quantity: Type.Integer(),
  unit_price: Nullable(MoneySchema),
  buyer_unit_price: Nullable(MoneySchema),
  line_total: Nullable(MoneySchema),
  previous_price: Nullable(MoneySchema),
  available: Type.Integer(),
  problem: Nullable(Type.String({ description: 'Why the line cannot be ordered now: not_offered_in_market, listing_not_shown, product_offline, sku_removed, not_found, insufficient_stock, no_fx_rate' })),
});

const CartSchema = obj({
  id: Type.String(),
  market: Type.String(),
  currency: Type.String(),
  sellers: Type.Array(obj({ seller_id: IdOf('sel'), lines: Type.Array(CartLineSchema), subtotal: MoneySchema })),
  subtotal: MoneySchema,
  fx_rate_ids: Type.Array(Type.String()),
});

const AmountLine = obj({ code: Type.String(), description: Type.String(), amount: MoneySchema });
const TaxLine = obj({ code: Type.String(), label: Type.String(), rate: Nullable(Type.String()), amount: MoneySchema });
const OfferSchema = obj({
  service_code: Type.String(),
  service_name: Type.String(),
  buyer_pays: MoneySchema,
  free: Type.Boolean(),
  recommended: Type.Boolean(),
  customs: Type.String({ description: 'DDP: duties and taxes paid at checkout; DAP: the buyer pays them on delivery; domestic: none' }),
  delivery_days: obj({ min: Type.Integer(), max: Type.Integer() }),
});

const QuoteSchema = obj({
  market: Type.String(),
  currency: Type.String(),
  date: Type.String(),
  sellers: Type.Array(
    obj({
      seller_id: IdOf('sel'),
      lines: Type.Array(CartLineSchema),
      ships: Type.Boolean(),
      reason: Nullable(Type.String()),
      offers: Type.Array(OfferSchema),
      chosen: Type.Union([OfferSchema, Type.Null()]),
      shipping: obj({ lines: Type.Array(AmountLine), total: MoneySchema }),
      taxes: obj({ collection: Type.String(), regime: Nullable(Type.String()), collected: Type.Array(TaxLine), on_delivery: Type.Array(TaxLine), total: MoneySchema }),
      totals: obj({ goods: MoneySchema, shipping: MoneySchema, taxes: MoneySchema, total: MoneySchema }),
      handling_days: Type.Integer(),
    }),
  ),
  totals: obj({ goods: MoneySchema, shipping: MoneySchema, taxes: MoneySchema, grand: MoneySchema }),
  fx_rate_ids: Type.Array(Type.String()),
  problems: Type.Array(obj({ in: Type.String(), path: Type.String(), code: Type.String(), message: Type.String() })),
});

const QuoteBody = obj({
  market: Market,
  currency: Type.Optional(Currency),
  shipping_address: RecipientSchema,
  identifiers: Type.Optional(
    obj({
      cpf: Type.Optional(Type.String({ pattern: '^[0-9./ -]{11,18}$', description: 'Brazil: the buyer’s CPF, needed to clear customs' })),
      pccc: Type.Optional(Type.String({ pattern: '^[Pp][0-9]{12}$', description: 'Korea: personal customs clearance code' })),
    }),
  ),
  services: Type.Optional(Type.Record(Type.String({ pattern: '^sel_[0-9A-HJKMNP-TV-Z]{26}$' }), Type.String({ pattern: '^[a-z0-9_]{2,60}$' }), { description: 'The service per seller; default: the cheapest for the buyer' })),
});

const PlaceBody = obj({
  ...QuoteBody.properties,
  expected_total: Type.Optional(
    Type.Object({ amount: Type.Integer({ minimum: 0 }), currency: Currency }, { additionalProperties: false, description: 'The grand total the buyer accepted; a different total now is a 409 quote_changed' }),
  ),
});

const CheckoutSchema = obj({ id: IdOf('chk'), market: Type.String(), currency: Type.String(), grand_total: MoneySchema, payment_id: IdOf('pay'), order_ids: Type.Array(IdOf('ord')), created_at: Timestamp });

const moneyOut = (m: { amount: number; currency: string } | null) => (m ? { amount: m.amount, currency: m.currency } : null);

function lineView(line: CartLine) {
  return {
    sku_id: line.skuId,
    seller_id: line.sellerId,
    product_id: line.productId,
    title: line.title,
    variant: line.variant,
    image: line.image,
    quantity: line.quantity,
    unit_price: moneyOut(line.unitPrice),
    buyer_unit_price: moneyOut(line.buyerUnitPrice),
    line_total: moneyOut(line.lineTotal),
    previous_price: moneyOut(line.previousPrice),
    available: line.available,
    problem: line.problem,
  };
}

const cartView = (cart: Cart) => ({
  id: cart.id,
  market: cart.market,
  currency: cart.currency,
  sellers: cart.sellers.map((s) => ({ seller_id: s.sellerId, lines: s.lines.map(lineView), subtotal: s.subtotal })),
  subtotal: cart.subtotal,
  fx_rate_ids: cart.fxRateIds,
});

function offerView(o: SellerQuote['offers'][number]) {
  return { service_code: o.serviceCode, service_name: o.serviceName, buyer_pays: moneyOut(o.buyerPays)!, free: o.free, recommended: o.recommended, customs: o.customs, delivery_days: o.deliveryDays };
}

function quoteView(q: CheckoutQuote) {
  const taxLine = (l: { code: string; label: string; rate: string | null; amount: { amount: number; currency: string } }) => ({ code: l.code, label: l.label, rate: l.rate, amount: moneyOut(l.amount)! });
  return {
    market: q.market,
    currency: q.currency,
    date: q.date,
    sellers: q.sellers.map((s) => ({
      seller_id: s.sellerId,
      lines: s.lines.map(lineView),
      ships: s.ships,
      reason: s.reason,
      offers: s.offers.map(offerView),
      chosen: s.chosen ? offerView(s.chosen) : null,
      shipping: { lines: s.shipping.lines.map((l) => ({ code: l.code, description: l.description, amount: moneyOut(l.amount)! })), total: s.shipping.total },
      taxes: { collection: s.taxes.collection, regime: s.taxes.regime, collected: s.taxes.collected.map(taxLine), on_delivery: s.taxes.onDelivery.map(taxLine), total: s.taxes.total },
      totals: s.totals,
      handling_days: s.handlingDays,
    })),
    totals: q.totals,
    fx_rate_ids: q.fxRateIds,
    problems: q.problems.map((p) => ({ in: p.in, path: p.path, code: p.code, message: p.message })),
  };
}

const checkoutView = (c: Checkout) => ({ id: c.id, market: c.market, currency: c.currency, grand_total: c.grandTotal, payment_id: c.paymentId, order_ids: c.orderIds, created_at: c.createdAt.toISOString() });

function quoteInput(body: Static<typeof QuoteBody>): QuoteInput {
  return {
    market: body.market,
    ...(body.currency ? { currency: body.currency } : {}),
    address: { ...addressIn(body.shipping_address), ...(body.shipping_address.state ? { state: body.shipping_address.state } : {}) },
    ...(body.identifiers ? { identifiers: Object.fromEntries(Object.entries(body.identifiers).filter(([, v]) => v !== undefined)) as Record<string, string> } : {}),
    ...(body.services ? { services: body.services } : {}),
  };
}

export function registerCheckoutRoutes(app: HttpApp, checkout: CheckoutService): void {
  // The same cart operations for a signed-in buyer's cart and for a guest's, opened by its secret.
  const GuestParams = Type.Object({ cartId: IdOf('crt') });
  const GuestHeaders = Type.Object({ 'cart-token': Type.String({ pattern: '^gct_[A-Za-z0-9_-]{43}$', description: 'The secret given when the guest cart was created' }) });
  const carts = [
    { base: '/v1/store/cart', who: 'my cart', guest: false },
    { base: '/v1/store/guest-carts/:cartId', who: 'a guest cart (send its secret as the Cart-Token header)', guest: true },
  ] as const;
  for (const { base, who, guest } of carts) {
    const access = guest ? { config: { public: true } } : {};
    const scope = guest ? { params: GuestParams, headers: GuestHeaders } : {};
    const ownerOf = (request: { params: unknown; headers: Record<string, unknown> }): CartOwner =>
      guest ? { guest: { cartId: (request.params as { cartId: string }).cartId, token: String(request.headers['cart-token']) } } : checkout.buyerCart(callerOf(request as Parameters<typeof callerOf>[0]));

    app.get(
      base,
      {
        ...access,
        schema: {
          tags: ['store: checkout'],
          summary: `Read ${who}, priced now in the market’s currency: each line re-checked for price, listing and stock`,
          ...scope,
          querystring: obj({ market: Market, currency: Type.Optional(Currency) }),
          response: { 200: CartSchema },
        },
      },
      async (request) => cartView(await checkout.cart(ownerOf(request), request.query.market, request.query.currency)),
    );

    app.post(
      `${base}/items`,
      {
        ...access,
        config: { ...access.config, idempotency: 'optional' },
        schema: {
          tags: ['store: checkout'],
          summary: `Add units of a SKU to ${who} (more of it if it is there already)`,
          ...scope,
          body: obj({ sku_id: IdOf('sku'), quantity: Type.Integer({ minimum: 1, maximum: CART_LIMITS.quantityPerLine }), market: Market }),
          response: { 200: CartSchema },
        },
      },
      async (request) => cartView(await checkout.addItem(ownerOf(request), { skuId: request.body.sku_id, quantity: request.body.quantity, market: request.body.market })),
    );

    app.put(
      `${base}/items/:skuId`,
      {
        ...access,
        schema: {
          tags: ['store: checkout'],
          summary: `Set how many of an item ${who} holds; 0 removes it`,
          params: guest ? Type.Object({ cartId: IdOf('crt'), skuId: IdOf('sku') }) : Type.Object({ skuId: IdOf('sku') }),
          ...(guest ? { headers: GuestHeaders } : {}),
          body: obj({ quantity: Type.Integer({ minimum: 0, maximum: CART_LIMITS.quantityPerLine }), market: Market }),
          response: { 200: CartSchema },
        },
      },
      async (request) => cartView(await checkout.setQuantity(ownerOf(request), (request.params as { skuId: string }).skuId, request.body.quantity, request.body.market)),
    );
  }

  app.post(
    '/v1/store/guest-carts',
    {
      // No idempotency record: its stored answer would hold the cart's secret.
      config: { public: true },
      schema: {
        tags: ['store: checkout'],
        summary: 'Start a cart without an account; keep the secret: it opens the cart until the guest signs in and merges it',
        response: { 201: obj({ cart_id: IdOf('crt'), cart_token: Type.String() }) },
      },
    },
    async (_request, reply) => {
      const cart = await checkout.createGuestCart();
      return reply.code(201).send({ cart_id: cart.id, cart_token: cart.token });
    },
  );

  app.post(
    '/v1/store/cart/merge',
    {
      schema: {
        tags: ['store: checkout'],
        summary: 'After signing in, bring a guest cart into my cart (quantities add up); the guest cart is gone',
        body: obj({ guest_cart_id: IdOf('crt'), cart_token: GuestHeaders.properties['cart-token'], market: Market }),
        response: { 200: CartSchema },
      },
    },
    async (request) => cartView(await checkout.mergeGuestCart(callerOf(request), { cartId: request.body.guest_cart_id, token: request.body.cart_token }, request.body.market)),
  );

  app.post(
    '/v1/store/checkout/quote',
    {
      schema: {
        tags: ['store: checkout'],
        summary: 'What my cart costs delivered: per seller the shipping offers, the chosen service’s charges, duties and taxes, in my currency',
        description: 'Nothing is reserved. `problems` lists what would stop the order being placed.',
        body: QuoteBody,
        response: { 200: QuoteSchema },
      },
    },
    async (request) => quoteView(await checkout.quote(callerOf(request), quoteInput(request.body))),
  );

  app.post(
    '/v1/store/checkouts',
    {
      config: { idempotency: 'required' },
      schema: {
        tags: ['store: checkout'],
        summary: 'Place my cart: one order per seller, stock reserved, one payment to complete',
        description: 'All or nothing. Replaying the same Idempotency-Key returns the same checkout; the payment is then confirmed at /v1/store/payments/{payment_id}/confirm.',
        body: PlaceBody,
        response: { 201: obj({ checkout: CheckoutSchema, orders: Type.Array(OrderSchema), quote: QuoteSchema }) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const { expected_total, ...rest } = request.body;
      const placed = await checkout.place(caller, { ...quoteInput(rest), ...(expected_total ? { expectedTotal: expected_total } : {}) });
      return reply.code(201).send({ checkout: checkoutView(placed.checkout), orders: placed.orders.map((o) => orderView(o, caller.principal)), quote: quoteView(placed.quote) });
    },
  );

  app.get(
    '/v1/store/checkouts',
    { schema: { tags: ['store: checkout'], summary: 'My checkouts, newest first', querystring: pageQuery(), response: { 200: Page(CheckoutSchema) } } },
    async (request) => {
      const { limit = 20, cursor } = request.query;
      const page = await checkout.list(callerOf(request), { limit, ...(cursor ? { cursor } : {}) });
      return { data: page.data.map(checkoutView), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/store/checkouts/:checkoutId',
    { schema: { tags: ['store: checkout'], summary: 'One of my checkouts', params: Type.Object({ checkoutId: IdOf('chk') }), response: { 200: CheckoutSchema } } },
    async (request) => checkoutView(await checkout.get(callerOf(request), request.params.checkoutId)),
  );
}

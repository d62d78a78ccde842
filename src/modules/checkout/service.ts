import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, asc, desc, eq, inArray, isNull, lt } from 'drizzle-orm';
import type { Platform } from '../../platform/index.ts';
import { systemActor } from '../../platform/audit/index.ts';
import { inTransaction, type Db } from '../../platform/db/index.ts';
import { AppError, conflict, notFound, unprocessable, validationFailed, type FieldError } from '../../platform/errors/index.ts';
import { registerIdPrefix } from '../../platform/ids/index.ts';
import { add, convert, multiply, zero, type FxRate, type Money } from '../../platform/money/index.ts';
import { decodeCursor, toPage, type Page } from '../../platform/pagination.ts';
import { titleFor, type CatalogModule, type PurchasableSku } from '../catalog/index.ts';
import type { Caller } from '../identity/index.ts';
import type { InventoryService } from '../inventory/index.ts';
import { SELLERS_SHIP_FROM, type LogisticsService, type ServiceQuote } from '../logistics/index.ts';
import { checkBuyerIdentifier, landedCost, type FxLookup, type MarketDirectory } from '../markets/index.ts';
import type { EndReason, NewOrder, Order, OrdersService, OrderTaxLine, ShippingAddress } from '../orders/index.ts';
import type { PaymentsService } from '../payments/index.ts';
import { bySeller, CART_LIMITS, defaultOffer } from './rules.ts';
import { cartItems, carts, checkouts } from './schema.ts';

const CART_PREFIX = registerIdPrefix('crt', 'cart');
const CHECKOUT_PREFIX = registerIdPrefix('chk', 'checkout');

export interface CheckoutDependencies {
  catalog: Pick<CatalogModule, 'purchasable'>;
  inventory: Pick<InventoryService, 'reserve' | 'availableAcrossSellers'>;
  logistics: Pick<LogisticsService, 'shippingOffers'>;
  markets: { directory: MarketDirectory; fxRates: (tx: Db) => Promise<FxLookup> };
  orders: Pick<OrdersService, 'place' | 'paid' | 'closeUnpaid' | 'paymentFailed'>;
  payments: Pick<PaymentsService, 'createIntent' | 'find' | 'requestRefund'>;
}

/** A cart line as the buyer sees it now: today's price in their currency, and whether it can still be bought. */
export interface CartLine {
  skuId: string;
  sellerId: string;
  productId: string | null;
  title: string;
  variant: Record<string, string | number | boolean>;
  image: string | null;
  quantity: number;
  unitPrice: Money | null;
  /** One unit and the line in the buyer's currency. */
  buyerUnitPrice: Money | null;
  lineTotal: Money | null;
  /** The price when it was added, if it has changed since. */
  previousPrice: Money | null;
  available: number;
  problem: null | 'not_offered_in_market' | 'listing_not_shown' | 'product_offline' | 'sku_removed' | 'not_found' | 'insufficient_stock' | 'no_fx_rate';
}

export interface Cart {
  id: string;
  market: string;
  currency: string;
  sellers: { sellerId: string; lines: CartLine[]; subtotal: Money }[];
  subtotal: Money;
  fxRateIds: string[];
}

export interface BuyerOffer {
  serviceCode: string;
  serviceName: string;
  buyerPays: Money;
  free: boolean;
  recommended: boolean;
  customs: ServiceQuote['customs'];
  deliveryDays: { min: number; max: number };
  quote: ServiceQuote;
}

export interface SellerQuote {
  sellerId: string;
  lines: CartLine[];
  ships: boolean;
  reason: string | null;
  offers: BuyerOffer[];
  chosen: BuyerOffer | null;
  shipping: { lines: { code: string; description: string; amount: Money }[]; total: Money };
  taxes: { collection: string; regime: string | null; collected: OrderTaxLine[]; onDelivery: OrderTaxLine[]; total: Money };
  totals: { goods: Money; shipping: Money; taxes: Money; total: Money };
  handlingDays: number;
}

export interface CheckoutQuote {
  market: string;
  currency: string;
  date: string;
  sellers: SellerQuote[];
  totals: { goods: Money; shipping: Money; taxes: Money; grand: Money };
  fxRateIds: string[];
  /** What stops the order being placed, pointing at the request's fields. */
  problems: FieldError[];
}

export interface QuoteInput {
  market: string;
  currency?: string;
  address: ShippingAddress;
  identifiers?: Record<string, string>;
  /** Service per seller; default: the cheapest for the buyer. */
  services?: Record<string, string>;
}

export interface Checkout {
  id: string;
  market: string;
  currency: string;
  grandTotal: Money;
  paymentId: string;
  orderIds: string[];
  createdAt: Date;
}

/** Ends of a paid order that give the buyer's money back: the order was cancelled before it shipped. */
export const REFUNDED_END_REASONS: readonly EndReason[] = ['buyer_cancelled', 'cancelled_late_shipment', 'cancelled_by_operator'];

/** A paid order that ended cancelled, as its status change announces it. */
export interface CancelledOrder {
  orderId: string;
  checkoutId: string;
  endReason: EndReason;
  grandTotal: Money;
}

/** Whose cart: a signed-in buyer's, or a guest's opened by its secret. */
export type CartOwner = { buyer: string } | { guest: { cartId: string; token: string } };

const hashSecret = (token: string) => createHash('sha256').update(token).digest('hex');

function sameSecret(storedHash: string | null, token: string): boolean {
  if (!storedHash) return false;
  const given = Buffer.from(hashSecret(token), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}

type CheckoutRow = typeof checkouts.$inferSelect;
const toCheckout = (row: CheckoutRow): Checkout => ({ id: row.id, market: row.market, currency: row.currency, grandTotal: { amount: row.grandTotal, currency: row.currency }, paymentId: row.paymentId, orderIds: row.orderIds, createdAt: row.createdAt });

function requireBuyer(caller: Caller): string {
  if (caller.principal.kind !== 'buyer') throw new AppError(403, 'buyers_only', 'Forbidden', 'Carts and checkouts belong to buyer accounts.');
  return caller.principal.accountId;
}

/** Converts into one currency with the rates of one day, remembering every rate used. */
class Converter {
  readonly used = new Set<string>();
  constructor(
    private readonly fx: FxLookup,
    private readonly date: string,
    readonly currency: string,
  ) {}

  to(value: Money): Money | null {
    if (value.currency === this.currency) return value;
    const rate: FxRate | undefined = this.fx.rate(value.currency, this.currency, this.date);
    if (!rate) return null;
    this.used.add(rate.id);
    const converted = convert(value, rate, 'half_even');
    return { amount: converted.amount, currency: converted.currency };
  }
}

export function createCheckoutService(platform: Platform, deps: CheckoutDependencies) {
  const { db, clock, ids, events } = platform;
  const today = () => clock.now().toISOString().slice(0, 10);

  function marketOf(code: string, currency: string | undefined, path: string) {
    const market = deps.markets.directory.get(code);
    if (!market) throw validationFailed([{ in: 'body', path, code: 'unknown_market', message: `${code} is not a market of this marketplace` }]);
    if (currency && currency !== market.currency) {
      throw unprocessable('wrong_currency', `Buyers in ${market.name} see and pay in ${market.currency}.`, [{ in: 'body', path: '/currency', code: 'wrong_currency', message: `must be ${market.currency} for ${code}` }]);
    }
    return market;
  }

  /** A buyer's cart, or a guest's when the token matches; a wrong token finds nothing. */
  async function cartRow(tx: Db, owner: CartOwner, lock = false) {
    const query = tx.select().from(carts).where('buyer' in owner ? eq(carts.buyerAccountId, owner.buyer) : and(eq(carts.id, owner.guest.cartId), isNull(carts.buyerAccountId)));
    const [row] = lock ? await query.for('update') : await query;
    if (row && 'guest' in owner && !sameSecret(row.guestTokenHash, owner.guest.token)) return undefined;
    return row;
  }

  async function ensureCart(tx: Db, owner: CartOwner) {
    if ('buyer' in owner) {
      const now = clock.now();
      await tx.insert(carts).values({ id: ids(CART_PREFIX), buyerAccountId: owner.buyer, createdAt: now, updatedAt: now }).onConflictDoNothing();
    }
    const cart = await cartRow(tx, owner, true);
    if (!cart) throw notFound('cart', 'guest' in owner ? owner.guest.cartId : undefined);
    return cart;
  }

  /** Re-prices and re-checks every line: price for the market, listing status, stock. */
  async function priced(tx: Db, items: readonly (typeof cartItems.$inferSelect)[], market: string, language: string, money: Converter): Promise<{ lines: CartLine[]; skus: Map<string, PurchasableSku> }> {
    const skus = await deps.catalog.purchasable(tx, items.map((i) => i.skuId), market, today());
    const available = await deps.inventory.availableAcrossSellers(tx, items.map((i) => ({ sellerId: i.sellerId, skuId: i.skuId })));
    const lines = items.map((item): CartLine => {
      const sku = skus.get(item.skuId);
      const stock = available.get(item.skuId) ?? 0;
      if (!sku) return { skuId: item.skuId, sellerId: item.sellerId, productId: null, title: '', variant: {}, image: null, quantity: item.quantity, unitPrice: null, buyerUnitPrice: null, lineTotal: null, previousPrice: null, available: 0, problem: 'not_found' };
      const buyerUnit = money.to(sku.price);
      const seen = item.priceSeen as Money;
      return {
        skuId: item.skuId,
        sellerId: item.sellerId,
        productId: sku.productId,
        title: titleFor(sku.titles, [language], sku.mainLanguage).text,
        variant: sku.variant,
        image: sku.image,
        quantity: item.quantity,
        unitPrice: sku.price,
        buyerUnitPrice: buyerUnit,
        lineTotal: buyerUnit ? { amount: buyerUnit.amount * item.quantity, currency: buyerUnit.currency } : null,
        previousPrice: seen.amount !== sku.price.amount || seen.currency !== sku.price.currency ? seen : null,
        available: stock,
        problem: sku.unavailable ?? (buyerUnit ? (stock < item.quantity ? 'insufficient_stock' : null) : 'no_fx_rate'),
      };
    });
    return { lines, skus };
  }

  async function cartItemsOf(tx: Db, cartId: string) {
    return tx.select().from(cartItems).where(eq(cartItems.cartId, cartId)).orderBy(asc(cartItems.addedAt), asc(cartItems.skuId));
  }

  async function readCart(tx: Db, owner: CartOwner, marketCode: string, currency?: string): Promise<Cart> {
    const market = marketOf(marketCode, currency, '/market');
    const cart = await cartRow(tx, owner);
    if (!cart && 'guest' in owner) throw notFound('cart', owner.guest.cartId);
    const money = new Converter(await deps.markets.fxRates(tx), today(), market.currency);
    const { lines } = cart ? await priced(tx, await cartItemsOf(tx, cart.id), market.code, market.language, money) : { lines: [] };
    const sellers = [...bySeller(lines)].map(([sellerId, group]) => ({ sellerId, lines: group, subtotal: sum(group.filter((l) => !l.problem).map((l) => l.lineTotal!), market.currency) }));
    return { id: cart?.id ?? '', market: market.code, currency: market.currency, sellers, subtotal: sum(sellers.map((s) => s.subtotal), market.currency), fxRateIds: [...money.used] };
  }

  /**
   * Quotes one seller's part: the parcel is offered the seller's freight-template services, the
   * chosen one's charges become the buyer's shipping lines, and the landed-cost rules say which
   * duties and taxes are collected now and which on delivery.
   */
  async function quoteSeller(tx: Db, sellerId: string, lines: CartLine[], skus: Map<string, PurchasableSku>, input: QuoteInput, money: Converter, fx: FxLookup, date: string, index: number): Promise<{ quote: SellerQuote; problems: FieldError[] }> {
    const currency = money.currency;
    const problems: FieldError[] = [];
    lines.forEach((line) => {
      if (line.problem) problems.push({ in: 'body', path: `/cart/${line.skuId}`, code: line.problem, message: problemMessage(line) });
      else if (!skus.get(line.skuId)?.hsCode) problems.push({ in: 'body', path: `/cart/${line.skuId}`, code: 'hs_code_missing', message: 'the seller has not given this product an HS code, so it cannot clear customs' });
    });
    const orderable = lines.filter((line) => !line.problem && skus.get(line.skuId)?.hsCode);
    // Only what can be ordered counts, as in the cart: shipping and taxes are quoted on that alone.
    const goods = sum(orderable.map((l) => l.lineTotal!), currency);
    const empty = { lines: [], total: zero(currency) };
    const noTaxes = { collection: 'none', regime: null, collected: [], onDelivery: [], total: zero(currency) };
    const base = { sellerId, lines, offers: [] as BuyerOffer[], chosen: null, handlingDays: 0 };
    if (orderable.length === 0) {
      return { quote: { ...base, ships: false, reason: 'Nothing from this seller can be ordered now.', shipping: empty, taxes: noTaxes, totals: { goods, shipping: zero(currency), taxes: zero(currency), total: goods } }, problems };
    }
    const sellerCurrency = skus.get(orderable[0]!.skuId)!.price.currency;
    const items = orderable.map((line) => {
      const sku = skus.get(line.skuId)!;
      const value = sku.price.currency === sellerCurrency ? sku.price : (new Converter(fx, date, sellerCurrency).to(sku.price) ?? sku.price);
      return {
        description: line.title.slice(0, 120),
        weightG: sku.weightGrams ?? 100,
        ...(sku.packageMm ? { dimensionsMm: { lengthMm: sku.packageMm.length, widthMm: sku.packageMm.width, heightMm: sku.packageMm.height } } : { dimensionsMm: { lengthMm: 100, widthMm: 100, heightMm: 50 } }),
        value,
        hsCode: sku.hsCode!,
        quantity: line.quantity,
      };
    });
    const { offers, handlingDays } = await deps.logistics.shippingOffers(tx, sellerId, {
      parcel: { originCountry: SELLERS_SHIP_FROM, destination: { country: input.address.country, postalCode: input.address.postalCode ?? '' }, items },
      date,
      currency,
      ...(input.address.state ? { destinationState: input.address.state } : {}),
    });
    if (!offers.ships) {
      problems.push({ in: 'body', path: `/services/${sellerId}`, code: 'not_deliverable', message: offers.reason });
      return { quote: { ...base, handlingDays, ships: false, reason: offers.reason, shipping: empty, taxes: noTaxes, totals: { goods, shipping: zero(currency), taxes: zero(currency), total: goods } }, problems };
    }
    const buyerOffers = offers.offers.flatMap((offer): BuyerOffer[] => {
      const pays = money.to(offer.buyerPays);
      if (!pays) return [];
      return [{ serviceCode: offer.serviceCode, serviceName: offer.serviceName, buyerPays: pays, free: offer.free, recommended: offer.quote.recommended, customs: offer.quote.customs, deliveryDays: offer.deliveryDays, quote: offer.quote }];
    });
    const wanted = input.services?.[sellerId];
    const chosen = wanted ? buyerOffers.find((o) => o.serviceCode === wanted) : defaultOffer(buyerOffers);
    if (!chosen) {
      problems.push({ in: 'body', path: `/services/${sellerId}`, code: 'service_not_offered', message: wanted ? `the seller does not offer ${wanted} for this parcel` : 'no service can be paid for in this currency' });
      return { quote: { ...base, handlingDays, offers: buyerOffers, ships: false, reason: 'No service chosen.', shipping: empty, taxes: noTaxes, totals: { goods, shipping: zero(currency), taxes: zero(currency), total: goods } }, problems };
    }
    // The buyer pays the carrier's charges, not the duties a DDP service prepays: those are taxes below.
    const shippingLines = chosen.free
      ? []
      : chosen.quote.lines.filter((l) => l.kind !== 'duty' && l.kind !== 'tax').map((l) => ({ code: l.code, description: l.description, amount: money.to(l.amount)! }));
    const shippingTotal = sum(shippingLines.map((l) => l.amount), currency);
    const landed = landedCost({
      destination: input.address.country,
      destinationState: input.address.state ?? null,
      orderDate: date,
      origin: SELLERS_SHIP_FROM,
      lines: orderable.map((line) => {
        const sku = skus.get(line.skuId)!;
        return { hsCode: sku.hsCode!, quantity: line.quantity, unitValue: sku.price, unitWeightGrams: sku.weightGrams ?? 100, description: line.title };
      }),
      shipping: shippingTotal,
      ddp: chosen.customs === 'DDP',
      buyer: { cpf: input.identifiers?.cpf ?? null, pccc: input.identifiers?.pccc ?? null },
      currency,
      fx,
    });
    for (const rate of landed.fxRates) money.used.add(rate.id);
    for (const problem of landed.problems) {
      problems.push({ in: 'body', path: problem.identifier ? `/identifiers/${problem.identifier.toLowerCase()}` : (problem.path ?? `/sellers/${index}`), code: problem.code, message: problem.message });
    }
    const taxLine = (line: (typeof landed.lines)[number]): OrderTaxLine => ({ code: line.code, label: line.label, rate: line.rate, amount: { amount: line.converted.amount, currency: line.converted.currency } });
    const collected = landed.lines.filter((l) => l.collection === 'at_checkout').map(taxLine);
    const onDelivery = landed.lines.filter((l) => l.collection !== 'at_checkout').map(taxLine);
    const taxTotal = sum(collected.map((l) => l.amount), currency);
    return {
      quote: {
        ...base,
        lines,
        ships: true,
        reason: null,
        offers: buyerOffers,
        chosen,
        handlingDays,
        shipping: { lines: shippingLines, total: shippingTotal },
        taxes: { collection: landed.collection, regime: landed.regime?.name ?? null, collected, onDelivery, total: taxTotal },
        totals: { goods, shipping: shippingTotal, taxes: taxTotal, total: add(goods, shippingTotal, taxTotal) },
      },
      problems,
    };
  }

  async function quoteCart(tx: Db, buyerAccountId: string, given: QuoteInput, lock: boolean): Promise<{ quote: CheckoutQuote; skus: Map<string, PurchasableSku>; cartId: string | null; identifiers: Record<string, string> }> {
    let input = given;
    const market = marketOf(input.market, input.currency, '/market');
    if (input.address.country !== market.code) {
      throw validationFailed([{ in: 'body', path: '/shipping_address/country', code: 'not_the_market', message: `must be ${market.code}, the market being bought in` }]);
    }
    const date = today();
    const fx = await deps.markets.fxRates(tx);
    const money = new Converter(fx, date, market.currency);
    const cart = await cartRow(tx, { buyer: buyerAccountId }, lock);
    const items = cart ? await cartItemsOf(tx, cart.id) : [];
    const problems: FieldError[] = [];
    if (items.length === 0) problems.push({ in: 'body', path: '/cart', code: 'cart_empty', message: 'the cart has nothing in it' });
    // Identifiers customs needs are checked here, check digits included, before any carrier sees them.
    const identifiers: Record<string, string> = {};
    for (const [kind, value] of Object.entries(input.identifiers ?? {})) {
      const check = checkBuyerIdentifier(market, kind.toUpperCase(), value);
      if (check.ok) identifiers[kind] = check.normalized;
      else problems.push({ in: 'body', path: `/identifiers/${kind}`, code: 'invalid_identifier', message: check.reason });
    }
    input = { ...input, identifiers };
    const { lines, skus } = await priced(tx, items, market.code, market.language, money);
    const sellers: SellerQuote[] = [];
    let index = 0;
    for (const [sellerId, group] of bySeller(lines)) {
      const result = await quoteSeller(tx, sellerId, group, skus, input, money, fx, date, index++);
      sellers.push(result.quote);
      problems.push(...result.problems);
    }
    for (const sellerId of Object.keys(input.services ?? {})) {
      if (!sellers.some((s) => s.sellerId === sellerId)) problems.push({ in: 'body', path: `/services/${sellerId}`, code: 'seller_not_in_cart', message: 'nothing from this seller is in the cart' });
    }
    const currency = market.currency;
    const totals = {
      goods: sum(sellers.map((s) => s.totals.goods), currency),
      shipping: sum(sellers.map((s) => s.totals.shipping), currency),
      taxes: sum(sellers.map((s) => s.totals.taxes), currency),
      grand: sum(sellers.map((s) => s.totals.total), currency),
    };
    // Both sellers' parcels miss the same CPF: say it once.
    const distinct = [...new Map(problems.map((p) => [`${p.path}|${p.code}`, p])).values()];
    return { quote: { market: market.code, currency, date, sellers, totals, fxRateIds: [...money.used].sort(), problems: distinct }, skus, cartId: cart?.id ?? null, identifiers };
  }

  return {
    /** The cart a signed-in buyer works on. */
    buyerCart: (caller: Caller): CartOwner => ({ buyer: requireBuyer(caller) }),

    async cart(owner: CartOwner, market: string, currency?: string): Promise<Cart> {
      return readCart(db, owner, market, currency);
    },

    /** A cart for someone not signed in: its id and the secret that opens it, shown once. */
    async createGuestCart(): Promise<{ id: string; token: string }> {
      const now = clock.now();
      const token = `gct_${randomBytes(32).toString('base64url')}`;
      const id = ids(CART_PREFIX);
      await db.insert(carts).values({ id, buyerAccountId: null, guestTokenHash: hashSecret(token), createdAt: now, updatedAt: now });
      return { id, token };
    },

    /**
     * A guest who signs in brings their cart along: its lines join the buyer's cart (quantities
     * added, up to the per-line limit) and the guest cart is gone.
     */
    async mergeGuestCart(caller: Caller, guest: { cartId: string; token: string }, marketCode: string): Promise<Cart> {
      const buyer = requireBuyer(caller);
      marketOf(marketCode, undefined, '/market');
      await inTransaction(db, async (tx) => {
        const source = await cartRow(tx, { guest }, true);
        if (!source) throw notFound('cart', guest.cartId);
        const target = await ensureCart(tx, { buyer });
        const [incoming, present] = await Promise.all([cartItemsOf(tx, source.id), cartItemsOf(tx, target.id)]);
        for (const item of incoming) {
          const existing = present.find((p) => p.skuId === item.skuId);
          const quantity = Math.min(CART_LIMITS.quantityPerLine, item.quantity + (existing?.quantity ?? 0));
          await tx
            .insert(cartItems)
            .values({ ...item, cartId: target.id, quantity })
            .onConflictDoUpdate({ target: [cartItems.cartId, cartItems.skuId], set: { quantity } });
        }
        await tx.delete(cartItems).where(eq(cartItems.cartId, source.id));
        await tx.delete(carts).where(eq(carts.id, source.id));
      });
      return readCart(db, { buyer }, marketCode);
    },

    /** Adds units of a SKU (or more of one already there); refused when it cannot be bought in the market or stock is short. */
    async addItem(owner: CartOwner, input: { skuId: string; quantity: number; market: string }): Promise<Cart> {
      const market = marketOf(input.market, undefined, '/market');
      await inTransaction(db, async (tx) => {
        const cart = await ensureCart(tx, owner);
        const [sku] = [...(await deps.catalog.purchasable(tx, [input.skuId], market.code, today())).values()];
        if (!sku) throw notFound('SKU', input.skuId);
        if (sku.unavailable) throw unprocessable(sku.unavailable, `This item cannot be bought in ${market.name} (${sku.unavailable.replaceAll('_', ' ')}).`, [{ in: 'body', path: '/sku_id', code: sku.unavailable, message: 'cannot be bought in this market' }]);
        const items = await cartItemsOf(tx, cart.id);
        const existing = items.find((item) => item.skuId === input.skuId);
        const quantity = (existing?.quantity ?? 0) + input.quantity;
        if (!existing && items.length >= CART_LIMITS.lines) throw unprocessable('cart_full', `A cart holds at most ${CART_LIMITS.lines} different items.`);
        if (quantity > CART_LIMITS.quantityPerLine) throw unprocessable('quantity_too_large', `At most ${CART_LIMITS.quantityPerLine} of one item per order.`, [{ in: 'body', path: '/quantity', code: 'too_large', message: `the cart would hold ${quantity}` }]);
        const available = (await deps.inventory.availableAcrossSellers(tx, [{ sellerId: sku.sellerId, skuId: sku.skuId }])).get(sku.skuId) ?? 0;
        if (quantity > available) throw conflict('insufficient_stock', `Only ${available} left of this item.`);
        await tx
          .insert(cartItems)
          .values({ cartId: cart.id, skuId: sku.skuId, sellerId: sku.sellerId, quantity, priceSeen: sku.price, addedAt: clock.now() })
          .onConflictDoUpdate({ target: [cartItems.cartId, cartItems.skuId], set: { quantity, priceSeen: sku.price } });
        await tx.update(carts).set({ updatedAt: clock.now() }).where(eq(carts.id, cart.id));
      });
      return readCart(db, owner, market.code);
    },

    /** Sets a line's quantity; zero removes it. */
    async setQuantity(owner: CartOwner, skuId: string, quantity: number, marketCode: string): Promise<Cart> {
      marketOf(marketCode, undefined, '/market');
      await inTransaction(db, async (tx) => {
        const cart = await cartRow(tx, owner, true);
        const [item] = cart ? await tx.select().from(cartItems).where(and(eq(cartItems.cartId, cart.id), eq(cartItems.skuId, skuId))) : [];
        if (!cart || !item) throw notFound('cart item', skuId);
        if (quantity === 0) {
          await tx.delete(cartItems).where(and(eq(cartItems.cartId, cart.id), eq(cartItems.skuId, skuId)));
          return;
        }
        const available = (await deps.inventory.availableAcrossSellers(tx, [{ sellerId: item.sellerId, skuId }])).get(skuId) ?? 0;
        if (quantity > available) throw conflict('insufficient_stock', `Only ${available} left of this item.`);
        await tx.update(cartItems).set({ quantity }).where(and(eq(cartItems.cartId, cart.id), eq(cartItems.skuId, skuId)));
      });
      return readCart(db, owner, marketCode);
    },

    async quote(caller: Caller, input: QuoteInput): Promise<CheckoutQuote> {
      const buyer = requireBuyer(caller);
      return (await quoteCart(db, buyer, input, false)).quote;
    },

    /**
     * Places the cart: in one transaction the cart is quoted again, every unit is reserved (all or
     * nothing), one order per seller is written with its prices, FX rates, commission and taxes
     * frozen, and one payment is opened for the whole. Anything wrong writes nothing.
     */
    async place(caller: Caller, input: QuoteInput & { expectedTotal?: Money }): Promise<{ checkout: Checkout; orders: Order[]; quote: CheckoutQuote }> {
      const buyer = requireBuyer(caller);
      return inTransaction(db, async (tx) => {
        const { quote, skus, cartId, identifiers } = await quoteCart(tx, buyer, input, true);
        if (quote.problems.length > 0) throw unprocessable('cannot_place_order', 'The order cannot be placed as it is; see errors[].', quote.problems);
        if (input.expectedTotal && (input.expectedTotal.amount !== quote.totals.grand.amount || input.expectedTotal.currency !== quote.totals.grand.currency)) {
          throw new AppError(409, 'quote_changed', 'Conflict', `The total is now ${quote.totals.grand.amount} ${quote.totals.grand.currency} (minor units): prices, stock or rates changed since the quote. Review and place again.`);
        }
        const lines = quote.sellers.flatMap((s) => s.lines);
        const allocations = await deps.inventory.reserve(tx, lines.map((l) => ({ sellerId: l.sellerId, skuId: l.skuId, quantity: l.quantity })), input.address.country);
        const checkoutId = ids(CHECKOUT_PREFIX);
        const newOrders: NewOrder[] = quote.sellers.map((seller) => ({
          sellerId: seller.sellerId,
          checkoutId,
          buyerAccountId: buyer,
          market: quote.market,
          currency: quote.currency,
          shippingAddress: input.address,
          buyerIdentifiers: identifiers,
          shipping: { serviceCode: seller.chosen!.serviceCode, serviceName: seller.chosen!.serviceName, free: seller.chosen!.free, deliveryDays: seller.chosen!.deliveryDays, lines: seller.shipping.lines, total: seller.shipping.total },
          taxes: { collection: seller.taxes.collection, regime: seller.taxes.regime, collected: seller.taxes.collected, onDelivery: seller.taxes.onDelivery },
          goodsTotal: seller.totals.goods.amount,
          taxTotal: seller.totals.taxes.amount,
          fxRateIds: quote.fxRateIds,
          handlingDays: seller.handlingDays,
          lines: seller.lines.map((line) => {
            const sku = skus.get(line.skuId)!;
            const rate = sku.commissionRate ?? '0';
            return {
              skuId: line.skuId,
              productId: sku.productId,
              sellerSku: sku.sellerSku,
              title: line.title,
              variant: sku.variant,
              quantity: line.quantity,
              unitPrice: sku.price,
              buyerUnitPrice: line.buyerUnitPrice!.amount,
              buyerLineTotal: line.lineTotal!.amount,
              weightGrams: sku.weightGrams,
              hsCode: sku.hsCode,
              commissionRate: rate,
              commissionAmount: multiply(line.lineTotal!, rate, 'half_up').amount,
              allocations: allocations.filter((a) => a.skuId === line.skuId),
            };
          }),
        }));
        const placed = await deps.orders.place(tx, newOrders);
        const payment = await deps.payments.createIntent(tx, {
          buyerAccountId: buyer,
          reference: { type: 'checkout', id: checkoutId },
          amount: quote.totals.grand.amount,
          currency: quote.currency,
          expiresAt: placed[0]!.payDueAt,
          description: `${placed.length} order${placed.length === 1 ? '' : 's'} from ${placed.length} seller${placed.length === 1 ? '' : 's'}`,
        });
        const [row] = await tx
          .insert(checkouts)
          .values({ id: checkoutId, buyerAccountId: buyer, market: quote.market, currency: quote.currency, grandTotal: quote.totals.grand.amount, paymentId: payment.id, orderIds: placed.map((o) => o.id), createdAt: clock.now() })
          .returning();
        if (cartId) await tx.delete(cartItems).where(and(eq(cartItems.cartId, cartId), inArray(cartItems.skuId, lines.map((l) => l.skuId))));
        await events.publish(tx, { type: CHECKOUT_EVENTS.placed, subject: { type: 'checkout', id: checkoutId }, payload: { checkoutId, orderIds: placed.map((o) => o.id), paymentId: payment.id, productIds: [...new Set(lines.map((l) => l.productId!))] } });
        return { checkout: toCheckout(row!), orders: placed, quote };
      });
    },

    async get(caller: Caller, checkoutId: string): Promise<Checkout> {
      const buyer = requireBuyer(caller);
      const [row] = await db.select().from(checkouts).where(and(eq(checkouts.id, checkoutId), eq(checkouts.buyerAccountId, buyer)));
      if (!row) throw notFound('checkout', checkoutId);
      return toCheckout(row);
    },

    async list(caller: Caller, page: { limit: number; cursor?: string }): Promise<Page<Checkout>> {
      const buyer = requireBuyer(caller);
      const before = decodeCursor(page.cursor, ['id:chk'])?.[0];
      const rows = await db
        .select()
        .from(checkouts)
        .where(and(eq(checkouts.buyerAccountId, buyer), before ? lt(checkouts.id, before) : undefined))
        .orderBy(desc(checkouts.id))
        .limit(page.limit + 1);
      return toPage(rows, page.limit, toCheckout, (item) => [item.id]);
    },

    /** The payment of a checkout reached a final state: its orders move on, or close and give their stock back. */
    async paymentSettled(tx: Db, checkoutId: string, outcome: 'succeeded' | 'failed' | 'expired' | 'canceled'): Promise<void> {
      if (outcome === 'succeeded') await deps.orders.paid(tx, checkoutId);
      else if (outcome === 'failed') await deps.orders.paymentFailed(tx, checkoutId, 'Every payment attempt was declined');
      else await deps.orders.closeUnpaid(tx, checkoutId, outcome === 'expired' ? 'The payment window passed' : 'The payment was cancelled');
    },

    /**
     * An order of a paid checkout was cancelled: what the buyer paid for it (its grand total) goes
     * back from the checkout's payment, which the other orders keep. The order is the refund's
     * reference, so it is refunded once however often this is told. Should an operator already
     * have given back so much of the payment that the order's total no longer fits, what is left
     * of it goes back: the buyer never gets more than they paid, and the cancellation is never stuck.
     */
    async orderCancelled(tx: Db, order: CancelledOrder): Promise<void> {
      const [checkout] = await tx.select({ paymentId: checkouts.paymentId }).from(checkouts).where(eq(checkouts.id, order.checkoutId));
      if (!checkout) throw notFound('checkout', order.checkoutId);
      const payment = await deps.payments.find(tx, checkout.paymentId);
      if (payment?.status !== 'succeeded') return;
      const reference = { type: 'order', id: order.orderId };
      if (payment.refunds.some((refund) => refund.reference.type === reference.type && refund.reference.id === reference.id)) return;
      const left = payment.amount - payment.refunds.filter((refund) => refund.status !== 'failed').reduce((sum, refund) => sum + refund.amount, 0);
      const amount = Math.min(order.grandTotal.amount, left);
      if (amount <= 0) return;
      const reason = `Order ${order.orderId} ended ${order.endReason.replaceAll('_', ' ')}`;
      await deps.payments.requestRefund(
        tx,
        { paymentId: payment.id, amount, currency: order.grandTotal.currency, reason: amount < order.grandTotal.amount ? `${reason}; the rest of the payment had already been refunded` : reason, reference },
        systemActor('checkout.refunds'),
      );
    },
  };
}

export const CHECKOUT_EVENTS = { placed: 'checkout.placed' } as const;

function sum(amounts: readonly Money[], currency: string): Money {
  return amounts.length === 0 ? zero(currency) : add(zero(currency), ...amounts);
}

function problemMessage(line: CartLine): string {
  switch (line.problem) {
    case 'insufficient_stock':
      return `only ${line.available} left`;
    case 'no_fx_rate':
      return 'its price cannot be converted into your currency today';
    case 'not_found':
      return 'this item no longer exists';
    default:
      return `cannot be bought in this market (${line.problem?.replaceAll('_', ' ')})`;
  }
}

export type CheckoutService = ReturnType<typeof createCheckoutService>;

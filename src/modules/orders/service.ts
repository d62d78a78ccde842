import { and, asc, desc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { Actor } from '../../platform/audit/index.ts';
import type { Platform } from '../../platform/index.ts';
import { inTransaction, queryRows, type Db } from '../../platform/db/index.ts';
import { AppError, conflict, notFound, validationFailed } from '../../platform/errors/index.ts';
import { registerIdPrefix } from '../../platform/ids/index.ts';
import type { Money } from '../../platform/money/index.ts';
import { decodeCursor, toPage, type Page } from '../../platform/pagination.ts';
import { actorOf, authorize, requireOperator, requireSeller, type Caller } from '../identity/index.ts';
import type { StockAllocation, InventoryService } from '../inventory/index.ts';
import type { LabelAddress, LogisticsService, Shipment } from '../logistics/index.ts';
import type { SellersService } from '../sellers/index.ts';
import type { TrackingService } from '../tracking/index.ts';
import { handlingHours, MAX_SUSPENSION_DEPTH, nextOrderStatus, ORDER_TIMINGS, RUNNING_DEADLINES, shippingProgress, type EndReason, type OrderAction, type OrderActor, type OrderPosition, type OrderStatus } from './rules.ts';
import { orderLines, orders, orderShipments } from './schema.ts';

export const ORDER_PREFIX = registerIdPrefix('ord', 'order');

export const ORDER_EVENTS = {
  statusChanged: 'orders.order.status_changed',
  shipmentLate: 'orders.order.shipment_late',
  cancellationRequested: 'orders.order.cancellation_requested',
  /** Units reserved for an order went back on sale: payload { orderId, productIds }. */
  stockReleased: 'orders.order.stock_released',
} as const;

export type ShippingAddress = LabelAddress & { state?: string };

/** What the buyer was quoted for one seller's parcel, frozen on the order. */
export interface OrderShipping {
  serviceCode: string;
  serviceName: string;
  free: boolean;
  deliveryDays: { min: number; max: number };
  /** What the buyer pays, line by line, in the buyer's currency; empty when shipping is free. */
  lines: { code: string; description: string; amount: Money }[];
  total: Money;
}

export interface OrderTaxLine {
  code: string;
  label: string;
  rate: string | null;
  amount: Money;
}

export interface OrderTaxes {
  /** How the landed-cost rules apply: at checkout, on delivery, both, or none due. */
  collection: string;
  regime: string | null;
  /** Collected with the order, part of its total. */
  collected: OrderTaxLine[];
  /** For the buyer to pay the carrier or customs on delivery; not part of the total. */
  onDelivery: OrderTaxLine[];
}

export interface NewOrderLine {
  skuId: string;
  productId: string;
  sellerSku: string;
  title: string;
  variant: Record<string, string | number | boolean>;
  quantity: number;
  unitPrice: Money;
  buyerUnitPrice: number;
  buyerLineTotal: number;
  weightGrams: number | null;
  hsCode: string | null;
  commissionRate: string;
  commissionAmount: number;
  allocations: StockAllocation[];
}

/** One seller's part of a checkout, as the checkout hands it over, priced and with stock reserved. */
export interface NewOrder {
  sellerId: string;
  checkoutId: string;
  buyerAccountId: string;
  market: string;
  currency: string;
  shippingAddress: ShippingAddress;
  buyerIdentifiers: Record<string, string>;
  shipping: OrderShipping;
  taxes: OrderTaxes;
  goodsTotal: number;
  taxTotal: number;
  fxRateIds: string[];
  handlingDays: number;
  lines: NewOrderLine[];
}

export interface OrderLine extends Omit<NewOrderLine, 'allocations'> {
  lineNo: number;
  shippedQuantity: number;
}

export interface OrderParcel {
  shipmentId: string;
  carrierCode: string;
  trackingNumber: string;
  lines: { lineNo: number; quantity: number }[];
  shippedAt: Date;
  deliveredAt: Date | null;
}

export interface Order extends Pick<NewOrder, 'sellerId' | 'checkoutId' | 'buyerAccountId' | 'market' | 'currency' | 'shippingAddress' | 'buyerIdentifiers' | 'shipping' | 'taxes' | 'fxRateIds'> {
  id: string;
  status: OrderStatus;
  suspendedFrom: OrderStatus | null;
  endReason: EndReason | null;
  totals: { goods: Money; shipping: Money; taxes: Money; grand: Money };
  commission: Money;
  handlingHours: number;
  cancelRequest: { reason: string; requestedAt: string; refusedReason?: string } | null;
  placedAt: Date;
  payDueAt: Date;
  paidAt: Date | null;
  shipDueAt: Date | null;
  lateAt: Date | null;
  shippedAt: Date | null;
  deliveredAt: Date | null;
  confirmDueAt: Date | null;
  finishedAt: Date | null;
  version: number;
  lines: OrderLine[];
  parcels: OrderParcel[];
}

export interface ShipOrderInput {
  serviceCode?: string;
  ownCarrier?: { carrierCode: string; trackingNumber: string };
  sender: LabelAddress;
  weightGrams: number;
  packageMm?: { length: number; width: number; height: number };
  /** The lines and quantities in this parcel; everything not yet shipped when left out. */
  lines?: { lineNo: number; quantity: number }[];
}

export interface OrderFilter {
  status?: OrderStatus;
  from?: Date;
  to?: Date;
  buyerCountry?: string;
  limit: number;
  cursor?: string;
}

export interface OrdersDependencies {
  inventory: Pick<InventoryService, 'release' | 'fulfil'>;
  logistics: Pick<LogisticsService, 'createShipment'>;
  tracking: Pick<TrackingService, 'publicTimeline'>;
  sellers: Pick<SellersService, 'applyStoreScoreRule'>;
}

type Row = typeof orders.$inferSelect;
type LineRow = typeof orderLines.$inferSelect;
type ParcelRow = typeof orderShipments.$inferSelect;

const HOUR = 3_600_000;
const MINUTE = 60_000;
const DAY = 24 * HOUR;
/** How many orders one run of a timer job moves; the next run takes the rest. */
const TIMER_BATCH = 200;

function toOrder(row: Row, lines: readonly LineRow[], parcels: readonly ParcelRow[]): Order {
  const money = (amount: number): Money => ({ amount, currency: row.currency });
  return {
    id: row.id,
    sellerId: row.sellerId,
    checkoutId: row.checkoutId,
    buyerAccountId: row.buyerAccountId,
    status: row.status as OrderStatus,
    suspendedFrom: row.suspendedFrom as OrderStatus | null,
    endReason: row.endReason as EndReason | null,
    market: row.market,
    currency: row.currency,
    shippingAddress: row.shippingAddress as ShippingAddress,
    buyerIdentifiers: row.buyerIdentifiers as Record<string, string>,
    shipping: row.shipping as OrderShipping,
    taxes: row.taxes as OrderTaxes,
    totals: { goods: money(row.goodsTotal), shipping: money(row.shippingTotal), taxes: money(row.taxTotal), grand: money(row.grandTotal) },
    commission: money(row.commissionAmount),
    fxRateIds: row.fxRateIds,
    handlingHours: row.handlingHours,
    cancelRequest: row.cancelRequest as Order['cancelRequest'],
    placedAt: row.placedAt,
    payDueAt: row.payDueAt,
    paidAt: row.paidAt,
    shipDueAt: row.shipDueAt,
    lateAt: row.lateAt,
    shippedAt: row.shippedAt,
    deliveredAt: row.deliveredAt,
    confirmDueAt: row.confirmDueAt,
    finishedAt: row.finishedAt,
    version: row.version,
    lines: lines.map((line) => ({
      lineNo: line.lineNo,
      skuId: line.skuId,
      productId: line.productId,
      sellerSku: line.sellerSku,
      title: line.title,
      variant: line.variant as OrderLine['variant'],
      quantity: line.quantity,
      unitPrice: { amount: line.unitPrice, currency: line.priceCurrency },
      buyerUnitPrice: line.buyerUnitPrice,
      buyerLineTotal: line.buyerLineTotal,
      weightGrams: line.weightGrams,
      hsCode: line.hsCode,
      commissionRate: line.commissionRate,
      commissionAmount: line.commissionAmount,
      shippedQuantity: line.shippedQuantity,
    })),
    parcels: parcels.map((p) => ({ shipmentId: p.shipmentId, carrierCode: p.carrierCode, trackingNumber: p.trackingNumber, lines: p.lines as OrderParcel['lines'], shippedAt: p.shippedAt, deliveredAt: p.deliveredAt })),
  };
}

/** The statuses an order returns to, the next one last, from the two columns that keep them. */
function positionOf(row: Row): OrderPosition {
  const suspendedFrom = [row.suspendedFromEarlier, row.suspendedFrom].filter((status): status is string => status !== null) as OrderStatus[];
  return { status: row.status as OrderStatus, suspendedFrom };
}

function suspensionColumns(suspendedFrom: readonly OrderStatus[]): Pick<Row, 'suspendedFrom' | 'suspendedFromEarlier'> {
  if (suspendedFrom.length > MAX_SUSPENSION_DEPTH) throw new Error(`an order cannot keep ${suspendedFrom.length} suspensions`);
  return { suspendedFrom: suspendedFrom.at(-1) ?? null, suspendedFromEarlier: suspendedFrom.length > 1 ? suspendedFrom.at(-2)! : null };
}

/** Lifting a freeze: the deadlines running in the status the order returns to move on by as long as it was frozen. */
function thawedDeadlines(row: Row, now: Date): Partial<Row> {
  const frozenFor = row.frozenAt ? now.getTime() - row.frozenAt.getTime() : 0;
  // The bottom of the stack: the status the order was in before anything suspended it.
  const before = positionOf(row).suspendedFrom[0];
  const running = (before && RUNNING_DEADLINES[before]) ?? [];
  const later = (at: Date | null) => (at ? new Date(at.getTime() + frozenFor) : null);
  return {
    frozenAt: null,
    ...(running.includes('riskRelease') ? { riskReleaseAt: later(row.riskReleaseAt) } : {}),
    // A deadline already missed stays where it was: the order is late either way.
    ...(running.includes('shipDue') && !row.lateAt ? { shipDueAt: later(row.shipDueAt) } : {}),
    ...(running.includes('confirmDue') ? { confirmDueAt: later(row.confirmDueAt) } : {}),
  };
}

export function createOrdersService(platform: Platform, deps: OrdersDependencies) {
  const { db, clock, ids, audit, events, jobs } = platform;
  const system = (name: string): Actor => ({ type: 'system', id: name });

  async function details(tx: Db, rows: readonly Row[]): Promise<Order[]> {
    if (rows.length === 0) return [];
    const orderIds = rows.map((row) => row.id);
    // Both tables' keys lead with the seller: naming the sellers lets the key find the rows.
    const sellerIds = [...new Set(rows.map((row) => row.sellerId))];
    const [lines, parcels] = await Promise.all([
      tx.select().from(orderLines).where(and(inArray(orderLines.sellerId, sellerIds), inArray(orderLines.orderId, orderIds))).orderBy(asc(orderLines.orderId), asc(orderLines.lineNo)),
      tx.select().from(orderShipments).where(and(inArray(orderShipments.sellerId, sellerIds), inArray(orderShipments.orderId, orderIds))).orderBy(asc(orderShipments.shippedAt)),
    ]);
    return rows.map((row) =>
      toOrder(
        row,
        lines.filter((line) => line.orderId === row.id),
        parcels.filter((parcel) => parcel.orderId === row.id),
      ),
    );
  }

  async function one(tx: Db, row: Row): Promise<Order> {
    return (await details(tx, [row]))[0]!;
  }

  async function lockById(tx: Db, orderId: string): Promise<Row | undefined> {
    const [row] = await tx.select().from(orders).where(eq(orders.id, orderId)).for('update');
    return row;
  }

  /** The order if the caller may act on it this way; another tenant's order is simply not found. */
  async function loadFor(tx: Db, caller: Caller, orderId: string, action: 'read' | 'update', lock: boolean): Promise<Row> {
    const principal = caller.principal;
    const query = tx.select().from(orders).where(eq(orders.id, orderId));
    const [row] = lock ? await query.for('update') : await query;
    const visible =
      row &&
      (principal.kind === 'buyer'
        ? row.buyerAccountId === principal.accountId
        : principal.kind === 'seller'
          ? row.sellerId === principal.sellerId
          : true);
    if (!row || !visible) throw notFound('order', orderId);
    if (principal.kind === 'seller') authorize(principal, action, 'Order', { sellerId: row.sellerId });
    if (principal.kind === 'operator') authorize(requireOperator(principal), action === 'read' ? 'read' : 'update', 'Order');
    return row;
  }

  /**
   * Moves an order along its transition table, audited and announced in the caller's transaction.
   * Leaving for FINISH without completing gives back the stock still reserved.
   */
  async function move(tx: Db, row: Row, action: OrderAction, by: OrderActor, actor: Actor, reason: string | null, changes: Partial<typeof orders.$inferInsert> = {}): Promise<Row> {
    const outcome = nextOrderStatus(positionOf(row), action, by);
    if (!outcome.ok) throw conflict('illegal_transition', outcome.reason);
    const now = clock.now();
    const [updated] = await tx
      .update(orders)
      .set({
        ...changes,
        status: outcome.to,
        ...suspensionColumns(outcome.suspendedFrom),
        ...(outcome.endReason ? { endReason: outcome.endReason, finishedAt: now } : {}),
        updatedAt: now,
        version: row.version + 1,
      })
      .where(and(eq(orders.sellerId, row.sellerId), eq(orders.id, row.id)))
      .returning();
    if (outcome.to === 'FINISH' && outcome.endReason !== 'completed') await releaseUnshipped(tx, row);
    await audit.record(tx, { actor, action: `order.${action}`, subject: { type: 'order', id: row.id }, sellerId: row.sellerId, from: { status: row.status }, to: { status: outcome.to, ...(outcome.endReason ? { endReason: outcome.endReason } : {}) }, reason });
    await events.publish(tx, {
      type: ORDER_EVENTS.statusChanged,
      subject: { type: 'order', id: row.id },
      sellerId: row.sellerId,
      payload: { orderId: row.id, checkoutId: row.checkoutId, buyerAccountId: row.buyerAccountId, action, from: row.status, to: outcome.to, endReason: outcome.endReason, grandTotal: { amount: row.grandTotal, currency: row.currency } },
    });
    if (outcome.to === 'FUND_PROCESSING') await jobs.enqueue(tx, SETTLE_ORDER_JOB, { orderId: row.id });
    return updated!;
  }

  async function releaseUnshipped(tx: Db, row: Row): Promise<void> {
    const lines = await tx.select().from(orderLines).where(and(eq(orderLines.sellerId, row.sellerId), eq(orderLines.orderId, row.id)));
    const released = lines.filter((line) => line.shippedQuantity < line.quantity);
    if (released.length === 0) return;
    await deps.inventory.release(tx, released.flatMap((line) => unshippedAllocations(line.allocations as StockAllocation[], line.shippedQuantity)));
    await events.publish(tx, { type: ORDER_EVENTS.stockReleased, subject: { type: 'order', id: row.id }, sellerId: row.sellerId, payload: { orderId: row.id, productIds: [...new Set(released.map((line) => line.productId))] } });
  }

  async function checkoutOrders(tx: Db, checkoutId: string): Promise<Row[]> {
    return tx.select().from(orders).where(eq(orders.checkoutId, checkoutId)).orderBy(asc(orders.sellerId)).for('update');
  }

  async function closeCheckout(tx: Db, checkoutId: string, action: 'close_unpaid' | 'fail_payment', reason: string): Promise<void> {
    for (const row of await checkoutOrders(tx, checkoutId)) {
      if (row.status !== 'PLACE_ORDER_SUCCESS') continue;
      await move(tx, row, action, 'system', system('payments'), reason);
    }
  }

  /** Claims orders whose timer is due, with SKIP LOCKED so parallel workers take different ones. */
  async function due(tx: Db, statuses: readonly OrderStatus[], column: 'risk_release_at' | 'ship_due_at' | 'confirm_due_at', extra = sql``): Promise<Row[]> {
    const ids = await queryRows<{ id: string }>(
      tx,
      sql`SELECT id FROM orders WHERE status = ANY(${sql.param(statuses)}::text[]) AND ${sql.raw(column)} <= ${clock.now()} ${extra}
          ORDER BY ${sql.raw(column)} LIMIT ${TIMER_BATCH} FOR UPDATE SKIP LOCKED`,
    );
    if (ids.length === 0) return [];
    return tx.select().from(orders).where(inArray(orders.id, ids.map((r) => r.id)));
  }

  return {
    /** Writes the orders of a checkout in the caller's transaction, awaiting payment. */
    async place(tx: Db, newOrders: readonly NewOrder[]): Promise<Order[]> {
      const now = clock.now();
      const payDueAt = new Date(now.getTime() + ORDER_TIMINGS.paymentWindowMinutes * MINUTE);
      const rows: (typeof orders.$inferInsert)[] = [];
      const lineRows: (typeof orderLines.$inferInsert)[] = [];
      for (const order of newOrders) {
        const id = ids(ORDER_PREFIX);
        rows.push({
          sellerId: order.sellerId,
          id,
          checkoutId: order.checkoutId,
          buyerAccountId: order.buyerAccountId,
          status: 'PLACE_ORDER_SUCCESS',
          market: order.market,
          currency: order.currency,
          shippingAddress: order.shippingAddress,
          buyerIdentifiers: order.buyerIdentifiers,
          shipping: order.shipping,
          taxes: order.taxes,
          goodsTotal: order.goodsTotal,
          shippingTotal: order.shipping.total.amount,
          taxTotal: order.taxTotal,
          grandTotal: order.goodsTotal + order.shipping.total.amount + order.taxTotal,
          commissionAmount: order.lines.reduce((sum, line) => sum + line.commissionAmount, 0),
          fxRateIds: order.fxRateIds,
          handlingHours: handlingHours(order.handlingDays),
          placedAt: now,
          payDueAt,
          updatedAt: now,
          version: 1,
        });
        order.lines.forEach((line, index) =>
          lineRows.push({
            sellerId: order.sellerId,
            orderId: id,
            lineNo: index + 1,
            skuId: line.skuId,
            productId: line.productId,
            sellerSku: line.sellerSku,
            title: line.title,
            variant: line.variant,
            quantity: line.quantity,
            unitPrice: line.unitPrice.amount,
            priceCurrency: line.unitPrice.currency,
            buyerUnitPrice: line.buyerUnitPrice,
            buyerLineTotal: line.buyerLineTotal,
            weightGrams: line.weightGrams,
            hsCode: line.hsCode,
            commissionRate: line.commissionRate,
            commissionAmount: line.commissionAmount,
            allocations: line.allocations,
          }),
        );
      }
      const inserted = await tx.insert(orders).values(rows).returning();
      await tx.insert(orderLines).values(lineRows);
      await audit.recordMany(
        tx,
        inserted.map((row) => ({ actor: { type: 'buyer' as const, id: row.buyerAccountId }, action: 'order.place', subject: { type: 'order', id: row.id }, sellerId: row.sellerId, to: { status: row.status, grandTotal: row.grandTotal, currency: row.currency } })),
      );
      return details(tx, inserted);
    },

    /** The buyer paid for a checkout: its orders go to the risk check, and the handling time starts. */
    async paid(tx: Db, checkoutId: string): Promise<void> {
      const now = clock.now();
      for (const row of await checkoutOrders(tx, checkoutId)) {
        if (row.status !== 'PLACE_ORDER_SUCCESS') continue;
        await move(tx, row, 'pay', 'system', system('payments'), 'Payment succeeded', {
          paidAt: now,
          riskReleaseAt: new Date(now.getTime() + ORDER_TIMINGS.riskHoldMinutes * MINUTE),
          shipDueAt: new Date(now.getTime() + row.handlingHours * HOUR),
        });
      }
    },

    /** The payment's window passed (or it was cancelled) unpaid: the orders close and their stock goes back. */
    async closeUnpaid(tx: Db, checkoutId: string, reason: string): Promise<void> {
      await closeCheckout(tx, checkoutId, 'close_unpaid', reason);
    },

    /** The payment failed for good (every attempt declined): the orders close and their stock goes back. */
    async paymentFailed(tx: Db, checkoutId: string, reason: string): Promise<void> {
      await closeCheckout(tx, checkoutId, 'fail_payment', reason);
    },

    /** Orders whose risk hold is over move on to the seller (the AML module will decide holds here). */
    async releaseRiskHolds(): Promise<number> {
      return inTransaction(db, async (tx) => {
        const rows = await due(tx, ['RISK_CONTROL'], 'risk_release_at');
        for (const row of rows) await move(tx, row, 'clear_risk', 'system', system('risk'), 'No risk found in the hold period');
        return rows.length;
      });
    },

    /**
     * Orders past their handling time without a parcel: marked late once, the seller warned, and a
     * seller's first order costs store score. The buyer may now cancel without the seller's consent.
     */
    async detectLateShipments(): Promise<number> {
      return inTransaction(db, async (tx) => {
        // A cancellation request the seller leaves unanswered does not stop the handling time.
        const rows = await due(tx, ['WAIT_SELLER_SEND_GOODS', 'IN_CANCEL'], 'ship_due_at', sql`AND late_at IS NULL`);
        const now = clock.now();
        for (const row of rows) {
          await tx.update(orders).set({ lateAt: now, updatedAt: now }).where(and(eq(orders.sellerId, row.sellerId), eq(orders.id, row.id)));
          const [earlier] = await tx
            .select({ id: orders.id })
            .from(orders)
            .where(and(eq(orders.sellerId, row.sellerId), lt(orders.id, row.id), sql`${orders.paidAt} IS NOT NULL`))
            .limit(1);
          const first = !earlier;
          await audit.record(tx, { actor: system('handling_time'), action: 'order.late', subject: { type: 'order', id: row.id }, sellerId: row.sellerId, to: { lateAt: now.toISOString(), shipDueAt: row.shipDueAt?.toISOString(), firstOrder: first }, reason: `Not handed over within ${row.handlingHours} hours` });
          await events.publish(tx, {
            type: ORDER_EVENTS.shipmentLate,
            subject: { type: 'order', id: row.id },
            sellerId: row.sellerId,
            payload: { orderId: row.id, shipDueAt: row.shipDueAt?.toISOString(), handlingHours: row.handlingHours, firstOrder: first },
          });
          if (first) await deps.sellers.applyStoreScoreRule(tx, { sellerId: row.sellerId, rule: 'late_first_shipment', reference: row.id, detail: `Order ${row.id} was due by ${row.shipDueAt?.toISOString()}.` });
        }
        return rows.length;
      });
    },

    /** Delivered orders whose confirmation window has passed are confirmed for the buyer. */
    async autoConfirm(): Promise<number> {
      return inTransaction(db, async (tx) => {
        const rows = await due(tx, ['WAIT_BUYER_ACCEPT_GOODS'], 'confirm_due_at');
        for (const row of rows) await move(tx, row, 'auto_confirm', 'system', system('confirmation_window'), 'The confirmation window passed');
        return rows.length;
      });
    },

    /** Funds of a confirmed order are released; the settlement ledger books the release at this step. */
    async settle(orderId: string): Promise<void> {
      await inTransaction(db, async (tx) => {
        const row = await lockById(tx, orderId);
        if (!row || row.status !== 'FUND_PROCESSING') return;
        await move(tx, row, 'settle', 'system', system('settlement'), 'Funds released to the seller');
      });
    },

    /** A carrier delivered a parcel: once every parcel of a fully shipped order is delivered, the buyer's confirmation window starts. */
    async parcelDelivered(tx: Db, shipmentId: string, at: Date): Promise<void> {
      const [parcel] = await tx.update(orderShipments).set({ deliveredAt: at }).where(and(eq(orderShipments.shipmentId, shipmentId), sql`${orderShipments.deliveredAt} IS NULL`)).returning();
      if (!parcel) return;
      const [row] = await tx.select().from(orders).where(and(eq(orders.sellerId, parcel.sellerId), eq(orders.id, parcel.orderId))).for('update');
      if (row) await startConfirmWindowIfDelivered(tx, row);
    },

    // ─── Sellers ──────────────────────────────────────────────────────────────────────────────

    async listForSeller(caller: Caller, filter: OrderFilter): Promise<Page<Order>> {
      const seller = requireSeller(caller.principal);
      authorize(seller, 'read', 'Order', { sellerId: seller.sellerId });
      const before = decodeCursor(filter.cursor, ['id:ord'])?.[0];
      const rows = await db
        .select()
        .from(orders)
        .where(
          and(
            eq(orders.sellerId, seller.sellerId),
            filter.status ? eq(orders.status, filter.status) : undefined,
            filter.from ? gte(orders.placedAt, filter.from) : undefined,
            filter.to ? lt(orders.placedAt, filter.to) : undefined,
            filter.buyerCountry ? sql`${orders.shippingAddress}->>'country' = ${filter.buyerCountry}` : undefined,
            before ? lt(orders.id, before) : undefined,
          ),
        )
        .orderBy(desc(orders.id))
        .limit(filter.limit + 1);
      const page = toPage(rows, filter.limit, (row) => row, (row) => [row.id]);
      return { data: await details(db, page.data), nextCursor: page.nextCursor };
    },

    async get(caller: Caller, orderId: string): Promise<Order> {
      return one(db, await loadFor(db, caller, orderId, 'read', false));
    },

    /**
     * The seller ships some or all of what is left: a label is bought through logistics in the
     * same transaction, the reserved units leave stock, and the order moves to part- or all-shipped.
     */
    async ship(caller: Caller, orderId: string, input: ShipOrderInput): Promise<Order> {
      requireSeller(caller.principal);
      return inTransaction(db, async (tx) => {
        const row = await loadFor(tx, caller, orderId, 'update', true);
        if (row.status !== 'WAIT_SELLER_SEND_GOODS' && row.status !== 'SELLER_PART_SEND_GOODS') throw conflict('illegal_transition', `An order in ${row.status} cannot be shipped.`);
        const lines = await tx.select().from(orderLines).where(and(eq(orderLines.sellerId, row.sellerId), eq(orderLines.orderId, row.id))).orderBy(asc(orderLines.lineNo));
        const wanted = input.lines ?? lines.filter((line) => line.shippedQuantity < line.quantity).map((line) => ({ lineNo: line.lineNo, quantity: line.quantity - line.shippedQuantity }));
        const problems = parcelProblems(lines, wanted);
        if (problems.length > 0) throw validationFailed(problems);
        const shipping = row.shipping as OrderShipping;
        const address = row.shippingAddress as ShippingAddress;
        const shipment: Shipment = await deps.logistics.createShipment(
          caller,
          {
            orderRef: row.id,
            serviceCode: input.serviceCode ?? shipping.serviceCode,
            ...(input.ownCarrier ? { ownCarrier: input.ownCarrier } : {}),
            sender: input.sender,
            recipient: address,
            items: wanted.map((want) => {
              const line = lines.find((l) => l.lineNo === want.lineNo)!;
              return {
                description: line.title.slice(0, 120),
                quantity: want.quantity,
                netWeightGrams: Math.max(1, (line.weightGrams ?? 1) * want.quantity),
                unitValue: { amount: line.unitPrice, currency: line.priceCurrency },
                hsCode: line.hsCode ?? '',
                originCountry: input.sender.country,
              };
            }),
            weightGrams: input.weightGrams,
            ...(input.packageMm ? { packageMm: input.packageMm } : {}),
          },
          tx,
        );
        const now = clock.now();
        const shippedAllocations: StockAllocation[] = [];
        for (const want of wanted) {
          const line = lines.find((l) => l.lineNo === want.lineNo)!;
          shippedAllocations.push(...takeAllocations(line.allocations as StockAllocation[], line.shippedQuantity, want.quantity));
          line.shippedQuantity += want.quantity;
          await tx.update(orderLines).set({ shippedQuantity: line.shippedQuantity }).where(and(eq(orderLines.sellerId, row.sellerId), eq(orderLines.orderId, row.id), eq(orderLines.lineNo, line.lineNo)));
        }
        await deps.inventory.fulfil(tx, shippedAllocations, row.id);
        await tx.insert(orderShipments).values({ sellerId: row.sellerId, orderId: row.id, shipmentId: shipment.id, carrierCode: shipment.carrierCode, trackingNumber: shipment.trackingNumber, lines: wanted, shippedAt: now });
        const progress = shippingProgress(lines);
        const updated =
          progress === 'all'
            ? await move(tx, row, 'ship_all', 'seller', actorOf(caller), `Shipped in ${shipment.trackingNumber}`, { shippedAt: now, confirmDueAt: new Date(now.getTime() + ORDER_TIMINGS.undeliveredConfirmDays * DAY) })
            : await move(tx, row, 'ship_part', 'seller', actorOf(caller), `Part shipped in ${shipment.trackingNumber}`, { shippedAt: row.shippedAt ?? now });
        return one(tx, updated);
      });
    },

    async answerCancellation(caller: Caller, orderId: string, answer: { accept: boolean; reason: string }): Promise<Order> {
      requireSeller(caller.principal);
      return inTransaction(db, async (tx) => {
        const row = await loadFor(tx, caller, orderId, 'update', true);
        const request = row.cancelRequest as Order['cancelRequest'];
        const updated = answer.accept
          ? await move(tx, row, 'accept_cancel', 'seller', actorOf(caller), answer.reason)
          : await move(tx, row, 'refuse_cancel', 'seller', actorOf(caller), answer.reason, { cancelRequest: request ? { ...request, refusedReason: answer.reason } : null });
        return one(tx, updated);
      });
    },

    // ─── Buyers ───────────────────────────────────────────────────────────────────────────────

    async listForBuyer(caller: Caller, page: { limit: number; cursor?: string }): Promise<Page<Order>> {
      if (caller.principal.kind !== 'buyer') throw new AppError(403, 'forbidden', 'Forbidden', 'Only buyers have orders here.');
      const before = decodeCursor(page.cursor, ['id:ord'])?.[0];
      const rows = await db
        .select()
        .from(orders)
        .where(and(eq(orders.buyerAccountId, caller.principal.accountId), before ? lt(orders.id, before) : undefined))
        .orderBy(desc(orders.id))
        .limit(page.limit + 1);
      const result = toPage(rows, page.limit, (row) => row, (row) => [row.id]);
      return { data: await details(db, result.data), nextCursor: result.nextCursor };
    },

    /** An order with the tracking timeline of each of its parcels. */
    async getWithTracking(caller: Caller, orderId: string) {
      const order = await one(db, await loadFor(db, caller, orderId, 'read', false));
      const tracking = await Promise.all(
        order.parcels.map(async (parcel) => {
          try {
            return { shipmentId: parcel.shipmentId, ...(await deps.tracking.publicTimeline(parcel.trackingNumber)) };
          } catch (error) {
            if (error instanceof AppError && error.status === 404) return null;
            throw error;
          }
        }),
      );
      return { order, tracking: tracking.filter((t) => t !== null) };
    },

    /**
     * The buyer cancels before shipment: at once when the seller is late, otherwise the seller is
     * asked to accept or refuse.
     */
    async cancelByBuyer(caller: Caller, orderId: string, reason: string): Promise<Order> {
      if (caller.principal.kind !== 'buyer') throw new AppError(403, 'forbidden', 'Forbidden', 'Only the buyer cancels an order here.');
      return inTransaction(db, async (tx) => {
        const row = await loadFor(tx, caller, orderId, 'update', true);
        const now = clock.now();
        const late = row.lateAt !== null || (row.shipDueAt !== null && row.shipDueAt <= now);
        if (late && (row.status === 'WAIT_SELLER_SEND_GOODS' || row.status === 'IN_CANCEL')) {
          return one(tx, await move(tx, row, 'cancel_late', 'buyer', actorOf(caller), reason));
        }
        const updated = await move(tx, row, 'request_cancel', 'buyer', actorOf(caller), reason, { cancelRequest: { reason, requestedAt: now.toISOString() } });
        await events.publish(tx, { type: ORDER_EVENTS.cancellationRequested, subject: { type: 'order', id: row.id }, sellerId: row.sellerId, payload: { orderId: row.id, reason } });
        return one(tx, updated);
      });
    },

    async confirmReceipt(caller: Caller, orderId: string): Promise<Order> {
      if (caller.principal.kind !== 'buyer') throw new AppError(403, 'forbidden', 'Forbidden', 'Only the buyer confirms receipt.');
      return inTransaction(db, async (tx) => {
        const row = await loadFor(tx, caller, orderId, 'update', true);
        return one(tx, await move(tx, row, 'confirm_receipt', 'buyer', actorOf(caller), 'The buyer confirmed receipt'));
      });
    },

    // ─── Operators ────────────────────────────────────────────────────────────────────────────

    async freeze(caller: Caller, orderId: string, action: 'freeze' | 'unfreeze', reason: string): Promise<Order> {
      authorize(requireOperator(caller.principal), 'update', 'Order');
      return inTransaction(db, async (tx) => {
        const row = await loadFor(tx, caller, orderId, 'update', true);
        const changes = action === 'freeze' ? { frozenAt: clock.now() } : thawedDeadlines(row, clock.now());
        return one(tx, await move(tx, row, action, 'operator', actorOf(caller), reason, changes));
      });
    },

    /** What happened to an order, newest first: every transition with who and why. */
    async history(caller: Caller, orderId: string) {
      await loadFor(db, caller, orderId, 'read', false);
      return audit.list(db, { subjectType: 'order', subjectId: orderId, limit: 200 });
    },
  };

  async function startConfirmWindowIfDelivered(tx: Db, row: Row): Promise<void> {
    if (row.status !== 'WAIT_BUYER_ACCEPT_GOODS') return;
    const parcels = await tx.select().from(orderShipments).where(and(eq(orderShipments.sellerId, row.sellerId), eq(orderShipments.orderId, row.id)));
    if (parcels.length === 0 || parcels.some((p) => p.deliveredAt === null)) return;
    const deliveredAt = new Date(Math.max(...parcels.map((p) => p.deliveredAt!.getTime())));
    const confirmDueAt = new Date(deliveredAt.getTime() + ORDER_TIMINGS.confirmWindowDays * DAY);
    await tx.update(orders).set({ deliveredAt, confirmDueAt, updatedAt: clock.now() }).where(and(eq(orders.sellerId, row.sellerId), eq(orders.id, row.id)));
    await audit.record(tx, { actor: system('tracking'), action: 'order.delivered', subject: { type: 'order', id: row.id }, sellerId: row.sellerId, to: { deliveredAt: deliveredAt.toISOString(), confirmDueAt: confirmDueAt.toISOString() }, reason: 'The carrier delivered every parcel' });
  }
}

export const SETTLE_ORDER_JOB = 'orders.settle';

/** Field errors of a parcel's lines against what is left to ship. */
function parcelProblems(lines: readonly LineRow[], wanted: readonly { lineNo: number; quantity: number }[]) {
  const problems: { in: 'body'; path: string; code: string; message: string }[] = [];
  if (wanted.length === 0) problems.push({ in: 'body', path: '/lines', code: 'nothing_to_ship', message: 'every line is already shipped' });
  const seen = new Set<number>();
  wanted.forEach((want, index) => {
    const line = lines.find((l) => l.lineNo === want.lineNo);
    if (!line) problems.push({ in: 'body', path: `/lines/${index}/line_no`, code: 'unknown_line', message: `the order has no line ${want.lineNo}` });
    else if (seen.has(want.lineNo)) problems.push({ in: 'body', path: `/lines/${index}/line_no`, code: 'duplicate_line', message: `line ${want.lineNo} is listed twice` });
    else if (want.quantity > line.quantity - line.shippedQuantity) problems.push({ in: 'body', path: `/lines/${index}/quantity`, code: 'more_than_left', message: `only ${line.quantity - line.shippedQuantity} left to ship on line ${want.lineNo}` });
    else if (!line.hsCode) problems.push({ in: 'body', path: `/lines/${index}/line_no`, code: 'hs_code_missing', message: 'the product has no HS code for the customs declaration; add it to the product first' });
    seen.add(want.lineNo);
  });
  return problems;
}

/** The allocations covering units `from`…`from + count` of a line, in allocation order. */
function takeAllocations(allocations: readonly StockAllocation[], from: number, count: number): StockAllocation[] {
  const taken: StockAllocation[] = [];
  let skip = from;
  let left = count;
  for (const allocation of allocations) {
    if (left === 0) break;
    const skipped = Math.min(skip, allocation.quantity);
    skip -= skipped;
    const take = Math.min(allocation.quantity - skipped, left);
    if (take > 0) {
      taken.push({ ...allocation, quantity: take });
      left -= take;
    }
  }
  return taken;
}

function unshippedAllocations(allocations: readonly StockAllocation[], shipped: number): StockAllocation[] {
  const total = allocations.reduce((sum, a) => sum + a.quantity, 0);
  return takeAllocations(allocations, shipped, total - shipped);
}

export type OrdersService = ReturnType<typeof createOrdersService>;

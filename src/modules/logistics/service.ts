import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { Platform } from '../../platform/index.ts';
import { inTransaction, isUniqueViolation, queryRows, type Db } from '../../platform/db/index.ts';
import { AppError, conflict, notFound, validationFailed, type FieldError } from '../../platform/errors/index.ts';
import { registerIdPrefix } from '../../platform/ids/index.ts';
import { add, convert, multiply, toDecimal, zero, type Money } from '../../platform/money/index.ts';
import { decodeCursor, toPage, type Page } from '../../platform/pagination.ts';
import { actorOf, authorize, requireSeller, type Caller } from '../identity/index.ts';
import { landedCost, type FxLookup, type MarketDirectory } from '../markets/index.ts';
import type { TrackingService } from '../tracking/index.ts';
import { createFreightTemplates, type TemplateOffers } from './freight-templates.ts';
import { renderLabel, type CustomsCategory, type LabelAddress, type ShippingLabel } from './label.ts';
import type { LogisticsReference } from './reference.ts';
import { serviceByCode, type LogisticsData } from './rate-sheets.ts';
import { QuoteError, quoteServices, type DutiesAndTaxes, type Parcel, type QuoteResult, type ServiceQuote } from './quote.ts';
import { defaultFreightTerms, OWN_CARRIER_SERVICE, PLATFORM_CARRIER, platformTrackingNumber, shipmentTransition, type ShipmentStatus } from './rules.ts';
import { shipments } from './schema.ts';

const SHIPMENT_PREFIX = registerIdPrefix('shp', 'shipment');

export const LOGISTICS_EVENTS = {
  shipmentCreated: 'logistics.shipment.created',
  shipmentCancelled: 'logistics.shipment.cancelled',
} as const;

/** What a quote is asked for: a parcel, where it goes, when, and who pays duties on arrival. */
export interface QuoteRequest {
  parcel: Parcel;
  /** `YYYY-MM-DD`; today when left out. */
  date?: string;
  /** Brazilian state, for ICMS on DDP quotes. */
  destinationState?: string;
  /** Countries whose overseas warehouses hold the goods. */
  warehouseStock?: readonly string[];
  /** Totals are ranked (and shown beside) in this currency, e.g. the buyer's. */
  currency?: string;
}

export interface ShipmentItem {
  description: string;
  quantity: number;
  /** Of the whole line, in grams. */
  netWeightGrams: number;
  /** Of one unit. */
  unitValue: Money;
  hsCode: string;
  originCountry: string;
}

export interface NewShipment {
  orderRef: string;
  serviceCode: string;
  /** For `own_carrier`: the seller's carrier and the number it gave. */
  ownCarrier?: { carrierCode: string; trackingNumber: string };
  sender: LabelAddress;
  recipient: LabelAddress & { state?: string };
  items: ShipmentItem[];
  customsCategory?: CustomsCategory;
  /** Gross weight of the packed parcel. */
  weightGrams: number;
  packageMm?: { length: number; width: number; height: number };
}

export interface Shipment {
  id: string;
  sellerId: string;
  orderRef: string;
  serviceCode: string;
  carrierCode: string;
  trackingNumber: string;
  status: ShipmentStatus;
  sender: LabelAddress;
  recipient: LabelAddress & { state?: string };
  items: ShipmentItem[];
  customsCategory: CustomsCategory;
  weightGrams: number;
  packageMm: { length: number; width: number; height: number } | null;
  charges: ServiceQuote | null;
  replaces: string | null;
  cancelReason: string | null;
  createdAt: Date;
  updatedAt: Date;
  cancelledAt: Date | null;
}

export interface LogisticsDependencies {
  markets: MarketDirectory;
  /** The FX rates in force (shipped and operator-set), read in the caller's transaction. */
  fxRates: (tx: Db) => Promise<FxLookup>;
  /** Checks a seller's own carrier's numbers, and follows every label's journey. */
  tracking: Pick<TrackingService, 'checkNumber' | 'follow' | 'stop'>;
}

type Row = typeof shipments.$inferSelect;

/** SDR per US dollar (sample IMF figures), for the CN 22 / CN 23 choice: dated so the rate can move. */
const SDR_PER_USD: readonly { validFrom: string; rate: string }[] = [
  { validFrom: '2024-01-01', rate: '0.7510' },
  { validFrom: '2025-01-01', rate: '0.7640' },
  { validFrom: '2026-01-01', rate: '0.7320' },
];

/** What a line of goods is worth: the unit value times the quantity. */
const lineValue = (unitValue: Money, quantity: number) => multiply(unitValue, String(quantity), 'half_up');

/** The goods' value, all lines in the first line's currency. */
const goodsValue = (lines: readonly { value: Money; quantity: number }[]) => lines.reduce((sum, line) => add(sum, lineValue(line.value, line.quantity)), zero(lines[0]!.value.currency));

function toShipment(row: Row): Shipment {
  return {
    ...row,
    status: row.status as ShipmentStatus,
    sender: row.sender as LabelAddress,
    recipient: row.recipient as Shipment['recipient'],
    items: row.items as ShipmentItem[],
    customsCategory: row.customsCategory as CustomsCategory,
    packageMm: row.packageMm as Shipment['packageMm'],
    charges: row.charges as ServiceQuote | null,
  };
}

/** `items[0].dimensionsMm` → `/items/0/dimensions_mm`: the engine's field named as the request body names it. */
function bodyPointer(field: string): string {
  return `/${field.replace(/\[(\d+)\]/g, '.$1').split('.').map((part) => part.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)).join('/')}`;
}

export function createLogisticsService(platform: Platform, deps: LogisticsDependencies, reference: Pick<LogisticsReference, 'current'>) {
  const { db, clock, ids, audit, events, storage } = platform;
  const today = () => clock.now().toISOString().slice(0, 10);
  const templates = createFreightTemplates(platform, { serviceCodes: async () => new Set((await reference.current()).services.map((service) => service.code)) });

  const convertOn = (fx: FxLookup, date: string) => (value: Money, currency: string): Money | null => {
    if (value.currency === currency) return value;
    const rate = fx.rate(value.currency, currency, date);
    return rate ? convert(value, rate, 'half_up') : null;
  };

  /** Duties and taxes a DDP service prepays, from the landed-cost engine, in the shipping cost's currency. */
  function dutiesFor(parcel: Parcel, date: string, destinationState: string | undefined, fx: FxLookup): DutiesAndTaxes {
    return (_serviceCode, shippingCost) => {
      const result = landedCost({
        destination: parcel.destination.country,
        destinationState: destinationState ?? null,
        orderDate: date,
        origin: parcel.originCountry,
        lines: parcel.items.map((item) => ({ hsCode: item.hsCode, quantity: item.quantity, unitValue: item.value, unitWeightGrams: item.weightG, ...(item.description ? { description: item.description } : {}) })),
        shipping: shippingCost,
        ddp: true,
        currency: shippingCost.currency,
        fx,
      });
      if (!result.regime) return null;
      return {
        lines: result.lines.map((line) => ({
          kind: line.kind === 'vat' ? 'tax' : line.kind,
          code: line.code,
          amount: { amount: line.converted.amount, currency: line.converted.currency },
          description: line.label,
        })),
        collectedNow: result.collection === 'at_checkout',
      };
    };
  }

  async function quote(request: QuoteRequest, tx: Db = db): Promise<QuoteResult> {
    const date = request.date ?? today();
    const data = await reference.current(tx);
    const fx = await deps.fxRates(tx);
    try {
      return quoteServices(data, request.parcel, {
        date,
        dutiesAndTaxes: dutiesFor(request.parcel, date, request.destinationState, fx),
        warehouseStock: request.warehouseStock ?? [],
        convert: convertOn(fx, date),
        ...(request.currency ? { rankCurrency: request.currency } : {}),
      });
    } catch (error) {
      if (error instanceof QuoteError) throw validationFailed([{ in: 'body', path: bodyPointer(error.field), code: 'invalid', message: error.problem }]);
      throw error;
    }
  }

  function parcelOf(input: NewShipment): Parcel {
    return {
      originCountry: input.sender.country,
      destination: { country: input.recipient.country, postalCode: input.recipient.postalCode ?? '' },
      items: input.items.map((item) => ({
        description: item.description,
        quantity: item.quantity,
        weightG: Math.max(1, Math.round(item.netWeightGrams / item.quantity)),
        value: item.unitValue,
        hsCode: item.hsCode,
        // Without the box's size the quote estimates it from a unit's; one small cube per unit is the honest floor.
        dimensionsMm: { lengthMm: 100, widthMm: 100, heightMm: 50 },
      })),
      ...(input.packageMm
        ? { package: { dimensionsMm: { lengthMm: input.packageMm.length, widthMm: input.packageMm.width, heightMm: input.packageMm.height }, packagingWeightG: Math.max(0, input.weightGrams - input.items.reduce((sum, i) => sum + i.netWeightGrams, 0)) } }
        : {}),
    };
  }

  /** Crossing a customs border: different countries, unless both are inside the EU's customs union. */
  function needsCustoms(from: string, to: string): boolean {
    if (from === to) return false;
    const eu = deps.markets.expand('EU');
    return !(eu.includes(from) && eu.includes(to));
  }

  function declaredValueInSdr(items: readonly ShipmentItem[], date: string, fx: FxLookup): string | null {
    const usd = convertOn(fx, date)(goodsValue(items.map((item) => ({ value: item.unitValue, quantity: item.quantity }))), 'USD');
    const sdrPerUsd = [...SDR_PER_USD].reverse().find((r) => r.validFrom <= date)?.rate;
    if (!usd || !sdrPerUsd) return null;
    // Cents of USD times SDR per USD: hundredths of an SDR.
    return toDecimal(multiply(usd, sdrPerUsd, 'half_up'));
  }

  function labelOf(data: LogisticsData, shipment: Pick<Shipment, 'trackingNumber' | 'serviceCode' | 'sender' | 'recipient' | 'weightGrams' | 'orderRef' | 'items' | 'customsCategory'>, date: string, fx: FxLookup): ShippingLabel {
    const service = serviceByCode(data, shipment.serviceCode);
    const international = needsCustoms(shipment.sender.country, shipment.recipient.country);
    const sdr = international ? declaredValueInSdr(shipment.items, date, fx) : null;
    if (international && sdr === null) throw validationFailed([{ in: 'body', path: '/items', code: 'no_fx_rate', message: 'the goods’ currency has no exchange rate for the customs declaration' }]);
    return {
      trackingNumber: shipment.trackingNumber,
      service: { code: shipment.serviceCode, name: service?.name ?? 'Seller’s own carrier' },
      sender: shipment.sender,
      recipient: shipment.recipient,
      weightGrams: shipment.weightGrams,
      orderReference: shipment.orderRef,
      date,
      customs: international
        ? {
            category: shipment.customsCategory,
            items: shipment.items.map((item) => ({
              description: item.description,
              quantity: item.quantity,
              netWeightGrams: item.netWeightGrams,
              value: lineValue(item.unitValue, item.quantity),
              hsCode: item.hsCode,
              originCountry: item.originCountry,
            })),
            sdr: { declaredValueInSdr: sdr! },
          }
        : null,
    };
  }

  /** The label's own field errors point at the request body's fields. */
  async function renderChecked(label: ShippingLabel): Promise<Buffer> {
    try {
      return await renderLabel(label);
    } catch (error) {
      if (error instanceof AppError && error.code === 'validation_failed') {
        const pointed: FieldError[] = error.errors.map((e) => ({ ...e, in: 'body', path: e.path.replace(/^\/trackingNumber/, '/own_carrier/tracking_number').replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) }));
        throw validationFailed(pointed, error.message);
      }
      throw error;
    }
  }

  async function loadOwn(tx: Db, caller: Caller, shipmentId: string, action: 'read' | 'update', lock = false): Promise<Row> {
    const seller = requireSeller(caller.principal);
    const query = tx.select().from(shipments).where(and(eq(shipments.sellerId, seller.sellerId), eq(shipments.id, shipmentId)));
    const [row] = lock ? await query.for('update') : await query;
    if (!row) throw notFound('shipment', shipmentId);
    authorize(seller, action, 'Order', { sellerId: row.sellerId });
    return row;
  }

  async function nextPlatformNumber(tx: Db): Promise<string> {
    const [next] = await queryRows<{ serial: string }>(tx, sql`SELECT nextval('platform_tracking_serial')::text AS serial`);
    return platformTrackingNumber(Number(next!.serial));
  }

  /** Buys a label: quotes the chosen service for this parcel, assigns the number, stores the PDF. */
  async function buyLabel(tx: Db, caller: Caller, input: NewShipment, replaces: string | null): Promise<Row> {
    const seller = requireSeller(caller.principal);
    authorize(seller, 'create', 'Order', { sellerId: seller.sellerId });
    const date = today();
    const data = await reference.current(tx);
    let charges: ServiceQuote | null = null;
    let carrierCode: string;
    let trackingNumber: string;
    if (input.serviceCode === OWN_CARRIER_SERVICE) {
      if (!input.ownCarrier) throw validationFailed([{ in: 'body', path: '/own_carrier', code: 'required', message: 'is required with the seller’s own carrier' }]);
      const problem = deps.tracking.checkNumber(input.ownCarrier.carrierCode, input.ownCarrier.trackingNumber);
      if (problem) throw validationFailed([{ in: 'body', path: '/own_carrier/tracking_number', code: 'invalid_tracking_number', message: problem }]);
      carrierCode = input.ownCarrier.carrierCode;
      trackingNumber = input.ownCarrier.trackingNumber.replace(/[\s-]/g, '').toUpperCase();
    } else {
      if (input.ownCarrier) throw validationFailed([{ in: 'body', path: '/own_carrier', code: 'not_allowed', message: 'is only for the service own_carrier' }]);
      if (!serviceByCode(data, input.serviceCode)) throw validationFailed([{ in: 'body', path: '/service_code', code: 'unknown_service', message: 'is not a logistics service of this marketplace' }]);
      const quoted = await quote({ parcel: parcelOf(input), date, warehouseStock: [input.sender.country], ...(input.recipient.state ? { destinationState: input.recipient.state } : {}) }, tx);
      charges = quoted.quotes.find((q) => q.serviceCode === input.serviceCode) ?? null;
      if (!charges) {
        const excluded = quoted.excluded.find((e) => e.serviceCode === input.serviceCode);
        throw validationFailed(
          (excluded?.reasons ?? []).map((reason) => ({ in: 'body', path: '/service_code', code: reason.code, message: reason.detail })),
          'The chosen service cannot carry this parcel; see errors[] for why.',
        );
      }
      carrierCode = PLATFORM_CARRIER;
      trackingNumber = await nextPlatformNumber(tx);
    }
    const id = ids(SHIPMENT_PREFIX);
    const customsCategory = input.customsCategory ?? 'sale_of_goods';
    const pdf = await renderChecked(labelOf(data, { ...input, trackingNumber, customsCategory }, date, await deps.fxRates(tx)));
    const now = clock.now();
    let row: Row;
    try {
      [row] = (await tx
        .insert(shipments)
        .values({
          sellerId: seller.sellerId,
          id,
          orderRef: input.orderRef,
          serviceCode: input.serviceCode,
          carrierCode,
          trackingNumber,
          status: 'label_created',
          sender: input.sender,
          recipient: input.recipient,
          items: input.items,
          customsCategory,
          weightGrams: input.weightGrams,
          packageMm: input.packageMm ?? null,
          charges,
          replaces,
          createdAt: now,
          updatedAt: now,
        })
        .returning()) as [Row];
    } catch (error) {
      if (isUniqueViolation(error, 'shipments_tracking_idx')) {
        throw new AppError(409, 'tracking_number_in_use', 'Conflict', 'A live shipment already has this tracking number with this carrier.', [{ in: 'body', path: '/own_carrier/tracking_number', code: 'in_use', message: 'is already on a live shipment' }]);
      }
      throw error;
    }
    await storage.put(labelKey(row), pdf);
    await deps.tracking.follow(tx, { sellerId: seller.sellerId, shipmentId: id, carrierCode, trackingNumber });
    await audit.record(tx, { actor: actorOf(caller), action: 'shipment.create', subject: { type: 'shipment', id }, sellerId: seller.sellerId, to: { status: 'label_created', service: input.serviceCode, trackingNumber, replaces } });
    await events.publish(tx, { type: LOGISTICS_EVENTS.shipmentCreated, subject: { type: 'shipment', id }, sellerId: seller.sellerId, payload: { shipmentId: id, orderRef: input.orderRef, carrierCode, trackingNumber } });
    return row;
  }

  const labelKey = (row: Pick<Row, 'sellerId' | 'id'>) => `labels/${row.sellerId.toLowerCase()}/${row.id.toLowerCase()}`;

  async function cancelRow(tx: Db, caller: Caller, row: Row, reason: string): Promise<Row> {
    if (!shipmentTransition(row.status as ShipmentStatus, 'cancelled')) {
      throw conflict('shipment_not_cancellable', `A shipment ${row.status.replace(/_/g, ' ')} cannot be cancelled: only a label not yet handed over can.`);
    }
    const now = clock.now();
    const [updated] = await tx
      .update(shipments)
      .set({ status: 'cancelled', cancelReason: reason, cancelledAt: now, updatedAt: now })
      .where(and(eq(shipments.sellerId, row.sellerId), eq(shipments.id, row.id)))
      .returning();
    await deps.tracking.stop(tx, row.sellerId, row.id);
    await audit.record(tx, { actor: actorOf(caller), action: 'shipment.cancel', subject: { type: 'shipment', id: row.id }, sellerId: row.sellerId, from: { status: row.status }, to: { status: 'cancelled' }, reason });
    await events.publish(tx, { type: LOGISTICS_EVENTS.shipmentCancelled, subject: { type: 'shipment', id: row.id }, sellerId: row.sellerId, payload: { shipmentId: row.id, carrierCode: row.carrierCode, trackingNumber: row.trackingNumber } });
    return updated!;
  }

  /** The carrier has the parcel: its first scan after the label moves the shipment on, once. */
  async function handOver(tx: Db, sellerId: string, shipmentId: string, at: Date): Promise<void> {
    const [row] = await tx.select().from(shipments).where(and(eq(shipments.sellerId, sellerId), eq(shipments.id, shipmentId))).for('update');
    if (!row || !shipmentTransition(row.status as ShipmentStatus, 'handed_over')) return;
    await tx.update(shipments).set({ status: 'handed_over', handedOverAt: at, updatedAt: clock.now() }).where(and(eq(shipments.sellerId, sellerId), eq(shipments.id, shipmentId)));
    await audit.record(tx, { actor: { type: 'system', id: 'tracking' }, action: 'shipment.hand_over', subject: { type: 'shipment', id: shipmentId }, sellerId, from: { status: row.status }, to: { status: 'handed_over' }, reason: 'The carrier scanned the parcel' });
  }

  return {
    quote,
    templates,

    /** A quote, and what the buyer would be offered under one of the seller's freight templates. */
    async quoteWithTemplate(caller: Caller, request: QuoteRequest, templateId: string): Promise<{ quote: QuoteResult; offers: TemplateOffers }> {
      const template = await templates.get(caller, templateId);
      const quoted = await quote(request);
      const convert = convertOn(await deps.fxRates(db), quoted.date);
      return { quote: quoted, offers: templates.offers(template, quoted, request.parcel.destination.country, goodsValue(request.parcel.items), convert) };
    },
    handOver,

    /**
     * What a buyer is offered for a parcel from one seller, in the caller's transaction: the
     * services of the seller's default freight template (or, without one, every service that can
     * carry it), each with the price the buyer pays, its delivery window and the service's quote.
     */
    async shippingOffers(tx: Db, sellerId: string, request: QuoteRequest): Promise<{ quote: QuoteResult; offers: TemplateOffers; handlingDays: number }> {
      const quoted = await quote(request, tx);
      const terms = (await templates.defaultOf(tx, sellerId)) ?? defaultFreightTerms(quoted.quotes.map((q) => q.serviceCode));
      const convert = convertOn(await deps.fxRates(tx), quoted.date);
      return { quote: quoted, offers: templates.offers(terms, quoted, request.parcel.destination.country, goodsValue(request.parcel.items), convert), handlingDays: terms.handlingDays };
    },

    /** The services on offer, as data: what a seller chooses from. */
    services: async () => (await reference.current()).services,

    /** Buys a label; in the caller's transaction when one is given (an order records its parcel in the same one). */
    async createShipment(caller: Caller, input: NewShipment, tx?: Db): Promise<Shipment> {
      return toShipment(tx ? await buyLabel(tx, caller, input, null) : await inTransaction(db, (own) => buyLabel(own, caller, input, null)));
    },

    async get(caller: Caller, shipmentId: string): Promise<Shipment> {
      return toShipment(await loadOwn(db, caller, shipmentId, 'read'));
    },

    async list(caller: Caller, filter: { orderRef?: string; status?: ShipmentStatus; limit: number; cursor?: string }): Promise<Page<Shipment>> {
      const seller = requireSeller(caller.principal);
      authorize(seller, 'read', 'Order', { sellerId: seller.sellerId });
      const before = decodeCursor(filter.cursor, ['id:shp'])?.[0];
      const rows = await db
        .select()
        .from(shipments)
        .where(
          and(
            eq(shipments.sellerId, seller.sellerId),
            filter.orderRef ? eq(shipments.orderRef, filter.orderRef) : undefined,
            filter.status ? eq(shipments.status, filter.status) : undefined,
            before ? lt(shipments.id, before) : undefined,
          ),
        )
        .orderBy(desc(shipments.id))
        .limit(filter.limit + 1);
      return toPage(rows, filter.limit, toShipment, (item) => [item.id]);
    },

    async label(caller: Caller, shipmentId: string): Promise<{ shipment: Shipment; pdf: Buffer }> {
      const row = await loadOwn(db, caller, shipmentId, 'read');
      if (row.status === 'cancelled') throw conflict('shipment_cancelled', 'This label was cancelled; print the one that replaced it.');
      return { shipment: toShipment(row), pdf: await storage.get(labelKey(row)) };
    },

    async cancel(caller: Caller, shipmentId: string, reason: string): Promise<Shipment> {
      return inTransaction(db, async (tx) => toShipment(await cancelRow(tx, caller, await loadOwn(tx, caller, shipmentId, 'update', true), reason)));
    },

    /** Cancels a label not yet handed over and buys a new one for the same parcel, optionally with another service. */
    async relabel(caller: Caller, shipmentId: string, change: { serviceCode?: string; ownCarrier?: NewShipment['ownCarrier']; reason: string }): Promise<Shipment> {
      return inTransaction(db, async (tx) => {
        const row = await loadOwn(tx, caller, shipmentId, 'update', true);
        await cancelRow(tx, caller, row, change.reason);
        const before = toShipment(row);
        const serviceCode = change.serviceCode ?? before.serviceCode;
        const ownCarrier = change.ownCarrier ?? (serviceCode === OWN_CARRIER_SERVICE && before.serviceCode === OWN_CARRIER_SERVICE ? { carrierCode: before.carrierCode, trackingNumber: before.trackingNumber } : undefined);
        return toShipment(
          await buyLabel(
            tx,
            caller,
            {
              orderRef: before.orderRef,
              serviceCode,
              ...(ownCarrier ? { ownCarrier } : {}),
              sender: before.sender,
              recipient: before.recipient,
              items: before.items,
              customsCategory: before.customsCategory,
              weightGrams: before.weightGrams,
              ...(before.packageMm ? { packageMm: before.packageMm } : {}),
            },
            row.id,
          ),
        );
      });
    },
  };
}

export type LogisticsService = ReturnType<typeof createLogisticsService>;

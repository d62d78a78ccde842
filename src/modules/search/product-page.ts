import { inArray } from 'drizzle-orm';
import type { Platform } from '../../platform/index.ts';
import { AppError, notFound, validationFailed, type FieldError } from '../../platform/errors/index.ts';
import { add, convert, isCurrency, zero, type Money } from '../../platform/money/index.ts';
import { titleFor, type FeedProduct, type FeedSku } from '../catalog/index.ts';
import { SELLERS_SHIP_FROM } from '../logistics/index.ts';
import { landedCost, type FxRateTable } from '../markets/index.ts';
import type { IndexDependencies, Warehouse } from './indexer.ts';
import { contentLanguage, isVisible, stockLocations, stockState, type StockState } from './rules.ts';
import { searchCategories } from './schema.ts';

export interface ProductPageRequest {
  market: string;
  lang?: string;
  currency?: string;
  /** Where the buyer is, for shipping prices (remote areas) and delivery; the market's country at large when absent. */
  postalCode?: string;
  /** The SKU shipping and taxes are estimated for; by default the cheapest one in stock. */
  skuId?: string;
}

export interface ShippingOption {
  serviceCode: string;
  serviceName: string;
  fulfilment: string;
  shipsFrom: string;
  price: Money;
  free: boolean;
  deliveryDays: { min: number; max: number };
  /** The service clears duties and taxes for the buyer: they are paid with the order. */
  dutiesPrepaid: boolean;
}

export interface TaxEstimate {
  regime: string | null;
  /** When the buyer pays them: at checkout, on delivery, both (mixed) or nothing due. */
  collection: string;
  lines: { kind: string; code: string; label: string; rate: string | null; amount: Money; collected: 'at_checkout' | 'on_delivery' }[];
  atCheckout: Money;
  onDelivery: Money;
  /** One unit, the cheapest shipping option and every duty and tax: what the buyer pays in all (null if the price has no rate to the buyer's currency). */
  landedTotal: Money | null;
  notes: string[];
}

export interface ProductPage {
  productId: string;
  market: string;
  language: string;
  currency: string;
  title: { text: string; language: string };
  description: { text: string; language: string } | null;
  warnings: { text: string; language: string } | null;
  images: string[];
  video: { url: string; durationSeconds: number } | null;
  brand: string | null;
  model: string | null;
  attributes: { code: string; value: string | number | boolean }[];
  category: { code: string; name: string }[];
  store: { name: string; score: number };
  price: { from: Money; to: Money };
  skus: { id: string; sellerSku: string; variant: Record<string, string | number | boolean>; price: Money; stock: { state: StockState; available: number | null } }[];
  /** Shipping and taxes, for one unit of this SKU. */
  estimateFor: string;
  shipping: { destination: { country: string; postalCode: string | null }; ships: boolean; reason: string | null; options: ShippingOption[] };
  taxes: TaxEstimate | null;
  taxesUnavailable: string | null;
}

/** Stands for "anywhere in the country" where the quote engine wants a postal code. */
const ANY_POSTAL_CODE = '00';

const inLanguage = (texts: Readonly<Record<string, string | undefined>> | undefined, languages: readonly string[], mainLanguage: string) => {
  if (!texts || !Object.values(texts).some((t) => t?.trim())) return null;
  return titleFor(texts, languages, mainLanguage);
};

/**
 * A product's page for buyers in one market: its content in their language, SKUs with prices in
 * their currency and how much stock is left, the seller's shipping offers to them with delivery
 * windows, and what duties and taxes to expect. Read from the catalogue as it is now, not from the
 * search index: a page must never show a price or stock level the catalogue no longer has.
 */
export function createProductPages(platform: Platform, deps: IndexDependencies) {
  const { db, clock } = platform;

  function buyerMoney(fx: FxRateTable, date: string, currency: string) {
    return (value: Money): Money => {
      if (value.currency === currency) return value;
      const rate = fx.rate(value.currency, currency, date);
      return rate ? { amount: convert(value, rate, 'half_up').amount, currency } : value;
    };
  }

  async function shippingFor(product: FeedProduct, sku: FeedSku, price: Money, market: string, postalCode: string | null, currency: string, warehouses: readonly Warehouse[], toBuyer: (m: Money) => Money, date: string) {
    const none = (reason: string) => ({ ships: false, reason, options: [] as ShippingOption[] });
    if (!sku.weightGrams || !sku.packageMm) return none('The seller has not given this SKU’s weight and package size, so shipping cannot be quoted yet.');
    const stock = stockLocations(sku.availableByWarehouse, warehouses);
    const byService = new Map(warehouses.map((w) => [w.serviceCode, w.country]));
    try {
      const { offers } = await deps.logistics.shippingOffers(db, product.sellerId, {
        parcel: {
          originCountry: SELLERS_SHIP_FROM,
          destination: { country: market, postalCode: postalCode ?? ANY_POSTAL_CODE },
          items: [{ weightG: sku.weightGrams, dimensionsMm: { lengthMm: sku.packageMm.length, widthMm: sku.packageMm.width, heightMm: sku.packageMm.height }, value: price, hsCode: product.content.hs_code ?? '', quantity: 1 }],
        },
        date,
        currency,
        warehouseStock: stock.countries,
      });
      if (!offers.ships) return none(offers.reason);
      const options = offers.offers
        .filter((offer) => stock.atOrigin || byService.has(offer.serviceCode))
        .map((offer) => ({
          serviceCode: offer.serviceCode,
          serviceName: offer.serviceName,
          fulfilment: offer.quote.path,
          shipsFrom: byService.get(offer.serviceCode) ?? SELLERS_SHIP_FROM,
          price: toBuyer(offer.buyerPays),
          free: offer.free,
          deliveryDays: offer.deliveryDays,
          dutiesPrepaid: offer.quote.customs === 'DDP',
        }))
        // Cheapest first for the buyer; the quicker of two equally priced.
        .sort((a, b) => a.price.amount - b.price.amount || a.deliveryDays.max - b.deliveryDays.max);
      return options.length > 0 ? { ships: true, reason: null, options } : none('None of the seller’s services can deliver this SKU from where its stock is.');
    } catch (error) {
      // The quote engine refuses a parcel it cannot price (a postal code it cannot read, say).
      if (error instanceof AppError) return none('Shipping cannot be quoted for this SKU to this destination.');
      throw error;
    }
  }

  return {
    async page(productId: string, request: ProductPageRequest): Promise<ProductPage> {
      const problems: FieldError[] = [];
      const market = deps.markets.get(request.market);
      if (!market) problems.push({ in: 'query', path: '/market', code: 'unknown_market', message: `${request.market} is not a market of this marketplace` });
      const currency = request.currency ?? market?.currency ?? 'USD';
      const date = clock.now().toISOString().slice(0, 10);
      const fx = await deps.fxRates(db);
      if (!isCurrency(currency)) problems.push({ in: 'query', path: '/currency', code: 'unknown_currency', message: 'is not an ISO 4217 currency' });
      else if (currency !== 'USD' && !fx.rate('USD', currency, date)) problems.push({ in: 'query', path: '/currency', code: 'no_fx_rate', message: `prices cannot be shown in ${currency}: there is no exchange rate for it` });
      if (problems.length > 0 || !market) throw validationFailed(problems);

      const [product] = await deps.feed(db, { productIds: [productId] });
      const listing = product?.listings.find((l) => l.market === market.code);
      const store = product ? await deps.sellers.openStore(db, product.sellerId) : null;
      // Delisted, rejected, pending, offline or not offered there: the same answer as no product at all.
      if (!product || !store || product.status !== 'published' || !listing || !isVisible(listing.status) || !product.markets.includes(market.code)) throw notFound('product', productId);

      const chosen = request.skuId ? product.skus.find((s) => s.id === request.skuId) : undefined;
      if (request.skuId && !chosen) throw validationFailed([{ in: 'query', path: '/sku_id', code: 'unknown_sku', message: 'is not a SKU of this product' }]);

      const language = (request.lang ?? market.language).split('-')[0]!;
      const languages = [language, contentLanguage(market.language, deps.catalogLanguages)];
      const content = product.content;
      const toBuyer = buyerMoney(fx, date, currency);
      const available = (sku: FeedSku) => Object.values(sku.availableByWarehouse).reduce((sum, n) => sum + n, 0);
      const skus = product.skus.map((sku) => {
        const own = sku.countryPrices[market.code] ?? sku.price;
        return { sku, own, price: toBuyer(own), available: available(sku) };
      });
      const byPrice = [...skus].sort((a, b) => a.price.amount - b.price.amount);
      const shown = chosen ? skus.find((s) => s.sku === chosen)! : (byPrice.find((s) => s.available > 0) ?? byPrice[0]!);

      const warehouses = await deps.warehouses(db);
      const shipping = await shippingFor(product, shown.sku, shown.own, market.code, request.postalCode ?? null, currency, warehouses, toBuyer, date);

      let taxes: TaxEstimate | null = null;
      let taxesUnavailable: string | null = null;
      const option = shipping.options[0];
      if (!content.hs_code) taxesUnavailable = 'The seller has not given this product’s HS code, so duties and taxes cannot be estimated.';
      else if (!option) taxesUnavailable = 'Duties and taxes depend on the shipping, which cannot be quoted for this SKU.';
      else {
        const shippingCost = option.free ? zero(currency) : option.price;
        const landed = landedCost({
          destination: market.code,
          orderDate: date,
          origin: SELLERS_SHIP_FROM,
          lines: [{ hsCode: content.hs_code, quantity: 1, unitValue: shown.own, unitWeightGrams: shown.sku.weightGrams ?? 0, description: titleFor(content.titles, ['en'], content.main_language).text.slice(0, 120) }],
          shipping: shippingCost,
          domestic: option.shipsFrom === market.code,
          ddp: option.dutiesPrepaid,
          currency,
          fx,
        });
        const totals = landed.totals.requested;
        taxes = {
          regime: landed.regime?.name ?? null,
          collection: landed.collection,
          lines: landed.lines.map((line) => ({ kind: line.kind, code: line.code, label: line.label, rate: line.rate, amount: { amount: line.converted.amount, currency: line.converted.currency }, collected: line.collection })),
          atCheckout: totals.atCheckout,
          onDelivery: totals.onDelivery,
          landedTotal: shown.price.currency === currency ? add(shown.price, shippingCost, totals.all) : null,
          notes: landed.problems.map((p) => p.message),
        };
      }

      const names = product.categoryPath.length > 0 ? await db.select().from(searchCategories).where(inArray(searchCategories.code, product.categoryPath)) : [];
      const nameOf = new Map(names.map((row) => [row.code, titleFor(row.names as Record<string, string>, languages, 'en').text]));
      const [score] = (await deps.sellers.storeScores(db, [product.sellerId])).values();
      return {
        productId: product.id,
        market: market.code,
        language,
        currency,
        title: titleFor(content.titles, languages, content.main_language),
        description: inLanguage(content.descriptions, languages, content.main_language),
        warnings: inLanguage(content.warnings, languages, content.main_language),
        images: content.images ?? [],
        video: content.video ? { url: content.video.url, durationSeconds: content.video.duration_seconds } : null,
        brand: content.brand ?? null,
        model: content.model ?? null,
        attributes: Object.entries(content.attributes ?? {}).map(([code, value]) => ({ code, value })),
        category: product.categoryPath.map((code) => ({ code, name: nameOf.get(code) ?? code })),
        store: { name: store.name, score: score ?? 100 },
        price: { from: byPrice[0]!.price, to: byPrice.at(-1)!.price },
        skus: skus.map(({ sku, price, available: units }) => ({ id: sku.id, sellerSku: sku.sellerSku, variant: sku.variant, price, stock: stockState(units) })),
        estimateFor: shown.sku.id,
        shipping: {
          destination: { country: market.code, postalCode: request.postalCode ?? null },
          ships: shipping.ships,
          reason: shipping.reason,
          options: shipping.options,
        },
        taxes,
        taxesUnavailable,
      };
    },
  };
}

export type ProductPages = ReturnType<typeof createProductPages>;

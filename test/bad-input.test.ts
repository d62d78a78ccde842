import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inTransaction, queryRows } from '../src/platform/db/index.ts';
import { pdfFile } from '../src/seed/sample-files.ts';
import { addStaff, createOperator, sellerWithOpenStore, submittedApplication, unique, type SellerActor } from './support/actors.ts';
import { startTestApp } from './support/app.ts';
import { enterpriseForm, ledBulb, shipmentToMadrid } from './support/fixtures.ts';
import { apiClient, multipartBody } from './support/http.ts';

/**
 * House rule: bad input of any kind gets a clear 4xx `application/problem+json` answer and changes
 * nothing. Every operation of the OpenAPI document is sent requests that would be accepted but for
 * one defect (a path id, a query parameter, a body field, a header, the body's framing), with the
 * credentials of someone who is otherwise allowed. Each answer is checked, and the database (and the
 * upload folder) is compared before and after every request.
 */

// Tests are named after the operations of the OpenAPI document, which vitest needs while it collects
// them: the app starts when the file is imported rather than in beforeAll.
const started = await startTestApp({ now: '2026-11-24T02:00:00Z' });
afterAll(() => started.close());
const app = () => started;
const api = apiClient(app);

// ─── The operations, from the OpenAPI document ──────────────────────────────────────────────────

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
}

interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema: JsonSchema;
}

interface OpenApiOperation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  security?: unknown[];
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

interface Operation {
  label: string;
  method: Method;
  path: string;
  /** auth, store, seller or ops: decides whose credentials are sent. */
  surface: string;
  isPublic: boolean;
  pathParams: Parameter[];
  query: Parameter[];
  headerParams: Parameter[];
  body: JsonSchema | undefined;
  multipart: boolean;
}

interface Upload {
  file: () => Buffer;
  name: string;
  type: string;
  /** The server reads what the file is and refuses other kinds at once. */
  checksKind: boolean;
}

/**
 * What each upload (a multipart/form-data body with one `file` part) is sent. A product file is
 * read by the import job, which reports whatever it cannot read on the import: only an empty one
 * is refused at once.
 */
const UPLOADS: Record<string, Upload> = {
  'POST /v1/seller/applications/{applicationId}/documents': { file: pdfFile, name: 'licence.pdf', type: 'application/pdf', checksKind: true },
  'POST /v1/seller/certificates/{certificateId}/file': { file: pdfFile, name: 'certificate.pdf', type: 'application/pdf', checksKind: true },
  'POST /v1/seller/imports': { file: productFile, name: 'products.csv', type: 'text/csv', checksKind: false },
  'POST /v1/ops/fx/snapshots/import': { file: fxSnapshotFile, name: 'fx-rates.json', type: 'application/json', checksKind: false },
};

/** A product file in the import template: one LED bulb with one SKU, kept as a draft. */
function productFile(): Buffer {
  const rows = [
    ['product_ref', 'category', 'main_language', 'title_zh', 'title_en', 'markets', 'publish', 'brand', 'model', 'attr:wattage_w', 'attr:luminous_flux_lm', 'attr:dimmable', 'seller_sku', 'price', 'currency', 'variant:light_colour', 'variant:lamp_base', 'stock'],
    ['BULB-IMPORT', 'lighting.bulbs.led_bulbs', 'zh', 'LED 灯泡 9W E27', 'LED bulb 9 W E27', 'US', 'false', 'Lumen Home', 'LH-A60-9W', '9', '806', 'false', 'BULB-IMPORT-WW', '12.90', 'CNY', 'warm_white', 'e27', '10'],
  ];
  return Buffer.from(rows.map((row) => row.join(',')).join('\n') + '\n');
}

/** Units per 1 USD of every currency an FX snapshot must quote. */
const FX_RATES = { EUR: '0.8500', GBP: '0.7400', BRL: '5.4500', SAR: '3.7500', RUB: '80.00', KRW: '1385.5', CNY: '7.2500', PLN: '3.6500', CZK: '21.10', DKK: '6.3500', HUF: '335.0', RON: '4.3000', SEK: '9.4000' };

/** FX snapshots in the shape of data/markets/fx-rates.json, for a date the world has none for. */
function fxSnapshotFile(): Buffer {
  return Buffer.from(JSON.stringify({ description: 'Bad-input test rates', source: 'Bad-input test desk', snapshots: [{ date: '2025-12-30', base: 'USD', rates: FX_RATES }] }));
}

/**
 * Routes that raise Fastify's body limit (`bodyLimit` in their routes.ts) above the server's own,
 * which the OpenAPI document does not say: their "too large" body has to be larger still.
 */
const BODY_LIMITS: Record<string, number> = {
  'POST /v1/seller/products': 4 * 1024 * 1024,
  'PATCH /v1/seller/products/{productId}': 4 * 1024 * 1024,
  'POST /v1/seller/products/batch/prices': 4 * 1024 * 1024,
  'POST /v1/seller/products/batch/stock': 4 * 1024 * 1024,
  'PUT /v1/ops/categories/{code}': 2 * 1024 * 1024,
};

const openapi = (await started.http.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, OpenApiOperation>> };

const operations: Operation[] = Object.entries(openapi.paths)
  .filter(([route]) => route.startsWith('/v1/'))
  .flatMap(([route, byMethod]) =>
    Object.entries(byMethod).map(([method, operation]) => {
      const label = `${method.toUpperCase()} ${route}`;
      return {
        label,
        method: method.toUpperCase() as Method,
        path: route,
        surface: route.split('/')[2] ?? '',
        isPublic: Array.isArray(operation.security) && operation.security.length === 0,
        pathParams: (operation.parameters ?? []).filter((p) => p.in === 'path'),
        query: (operation.parameters ?? []).filter((p) => p.in === 'query'),
        headerParams: (operation.parameters ?? []).filter((p) => p.in === 'header'),
        body: operation.requestBody?.content['application/json']?.schema,
        multipart: operation.requestBody?.content['multipart/form-data'] !== undefined,
      };
    }),
  );

/** `METHOD /path/{param}` of every /v1 route the router knows, read from Fastify's route tree. */
function registeredRoutes(): string[] {
  const prefixes: string[] = [];
  const routes: string[] = [];
  for (const line of app().http.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:│ {3}| {4})*)[├└]── (\S+)(?: \(([^)]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    prefixes.length = depth;
    const route = (prefixes[depth - 1] ?? '') + match[2]!;
    prefixes[depth] = route;
    for (const method of match[3]?.split(', ') ?? []) {
      if (method !== 'HEAD' && route.startsWith('/v1/')) routes.push(`${method} ${route.replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return routes.sort();
}

// ─── The world the requests are addressed to ────────────────────────────────────────────────────

interface PathValues {
  /** What a request that would otherwise succeed names. */
  valid: string;
  /** A record the caller may not see: another seller's, an account that is no operator, a listing that is not live. */
  foreign?: string;
  /** Well-formed and naming nothing, for parameters without an id prefix (those get one of their own kind). */
  unknown?: string;
  /** A PUT adds what it names: an unknown one is no mistake there. */
  addedByPut?: boolean;
}

interface World {
  /** `seller` is an applicant in onboarding; `merchant` a seller whose store is open, with a catalogue. */
  tokens: { ops: string; seller: string; merchant: string; revoked: string };
  buyerAccountId: string;
  paths: Record<string, Record<string, PathValues>>;
  /** Required query parameters that name a record: the caller's own, and someone else's. */
  queries: Record<string, PathValues>;
  /**
   * Bodies the operation would accept and act on, where the schema's simplest example would be
   * refused anyway (an unknown market, a product that is not the caller's…): a defect the schema
   * let through would then show as a change.
   */
  bodies: Record<string, unknown>;
}

let world: World;

async function buildWorld(): Promise<World> {
  const admin = await createOperator(app(), api, ['admin'], 'full');
  const policy = await api.post('/v1/ops/fee-policies', { effective_from: '2026-01-01', effective_to: null, entry_fee: { amount: 0, currency: 'CNY' }, note: 'No entry fee in 2026' }, { token: admin.token });
  if (policy.status !== 201) throw new Error(`adding a fee policy failed: ${JSON.stringify(policy.body)}`);
  const colleague = await createOperator(app(), api, ['reviewer'], 'masked');
  const review = (applicationId: string, action: string, body: object = {}) => api.post(`/v1/ops/seller-applications/${applicationId}/${action}`, body, { token: admin.token });

  // The seller whose Seller Center is exercised. Its application was returned for more information,
  // so it may still be edited, its documents replaced, and it may be resubmitted.
  const owner = await submittedApplication(api);
  await review(owner.application.id, 'start-review');
  await review(owner.application.id, 'request-info', { reason: 'The licence scan is blurred.', requests: [{ path: '/entity/name', message: 'Upload a sharper scan.' }] });
  const ownerStaff = await addStaff(api, owner.seller, ['products']);

  // Someone else: a seller under review (the operators' target), with staff of its own.
  const other = await submittedApplication(api);
  await review(other.application.id, 'start-review');
  const otherStaff = await addStaff(api, other.seller, ['products']);

  const opened = await submittedApplication(api);
  await review(opened.application.id, 'start-review');
  const approved = await review(opened.application.id, 'approve', { reason: 'Licence, identity and bank account verified.' });
  if (approved.status !== 200) throw new Error(`approval failed: ${JSON.stringify(approved.body)}`);

  // The English name of this entity is on the sample sanctions list: approving it opens a case.
  const listedForm = enterpriseForm({ entity: { ...enterpriseForm().entity, name_en: 'Example Sanctioned Trading Co., Ltd.' }, store: { name: unique('Listed'), type: 'standard' } });
  const listed = await submittedApplication(api, listedForm);
  await review(listed.application.id, 'start-review');
  const blocked = await review(listed.application.id, 'approve', { reason: 'Licence, identity and bank account verified.' });
  if (blocked.status !== 409) throw new Error(`expected a sanctions hit: ${JSON.stringify(blocked.body)}`);
  const cases = await api.get('/v1/ops/compliance/cases', { token: admin.token });

  const overrideDate = '2026-12-28';
  const override = await api.put(`/v1/ops/calendars/CN/days/${overrideDate}`, { kind: 'holiday', name: 'Company holiday', reason: 'Declared for the bad-input test.' }, { token: admin.token });
  if (override.status !== 204) throw new Error(`calendar override failed: ${JSON.stringify(override.body)}`);
  // An FX snapshot of the same date, so the date names one on both operator routes that take it.
  const fxSnapshot = await api.put(`/v1/ops/fx/snapshots/${overrideDate}`, { base: 'USD', rates: FX_RATES, source: 'Bad-input test desk', reason: 'Set for the bad-input test.' }, { token: admin.token });
  if (fxSnapshot.status !== 200) throw new Error(`setting an FX snapshot failed: ${JSON.stringify(fxSnapshot.body)}`);

  // Four days on, the reviews still open are overdue and the operators have been told. The sessions
  // opened so far have expired by then: the tokens used from here on are new.
  app().clock.advance({ days: 4 });
  await app().settle();
  const session = async (accountId: string) => (await app().modules.identity.service.startSession(app().platform.db, accountId)).token;
  const tokens = { ops: await session(admin.accountId), colleague: await session(colleague.accountId), seller: await session(owner.seller.accountId), other: await session(other.seller.accountId) };

  const firstNotification = async (surface: string, token: string) => {
    const inbox = await api.get(`/v1/${surface}/notifications`, { token });
    if (!inbox.body.data?.[0]) throw new Error(`no ${surface} notification: ${JSON.stringify(inbox.body)}`);
    return inbox.body.data[0].id as string;
  };
  const licence = async (applicationId: string) => {
    const documents = (await api.get(`/v1/seller/applications/${applicationId}`, { token: tokens.seller })).body.documents as { id: string; kind: string }[];
    return documents.find((d) => d.kind === 'business_licence')!.id;
  };
  const otherLicence = (await api.get(`/v1/ops/seller-applications/${other.application.id}`, { token: tokens.ops })).body.documents.find((d: { kind: string }) => d.kind === 'business_licence').id as string;

  const buyer = await api.post('/v1/store/sign-up', { email: `${unique('buyer')}@buyers.example`, password: 'buyer password 123', display_name: 'Buyer' });
  if (buyer.status !== 201) throw new Error(`buyer sign-up failed: ${JSON.stringify(buyer.body)}`);
  await api.post('/v1/auth/sign-out', {}, { token: buyer.body.token });

  const catalogue = await buildCatalogue(tokens.ops, buyer.body.account.id);
  const payments = await buildPayments(buyer.body.account.id);
  const handOver = await buildHandOver(catalogue.merchant.token);

  return {
    tokens: { ops: tokens.ops, seller: tokens.seller, merchant: catalogue.merchant.token, revoked: buyer.body.token },
    buyerAccountId: buyer.body.account.id,
    queries: { 'cart-token': { valid: catalogue.guestCart.cart_token }, market: { valid: 'US' }, sku_id: { valid: catalogue.live.skus[0]!.id, foreign: catalogue.rivalProduct.skus[0]!.id }, number: { valid: catalogue.shipmentTrackingNumber } },
    bodies: { ...catalogue.bodies, ...payments.bodies, ...handOver.bodies },
    paths: {
      seller: {
        applicationId: { valid: owner.application.id, foreign: other.application.id },
        documentId: { valid: await licence(owner.application.id), foreign: otherLicence },
        accountId: { valid: ownerStaff.accountId, foreign: otherStaff.accountId },
        notificationId: { valid: await firstNotification('seller', tokens.seller), foreign: await firstNotification('seller', tokens.other) },
        productId: { valid: catalogue.live.id, foreign: catalogue.rivalProduct.id },
        certificateId: { valid: catalogue.certificate.id, foreign: catalogue.rivalCertificate.id },
        importId: { valid: catalogue.productImport.id, foreign: catalogue.rivalImport.id },
        shipmentId: { valid: catalogue.shipment.id, foreign: catalogue.rivalShipment.id },
        templateId: { valid: catalogue.template.id, foreign: catalogue.rivalTemplate.id },
        orderId: { valid: catalogue.order.orders[0]!.id, foreign: catalogue.rivalOrder.orders[0]!.id },
      },
      ops: {
        applicationId: { valid: other.application.id },
        documentId: { valid: otherLicence },
        accountId: { valid: colleague.accountId, foreign: owner.seller.accountId },
        caseId: { valid: cases.body.data[0].id },
        notificationId: { valid: await firstNotification('ops', tokens.ops), foreign: await firstNotification('ops', tokens.colleague) },
        country: { valid: 'CN', unknown: 'ZZ' },
        date: { valid: overrideDate, unknown: '2031-01-01', addedByPut: true },
        productId: { valid: catalogue.live.id },
        market: { valid: 'US', unknown: 'ZZ' },
        certificateId: { valid: catalogue.certificate.id },
        reviewId: { valid: catalogue.hold.id },
        code: { valid: CATEGORY, unknown: 'no_such_category', addedByPut: true },
        itemId: { valid: catalogue.restrictedItem.id, unknown: 'no_such.item', addedByPut: true },
        file: { valid: 'surcharges' },
        sellerId: { valid: approved.body.store.seller_id },
        orderId: { valid: catalogue.order.orders[0]!.id },
        // Paid, so a refund the schema wrongly let through would show as a change.
        paymentId: { valid: payments.paid.id },
      },
      webhooks: {
        provider: { valid: 'simulator', unknown: 'aggregator' },
      },
      store: {
        country: { valid: 'BR', unknown: 'ZZ' },
        storeId: { valid: approved.body.store.id },
        productId: { valid: catalogue.live.id, foreign: catalogue.held.id },
        orderId: { valid: catalogue.order.orders[0]!.id, foreign: catalogue.rivalOrder.orders[0]!.id },
        checkoutId: { valid: catalogue.order.checkout.id, foreign: catalogue.rivalOrder.checkout.id },
        skuId: { valid: catalogue.live.skus[1]!.id, foreign: catalogue.rivalProduct.skus[0]!.id },
        cartId: { valid: catalogue.guestCart.cart_id, foreign: catalogue.otherGuestCart.cart_id },
        paymentId: { valid: payments.challenged.id, foreign: payments.rivalPayment.id },
        searchId: { valid: catalogue.searchId },
      },
    },
  };
}

/**
 * Payments of the buyer, as checkout creates them: one waiting for its 3-D Secure challenge (so it
 * may be confirmed again, or its challenge answered), one paid (so it may be refunded), and another
 * buyer's.
 */
async function buildPayments(buyerAccountId: string) {
  const db = app().platform.db;
  const payments = app().modules.payments.service;
  const session = async (accountId: string) => (await app().modules.identity.service.startSession(db, accountId)).token;
  const rival = await api.post('/v1/store/sign-up', { email: `${unique('rival-buyer')}@buyers.example`, password: 'buyer password 123', display_name: 'Rival buyer' });
  if (rival.status !== 201) throw new Error(`buyer sign-up failed: ${JSON.stringify(rival.body)}`);
  const intent = (accountId: string, order: string) =>
    inTransaction(db, (tx) => payments.createIntent(tx, { buyerAccountId: accountId, reference: { type: 'order', id: order }, amount: 2599, currency: 'EUR', expiresAt: new Date(app().clock.now().getTime() + 30 * 86_400_000) }));
  const challenged = await intent(buyerAccountId, 'BAD-INPUT-PAYMENT');
  const rivalPayment = await intent(rival.body.account.id, 'BAD-INPUT-RIVAL-PAYMENT');
  const token = await session(buyerAccountId);
  const card = { number: '4242 4242 4242 4242', exp_month: 12, exp_year: 2030, cvc: '123' };
  const threeDs = await api.post('/v1/store/payments/sandbox/card-tokens', { ...card, number: '4000 0000 0000 3220' }, { token });
  const confirmed = await api.post(`/v1/store/payments/${challenged.id}/confirm`, { payment_method: { type: 'card', token: threeDs.body.token }, amount: 2599, currency: 'EUR' }, { token });
  if (confirmed.body.status !== 'requires_action') throw new Error(`expected a 3-D Secure challenge: ${JSON.stringify(confirmed.body)}`);
  const visa = await api.post('/v1/store/payments/sandbox/card-tokens', card, { token });
  const paid = await intent(buyerAccountId, 'BAD-INPUT-PAID-PAYMENT');
  const paying = await api.post(`/v1/store/payments/${paid.id}/confirm`, { payment_method: { type: 'card', token: visa.body.token }, amount: 2599, currency: 'EUR' }, { token });
  if (paying.body.status !== 'succeeded') throw new Error(`expected a paid payment: ${JSON.stringify(paying.body)}`);
  return {
    challenged,
    paid,
    rivalPayment,
    bodies: {
      'POST /v1/store/payments/sandbox/card-tokens': card,
      'POST /v1/store/payments/{paymentId}/confirm': { payment_method: { type: 'card', token: visa.body.token }, amount: 2599, currency: 'EUR' },
      'POST /v1/store/payments/{paymentId}/three-ds': { result: 'pass' },
      'POST /v1/ops/payments/{paymentId}/refunds': { amount: 1000, currency: 'EUR', reason: 'Goodwill: the parcel arrived late' },
    },
  };
}

/** A parcel of the merchant's on a platform service, waiting to be handed over to a last-mile carrier. */
async function buildHandOver(merchantToken: string) {
  const label = await api.post('/v1/seller/shipments', shipmentToMadrid({ order_ref: 'BAD-INPUT-HAND-OVER' }), { token: merchantToken });
  if (label.status !== 201) throw new Error(`buying a platform label failed: ${JSON.stringify(label.body)}`);
  const entry = { tracking_number: label.body.tracking_number, carrier_code: 'seur', last_mile_number: '82011116468870', handed_over_at: app().clock.now().toISOString(), location: 'Madrid, ES' };
  return { bodies: { 'POST /v1/ops/tracking/hand-overs': { entries: [entry] } } };
}

const CATEGORY = 'lighting.bulbs.led_bulbs';

interface ProductView {
  id: string;
  version: number;
  skus: { id: string; seller_sku: string }[];
  listings: { market: string; status: string; held: boolean }[];
}

/**
 * The catalogue the new operations address: products of two sellers whose stores are open, in the
 * states the operations act on, with certificates and imports of their own.
 */
async function buildCatalogue(opsToken: string, buyerAccountId: string) {
  const merchant = await sellerWithOpenStore(app(), api);
  const rival = await sellerWithOpenStore(app(), api);
  const created = async <T>(what: string, response: Promise<{ status: number; body: any }>, status = 201): Promise<T> => {
    const answer = await response;
    if (answer.status !== status) throw new Error(`${what} failed: ${JSON.stringify(answer.body)}`);
    return answer.body as T;
  };
  const publish = (seller: SellerActor, body: object) => created<ProductView>('creating a product', api.post('/v1/seller/products', { ...body, publish: true }, { token: seller.token }));
  const listingIn = (product: ProductView, market: string) => product.listings.find((l) => l.market === market);

  // Lighting needs no certificate in the US: live there, so buyers may report it.
  const live = await publish(merchant, ledBulb({ markets: ['US'] }));
  if (listingIn(live, 'US')?.status !== 'active') throw new Error(`expected an active listing: ${JSON.stringify(live.listings)}`);
  // A restricted item in the title holds the listing in the compliance queue.
  const held = await publish(merchant, ledBulb({ markets: ['US'], titles: { ...ledBulb().titles, en: 'LED bulb with power bank' } }));
  if (!listingIn(held, 'US')?.held) throw new Error(`expected a held listing: ${JSON.stringify(held.listings)}`);
  const rivalProduct = await publish(rival, ledBulb({ markets: ['US'] }));

  const ce = { type: 'CE', number: 'CE-2025-0042', markets: ['EU'], issuer: 'TÜV Rheinland', valid_from: '2025-01-01' };
  const certificate = await created<{ id: string }>('filing a certificate', api.post(`/v1/seller/products/${live.id}/certificates`, ce, { token: merchant.token }));
  await created('attaching a certificate file', api.upload(`/v1/seller/certificates/${certificate.id}/file`, pdfFile(), 'certificate.pdf', 'application/pdf', { token: merchant.token }), 200);
  const rivalCertificate = await created<{ id: string }>('filing a certificate', api.post('/v1/seller/certificates', ce, { token: rival.token }));

  const upload = (seller: SellerActor) => created<{ id: string }>('importing a product file', api.upload('/v1/seller/imports', productFile(), 'products.csv', 'text/csv', { token: seller.token }), 202);
  const productImport = await upload(merchant);
  const rivalImport = await upload(rival);

  const queue = await api.get('/v1/ops/compliance/queue?limit=100', { token: opsToken });
  const hold = (queue.body.data as { id: string; product_id: string }[]).find((review) => review.product_id === held.id);
  if (!hold) throw new Error(`the held listing is not in the queue: ${JSON.stringify(queue.body)}`);
  const category = await api.get(`/v1/ops/categories/${CATEGORY}`, { token: opsToken });
  const items = await api.get('/v1/ops/compliance/prohibited-items', { token: opsToken });
  const restrictedItem = (items.body.data as { id: string; action: string }[]).find((item) => item.action === 'restrict');
  if (category.status !== 200 || !restrictedItem) throw new Error(`no category or restricted item: ${JSON.stringify([category.body, items.body])}`);
  const { id: _id, version: _version, active: _active, updated_by: _by, updated_at: _at, ...restriction } = restrictedItem as Record<string, unknown>;

  // The seller's own carrier: the world's clock is before the sample rate sheets take effect.
  const parcel = shipmentToMadrid({ order_ref: 'BAD-INPUT-ORDER', service_code: 'own_carrier' });
  const withUps = (trackingNumber: string) => ({ ...parcel, own_carrier: { carrier_code: 'ups', tracking_number: trackingNumber } });
  const shipment = await created<{ id: string; tracking_number: string }>('buying a label', api.post('/v1/seller/shipments', withUps('1Z999AA10123456784'), { token: merchant.token }));
  const rivalShipment = await created<{ id: string }>('buying a label', api.post('/v1/seller/shipments', withUps('1Z12345E0205271686'), { token: rival.token }));
  // Orders come before the freight template, which ships to Europe only.
  // Orders: the world's buyer has one from the merchant; another buyer has one from the rival.
  const buyerToken = (await app().modules.identity.service.startSession(app().platform.db, buyerAccountId)).token;
  const otherBuyer = await created<{ token: string }>('signing up a buyer', api.post('/v1/store/sign-up', { email: `${unique('buyer')}@buyers.example`, password: 'buyer password 123', display_name: 'Other buyer' }));
  const newYork = { name: 'Jane Doe', lines: ['350 Fifth Avenue'], city: 'New York', region: 'NY', postal_code: '10118', country: 'US', phone: '+1 212 555 0100' };
  const placeOrder = async (token: string, skuId: string) => {
    await created('adding to a cart', api.post('/v1/store/cart/items', { sku_id: skuId, quantity: 1, market: 'US' }, { token }), 200);
    return created<{ checkout: { id: string }; orders: { id: string }[] }>('placing an order', api.post('/v1/store/checkouts', { market: 'US', shipping_address: newYork }, { token }));
  };
  const order = await placeOrder(buyerToken, live.skus[0]!.id);
  const rivalOrder = await placeOrder(otherBuyer.token, rivalProduct.skus[0]!.id);
  await created('adding to a cart', api.post('/v1/store/cart/items', { sku_id: live.skus[1]!.id, quantity: 1, market: 'US' }, { token: buyerToken }), 200);
  const guestCart = await created<{ cart_id: string; cart_token: string }>('starting a guest cart', api.post('/v1/store/guest-carts', {}));
  await created('adding to a guest cart', api.post(`/v1/store/guest-carts/${guestCart.cart_id}/items`, { sku_id: live.skus[1]!.id, quantity: 1, market: 'US' }, { headers: { 'cart-token': guestCart.cart_token } }), 200);
  const otherGuestCart = await created<{ cart_id: string; cart_token: string }>('starting a guest cart', api.post('/v1/store/guest-carts', {}));
  const foshan = { name: 'Foshan Lumen Lighting', lines: ['8 Lighting Road'], city: 'Foshan', postal_code: '528000', country: 'CN', phone: '+86 757 8000 0000' };

  const surcharges = await created<{ definition: unknown }>('reading the surcharges', api.get('/v1/ops/logistics/data/surcharges', { token: opsToken }), 200);
  const freight = { name: 'Europe', handling_days: 3, rules: [{ destinations: ['ES', 'FR'], services: ['line_cn_es_fr', 'caravan_standard'], free_shipping: { kind: 'over', threshold: { amount: 5000, currency: 'CNY' }, service: 'line_cn_es_fr' } }] };
  const template = await created<{ id: string }>('creating a freight template', api.post('/v1/seller/freight-templates', freight, { token: merchant.token }));
  const rivalTemplate = await created<{ id: string }>('creating a freight template', api.post('/v1/seller/freight-templates', freight, { token: rival.token }));
  const quote = { origin_country: 'CN', destination: { country: 'ES', postal_code: '28013' }, date: '2026-11-25', items: [{ weight_g: 60, dimensions_mm: { length: 120, width: 65, height: 65 }, value: { amount: 1290, currency: 'CNY' }, hs_code: '853952', quantity: 2 }] };

  // The imports and the certificate's announcement are worked off now, not during the requests.
  await app().settle();
  const current = await created<ProductView>('reading a product', api.get(`/v1/seller/products/${live.id}`, { token: merchant.token }), 200);
  const sku = current.skus[0]!;
  // A buyer's search that found the live bulb, for clicks on its results.
  const found = await created<{ search_id: string; data: { product_id: string }[] }>('searching', api.get('/v1/store/search?market=US&q=bulb'), 200);
  if (!found.data.some((hit) => hit.product_id === live.id)) throw new Error(`the live bulb is not found: ${JSON.stringify(found)}`);

  const bodies: Record<string, unknown> = {
    'POST /v1/store/cart/items': { sku_id: current.skus[1]!.id, quantity: 1, market: 'US' },
    'PUT /v1/store/cart/items/{skuId}': { quantity: 2, market: 'US' },
    'POST /v1/store/guest-carts/{cartId}/items': { sku_id: current.skus[1]!.id, quantity: 1, market: 'US' },
    'PUT /v1/store/guest-carts/{cartId}/items/{skuId}': { quantity: 2, market: 'US' },
    'POST /v1/store/cart/merge': { guest_cart_id: otherGuestCart.cart_id, cart_token: otherGuestCart.cart_token, market: 'US' },
    'POST /v1/store/checkout/quote': { market: 'US', shipping_address: newYork },
    'POST /v1/store/checkouts': { market: 'US', shipping_address: newYork },
    'POST /v1/seller/orders/{orderId}/shipments': { sender: foshan, weight_g: 200 },
    'POST /v1/seller/orders/{orderId}/cancellation': { accept: false, reason: 'Already packed.' },
    'POST /v1/store/orders/{orderId}/cancel': { reason: 'Ordered by mistake.' },
    'POST /v1/ops/orders/{orderId}/freeze': { reason: 'Checked by the bad-input test.' },
    'POST /v1/ops/orders/{orderId}/unfreeze': { reason: 'Checked by the bad-input test.' },
    'POST /v1/seller/products': { ...ledBulb({ markets: ['US'] }), publish: true },
    'PATCH /v1/seller/products/{productId}': { patch: { titles: { ...ledBulb().titles, en: 'LED bulb 9 W E27 warm white, 2700 K' } }, expected_version: current.version },
    'POST /v1/seller/products/{productId}/certificates': { ...ce, number: 'CE-2025-0043' },
    'POST /v1/seller/certificates': { ...ce, type: 'TEST_REPORT', number: 'TR-2025-0007' },
    'POST /v1/seller/products/batch/prices': { items: [{ product_id: live.id, skus: [{ seller_sku: sku.seller_sku, price: { amount: 1390, currency: 'CNY' } }] }] },
    'POST /v1/seller/products/batch/stock': { items: [{ product_id: live.id, skus: [{ seller_sku: sku.seller_sku, quantity: 7 }] }] },
    'POST /v1/store/products/{productId}/reports': { market: 'US', reason: 'counterfeit', details: 'The logo is misspelt.' },
    'PUT /v1/ops/categories/{code}': { definition: category.body.definition, reason: 'Names checked by the bad-input test.' },
    'PUT /v1/ops/compliance/prohibited-items/{itemId}': { item: restriction, reason: 'Keywords checked by the bad-input test.' },
    'POST /v1/seller/shipments': { ...withUps('1Z12345E6605272234'), order_ref: 'BAD-INPUT-ORDER-2' },
    'POST /v1/seller/logistics/quotes': { ...quote, template_id: template.id },
    'POST /v1/seller/freight-templates': { ...freight, name: 'Europe 2' },
    'PUT /v1/ops/logistics/data/{file}': { definition: surcharges.definition, reason: 'Surcharges checked by the bad-input test.' },
    'PUT /v1/seller/freight-templates/{templateId}': { ...freight, handling_days: 2 },
    'POST /v1/store/shipping-quotes': quote,
    'PUT /v1/ops/fx/snapshots/{date}': { base: 'USD', rates: { ...FX_RATES, BRL: '5.5000' }, source: 'Bad-input test desk', reason: 'Rates checked by the bad-input test.' },
    'POST /v1/store/search/{searchId}/clicks': { product_id: live.id, position: 1 },
  };
  return { guestCart, otherGuestCart, order, rivalOrder, merchant, searchId: found.search_id, live: current, held, rivalProduct, certificate, rivalCertificate, productImport, rivalImport, hold, restrictedItem, shipment, shipmentTrackingNumber: shipment.tracking_number, rivalShipment, template, rivalTemplate, bodies };
}

beforeAll(async () => {
  world = await buildWorld();
});

/** Seller Center operations on a catalogue: only a seller whose store is open has one. */
const CATALOGUE = /^\/v1\/seller\/(products|certificates|imports|exports|inventory|logistics|shipments|carriers|freight-templates|orders|store\/score)(\/|$)/;

/**
 * The credentials of someone each surface lets in. /v1/auth gets a new buyer session each time it
 * is asked: a sign-out that wrongly went through would otherwise fail every request after it.
 */
async function tokenFor(op: Operation): Promise<string | undefined> {
  if (op.isPublic) return undefined;
  if (op.surface === 'ops') return world.tokens.ops;
  if (op.surface === 'seller') return CATALOGUE.test(op.path) ? world.tokens.merchant : world.tokens.seller;
  return (await app().modules.identity.service.startSession(app().platform.db, world.buyerAccountId)).token;
}

function uploadOf(op: Operation): Upload {
  const upload = UPLOADS[op.label];
  if (!upload) throw new Error(`${op.label} takes an upload: add what it is sent to UPLOADS`);
  return upload;
}

function pathValues(op: Operation, name: string): PathValues {
  const values = world.paths[op.surface]?.[name];
  if (!values) throw new Error(`${op.label}: the world has no value for the path parameter ${name}; add one in buildWorld`);
  return values;
}

// ─── Requests ───────────────────────────────────────────────────────────────────────────────────

interface Attempt {
  /** Inserted into the path as given: already encoded, or deliberately not. */
  params: Record<string, string>;
  /** Name and value pairs inserted into the query string as given. */
  query: [string, string][];
  /** An undefined header is not sent. */
  headers: Record<string, string | undefined>;
  payload: string | Buffer | undefined;
}

/** The request every bad request differs from in one place, and the JSON body it sends. */
interface Baseline extends Attempt {
  body: unknown;
}

interface Answer {
  status: number;
  contentType: string;
  requestIdHeader: string | undefined;
  text: string;
  body: any;
}

async function send(op: Operation, attempt: Attempt): Promise<Answer> {
  const route = op.path.replace(/\{(\w+)\}/g, (_, name: string) => attempt.params[name]!);
  const query = attempt.query.map(([name, value]) => `${name}=${value}`).join('&');
  const headers = Object.fromEntries(Object.entries(attempt.headers).filter((header): header is [string, string] => header[1] !== undefined));
  const response = await app().http.inject({ method: op.method, url: query ? `${route}?${query}` : route, headers, ...(attempt.payload === undefined ? {} : { payload: attempt.payload }) });
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    body = undefined;
  }
  const requestId = response.headers['x-request-id'];
  return { status: response.statusCode, contentType: String(response.headers['content-type'] ?? ''), requestIdHeader: typeof requestId === 'string' ? requestId : undefined, text: response.body, body };
}

let keyCounter = 0;
const freshKey = () => `bad-input-${process.pid}-${++keyCounter}`;
const encode = encodeURIComponent;
const MiB = 1024 * 1024;
const UNKNOWN_ULID = '01JD3Z8Q4X5N6M7P8R9S0T1V2W';
const idPrefixOf = (schema: JsonSchema) => /^\^([a-z]+)_/.exec(schema.pattern ?? '')?.[1];

function baselineFor(op: Operation, token: string | undefined): Baseline {
  const params = Object.fromEntries(op.pathParams.map((p) => [p.name, encode(pathValues(op, p.name).valid)]));
  const query = op.query.filter((p) => p.required).map((p): [string, string] => [p.name, encode(world.queries[p.name]?.valid ?? String(exampleOf(p.schema)))]);
  const headers: Record<string, string | undefined> = { authorization: token ? `Bearer ${token}` : undefined };
  for (const header of op.headerParams) headers[header.name] = world.queries[header.name]?.valid ?? String(exampleOf(header.schema));
  if (op.method === 'POST') headers['idempotency-key'] = freshKey();
  if (op.multipart) {
    const { file, name, type } = uploadOf(op);
    const upload = multipartBody(file(), name, type);
    return { params, query, headers: { ...headers, ...upload.headers }, payload: upload.payload, body: undefined };
  }
  if (op.body) {
    const body = op.label in world.bodies ? world.bodies[op.label] : exampleOf(op.body);
    return { params, query, headers: { ...headers, 'content-type': 'application/json' }, payload: JSON.stringify(body), body };
  }
  return { params, query, headers, payload: undefined, body: undefined };
}

/** The baseline changed in one place, with an Idempotency-Key of its own so no answer is replayed. */
function variantOf(base: Baseline, change: Partial<Attempt>): Attempt {
  const headers = { ...base.headers, ...(base.headers['idempotency-key'] ? { 'idempotency-key': freshKey() } : {}), ...change.headers };
  return { params: change.params ?? { ...base.params }, query: change.query ?? [...base.query], headers, payload: 'payload' in change ? change.payload : base.payload };
}

// ─── Schema-driven values ───────────────────────────────────────────────────────────────────────

const PATTERN_EXAMPLES: Record<string, string> = {
  '^gct_[A-Za-z0-9_-]{43}$': 'gct_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  '^[0-9./ -]{11,18}$': '529.982.247-25',
  '^[Pp][0-9]{12}$': 'P123456789012',
  '^[A-Z]{3}$': 'CNY',
  '^[A-Z]{2}$': 'CN',
  '^[a-z]{2}(-[A-Z]{2})?$': 'en',
  '^[a-z0-9_]+(\\.[a-z0-9_]+)*$': CATEGORY,
  '^[a-z0-9_]+(\\.[a-z0-9_]+)+$': 'firearms.flare_gun',
  '^[A-Za-z0-9._/-]{1,64}$': 'BAD-INPUT-1',
  '^[A-Z0-9][A-Z0-9_-]{1,31}$': 'SELLER',
  '^\\d{8,14}$': '6901234567892',
  '^\\d{6,10}$': '853952',
  '^\\d{4,10}$': '8539',
  '^[A-Z]{2}(,[A-Z]{2}){0,9}$': 'CN,ES',
  '^[a-z0-9_]{2,60}$': 'caravan_standard',
  '^[a-z0-9][a-z0-9_-]{1,39}$': 'ups',
  '^[A-Za-z0-9 -]+$': '1Z999AA10123456784',
  '^([A-Z]{2}|\\*)$': 'ES',
  '^\\+?[0-9 ()-]{6,24}$': '+34 600 123 456',
  '^(standard|dedicated_line|overseas_warehouse|express)(,(standard|dedicated_line|overseas_warehouse|express)){0,3}$': 'standard,express',
  '^[A-Za-z0-9][A-Za-z0-9 -]{1,11}$': '10001',
  '^[A-Za-z0-9_-]{8,128}$': 'anon-session-0001',
  '^\\d{1,12}(\\.\\d{1,12})?$': '5.4500',
  '^[0-9 ]{12,23}$': '4242 4242 4242 4242',
  '^[0-9]{3,4}$': '123',
  '^[A-Za-z0-9_]{8,255}$': 'tok_sandbox_4242_203012_0123456789abcdef',
};
const FORMAT_EXAMPLES: Record<string, string> = { email: 'bad.input@example.com', date: '2031-01-01', 'date-time': '2031-01-01T00:00:00Z', uri: 'https://images.example.com/bad-input.jpg' };

const branches = (schema: JsonSchema): JsonSchema[] => schema.anyOf?.flatMap(branches) ?? [schema];
const jsonType = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);
const typesOf = (schema: JsonSchema): string[] =>
  branches(schema).flatMap((s) => (s.type ? [s.type].flat() : [...(s.enum ?? []), ...('const' in s ? [s.const] : [])].map(jsonType)));
const objectBranch = (schema: JsonSchema) => branches(schema).find((s) => s.type === 'object');
const arrayBranch = (schema: JsonSchema) => branches(schema).find((s) => s.type === 'array');

/** The simplest value the schema accepts: required properties only, minimum counts and lengths. */
function exampleOf(schema: JsonSchema): unknown {
  const s = branches(schema).find((branch) => branch.type !== 'null') ?? schema;
  if (s.enum) return s.enum[0];
  if ('const' in s) return s.const;
  if (s.type === 'object') return Object.fromEntries((s.required ?? []).map((name) => [name, exampleOf(s.properties?.[name] ?? {})]));
  if (s.type === 'array') return Array.from({ length: s.minItems ?? 0 }, () => exampleOf(s.items ?? {}));
  if (s.type === 'integer' || s.type === 'number') return s.minimum ?? 1;
  if (s.type === 'boolean') return true;
  const prefix = idPrefixOf(s);
  if (prefix) return `${prefix}_${UNKNOWN_ULID}`;
  const known = s.format ? FORMAT_EXAMPLES[s.format] : s.pattern ? PATTERN_EXAMPLES[s.pattern] : undefined;
  if (known !== undefined) return known;
  if (s.format || s.pattern) throw new Error(`no example for ${JSON.stringify(s)}: add one to FORMAT_EXAMPLES or PATTERN_EXAMPLES`);
  const length = Math.min(Math.max('bad input test'.length, s.minLength ?? 0), s.maxLength ?? Infinity);
  return 'bad input test'.padEnd(length, '.').slice(0, length);
}

/** Every property of a body schema, nested ones and the first item of arrays included. */
function* propertiesOf(schema: JsonSchema, pointer: string[] = []): Generator<{ pointer: string[]; schema: JsonSchema }> {
  for (const [name, property] of Object.entries(objectBranch(schema)?.properties ?? {})) {
    yield { pointer: [...pointer, name], schema: property };
    yield* propertiesOf(property, [...pointer, name]);
  }
  const items = arrayBranch(schema)?.items;
  if (items) {
    yield { pointer: [...pointer, '0'], schema: items };
    yield* propertiesOf(items, [...pointer, '0']);
  }
}

/** A copy of `base` with `value` at `pointer`, filling in missing containers with examples. */
function withValueAt(base: unknown, schema: JsonSchema, pointer: readonly string[], value: unknown): unknown {
  const [head, ...rest] = pointer;
  if (head === undefined) return value;
  const child = objectBranch(schema)?.properties?.[head] ?? arrayBranch(schema)?.items ?? {};
  const copy: any = Array.isArray(base) ? [...base] : typeof base === 'object' && base !== null ? { ...base } : objectBranch(schema) ? {} : [];
  copy[head] = withValueAt(copy[head] ?? exampleOf(child), child, rest, value);
  return copy;
}

/** A value of a JSON type the schema refuses: a number for a string, an object for an array… */
function wrongTypeFor(schema: JsonSchema): unknown {
  const accepted = new Set(typesOf(schema).map((t) => (t === 'integer' ? 'number' : t)));
  if (accepted.size === 0) return undefined;
  const natural = accepted.has('array') ? { not: 'an array' } : accepted.has('object') ? ['not', 'an', 'object'] : accepted.has('string') ? 12345 : 'not the right type';
  return [natural, 12345, 'not the right type', { not: 'an array' }, ['not', 'an', 'object'], true].find((value) => !accepted.has(jsonType(value)));
}

/** Values of the right JSON type that break one of the schema's constraints. */
function constraintBreaches(schema: JsonSchema): [string, unknown][] {
  const breaches: [string, unknown][] = [];
  for (const s of branches(schema)) {
    if (s.enum) breaches.push(['not one of the choices', 'not-one-of-the-choices']);
    if (s.type === 'string') {
      if (s.minLength) breaches.push(['shorter than minLength', 'x'.repeat(s.minLength - 1)]);
      if (s.maxLength !== undefined) breaches.push(['longer than maxLength', 'x'.repeat(s.maxLength + 1)]);
      if (s.pattern) breaches.push(['not matching the pattern', 'does not match!']);
      if (s.format === 'email') breaches.push(['not an e-mail address', 'not-an-email']);
      if (s.format === 'date') breaches.push(['an impossible date', '2025-02-30'], ['not a date', 'tomorrow']);
      if (s.format === 'date-time') breaches.push(['not a date-time', '2025-11-24 25:00']);
    }
    if (s.type === 'integer') breaches.push(['a fraction', 1.5]);
    if ((s.type === 'integer' || s.type === 'number') && s.minimum !== undefined) breaches.push(['below the minimum', s.minimum - 1]);
    if ((s.type === 'integer' || s.type === 'number') && s.maximum !== undefined) breaches.push(['above the maximum', s.maximum + 1]);
    if (s.type === 'array') {
      const item = exampleOf(s.items ?? {});
      if (s.minItems) breaches.push(['fewer items than minItems', []]);
      if (s.maxItems !== undefined) breaches.push(['more items than maxItems', Array.from({ length: s.maxItems + 1 }, () => item)]);
      if (s.uniqueItems) breaches.push(['a repeated item', [item, item]]);
    }
  }
  return breaches;
}

// ─── Bad requests, one generator per part of the request ────────────────────────────────────────

interface Expectation {
  /** The one right status, where there is one; any 4xx otherwise. */
  status?: number;
  code?: string;
  /** A field error the answer must name. */
  error?: { in: string; path: string; code?: string };
}

interface BadRequest {
  variant: string;
  attempt: Attempt;
  expect: Expectation;
  /** Sent (and checked) first: a request the bad one depends on, e.g. to use up an Idempotency-Key. */
  before?: { attempt: Attempt; expect: Expectation };
}

interface Context {
  op: Operation;
  base: Baseline;
  idempotency: { required: boolean; accepted: boolean };
}

const invalidAt = (where: string, pointer: string, code?: string): Expectation => ({
  status: 400,
  code: 'invalid_request',
  error: { in: where, path: pointer, ...(code ? { code } : {}) },
});

function authentication({ op, base }: Context): BadRequest[] {
  const withAuthorization = (authorization: string | undefined) => variantOf(base, { headers: { authorization } });
  const invalid = { status: 401, code: 'invalid_token' };
  return [
    ...(op.isPublic ? [] : [{ variant: 'no Authorization header', attempt: withAuthorization(undefined), expect: { status: 401, code: 'unauthenticated' } }]),
    { variant: 'Authorization: Bearer garbage', attempt: withAuthorization('Bearer garbage'), expect: invalid },
    { variant: 'Authorization: Basic xyz', attempt: withAuthorization('Basic xyz'), expect: invalid },
    { variant: 'Authorization: Bearer without a token', attempt: withAuthorization('Bearer '), expect: invalid },
    { variant: 'a signed-out session token', attempt: withAuthorization(`Bearer ${world.tokens.revoked}`), expect: invalid },
  ];
}

function pathParameters({ op, base }: Context): BadRequest[] {
  return op.pathParams.flatMap((param): BadRequest[] => {
    const at = (value: string) => variantOf(base, { params: { ...base.params, [param.name]: value } });
    const { valid, foreign, unknown: unknownValue, addedByPut } = pathValues(op, param.name);
    const prefix = idPrefixOf(param.schema);
    const malformed: [string, string][] = [
      ['garbage', 'not-an-id'],
      ['lower-cased', valid.toLowerCase()],
      ['upper-cased', valid.toUpperCase()],
      ['one character too many', `${valid}X`],
      ...(prefix ? ([['a prefix without an id', `${prefix}_123`], ['an id of another kind', `${prefix === 'acc' ? 'sel' : 'acc'}_${UNKNOWN_ULID}`]] as [string, string][]) : []),
      ...(param.schema.format === 'date' ? ([['an impossible date', '2025-02-30']] as [string, string][]) : []),
    ];
    const unknown = prefix ? `${prefix}_${UNKNOWN_ULID}` : op.method === 'PUT' && addedByPut ? undefined : unknownValue;
    return [
      ...malformed.filter(([, value]) => value !== valid).map(([label, value]) => ({ variant: `path ${param.name} ${label} (${value})`, attempt: at(encode(value)), expect: invalidAt('path', `/${param.name}`) })),
      { variant: `path ${param.name} with broken percent-encoding (%E0%A4%A)`, attempt: at('%E0%A4%A'), expect: { status: 400 } },
      { variant: `path ${param.name} longer than the router accepts (300 characters)`, attempt: at('x'.repeat(300)), expect: {} },
      ...(unknown ? [{ variant: `path ${param.name} well-formed but unknown (${unknown})`, attempt: at(encode(unknown)), expect: { status: 404, code: 'not_found' } }] : []),
      ...(foreign ? [{ variant: `path ${param.name} of someone else (${foreign})`, attempt: at(encode(foreign)), expect: { status: 404, code: 'not_found' } }] : []),
    ];
  });
}

function queryParameters({ op, base }: Context): BadRequest[] {
  const withQuery = (pairs: [string, string][]) => variantOf(base, { query: pairs });
  const requests: BadRequest[] = [
    { variant: 'query with an unknown parameter (unexpected=1)', attempt: withQuery([...base.query, ['unexpected', '1']]), expect: invalidAt('query', '/unexpected', 'unknown_field') },
  ];
  for (const param of op.query) {
    const others = base.query.filter(([name]) => name !== param.name);
    const types = typesOf(param.schema);
    const bad: [string, string][] = constraintBreaches(param.schema).map(([label, value]) => [label, encode(String(value))]);
    if (types.includes('integer')) bad.push(['not a number', 'abc'], ['in hexadecimal', '0x10'], ['a boolean', 'true']);
    if (types.includes('boolean')) bad.push(['not a boolean', 'maybe']);
    if (param.name === 'cursor') {
      const base64 = (text: string) => Buffer.from(text).toString('base64url');
      bad.push(['not base64', '%%%'], ['base64 of junk', base64('junk')], ['a forged one-key cursor', base64('["junk"]')], ['a forged two-key cursor', base64('["junk","junk"]')], ['a cursor of objects', base64('[{},{}]')]);
    }
    for (const [label, value] of bad) {
      requests.push({ variant: `query ${param.name} ${label} (${value.length > 40 ? `${value.length} characters` : value})`, attempt: withQuery([...others, [param.name, value]]), expect: { status: 400, error: { in: 'query', path: `/${param.name}` } } });
    }
    if (types.includes('string')) requests.push({ variant: `query ${param.name} with a NUL character`, attempt: withQuery([...others, [param.name, 'bad%00input']]), expect: {} });
    const example = encode(String(exampleOf(param.schema)));
    requests.push({ variant: `query ${param.name} given twice`, attempt: withQuery([...others, [param.name, example], [param.name, example]]), expect: invalidAt('query', `/${param.name}`) });
    if (param.required) requests.push({ variant: `query ${param.name} missing`, attempt: withQuery(others), expect: invalidAt('query', `/${param.name}`, 'required') });
    // A required id names the record the request is about, as a path id does.
    const prefix = idPrefixOf(param.schema);
    if (param.required && prefix) {
      const named = [`${prefix}_${UNKNOWN_ULID}`, world.queries[param.name]?.foreign];
      const labels = ['well-formed but unknown', 'of someone else'];
      named.forEach((value, i) => {
        if (value) requests.push({ variant: `query ${param.name} ${labels[i]} (${value})`, attempt: withQuery([...others, [param.name, encode(value)]]), expect: { status: 404, code: 'not_found' } });
      });
    }
  }
  return requests;
}

/** What every body-taking method must refuse, whatever the operation's body. */
function bodyFraming({ op, base }: Context): BadRequest[] {
  if (op.method === 'GET' || op.method === 'DELETE') return [];
  const raw = (payload: string, contentType: string) => variantOf(base, { payload, headers: { 'content-type': contentType } });
  const json = JSON.stringify(base.body ?? {});
  const unsupported = { status: 415, code: 'unsupported_media_type' };
  const limit = BODY_LIMITS[op.label] ?? app().config.bodyLimitBytes;
  return [
    { variant: 'malformed JSON', attempt: raw('{"unterminated": ', 'application/json'), expect: { status: 400, code: 'malformed_body' } },
    { variant: 'an empty body declared as JSON', attempt: raw('', 'application/json'), expect: { status: 400, code: 'malformed_body' } },
    { variant: 'a __proto__ key', attempt: raw(`{"__proto__": {"polluted": true}${json === '{}' ? '' : `, ${json.slice(1, -1)}`}}`, 'application/json'), expect: { status: 400, code: 'malformed_body' } },
    { variant: `a body over the ${limit / MiB} MiB limit`, attempt: raw(JSON.stringify({ ...(base.body as object), padding: 'x'.repeat(limit + MiB) }), 'application/json'), expect: { status: 413, code: 'payload_too_large' } },
    { variant: 'Content-Type: text/plain', attempt: raw(json, 'text/plain'), expect: unsupported },
    { variant: 'Content-Type: application/xml', attempt: raw('<body/>', 'application/xml'), expect: unsupported },
    { variant: 'Content-Type: application/x-www-form-urlencoded', attempt: raw('a=1', 'application/x-www-form-urlencoded'), expect: unsupported },
  ];
}

function jsonBody({ op, base }: Context): BadRequest[] {
  if (op.method === 'GET' || op.method === 'DELETE' || op.multipart) return [];
  const withBody = (value: unknown) => variantOf(base, { payload: JSON.stringify(value), headers: { 'content-type': 'application/json' } });
  const schema = op.body;
  // An operation that declares no body takes none (at most `{}`): what is sent anyway must not be ignored.
  const notAnObject = schema ? { status: 400, code: 'invalid_request' } : { status: 400 };
  const requests: BadRequest[] = [
    { variant: 'a JSON array instead of an object', attempt: withBody([base.body ?? {}]), expect: notAnObject },
    { variant: 'JSON null', attempt: withBody(null), expect: notAnObject },
    { variant: 'a JSON string', attempt: withBody('text'), expect: notAnObject },
    { variant: 'an unknown property', attempt: withBody({ ...(base.body as object), unexpected_field: 1 }), expect: schema ? invalidAt('body', '/unexpected_field', 'unknown_field') : { status: 400 } },
  ];
  if (!schema) return requests;
  const required = objectBranch(schema)?.required ?? [];
  if (required.length > 0) requests.push({ variant: 'every required property missing ({})', attempt: withBody({}), expect: invalidAt('body', `/${required[0]}`, 'required') });
  for (const { pointer, schema: property } of propertiesOf(schema)) {
    const name = `/${pointer.join('/')}`;
    const at = (value: unknown) => withBody(withValueAt(base.body, schema, pointer, value));
    const wrong = wrongTypeFor(property);
    if (wrong !== undefined) requests.push({ variant: `body ${name} of the wrong type (${JSON.stringify(wrong)})`, attempt: at(wrong), expect: invalidAt('body', name) });
    for (const [label, value] of constraintBreaches(property)) {
      const shown = JSON.stringify(value);
      requests.push({ variant: `body ${name} ${label} (${shown.length > 40 ? `${shown.length} characters` : shown})`, attempt: at(value), expect: invalidAt('body', name) });
    }
    // PostgreSQL stores no NUL character in text or jsonb: it must be refused before it gets there.
    if (typesOf(property).includes('string')) requests.push({ variant: `body ${name} with a NUL character`, attempt: at('bad\u0000input'), expect: {} });
    if (objectBranch(property)?.additionalProperties === false) {
      requests.push({ variant: `body ${name} with an unknown property`, attempt: at({ ...(exampleOf(property) as object), unexpected_field: 1 }), expect: invalidAt('body', `${name}/unexpected_field`, 'unknown_field') });
    }
  }
  return requests;
}

function upload({ op, base }: Context): BadRequest[] {
  if (!op.multipart) return [];
  const { file, name, type, checksKind } = uploadOf(op);
  const withFile = (content: Buffer, field = 'file') => {
    const { payload, headers } = multipartBody(content, name, type, field);
    return variantOf(base, { payload, headers });
  };
  const one = multipartBody(file(), name, type);
  const boundary = one.headers['content-type'].split('boundary=')[1]!;
  const closing = `--${boundary}--\r\n`;
  const secondFile = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="again-${name}"\r\nContent-Type: ${type}\r\n\r\n${file().toString('latin1')}\r\n`;
  const twoFiles = Buffer.concat([one.payload.subarray(0, one.payload.length - closing.length), Buffer.from(secondFile + closing, 'latin1')]);
  return [
    { variant: 'JSON instead of multipart', attempt: variantOf(base, { payload: '{}', headers: { 'content-type': 'application/json' } }), expect: { status: 415, code: 'unsupported_media_type' } },
    { variant: 'multipart without a part named file', attempt: withFile(file(), 'document'), expect: { status: 400, code: 'file_missing' } },
    { variant: 'multipart with an empty file', attempt: withFile(Buffer.alloc(0)), expect: { status: 422, code: 'empty_file' } },
    ...(checksKind ? [{ variant: `multipart with text posing as ${name}`, attempt: withFile(Buffer.from('just text, not a PDF')), expect: { status: 415, code: 'unsupported_media_type' } }] : []),
    { variant: 'multipart with a file over the 10 MiB upload limit', attempt: withFile(Buffer.concat([file(), Buffer.alloc(10 * MiB)])), expect: { status: 413, code: 'payload_too_large' } },
    { variant: 'multipart with two files', attempt: variantOf(base, { payload: twoFiles, headers: one.headers }), expect: { status: 413, code: 'too_many_files' } },
    { variant: 'multipart without a boundary', attempt: variantOf(base, { headers: { 'content-type': 'multipart/form-data' } }), expect: { status: 400 } },
    { variant: 'multipart cut off before its end', attempt: variantOf(base, { payload: one.payload.subarray(0, one.payload.length - 20), headers: one.headers }), expect: { status: 400 } },
  ];
}

function idempotencyKey({ op, base, idempotency }: Context): BadRequest[] {
  const withKey = (key: string | undefined) => variantOf(base, { headers: { 'idempotency-key': key } });
  const invalid = { status: 400, code: 'idempotency_key_invalid' };
  const requests: BadRequest[] = [];
  if (idempotency.required) requests.push({ variant: 'no Idempotency-Key', attempt: withKey(undefined), expect: { status: 400, code: 'idempotency_key_missing' } });
  if (!idempotency.accepted) return requests;
  requests.push(
    { variant: 'an Idempotency-Key of 300 characters', attempt: withKey('k'.repeat(300)), expect: invalid },
    { variant: 'an Idempotency-Key with a space', attempt: withKey('two words'), expect: invalid },
  );
  const idParam = op.pathParams.find((p) => idPrefixOf(p.schema));
  if (idParam) {
    // The key first answers for a record that does not exist; the same key must not then run this request.
    const key = freshKey();
    const first = variantOf(base, { params: { ...base.params, [idParam.name]: `${idPrefixOf(idParam.schema)}_${UNKNOWN_ULID}` }, headers: { 'idempotency-key': key } });
    requests.push({ variant: 'an Idempotency-Key reused for another request', before: { attempt: first, expect: { status: 404 } }, attempt: withKey(key), expect: { status: 422, code: 'idempotency_key_reused' } });
  }
  return requests;
}

const GENERATORS: ((context: Context) => BadRequest[])[] = [authentication, pathParameters, queryParameters, bodyFraming, jsonBody, upload, idempotencyKey];

/**
 * Which POSTs require or accept an Idempotency-Key: the OpenAPI document does not say, so each is
 * asked, for a record that does not exist, once without a key and once with an invalid one. POSTs
 * without path ids are asked for real: the answers come before the database is compared.
 */
async function idempotencyOf(op: Operation, base: Baseline): Promise<Context['idempotency']> {
  if (op.method !== 'POST') return { required: false, accepted: false };
  // An upload is read in the handler, after the key is checked: one without its file is refused there.
  const noFile = op.multipart ? multipartBody(Buffer.from('probe'), 'probe.txt', 'text/plain', 'not-the-file') : undefined;
  const ask = async (key: string | undefined) => {
    const token = op.surface === 'auth' ? await tokenFor(op) : undefined;
    const unknownIds = Object.fromEntries(op.pathParams.map((p) => [p.name, idPrefixOf(p.schema) ? `${idPrefixOf(p.schema)}_${UNKNOWN_ULID}` : base.params[p.name]!]));
    const attempt = variantOf(base, { params: unknownIds, headers: { 'idempotency-key': key, ...noFile?.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) }, ...(noFile ? { payload: noFile.payload } : {}) });
    return (await send(op, attempt)).body?.code as string | undefined;
  };
  return { required: (await ask(undefined)) === 'idempotency_key_missing', accepted: (await ask('k'.repeat(300))) === 'idempotency_key_invalid' };
}

// ─── Checking answers and the database ──────────────────────────────────────────────────────────

function problemsWith(answer: Answer, op: Operation, attempt: Attempt, expectation: Expectation): string[] {
  const problems: string[] = [];
  if (answer.status < 400 || answer.status > 499) problems.push(`status ${answer.status} is not 4xx`);
  else if (expectation.status !== undefined && answer.status !== expectation.status) problems.push(`status ${answer.status}, expected ${expectation.status}`);
  if (!answer.contentType.startsWith('application/problem+json')) return [...problems, `not a problem document (content-type "${answer.contentType}")`];
  const body = answer.body;
  if (body === null || typeof body !== 'object') return [...problems, 'the body is not a JSON object'];
  for (const field of ['type', 'title', 'code', 'instance', 'request_id'] as const) {
    if (typeof body[field] !== 'string' || body[field] === '') problems.push(`no ${field}`);
  }
  if (typeof body.detail !== 'string') problems.push('no detail');
  if (body.status !== answer.status) problems.push(`problem status ${body.status} differs from HTTP ${answer.status}`);
  if (body.request_id !== answer.requestIdHeader) problems.push(`request_id ${body.request_id} differs from x-request-id ${answer.requestIdHeader}`);
  const requestPath = op.path.replace(/\{(\w+)\}/g, (_, name: string) => attempt.params[name]!);
  if (body.instance !== requestPath) problems.push(`instance ${body.instance} is not the request path`);
  if (expectation.code !== undefined && body.code !== expectation.code) problems.push(`code ${body.code}, expected ${expectation.code}`);
  if (!Array.isArray(body.errors)) return [...problems, 'errors is not an array'];
  for (const error of body.errors) {
    const wellFormed = ['body', 'query', 'path', 'header'].includes(error?.in) && typeof error.path === 'string' && typeof error.code === 'string' && error.code !== '' && typeof error.message === 'string' && error.message !== '';
    if (!wellFormed) problems.push(`malformed field error ${JSON.stringify(error)}`);
  }
  if ((body.code === 'invalid_request' || body.code === 'validation_failed') && body.errors.length === 0) problems.push(`${body.code} without errors[]`);
  const wanted = expectation.error;
  if (wanted && !body.errors.some((e: any) => e.in === wanted.in && e.path === wanted.path && (wanted.code === undefined || e.code === wanted.code))) {
    problems.push(`no field error ${JSON.stringify(wanted)}`);
  }
  return problems;
}

/**
 * Tables that legitimately record refused requests: failed sign-ins are counted on purpose, and a
 * refused request may leave or remove its idempotency record.
 */
const UNWATCHED_TABLES = new Set(['sign_in_failures', 'idempotency_keys']);

let snapshotQuery: ReturnType<typeof sql.raw> | undefined;

async function buildSnapshotQuery() {
  const tables = await queryRows<{ name: string; key: string[] | null }>(
    app().platform.db,
    sql`SELECT c.relname AS name,
               (SELECT array_agg(a.attname::text ORDER BY array_position(i.indkey::int2[], a.attnum))
                  FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
                 WHERE i.indrelid = c.oid AND i.indisprimary) AS key
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
         ORDER BY c.relname`,
  );
  const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;
  return sql.raw(
    tables
      .filter((table) => !UNWATCHED_TABLES.has(table.name))
      .map((table) => {
        const order = table.key?.length ? table.key.map((column) => `t.${quote(column)}`).join(', ') : 't::text';
        return `SELECT '${table.name}' AS name, count(*)::int AS rows, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY ${order}), '')) AS digest FROM ${quote(table.name)} t`;
      })
      .join('\nUNION ALL\n'),
  );
}

/** Row count and digest of every watched table, ordered by primary key, and the files uploaded. */
async function snapshot(): Promise<Map<string, string>> {
  snapshotQuery ??= await buildSnapshotQuery();
  const rows = await queryRows<{ name: string; rows: number; digest: string }>(app().platform.db, snapshotQuery);
  const state = new Map(rows.map((row) => [row.name, `${row.rows} rows, md5 ${row.digest}`]));
  const uploads = path.join(app().config.dataDir, 'uploads');
  state.set('uploaded files', `${existsSync(uploads) ? readdirSync(uploads, { recursive: true }).length : 0} entries`);
  return state;
}

function changes(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after].filter(([name, state]) => before.get(name) !== state).map(([name, state]) => `${name} (${before.get(name)} → ${state})`);
}

// ─── The tests ──────────────────────────────────────────────────────────────────────────────────

it('covers every /v1 route the server has', () => {
  expect(operations.map((op) => op.label).sort()).toEqual(registeredRoutes());
  expect(new Set(operations.map((op) => op.surface))).toEqual(new Set(['auth', 'store', 'seller', 'ops', 'webhooks']));
});

/** Operations whose bad requests changed the database: what later operations see may follow from that. */
let operationsThatChangedSomething = 0;

it.each(operations)('$label refuses bad input with a problem document and changes nothing', async (op) => {
  const token = await tokenFor(op);
  const base = baselineFor(op, token);
  const context: Context = { op, base, idempotency: await idempotencyOf(op, base) };
  const badRequests = GENERATORS.flatMap((generate) => generate(context));

  // The state is compared around every request rather than the whole batch, so that a change is
  // reported with the request that made it.
  const violations: string[] = [];
  let changedSomething = false;
  let before = await snapshot();
  for (const bad of badRequests) {
    for (const step of [bad.before, { attempt: bad.attempt, expect: bad.expect }]) {
      if (!step) continue;
      let attempt = step.attempt;
      if (op.surface === 'auth' && token) {
        attempt = { ...attempt, headers: { ...attempt.headers, authorization: attempt.headers.authorization?.replace(token, (await tokenFor(op))!) } };
        before = await snapshot();
      }
      const answer = await send(op, attempt);
      // A signed webhook refuses anything unsigned before it reads what it was sent: any clean 4xx will do.
      const problems = problemsWith(answer, op, attempt, op.surface === 'webhooks' ? {} : step.expect);
      const after = await snapshot();
      const changed = changes(before, after);
      if (changed.length > 0) problems.push(`changed ${changed.join('; ')}`);
      changedSomething ||= changed.length > 0;
      before = after;
      if (problems.length > 0) violations.push(`${op.label} — ${bad.variant}: ${problems.join('; ')} — got ${answer.status} ${answer.contentType} ${answer.text.slice(0, 240)}`);
    }
  }

  const earlier = operationsThatChangedSomething > 0 ? ` (bad requests to ${operationsThatChangedSomething} earlier operations changed the database: some answers here may follow from that)` : '';
  if (changedSomething) operationsThatChangedSomething++;
  expect(violations, `${violations.length} of ${badRequests.length} bad requests were not refused cleanly${earlier}`).toEqual([]);
});

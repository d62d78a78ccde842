/**
 * HTTP client of a tracking aggregator: one service that tracks numbers of many carriers, answers
 * batch queries and pushes updates by webhook (the kind 17TRACK and AfterShip offer).
 *
 * The API below is our own description of such a service, written for this adapter; a real
 * aggregator plugs in by adjusting the paths, field names and carrier keys here, not the callers.
 *
 *   Every request:  POST, JSON body, header `X-Api-Key: <key>`; answers are JSON.
 *
 *   POST /v1/trackings/register   start tracking (the aggregator then sends webhooks)
 *     { "items": [ { "number": "LP00462538470686", "carrier": "cainiao" } ] }       1 to 40 items
 *     200 { "data": { "accepted": [ { "number", "carrier" } ],
 *                     "rejected": [ { "number", "carrier", "error": { "code", "message" } } ] } }
 *     A number registered before comes back rejected with code "already_registered".
 *
 *   POST /v1/trackings/query      latest events
 *     { "items": [ ... as above ... ] }                                               1 to 40 items
 *     200 { "data": { "trackings": [ Tracking ], "not_found": [ { "number", "carrier" } ] } }
 *
 *   Tracking  { "number", "carrier", "events": [ Event ] }
 *   Event     { "id": "ev_…", "status_code": "…" | null, "description": "…" | null,
 *               "location": "…" | null, "address"?: { "city", "state", "postal_code", "country" },
 *               "occurred_at": "2026-11-20T10:33:00+08:00"                  (with its offset), or
 *               "occurred_at_local": "2026-11-20 10:33:00", "utc_offset": "+08:00" }
 *             Other fields (the aggregator's own status guess) are ignored: status.ts decides.
 *
 *   Errors    { "error": { "code": "…", "message": "…" } } with the HTTP status:
 *             401 bad key, 400 bad request, 429 with Retry-After (seconds or an HTTP date), 5xx.
 *
 *   Webhook   POST to our URL: { "id": "dlv_…", "type": "tracking.updated", "created_at": "…",
 *                                "data": { "trackings": [ Tracking ] } }
 *             header `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>`
 *             (signature.ts). Other types (e.g. "ping") are deliveries with no snapshots.
 *             Deliveries are retried with the same id; they may repeat or reorder events.
 *
 * Errors this client throws all extend AggregatorError, whose `retryable` tells the calling job
 * whether to try again: AggregatorRateLimited (429, with the delay asked for),
 * AggregatorUnavailable (5xx, timeout, network), AggregatorRequestRejected (other 4xx: fix the
 * request or the key), AggregatorResponseInvalid (an answer we cannot read).
 */
import { distinctNumbers, headerValue, numberKey, WebhookRejected } from './provider.ts';
import type {
  RegistrationResult,
  RejectedNumber,
  TrackedNumber,
  TrackingProvider,
  TrackingSnapshot,
  WebhookDelivery,
  WebhookHeaders,
} from './provider.ts';
import { verifySignatureHeader } from './signature.ts';
import type { RawCarrierEvent } from '../status.ts';

/** Most numbers the aggregator takes in one register or query call. */
export const AGGREGATOR_BATCH_LIMIT = 40;
export const AGGREGATOR_SIGNATURE_HEADER = 'x-signature';
export const AGGREGATOR_API_KEY_HEADER = 'x-api-key';
export const DEFAULT_AGGREGATOR_TIMEOUT_MS = 15_000;
/** Used when a 429 answer gives no readable Retry-After. */
export const DEFAULT_RETRY_AFTER_MS = 60_000;

/**
 * Our registry codes that the aggregator spells differently; every other code is the same on both
 * sides. Check it against the aggregator's carrier list when a real one is chosen.
 */
export const AGGREGATOR_CARRIER_KEYS: Readonly<Record<string, string>> = {
  'ems-china': 'china-ems',
  '4px': 'fourpx',
  'dhl-express': 'dhl',
  'jt-express': 'jtexpress',
  'sf-international': 'sfb2c',
  'hong-kong-post': 'hongkong-post',
};

export interface AggregatorConfig {
  /** e.g. "https://api.aggregator.example"; a path prefix is kept ("https://host/tracking/"). */
  baseUrl: string;
  apiKey: string;
  /** The secret the aggregator signs webhook deliveries with. */
  webhookSecret: string;
  /** Per request, including reading the answer. */
  timeoutMs?: number;
  /** Extra or overriding entries of AGGREGATOR_CARRIER_KEYS: our code → the aggregator's key. */
  carrierKeys?: Readonly<Record<string, string>>;
  /** The clock for webhook timestamps and Retry-After dates. */
  now?: () => Date;
}

/* ------------------------------------------------------------------------------------------------
 * Errors
 * --------------------------------------------------------------------------------------------- */

export abstract class AggregatorError extends Error {
  /** True when the same call may succeed later unchanged. */
  abstract readonly retryable: boolean;
  /** The HTTP status, when the aggregator answered. */
  readonly status: number | undefined;

  constructor(message: string, status?: number, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
  }
}

/** 429: try again after `retryAfterMs`, not before. */
export class AggregatorRateLimited extends AggregatorError {
  override name = 'AggregatorRateLimited';
  readonly retryable = true;
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number) {
    super(message, 429);
    this.retryAfterMs = retryAfterMs;
  }
}

/** 5xx, a timeout or a network failure: try again later, with back-off. */
export class AggregatorUnavailable extends AggregatorError {
  override name = 'AggregatorUnavailable';
  readonly retryable = true;
  readonly reason: 'server_error' | 'timeout' | 'network';

  constructor(reason: 'server_error' | 'timeout' | 'network', message: string, status?: number, options?: ErrorOptions) {
    super(message, status, options);
    this.reason = reason;
  }
}

/** Any other 4xx (bad key, bad request): the same call will fail again. */
export class AggregatorRequestRejected extends AggregatorError {
  override name = 'AggregatorRequestRejected';
  readonly retryable = false;
  /** The aggregator's error code, when it gave one. */
  readonly code: string | undefined;

  constructor(message: string, status: number, code: string | undefined) {
    super(message, status);
    this.code = code;
  }
}

/** A 2xx answer that is not JSON or not the documented shape. */
export class AggregatorResponseInvalid extends AggregatorError {
  override name = 'AggregatorResponseInvalid';
  readonly retryable = false;
}

/* ------------------------------------------------------------------------------------------------
 * Reading JSON shapes
 * --------------------------------------------------------------------------------------------- */

class ShapeError extends Error {}

type Json = Record<string, unknown>;

function object(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ShapeError(`${path} must be an object`);
  return value as Json;
}

function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new ShapeError(`${path} must be an array`);
  return value;
}

function string(value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '') throw new ShapeError(`${path} must be a non-empty string`);
  return value;
}

/** A string or absent; null and "" count as absent. */
function optionalString(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new ShapeError(`${path} must be a string or null`);
  return value;
}

interface WireTracking {
  number: string;
  carrierKey: string;
  events: RawCarrierEvent[];
}

function readAddress(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const address = object(value, path);
  const parts = ['city', 'state', 'postal_code', 'country'].map((field) => optionalString(address[field], `${path}.${field}`));
  const joined = parts.filter((part): part is string => part !== undefined).join(', ');
  return joined === '' ? undefined : joined;
}

function readEvent(value: unknown, path: string): RawCarrierEvent {
  const event = object(value, path);
  const eventId = optionalString(event.id, `${path}.id`);
  const code = optionalString(event.status_code, `${path}.status_code`);
  const text = optionalString(event.description, `${path}.description`);
  const location = optionalString(event.location, `${path}.location`) ?? readAddress(event.address, `${path}.address`);
  const occurredAt = optionalString(event.occurred_at, `${path}.occurred_at`);
  const local = optionalString(event.occurred_at_local, `${path}.occurred_at_local`);
  const utcOffset = optionalString(event.utc_offset, `${path}.utc_offset`);
  let time: Pick<RawCarrierEvent, 'time' | 'utcOffset'>;
  if (occurredAt !== undefined) time = { time: occurredAt, ...(utcOffset !== undefined ? { utcOffset } : {}) };
  else if (local !== undefined && utcOffset !== undefined) time = { time: local, utcOffset };
  else throw new ShapeError(`${path} must have occurred_at, or occurred_at_local with utc_offset`);
  return {
    ...(eventId !== undefined ? { eventId } : {}),
    ...(code !== undefined ? { code } : {}),
    ...(text !== undefined ? { text } : {}),
    ...(location !== undefined ? { location } : {}),
    ...time,
  };
}

function readTracking(value: unknown, path: string): WireTracking {
  const tracking = object(value, path);
  return {
    number: string(tracking.number, `${path}.number`),
    carrierKey: string(tracking.carrier, `${path}.carrier`),
    events: array(tracking.events ?? [], `${path}.events`).map((event, i) => readEvent(event, `${path}.events[${i}]`)),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ShapeError('is not JSON');
  }
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}

/* ------------------------------------------------------------------------------------------------
 * The client
 * --------------------------------------------------------------------------------------------- */

/** Reads Retry-After: delay seconds or an HTTP date; undefined when it says neither. */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date) || !/[a-z]/i.test(trimmed)) return undefined;
  return Math.max(0, date - now.getTime());
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export class AggregatorTrackingProvider implements TrackingProvider {
  readonly name = 'aggregator';
  readonly #base: URL;
  readonly #apiKey: string;
  readonly #webhookSecret: string;
  readonly #timeoutMs: number;
  readonly #toKey: ReadonlyMap<string, string>;
  readonly #fromKey: ReadonlyMap<string, string>;
  readonly #now: () => Date;

  constructor(config: AggregatorConfig) {
    if (config.apiKey.trim() === '') throw new Error('The tracking aggregator needs an API key.');
    if (config.webhookSecret.trim() === '') throw new Error('The tracking aggregator needs a webhook secret.');
    let base: URL;
    try {
      base = new URL(config.baseUrl.endsWith('/') ? config.baseUrl : `${config.baseUrl}/`);
    } catch {
      throw new Error(`The tracking aggregator's base URL ${JSON.stringify(config.baseUrl)} is not a URL.`);
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new Error(`The tracking aggregator's base URL must be http(s), got ${base.protocol}`);
    this.#base = base;
    this.#apiKey = config.apiKey;
    this.#webhookSecret = config.webhookSecret;
    this.#timeoutMs = config.timeoutMs ?? DEFAULT_AGGREGATOR_TIMEOUT_MS;
    const keys = { ...AGGREGATOR_CARRIER_KEYS, ...config.carrierKeys };
    this.#toKey = new Map(Object.entries(keys));
    this.#fromKey = new Map(Object.entries(keys).map(([code, key]) => [key, code]));
    this.#now = config.now ?? (() => new Date());
  }

  /** The aggregator's key for one of our carrier codes. */
  carrierKey(carrierCode: string): string {
    return this.#toKey.get(carrierCode) ?? carrierCode;
  }

  /** Our carrier code for one of the aggregator's keys (unknown keys pass through unchanged). */
  carrierCode(carrierKey: string): string {
    return this.#fromKey.get(carrierKey) ?? carrierKey;
  }

  async register(numbers: readonly TrackedNumber[]): Promise<RegistrationResult> {
    const rejected: RejectedNumber[] = [];
    for (const batch of chunks(distinctNumbers(numbers), AGGREGATOR_BATCH_LIMIT)) {
      const answer = await this.#post('v1/trackings/register', batch, 'register');
      const asked = new Map(batch.map((number) => [this.#wireKey(this.carrierKey(number.carrierCode), number.trackingNumber), number]));
      try {
        const data = object(object(answer, 'answer').data, 'data');
        array(data.accepted ?? [], 'data.accepted');
        array(data.rejected ?? [], 'data.rejected').forEach((value, i) => {
          const path = `data.rejected[${i}]`;
          const item = object(value, path);
          const number = asked.get(this.#wireKey(string(item.carrier, `${path}.carrier`), string(item.number, `${path}.number`)));
          const error = object(item.error, `${path}.error`);
          const code = string(error.code, `${path}.error.code`);
          if (!number || code === 'already_registered') return;
          rejected.push({ number, code, message: optionalString(error.message, `${path}.error.message`) ?? code });
        });
      } catch (error) {
        throw this.#invalid('register', error);
      }
    }
    return { rejected };
  }

  async fetch(numbers: readonly TrackedNumber[]): Promise<TrackingSnapshot[]> {
    const wanted = distinctNumbers(numbers);
    const found = new Map<string, RawCarrierEvent[]>();
    for (const batch of chunks(wanted, AGGREGATOR_BATCH_LIMIT)) {
      const answer = await this.#post('v1/trackings/query', batch, 'query');
      let trackings: WireTracking[];
      try {
        const data = object(object(answer, 'answer').data, 'data');
        trackings = array(data.trackings ?? [], 'data.trackings').map((value, i) => readTracking(value, `data.trackings[${i}]`));
        array(data.not_found ?? [], 'data.not_found');
      } catch (error) {
        throw this.#invalid('query', error);
      }
      for (const tracking of trackings) {
        const key = this.#wireKey(tracking.carrierKey, tracking.number);
        found.set(key, [...(found.get(key) ?? []), ...tracking.events]);
      }
    }
    return wanted.map((number) => ({
      carrierCode: number.carrierCode,
      trackingNumber: number.trackingNumber,
      events: found.get(this.#wireKey(this.carrierKey(number.carrierCode), number.trackingNumber)) ?? [],
    }));
  }

  readWebhook(rawBody: Buffer, headers: WebhookHeaders): WebhookDelivery {
    verifySignatureHeader(this.#webhookSecret, rawBody, headerValue(headers, AGGREGATOR_SIGNATURE_HEADER), this.#now());
    try {
      const body = object(parseJson(rawBody.toString('utf8')), 'the body');
      const deliveryId = string(body.id, 'id');
      const type = string(body.type, 'type');
      if (type !== 'tracking.updated') return { deliveryId, snapshots: [] };
      const data = object(body.data, 'data');
      const snapshots = array(data.trackings, 'data.trackings').map((value, i) => {
        const tracking = readTracking(value, `data.trackings[${i}]`);
        return { carrierCode: this.carrierCode(tracking.carrierKey), trackingNumber: tracking.number, events: tracking.events };
      });
      return { deliveryId, snapshots };
    } catch (error) {
      if (error instanceof ShapeError) throw new WebhookRejected('unreadable_body', `The aggregator's webhook body cannot be read: ${error.message}.`);
      throw error;
    }
  }

  #wireKey(carrierKey: string, number: string): string {
    return numberKey({ carrierCode: carrierKey, trackingNumber: number });
  }

  #invalid(call: string, error: unknown): unknown {
    if (error instanceof ShapeError) return new AggregatorResponseInvalid(`The tracking aggregator's ${call} answer is not what its API describes: ${error.message}.`, 200);
    return error;
  }

  async #post(path: string, batch: readonly TrackedNumber[], call: string): Promise<unknown> {
    const url = new URL(path, this.#base);
    const items = batch.map((number) => ({ number: number.trackingNumber, carrier: this.carrierKey(number.carrierCode) }));
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', [AGGREGATOR_API_KEY_HEADER]: this.#apiKey },
        body: JSON.stringify({ items }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
        throw new AggregatorUnavailable('timeout', `The tracking aggregator did not answer the ${call} call within ${this.#timeoutMs} ms.`, undefined, { cause: error });
      }
      const detail = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      throw new AggregatorUnavailable('network', `The tracking aggregator could not be reached for the ${call} call: ${detail}.`, undefined, { cause: error });
    }

    if (response.ok) {
      try {
        return parseJson(text);
      } catch {
        throw new AggregatorResponseInvalid(`The tracking aggregator answered the ${call} call with a body that is not JSON: ${JSON.stringify(snippet(text))}.`, response.status);
      }
    }

    let code: string | undefined;
    let message: string | undefined;
    try {
      const error = object(object(parseJson(text), 'answer').error, 'error');
      code = optionalString(error.code, 'error.code');
      message = optionalString(error.message, 'error.message');
    } catch {
      message = text.trim() === '' ? undefined : snippet(text);
    }
    const said = `${response.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`;
    if (response.status === 429) {
      const delay = parseRetryAfter(response.headers.get('retry-after'), this.#now()) ?? DEFAULT_RETRY_AFTER_MS;
      throw new AggregatorRateLimited(`The tracking aggregator refused the ${call} call for now (${said}); retry after ${Math.ceil(delay / 1000)} s.`, delay);
    }
    if (response.status >= 500) {
      throw new AggregatorUnavailable('server_error', `The tracking aggregator failed the ${call} call (${said}).`, response.status);
    }
    throw new AggregatorRequestRejected(`The tracking aggregator rejected the ${call} call (${said}).`, response.status, code);
  }
}

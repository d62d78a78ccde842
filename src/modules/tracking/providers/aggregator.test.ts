import type { IncomingHttpHeaders } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_AGGREGATOR_API_KEY as API_KEY, startFakeAggregator as startFake, type FakeAggregator } from '../../../../test/support/fake-aggregator.ts';
import { ManualClock } from '../../../platform/clock/index.ts';
import { shippedCarrierRegistry } from '../carriers.ts';
import { currentStatus, toTrackingEvent } from '../status.ts';
import {
  AGGREGATOR_BATCH_LIMIT,
  AggregatorError,
  AggregatorRateLimited,
  AggregatorRequestRejected,
  AggregatorResponseInvalid,
  AggregatorTrackingProvider,
  AggregatorUnavailable,
  DEFAULT_RETRY_AFTER_MS,
  parseRetryAfter,
} from './aggregator.ts';
import type { AggregatorConfig } from './aggregator.ts';
import { WebhookRejected } from './provider.ts';
import type { TrackedNumber } from './provider.ts';
import { signatureHeader } from './signature.ts';

const SECRET = 'aggregator-webhook-secret';

/* ------------------------------------------------------------------------------------------------ */

let fake: FakeAggregator;
let clock: ManualClock;

beforeEach(async () => {
  fake = await startFake();
  clock = new ManualClock('2026-11-20T06:00:00Z');
});

afterEach(async () => {
  await fake.close();
});

function client(overrides: Partial<AggregatorConfig> = {}): AggregatorTrackingProvider {
  return new AggregatorTrackingProvider({ baseUrl: fake.url, apiKey: API_KEY, webhookSecret: SECRET, timeoutMs: 2000, now: () => clock.now(), ...overrides });
}

const cainiao: TrackedNumber = { carrierCode: 'cainiao', trackingNumber: 'LP00462538470686' };
const emsChina: TrackedNumber = { carrierCode: 'ems-china', trackingNumber: 'EB360833375CN' };

const CAINIAO_EVENTS = [
  { id: 'ev_3', status_code: 'GTMS_SIGNED', description: 'Delivered', location: null, address: { city: 'Madrid', state: null, postal_code: '28013', country: 'ES' }, occurred_at_local: '2026-11-19 13:05:00', utc_offset: '+01:00', stage: 'Delivered' },
  { id: 'ev_1', status_code: 'CW_ACCEPT', description: '【深圳】已收寄', location: 'Shenzhen, CN', occurred_at: '2026-11-10T17:28:00+08:00', stage: 'InTransit' },
  { id: 'ev_2', status_code: null, description: 'Import customs clearance started', location: 'Madrid Barajas, ES', occurred_at: '2026-11-16T08:10:00+01:00' },
];

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

function manyNumbers(count: number): TrackedNumber[] {
  return Array.from({ length: count }, (_, i) => ({ carrierCode: 'yunexpress', trackingNumber: `YT${String(2466076576800000 + i)}` }));
}

describe('register', () => {
  it('sends the API key and the aggregator’s carrier keys, and treats numbers registered before as registered', async () => {
    const aggregator = client();
    expect(await aggregator.register([cainiao, emsChina, cainiao])).toEqual({ rejected: [] });
    const [request] = fake.requests;
    expect(request!.path).toBe('/v1/trackings/register');
    expect(request!.headers['x-api-key']).toBe(API_KEY);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.body).toEqual({ items: [{ number: 'LP00462538470686', carrier: 'cainiao' }, { number: 'EB360833375CN', carrier: 'china-ems' }] });

    expect(await aggregator.register([cainiao])).toEqual({ rejected: [] });
  });

  it('reports the numbers the aggregator refuses, with its reason', async () => {
    const bad = { carrierCode: 'cainiao', trackingNumber: 'LP1' };
    const result = await client().register([bad, cainiao]);
    expect(result.rejected).toEqual([{ number: bad, code: 'invalid_number', message: 'Not a tracking number' }]);
    expect(fake.registered.has('cainiao|LP00462538470686')).toBe(true);
  });

  it('splits more than 40 numbers into batches of 40', async () => {
    const numbers = manyNumbers(95);
    expect(await client().register(numbers)).toEqual({ rejected: [] });
    expect(fake.requests.map((request) => request.body.items.length)).toEqual([40, 40, 15]);
    expect(AGGREGATOR_BATCH_LIMIT).toBe(40);
    expect(fake.registered.size).toBe(95);
  });

  it('makes no call for no numbers', async () => {
    expect(await client().register([])).toEqual({ rejected: [] });
    expect(await client().fetch([])).toEqual([]);
    expect(fake.requests).toEqual([]);
  });
});

describe('fetch', () => {
  it('maps the aggregator’s events to raw carrier events, keeping code, text, location and time as sent', async () => {
    const aggregator = client();
    await aggregator.register([cainiao]);
    fake.events.set('cainiao|LP00462538470686', CAINIAO_EVENTS);
    const unknown = { carrierCode: 'yunexpress', trackingNumber: 'YT2466076576818886' };

    const snapshots = await aggregator.fetch([unknown, cainiao, unknown]);
    expect(fake.requests.at(-1)!.path).toBe('/v1/trackings/query');
    expect(fake.requests.at(-1)!.headers['x-api-key']).toBe(API_KEY);
    expect(snapshots).toEqual([
      { ...unknown, events: [] },
      {
        ...cainiao,
        events: [
          { eventId: 'ev_3', code: 'GTMS_SIGNED', text: 'Delivered', location: 'Madrid, 28013, ES', time: '2026-11-19 13:05:00', utcOffset: '+01:00' },
          { eventId: 'ev_1', code: 'CW_ACCEPT', text: '【深圳】已收寄', location: 'Shenzhen, CN', time: '2026-11-10T17:28:00+08:00' },
          { eventId: 'ev_2', text: 'Import customs clearance started', location: 'Madrid Barajas, ES', time: '2026-11-16T08:10:00+01:00' },
        ],
      },
    ]);

    // The tracking core reads them: ordered by carrier time, mapped, delivered at the end.
    const carrier = shippedCarrierRegistry().get('cainiao')!;
    const events = snapshots[1]!.events.map((event) => toTrackingEvent(carrier, event, clock.now()));
    expect(events.map((event) => event.occurredAt)).toEqual(['2026-11-19T12:05:00.000Z', '2026-11-10T09:28:00.000Z', '2026-11-16T07:10:00.000Z']);
    expect(events.map((event) => event.status)).toEqual(['delivered', 'in_transit', 'customs']);
    expect(currentStatus(events, { now: clock.now() }).status).toBe('delivered');
  });

  it('maps our carrier codes to the aggregator’s keys and back', async () => {
    const aggregator = client({ carrierKeys: { yunexpress: 'yun-express' } });
    await aggregator.register([emsChina, { carrierCode: 'yunexpress', trackingNumber: 'YT2466076576818886' }]);
    fake.events.set('china-ems|EB360833375CN', [{ id: 'e1', status_code: 'EMA', description: 'Posted', location: 'Beijing', occurred_at: '2026-11-18T09:00:00+08:00' }]);
    const [ems, yun] = await aggregator.fetch([emsChina, { carrierCode: 'yunexpress', trackingNumber: 'YT2466076576818886' }]);
    expect(fake.requests.at(-1)!.body.items).toEqual([{ number: 'EB360833375CN', carrier: 'china-ems' }, { number: 'YT2466076576818886', carrier: 'yun-express' }]);
    expect(ems).toMatchObject({ carrierCode: 'ems-china', events: [{ eventId: 'e1', code: 'EMA' }] });
    expect(yun).toMatchObject({ carrierCode: 'yunexpress', events: [] });
    expect(aggregator.carrierCode('china-ems')).toBe('ems-china');
    expect(aggregator.carrierCode('some-new-carrier')).toBe('some-new-carrier');
  });

  it('queries more than 40 numbers in batches and answers for each, in the order asked', async () => {
    const numbers = manyNumbers(81);
    const aggregator = client();
    await aggregator.register(numbers);
    fake.events.set(`yunexpress|${numbers[80]!.trackingNumber}`, [{ id: 'last', description: 'Delivered', occurred_at: '2026-11-19T10:00:00+03:00' }]);
    fake.requests.length = 0;
    const snapshots = await aggregator.fetch(numbers);
    expect(fake.requests.map((request) => request.body.items.length)).toEqual([40, 40, 1]);
    expect(snapshots.map((snapshot) => snapshot.trackingNumber)).toEqual(numbers.map((number) => number.trackingNumber));
    expect(snapshots[80]!.events).toEqual([{ eventId: 'last', text: 'Delivered', time: '2026-11-19T10:00:00+03:00' }]);
  });
});

describe('errors', () => {
  it('surfaces 429 as AggregatorRateLimited with the delay from Retry-After', async () => {
    fake.script.push({ status: 429, headers: { 'retry-after': '30' }, body: JSON.stringify({ error: { code: 'rate_limited', message: 'Slow down' } }) });
    const error = await caught(client().fetch([cainiao]));
    expect(error).toBeInstanceOf(AggregatorRateLimited);
    expect(error).toBeInstanceOf(AggregatorError);
    expect(error).toMatchObject({ retryable: true, status: 429, retryAfterMs: 30_000 });
    expect((error as Error).message).toContain('rate_limited: Slow down');

    fake.script.push({ status: 429, headers: { 'retry-after': new Date(clock.now().getTime() + 90_000).toUTCString() } });
    expect(await caught(client().register([cainiao]))).toMatchObject({ retryAfterMs: 90_000 });
    fake.script.push({ status: 429 });
    expect(await caught(client().register([cainiao]))).toMatchObject({ retryAfterMs: DEFAULT_RETRY_AFTER_MS });
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = new Date('2026-11-20T06:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Fri, 20 Nov 2026 06:00:45 GMT', now)).toBe(45_000);
    expect(parseRetryAfter('Fri, 20 Nov 2026 05:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('surfaces 5xx as retryable, and the caller’s retry then succeeds', async () => {
    const aggregator = client();
    await aggregator.register([cainiao]);
    fake.events.set('cainiao|LP00462538470686', CAINIAO_EVENTS);
    fake.script.push({ status: 503, body: '<html>Service Unavailable</html>' });

    const error = await caught(aggregator.fetch([cainiao]));
    expect(error).toBeInstanceOf(AggregatorUnavailable);
    expect(error).toMatchObject({ retryable: true, status: 503, reason: 'server_error' });
    expect((error as Error).message).toContain('Service Unavailable');

    const [snapshot] = await aggregator.fetch([cainiao]);
    expect(snapshot!.events).toHaveLength(3);
  });

  it('surfaces a bad API key as a rejected request that retrying will not fix', async () => {
    const error = await caught(client({ apiKey: 'wrong-key' }).register([cainiao]));
    expect(error).toBeInstanceOf(AggregatorRequestRejected);
    expect(error).toMatchObject({ retryable: false, status: 401, code: 'unauthorized' });
    expect((error as Error).message).toContain('401 unauthorized: Invalid API key');
  });

  it('says clearly when an answer is not JSON or not the documented shape', async () => {
    fake.script.push({ status: 200, body: '{"data": {"trackings": [' });
    const notJson = await caught(client().fetch([cainiao]));
    expect(notJson).toBeInstanceOf(AggregatorResponseInvalid);
    expect(notJson).toMatchObject({ retryable: false });
    expect((notJson as Error).message).toBe('The tracking aggregator answered the query call with a body that is not JSON: "{\\"data\\": {\\"trackings\\": [".');

    fake.script.push({ status: 200, body: JSON.stringify({ data: { trackings: [{ number: 'LP00462538470686', carrier: 'cainiao', events: [{ id: 'x', description: 'Delivered' }] }] } }) });
    const wrongShape = await caught(client().fetch([cainiao]));
    expect(wrongShape).toBeInstanceOf(AggregatorResponseInvalid);
    expect((wrongShape as Error).message).toContain('data.trackings[0].events[0] must have occurred_at, or occurred_at_local with utc_offset');

    fake.script.push({ status: 200, body: JSON.stringify({ data: { accepted: [], rejected: [{ number: 'X', carrier: 'cainiao' }] } }) });
    expect((await caught(client().register([cainiao])) as Error).message).toContain('data.rejected[0].error must be an object');
  });

  it('gives up after the timeout, as a retryable error', async () => {
    fake.script.push({ status: 200, body: '{"data":{}}', delayMs: 1000 });
    const error = await caught(client({ timeoutMs: 100 }).fetch([cainiao]));
    expect(error).toBeInstanceOf(AggregatorUnavailable);
    expect(error).toMatchObject({ retryable: true, reason: 'timeout' });
  });

  it('reports an unreachable aggregator as a retryable network error', async () => {
    const url = fake.url;
    await fake.close();
    const error = await caught(new AggregatorTrackingProvider({ baseUrl: url, apiKey: API_KEY, webhookSecret: SECRET }).fetch([cainiao]));
    expect(error).toMatchObject({ retryable: true, reason: 'network' });
    fake = await startFake();
  });

  it('refuses a configuration without key, secret or a usable URL', () => {
    expect(() => client({ apiKey: ' ' })).toThrow(/API key/);
    expect(() => client({ webhookSecret: '' })).toThrow(/webhook secret/);
    expect(() => client({ baseUrl: 'not a url' })).toThrow(/not a URL/);
    expect(() => client({ baseUrl: 'ftp://example.com' })).toThrow(/http/);
  });

  it('keeps a path prefix of the base URL', async () => {
    fake.script.push({ status: 200, body: JSON.stringify({ data: { accepted: [], rejected: [] } }) });
    await client({ baseUrl: `${fake.url}/gateway` }).register([cainiao]);
    expect(fake.requests[0]!.path).toBe('/gateway/v1/trackings/register');
  });
});

describe('readWebhook', () => {
  const delivery = {
    id: 'dlv_01',
    type: 'tracking.updated',
    created_at: '2026-11-20T05:59:58Z',
    data: {
      trackings: [
        { number: 'EB360833375CN', carrier: 'china-ems', events: [{ id: 'w1', status_code: 'EMI', description: 'Delivered', location: 'Madrid, ES', occurred_at: '2026-11-20T06:40:00+01:00' }] },
      ],
    },
  };
  const body = Buffer.from(JSON.stringify(delivery));

  function reason(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): string {
    try {
      client().readWebhook(rawBody, headers);
    } catch (error) {
      expect(error).toBeInstanceOf(WebhookRejected);
      return (error as WebhookRejected).reason;
    }
    return 'accepted';
  }

  it('accepts a delivery signed with the secret and reads it with our carrier codes', () => {
    // Headers exactly as Node and Fastify hand them over.
    const headers: IncomingHttpHeaders = { 'content-type': 'application/json', 'X-Signature': signatureHeader(SECRET, body, clock.now()) };
    expect(client().readWebhook(body, headers)).toEqual({
      deliveryId: 'dlv_01',
      snapshots: [
        { carrierCode: 'ems-china', trackingNumber: 'EB360833375CN', events: [{ eventId: 'w1', code: 'EMI', text: 'Delivered', location: 'Madrid, ES', time: '2026-11-20T06:40:00+01:00' }] },
      ],
    });
  });

  it('accepts a signature made four minutes ago, and one of several during a secret rotation', () => {
    const fourMinutesAgo = new Date(clock.now().getTime() - 240_000);
    expect(reason(body, { 'x-signature': signatureHeader(SECRET, body, fourMinutesAgo) })).toBe('accepted');
    const old = signatureHeader('old-secret', body, clock.now());
    const current = signatureHeader(SECRET, body, clock.now());
    expect(reason(body, { 'x-signature': `${old},v1=${current.split('v1=')[1]}` })).toBe('accepted');
    expect(reason(body, { 'x-signature': [current, 'ignored'] })).toBe('accepted');
  });

  it('refuses a wrong secret, a tampered body, a stale or future timestamp and a missing signature', () => {
    expect(reason(body, { 'x-signature': signatureHeader('wrong-secret', body, clock.now()) })).toBe('bad_signature');
    const tampered = Buffer.from(body.toString().replace('EMI', 'EMH'));
    expect(reason(tampered, { 'x-signature': signatureHeader(SECRET, body, clock.now()) })).toBe('bad_signature');
    expect(reason(body, { 'x-signature': signatureHeader(SECRET, body, new Date(clock.now().getTime() - 301_000)) })).toBe('stale_timestamp');
    expect(reason(body, { 'x-signature': signatureHeader(SECRET, body, new Date(clock.now().getTime() + 400_000)) })).toBe('future_timestamp');
    expect(reason(body, {})).toBe('missing_signature');
    expect(reason(body, { 'x-signature': 'v1=abcdef' })).toBe('malformed_signature');
    const truncated = signatureHeader(SECRET, body, clock.now()).slice(0, -2);
    expect(reason(body, { 'x-signature': truncated })).toBe('bad_signature');
  });

  it('refuses a correctly signed body it cannot read, and reads other delivery types as empty', () => {
    const unreadable = Buffer.from('{"id": "dlv_02", "type": "tracking.updated", "data": {}}');
    expect(reason(unreadable, { 'x-signature': signatureHeader(SECRET, unreadable, clock.now()) })).toBe('unreadable_body');
    const notJson = Buffer.from('id=dlv_03');
    expect(reason(notJson, { 'x-signature': signatureHeader(SECRET, notJson, clock.now()) })).toBe('unreadable_body');
    const ping = Buffer.from('{"id": "dlv_04", "type": "ping"}');
    expect(client().readWebhook(ping, { 'x-signature': signatureHeader(SECRET, ping, clock.now()) })).toEqual({ deliveryId: 'dlv_04', snapshots: [] });
  });
});

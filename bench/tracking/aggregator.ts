/**
 * A fake tracking aggregator for the benchmark, speaking the API described at the top of
 * src/modules/tracking/providers/aggregator.ts: register and query (1 to 40 numbers a call, API
 * key), and signed `tracking.updated` webhooks. Behind it are the parcels' simulated journeys: a
 * query answers with the events whose carrier time has come by the clock, as an aggregator that
 * asks the carrier in real time would. Every call waits a drawn latency before it answers, as a
 * service across the internet does.
 *
 * For carriers that push, it also sends a webhook per event, a drawn delay after the event's
 * carrier time (the carrier telling the aggregator, the aggregator telling us); each delivery
 * carries the parcel's events so far, as aggregators send them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { AGGREGATOR_API_KEY_HEADER, AGGREGATOR_BATCH_LIMIT, AGGREGATOR_CARRIER_KEYS, AGGREGATOR_SIGNATURE_HEADER } from '../../src/modules/tracking/providers/aggregator.ts';
import { signatureHeader } from '../../src/modules/tracking/providers/signature.ts';
import type { SimulatedEvent } from '../../src/modules/tracking/providers/simulator.ts';
import type { Clock } from '../../src/platform/clock/index.ts';
import type { Random } from '../commerce/catalog.ts';
import type { BenchParcel } from './population.ts';

export interface CallRecord {
  path: string;
  items: number;
  /** performance.now() when the request arrived and when the answer went out. */
  arrived: number;
  answered: number;
}

export interface PushRecord {
  status: number;
  ms: number;
}

const carrierKey = (code: string) => AGGREGATOR_CARRIER_KEYS[code] ?? code;
const wireKey = (key: string, number: string) => `${key}|${number}`;

/** An event as the aggregator's API spells it. */
const wireEvent = (event: SimulatedEvent) => ({
  id: event.raw.eventId,
  status_code: event.raw.code ?? null,
  description: event.raw.text ?? null,
  location: event.raw.location ?? null,
  occurred_at: event.raw.time,
});

/** Sends webhook deliveries to the application over keep-alive connections, raw body as signed. */
export class WebhookPoster {
  readonly #url: URL;
  readonly #agent: http.Agent;

  constructor(target: string, connections: number) {
    this.#url = new URL('/v1/webhooks/tracking/aggregator', target);
    this.#agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  }

  post(raw: string, headers: Record<string, string>): Promise<PushRecord> {
    const started = performance.now();
    return new Promise((resolve) => {
      const request = http.request(this.#url, { method: 'POST', agent: this.#agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(raw)) } }, (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0, ms: performance.now() - started }));
      });
      request.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
      request.end(raw);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

export class FakeAggregator {
  readonly calls: CallRecord[] = [];
  readonly pushes: PushRecord[] = [];
  readonly #parcels = new Map<string, BenchParcel>();
  readonly #registered = new Set<string>();
  readonly #server: http.Server;
  #pushTimer: NodeJS.Timeout | undefined;
  #poster: WebhookPoster | undefined;
  #inFlight = new Set<Promise<void>>();
  /** How long a call waits before its answer, drawn between the two (real milliseconds). */
  latencyMs: readonly [number, number];

  constructor(private readonly options: { apiKey: string; webhookSecret: string; clock: Clock; latencyMs: readonly [number, number]; random: Random }) {
    this.latencyMs = options.latencyMs;
    this.#server = http.createServer((request, response) => this.#handle(request, response));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  add(parcels: readonly BenchParcel[]): void {
    for (const parcel of parcels) this.#parcels.set(wireKey(carrierKey(parcel.carrierCode), parcel.trackingNumber), parcel);
  }

  /** The parcel's events up to `at`, as a query or a webhook carries them: newest first. */
  trackingAt(parcel: BenchParcel, at: number) {
    const events = parcel.journey.events.filter((event) => event.at <= at).reverse();
    return { number: parcel.trackingNumber, carrier: carrierKey(parcel.carrierCode), events: events.map(wireEvent) };
  }

  /** A signed webhook body and its headers, signed at the clock's now. */
  signed(body: unknown): { raw: string; headers: Record<string, string> } {
    const raw = JSON.stringify(body);
    return { raw, headers: { 'content-type': 'application/json', [AGGREGATOR_SIGNATURE_HEADER]: signatureHeader(this.options.webhookSecret, Buffer.from(raw), this.options.clock.now()) } };
  }

  /**
   * Pushes a webhook for every event of the given parcels whose carrier time falls after `from`,
   * `delayMinutes` (drawn between the two bounds, in clock time) after it, until stopped.
   */
  startPushing(target: string, parcels: readonly BenchParcel[], from: number, delayMinutes: readonly [number, number]): void {
    const due: { at: number; parcel: BenchParcel; event: SimulatedEvent }[] = [];
    for (const parcel of parcels) {
      for (const event of parcel.journey.events) {
        if (event.at <= from) continue;
        const delay = (delayMinutes[0] + this.options.random.next() * (delayMinutes[1] - delayMinutes[0])) * 60_000;
        due.push({ at: event.at + delay, parcel, event });
      }
    }
    due.sort((a, b) => a.at - b.at);
    const poster = (this.#poster = new WebhookPoster(target, 8));
    let next = 0;
    const tick = () => {
      const now = this.options.clock.now().getTime();
      while (next < due.length && due[next]!.at <= now) {
        const { parcel, event } = due[next++]!;
        const { raw, headers } = this.signed({ id: `dlv_${event.raw.eventId}`, type: 'tracking.updated', created_at: new Date(now).toISOString(), data: { trackings: [this.trackingAt(parcel, event.at)] } });
        const sending = poster.post(raw, headers).then((record) => {
          this.pushes.push(record);
        });
        this.#inFlight.add(sending);
        void sending.finally(() => this.#inFlight.delete(sending));
      }
      this.#pushTimer = setTimeout(tick, 100);
    };
    tick();
  }

  async stopPushing(): Promise<void> {
    if (this.#pushTimer) clearTimeout(this.#pushTimer);
    await Promise.all(this.#inFlight);
    this.#poster?.close();
  }

  async close(): Promise<void> {
    await this.stopPushing();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const arrived = performance.now();
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const [low, high] = this.latencyMs;
      setTimeout(() => {
        const { status, body, items } = this.#answer(request, Buffer.concat(chunks).toString('utf8'));
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
        this.calls.push({ path: request.url ?? '', items, arrived, answered: performance.now() });
      }, low + this.options.random.next() * (high - low));
    });
  }

  #answer(request: http.IncomingMessage, text: string): { status: number; body: unknown; items: number } {
    const fail = (status: number, code: string, message: string) => ({ status, body: { error: { code, message } }, items: 0 });
    if (request.method !== 'POST') return fail(405, 'method_not_allowed', 'POST only');
    if (request.headers[AGGREGATOR_API_KEY_HEADER] !== this.options.apiKey) return fail(401, 'unauthorized', 'Invalid API key');
    let items: { number: string; carrier: string }[];
    try {
      items = (JSON.parse(text) as { items: { number: string; carrier: string }[] }).items;
    } catch {
      return fail(400, 'invalid_request', 'not JSON');
    }
    if (!Array.isArray(items) || items.length === 0 || items.length > AGGREGATOR_BATCH_LIMIT) return fail(400, 'invalid_request', `items must hold 1 to ${AGGREGATOR_BATCH_LIMIT} numbers`);
    if (request.url === '/v1/trackings/register') {
      const accepted: unknown[] = [];
      const rejected: unknown[] = [];
      for (const item of items) {
        const key = wireKey(item.carrier, item.number);
        if (this.#registered.has(key)) rejected.push({ ...item, error: { code: 'already_registered', message: 'Already tracked' } });
        else {
          this.#registered.add(key);
          accepted.push(item);
        }
      }
      return { status: 200, body: { data: { accepted, rejected } }, items: items.length };
    }
    if (request.url === '/v1/trackings/query') {
      const now = this.options.clock.now().getTime();
      const trackings: unknown[] = [];
      const notFound: unknown[] = [];
      for (const item of items) {
        const parcel = this.#parcels.get(wireKey(item.carrier, item.number));
        if (parcel) trackings.push(this.trackingAt(parcel, now));
        else notFound.push(item);
      }
      return { status: 200, body: { data: { trackings, not_found: notFound } }, items: items.length };
    }
    return fail(404, 'not_found', `No route ${request.url}`);
  }
}

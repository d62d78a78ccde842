/**
 * The built-in carrier SIMULATOR. It is not a carrier and tracks no real parcel: it invents, for
 * the embedded default, demos and tests, the journey a parcel shipped from China would make, so
 * the whole tracking pipeline (polling, webhooks, status mapping, notifications) runs without any
 * outside service. Everything it produces says so: the provider is named "simulator", its event
 * texts start with "[Simulation]", its event ids with "sim-", its webhook bodies carry
 * `"simulator": true`.
 *
 * A simulated journey is a pure function of the tracking number and of when tracking started:
 * the number seeds a random generator, so the same number always makes the same journey, and
 * events are released as the injected clock reaches their time. The journey follows the usual
 * China → destination path, spread over days: label created, accepted at origin, origin sorting,
 * handed to the airline, flight departed, arrived at the destination airport, import customs,
 * handed to the last-mile carrier, arrival at the delivery facility, out for delivery, delivered.
 *
 * How often things go wrong (SIMULATOR_SHARES, checked over 1,000 numbers by the tests):
 *   - 3 % of parcels are returned to the sender: half refused at the door after a failed
 *     attempt, half sent back because customs asked for documents that never came;
 *   - customs holds 12 % of parcels for inspection for a day or more before releasing them;
 *   - customs asks for documents on 5 % of the parcels that are delivered (they are provided);
 *   - 10 % of the parcels that are delivered first have a failed attempt (nobody home) and are
 *     delivered on the next morning's round.
 *
 * Event codes and texts are chosen so that the shipped carrier registry and the shared keywords
 * of status.ts read them as the stage the simulator means (the tests check this for every
 * carrier): carriers whose status map speaks the UPU EDI event codes get those codes with an
 * English text; every other carrier gets the English texts China cross-border consolidators use.
 * Times carry the local offset of where the event happened (China, then the destination), and
 * deliveries happen in the local morning and afternoon.
 *
 * The simulator remembers registered numbers in memory, but a number that carries `registeredAt`
 * needs no memory at all, so several processes (or a restarted one) simulate the same journey.
 */
import { createHash, randomBytes } from 'node:crypto';
import { shippedCarrierRegistry } from '../carriers.ts';
import type { Carrier, CarrierRegistry } from '../carriers.ts';
import { normalizeTrackingNumber, numberProblem } from '../numbers.ts';
import type { MainStatus, RawCarrierEvent } from '../status.ts';
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
import { signatureHeader, verifySignatureHeader } from './signature.ts';

export const SIMULATOR_NAME = 'simulator';
export const SIMULATOR_TEXT_PREFIX = '[Simulation] ';
export const SIMULATOR_SIGNATURE_HEADER = 'x-simulator-signature';

/** The shares of simulated journeys that go wrong, as stated at the top of this file. */
export const SIMULATOR_SHARES = {
  /** Of all parcels: returned to the sender. */
  returned: 0.03,
  /** Of returned parcels: refused at the door (the rest: customs documents never provided). */
  returnRefusedAtDoor: 0.5,
  /** Of all parcels: held by customs for inspection, then released. */
  customsHeld: 0.12,
  /** Of delivered parcels: customs asks for documents, which are provided. */
  customsNeedsInfo: 0.05,
  /** Of delivered parcels: one failed attempt, delivered the next day. */
  failedAttempt: 0.1,
} as const;

/* ------------------------------------------------------------------------------------------------
 * Places
 * --------------------------------------------------------------------------------------------- */

interface Origin {
  city: string;
  hub: string;
  airport: string;
  zone: string;
}

const ORIGINS: readonly Origin[] = [
  { city: 'Shenzhen, CN', hub: 'Shenzhen, CN', airport: "Shenzhen Bao'an Airport (SZX), CN", zone: 'Asia/Shanghai' },
  { city: 'Dongguan, CN', hub: 'Guangzhou, CN', airport: 'Guangzhou Baiyun Airport (CAN), CN', zone: 'Asia/Shanghai' },
  { city: 'Yiwu, CN', hub: 'Hangzhou, CN', airport: 'Shanghai Pudong Airport (PVG), CN', zone: 'Asia/Shanghai' },
  { city: 'Guangzhou, CN', hub: 'Guangzhou, CN', airport: 'Hong Kong Airport (HKG), HK', zone: 'Asia/Hong_Kong' },
  { city: 'Ningbo, CN', hub: 'Shanghai, CN', airport: 'Shanghai Pudong Airport (PVG), CN', zone: 'Asia/Shanghai' },
];

interface Destination {
  country: string;
  zone: string;
  airport: string;
  cities: readonly string[];
  lastMile: readonly string[];
  /** Days customs takes when nothing goes wrong, and days from customs to the delivery facility. */
  customsDays: readonly [number, number];
  domesticDays: readonly [number, number];
  flightHours: readonly [number, number];
}

const DESTINATIONS: readonly Destination[] = [
  { country: 'BR', zone: 'America/Sao_Paulo', airport: 'São Paulo Guarulhos Airport (GRU)', cities: ['São Paulo', 'Rio de Janeiro', 'Belo Horizonte', 'Curitiba'], lastMile: ['Correios', 'Jadlog', 'Loggi'], customsDays: [2, 8], domesticDays: [2, 7], flightHours: [24, 34] },
  { country: 'SA', zone: 'Asia/Riyadh', airport: 'Riyadh King Khalid Airport (RUH)', cities: ['Riyadh', 'Jeddah', 'Dammam', 'Mecca'], lastMile: ['SPL', 'SMSA Express', 'Naqel'], customsDays: [1, 3], domesticDays: [1, 4], flightHours: [9, 14] },
  { country: 'RU', zone: 'Europe/Moscow', airport: 'Moscow Sheremetyevo Airport (SVO)', cities: ['Moscow', 'Saint Petersburg', 'Kazan', 'Nizhny Novgorod'], lastMile: ['Russian Post', 'CDEK', 'Boxberry'], customsDays: [1, 4], domesticDays: [2, 6], flightHours: [9, 13] },
  { country: 'ES', zone: 'Europe/Madrid', airport: 'Madrid Barajas Airport (MAD)', cities: ['Madrid', 'Barcelona', 'Valencia', 'Sevilla'], lastMile: ['Correos', 'SEUR', 'MRW'], customsDays: [0.5, 2], domesticDays: [1, 3], flightHours: [13, 18] },
  { country: 'FR', zone: 'Europe/Paris', airport: 'Paris Charles de Gaulle Airport (CDG)', cities: ['Paris', 'Lyon', 'Marseille', 'Lille'], lastMile: ['La Poste', 'Colis Privé', 'Chronopost'], customsDays: [0.5, 2], domesticDays: [1, 3], flightHours: [12, 17] },
  { country: 'DE', zone: 'Europe/Berlin', airport: 'Frankfurt Airport (FRA)', cities: ['Berlin', 'Hamburg', 'Munich', 'Cologne'], lastMile: ['DHL Paket', 'Hermes', 'DPD'], customsDays: [0.5, 2], domesticDays: [1, 2], flightHours: [12, 16] },
  { country: 'PL', zone: 'Europe/Warsaw', airport: 'Warsaw Chopin Airport (WAW)', cities: ['Warsaw', 'Kraków', 'Wrocław', 'Gdańsk'], lastMile: ['InPost', 'Poczta Polska', 'DPD'], customsDays: [0.5, 2], domesticDays: [1, 2], flightHours: [11, 15] },
  { country: 'GB', zone: 'Europe/London', airport: 'London Heathrow Airport (LHR)', cities: ['London', 'Manchester', 'Birmingham', 'Leeds'], lastMile: ['Royal Mail', 'Evri', 'Yodel'], customsDays: [0.3, 1.5], domesticDays: [1, 3], flightHours: [12, 16] },
  { country: 'US', zone: 'America/New_York', airport: 'New York JFK Airport (JFK)', cities: ['New York', 'Philadelphia', 'Boston', 'Atlanta'], lastMile: ['USPS', 'UPS', 'OnTrac'], customsDays: [0.2, 1], domesticDays: [1, 4], flightHours: [14, 20] },
  { country: 'KR', zone: 'Asia/Seoul', airport: 'Incheon Airport (ICN)', cities: ['Seoul', 'Busan', 'Incheon', 'Daegu'], lastMile: ['CJ Logistics', 'Hanjin', 'Korea Post'], customsDays: [0.2, 1], domesticDays: [0.5, 2], flightHours: [3, 5] },
  { country: 'MX', zone: 'America/Mexico_City', airport: 'Mexico City Airport (MEX)', cities: ['Mexico City', 'Guadalajara', 'Monterrey', 'Puebla'], lastMile: ['Estafeta', 'DHL eCommerce', 'iMile'], customsDays: [1, 4], domesticDays: [1, 4], flightHours: [18, 26] },
  { country: 'AE', zone: 'Asia/Dubai', airport: 'Dubai Airport (DXB)', cities: ['Dubai', 'Abu Dhabi', 'Sharjah'], lastMile: ['Emirates Post', 'Aramex', 'iMile'], customsDays: [0.5, 2], domesticDays: [0.5, 2], flightHours: [8, 12] },
];

/** Destinations a simulated parcel can go to, by ISO 3166-1 code. */
export const SIMULATOR_DESTINATIONS: readonly string[] = DESTINATIONS.map((destination) => destination.country);

/* ------------------------------------------------------------------------------------------------
 * Time
 * --------------------------------------------------------------------------------------------- */

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at an instant, in minutes (daylight saving included). */
function offsetMinutes(zone: string, at: number): number {
  let format = offsetFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    offsetFormats.set(zone, format);
  }
  const name = format.formatToParts(new Date(at)).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name);
  if (!match || match[1] === undefined) return 0;
  return (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]));
}

/** ISO 8601 local time with its offset, as carriers report it: "2026-11-20T10:33:00+08:00". */
function localIso(at: number, zone: string): string {
  const offset = offsetMinutes(zone, at);
  const local = new Date(at + offset * MINUTE).toISOString().slice(0, 19);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** The instant of a local clock time (hours after local midnight) on the local day after `at`. */
function nextLocalDayAt(at: number, zone: string, hours: number): number {
  const localDay = Math.floor((at + offsetMinutes(zone, at) * MINUTE) / DAY) * DAY;
  const localTarget = localDay + DAY + hours * HOUR;
  return localTarget - offsetMinutes(zone, localTarget - offsetMinutes(zone, at) * MINUTE) * MINUTE;
}

/* ------------------------------------------------------------------------------------------------
 * Randomness from the number
 * --------------------------------------------------------------------------------------------- */

function numberDigest(trackingNumber: string): Buffer {
  return createHash('sha256').update(`caravan-simulator:${normalizeTrackingNumber(trackingNumber)}`).digest();
}

/** sfc32, seeded from the number's digest: the same number always draws the same journey. */
function generator(seed: Buffer): () => number {
  let a = seed.readUInt32BE(0);
  let b = seed.readUInt32BE(4);
  let c = seed.readUInt32BE(8);
  let d = seed.readUInt32BE(12);
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4_294_967_296;
  };
  for (let i = 0; i < 12; i += 1) next();
  return next;
}

/* ------------------------------------------------------------------------------------------------
 * Journeys
 * --------------------------------------------------------------------------------------------- */

export type SimulatedStep =
  | 'label_created'
  | 'accepted'
  | 'origin_sorting_arrived'
  | 'origin_sorting_departed'
  | 'handed_to_airline'
  | 'flight_departed'
  | 'arrived_destination'
  | 'customs_processing'
  | 'customs_held'
  | 'customs_needs_info'
  | 'customs_released'
  | 'handed_to_last_mile'
  | 'arrived_delivery_facility'
  | 'out_for_delivery'
  | 'delivery_failed'
  | 'delivery_refused'
  | 'delivered'
  | 'returning'
  | 'return_departed'
  | 'returned';

export interface SimulatedEvent {
  step: SimulatedStep;
  /** The event as the provider hands it out. */
  raw: RawCarrierEvent;
  /** Epoch milliseconds of the event. */
  at: number;
  /** The stage the simulator means the parcel to be in after this event, and its sub-status. */
  stage: MainStatus;
  subStatus: string;
}

export interface SimulatedJourney {
  carrierCode: string;
  trackingNumber: string;
  /** 'upu_codes' when the carrier's status map speaks the UPU EDI codes; otherwise text only. */
  style: 'upu_codes' | 'text';
  origin: string;
  destinationCountry: string;
  destinationCity: string;
  lastMileCarrier: string;
  customsHeld: boolean;
  customsNeedsInfo: boolean;
  failedAttempts: number;
  outcome: 'delivered' | 'returned';
  returnReason?: 'refused_at_door' | 'customs_documents_missing';
  /** In carrier-time order. */
  events: SimulatedEvent[];
}

interface StepText {
  text: string;
  /** The UPU EDI code, for carriers that speak them. */
  upu?: string;
  stage: MainStatus;
  subStatus: string;
  /** The sub-status the UPU code gives, when it says less than the text (the code decides). */
  upuSubStatus?: string;
}

const STEPS: Record<SimulatedStep, StepText> = {
  label_created: { text: 'Shipment information received', stage: 'info_received', subStatus: 'label_created' },
  accepted: { text: 'Accepted by carrier', upu: 'EMA', stage: 'in_transit', subStatus: 'accepted' },
  origin_sorting_arrived: { text: 'Arrived at sorting center', upu: 'EMB', stage: 'in_transit', subStatus: 'arrived_at_facility' },
  origin_sorting_departed: { text: 'Departed from sorting center', stage: 'in_transit', subStatus: 'departed_facility' },
  handed_to_airline: { text: 'Handed over to airline', upu: 'EMC', stage: 'in_transit', subStatus: 'export' },
  flight_departed: { text: 'Flight departed', upu: 'EXC', stage: 'in_transit', subStatus: 'export' },
  arrived_destination: { text: 'Arrived at destination airport', upu: 'EMD', stage: 'in_transit', subStatus: 'import' },
  customs_processing: { text: 'Import customs clearance started', upu: 'EME', stage: 'customs', subStatus: 'processing' },
  customs_held: { text: 'Held by customs for inspection', stage: 'customs', subStatus: 'held' },
  customs_needs_info: { text: 'Customs requires additional documents from the recipient', stage: 'customs', subStatus: 'needs_info' },
  customs_released: { text: 'Customs clearance completed', upu: 'EDC', stage: 'customs', subStatus: 'released' },
  handed_to_last_mile: { text: 'Handed over to last mile carrier', stage: 'in_transit', subStatus: 'handed_over' },
  arrived_delivery_facility: { text: 'Arrived at delivery facility', upu: 'EMG', stage: 'in_transit', subStatus: 'arrived_at_facility' },
  out_for_delivery: { text: 'Out for delivery', upu: 'EDG', stage: 'out_for_delivery', subStatus: 'out_for_delivery' },
  delivery_failed: { text: 'Delivery attempted, recipient not available', upu: 'EMH', stage: 'delivery_failed', subStatus: 'recipient_unavailable', upuSubStatus: 'attempt_failed' },
  delivery_refused: { text: 'Delivery refused by recipient', stage: 'delivery_failed', subStatus: 'refused' },
  delivered: { text: 'Delivered', upu: 'EMI', stage: 'delivered', subStatus: 'delivered' },
  returning: { text: 'Returned to sender', stage: 'returning', subStatus: 'returning' },
  return_departed: { text: 'Return shipment departed from destination country', stage: 'returning', subStatus: 'returning' },
  returned: { text: 'Delivered to sender', stage: 'returned', subStatus: 'returned' },
};

const UPU_CODES = [...new Set(Object.values(STEPS).flatMap((step) => (step.upu === undefined ? [] : [step.upu])))];

/** Whether a carrier's status map reads every UPU code the simulator sends. */
function speaksUpu(carrier: Pick<Carrier, 'statusMap'> | undefined): boolean {
  return carrier !== undefined && UPU_CODES.every((code) => carrier.statusMap.codes.has(code));
}

function destinationFor(carrier: Pick<Carrier, 'countries'> | undefined, pick: <T>(list: readonly T[]) => T): Destination {
  // A carrier that only works in destination countries (Correios, USPS…) delivers in one of them.
  if (carrier && !carrier.countries.includes('CN') && !carrier.countries.includes('*')) {
    const served = DESTINATIONS.filter((destination) => carrier.countries.includes(destination.country));
    if (served.length > 0) return pick(served);
  }
  return pick(DESTINATIONS);
}

/**
 * The whole simulated journey of one number whose tracking started at `startedAt`, including the
 * events still in the future. Pure: the same number, carrier and start give the same journey.
 */
export function simulateJourney(
  number: Pick<TrackedNumber, 'carrierCode' | 'trackingNumber'>,
  startedAt: Date | string,
  registry: CarrierRegistry = shippedCarrierRegistry(),
): SimulatedJourney {
  const start = typeof startedAt === 'string' ? Date.parse(startedAt) : startedAt.getTime();
  if (Number.isNaN(start)) throw new Error(`simulator: start ${JSON.stringify(startedAt)} is not a date-time`);
  const digest = numberDigest(number.trackingNumber);
  const random = generator(digest);
  const between = (low: number, high: number) => low + (high - low) * random();
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const chance = (share: number) => random() < share;

  const carrier = registry.get(number.carrierCode);
  const style = speaksUpu(carrier) ? 'upu_codes' : 'text';
  const origin = pick(ORIGINS);
  const destination = destinationFor(carrier, pick);
  const city = pick(destination.cities);
  const lastMile = pick(destination.lastMile);
  // Every draw below happens for every number, in the same order, whatever the outcome.
  const returned = chance(SIMULATOR_SHARES.returned);
  const refusedAtDoor = chance(SIMULATOR_SHARES.returnRefusedAtDoor);
  const customsHeld = chance(SIMULATOR_SHARES.customsHeld);
  const needsInfoDrawn = chance(SIMULATOR_SHARES.customsNeedsInfo);
  const failedDrawn = chance(SIMULATOR_SHARES.failedAttempt);
  const returnReason = returned ? (refusedAtDoor ? 'refused_at_door' : 'customs_documents_missing') : undefined;
  const customsNeedsInfo = returnReason === 'customs_documents_missing' || (!returned && needsInfoDrawn);

  let failedAttempts = 0;
  const idPrefix = `sim-${digest.toString('hex').slice(0, 12)}`;
  const events: SimulatedEvent[] = [];
  let t = start - between(0.2, 3) * HOUR;
  const add = (step: SimulatedStep, location: string, zone: string, detail?: string) => {
    const at = Math.floor(t / MINUTE) * MINUTE;
    const spec = STEPS[step];
    const code = style === 'upu_codes' ? spec.upu : undefined;
    events.push({
      step,
      at,
      stage: spec.stage,
      subStatus: (code !== undefined ? spec.upuSubStatus : undefined) ?? spec.subStatus,
      raw: {
        eventId: `${idPrefix}-${String(events.length + 1).padStart(2, '0')}`,
        ...(code !== undefined ? { code } : {}),
        text: `${SIMULATOR_TEXT_PREFIX}${spec.text}${detail === undefined ? '' : ` (${detail})`}`,
        location,
        time: localIso(at, zone),
      },
    });
  };
  const there = `${city}, ${destination.country}`;
  const airport = `${destination.airport}, ${destination.country}`;

  add('label_created', origin.city, origin.zone);
  t += between(4, 30) * HOUR;
  add('accepted', origin.city, origin.zone);
  t += between(2, 8) * HOUR;
  add('origin_sorting_arrived', origin.hub, origin.zone);
  t += between(3, 12) * HOUR;
  add('origin_sorting_departed', origin.hub, origin.zone);
  t += between(6, 30) * HOUR;
  add('handed_to_airline', origin.airport, origin.zone);
  t += between(8, 72) * HOUR; // waiting for space on a flight
  add('flight_departed', origin.airport, origin.zone);
  t += between(destination.flightHours[0], destination.flightHours[1]) * HOUR;
  add('arrived_destination', airport, destination.zone);
  t += between(2, 12) * HOUR;
  add('customs_processing', airport, destination.zone);

  let customsDays = between(destination.customsDays[0], destination.customsDays[1]);
  if (customsHeld) {
    t += between(4, 36) * HOUR;
    add('customs_held', airport, destination.zone);
    customsDays += between(1, 4);
  }
  const finishReturn = () => {
    t += between(1, 3) * DAY;
    add('return_departed', airport, destination.zone);
    t += between(10, 25) * DAY;
    add('returned', origin.city, origin.zone);
  };
  if (customsNeedsInfo) {
    t += between(4, 24) * HOUR;
    add('customs_needs_info', airport, destination.zone);
    if (returnReason === 'customs_documents_missing') {
      t += between(7, 14) * DAY;
      add('returning', airport, destination.zone, 'customs documents not provided');
      finishReturn();
      return journey('returned');
    }
    customsDays += between(1, 5);
  }
  t += customsDays * DAY;
  add('customs_released', airport, destination.zone);
  t += between(3, 20) * HOUR;
  add('handed_to_last_mile', airport, destination.zone, lastMile);
  t += between(destination.domesticDays[0], destination.domesticDays[1]) * DAY;
  add('arrived_delivery_facility', there, destination.zone);

  t = nextLocalDayAt(t, destination.zone, between(7.5, 10.5));
  add('out_for_delivery', there, destination.zone);
  if (returnReason === 'refused_at_door' || failedDrawn) {
    t += between(2, 7) * HOUR;
    add('delivery_failed', there, destination.zone);
    failedAttempts = 1;
    t = nextLocalDayAt(t, destination.zone, between(7.5, 10.5));
    add('out_for_delivery', there, destination.zone);
  }
  if (returnReason === 'refused_at_door') {
    t += between(1, 6) * HOUR;
    add('delivery_refused', there, destination.zone);
    t += between(2, 5) * DAY;
    add('returning', there, destination.zone, 'refused by recipient');
    finishReturn();
    return journey('returned');
  }
  t += between(1, 8) * HOUR;
  add('delivered', there, destination.zone);
  return journey('delivered');

  function journey(outcome: SimulatedJourney['outcome']): SimulatedJourney {
    return {
      carrierCode: number.carrierCode,
      trackingNumber: number.trackingNumber,
      style,
      origin: origin.city,
      destinationCountry: destination.country,
      destinationCity: city,
      lastMileCarrier: lastMile,
      customsHeld,
      customsNeedsInfo,
      failedAttempts,
      outcome,
      ...(returnReason !== undefined ? { returnReason } : {}),
      events,
    };
  }
}

/* ------------------------------------------------------------------------------------------------
 * The provider
 * --------------------------------------------------------------------------------------------- */

export interface SimulatorOptions {
  /** The clock: events are released when it reaches their time. Pass `() => clock.now()`. */
  now: () => Date;
  /** Signs and checks the simulator's webhook deliveries; a random one per instance when omitted. */
  webhookSecret?: string;
  /** Decides which carriers get UPU event codes; the shipped registry when omitted. */
  registry?: CarrierRegistry;
}

/** A signed webhook delivery, as the simulator would POST it. */
export interface SimulatedWebhook {
  rawBody: Buffer;
  headers: Record<string, string>;
}

class ShapeError extends Error {}

function readString(value: unknown, path: string, optional: boolean): string | undefined {
  if (value === undefined && optional) return undefined;
  if (typeof value !== 'string' || value === '') throw new ShapeError(`${path} must be a non-empty string`);
  return value;
}

function readRecord(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ShapeError(`${path} must be an object`);
  return value as Record<string, unknown>;
}

function readList(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new ShapeError(`${path} must be an array`);
  return value;
}

function readEvent(value: unknown, path: string): RawCarrierEvent {
  const event = readRecord(value, path);
  const out: RawCarrierEvent = { time: readString(event.time, `${path}.time`, false) as string };
  for (const field of ['eventId', 'code', 'text', 'location', 'utcOffset'] as const) {
    const text = readString(event[field], `${path}.${field}`, true);
    if (text !== undefined) out[field] = text;
  }
  return out;
}

/**
 * The carrier SIMULATOR as a tracking provider. Simulated data only: never configure it where
 * buyers expect real tracking.
 */
export class TrackingSimulator implements TrackingProvider {
  readonly name = SIMULATOR_NAME;
  readonly reportsPlatformNetwork = true;
  readonly #now: () => Date;
  readonly #secret: string;
  readonly #registry: CarrierRegistry | undefined;
  readonly #registered = new Map<string, number>();

  constructor(options: SimulatorOptions) {
    this.#now = options.now;
    this.#secret = options.webhookSecret ?? randomBytes(32).toString('hex');
    if (this.#secret === '') throw new Error('The simulator’s webhook secret must not be empty.');
    this.#registry = options.registry;
  }

  /** Remembers the numbers (from their `registeredAt`, or now); numbers that cannot exist are refused. */
  async register(numbers: readonly TrackedNumber[]): Promise<RegistrationResult> {
    const rejected: RejectedNumber[] = [];
    for (const number of distinctNumbers(numbers)) {
      const problem = numberProblem(normalizeTrackingNumber(number.trackingNumber));
      if (problem) {
        rejected.push({ number, code: 'invalid_number', message: `Simulator: ${JSON.stringify(number.trackingNumber)} cannot be a tracking number (${problem}).` });
        continue;
      }
      const key = numberKey(number);
      if (!this.#registered.has(key)) this.#registered.set(key, this.#startOf(number) ?? this.#now().getTime());
    }
    return { rejected };
  }

  /** The simulated events whose time has come, newest first; no events for numbers never registered. */
  async fetch(numbers: readonly TrackedNumber[]): Promise<TrackingSnapshot[]> {
    return distinctNumbers(numbers).map((number) => this.#snapshot(number));
  }

  /** The whole simulated journey of a registered number, future events included (for tests and demos). */
  journey(number: TrackedNumber): SimulatedJourney | undefined {
    const start = this.#startOf(number) ?? this.#registered.get(numberKey(number));
    return start === undefined ? undefined : simulateJourney(number, new Date(start), this.#registry ?? shippedCarrierRegistry());
  }

  /**
   * A signed webhook delivery carrying the events due so far for the numbers, as the simulator
   * would push it. Its id is derived from its content: sending the same state again repeats the
   * id, as a retried delivery does.
   */
  webhookFor(numbers: TrackedNumber | readonly TrackedNumber[]): SimulatedWebhook {
    const list = Array.isArray(numbers) ? (numbers as readonly TrackedNumber[]) : [numbers as TrackedNumber];
    const snapshots = distinctNumbers(list).map((number) => {
      if (this.journey(number) === undefined) {
        throw new Error(`Simulator: ${number.carrierCode} ${number.trackingNumber} was never registered and carries no registeredAt.`);
      }
      return this.#snapshot(number);
    });
    const content = snapshots.map((snapshot) => [snapshot.carrierCode, snapshot.trackingNumber, ...snapshot.events.map((event) => event.eventId)]);
    const deliveryId = `simdlv_${createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 24)}`;
    const now = this.#now();
    const body = {
      simulator: true,
      notice: 'Simulated tracking data from Caravan’s built-in carrier simulator; no real parcel is behind it.',
      deliveryId,
      sentAt: now.toISOString(),
      snapshots,
    };
    const rawBody = Buffer.from(JSON.stringify(body), 'utf8');
    return {
      rawBody,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'caravan-carrier-simulator',
        [SIMULATOR_SIGNATURE_HEADER]: signatureHeader(this.#secret, rawBody, now),
      },
    };
  }

  readWebhook(rawBody: Buffer, headers: WebhookHeaders): WebhookDelivery {
    verifySignatureHeader(this.#secret, rawBody, headerValue(headers, SIMULATOR_SIGNATURE_HEADER), this.#now());
    try {
      let parsed: unknown;
      try {
        parsed = JSON.parse(rawBody.toString('utf8'));
      } catch {
        throw new ShapeError('is not JSON');
      }
      const body = readRecord(parsed, 'the body');
      if (body.simulator !== true) throw new ShapeError('is not a simulator delivery ("simulator": true is missing)');
      const deliveryId = readString(body.deliveryId, 'deliveryId', false) as string;
      const snapshots = readList(body.snapshots, 'snapshots').map((value, i) => {
        const snapshot = readRecord(value, `snapshots[${i}]`);
        return {
          carrierCode: readString(snapshot.carrierCode, `snapshots[${i}].carrierCode`, false) as string,
          trackingNumber: readString(snapshot.trackingNumber, `snapshots[${i}].trackingNumber`, false) as string,
          events: readList(snapshot.events, `snapshots[${i}].events`).map((event, j) => readEvent(event, `snapshots[${i}].events[${j}]`)),
        };
      });
      return { deliveryId, snapshots };
    } catch (error) {
      if (error instanceof ShapeError) throw new WebhookRejected('unreadable_body', `The simulator's webhook body cannot be read: ${error.message}.`);
      throw error;
    }
  }

  #startOf(number: TrackedNumber): number | undefined {
    if (number.registeredAt === undefined) return undefined;
    const start = typeof number.registeredAt === 'string' ? Date.parse(number.registeredAt) : number.registeredAt.getTime();
    return Number.isNaN(start) ? undefined : start;
  }

  #snapshot(number: TrackedNumber): TrackingSnapshot {
    const journey = this.journey(number);
    const now = this.#now().getTime();
    const events = journey ? journey.events.filter((event) => event.at <= now).map((event) => event.raw).reverse() : [];
    return { carrierCode: number.carrierCode, trackingNumber: number.trackingNumber, events };
  }
}

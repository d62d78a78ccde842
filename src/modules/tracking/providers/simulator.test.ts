import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../platform/clock/index.ts';
import { shippedCarrierRegistry } from '../carriers.ts';
import { currentStatus, mergeEvents, parseEventTime, toTrackingEvent } from '../status.ts';
import type { MainStatus, TrackingEvent } from '../status.ts';
import { WebhookRejected } from './provider.ts';
import type { TrackedNumber } from './provider.ts';
import { signatureHeader } from './signature.ts';
import {
  SIMULATOR_DESTINATIONS,
  SIMULATOR_SHARES,
  SIMULATOR_SIGNATURE_HEADER,
  SIMULATOR_TEXT_PREFIX,
  TrackingSimulator,
  simulateJourney,
} from './simulator.ts';
import type { SimulatedJourney } from './simulator.ts';

const registry = shippedCarrierRegistry();
const START = '2026-11-02T03:00:00Z';
const DAY = 86_400_000;

function carrierOf(code: string) {
  const carrier = registry.get(code);
  if (!carrier) throw new Error(`no carrier ${code}`);
  return carrier;
}

function numbers(count: number, prefix = 'LP'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(1_000_000_000_000 + i * 7919)}`);
}

/** The simulated events read by the real pipeline, in carrier-time order. */
function mapped(journey: SimulatedJourney): TrackingEvent[] {
  const carrier = carrierOf(journey.carrierCode);
  return journey.events.map((event) => toTrackingEvent(carrier, event.raw, new Date(event.at)));
}

/** The stage status.ts gives after each event, counting only the events up to it. */
function stagesAlong(journey: SimulatedJourney): { status: MainStatus; subStatus: string }[] {
  const events = mapped(journey);
  return events.map((_, i) => {
    const status = currentStatus(events.slice(0, i + 1), { now: new Date(journey.events[i]!.at) });
    return { status: status.status, subStatus: status.subStatus };
  });
}

describe('simulated journeys', () => {
  it('are the same for the same number and start, and differ between numbers', () => {
    const number = { carrierCode: 'cainiao', trackingNumber: 'LP00462538470686' };
    expect(simulateJourney(number, START)).toEqual(simulateJourney(number, new Date(START)));
    const [a, b] = numbers(2).map((trackingNumber) => simulateJourney({ carrierCode: 'cainiao', trackingNumber }, START));
    expect(a!.events.map((event) => event.raw.time)).not.toEqual(b!.events.map((event) => event.raw.time));
  });

  it('go China → destination over days, with local times and offsets, deliveries in the daytime', () => {
    for (const trackingNumber of numbers(200)) {
      const journey = simulateJourney({ carrierCode: 'yunexpress', trackingNumber }, START);
      const times = journey.events.map((event) => parseEventTime(event.raw.time));
      expect(times).toEqual(journey.events.map((event) => event.at));
      for (let i = 1; i < times.length; i += 1) expect(times[i]!).toBeGreaterThan(times[i - 1]!);
      const first = journey.events[0]!;
      expect(first.step).toBe('label_created');
      expect(first.raw.time).toMatch(/\+08:00$/);
      expect(first.at).toBeLessThan(Date.parse(START));
      expect(SIMULATOR_DESTINATIONS).toContain(journey.destinationCountry);
      if (journey.outcome === 'delivered') {
        const days = (journey.events.at(-1)!.at - first.at) / DAY;
        expect(days).toBeGreaterThan(4);
        expect(days).toBeLessThan(40);
        const delivered = journey.events.at(-1)!;
        expect(delivered.step).toBe('delivered');
        expect(delivered.raw.location).toBe(`${journey.destinationCity}, ${journey.destinationCountry}`);
        const localHour = Number(/T(\d{2}):/.exec(delivered.raw.time)![1]);
        expect(localHour).toBeGreaterThanOrEqual(8);
        expect(localHour).toBeLessThanOrEqual(19);
      } else {
        expect(journey.events.at(-1)!.step).toBe('returned');
      }
    }
  });

  it('send destination posts’ parcels to their own country', () => {
    for (const trackingNumber of numbers(20, 'RB')) {
      expect(simulateJourney({ carrierCode: 'correios', trackingNumber }, START).destinationCountry).toBe('BR');
      expect(simulateJourney({ carrierCode: 'usps', trackingNumber }, START).destinationCountry).toBe('US');
    }
  });

  it('say they are simulated in every text and event id', () => {
    const journey = simulateJourney({ carrierCode: 'cainiao', trackingNumber: 'LP00462538470686' }, START);
    for (const event of journey.events) {
      expect(event.raw.text!.startsWith(SIMULATOR_TEXT_PREFIX)).toBe(true);
      expect(event.raw.eventId).toMatch(/^sim-[0-9a-f]{12}-\d{2}$/);
    }
  });

  it('use UPU event codes for posts and English texts only for the others', () => {
    const post = simulateJourney({ carrierCode: 'china-post', trackingNumber: 'RZ184755540CN' }, START);
    expect(post.style).toBe('upu_codes');
    expect(post.events.find((event) => event.step === 'accepted')!.raw.code).toBe('EMA');
    const consolidator = simulateJourney({ carrierCode: 'cainiao', trackingNumber: 'LP00462538470686' }, START);
    expect(consolidator.style).toBe('text');
    expect(consolidator.events.every((event) => event.raw.code === undefined)).toBe(true);
  });

  it('are read by every carrier of the shipped registry as the stages the simulator means', () => {
    // A few plain journeys plus the first number of every kind of trouble.
    const sample = numbers(2000, 'YT').map((trackingNumber) => simulateJourney({ carrierCode: 'yunexpress', trackingNumber }, START));
    const kinds: ((journey: SimulatedJourney) => boolean)[] = [
      (journey) => journey.customsHeld,
      (journey) => journey.customsNeedsInfo && journey.outcome === 'delivered',
      (journey) => journey.failedAttempts === 1 && journey.outcome === 'delivered',
      (journey) => journey.returnReason === 'refused_at_door',
      (journey) => journey.returnReason === 'customs_documents_missing',
    ];
    const chosen = [...sample.slice(0, 6), ...kinds.map((kind) => sample.find(kind)!)].map((journey) => journey.trackingNumber);
    expect(chosen.every((trackingNumber) => trackingNumber !== undefined)).toBe(true);

    const failures: string[] = [];
    for (const carrier of registry.carriers) {
      for (const trackingNumber of chosen) {
        const journey = simulateJourney({ carrierCode: carrier.code, trackingNumber }, START);
        stagesAlong(journey).forEach((stage, i) => {
          const meant = journey.events[i]!;
          if (stage.status !== meant.stage) failures.push(`${carrier.code} ${meant.step}: ${stage.status}, meant ${meant.stage} (${meant.raw.text})`);
        });
      }
    }
    expect([...new Set(failures)]).toEqual([]);
  });

  it('are read with the intended sub-statuses by the China carriers they mostly simulate', () => {
    for (const code of ['cainiao', 'yunexpress', '4px', 'yanwen', 'china-post', 'ems-china']) {
      for (const trackingNumber of numbers(150)) {
        const journey = simulateJourney({ carrierCode: code, trackingNumber }, START);
        const along = stagesAlong(journey);
        journey.events.forEach((event, i) => {
          expect(along[i], `${code} ${trackingNumber} ${event.step}`).toEqual({ status: event.stage, subStatus: event.subStatus });
        });
      }
    }
  });

  it('progress through the stages in order and end delivered or returned', () => {
    const milestones: MainStatus[] = ['info_received', 'in_transit', 'customs', 'out_for_delivery', 'delivered'];
    let returnedSeen = 0;
    for (const code of ['cainiao', 'china-post', 'correios', 'russian-post', 'ups', 'cdek']) {
      for (const trackingNumber of numbers(60)) {
        const journey = simulateJourney({ carrierCode: code, trackingNumber }, START);
        const events = mapped(journey);
        const final = currentStatus(events, { now: new Date(journey.events.at(-1)!.at + DAY) });
        expect(final.terminal).toBe(true);
        expect(final.status).toBe(journey.outcome);
        const along = stagesAlong(journey).map((stage) => stage.status);
        if (journey.outcome === 'delivered') {
          const firsts = milestones.map((stage) => along.indexOf(stage));
          expect(firsts.every((index) => index >= 0)).toBe(true);
          expect([...firsts].sort((a, b) => a - b)).toEqual(firsts);
        } else {
          returnedSeen += 1;
          expect(along.indexOf('returning')).toBeGreaterThan(along.indexOf('customs'));
          expect(along.at(-1)).toBe('returned');
        }
      }
    }
    expect(returnedSeen).toBeGreaterThan(0);
  });

  it('go wrong as often as SIMULATOR_SHARES states, over 1,000 numbers', () => {
    const journeys = numbers(1000, 'YT').map((trackingNumber) => simulateJourney({ carrierCode: 'yunexpress', trackingNumber }, START));
    const share = (list: SimulatedJourney[], test: (journey: SimulatedJourney) => boolean) => list.filter(test).length / list.length;
    const delivered = journeys.filter((journey) => journey.outcome === 'delivered');
    const returned = journeys.filter((journey) => journey.outcome === 'returned');

    expect(SIMULATOR_SHARES).toMatchObject({ returned: 0.03, customsHeld: 0.12, customsNeedsInfo: 0.05, failedAttempt: 0.1 });
    expect(share(journeys, (journey) => journey.outcome === 'returned')).toBeGreaterThanOrEqual(0.015);
    expect(share(journeys, (journey) => journey.outcome === 'returned')).toBeLessThanOrEqual(0.05);
    expect(share(journeys, (journey) => journey.customsHeld)).toBeGreaterThanOrEqual(0.09);
    expect(share(journeys, (journey) => journey.customsHeld)).toBeLessThanOrEqual(0.15);
    expect(share(delivered, (journey) => journey.customsNeedsInfo)).toBeGreaterThanOrEqual(0.03);
    expect(share(delivered, (journey) => journey.customsNeedsInfo)).toBeLessThanOrEqual(0.075);
    expect(share(delivered, (journey) => journey.failedAttempts === 1)).toBeGreaterThanOrEqual(0.07);
    expect(share(delivered, (journey) => journey.failedAttempts === 1)).toBeLessThanOrEqual(0.13);
    // Both kinds of return happen, and each journey's events match its flags.
    expect(new Set(returned.map((journey) => journey.returnReason))).toEqual(new Set(['refused_at_door', 'customs_documents_missing']));
    for (const journey of journeys) {
      const steps = journey.events.map((event) => event.step);
      expect(steps.includes('customs_held')).toBe(journey.customsHeld);
      expect(steps.includes('customs_needs_info')).toBe(journey.customsNeedsInfo);
      expect(steps.filter((step) => step === 'delivery_failed').length).toBe(journey.failedAttempts);
      if (journey.failedAttempts === 1 && journey.outcome === 'delivered') {
        const failed = journey.events.find((event) => event.step === 'delivery_failed')!;
        const delivered = journey.events.at(-1)!;
        expect(delivered.raw.time.slice(0, 10) > failed.raw.time.slice(0, 10)).toBe(true);
      }
    }
  });
});

describe('TrackingSimulator', () => {
  const number: TrackedNumber = { carrierCode: 'cainiao', trackingNumber: 'LP00462538470686' };

  function setup() {
    const clock = new ManualClock(START);
    const simulator = new TrackingSimulator({ now: () => clock.now(), webhookSecret: 'simulator-test-secret' });
    return { clock, simulator };
  }

  it('is named as a simulator', () => {
    expect(setup().simulator.name).toBe('simulator');
  });

  it('knows nothing of numbers never registered', async () => {
    const { simulator } = setup();
    expect(await simulator.fetch([number])).toEqual([{ ...number, events: [] }]);
  });

  it('releases events as the clock reaches them, newest first', async () => {
    const { clock, simulator } = setup();
    expect(await simulator.register([number, number])).toEqual({ rejected: [] });
    const [atStart] = await simulator.fetch([number]);
    expect(atStart!.events.map((event) => event.text)).toEqual([`${SIMULATOR_TEXT_PREFIX}Shipment information received`]);

    clock.advance({ days: 3 });
    const [later] = await simulator.fetch([number]);
    expect(later!.events.length).toBeGreaterThan(1);
    const times = later!.events.map((event) => parseEventTime(event.time));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(Math.max(...times)).toBeLessThanOrEqual(clock.now().getTime());

    clock.advance({ days: 90 });
    const [done] = await simulator.fetch([number]);
    const journey = simulator.journey(number)!;
    expect(done!.events).toEqual(journey.events.map((event) => event.raw).reverse());
    const status = currentStatus(done!.events.map((event) => toTrackingEvent(carrierOf('cainiao'), event, clock.now())), { now: clock.now() });
    expect(status.status).toBe(journey.outcome);
  });

  it('keeps the first registration, and needs no memory when the number carries registeredAt', async () => {
    const { clock, simulator } = setup();
    await simulator.register([number]);
    clock.advance({ days: 5 });
    await simulator.register([number]);
    const [remembered] = await simulator.fetch([number]);

    const elsewhere = new TrackingSimulator({ now: () => clock.now() });
    const [stateless] = await elsewhere.fetch([{ ...number, registeredAt: START }]);
    expect(stateless!.events).toEqual(remembered!.events);
    expect(stateless!.events.length).toBeGreaterThan(3);
  });

  it('refuses numbers that cannot be tracking numbers', async () => {
    const { simulator } = setup();
    const bad = { carrierCode: 'cainiao', trackingNumber: 'LP-12/34' };
    const result = await simulator.register([bad, number]);
    expect(result.rejected).toEqual([expect.objectContaining({ number: bad, code: 'invalid_number' })]);
  });

  it('delivers signed webhooks that it reads back, end to end through mergeEvents', async () => {
    const { clock, simulator } = setup();
    await simulator.register([number]);
    clock.advance({ days: 4 });
    const webhook = simulator.webhookFor(number);
    expect(webhook.headers[SIMULATOR_SIGNATURE_HEADER]).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const delivery = simulator.readWebhook(webhook.rawBody, { 'X-Simulator-Signature': webhook.headers[SIMULATOR_SIGNATURE_HEADER] });
    expect(delivery.snapshots).toEqual(await simulator.fetch([number]));
    expect(JSON.parse(webhook.rawBody.toString('utf8'))).toMatchObject({ simulator: true });

    // The same state sent again is the same delivery; new events make a new one.
    expect(simulator.webhookFor(number).rawBody.toString()).toContain(delivery.deliveryId);
    clock.advance({ days: 4 });
    const later = simulator.webhookFor(number);
    const next = simulator.readWebhook(later.rawBody, later.headers);
    expect(next.deliveryId).not.toBe(delivery.deliveryId);

    // A poll after the webhook brings only duplicates of what the webhook brought.
    const carrier = carrierOf('cainiao');
    const known = next.snapshots[0]!.events.map((event) => toTrackingEvent(carrier, event, clock.now()));
    const [polled] = await simulator.fetch([number]);
    const merged = mergeEvents(known, polled!.events.map((event) => toTrackingEvent(carrier, event, clock.now())));
    expect(merged.added).toEqual([]);
    expect(merged.duplicates.length).toBe(known.length);
  });

  it('refuses deliveries that are tampered with, signed with another secret, stale or unreadable', async () => {
    const { clock, simulator } = setup();
    await simulator.register([number]);
    clock.advance({ days: 2 });
    const { rawBody, headers } = simulator.webhookFor(number);
    const reason = (body: Buffer, given: Record<string, string | undefined>) => {
      try {
        simulator.readWebhook(body, given);
      } catch (error) {
        expect(error).toBeInstanceOf(WebhookRejected);
        return (error as WebhookRejected).reason;
      }
      return 'accepted';
    };

    expect(reason(rawBody, headers)).toBe('accepted');
    expect(reason(Buffer.from(rawBody.toString().replace('Accepted by carrier', 'Delivered')), headers)).toBe('bad_signature');
    const other = new TrackingSimulator({ now: () => clock.now(), webhookSecret: 'another-secret' });
    expect(reason(rawBody, other.webhookFor({ ...number, registeredAt: START }).headers)).toBe('bad_signature');
    expect(reason(rawBody, {})).toBe('missing_signature');
    expect(reason(rawBody, { [SIMULATOR_SIGNATURE_HEADER]: 'sha256=abc' })).toBe('malformed_signature');
    const garbage = Buffer.from('{"simulator": true, "deliveryId": 7}');
    expect(reason(garbage, { [SIMULATOR_SIGNATURE_HEADER]: signatureHeader('simulator-test-secret', garbage, clock.now()) })).toBe('unreadable_body');

    clock.advance({ minutes: 6 });
    expect(reason(rawBody, headers)).toBe('stale_timestamp');
  });

  it('will not invent a webhook for a number it does not know', () => {
    const { simulator } = setup();
    expect(() => simulator.webhookFor(number)).toThrow(/never registered/);
  });
});

import { describe, expect, it } from 'vitest';
import { shippedCarrierRegistry } from './carriers.ts';
import {
  type MainStatus,
  type RawCarrierEvent,
  type TrackingEvent,
  MAIN_STATUSES,
  SHARED_KEYWORD_RULES,
  SUB_STATUSES,
  TrackingEventError,
  buyerTimeline,
  currentStatus,
  dedupeEvents,
  describeStatus,
  foldText,
  mapCarrierEvent,
  mergeEvents,
  notificationsDue,
  orderEvents,
  parseEventTime,
  parseStatusMapping,
  stageChanges,
  toTrackingEvent,
} from './status.ts';

const registry = shippedCarrierRegistry();
const carrier = (code: string) => {
  const found = registry.get(code);
  if (!found) throw new Error(`no carrier ${code}`);
  return found;
};
const plain = { code: 'test-carrier' };

function event(time: string, text: string, extra: Partial<RawCarrierEvent> & { carrier?: string; receivedAt?: string } = {}): TrackingEvent {
  const { carrier: code, receivedAt, ...raw } = extra;
  return toTrackingEvent(code ? carrier(code) : plain, { time, text, ...raw }, receivedAt ?? '2026-12-01T00:00:00Z');
}

const stages = (events: TrackingEvent[]) => stageChanges(events).map((change) => change.stage);

describe('the canonical model', () => {
  it('has the twelve main statuses of logistics.md, each with sub-statuses', () => {
    expect(MAIN_STATUSES).toEqual([
      'pending', 'info_received', 'in_transit', 'customs', 'out_for_delivery', 'available_for_pickup',
      'delivery_failed', 'delivered', 'exception', 'returning', 'returned', 'expired',
    ]);
    expect(SUB_STATUSES.customs).toEqual(['processing', 'held', 'needs_info', 'awaiting_payment', 'released']);
    for (const status of MAIN_STATUSES) expect(SUB_STATUSES[status].length, status).toBeGreaterThan(0);
  });

  it('reads mappings as the registry writes them', () => {
    expect(parseStatusMapping('customs/held')).toEqual({ status: 'customs', subStatus: 'held' });
    expect(parseStatusMapping('customs')).toEqual({ status: 'customs', subStatus: 'processing' });
    expect(parseStatusMapping('shipped')).toContain('is not a canonical status');
    expect(parseStatusMapping('delivered/held')).toContain('is not a sub-status of delivered');
    expect(parseStatusMapping('pending')).toContain('decided from the clock');
  });

  it('describes statuses for people', () => {
    expect(describeStatus('customs', 'held')).toBe('Held by customs');
    expect(describeStatus('customs', 'processing')).toBe('In customs');
    expect(describeStatus('delivered')).toBe('Delivered');
  });

  it('compiles the shared keywords without clashes', () => {
    expect(SHARED_KEYWORD_RULES.length).toBeGreaterThan(300);
  });
});

describe('mapping a raw carrier event', () => {
  it('uses the carrier’s code first, then the code’s family', () => {
    const russian = carrier('russian-post').statusMap;
    expect(mapCarrierEvent(russian, { code: '8.2', text: 'Прибыло в место вручения' })).toMatchObject({ status: 'available_for_pickup', mappedBy: 'code', matched: '8.2' });
    expect(mapCarrierEvent(russian, { code: '8.13' })).toMatchObject({ status: 'in_transit', mappedBy: 'code', matched: '8' });
    expect(mapCarrierEvent(carrier('correios').statusMap, { code: 'BDE-01' })).toMatchObject({ status: 'delivered', matched: 'BDE-01' });
    expect(mapCarrierEvent(carrier('dhl-express').statusMap, { code: 'ok' })).toMatchObject({ status: 'delivered', mappedBy: 'code' });
  });

  it('trusts the text over coarse codes, and falls back to them when the text says nothing', () => {
    const ups = carrier('ups').statusMap;
    expect(mapCarrierEvent(ups, { code: 'I', text: 'Out For Delivery Today' })).toMatchObject({ status: 'out_for_delivery', mappedBy: 'carrier_keyword' });
    expect(mapCarrierEvent(ups, { code: 'I', text: 'Departed from Facility' })).toMatchObject({ status: 'in_transit', subStatus: 'departed_facility', mappedBy: 'keyword' });
    expect(mapCarrierEvent(ups, { code: 'I', text: 'Zzz' })).toMatchObject({ status: 'in_transit', mappedBy: 'coarse_code' });
    expect(mapCarrierEvent(ups, { code: 'X', text: 'The receiver was not available for delivery.' })).toMatchObject({ status: 'delivery_failed', subStatus: 'recipient_unavailable' });
    expect(mapCarrierEvent(carrier('dhl-ecommerce').statusMap, { code: 'transit', text: 'Out for delivery' })).toMatchObject({ status: 'out_for_delivery' });
  });

  it('uses the carrier’s own keywords before the shared ones', () => {
    const cainiao = carrier('cainiao').statusMap;
    expect(mapCarrierEvent(cainiao, { text: 'Export customs clearance complete' })).toMatchObject({ status: 'in_transit', subStatus: 'export', mappedBy: 'carrier_keyword' });
    expect(mapCarrierEvent(cainiao, { text: 'Import customs clearance complete' })).toMatchObject({ status: 'customs', subStatus: 'released' });
    expect(mapCarrierEvent(carrier('yunexpress').statusMap, { text: 'Customs inspection' })).toMatchObject({ status: 'customs', subStatus: 'held', mappedBy: 'carrier_keyword' });
  });

  it.each<[string, MainStatus, string]>([
    ['Delivered', 'delivered', 'delivered'],
    ['Delivered, left at front door', 'delivered', 'left_at_door'],
    ['Not delivered - recipient not available', 'delivery_failed', 'recipient_unavailable'],
    ['Undelivered', 'delivery_failed', 'attempt_failed'],
    ['Out for delivery', 'out_for_delivery', 'out_for_delivery'],
    ['Held by customs', 'customs', 'held'],
    ['Customs clearance completed', 'customs', 'released'],
    ['Awaiting payment of duties', 'customs', 'awaiting_payment'],
    ['Return to sender', 'returning', 'returning'],
    ['Delivered to sender', 'returned', 'returned'],
    ['Shipping label created', 'info_received', 'label_created'],
    ['Arrived at destination country', 'in_transit', 'import'],
    // Chinese
    ['快件已签收', 'delivered', 'delivered'],
    ['海关查验', 'customs', 'held'],
    ['清关完成', 'customs', 'released'],
    ['正在派送中', 'out_for_delivery', 'out_for_delivery'],
    ['已揽收', 'in_transit', 'picked_up'],
    // Russian
    ['Таможенное оформление завершено', 'customs', 'released'],
    ['Передано на таможню', 'customs', 'processing'],
    ['Неудачная попытка вручения', 'delivery_failed', 'attempt_failed'],
    ['Вручение адресату', 'delivered', 'delivered'],
    ['Вручение отправителю', 'returned', 'returned'],
    ['Прибыло в место вручения', 'available_for_pickup', 'at_post_office'],
    // Spanish
    ['Retenido en aduana', 'customs', 'held'],
    ['Entregado', 'delivered', 'delivered'],
    ['En reparto', 'out_for_delivery', 'out_for_delivery'],
    // French
    ['Votre colis est livré', 'delivered', 'delivered'],
    ['Retenu en douane', 'customs', 'held'],
    ['Dédouanement terminé', 'customs', 'released'],
    // Portuguese
    ['Objeto entregue ao destinatário', 'delivered', 'delivered'],
    ['Objeto saiu para entrega ao destinatário', 'out_for_delivery', 'out_for_delivery'],
    ['Encaminhado para fiscalização aduaneira', 'customs', 'processing'],
    ['Liberado pela alfândega', 'customs', 'released'],
    // Arabic, Korean, Japanese, German, Italian, Polish
    ['تم التسليم', 'delivered', 'delivered'],
    ['الشحنة في الجمارك', 'customs', 'processing'],
    ['배송완료', 'delivered', 'delivered'],
    ['통관 완료', 'customs', 'released'],
    ['配達完了', 'delivered', 'delivered'],
    ['Zugestellt', 'delivered', 'delivered'],
    ['Sdoganata', 'customs', 'released'],
    ['Paczka w paczkomacie', 'available_for_pickup', 'at_locker'],
  ])('%j → %s/%s', (text, status, subStatus) => {
    expect(mapCarrierEvent(undefined, { text })).toMatchObject({ status, subStatus, mappedBy: 'keyword' });
  });

  it('matches whole words, so a keyword is not found inside another word', () => {
    expect(mapCarrierEvent(undefined, { text: 'Le livreur est passé' })).toMatchObject({ mappedBy: 'none' });
    expect(mapCarrierEvent(undefined, { text: 'Important notice' })).toMatchObject({ mappedBy: 'none' });
    expect(mapCarrierEvent(undefined, { text: 'Delay in delivery' })).toMatchObject({ status: 'in_transit', subStatus: 'delayed' });
  });

  it('lets the longest keyword win', () => {
    expect(mapCarrierEvent(undefined, { text: 'Export customs clearance' })).toMatchObject({ status: 'in_transit', subStatus: 'export' });
    expect(mapCarrierEvent(undefined, { text: 'Returned from customs' })).toMatchObject({ status: 'customs', subStatus: 'released' });
    expect(mapCarrierEvent(undefined, { text: 'Delivered to UPS Access Point' })).toMatchObject({ status: 'available_for_pickup' });
  });

  it('keeps an event nobody can read as activity', () => {
    expect(mapCarrierEvent(carrier('ups').statusMap, { code: 'ZZ', text: 'Scan' })).toEqual({ status: 'in_transit', subStatus: 'in_transit', mappedBy: 'none' });
    expect(mapCarrierEvent(undefined, {})).toMatchObject({ mappedBy: 'none' });
  });

  it('folds case, accents, Arabic letter forms and punctuation the same way on both sides', () => {
    expect(foldText('  Dédouané — OK!  ')).toBe('dedouane ok');
    expect(foldText('إعادة')).toBe('اعاده');
    expect(foldText('Приём')).toBe('прием');
  });
});

describe('events and their times', () => {
  it('keeps the raw code, text, location and time, and stamps UTC times', () => {
    const mapped = toTrackingEvent(carrier('dhl-express'), { eventId: 'e1', code: 'CD', text: 'Clearance delay', location: 'MADRID - SPAIN', time: '2026-11-20T10:33:00+01:00' }, new Date('2026-11-20T09:40:00Z'));
    expect(mapped).toEqual({
      carrier: 'dhl-express',
      eventId: 'e1',
      code: 'CD',
      text: 'Clearance delay',
      location: 'MADRID - SPAIN',
      time: '2026-11-20T10:33:00+01:00',
      occurredAt: '2026-11-20T09:33:00.000Z',
      receivedAt: '2026-11-20T09:40:00.000Z',
      status: 'customs',
      subStatus: 'held',
      mappedBy: 'code',
      matched: 'CD',
    });
  });

  it('places local carrier times with the offset the adapter gives', () => {
    expect(new Date(parseEventTime('2026-11-20 10:33', '+08:00')).toISOString()).toBe('2026-11-20T02:33:00.000Z');
    expect(new Date(parseEventTime('2026-11-20 10:33:05', '-0300')).toISOString()).toBe('2026-11-20T13:33:05.000Z');
    expect(new Date(parseEventTime('2026-11-20T10:33:05.250Z')).toISOString()).toBe('2026-11-20T10:33:05.250Z');
  });

  it('refuses a time it cannot place', () => {
    expect(() => parseEventTime('2026-11-20 10:33')).toThrow(TrackingEventError);
    expect(() => parseEventTime('2026-11-20 10:33')).toThrow('has no UTC offset');
    expect(() => parseEventTime('20/11/2026 10:33', '+08:00')).toThrow('is not an ISO 8601 date-time');
    expect(() => parseEventTime('2026-02-30T10:00:00Z')).toThrow('is not a real date-time');
    expect(() => parseEventTime('2026-11-20 10:33', 'CST')).toThrow('utcOffset');
  });
});

describe('ordering, duplicates and late arrivals', () => {
  it('orders by the carrier’s event time, not by arrival', () => {
    const later = event('2026-11-03T10:00:00Z', 'Departed', { receivedAt: '2026-11-03T11:00:00Z' });
    const earlier = event('2026-11-02T10:00:00Z', 'Arrived', { receivedAt: '2026-11-04T00:00:00Z' });
    expect(orderEvents([later, earlier])).toEqual([earlier, later]);
  });

  it('puts events stamped with the same time in journey order', () => {
    const delivered = event('2026-11-05T10:00:00Z', 'Delivered');
    const out = event('2026-11-05T10:00:00Z', 'Out for delivery');
    expect(orderEvents([delivered, out]).map((e) => e.status)).toEqual(['out_for_delivery', 'delivered']);
  });

  it('compares instants, not clock readings, across time zones', () => {
    const shanghai = event('2026-11-03 08:00', 'Departed', { utcOffset: '+08:00' }); // 00:00Z
    const saoPaulo = event('2026-11-02 22:00', 'Arrived', { utcOffset: '-03:00' }); // 01:00Z next day
    expect(orderEvents([saoPaulo, shanghai])).toEqual([shanghai, saoPaulo]);
  });

  it('drops repeats by event id, keeping the copy that arrived first', () => {
    const first = event('2026-11-02T10:00:00Z', 'Arrived at facility', { eventId: 'a1', receivedAt: '2026-11-02T10:05:00Z' });
    const retry = event('2026-11-02T10:00:00Z', 'Arrived at facility (retry)', { eventId: 'a1', receivedAt: '2026-11-02T12:00:00Z' });
    expect(dedupeEvents([retry, first])).toEqual({ events: [first], duplicates: [retry] });
  });

  it('drops repeats with the same time, code and location when there is no id', () => {
    const a = event('2026-11-02T10:00:00Z', 'Arrived', { code: 'AF', location: 'Leipzig Hub' });
    const b = event('2026-11-02T10:00:00Z', 'Arrived at DHL facility', { code: 'af', location: 'LEIPZIG  hub' });
    const elsewhere = event('2026-11-02T10:00:00Z', 'Arrived', { code: 'AF', location: 'Madrid Hub' });
    expect(dedupeEvents([a, b, elsewhere]).events).toEqual([a, elsewhere]);
  });

  it('merges a batch into what is known: new, duplicate and late events', () => {
    const known = [event('2026-11-01T10:00:00Z', 'Accepted'), event('2026-11-05T10:00:00Z', 'Out for delivery', { eventId: 'o1' })];
    const incoming = [
      event('2026-11-03T10:00:00Z', 'Held by customs', { receivedAt: '2026-11-05T11:00:00Z' }), // late: before the newest known
      event('2026-11-05T10:00:00Z', 'Out for delivery', { eventId: 'o1' }), // an aggregator's retry
      event('2026-11-05T15:00:00Z', 'Delivered'),
    ];
    const merged = mergeEvents(known, incoming);
    expect(merged.added.map((e) => e.status)).toEqual(['customs', 'delivered']);
    expect(merged.duplicates.map((e) => e.eventId)).toEqual(['o1']);
    expect(merged.late.map((e) => e.status)).toEqual(['customs']);
    expect(merged.events.map((e) => e.status)).toEqual(['in_transit', 'customs', 'out_for_delivery', 'delivered']);
  });
});

/** China → Brazil through Cainiao and Correios, with the customs stop this lane is known for. */
function chinaToBrazil(): TrackingEvent[] {
  return [
    event('2026-11-01 10:00', 'Shipment information received', { carrier: 'cainiao', utcOffset: '+08:00' }),
    event('2026-11-02 09:00', 'Accepted by carrier', { carrier: 'cainiao', utcOffset: '+08:00' }),
    event('2026-11-03 22:00', 'Handed over to airline', { carrier: 'cainiao', utcOffset: '+08:00' }),
    event('2026-11-06 08:00', 'Objeto recebido pelos Correios do Brasil', { carrier: 'correios', utcOffset: '-03:00' }),
    event('2026-11-06 15:00', 'Encaminhado para fiscalização aduaneira', { carrier: 'correios', utcOffset: '-03:00' }),
    event('2026-11-09 11:00', 'Aguardando pagamento', { carrier: 'correios', utcOffset: '-03:00' }),
    event('2026-11-10 16:00', 'Pagamento confirmado', { carrier: 'correios', utcOffset: '-03:00' }),
    event('2026-11-11 09:00', 'Fiscalização aduaneira finalizada', { carrier: 'correios', utcOffset: '-03:00' }),
    event('2026-11-12 07:00', 'Objeto em trânsito - por favor aguarde', { carrier: 'correios', utcOffset: '-03:00' }),
    event('2026-11-14 08:30', 'Objeto saiu para entrega ao destinatário', { carrier: 'correios', code: 'OEC', utcOffset: '-03:00' }),
    event('2026-11-14 14:10', 'Objeto entregue ao destinatário', { carrier: 'correios', code: 'BDE-01', utcOffset: '-03:00' }),
  ];
}

describe('stages', () => {
  it('follows a journey through customs to delivery', () => {
    const changes = stageChanges(chinaToBrazil());
    expect(changes.map((change) => [change.stage, change.subStatus, change.first])).toEqual([
      ['info_received', 'label_created', true],
      ['in_transit', 'accepted', true],
      ['customs', 'processing', true],
      ['in_transit', 'in_transit', false],
      ['out_for_delivery', 'out_for_delivery', true],
      ['delivered', 'delivered', true],
    ]);
    expect(changes[2]?.event.text).toBe('Encaminhado para fiscalização aduaneira');
  });

  it('is the same whatever order the events arrive in', () => {
    const journey = chinaToBrazil();
    expect(stageChanges([...journey].reverse())).toEqual(stageChanges(journey));
  });

  it('keeps a delivered parcel delivered, unless a return follows', () => {
    const delivered = [event('2026-11-01T10:00:00Z', 'In transit'), event('2026-11-02T10:00:00Z', 'Delivered')];
    expect(stages([...delivered, event('2026-11-02T12:00:00Z', 'Departed facility')])).toEqual(['in_transit', 'delivered']);
    expect(stages([...delivered, event('2026-11-04T12:00:00Z', 'Return to sender')])).toEqual(['in_transit', 'delivered', 'returning']);
  });

  it('reads "delivered" on the way back as delivered to the sender', () => {
    const events = [event('2026-11-01T10:00:00Z', 'In transit'), event('2026-11-02T10:00:00Z', 'Return to sender'), event('2026-11-03T10:00:00Z', 'In transit'), event('2026-11-06T10:00:00Z', 'Delivered')];
    expect(stageChanges(events).map((change) => [change.stage, change.subStatus])).toEqual([
      ['in_transit', 'in_transit'],
      ['returning', 'returning'],
      ['returned', 'returned'],
    ]);
  });

  it('never takes a moving parcel back to "label created"', () => {
    const events = [event('2026-11-01T10:00:00Z', 'Accepted'), event('2026-11-01T12:00:00Z', 'Shipment information received')];
    expect(stages(events)).toEqual(['in_transit']);
  });

  it('lets an unreadable event move a new shipment but not change a known stage', () => {
    expect(stages([event('2026-11-01T10:00:00Z', 'Scan')])).toEqual(['in_transit']);
    expect(stages([event('2026-11-01T10:00:00Z', 'Held by customs'), event('2026-11-02T10:00:00Z', 'Scan')])).toEqual(['customs']);
  });

  it('lets a delivery attempt repeat without opening new stages', () => {
    const events = [
      event('2026-11-01T08:00:00Z', 'Out for delivery'),
      event('2026-11-01T15:00:00Z', 'Delivery attempted - nobody home'),
      event('2026-11-02T08:00:00Z', 'Out for delivery'),
      event('2026-11-02T13:00:00Z', 'Delivered'),
    ];
    expect(stageChanges(events).map((change) => [change.stage, change.first])).toEqual([
      ['out_for_delivery', true],
      ['delivery_failed', true],
      ['out_for_delivery', false],
      ['delivered', true],
    ]);
  });
});

describe('notifications', () => {
  it('notifies once per stage, on its first event', () => {
    const journey = chinaToBrazil();
    const sent: MainStatus[] = [];
    // Events arrive one at a time; after each, send what is due.
    for (let i = 1; i <= journey.length; i += 1) {
      const due = notificationsDue(journey.slice(0, i), sent);
      if (due.notify) sent.push(due.notify.stage);
      sent.push(...due.superseded.map((change) => change.stage));
    }
    expect(sent).toEqual(['info_received', 'in_transit', 'customs', 'out_for_delivery', 'delivered']);
  });

  it('does not announce a stage the parcel has already left when its event arrives late', () => {
    const known = [event('2026-11-01T10:00:00Z', 'Accepted'), event('2026-11-05T08:00:00Z', 'Out for delivery')];
    const withLate = [...known, event('2026-11-03T10:00:00Z', 'Held by customs')];
    const due = notificationsDue(withLate, ['in_transit', 'out_for_delivery']);
    expect(due.notify).toBeUndefined();
    expect(due.superseded.map((change) => change.stage)).toEqual(['customs']);
  });

  it('sends only the newest of several stages that arrive in one batch', () => {
    const batch = [event('2026-11-01T10:00:00Z', 'Accepted'), event('2026-11-05T08:00:00Z', 'Out for delivery'), event('2026-11-05T12:00:00Z', 'Delivered')];
    const due = notificationsDue(batch, []);
    expect(due.notify?.stage).toBe('delivered');
    expect(due.superseded.map((change) => change.stage)).toEqual(['in_transit', 'out_for_delivery']);
  });

  it('sends nothing new for a repeated stage', () => {
    const events = [event('2026-11-01T08:00:00Z', 'Out for delivery'), event('2026-11-01T15:00:00Z', 'Delivery attempted'), event('2026-11-02T08:00:00Z', 'Out for delivery')];
    expect(notificationsDue(events, ['out_for_delivery', 'delivery_failed'])).toEqual({ notify: undefined, superseded: [] });
  });
});

describe('current status', () => {
  const now = new Date('2026-11-20T00:00:00Z');

  it('is pending before the carrier says anything', () => {
    expect(currentStatus([], { now })).toEqual({ status: 'pending', subStatus: 'not_found', terminal: false });
  });

  it('is the stage of the latest event, with the sub-status of the latest event in that stage', () => {
    const events = chinaToBrazil().slice(0, 6); // up to "Aguardando pagamento"
    expect(currentStatus(events, { now: new Date('2026-11-09T20:00:00Z') })).toMatchObject({
      status: 'customs',
      subStatus: 'awaiting_payment',
      since: '2026-11-06T18:00:00.000Z',
      terminal: false,
    });
  });

  it('is delivered and terminal at the end of the journey, even after a stray scan', () => {
    const events = [...chinaToBrazil(), event('2026-11-15T10:00:00Z', 'Processed')];
    expect(currentStatus(events, { now })).toMatchObject({ status: 'delivered', subStatus: 'delivered', terminal: true, lastEvent: { text: 'Processed' } });
  });

  it('expires after 30 days without news, but never once delivered', () => {
    const stalled = [event('2026-10-01T10:00:00Z', 'Accepted')];
    expect(currentStatus(stalled, { now: new Date('2026-10-31T09:00:00Z') })).toMatchObject({ status: 'in_transit' });
    expect(currentStatus(stalled, { now: new Date('2026-10-31T11:00:00Z') })).toMatchObject({ status: 'expired', subStatus: 'no_update' });
    expect(currentStatus(stalled, { now: new Date('2026-10-10T11:00:00Z'), expireAfterDays: 7 })).toMatchObject({ status: 'expired' });
    expect(currentStatus(chinaToBrazil(), { now: new Date('2027-06-01T00:00:00Z') })).toMatchObject({ status: 'delivered' });
  });

  it('expires a number the carrier never reports on, counted from registration', () => {
    expect(currentStatus([], { now, registeredAt: '2026-10-01T00:00:00Z' })).toMatchObject({ status: 'expired' });
    expect(currentStatus([], { now, registeredAt: '2026-11-10T00:00:00Z' })).toMatchObject({ status: 'pending' });
  });

  it('shows a return once it follows delivery', () => {
    const events = [event('2026-11-02T10:00:00Z', 'Delivered'), event('2026-11-04T10:00:00Z', 'Return to sender')];
    expect(currentStatus(events, { now })).toMatchObject({ status: 'returning', terminal: false });
  });
});

describe('buyer timeline', () => {
  it('lists every unique event newest first, with milestones and the carrier’s own words', () => {
    const journey = chinaToBrazil();
    const timeline = buyerTimeline([...journey, journey[4] as TrackingEvent]);
    expect(timeline).toHaveLength(journey.length);
    expect(timeline[0]).toMatchObject({
      occurredAt: '2026-11-14T17:10:00.000Z',
      stage: 'delivered',
      eventStatus: 'delivered',
      startsStage: true,
      label: 'Delivered',
      carrier: 'correios',
      text: 'Objeto entregue ao destinatário',
      code: 'BDE-01',
    });
    expect(timeline.filter((entry) => entry.startsStage).map((entry) => entry.stage)).toEqual(['delivered', 'out_for_delivery', 'in_transit', 'customs', 'in_transit', 'info_received']);
    expect(timeline.find((entry) => entry.text === 'Aguardando pagamento')).toMatchObject({ stage: 'customs', subStatus: 'awaiting_payment', startsStage: false, label: 'Duties or taxes to pay' });
  });

  it('shows a stray scan after delivery under the delivered stage, with its own status', () => {
    const timeline = buyerTimeline([event('2026-11-02T10:00:00Z', 'Delivered'), event('2026-11-02T12:00:00Z', 'Departed facility', { location: 'Hub' })]);
    expect(timeline[0]).toMatchObject({ stage: 'delivered', eventStatus: 'in_transit', startsStage: false, location: 'Hub' });
  });
});

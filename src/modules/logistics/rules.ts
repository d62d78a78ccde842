import { gs1Mod10CheckDigit } from '../tracking/index.ts';

/**
 * Pure decisions about shipments: their lifecycle as a table, and the tracking numbers the
 * platform's own services issue.
 */

export const SHIPMENT_STATUSES = ['label_created', 'handed_over', 'cancelled'] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

export const SHIPMENT_TRANSITIONS: readonly { action: string; from: readonly ShipmentStatus[]; to: ShipmentStatus }[] = [
  // A label can be cancelled (and bought again) until the parcel is in the carrier's hands.
  { action: 'cancel', from: ['label_created'], to: 'cancelled' },
  { action: 'hand_over', from: ['label_created'], to: 'handed_over' },
];

/** The move that takes a shipment from one status to another, or null when the table has none. */
export function shipmentTransition(from: ShipmentStatus, to: ShipmentStatus): string | null {
  return SHIPMENT_TRANSITIONS.find((t) => t.to === to && t.from.includes(from))?.action ?? null;
}

/** The service code under which a seller ships with a carrier of their own choosing. */
export const OWN_CARRIER_SERVICE = 'own_carrier';

/** The carrier code of the platform's own services in the carrier registry. */
export const PLATFORM_CARRIER = 'caravan';

/**
 * A platform tracking number: CRV, the serial in ten digits, and a GS1 mod-10 check digit over
 * those digits (weights 3 and 1 from the right), so a mistyped number is caught before it is
 * looked up.
 */
export function platformTrackingNumber(serial: number): string {
  if (!Number.isSafeInteger(serial) || serial < 1 || serial >= 10 ** 10) throw new RangeError(`tracking serial ${serial} is out of range`);
  const digits = String(serial).padStart(10, '0');
  return `CRV${digits}${gs1Mod10CheckDigit(digits)}`;
}

/** How shipping is charged to the buyer under one rule of a freight template. */
export type FreeShipping = { kind: 'none' } | { kind: 'always'; service: string } | { kind: 'over'; threshold: { amount: number; currency: string }; service: string };

export interface FreightRule {
  /** Countries (ISO alpha-2) this rule covers, or "*" for every other destination. */
  destinations: string[];
  /** The services offered there, in the seller's order of preference. */
  services: string[];
  freeShipping: FreeShipping;
}

export interface FreightTemplateTerms {
  handlingDays: number;
  rules: FreightRule[];
}

/** Where sellers' goods leave from unless stock sits in a warehouse elsewhere: most sellers ship from China. */
export const SELLERS_SHIP_FROM = 'CN';

/** New sellers must hand a parcel to the carrier within 72 hours of the order. */
export const DEFAULT_HANDLING_DAYS = 3;

/**
 * What a seller without a freight template offers: every service that can carry the parcel, at
 * its quoted price, after the new-seller handling time.
 */
export function defaultFreightTerms(serviceCodes: readonly string[]): FreightTemplateTerms {
  return { handlingDays: DEFAULT_HANDLING_DAYS, rules: [{ destinations: ['*'], services: [...serviceCodes], freeShipping: { kind: 'none' } }] };
}

/** The rule that covers a destination: the first naming the country, else the first with "*". */
export function ruleFor(terms: FreightTemplateTerms, country: string): FreightRule | undefined {
  return terms.rules.find((rule) => rule.destinations.includes(country)) ?? terms.rules.find((rule) => rule.destinations.includes('*'));
}

/**
 * Whether the buyer ships free with this service: always, or when the order is worth at least the
 * threshold (compared in the threshold's currency; an order value that cannot be compared is not free).
 */
export function shipsFree(freeShipping: FreeShipping, service: string, orderValueInThresholdCurrency: number | null): boolean {
  if (freeShipping.kind === 'none' || freeShipping.service !== service) return false;
  if (freeShipping.kind === 'always') return true;
  return orderValueInThresholdCurrency !== null && orderValueInThresholdCurrency >= freeShipping.threshold.amount;
}

/** Problems with a template's terms against the services on offer, as field errors' paths and messages. */
export function freightTermsProblems(terms: FreightTemplateTerms, serviceCodes: ReadonlySet<string>): { path: string; code: string; message: string }[] {
  const problems: { path: string; code: string; message: string }[] = [];
  const seen = new Set<string>();
  terms.rules.forEach((rule, i) => {
    rule.destinations.forEach((country, j) => {
      if (seen.has(country)) problems.push({ path: `/rules/${i}/destinations/${j}`, code: 'duplicate_destination', message: `${country} is already covered by an earlier rule` });
      seen.add(country);
    });
    rule.services.forEach((service, j) => {
      if (!serviceCodes.has(service)) problems.push({ path: `/rules/${i}/services/${j}`, code: 'unknown_service', message: `${service} is not a logistics service of this marketplace` });
    });
    if (rule.freeShipping.kind !== 'none' && !rule.services.includes(rule.freeShipping.service)) {
      problems.push({ path: `/rules/${i}/free_shipping/service`, code: 'service_not_offered', message: 'free shipping must be on one of the services this rule offers' });
    }
  });
  return problems;
}

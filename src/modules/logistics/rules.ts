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

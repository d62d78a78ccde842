import { shippedCarrierRegistry, trackingUrlFor, type CarrierRegistry } from './carriers.ts';
import type { Detection } from './numbers.ts';

/** Carriers and their tracking numbers: who carries a parcel, and whether a number can be theirs. */
export function createTrackingService(registry: CarrierRegistry = shippedCarrierRegistry()) {
  return {
    registry,
    carriers: () => registry.carriers,

    /** Carriers whose formats fit a number, best first, with the link to each one's own tracking page. */
    detect(number: string, countries?: readonly string[]): Detection & { links: Map<string, string> } {
      const detection = registry.detectCarriers(number, countries ? { countries } : undefined);
      return { ...detection, links: new Map(detection.candidates.map((c) => [c.carrier.code, trackingUrlFor(c.carrier, detection.normalized)])) };
    },

    /** Why a number cannot be one this carrier issues, for a seller shipping with their own carrier; null when it can. */
    checkNumber(carrierCode: string, number: string): string | null {
      const validation = registry.validateForCarrier(carrierCode, number);
      return validation.ok ? null : validation.message;
    },
  };
}

export type TrackingService = ReturnType<typeof createTrackingService>;

import type { Money } from '../../platform/money/index.ts';

/** Limits of a cart: enough for any real basket, small enough to quote in one request. */
export const CART_LIMITS = { lines: 100, quantityPerLine: 999 } as const;

export interface OfferChoice {
  serviceCode: string;
  /** What the buyer pays, comparable across offers (the buyer's currency). */
  buyerPays: Money;
  recommended: boolean;
}

/**
 * The service a buyer gets when they do not choose: the cheapest for them, and among equally
 * cheap ones the platform's recommended service, then the seller's order.
 */
export function defaultOffer<T extends OfferChoice>(offers: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const offer of offers) {
    if (!best || offer.buyerPays.amount < best.buyerPays.amount || (offer.buyerPays.amount === best.buyerPays.amount && offer.recommended && !best.recommended)) best = offer;
  }
  return best;
}

/** Cart lines grouped by seller, in the order each seller first appears. */
export function bySeller<T extends { sellerId: string }>(lines: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const line of lines) {
    const group = groups.get(line.sellerId);
    if (group) group.push(line);
    else groups.set(line.sellerId, [line]);
  }
  return groups;
}

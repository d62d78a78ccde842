import { describe, expect, it } from 'vitest';
import { bySeller, defaultOffer } from './rules.ts';

const offer = (serviceCode: string, amount: number, recommended = false) => ({ serviceCode, buyerPays: { amount, currency: 'BRL' }, recommended });

describe('the service a buyer gets without choosing', () => {
  it.each([
    ['the cheapest for the buyer', [offer('express', 9900), offer('line', 2500), offer('standard', 3100)], 'line'],
    ['the recommended one among equally cheap', [offer('line', 0), offer('standard', 0, true)], 'standard'],
    ['the seller’s order among equally cheap, none recommended', [offer('line', 1500), offer('economy', 1500)], 'line'],
    ['a free service over a recommended paid one', [offer('standard', 1200, true), offer('line', 0)], 'line'],
  ])('%s', (_case, offers, expected) => {
    expect(defaultOffer(offers)?.serviceCode).toBe(expected);
  });

  it('is none when nothing is offered', () => {
    expect(defaultOffer([])).toBeUndefined();
  });
});

it('groups cart lines by seller in the order each seller first appears', () => {
  const lines = [{ sellerId: 'b', sku: 1 }, { sellerId: 'a', sku: 2 }, { sellerId: 'b', sku: 3 }];
  expect([...bySeller(lines)].map(([seller, group]) => [seller, group.map((l) => l.sku)])).toEqual([
    ['b', [1, 3]],
    ['a', [2]],
  ]);
});

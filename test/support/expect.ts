import { expect } from 'vitest';
import type { ApiResponse } from './http.ts';

/** The answer is a problem document with this status and stable code. */
export function expectProblem(response: ApiResponse, status: number, code: string): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(response.body).toMatchObject({ status, code });
}

type WithListings = { listings: { market: string; status: string }[] };

/** A product's listing in one market, as the API shows it. */
export const listingIn = (product: WithListings, market: string) => product.listings.find((l) => l.market === market) as any;

/** Each market of a product with its listing status. */
export const statuses = (product: WithListings) => product.listings.map((l) => [l.market, l.status]);

/**
 * Buyers going through the whole checkout, each in a loop: two items from two sellers into the
 * cart, a quote, the order placed for the quoted total, a card tokenised and the payment confirmed.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { randomSource, type Random } from './catalog.ts';
import type { HttpClient, Response, StepRecorder } from './load.ts';

export const STEPS = {
  addFirst: 'add item (1st seller)',
  addSecond: 'add item (2nd seller)',
  quote: 'quote',
  place: 'place order',
  cardToken: 'card token',
  confirm: 'pay (confirm)',
} as const;

/** Where each step is served, as the server's statement counts are keyed. */
export const STEP_ROUTES: Record<string, string> = {
  [STEPS.addFirst]: 'POST /v1/store/cart/items',
  [STEPS.addSecond]: 'POST /v1/store/cart/items',
  [STEPS.quote]: 'POST /v1/store/checkout/quote',
  [STEPS.place]: 'POST /v1/store/checkouts',
  [STEPS.cardToken]: 'POST /v1/store/payments/sandbox/card-tokens',
  [STEPS.confirm]: 'POST /v1/store/payments/:id/confirm',
};

const ADDRESSES: Record<string, { address: Record<string, unknown>; identifiers?: Record<string, string> }> = {
  ES: { address: { name: 'Lucía Fernández', lines: ['Calle Mayor 10, 3º B'], city: 'Madrid', postal_code: '28013', country: 'ES', phone: '+34 600 123 456' } },
  FR: { address: { name: 'Camille Martin', lines: ['12 Rue de Rivoli'], city: 'Paris', postal_code: '75004', country: 'FR', phone: '+33 6 12 34 56 78' } },
  BR: {
    address: { name: 'Ana Souza', lines: ['Avenida Paulista 1000', 'Apto 52'], city: 'São Paulo', region: 'SP', postal_code: '01310-100', country: 'BR', phone: '+55 11 91234 5678', state: 'SP' },
    identifiers: { cpf: '529.982.247-25' },
  },
};

export const BUYER_MARKETS = Object.keys(ADDRESSES);

export interface Buyer {
  token: string;
  market: string;
}

/** SKUs a buyer may order in a market, by seller. */
export interface MarketStock {
  sellers: string[];
  skusBySeller: Map<string, string[]>;
}

export interface FlowOutcome {
  /** performance.now() of every checkout paid inside the window. */
  completed: number[];
  /** Whole flows (first add to payment), ms. */
  flowMs: number[];
  abandoned: number;
}

export async function signUpBuyers(client: HttpClient, markets: readonly string[], count: number): Promise<Buyer[]> {
  const run = randomUUID().slice(0, 8);
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const market = markets[i % markets.length]!;
      const response = await client.send('POST', '/v1/store/sign-up', { body: { email: `buyer-${run}-${i}@buyers.example`, password: 'buyer password 123', display_name: `Buyer ${i}` } });
      if (response.status !== 201) throw new Error(`buyer sign-up failed: ${response.status} ${JSON.stringify(response.body)}`);
      return { token: (response.body as { token: string }).token, market };
    }),
  );
}

function twoSellers(random: Random, stock: MarketStock): [string, string] {
  const a = random.pick(stock.sellers);
  let b = random.pick(stock.sellers);
  while (b === a) b = random.pick(stock.sellers);
  return [random.pick(stock.skusBySeller.get(a)!), random.pick(stock.skusBySeller.get(b)!)];
}

/** Empties the cart after a failed step, so the next round starts clean (not measured). */
async function emptyCart(client: HttpClient, buyer: Buyer): Promise<void> {
  const cart = await client.send<{ sellers: { lines: { sku_id: string }[] }[] }>('GET', `/v1/store/cart?market=${buyer.market}`, { token: buyer.token });
  for (const seller of cart.body?.sellers ?? []) {
    for (const line of seller.lines) await client.send('PUT', `/v1/store/cart/items/${line.sku_id}`, { token: buyer.token, body: { quantity: 0, market: buyer.market } });
  }
}

type Money = { amount: number; currency: string };
interface QuoteBody {
  problems: unknown[];
  totals: { grand: Money };
}
interface PlacedBody {
  checkout: { payment_id: string; grand_total: Money };
}

export async function buyerLoop(client: HttpClient, buyer: Buyer, index: number, stock: MarketStock, recorder: StepRecorder, running: () => boolean, outcome: FlowOutcome): Promise<void> {
  const random = randomSource(31337 + index);
  const { address, identifiers } = ADDRESSES[buyer.market]!;
  const token = buyer.token;
  const step = async <T>(name: string, send: () => Promise<Response<T>>, ok: (r: Response<T>) => boolean): Promise<T | null> => {
    const started = performance.now();
    const response = await send();
    const fine = ok(response);
    recorder.record(name, started, response, fine);
    return fine ? response.body : null;
  };
  const where = { market: buyer.market, shipping_address: address, ...(identifiers ? { identifiers } : {}) };
  while (running()) {
    const flowStarted = performance.now();
    const [first, second] = twoSellers(random, stock);
    const added =
      (await step(STEPS.addFirst, () => client.send<object>('POST', '/v1/store/cart/items', { token, body: { sku_id: first, quantity: random.int(1, 2), market: buyer.market } }), (r) => r.status === 200)) &&
      (await step(STEPS.addSecond, () => client.send<object>('POST', '/v1/store/cart/items', { token, body: { sku_id: second, quantity: random.int(1, 2), market: buyer.market } }), (r) => r.status === 200));
    const quote = added && (await step(STEPS.quote, () => client.send<QuoteBody>('POST', '/v1/store/checkout/quote', { token, body: where }), (r) => r.status === 200 && r.body.problems.length === 0));
    const placed = quote && (await step(STEPS.place, () => client.send<PlacedBody>('POST', '/v1/store/checkouts', { token, idempotencyKey: randomUUID(), body: { ...where, expected_total: quote.totals.grand } }), (r) => r.status === 201));
    const card = placed && (await step(STEPS.cardToken, () => client.send<{ token: string }>('POST', '/v1/store/payments/sandbox/card-tokens', { token, body: { number: '4242 4242 4242 4242', exp_month: 12, exp_year: 2030, cvc: '123' } }), (r) => r.status === 201));
    const paid =
      card &&
      (await step(
        STEPS.confirm,
        () => client.send<{ status: string }>('POST', `/v1/store/payments/${placed.checkout.payment_id}/confirm`, { token, idempotencyKey: randomUUID(), body: { payment_method: { type: 'card', token: card.token }, ...placed.checkout.grand_total } }),
        (r) => r.status === 200 && r.body.status === 'succeeded',
      ));
    const ended = performance.now();
    if (paid) {
      if (recorder.inWindow(ended)) {
        outcome.completed.push(ended);
        outcome.flowMs.push(ended - flowStarted);
      }
    } else {
      outcome.abandoned++;
      if (!placed) await emptyCart(client, buyer);
    }
  }
}

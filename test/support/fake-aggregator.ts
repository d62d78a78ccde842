import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake tracking aggregator on a local port, implementing the API described at the top of
 * src/modules/tracking/providers/aggregator.ts: register and query, 40 numbers per call, an API key.
 * Tests script its events per number, or its next answers, and read the requests it got.
 */

export const FAKE_AGGREGATOR_API_KEY = 'test-api-key';

export interface Recorded {
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
}

export interface Scripted {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
}

export interface FakeAggregator {
  url: string;
  requests: Recorded[];
  /** Answers given instead of the normal ones, one per request, first in first out. */
  script: Scripted[];
  /** Events per "carrierKey|number", as the aggregator sends them. */
  events: Map<string, unknown[]>;
  registered: Set<string>;
  close(): Promise<void>;
}

export async function startFakeAggregator(): Promise<FakeAggregator> {
  const fake = { requests: [], script: [], events: new Map(), registered: new Set() } as unknown as FakeAggregator;
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: any;
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
      fake.requests.push({ path: req.url ?? '', headers: req.headers, body });
      const scripted = fake.script.shift();
      if (scripted) {
        setTimeout(() => {
          if (res.destroyed) return;
          res.writeHead(scripted.status ?? 200, { 'content-type': 'application/json', ...scripted.headers });
          res.end(scripted.body ?? '');
        }, scripted.delayMs ?? 0);
        return;
      }
      if (req.method !== 'POST') return json(res, 405, { error: { code: 'method_not_allowed', message: 'POST only' } });
      if (req.headers['x-api-key'] !== FAKE_AGGREGATOR_API_KEY) return json(res, 401, { error: { code: 'unauthorized', message: 'Invalid API key' } });
      const items = body?.items;
      if (!Array.isArray(items) || items.length === 0 || items.length > 40) {
        return json(res, 400, { error: { code: 'invalid_request', message: 'items must hold 1 to 40 numbers' } });
      }
      if (req.url === '/v1/trackings/register') {
        const accepted: unknown[] = [];
        const rejected: unknown[] = [];
        for (const item of items) {
          const key = `${item.carrier}|${item.number}`;
          if (!/^[A-Z0-9]{8,40}$/.test(item.number)) rejected.push({ ...item, error: { code: 'invalid_number', message: 'Not a tracking number' } });
          else if (fake.registered.has(key)) rejected.push({ ...item, error: { code: 'already_registered', message: 'Already tracked' } });
          else {
            fake.registered.add(key);
            accepted.push(item);
          }
        }
        return json(res, 200, { data: { accepted, rejected } });
      }
      if (req.url === '/v1/trackings/query') {
        const trackings: unknown[] = [];
        const notFound: unknown[] = [];
        for (const item of items) {
          const key = `${item.carrier}|${item.number}`;
          if (fake.registered.has(key)) trackings.push({ ...item, latest_status: 'InTransit', events: fake.events.get(key) ?? [] });
          else notFound.push(item);
        }
        return json(res, 200, { data: { trackings, not_found: notFound } });
      }
      return json(res, 404, { error: { code: 'not_found', message: `No route ${req.url}` } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}

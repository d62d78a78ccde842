/**
 * The application server of the commerce benchmark, in a process of its own as in production
 * (`caravan start`: HTTP and the background worker), with instruments the load generator reads over
 * IPC: SQL statements and their time per request (by route), resident memory, event-loop
 * utilisation, CPU time, and on request a CPU profile.
 *
 * Started by bench/commerce.ts; configured through the environment (BENCH_DATABASE_URL, …).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Session } from 'node:inspector/promises';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/platform/config/index.ts';
import { floorClock } from './clock.ts';
import { routeOf } from './routes.ts';

interface RequestTally {
  statements: number;
  dbMs: number;
}

export interface RouteStats {
  requests: number;
  statements: number;
  minStatements: number;
  maxStatements: number;
  dbMs: number;
  /** Statement text (shortened) → calls and time, for where the time goes. */
  queries: Record<string, { calls: number; ms: number }>;
}

export interface ServerStats {
  routes: Record<string, RouteStats>;
  rss: { maxMiB: number; meanMiB: number; lastMiB: number; samples: number };
  heapUsedMiB: number;
  eventLoopUtilisation: number;
  cpuSeconds: number;
  wallSeconds: number;
}

const current = new AsyncLocalStorage<RequestTally>();
let routes = new Map<string, RouteStats>();
const QUERY_KEYS = 400;

function statsFor(route: string): RouteStats {
  let stats = routes.get(route);
  if (!stats) {
    stats = { requests: 0, statements: 0, minStatements: Infinity, maxStatements: 0, dbMs: 0, queries: {} };
    routes.set(route, stats);
  }
  return stats;
}

const shortened = new Map<string, string>();

/** A statement's text on one line, shortened; cached, since the same few hundred texts recur. */
function shortText(config: unknown): string {
  const text = typeof config === 'string' ? config : ((config as { text?: string } | null)?.text ?? '?');
  let short = shortened.get(text);
  if (short === undefined) {
    short = text.replace(/\s+/g, ' ').trim().slice(0, 240);
    if (shortened.size < 5000) shortened.set(text, short);
  }
  return short;
}

const background = (): RouteStats => statsFor('(background: worker, jobs, events)');

function tallyQuery(text: string, ms: number): void {
  const tally = current.getStore();
  if (tally) {
    tally.statements++;
    tally.dbMs += ms;
  } else {
    const stats = background();
    stats.statements++;
    stats.dbMs += ms;
  }
}

/** Remembers per-route statement texts; the route is known only when the response finishes, so requests keep their own list. */
const pendingTexts = new WeakMap<RequestTally, { text: string; ms: number }[]>();

function noteText(text: string, ms: number): void {
  const tally = current.getStore();
  if (!tally) {
    const queries = background().queries;
    const entry = queries[text] ?? (Object.keys(queries).length < QUERY_KEYS ? (queries[text] = { calls: 0, ms: 0 }) : undefined);
    if (entry) {
      entry.calls++;
      entry.ms += ms;
    }
    return;
  }
  let list = pendingTexts.get(tally);
  if (!list) pendingTexts.set(tally, (list = []));
  list.push({ text, ms });
}

const COUNTED = Symbol('counted by the pool wrapper');

/**
 * Counts every statement sent to PostgreSQL. A query on the pool is counted when it is asked for
 * (in the request's async context, before it may wait for a connection); the pool then runs it on
 * a client, which must not count it again.
 */
/** Runs a query and tallies its time when it settles (or at once, for a callback-style call). */
function timed(config: unknown, run: () => unknown): unknown {
  const started = performance.now();
  const text = shortText(config);
  const result = run();
  const done = () => {
    const ms = performance.now() - started;
    tallyQuery(text, ms);
    noteText(text, ms);
  };
  if (result && typeof (result as Promise<unknown>).then === 'function') (result as Promise<unknown>).then(done, done);
  else done();
  return result;
}

function instrumentPg(): void {
  const poolQuery = pg.Pool.prototype.query;
  const clientQuery = pg.Client.prototype.query;
  pg.Pool.prototype.query = function (this: pg.Pool, config: unknown, ...rest: unknown[]) {
    const marked = typeof config === 'string' ? { text: config, [COUNTED]: true } : { ...(config as object), [COUNTED]: true };
    return timed(config, () => (poolQuery as (...args: unknown[]) => unknown).call(this, marked, ...rest));
  } as typeof pg.Pool.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, config: unknown, ...rest: unknown[]) {
    if (config && typeof config === 'object' && COUNTED in config) return (clientQuery as (...args: unknown[]) => unknown).call(this, config, ...rest);
    return timed(config, () => (clientQuery as (...args: unknown[]) => unknown).call(this, config, ...rest));
  } as typeof pg.Client.prototype.query;
}

function finishRequest(request: IncomingMessage, response: ServerResponse, tally: RequestTally): void {
  const stats = statsFor(`${request.method} ${routeOf(request.url ?? '')} ${response.statusCode < 400 ? '' : response.statusCode}`.trim());
  stats.requests++;
  stats.statements += tally.statements;
  stats.minStatements = Math.min(stats.minStatements, tally.statements);
  stats.maxStatements = Math.max(stats.maxStatements, tally.statements);
  stats.dbMs += tally.dbMs;
  for (const { text, ms } of pendingTexts.get(tally) ?? []) {
    const entry = stats.queries[text] ?? (Object.keys(stats.queries).length < QUERY_KEYS ? (stats.queries[text] = { calls: 0, ms: 0 }) : undefined);
    if (entry) {
      entry.calls++;
      entry.ms += ms;
    }
  }
}

async function main(): Promise<void> {
  instrumentPg();
  const env = process.env;
  const config = loadConfig({
    NODE_ENV: 'production',
    CARAVAN_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'caravan-bench-server-')),
    LOG_LEVEL: env.BENCH_LOG_LEVEL ?? 'warn',
    CARAVAN_SEED_DEMO: 'false',
    DATABASE_URL: env.BENCH_DATABASE_URL,
    DATABASE_POOL_MAX: env.BENCH_POOL_MAX ?? '10',
    SIGN_UPS_PER_HOUR_PER_ADDRESS: '1000000',
  });
  const app = await createApp(config, { clock: floorClock(env.BENCH_NOT_BEFORE ?? '2026-11-25T09:00:00Z') });

  // Every request runs in an async context that counts its statements.
  const server = app.http.server;
  const [handler] = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const tally: RequestTally = { statements: 0, dbMs: 0 };
    response.on('finish', () => finishRequest(request, response, tally));
    current.run(tally, () => handler!.call(server, request, response));
  });

  const address = await app.http.listen({ port: 0, host: '127.0.0.1' });
  if (env.BENCH_WORKERS !== '0') app.worker.start();

  let rssSamples: number[] = [];
  const sampler = setInterval(() => rssSamples.push(process.memoryUsage.rss()), 250);
  let elu = performance.eventLoopUtilization();
  let cpu = process.cpuUsage();
  let since = performance.now();
  let profiler: Session | undefined;

  const snapshot = (): ServerStats => {
    const rss = rssSamples.length > 0 ? rssSamples : [process.memoryUsage.rss()];
    const used = process.cpuUsage(cpu);
    const out: ServerStats = {
      routes: Object.fromEntries([...routes.entries()].map(([route, s]) => [route, { ...s, minStatements: s.requests > 0 ? s.minStatements : 0 }])),
      rss: { maxMiB: Math.max(...rss) / 2 ** 20, meanMiB: rss.reduce((a, b) => a + b, 0) / rss.length / 2 ** 20, lastMiB: rss.at(-1)! / 2 ** 20, samples: rss.length },
      heapUsedMiB: process.memoryUsage().heapUsed / 2 ** 20,
      eventLoopUtilisation: performance.eventLoopUtilization(elu).utilization,
      cpuSeconds: (used.user + used.system) / 1e6,
      wallSeconds: (performance.now() - since) / 1000,
    };
    return out;
  };

  process.on('message', (message: { id: number; type: string; file?: string }) => {
    void (async () => {
      let reply: unknown = null;
      if (message.type === 'stats' || message.type === 'reset') {
        reply = snapshot();
        if (message.type === 'reset') {
          routes = new Map();
          rssSamples = [];
          elu = performance.eventLoopUtilization();
          cpu = process.cpuUsage();
          since = performance.now();
        }
      } else if (message.type === 'profile-start') {
        profiler = new Session();
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.setSamplingInterval', { interval: 500 });
        await profiler.post('Profiler.start');
      } else if (message.type === 'profile-stop' && profiler) {
        const { profile } = await profiler.post('Profiler.stop');
        writeFileSync(message.file!, JSON.stringify(profile));
        profiler.disconnect();
        profiler = undefined;
      } else if (message.type === 'close') {
        clearInterval(sampler);
        await app.close();
        process.send!({ id: message.id, reply: null }, () => process.exit(0));
        return;
      }
      process.send!({ id: message.id, reply });
    })();
  });
  process.send!({ id: 0, reply: { address, pid: process.pid } });
}

await main();

/**
 * The commerce benchmark: a marketplace of 1,000 sellers and 100,000 SKUs on PostgreSQL, driven
 * over HTTP the way buyers use it —
 *   (a) search and product pages, 50 connections each;
 *   (b) the whole checkout (two sellers' items into the cart → quote → place → pay), 32 buyers.
 * The server runs in a process of its own (HTTP and the background worker, as `caravan start`
 * does); this process is the load generator. Reported per step: requests/s, p50/p90/p99, SQL
 * statements and database time per request; for the run: checkouts and orders per second, server
 * RSS, and the CPU each of server, PostgreSQL and load generator used.
 *
 *   npm run bench                          # PostgreSQL at postgres://postgres@127.0.0.1:5432
 *   DATABASE_URL=postgres://…/any npm run bench
 *
 * Knobs: BENCH_SECONDS (30 per scenario), BENCH_WARMUP (5), BENCH_SELLERS (1000), BENCH_SKUS
 * (100000), BENCH_BUYERS (32), BENCH_SOLO_SECONDS (10: one buyer alone first; 0 leaves it out), BENCH_CONNECTIONS (50), BENCH_MARKETS (ES,ES,ES,ES,ES,ES,FR,BR: one
 * buyer per entry, round robin), BENCH_POOL_MAX (server's pool, 10), BENCH_ONLY (search,product,checkout),
 * BENCH_PROCESSES (server processes, 1: more spread connections and buyers over them as a load
 * balancer would), BENCH_PROFILE=1 (CPU profile of the server per scenario), BENCH_RESULT (file
 * name in bench/results, commerce-postgres), BENCH_KEEP=1 (keep the run's database).
 * The seeded database is built once and kept on the server as a template (caravan_bench_commerce_…).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { forkServer, writeResults } from './child-server.ts';
import pg from 'pg';
import { DATA_DIR, PACKAGE_ROOT } from '../src/platform/paths.ts';
import { randomSource, searchQueries } from './commerce/catalog.ts';
import { buyerLoop, signUpBuyers, STEP_ROUTES, STEPS, type FlowOutcome, type MarketStock } from './commerce/checkout-flow.ts';
import { floorClock } from './commerce/clock.ts';
import { coresUsed, cpuSnapshot, HttpClient, StepRecorder, summarise } from './commerce/load.ts';
import { summariseProfile, type ProfileSummary } from './commerce/profile.ts';
import { markdown, type Results, type ScenarioResult, type StepResult } from './commerce/report.ts';
import { databaseUrl, seededTemplate } from './commerce/seed.ts';
import type { RouteStats, ServerStats } from './commerce/server.ts';

const env = process.env;
const SERVER_URL = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SECONDS = Number(env.BENCH_SECONDS ?? 30);
const WARMUP = Number(env.BENCH_WARMUP ?? 5);
const SELLERS = Number(env.BENCH_SELLERS ?? 1000);
const SKUS = Number(env.BENCH_SKUS ?? 100_000);
const BUYERS = Number(env.BENCH_BUYERS ?? 32);
const SOLO_SECONDS = Number(env.BENCH_SOLO_SECONDS ?? 10);
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 50);
const MARKETS = (env.BENCH_MARKETS ?? 'ES,ES,ES,ES,ES,ES,FR,BR').split(',');
const POOL_MAX = env.BENCH_POOL_MAX ?? '10';
const ONLY = new Set((env.BENCH_ONLY ?? 'search,product,checkout').split(','));
const PROFILE = env.BENCH_PROFILE === '1';
const PROCESSES = Number(env.BENCH_PROCESSES ?? 1);
const NOT_BEFORE = '2026-11-25T09:00:00Z';
const SEARCH_MARKET = 'ES';

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

interface Server {
  address: string;
  pid: number;
  call<T = unknown>(type: string, extra?: Record<string, unknown>): Promise<T>;
}

/** The server processes together, as the load balancer in front of them would see them. */
class Servers {
  constructor(readonly all: Server[]) {}

  get addresses(): string[] {
    return this.all.map((s) => s.address);
  }

  get pids(): number[] {
    return this.all.map((s) => s.pid);
  }

  async each<T>(type: string, extra: (i: number) => Record<string, unknown> = () => ({})): Promise<T[]> {
    return Promise.all(this.all.map((server, i) => server.call<T>(type, extra(i))));
  }

  /** Statistics of all processes as one: counts add up, RSS adds up, the event loop is averaged. */
  async stats(type: 'stats' | 'reset'): Promise<ServerStats> {
    const all = await this.each<ServerStats>(type);
    const routes: Record<string, RouteStats> = {};
    for (const stats of all) {
      for (const [route, s] of Object.entries(stats.routes)) {
        addRouteStats((routes[route] ??= emptyRouteStats()), s);
      }
    }
    const sum = (pick: (s: ServerStats) => number) => all.reduce((total, s) => total + pick(s), 0);
    return {
      routes,
      rss: { maxMiB: sum((s) => s.rss.maxMiB), meanMiB: sum((s) => s.rss.meanMiB), lastMiB: sum((s) => s.rss.lastMiB), samples: sum((s) => s.rss.samples) },
      heapUsedMiB: sum((s) => s.heapUsedMiB),
      eventLoopUtilisation: sum((s) => s.eventLoopUtilisation) / all.length,
      cpuSeconds: sum((s) => s.cpuSeconds),
      wallSeconds: Math.max(...all.map((s) => s.wallSeconds)),
    };
  }
}

async function startServer(url: string): Promise<Server> {
  const server = await forkServer(path.join(import.meta.dirname, 'commerce', 'server.ts'), { ...env, BENCH_DATABASE_URL: url, BENCH_POOL_MAX: POOL_MAX, BENCH_NOT_BEFORE: NOT_BEFORE });
  return { address: server.address, pid: server.pid, call: (type, extra = {}) => server.send({ type, ...extra }) };
}

/** What the load needs from the seeded catalogue: SKUs buyers can order per market, products and words to search. */
async function catalogueFacts(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const stock = new Map<string, MarketStock>();
    for (const market of new Set(MARKETS)) {
      const { rows } = await client.query<{ seller_id: string; id: string }>(
        `SELECT s.seller_id, s.id FROM skus s
           JOIN products p ON p.seller_id = s.seller_id AND p.id = s.product_id AND p.deleted_at IS NULL AND p.status = 'published' AND p.content->>'hs_code' IS NOT NULL
           JOIN listings l ON l.seller_id = s.seller_id AND l.product_id = s.product_id AND l.market = $1 AND l.status = 'active'
          WHERE s.deleted_at IS NULL ORDER BY s.id`,
        [market],
      );
      const skusBySeller = new Map<string, string[]>();
      for (const row of rows) skusBySeller.set(row.seller_id, [...(skusBySeller.get(row.seller_id) ?? []), row.id]);
      stock.set(market, { sellers: [...skusBySeller.keys()], skusBySeller });
    }
    const products = (await client.query<{ product_id: string }>(`SELECT product_id FROM listings WHERE market = $1 AND status = 'active' ORDER BY product_id`, [SEARCH_MARKET])).rows.map((r) => r.product_id);
    const brands = (await client.query<{ brand: string }>(`SELECT DISTINCT content->>'brand' AS brand FROM products WHERE content->>'brand' IS NOT NULL`)).rows.map((r) => r.brand);
    const codes = new Set((await client.query<{ code: string }>(`SELECT DISTINCT p.category_code AS code FROM products p JOIN listings l ON l.seller_id = p.seller_id AND l.product_id = p.id AND l.market = $1 AND l.status = 'active'`, [SEARCH_MARKET])).rows.map((r) => r.code));
    const taxonomy = JSON.parse(readFileSync(path.join(DATA_DIR, 'catalog', 'categories.json'), 'utf8')) as { categories: { code: string; names: Record<string, string> }[] };
    const names = taxonomy.categories.filter((c) => codes.has(c.code)).map((c) => c.names.es!);
    const version = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
    return { stock, products, queries: searchQueries(names, 'es', brands), postgres: version };
  } finally {
    await client.end();
  }
}

const emptyRouteStats = (): RouteStats => ({ requests: 0, statements: 0, minStatements: Infinity, maxStatements: 0, dbMs: 0, queries: {} });

/** Adds one process's (or one route variant's) statement counts into a total. */
function addRouteStats(into: RouteStats, s: RouteStats): void {
  into.requests += s.requests;
  into.statements += s.statements;
  into.minStatements = Math.min(into.minStatements, s.minStatements);
  into.maxStatements = Math.max(into.maxStatements, s.maxStatements);
  into.dbMs += s.dbMs;
  for (const [text, q] of Object.entries(s.queries)) {
    const entry = (into.queries[text] ??= { calls: 0, ms: 0 });
    entry.calls += q.calls;
    entry.ms += q.ms;
  }
}

function routeResult(stats: ServerStats, route: string): Pick<StepResult, 'sqlPerRequest' | 'sqlRange' | 'dbMsPerRequest' | 'topQueries'> {
  const matching = Object.entries(stats.routes).filter(([key]) => key === route || key.startsWith(`${route} `));
  const merged = emptyRouteStats();
  for (const [, s] of matching) addRouteStats(merged, s);
  const per = (n: number) => (merged.requests > 0 ? Math.round((n / merged.requests) * 10) / 10 : 0);
  return {
    sqlPerRequest: per(merged.statements),
    sqlRange: merged.requests > 0 ? [merged.minStatements, merged.maxStatements] : [0, 0],
    dbMsPerRequest: per(merged.dbMs),
    topQueries: Object.entries(merged.queries)
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, 40)
      .map(([text, q]) => ({ text, perRequest: per(q.calls), msPerRequest: per(q.ms), msPerCall: Math.round((q.ms / q.calls) * 100) / 100 })),
  };
}

/** Profiles the first server process while `run` runs (the others do the same work). */
async function profiled<T>(servers: Servers, name: string, run: () => Promise<T>): Promise<{ result: T; profile: ProfileSummary | null; file: string | null }> {
  if (!PROFILE) return { result: await run(), profile: null, file: null };
  const file = path.join(profileDir, `${name.replaceAll(' ', '-')}.cpuprofile`);
  await servers.all[0]!.call('profile-start');
  const result = await run();
  await servers.all[0]!.call('profile-stop', { file });
  return { result, profile: summariseProfile(JSON.parse(readFileSync(file, 'utf8'))), file };
}
const profileDir = mkdtempSync(path.join(tmpdir(), 'caravan-bench-profiles-'));

/** Many connections asking one GET endpoint with varying URLs, through autocannon. */
async function readScenario(servers: Servers, name: string, route: string, nextPath: () => string): Promise<ScenarioResult> {
  let session = 0;
  const options = (duration: number): autocannon.Options => ({
    // autocannon spreads connections over several URLs round robin; its typings know only one.
    url: servers.addresses as unknown as string,
    connections: CONNECTIONS,
    duration,
    requests: [
      {
        method: 'GET',
        setupRequest: (request: autocannon.Request, context: object) => {
          const own = context as { session?: string };
          own.session ??= `bench-session-${String(++session).padStart(4, '0')}`;
          return { ...request, path: nextPath(), headers: { ...request.headers, 'x-session-id': own.session } };
        },
      },
    ],
  });
  log(`${name}: ${CONNECTIONS} connections, ${WARMUP} s warm-up, ${SECONDS} s measured`);
  await autocannon(options(WARMUP));
  await servers.stats('reset');
  const before = cpuSnapshot(servers.pids);
  const { result, profile, file } = await profiled(servers, name, () => autocannon(options(SECONDS)));
  const after = cpuSnapshot(servers.pids);
  const stats = await servers.stats('reset');
  const step: StepResult = {
    name,
    requests: result.requests.total,
    requestsPerSecond: Math.round(result.requests.total / SECONDS),
    latency: { count: result.requests.total, p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: Math.round(result.latency.mean * 10) / 10 },
    failures: { ...(result.non2xx ? { 'non-2xx': result.non2xx } : {}), ...(result.errors ? { errors: result.errors } : {}), ...(result.timeouts ? { timeouts: result.timeouts } : {}) },
    ...routeResult(stats, route),
  };
  log(`  ${step.requestsPerSecond} req/s, p50 ${step.latency.p50} ms, p99 ${step.latency.p99} ms, ${step.sqlPerRequest} SQL/request, failures ${JSON.stringify(step.failures)}`);
  const cores = coresUsed(before, after);
  const perRequest = (used: number) => (step.requestsPerSecond > 0 ? Math.round((used / step.requestsPerSecond) * 10000) / 10 : 0);
  return { name, connections: CONNECTIONS, seconds: SECONDS, steps: [step], cores, cpuMsPer: { unit: 'request', server: perRequest(cores.server), postgres: perRequest(cores.postgres) }, server: serverSide(stats), profile, profileFile: file };
}

function serverSide(stats: ServerStats) {
  const background = stats.routes['(background: worker, jobs, events)'];
  return {
    rssMiB: { max: Math.round(stats.rss.maxMiB), mean: Math.round(stats.rss.meanMiB) },
    heapUsedMiB: Math.round(stats.heapUsedMiB),
    eventLoopUtilisation: Math.round(stats.eventLoopUtilisation * 100) / 100,
    backgroundStatements: background?.statements ?? 0,
    backgroundTopQueries: Object.entries(background?.queries ?? {})
      .sort((a, b) => b[1].calls - a[1].calls)
      .slice(0, 15)
      .map(([text, q]) => ({ text, calls: q.calls, ms: Math.round(q.ms) })),
  };
}

async function checkoutScenario(servers: Servers, url: string, stock: Map<string, MarketStock>, name: string, count: number, seconds: number): Promise<ScenarioResult> {
  // Buyers are spread over the server processes, each keeping to one as a sticky balancer would.
  const clients = servers.addresses.map((address) => new HttpClient(address, Math.ceil(count / PROCESSES)));
  const buyers = await signUpBuyers(clients[0]!, MARKETS, count);
  log(`${name}: ${count} buyer${count === 1 ? '' : 's'} (${buyers.map((b) => b.market).join(' ')}), ${WARMUP} s warm-up, ${seconds} s measured`);
  const recorder = new StepRecorder();
  const outcome: FlowOutcome = { completed: [], flowMs: [], abandoned: 0 };
  const start = performance.now();
  const windowStart = start + WARMUP * 1000;
  const windowEnd = windowStart + seconds * 1000;
  recorder.window(windowStart, windowEnd);
  let before = cpuSnapshot(servers.pids);
  const opened = new Promise<void>((resolve) =>
    setTimeout(async () => {
      await servers.stats('reset');
      before = cpuSnapshot(servers.pids);
      if (PROFILE) await servers.all[0]!.call('profile-start');
      resolve();
    }, WARMUP * 1000),
  );
  const closed = new Promise<{ stats: ServerStats; after: ReturnType<typeof cpuSnapshot> }>((resolve) =>
    setTimeout(async () => {
      const after = cpuSnapshot(servers.pids);
      resolve({ stats: await servers.stats('stats'), after });
    }, (WARMUP + seconds) * 1000),
  );
  await Promise.all(buyers.map((buyer, i) => buyerLoop(clients[i % clients.length]!, buyer, i, stock.get(buyer.market)!, recorder, () => performance.now() < windowEnd, outcome)));
  await opened;
  const { stats, after } = await closed;
  let profile: ProfileSummary | null = null;
  let profileFile: string | null = null;
  if (PROFILE) {
    profileFile = path.join(profileDir, `${name.replace(/\W+/g, '-')}.cpuprofile`);
    await servers.all[0]!.call('profile-stop', { file: profileFile });
    profile = summariseProfile(JSON.parse(readFileSync(profileFile, 'utf8')));
  }
  for (const client of clients) client.close();

  // The reactions (payment → orders move on) run in the background worker: how far behind is it?
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const pending = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM outbox_events WHERE dispatched_at IS NULL')).rows[0]!.n);
  const backlog = await pending();
  const drainStarted = performance.now();
  let left = backlog;
  while (left > 0 && performance.now() - drainStarted < 180_000) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    left = await pending();
  }
  const drainSeconds = Math.round((performance.now() - drainStarted) / 100) / 10;
  const statuses = Object.fromEntries((await db.query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM orders GROUP BY status ORDER BY status')).rows.map((r) => [r.status, Number(r.n)]));
  await db.end();

  const steps: StepResult[] = Object.values(STEPS).map((name) => {
    const recorded = recorder.steps.get(name);
    const latency = summarise(recorded?.latencies ?? []);
    return {
      name,
      requests: latency.count,
      requestsPerSecond: Math.round(latency.count / seconds),
      latency,
      failures: Object.fromEntries(recorded?.failures ?? []),
      failureSamples: recorded?.samples ?? [],
      ...routeResult(stats, STEP_ROUTES[name]!),
    };
  });
  const completed = outcome.completed.length;
  const requests = steps.reduce((sum, s) => sum + s.requests, 0);
  const background = stats.routes['(background: worker, jobs, events)'];
  log(`  ${(completed / seconds).toFixed(1)} checkouts/s, ${Math.round(requests / seconds)} req/s; abandoned ${outcome.abandoned}; outbox backlog ${backlog} drained in ${drainSeconds} s`);
  for (const step of steps) log(`  ${step.name}: ${step.requestsPerSecond}/s p50 ${step.latency.p50} p99 ${step.latency.p99} ms, ${step.sqlPerRequest} SQL, failures ${JSON.stringify(step.failures)}`);
  const cores = coresUsed(before, after);
  const perCheckout = (used: number) => (completed > 0 ? Math.round(((used * seconds) / completed) * 10000) / 10 : 0);
  return {
    name,
    connections: count,
    seconds,
    steps,
    cores,
    cpuMsPer: { unit: 'checkout', server: perCheckout(cores.server), postgres: perCheckout(cores.postgres) },
    server: serverSide(stats),
    profile,
    profileFile,
    checkout: {
      checkoutsPerSecond: Math.round((completed / seconds) * 10) / 10,
      ordersPerSecond: Math.round(((completed * 2) / seconds) * 10) / 10,
      requestsPerSecond: Math.round(requests / seconds),
      flow: summarise(outcome.flowMs),
      abandoned: outcome.abandoned,
      backgroundStatementsPerCheckout: completed > 0 ? Math.round(((background?.statements ?? 0) / completed) * 10) / 10 : 0,
      outbox: { backlogAtEnd: backlog, drainSeconds, orderStatuses: statuses },
    },
  };
}

async function main() {
  const clock = floorClock(NOT_BEFORE);
  const seeded = await seededTemplate({ serverUrl: SERVER_URL, sellers: SELLERS, skus: SKUS, clock, log });
  log(`seeded marketplace ${seeded.name}: ${seeded.summary.sellers} sellers, ${seeded.summary.products} products, ${seeded.summary.skus} SKUs${seeded.builtNow ? ` (built in ${seeded.summary.seconds} s)` : ' (cached)'}`);
  const runName = `caravan_bench_run_${Date.now()}`;
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  let started = performance.now();
  await admin.query(`CREATE DATABASE ${runName} TEMPLATE ${seeded.name}`);
  const copySeconds = Math.round((performance.now() - started) / 100) / 10;
  const url = databaseUrl(SERVER_URL, runName);
  let servers: Servers | undefined;
  try {
    const facts = await catalogueFacts(url);
    log(`run database ${runName} copied in ${copySeconds} s; ${facts.products.length} products live in ${SEARCH_MARKET}; buyers' markets: ${[...facts.stock].map(([m, s]) => `${m} ${s.sellers.length} sellers`).join(', ')}`);
    started = performance.now();
    servers = new Servers(await Promise.all(Array.from({ length: PROCESSES }, () => startServer(url))));
    log(`server ${servers.addresses.join(' ')} (pid ${servers.pids.join(' ')}) up in ${Math.round(performance.now() - started)} ms`);

    const scenarios: ScenarioResult[] = [];
    const unavailable: string[] = [];
    const probe = new HttpClient(servers.addresses[0]!, 1);
    const random = randomSource(2024);
    const live = async (route: string, pathOf: () => string) => {
      const response = await probe.send('GET', pathOf());
      if (response.status === 404 && (response.body as { code?: string })?.code === 'route_not_found') {
        unavailable.push(route);
        log(`${route} is not served by this build: skipped`);
        return false;
      }
      if (response.status !== 200) throw new Error(`${route} answered ${response.status}: ${JSON.stringify(response.body).slice(0, 300)}`);
      return true;
    };
    const searchPath = () => `/v1/store/search?market=${SEARCH_MARKET}&q=${encodeURIComponent(facts.queries[random.zipf(facts.queries.length)]!)}&limit=20`;
    const productPath = () => `/v1/store/products/${facts.products[Math.floor(random.next() * facts.products.length)]}?market=${SEARCH_MARKET}`;
    if (ONLY.has('search') && (await live('GET /v1/store/search', searchPath))) scenarios.push(await readScenario(servers, 'search', 'GET /v1/store/search', searchPath));
    if (ONLY.has('product') && (await live('GET /v1/store/products/:id', productPath))) scenarios.push(await readScenario(servers, 'product page', 'GET /v1/store/products/:id', productPath));
    probe.close();
    if (ONLY.has('checkout')) {
      // One buyer alone first: what each step costs when nothing queues, the floor under the latencies at load.
      if (SOLO_SECONDS > 0) scenarios.push(await checkoutScenario(servers, url, facts.stock, 'checkout, one buyer', 1, SOLO_SECONDS));
      scenarios.push(await checkoutScenario(servers, url, facts.stock, 'checkout', BUYERS, SECONDS));
    }

    const results: Results = {
      measuredAt: new Date().toISOString(),
      command: `${env.DATABASE_URL ? 'DATABASE_URL=… ' : ''}npm run bench`,
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version, postgres: facts.postgres },
      settings: { seconds: SECONDS, warmup: WARMUP, connections: CONNECTIONS, buyers: BUYERS, markets: MARKETS, processes: PROCESSES, poolMax: Number(POOL_MAX), profiled: PROFILE, searchMarket: SEARCH_MARKET },
      seed: { ...seeded.summary, template: seeded.name, cached: !seeded.builtNow, copySeconds, productsLiveInSearchMarket: facts.products.length },
      unavailable,
      scenarios,
    };
    const file = writeResults(path.join(PACKAGE_ROOT, 'bench', 'results'), env.BENCH_RESULT ?? 'commerce-postgres', results, markdown);
    log(`written to ${path.relative(PACKAGE_ROOT, file)} (and .md)${PROFILE ? `; CPU profiles in ${profileDir}` : ''}`);
  } finally {
    // autocannon stops with requests still in flight: let the server answer them before it closes.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await servers?.each('close').catch(() => {});
    if (env.BENCH_KEEP !== '1') await admin.query(`DROP DATABASE IF EXISTS ${runName} WITH (FORCE)`);
    await admin.end();
  }
}

await main();

/**
 * The tracking benchmark: how many active shipments one process keeps within the freshness
 * promise (last-mile news on the platform within 15 minutes of the carrier's scan).
 *
 * The application runs in a process of its own (HTTP and the background worker, as `caravan
 * start`) on PostgreSQL, with the aggregator provider pointed at a fake aggregator in this process
 * that answers from simulated journeys after 150–300 ms. Measured for real:
 *   (a) polling — parcels checked per second by the `tracking.poll` job: first checks (register and
 *       every event so far) and re-checks (the steady state: mostly nothing new); the re-checks
 *       once more with an aggregator answering at once, to show what our side alone allows;
 *   (b) webhooks — signed deliveries accepted per second over HTTP, and worked off per second by
 *       the `tracking.webhook` job.
 * From these and the work a shipment makes (stage mix × POLL_MINUTES, events per hour, from the
 * simulator's journeys) follows the number of active shipments at which one process saturates.
 * Then runs at shares of that load, time compressed: N ÷ speed parcels on a clock running `speed`
 * times as fast, so the process does per real second what N shipments ask in real time; each
 * reports the due backlog and the lag (received − carrier time) of the events that happened in it.
 *
 *   npm run bench:tracking                       # PostgreSQL at postgres://postgres@127.0.0.1:5432
 *   DATABASE_URL=postgres://…/any npm run bench:tracking
 *
 * Knobs: BENCH_PARCELS (10000: the population measured, and the most parcels a run keeps),
 * BENCH_WEBHOOK_SECONDS (10), BENCH_WEBHOOK_CONNECTIONS (16), BENCH_LOADS (1.5,1.25,1: shares of
 * the computed capacity to run at), BENCH_SECONDS (150 real seconds per run; 0 leaves the runs out),
 * BENCH_SIM_MINUTES (50: at least this much simulated time per run), BENCH_LATENCY_MS (150-300),
 * BENCH_PUSH_DELAY_MINUTES (1-5), BENCH_POOL_MAX (10), BENCH_JOURNEYS (20000, for the model),
 * BENCH_RESULT (tracking-postgres), BENCH_KEEP=1 (keep the run's database).
 */
import { cpus } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { forkServer, writeResults } from './child-server.ts';
import { POLL_LIMITS, POLL_MINUTES } from '../src/modules/tracking/rules.ts';
import { PACKAGE_ROOT } from '../src/platform/paths.ts';
import { randomSource } from './commerce/catalog.ts';
import { coresUsed, cpuSnapshot, summarise } from './commerce/load.ts';
import { databaseUrl } from './commerce/seed.ts';
import { FakeAggregator, WebhookPoster, type PushRecord } from './tracking/aggregator.ts';
import { ScaledClock } from './tracking/clock.ts';
import { activePopulation, carrierPushes, currentSchedule, LAST_MILE_STAGES, stageAt, workModel, type BenchParcel, type PollSchedule } from './tracking/population.ts';
import { markdown, pollBudgetShipments, type CapacityLimit, type Cores, type LagPercentile, type LagSegment, type PollPhase, type Results, type StatementShare, type Verification, type WebhookPhase } from './tracking/report.ts';
import type { Command, FollowedParcel, ServerStats } from './tracking/server.ts';

const env = process.env;
const SERVER_URL = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PARCELS = Number(env.BENCH_PARCELS ?? 10_000);
const WEBHOOK_SECONDS = Number(env.BENCH_WEBHOOK_SECONDS ?? 10);
const WEBHOOK_CONNECTIONS = Number(env.BENCH_WEBHOOK_CONNECTIONS ?? 16);
const LOADS = (env.BENCH_LOADS ?? '1.5,1.25,1').split(',').map(Number).sort((a, b) => b - a);
const RUN_SECONDS = Number(env.BENCH_SECONDS ?? 150);
const SIM_MINUTES = Number(env.BENCH_SIM_MINUTES ?? 50);
const range = (text: string) => text.split('-').map(Number) as [number, number];
const LATENCY_MS = range(env.BENCH_LATENCY_MS ?? '150-300');
const PUSH_DELAY_MINUTES = range(env.BENCH_PUSH_DELAY_MINUTES ?? '1-5');
const POOL_MAX = env.BENCH_POOL_MAX ?? '10';
const JOURNEYS = Number(env.BENCH_JOURNEYS ?? 20_000);
/** The fastest clock a run may use: a provider's answer takes `speed` times as long in simulated time. */
const MAX_SPEED = 60;
const API_KEY = 'bench-aggregator-key';
const WEBHOOK_SECRET = 'bench-aggregator-webhook-secret';

/** Schedules other than POLL_MINUTES whose cost the model works out too (not run). */
const facilityScanEvery15: PollSchedule = (latest) => (latest?.step === 'arrived_delivery_facility' ? 15 : currentSchedule(latest));
const customsHourly: PollSchedule = (latest) => (latest?.stage === 'customs' && latest.step !== 'customs_held' && latest.step !== 'customs_needs_info' ? 60 : currentSchedule(latest));
const OTHER_SCHEDULES: Record<string, PollSchedule> = {
  'in transit, from the delivery-facility scan: every 15 min (the first last-mile scan then comes within 15 min)': facilityScanEvery15,
  'customs: hourly, every 15 min only when held or documents are asked for': customsHourly,
  'both': (latest) => (latest?.step === 'arrived_delivery_facility' ? 15 : customsHourly(latest)),
};

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value: number, places = 1) => Math.round(value * 10 ** places) / 10 ** places;

interface Server {
  address: string;
  pid: number;
  call<T = unknown>(command: Command): Promise<T>;
}

/** What every phase works with. */
interface Bench {
  server: Server;
  /** A connection to the run's database, for shaping the population and watching it. */
  db: pg.Client;
  /** A connection to the server's maintenance database, for PostgreSQL's process list. */
  admin: pg.Client;
  database: string;
  aggregator: FakeAggregator;
  clock: ScaledClock;
}

async function startServer(url: string, aggregatorUrl: string, clock: ScaledClock): Promise<Server> {
  const server = await forkServer(path.join(import.meta.dirname, 'tracking', 'server.ts'), {
    ...env,
    BENCH_DATABASE_URL: url,
    BENCH_POOL_MAX: POOL_MAX,
    BENCH_AGGREGATOR_URL: aggregatorUrl,
    BENCH_AGGREGATOR_API_KEY: API_KEY,
    BENCH_WEBHOOK_SECRET: WEBHOOK_SECRET,
    BENCH_CLOCK: JSON.stringify(clock.at(clock.speed)),
  });
  return { address: server.address, pid: server.pid, call: (command) => server.send(command) };
}

/**
 * CPU of the server, of the PostgreSQL processes that work for this run (its database's backends,
 * the WAL writer, checkpointer and background writer), and of this process, from now until `stop`.
 * Other databases' backends on a shared server count as "other".
 */
async function meter(bench: Bench): Promise<{ stop(): Promise<{ cores: Cores; seconds: number }> }> {
  const ours = async () =>
    (await bench.admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1 OR backend_type IN ('walwriter', 'checkpointer', 'background writer')`, [bench.database])).rows.map((r) => String(r.pid));
  const pids = new Set(await ours());
  const before = cpuSnapshot([bench.server.pid]);
  return {
    async stop() {
      const after = cpuSnapshot([bench.server.pid]);
      for (const pid of await ours()) pids.add(pid);
      const all = coresUsed(before, after);
      const seconds = (after.at - before.at) / 1000;
      let used = 0;
      for (const [pid, total] of after.postgres) if (pids.has(pid)) used += total - (before.postgres.get(pid) ?? 0);
      const postgres = round(used / seconds, 2);
      return { cores: { ...all, postgres, other: round(Math.max(0, all.other + all.postgres - postgres), 2) }, seconds };
    },
  };
}

/** The statements of a phase by time, per unit of work. */
function topStatements(stats: ServerStats, units: number, count = 12): StatementShare[] {
  return Object.entries(stats.queries)
    .slice(0, count)
    .map(([text, q]) => ({ text, perUnit: round(q.calls / units, 2), msPerUnit: round(q.ms / units, 2) }));
}

const cpuMsPer = (cores: Cores, seconds: number, units: number) => ({
  server: round((cores.server * seconds * 1000) / units, 2),
  postgres: round((cores.postgres * seconds * 1000) / units, 2),
});

/** Share of [from, to] (performance.now() times) covered by at least one of the intervals. */
function covered(intervals: { arrived: number; answered: number }[], from: number, to: number): number {
  const sorted = intervals.filter((i) => i.answered > from && i.arrived < to).sort((a, b) => a.arrived - b.arrived);
  let total = 0;
  let end = from;
  for (const i of sorted) {
    const start = Math.max(i.arrived, end);
    const stop = Math.min(i.answered, to);
    if (stop > start) total += stop - start;
    end = Math.max(end, stop);
  }
  return to > from ? total / (to - from) : 0;
}

const followed = (parcels: readonly BenchParcel[]): FollowedParcel[] => parcels.map((p) => ({ carrierCode: p.carrierCode, trackingNumber: p.trackingNumber, registeredAt: p.registeredAt }));

/**
 * Updates parcels the application is not working on at that moment (SKIP LOCKED: the benchmark
 * never waits for, nor deadlocks with, an ingest); with `repeat`, again until `where` finds none
 * (`set` then takes no parameters: `values` are those of `where`).
 */
async function reshape(bench: Bench, set: string, where: string, values: unknown[], repeat = false): Promise<void> {
  for (;;) {
    await bench.db.query(`UPDATE tracked_parcels SET ${set} WHERE id IN (SELECT id FROM tracked_parcels WHERE ${where} FOR UPDATE SKIP LOCKED)`, values);
    if (!repeat || (await countParcels(bench, where, values)) === 0) return;
    await sleep(50);
  }
}

async function countParcels(bench: Bench, where: string, values: unknown[] = []): Promise<number> {
  return Number((await bench.db.query<{ n: string }>(`SELECT count(*) AS n FROM tracked_parcels WHERE ${where}`, values)).rows[0]!.n);
}

/**
 * Runs the poll job back to back, one run always queued (the worker starts it as soon as the one
 * before ends), until every followed parcel still polled was checked since `since`.
 */
async function pollUntilChecked(bench: Bench, name: string, since: Date): Promise<void> {
  let before = Infinity;
  let progressAt = performance.now();
  for (;;) {
    const queued = Number((await bench.db.query<{ n: string }>(`SELECT count(*) AS n FROM jobs WHERE name = 'tracking.poll' AND status = 'queued'`)).rows[0]!.n);
    if (queued === 0) await bench.server.call({ type: 'poll' });
    const left = await countParcels(bench, 'stopped_at IS NULL AND next_check_at IS NOT NULL AND (last_checked_at IS NULL OR last_checked_at < $1)', [since]);
    if (left === 0) return;
    if (left < before) progressAt = performance.now();
    if (performance.now() - progressAt > 120_000) throw new Error(`${name}: no parcel checked for two minutes, ${left} left (is the aggregator answering?)`);
    before = left;
    await sleep(200);
  }
}

/** (a) The poll job checking every parcel that is due, measured. */
async function pollPhase(bench: Bench, name: string, since: Date): Promise<PollPhase> {
  const { server, aggregator } = bench;
  const parcels = await countParcels(bench, 'stopped_at IS NULL AND next_check_at IS NOT NULL');
  await server.call({ type: 'reset' });
  const callsBefore = aggregator.calls.length;
  const cpu = await meter(bench);
  const from = performance.now();
  await pollUntilChecked(bench, name, since);
  const to = performance.now();
  const { cores, seconds } = await cpu.stop();
  const stats = await server.call<ServerStats>({ type: 'reset' });
  const calls = aggregator.calls.slice(callsBefore);
  const queries = calls.filter((c) => c.path.endsWith('/query'));
  const phase: PollPhase = {
    name,
    parcels,
    seconds: round(seconds),
    checksPerSecond: round(parcels / seconds),
    queryCalls: queries.length,
    registerCalls: calls.length - queries.length,
    meanNumbersPerQuery: round(queries.reduce((sum, c) => sum + c.items, 0) / Math.max(1, queries.length)),
    waitingOnAggregator: round(covered(calls, from, to), 3),
    statementsPerCheck: round(stats.statements / parcels),
    cpuMsPerCheck: cpuMsPer(cores, seconds, parcels),
    cores,
    eventLoopUtilisation: round(stats.eventLoopUtilisation, 2),
    topStatements: topStatements(stats, parcels),
  };
  log(`${name}: ${parcels} parcels in ${phase.seconds} s = ${phase.checksPerSecond} checks/s; aggregator call under way ${round(phase.waitingOnAggregator * 100)} % of the time; ${phase.statementsPerCheck} SQL/check; CPU ${JSON.stringify(cores)}`);
  return phase;
}

/** Every followed parcel due now, and checked again. */
async function recheckPhase(bench: Bench, name: string): Promise<PollPhase> {
  const from = bench.clock.now();
  await reshape(bench, `next_check_at = '${from.toISOString()}'`, 'stopped_at IS NULL AND next_check_at IS NOT NULL AND next_check_at <> $1', [from], true);
  return pollPhase(bench, name, from);
}

/** (b) Signed deliveries as fast as WEBHOOK_CONNECTIONS go for WEBHOOK_SECONDS, then until the job has worked them all off. */
async function webhookPhase(bench: Bench, population: readonly BenchParcel[]): Promise<WebhookPhase> {
  const { server, aggregator, clock, db } = bench;
  const poster = new WebhookPoster(server.address, WEBHOOK_CONNECTIONS);
  const random = randomSource(99);
  await server.call({ type: 'reset' });
  const cpu = await meter(bench);
  const from = performance.now();
  const until = from + WEBHOOK_SECONDS * 1000;
  const records: PushRecord[] = [];
  let sent = 0;
  const sender = async () => {
    while (performance.now() < until) {
      const parcel = population[Math.floor(random.next() * population.length)]!;
      const now = clock.now().getTime();
      const tracking = aggregator.trackingAt(parcel, now);
      // One new scan, a few minutes old, of the kind the parcel last had: it moves on within its stage.
      const id = ++sent;
      tracking.events.unshift({ ...tracking.events[0]!, id: `bench-scan-${id}`, occurred_at: new Date(now - (1 + random.next() * 9) * 60_000).toISOString() });
      const { raw, headers } = aggregator.signed({ id: `dlv_bench_${id}`, type: 'tracking.updated', created_at: new Date(now).toISOString(), data: { trackings: [tracking] } });
      records.push(await poster.post(raw, headers));
    }
  };
  await Promise.all(Array.from({ length: WEBHOOK_CONNECTIONS }, sender));
  const sendSeconds = (performance.now() - from) / 1000;
  const accepted = records.filter((r) => r.status === 202).length;
  log(`webhooks: ${sent} sent in ${round(sendSeconds)} s, ${accepted} accepted (${round(accepted / sendSeconds)}/s); waiting for the job to work them off…`);
  let state: { processed: string; first: Date; last: Date | null };
  for (;;) {
    state = (await db.query(`SELECT count(*) FILTER (WHERE processed_at IS NOT NULL) AS processed, min(received_at) AS first, max(processed_at) AS last FROM tracking_webhook_deliveries WHERE delivery_id LIKE 'dlv_bench_%'`)).rows[0];
    if (Number(state.processed) >= accepted) break;
    await sleep(200);
  }
  const { cores, seconds } = await cpu.stop();
  const stats = await server.call<ServerStats>({ type: 'reset' });
  poster.close();
  const processSeconds = (state.last!.getTime() - state.first.getTime()) / 1000;
  const failures: Record<string, number> = {};
  for (const r of records) if (r.status !== 202) failures[String(r.status)] = (failures[String(r.status)] ?? 0) + 1;
  const phase: WebhookPhase = {
    connections: WEBHOOK_CONNECTIONS,
    seconds: round(sendSeconds),
    sent,
    acceptedPerSecond: round(accepted / sendSeconds),
    latency: summarise(records.map((r) => r.ms)),
    failures,
    processSeconds: round(processSeconds),
    processedPerSecond: round(accepted / processSeconds),
    newEventsPerDelivery: 1,
    statementsPerDelivery: round(stats.statements / accepted),
    cpuMsPerDelivery: cpuMsPer(cores, seconds, accepted),
    cores,
    eventLoopUtilisation: round(stats.eventLoopUtilisation, 2),
    topStatements: topStatements(stats, accepted),
  };
  log(`webhooks worked off: ${accepted} in ${phase.processSeconds} s = ${phase.processedPerSecond}/s; ${phase.statementsPerDelivery} SQL/delivery; CPU ${JSON.stringify(cores)}`);
  return phase;
}

/** Sets both clocks (this process's and the server's) to run `speed` times as fast from now. */
async function setSpeed(bench: Bench, speed: number): Promise<void> {
  const setting = bench.clock.at(speed);
  bench.clock.set(setting);
  await bench.server.call({ type: 'clock', setting });
}

type Lag = { minutes: number; atLeast: boolean; lastMile: boolean; knownInLastMile: boolean; pushes: boolean };

function lagSegment(name: string, list: readonly Lag[]): LagSegment {
  const sorted = [...list].sort((a, b) => a.minutes - b.minutes);
  const at = (q: number): LagPercentile | null => {
    const lag = sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
    return lag ? { minutes: round(lag.minutes), atLeast: lag.atLeast } : null;
  };
  return {
    name,
    events: list.length,
    received: list.filter((l) => !l.atLeast).length,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    within15: list.length ? round(list.filter((l) => !l.atLeast && l.minutes <= 15).length / list.length, 3) : 0,
  };
}

/**
 * A run at `shipments` active shipments: `shipments ÷ speed` of the parcels on clocks `speed` times
 * as fast, from the steady state, with the fake aggregator pushing webhooks for carriers that push.
 */
async function loadRun(bench: Bench, parcels: readonly BenchParcel[], load: number, shipments: number, speed: number, checksPerShipmentHour: number): Promise<Verification> {
  const { server, db, aggregator, clock } = bench;
  const kept = parcels.slice(0, Math.round(shipments / speed));
  // Labels beyond the load asked for are no longer followed, as cancelled ones would be.
  await reshape(bench, `stopped_at = '${clock.now().toISOString()}', next_check_at = NULL`, 'stopped_at IS NULL AND NOT (tracking_number = ANY($1))', [kept.map((p) => p.trackingNumber)], true);
  // The steady state: each parcel's next check somewhere within its stage's interval, as if checked on schedule so far
  // (a parcel being checked at that moment gets its next check from that check).
  const intervals = Object.entries(POLL_MINUTES).filter(([, minutes]) => minutes !== null);
  await reshape(
    bench,
    `next_check_at = $1::timestamptz + random() * (CASE status ${intervals.map(([stage, minutes]) => `WHEN '${stage}' THEN interval '${minutes} minutes'`).join(' ')} END)`,
    'stopped_at IS NULL AND next_check_at IS NOT NULL',
    [clock.now()],
  );
  log(`run at ${round(load * 100)} %: ${shipments} shipments = ${kept.length} parcels × speed ${speed}, ${RUN_SECONDS} s real = ${round((RUN_SECONDS * speed) / 60)} simulated minutes`);

  await server.call({ type: 'reset' });
  const callsBefore = aggregator.calls.length;
  const pushesBefore = aggregator.pushes.length;
  await setSpeed(bench, speed);
  const simFrom = clock.now().getTime();
  aggregator.startPushing(server.address, kept.filter((p) => carrierPushes(p.carrierCode)), simFrom, PUSH_DELAY_MINUTES);
  const cpu = await meter(bench);
  const samples: { due: number; overdueMinutes: number; polling: boolean }[] = [];
  const realUntil = performance.now() + RUN_SECONDS * 1000;
  let lastLog = performance.now();
  while (performance.now() < realUntil) {
    const now = clock.now();
    const row = (
      await db.query<{ due: string; oldest: Date | null; polling: string }>(
        `SELECT (SELECT count(*) FROM tracked_parcels WHERE next_check_at <= $1 AND stopped_at IS NULL) AS due,
                (SELECT min(next_check_at) FROM tracked_parcels WHERE next_check_at <= $1 AND stopped_at IS NULL) AS oldest,
                (SELECT count(*) FROM jobs WHERE name = 'tracking.poll' AND status = 'running') AS polling`,
        [now],
      )
    ).rows[0]!;
    samples.push({ due: Number(row.due), overdueMinutes: row.oldest ? (now.getTime() - row.oldest.getTime()) / 60_000 : 0, polling: Number(row.polling) > 0 });
    if (performance.now() - lastLog > 30_000) {
      lastLog = performance.now();
      log(`  ${round((now.getTime() - simFrom) / 60_000)} sim min: ${row.due} due, the oldest ${round(samples.at(-1)!.overdueMinutes)} min overdue; ${aggregator.pushes.length - pushesBefore} webhooks pushed`);
    }
    await sleep(1000);
  }
  await aggregator.stopPushing();
  const simTo = clock.now().getTime();
  const { cores } = await cpu.stop();
  const stats = await server.call<ServerStats>({ type: 'stats' });
  await setSpeed(bench, 1);

  const simHours = (simTo - simFrom) / 3_600_000;
  const checked = aggregator.calls.slice(callsBefore).filter((c) => c.path.endsWith('/query')).reduce((sum, c) => sum + c.items, 0);
  const pushes = aggregator.pushes.slice(pushesBefore);

  // Lag of every carrier event that happened in the run, early enough that its 15-minute verdict is known.
  const lagWindow = simTo - 15 * 60_000;
  const received = new Map<string, number>();
  const rows = await db.query<{ events: { eventId?: string; receivedAt: string }[] }>('SELECT events FROM tracked_parcels WHERE tracking_number = ANY($1)', [kept.map((p) => p.trackingNumber)]);
  for (const row of rows.rows) for (const event of row.events) if (event.eventId) received.set(event.eventId, Date.parse(event.receivedAt));
  const lags: Lag[] = [];
  for (const parcel of kept) {
    parcel.journey.events.forEach((event, i) => {
      if (event.at <= simFrom || event.at > lagWindow) return;
      const at = received.get(event.raw.eventId!);
      // Whether, when the event happened, the platform already had the parcel in the last mile (and so asked every 15 min).
      const before = parcel.journey.events[i - 1];
      const knownInLastMile = before !== undefined && LAST_MILE_STAGES.includes(before.stage) && (received.get(before.raw.eventId!) ?? Infinity) <= event.at;
      lags.push({ minutes: ((at ?? simTo) - event.at) / 60_000, atLeast: at === undefined, lastMile: LAST_MILE_STAGES.includes(event.stage), knownInLastMile, pushes: carrierPushes(parcel.carrierCode) });
    });
  }
  const lag = [
    lagSegment('all events', lags),
    lagSegment('carriers that push (webhook and polling)', lags.filter((l) => l.pushes)),
    lagSegment('carriers that do not push (polling only)', lags.filter((l) => !l.pushes)),
    lagSegment('last-mile events (out for delivery, attempt, pick-up, delivered)', lags.filter((l) => l.lastMile)),
    lagSegment('last-mile events, carriers that push', lags.filter((l) => l.lastMile && l.pushes)),
    lagSegment('last-mile events, polling only, the platform still had the parcel in transit (asked every 180 min)', lags.filter((l) => l.lastMile && !l.knownInLastMile && !l.pushes)),
    lagSegment('last-mile events, polling only, the platform had the parcel in the last mile (asked every 15 min)', lags.filter((l) => l.lastMile && l.knownInLastMile && !l.pushes)),
  ];
  for (const s of lag) log(`  lag, ${s.name}: ${s.events} events, p50 ${JSON.stringify(s.p50)}, p95 ${JSON.stringify(s.p95)}, within 15 min ${round(s.within15 * 100)} %`);
  const overdue = samples.map((s) => s.overdueMinutes);
  return {
    load,
    shipments,
    parcels: kept.length,
    speed,
    realSeconds: RUN_SECONDS,
    simMinutes: round((simTo - simFrom) / 60_000),
    checks: { expectedPerHour: Math.round(shipments * checksPerShipmentHour), donePerHour: Math.round((checked / simHours) * speed) },
    backlog: {
      maxDue: Math.max(...samples.map((s) => s.due)),
      meanDue: samples.reduce((sum, s) => sum + s.due, 0) / samples.length,
      maxOverdueMinutes: round(Math.max(...overdue)),
      overdueOver5MinutesShare: round(overdue.filter((m) => m > 5).length / samples.length, 3),
    },
    pollBusyShare: round(samples.filter((s) => s.polling).length / samples.length, 3),
    webhooks: { sent: pushes.length, accepted: pushes.filter((p) => p.status === 202).length, failed: pushes.filter((p) => p.status !== 202).length, latency: summarise(pushes.map((p) => p.ms)) },
    lag,
    lagWindowMinutes: round((lagWindow - simFrom) / 60_000),
    cores,
    eventLoopUtilisation: round(stats.eventLoopUtilisation, 2),
    rssMiB: Math.round(stats.rssMiB),
  };
}

/** The shipments one process can keep at each limit, from the measured rates and the work model. */
function capacityLimits(model: ReturnType<typeof workModel>, recheck: PollPhase, webhooks: WebhookPhase): CapacityLimit[] {
  const c = model.checksPerShipmentHour;
  const h = model.webhookDeliveriesPerShipmentHour;
  const rate = recheck.checksPerSecond;
  const budget = POLL_LIMITS.runSeconds;
  const cpuPerShipmentHour = {
    server: (c * recheck.cpuMsPerCheck.server + h * webhooks.cpuMsPerDelivery.server) / 1000,
    postgres: (c * recheck.cpuMsPerCheck.postgres + h * webhooks.cpuMsPerDelivery.postgres) / 1000,
  };
  return [
    {
      name: 'poll job: 50 s of each minute',
      shipments: pollBudgetShipments({ poll: [recheck], settings: { pollLimits: POLL_LIMITS } }, c),
      reasoning: `${budget} s × 60 × ${rate} checks/s = ${Math.round(budget * 60 * rate).toLocaleString('en-US')} checks/h, ÷ ${round(c, 3)} checks per shipment-hour`,
    },
    {
      name: 'one worker running the jobs one after another',
      shipments: 3600 / (c / rate + h / webhooks.processedPerSecond),
      reasoning: `3,600 s/h ÷ (${round(c, 3)} checks ÷ ${rate}/s + ${round(h, 4)} webhook deliveries ÷ ${webhooks.processedPerSecond}/s) per shipment-hour`,
    },
    {
      name: 'server CPU (one event loop: 1 core)',
      shipments: 3600 / cpuPerShipmentHour.server,
      reasoning: `${round(cpuPerShipmentHour.server * 1000, 2)} ms of server CPU per shipment-hour (checks and webhooks)`,
    },
    {
      name: `machine CPU (${cpus().length} cores for server and PostgreSQL)`,
      shipments: (3600 * cpus().length) / (cpuPerShipmentHour.server + cpuPerShipmentHour.postgres),
      reasoning: `${round((cpuPerShipmentHour.server + cpuPerShipmentHour.postgres) * 1000, 2)} ms of server + PostgreSQL CPU per shipment-hour`,
    },
  ].map((limit) => ({ ...limit, shipments: Math.floor(limit.shipments / 1000) * 1000 }));
}

async function main() {
  const started = Date.now();
  const clock = new ScaledClock({ realMs: started, simMs: started, speed: 1 });
  log(`work model from ${JOURNEYS} simulated journeys…`);
  const model = workModel(JOURNEYS, randomSource(7), OTHER_SCHEDULES);
  log(`  ${round(model.checksPerShipmentHour, 3)} checks, ${round(model.eventsPerShipmentHour, 4)} events, ${round(model.webhookDeliveriesPerShipmentHour, 4)} webhook deliveries per shipment-hour; active ${model.meanActiveDays} days`);
  const population = activePopulation(PARCELS, clock.now().getTime(), randomSource(2026));
  const stageMix: Record<string, number> = {};
  for (const parcel of population) {
    const stage = stageAt(parcel.journey, clock.now().getTime());
    stageMix[stage] = (stageMix[stage] ?? 0) + 1;
  }
  log(`${PARCELS} active parcels drawn: ${JSON.stringify(stageMix)}`);

  const aggregator = new FakeAggregator({ apiKey: API_KEY, webhookSecret: WEBHOOK_SECRET, clock, latencyMs: LATENCY_MS, random: randomSource(11) });
  aggregator.add(population);
  const aggregatorUrl = await aggregator.listen();
  const database = `caravan_bench_tracking_${Date.now()}`;
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = databaseUrl(SERVER_URL, database);
  const postgresVersion = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
  const db = new pg.Client({ connectionString: url });
  let server: Server | undefined;
  try {
    server = await startServer(url, aggregatorUrl, clock);
    await db.connect();
    const bench: Bench = { server, db, admin, database, aggregator, clock };
    log(`server ${server.address} (pid ${server.pid}) on ${database}; fake aggregator ${aggregatorUrl}`);

    const followStarted = performance.now();
    await server.call({ type: 'follow', parcels: followed(population) });
    const followSeconds = (performance.now() - followStarted) / 1000;
    log(`followed ${PARCELS} parcels in ${round(followSeconds)} s`);

    // (a) Polling.
    const first = await pollPhase(bench, 'first checks (register + events so far)', new Date(0));
    const recheck = await recheckPhase(bench, 're-checks (steady state)');
    aggregator.latencyMs = [0, 0];
    const ceiling = await recheckPhase(bench, 're-checks, aggregator answering at once (not real: our side alone)');
    aggregator.latencyMs = LATENCY_MS;

    // (b) Webhooks.
    const webhooks = await webhookPhase(bench, population);

    const limits = capacityLimits(model, recheck, webhooks);
    const capacity = Math.min(...limits.map((l) => l.shipments));
    for (const limit of limits) log(`limit, ${limit.name}: ${limit.shipments} shipments (${limit.reasoning})`);

    // Runs at shares of that load, time compressed, largest first: each keeps a part of the parcels of the one before.
    const runs: Verification[] = [];
    if (RUN_SECONDS > 0) {
      // As slow a clock as the parcels allow (and SIM_MINUTES in RUN_SECONDS): the less time is compressed, the less it
      // distorts. One speed for all runs, so each keeps fewer parcels than the one before (a stopped parcel stays stopped).
      const most = Math.round(capacity * LOADS[0]!);
      const speed = Math.min(MAX_SPEED, Math.max(Math.ceil((SIM_MINUTES * 60) / RUN_SECONDS), Math.ceil(most / PARCELS)));
      let parcels = population.filter((p) => p.journey.events.at(-1)!.at > clock.now().getTime());
      const wanted = Math.round(most / speed);
      if (wanted > parcels.length) {
        const extra = activePopulation(wanted - parcels.length, clock.now().getTime(), randomSource(4242), PARCELS * 100);
        aggregator.add(extra);
        await server.call({ type: 'follow', parcels: followed(extra) });
        log(`${extra.length} more parcels followed for the runs; first checks…`);
        await pollUntilChecked(bench, 'first checks of the added parcels', new Date(0));
        parcels = [...parcels, ...extra];
      }
      for (const load of LOADS) {
        const shipments = Math.round(capacity * load);
        runs.push(await loadRun(bench, parcels, load, shipments, speed, model.checksPerShipmentHour));
      }
    }

    const results: Results = {
      measuredAt: new Date().toISOString(),
      command: `${env.DATABASE_URL ? 'DATABASE_URL=… ' : ''}npm run bench:tracking`,
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version, postgres: postgresVersion },
      settings: {
        parcels: PARCELS,
        webhookSeconds: WEBHOOK_SECONDS,
        webhookConnections: WEBHOOK_CONNECTIONS,
        loads: LOADS,
        runSeconds: RUN_SECONDS,
        simMinutes: SIM_MINUTES,
        latencyMs: LATENCY_MS,
        pushDelayMinutes: PUSH_DELAY_MINUTES,
        poolMax: Number(POOL_MAX),
        pollLimits: POLL_LIMITS,
        pollMinutes: POLL_MINUTES,
      },
      model,
      population: { parcels: PARCELS, stageMix, followSeconds: round(followSeconds) },
      poll: [first, recheck, ceiling],
      webhooks,
      capacity: { limits, shipments: capacity },
      runs,
    };
    const file = writeResults(path.join(PACKAGE_ROOT, 'bench', 'results'), env.BENCH_RESULT ?? 'tracking-postgres', results, markdown);
    log(`written to ${path.relative(PACKAGE_ROOT, file)} (and .md)`);
  } finally {
    await server?.call({ type: 'close' }).catch(() => {});
    await aggregator.close();
    await db.end().catch(() => {});
    if (env.BENCH_KEEP !== '1') await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
}

await main();

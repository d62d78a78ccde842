/**
 * The tracking benchmark's results: the JSON written by bench/tracking.ts and the page made from
 * it. `npx tsx bench/tracking/report.ts bench/results/tracking-postgres.json` writes the page again.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { LatencySummary } from '../commerce/load.ts';
import type { WorkModel } from './population.ts';

export interface Cores {
  server: number;
  postgres: number;
  loadGenerator: number;
  other: number;
  machine: number;
}

export interface StatementShare {
  text: string;
  perUnit: number;
  msPerUnit: number;
}

export interface PollPhase {
  name: string;
  parcels: number;
  seconds: number;
  checksPerSecond: number;
  queryCalls: number;
  registerCalls: number;
  meanNumbersPerQuery: number;
  /** Share of the phase during which an aggregator call was under way. */
  waitingOnAggregator: number;
  statementsPerCheck: number;
  cpuMsPerCheck: { server: number; postgres: number };
  cores: Cores;
  eventLoopUtilisation: number;
  topStatements: StatementShare[];
}

export interface WebhookPhase {
  connections: number;
  seconds: number;
  sent: number;
  acceptedPerSecond: number;
  latency: LatencySummary;
  failures: Record<string, number>;
  /** From the first delivery received to the last one worked off by the job. */
  processSeconds: number;
  processedPerSecond: number;
  newEventsPerDelivery: number;
  statementsPerDelivery: number;
  cpuMsPerDelivery: { server: number; postgres: number };
  cores: Cores;
  eventLoopUtilisation: number;
  topStatements: StatementShare[];
}

export interface CapacityLimit {
  name: string;
  shipments: number;
  reasoning: string;
}

export interface LagPercentile {
  minutes: number;
  /** The event had not reached us when the run ended: its lag is at least this much. */
  atLeast: boolean;
}

export interface LagSegment {
  name: string;
  events: number;
  received: number;
  p50: LagPercentile | null;
  p95: LagPercentile | null;
  p99: LagPercentile | null;
  within15: number;
}

export interface Verification {
  load: number;
  shipments: number;
  parcels: number;
  speed: number;
  realSeconds: number;
  simMinutes: number;
  checks: { expectedPerHour: number; donePerHour: number };
  backlog: { maxDue: number; maxOverdueMinutes: number; meanDue: number; overdueOver5MinutesShare: number };
  pollBusyShare: number;
  webhooks: { sent: number; accepted: number; failed: number; latency: LatencySummary };
  lag: LagSegment[];
  lagWindowMinutes: number;
  cores: Cores;
  eventLoopUtilisation: number;
  rssMiB: number;
}

export interface Results {
  measuredAt: string;
  command: string;
  machine: { cpus: number; model: string; node: string; postgres: string };
  settings: Record<string, unknown>;
  model: WorkModel;
  population: { parcels: number; stageMix: Record<string, number>; followSeconds: number };
  poll: PollPhase[];
  webhooks: WebhookPhase;
  capacity: { limits: CapacityLimit[]; shipments: number };
  /** Runs at shares of the capacity, the largest first. */
  runs: Verification[];
}

const n = (value: number) => Math.round(value).toLocaleString('en-US');
const r1 = (value: number) => Math.round(value * 10) / 10;
const round2 = (value: number) => Math.round(value * 100) / 100;
const round4 = (value: number) => Math.round(value * 10000) / 10000;
const pct = (share: number) => `${Math.round(share * 1000) / 10} %`;
const lag = (p: LagPercentile | null) => (p === null ? '–' : `${p.atLeast ? '≥ ' : ''}${r1(p.minutes)}`);
const coresLine = (c: Cores) => `server ${c.server}, PostgreSQL ${c.postgres}, load generator and fake aggregator ${c.loadGenerator}, other ${c.other}`;

function statements(rows: readonly StatementShare[], unit: string): string[] {
  return [`| per ${unit} | ms per ${unit} | statement |`, '|---:|---:|---|', ...rows.map((s) => `| ${s.perUnit} | ${s.msPerUnit} | \`${s.text.replace(/\|/g, '\\|').slice(0, 150)}\` |`)];
}

/** Shipments whose checks the poll job's budget holds at the measured re-check rate. */
export function pollBudgetShipments(results: Pick<Results, 'poll' | 'settings'>, checksPerShipmentHour: number): number {
  const recheck = results.poll.find((p) => p.name.startsWith('re-checks (steady state)'));
  const budget = (results.settings.pollLimits as { runSeconds: number }).runSeconds;
  return recheck ? (budget * 60 * recheck.checksPerSecond) / checksPerShipmentHour : 0;
}

/** Whether a run kept the poll schedule: it did the checks asked for (within 3 %), and no due parcel was ever more than 5 minutes late. */
export const keptUp = (run: Verification) => run.checks.donePerHour >= 0.97 * run.checks.expectedPerHour && run.backlog.maxOverdueMinutes <= 5;

export function markdown(results: Results): string {
  const { model, runs } = results;
  const held = runs.filter(keptUp).sort((a, b) => b.shipments - a.shipments)[0];
  const lines: string[] = [
    '# Tracking benchmark — PostgreSQL',
    '',
    `Measured ${results.measuredAt.slice(0, 10)} with \`${results.command}\` on ${results.machine.cpus} CPU cores (${results.machine.model}), Node.js ${results.machine.node}, PostgreSQL ${results.machine.postgres}: ` +
      "the application (HTTP and background worker) in one process with the aggregator provider; the fake aggregator and the webhook sender in the load generator's process; PostgreSQL on the same machine. " +
      `Aggregator latency ${(results.settings.latencyMs as number[]).join('–')} ms per call; database pool ${String(results.settings.poolMax)}.`,
    '',
    `**One process saturates at about ${n(results.capacity.shipments)} active shipments** (the lowest of the limits below). ` +
      (held ? `It kept the poll schedule at ${n(held.shipments)} (${pct(held.load)} of that): the checks asked for were done, the oldest due parcel at worst ${r1(held.backlog.maxOverdueMinutes)} min late. ` : runs.length > 0 ? 'None of the runs kept the poll schedule. ' : '') +
      runs
        .filter((run) => !keptUp(run))
        .map((run) => `At ${n(run.shipments)} (${pct(run.load)}) it fell behind: ${n(run.checks.donePerHour)} checks an hour done of ${n(run.checks.expectedPerHour)} asked, the oldest due parcel ${r1(run.backlog.maxOverdueMinutes)} min late at worst.`)
        .join(' '),
    '',
    '## The work one shipment makes',
    '',
    `From ${n(model.journeys)} simulated journeys (carrier simulator) with the assumed carrier mix: active ${model.meanActiveDays} days on average; ` +
      `${round2(model.checksPerShipmentHour)} checks per shipment-hour by the poll schedule (POLL_MINUTES), ${round4(model.eventsPerShipmentHour)} carrier events per shipment-hour, ` +
      `${round4(model.webhookDeliveriesPerShipmentHour)} webhook deliveries per shipment-hour (${pct(model.pushingShare)} of parcels travel with carriers that push).`,
    '',
    '| stage | share of active time | polled every |',
    '|---|---:|---:|',
    ...Object.entries(model.stageShare).map(([stage, share]) => `| ${stage} | ${pct(share ?? 0)} | ${String((results.settings.pollMinutes as Record<string, number | null>)[stage] ?? '–')} min |`),
    '',
    ...(model.otherSchedules.length > 0
      ? [
          'Other schedules, modelled only (not run), with the shipments the measured re-check rate would keep under the poll job\'s 50 s a minute:',
          '',
          '| schedule | checks per shipment-hour | active shipments |',
          '|---|---:|---:|',
          `| POLL_MINUTES as it is | ${round2(model.checksPerShipmentHour)} | ${n(results.capacity.limits[0]?.shipments ?? 0)} |`,
          ...model.otherSchedules.map((o) => `| ${o.name} | ${round2(o.checksPerShipmentHour)} | ${n(Math.floor(pollBudgetShipments(results, o.checksPerShipmentHour) / 1000) * 1000)} |`),
          '',
        ]
      : []),
    '## Polling: parcels checked per second by the poll job',
    '',
    '| phase | parcels | seconds | checks/s | aggregator calls (query / register) | numbers per query | time an aggregator call was under way | SQL per check | CPU ms per check (server + PostgreSQL) | event loop busy |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.poll.map(
      (p) =>
        `| ${p.name} | ${n(p.parcels)} | ${r1(p.seconds)} | ${r1(p.checksPerSecond)} | ${n(p.queryCalls)} / ${n(p.registerCalls)} | ${r1(p.meanNumbersPerQuery)} | ${pct(p.waitingOnAggregator)} | ${p.statementsPerCheck} | ${p.cpuMsPerCheck.server} + ${p.cpuMsPerCheck.postgres} | ${pct(p.eventLoopUtilisation)} |`,
    ),
    '',
    ...results.poll.flatMap((p) => [`CPU during "${p.name}", in cores: ${coresLine(p.cores)}.`, '']),
  ];
  for (const p of results.poll) lines.push(`<details><summary>Statements of "${p.name}" by time</summary>`, '', ...statements(p.topStatements, 'check'), '', '</details>', '');
  const w = results.webhooks;
  lines.push(
    '## Webhooks: deliveries accepted over HTTP, events worked off by the job',
    '',
    `${w.connections} connections sent signed deliveries (one parcel each, its events so far plus ${w.newEventsPerDelivery} new) for ${w.seconds} s: ` +
      `**${r1(w.acceptedPerSecond)} accepted per second** (202), p50 ${w.latency.p50} ms, p99 ${w.latency.p99} ms, failures ${JSON.stringify(w.failures)}. ` +
      `The \`tracking.webhook\` job worked them off at **${r1(w.processedPerSecond)} deliveries (= new events) per second** (${n(w.sent)} in ${r1(w.processSeconds)} s from the first received to the last processed, while they were still arriving). ` +
      `Per delivery, accepting and processing together: ${w.statementsPerDelivery} SQL statements, ${w.cpuMsPerDelivery.server} ms server CPU + ${w.cpuMsPerDelivery.postgres} ms PostgreSQL CPU; event loop busy ${pct(w.eventLoopUtilisation)}; in cores: ${coresLine(w.cores)}.`,
    '',
    '<details><summary>Statements per delivery by time</summary>',
    '',
    ...statements(w.topStatements, 'delivery'),
    '',
    '</details>',
    '',
    '## Capacity of one process',
    '',
    '| limit | active shipments | how |',
    '|---|---:|---|',
    ...results.capacity.limits.map((l) => `| ${l.name} | ${n(l.shipments)} | ${l.reasoning} |`),
    '',
  );
  if (runs.length > 0) {
    lines.push(
      '## Runs at that load',
      '',
      'Time compressed: shipments ÷ speed parcels on clocks (server, its worker\'s tick, fake aggregator) running speed times as fast, so the process does per real second the work of all the shipments in real time. ' +
        `${r1(runs[0]!.realSeconds)} s real per run. Each run starts from the steady state (every parcel's next check spread over its stage's interval); the fake aggregator pushes a webhook ${(results.settings.pushDelayMinutes as number[]).join('–')} min after each event of a carrier that pushes. ` +
        'Backlog: parcels due and not yet claimed, sampled every real second.',
      '',
      '| load | shipments (parcels × speed) | simulated minutes | checks per hour done / asked | due parcels, mean / max | oldest due, at worst | samples with one > 5 min late | poll job running | webhooks sent / failed | CPU cores: server + PostgreSQL | event loop busy |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...runs.map(
        (v) =>
          `| ${pct(v.load)} | ${n(v.shipments)} (${n(v.parcels)} × ${v.speed}) | ${r1(v.simMinutes)} | ${n(v.checks.donePerHour)} / ${n(v.checks.expectedPerHour)} | ${r1(v.backlog.meanDue)} / ${n(v.backlog.maxDue)} | ${r1(v.backlog.maxOverdueMinutes)} min | ${pct(v.backlog.overdueOver5MinutesShare)} | ${pct(v.pollBusyShare)} | ${n(v.webhooks.sent)} / ${n(v.webhooks.failed)} | ${v.cores.server} + ${v.cores.postgres} | ${pct(v.eventLoopUtilisation)} |`,
      ),
      '',
    );
    for (const v of runs) {
      lines.push(
        `Lag at ${pct(v.load)} (${n(v.shipments)} shipments): received − carrier time, in simulated minutes, of the carrier events that happened during the run up to ${r1(v.lagWindowMinutes)} min in (15 min before its end, so whether each came within 15 minutes is known; "≥" marks a percentile that falls on events not received by the end):`,
        '',
        '| events | count | received | p50 min | p95 min | p99 min | within 15 min |',
        '|---|---:|---:|---:|---:|---:|---:|',
        ...v.lag.map((s) => `| ${s.name} | ${n(s.events)} | ${n(s.received)} | ${lag(s.p50)} | ${lag(s.p95)} | ${lag(s.p99)} | ${pct(s.within15)} |`),
        '',
      );
    }
  }
  return `${lines.join('\n')}\n`;
}


if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const file of process.argv.slice(2)) writeFileSync(file.replace(/\.json$/, '.md'), markdown(JSON.parse(readFileSync(file, 'utf8')) as Results));
}

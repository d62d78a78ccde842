/** The commerce benchmark's results: the whole as JSON, the gist as a Markdown page beside it. */
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { LatencySummary } from './load.ts';
import type { ProfileSummary } from './profile.ts';
import type { SeedSummary } from './seed.ts';

export interface StepResult {
  name: string;
  requests: number;
  requestsPerSecond: number;
  latency: LatencySummary;
  failures: Record<string, number>;
  failureSamples?: string[];
  sqlPerRequest: number;
  sqlRange: [number, number];
  dbMsPerRequest: number;
  topQueries: { text: string; perRequest: number; msPerRequest: number; msPerCall: number }[];
}

export interface ScenarioResult {
  name: string;
  connections: number;
  seconds: number;
  steps: StepResult[];
  cores: { server: number; postgres: number; loadGenerator: number; other: number; machine: number };
  /** CPU time per unit of work: unlike latency, hardly changed by other processes competing for the cores. */
  cpuMsPer: { unit: string; server: number; postgres: number };
  server: {
    rssMiB: { max: number; mean: number };
    heapUsedMiB: number;
    eventLoopUtilisation: number;
    backgroundStatements: number;
    backgroundTopQueries: { text: string; calls: number; ms: number }[];
  };
  profile: ProfileSummary | null;
  profileFile: string | null;
  checkout?: {
    checkoutsPerSecond: number;
    ordersPerSecond: number;
    requestsPerSecond: number;
    flow: LatencySummary;
    abandoned: number;
    backgroundStatementsPerCheckout: number;
    outbox: { backlogAtEnd: number; drainSeconds: number; orderStatuses: Record<string, number> };
  };
}

export interface Results {
  measuredAt: string;
  command: string;
  machine: { cpus: number; model: string; node: string; postgres: string };
  settings: { seconds: number; warmup: number; connections: number; buyers: number; markets: string[]; processes: number; poolMax: number; profiled: boolean; searchMarket: string };
  seed: SeedSummary & { template: string; cached: boolean; copySeconds: number; productsLiveInSearchMarket: number };
  unavailable: string[];
  scenarios: ScenarioResult[];
}

/** The issue's targets on a 2-core machine shared by server, PostgreSQL and load generator. */
export const TARGETS = { search: { p99Ms: 50, requestsPerSecond: 2000 }, checkout: { checkoutsPerSecond: 200, p99Ms: 100 } };

const n = (value: number) => value.toLocaleString('en');
const failuresOf = (step: StepResult) => {
  const entries = Object.entries(step.failures);
  return entries.length === 0 ? '0' : entries.map(([code, count]) => `${count} × ${code}`).join(', ');
};

function stepTable(steps: readonly StepResult[]): string[] {
  return [
    '| step | requests/s | p50 ms | p90 ms | p99 ms | max ms | SQL statements / request (range) | DB ms / request | failures |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
    ...steps.map((s) => `| ${s.name} | ${n(s.requestsPerSecond)} | ${s.latency.p50} | ${s.latency.p90} | ${s.latency.p99} | ${s.latency.max} | ${s.sqlPerRequest} (${s.sqlRange[0]}–${s.sqlRange[1]}) | ${s.dbMsPerRequest} | ${failuresOf(s)} |`),
  ];
}

function verdict(met: boolean): string {
  return met ? 'met' : '**missed**';
}

export function markdown(results: Results): string {
  const lines: string[] = [
    '# Commerce benchmark — PostgreSQL',
    '',
    `Measured ${results.measuredAt.slice(0, 10)} with \`${results.command}\` on ${results.machine.cpus} CPU cores (${results.machine.model}), Node.js ${results.machine.node}, PostgreSQL ${results.machine.postgres}: ` +
      `the server (HTTP and background worker) in ${results.settings.processes === 1 ? 'one process' : `${results.settings.processes} processes (connections spread over them)`}, PostgreSQL, and the load generator on the same machine. ` +
      `Catalogue: ${n(results.seed.sellers)} sellers with open stores, ${n(results.seed.products)} products, ${n(results.seed.skus)} SKUs in ${results.seed.categories} categories ` +
      `(${n(results.seed.productsLiveInSearchMarket)} products live in ${results.settings.searchMarket}), ${results.seed.freightTemplates} sellers with a freight template. ` +
      `${results.settings.warmup} s warm-up, then ${results.settings.seconds} s measured per scenario; database pool ${results.settings.poolMax} connections per server process${results.settings.profiled ? '; CPU profiler on (costs a few per cent)' : ''}.`,
    '',
  ];
  if (results.unavailable.length > 0) lines.push(`Not served by this build, so not measured: ${results.unavailable.map((r) => `\`${r}\``).join(', ')}.`, '');
  lines.push('## Against the targets', '', '| target | measured | |', '|---|---|---|');
  const search = results.scenarios.find((s) => s.name === 'search');
  if (search) {
    const step = search.steps[0]!;
    lines.push(`| search p99 ≤ ${TARGETS.search.p99Ms} ms at ≥ ${n(TARGETS.search.requestsPerSecond)} requests/s | ${step.latency.p99} ms at ${n(step.requestsPerSecond)} requests/s (${search.connections} connections) | ${verdict(step.latency.p99 <= TARGETS.search.p99Ms && step.requestsPerSecond >= TARGETS.search.requestsPerSecond)} |`);
  }
  const checkout = results.scenarios.find((s) => s.name === 'checkout');
  if (checkout?.checkout) {
    const worst = Math.max(...checkout.steps.map((s) => s.latency.p99));
    const solo = results.scenarios.find((s) => s.name === 'checkout, one buyer');
    lines.push(`| ≥ ${TARGETS.checkout.checkoutsPerSecond} complete checkouts/s | ${checkout.checkout.checkoutsPerSecond} checkouts/s (${checkout.checkout.ordersPerSecond} orders/s) with ${checkout.connections} buyers | ${verdict(checkout.checkout.checkoutsPerSecond >= TARGETS.checkout.checkoutsPerSecond)} |`);
    lines.push(`| p99 ≤ ${TARGETS.checkout.p99Ms} ms per checkout request | worst step p99 ${worst} ms with ${checkout.connections} buyers${solo ? `; ${Math.max(...solo.steps.map((s) => s.latency.p99))} ms with one buyer alone` : ''} | ${verdict(worst <= TARGETS.checkout.p99Ms)} |`);
  }
  lines.push('');
  for (const scenario of results.scenarios) {
    const who = scenario.checkout ? `${scenario.connections} buyer${scenario.connections === 1 ? '' : 's'}` : `${scenario.connections} connections`;
    lines.push(`## ${scenario.name[0]!.toUpperCase()}${scenario.name.slice(1)} — ${who}`, '');
    if (scenario.checkout) {
      const c = scenario.checkout;
      lines.push(
        `${c.checkoutsPerSecond} complete checkouts/s (${c.ordersPerSecond} orders/s, two sellers each), ${n(c.requestsPerSecond)} requests/s; a whole checkout (six requests) took ${c.flow.p50} ms at the median, ${c.flow.p99} ms at p99. ` +
          `${c.abandoned} rounds stopped at a failed step. The background worker ran ${c.backgroundStatementsPerCheckout} SQL statements per checkout in the window (outbox reactions: the payment moves the orders on, the search index follows the stock orders take); ` +
          `${n(c.outbox.backlogAtEnd)} events were still waiting when the load stopped, drained in ${c.outbox.drainSeconds} s.`,
        '',
      );
    }
    lines.push(...stepTable(scenario.steps), '');
    lines.push(
      `CPU, in cores of ${results.machine.cpus}: server ${scenario.cores.server}, PostgreSQL ${scenario.cores.postgres}, load generator ${scenario.cores.loadGenerator}, other processes ${scenario.cores.other}; ` +
        `per ${scenario.cpuMsPer.unit}: ${scenario.cpuMsPer.server} ms of server CPU and ${scenario.cpuMsPer.postgres} ms of PostgreSQL CPU. ` +
        `Server: RSS ${scenario.server.rssMiB.mean} MiB on average, ${scenario.server.rssMiB.max} MiB at most; event loop busy ${Math.round(scenario.server.eventLoopUtilisation * 100)} % of the time.`,
      '',
    );
    const heavy = scenario.steps.filter((s) => s.topQueries.length > 0);
    if (heavy.length > 0) {
      lines.push('<details><summary>Statements by database time, per step</summary>', '');
      for (const step of heavy) {
        lines.push(`**${step.name}** — ${step.sqlPerRequest} statements, ${step.dbMsPerRequest} ms of database time per request (from sending a statement to its answer: waiting for a pooled connection and for the busy event loop included):`, '');
        lines.push('| per request | ms / request | ms / call | statement |', '|---:|---:|---:|---|');
        for (const q of step.topQueries.slice(0, 10)) lines.push(`| ${q.perRequest} | ${q.msPerRequest} | ${q.msPerCall} | \`${q.text.replace(/\|/g, '\\|').slice(0, 160)}\` |`);
        lines.push('');
      }
      lines.push('</details>', '');
    }
    if (scenario.checkout && scenario.server.backgroundTopQueries.length > 0) {
      const per = (calls: number) => Math.round((calls / Math.max(1, scenario.checkout!.checkoutsPerSecond * scenario.seconds)) * 10) / 10;
      lines.push('<details><summary>Statements of the background worker (outbox reactions), per checkout</summary>', '');
      lines.push('| per checkout | statement |', '|---:|---|', ...scenario.server.backgroundTopQueries.map((q) => `| ${per(q.calls)} | \`${q.text.replace(/\|/g, '\\|').slice(0, 160)}\` |`), '', '</details>', '');
    }
    if (scenario.profile) {
      lines.push(
        `Server CPU profile (${scenario.profile.seconds} s, ${scenario.profile.busyShare} % of the samples busy; ${scenario.profile.nativeShare} % of those inside native code and system calls — ` +
          'the sampler counts wall-clock time, so a process waiting for a core inside a system call shows there). Self time of the JavaScript side by where the code lives —',
        '',
      );
      lines.push('| where | share of JavaScript time |', '|---|---:|', ...scenario.profile.byPlace.slice(0, 14).map((p) => `| ${p.place} | ${p.share} % |`), '');
    }
  }
  return `${lines.join('\n')}\n`;
}


// `npx tsx bench/commerce/report.ts bench/results/commerce-postgres.json` writes the page again from the JSON.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const file of process.argv.slice(2)) writeFileSync(file.replace(/\.json$/, '.md'), markdown(JSON.parse(readFileSync(file, 'utf8')) as Results));
}

/**
 * The load generator's side: a keep-alive HTTP client, latencies per step, and the CPU time of the
 * processes sharing the machine (server, PostgreSQL, load generator).
 */
import http from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface Response<T = unknown> {
  status: number;
  body: T;
  ms: number;
}

export class HttpClient {
  readonly #agent: http.Agent;
  readonly #url: URL;

  constructor(base: string, connections: number) {
    this.#url = new URL(base);
    this.#agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  }

  send<T = unknown>(method: string, path: string, options: { body?: unknown; token?: string; idempotencyKey?: string } = {}): Promise<Response<T>> {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const request = http.request({ agent: this.#agent, hostname: this.#url.hostname, port: this.#url.port, method, path, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const ms = performance.now() - started;
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : null;
          } catch {
            // Not JSON: kept as text for the error report.
          }
          resolve({ status: response.statusCode ?? 0, body: body as T, ms });
        });
        response.on('error', reject);
      });
      request.on('error', reject);
      if (payload !== undefined) request.write(payload);
      request.end();
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarise(latencies: readonly number[]): LatencySummary {
  if (latencies.length === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
  const sorted = Float64Array.from(latencies).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return { count: sorted.length, p50: round(at(0.5)), p90: round(at(0.9)), p99: round(at(0.99)), max: round(sorted.at(-1)!), mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length) };
}

/** Latencies and failures per step, counted only inside the measurement window. */
export class StepRecorder {
  readonly steps = new Map<string, { latencies: number[]; failures: Map<string, number>; samples: string[] }>();
  #from = Infinity;
  #to = Infinity;

  window(from: number, to: number): void {
    this.#from = from;
    this.#to = to;
  }

  inWindow(started: number, ended = started): boolean {
    return started >= this.#from && ended <= this.#to;
  }

  #step(name: string) {
    let step = this.steps.get(name);
    if (!step) this.steps.set(name, (step = { latencies: [], failures: new Map(), samples: [] }));
    return step;
  }

  record(name: string, started: number, response: Response, ok: boolean): void {
    if (!this.inWindow(started, started + response.ms)) return;
    const step = this.#step(name);
    step.latencies.push(response.ms);
    if (!ok) {
      const code = `${response.status} ${(response.body as { code?: string } | null)?.code ?? ''}`.trim();
      step.failures.set(code, (step.failures.get(code) ?? 0) + 1);
      if (step.samples.length < 3) step.samples.push(JSON.stringify(response.body).slice(0, 400));
    }
  }
}

/** CPU seconds used so far by the machine, the server processes, each PostgreSQL process and this process. */
export interface CpuSnapshot {
  at: number;
  machineBusy: number;
  server: number;
  /** Per process: backends come and go, so only what each did between two snapshots can be added up. */
  postgres: Map<string, number>;
  loadGenerator: number;
}

const TICKS = 100; // USER_HZ on Linux

function processSeconds(pid: string): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return 0;
  }
}

export function cpuSnapshot(serverPids: readonly number[]): CpuSnapshot {
  let machineBusy = 0;
  const postgres = new Map<string, number>();
  try {
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    machineBusy = (user! + nice! + system! + irq! + softirq! + steal!) / TICKS;
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') postgres.set(pid, processSeconds(pid));
      } catch {
        // The process ended while we looked.
      }
    }
  } catch {
    // Not Linux: CPU shares are not reported.
  }
  const own = process.cpuUsage();
  return { at: performance.now(), machineBusy, server: serverPids.reduce((sum, pid) => sum + processSeconds(String(pid)), 0), postgres, loadGenerator: (own.user + own.system) / 1e6 };
}

/**
 * Cores used between two snapshots, per consumer; "other" is the rest of the machine (other
 * users). PostgreSQL counts the processes alive at the end (one that ended in between is lost).
 */
export function coresUsed(from: CpuSnapshot, to: CpuSnapshot) {
  const seconds = (to.at - from.at) / 1000;
  const share = (used: number) => Math.round((used / seconds) * 100) / 100;
  let postgresSeconds = 0;
  for (const [pid, total] of to.postgres) postgresSeconds += total - (from.postgres.get(pid) ?? 0);
  const server = share(to.server - from.server);
  const postgres = share(postgresSeconds);
  const loadGenerator = share(to.loadGenerator - from.loadGenerator);
  const machine = share(to.machineBusy - from.machineBusy);
  return { server, postgres, loadGenerator, other: Math.max(0, Math.round((machine - server - postgres - loadGenerator) * 100) / 100), machine };
}

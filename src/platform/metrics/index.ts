import { timingSafeEqual } from 'node:crypto';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Metrics in the Prometheus exposition format. Counters and histograms count what this process
 * did; gauges that describe the whole marketplace (how many parcels are waiting, how stale they
 * are) are read from the database when scraped, so every process reports the same truth.
 */
export class Metrics {
  readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  histogram<L extends string>(name: string, help: string, buckets: number[], labelNames: readonly L[] = []): Histogram<L> {
    return new Histogram({ name, help, buckets, labelNames, registers: [this.registry] });
  }

  /**
   * Gauges filled by one read at scrape time: `read` returns the value of each gauge by name (with
   * labels where it has them), so one query can answer several gauges.
   */
  gaugesFrom<L extends string>(
    gauges: Record<string, { help: string; labelNames?: readonly L[] }>,
    read: () => Promise<Record<string, number | { labels: Partial<Record<L, string>>; value: number }[]>>,
  ): void {
    const made = new Map<string, Gauge<L>>();
    let pending: Promise<void> | undefined;
    // One read per scrape however many gauges it fills: the first gauge collected starts it, the rest wait on it.
    const refresh = () =>
      (pending ??= read()
        .then((values) => {
          for (const [name, value] of Object.entries(values)) {
            const gauge = made.get(name);
            if (!gauge) continue;
            gauge.reset();
            if (typeof value === 'number') gauge.set(value);
            else for (const { labels, value: v } of value) gauge.set(labels, v);
          }
        })
        .finally(() => {
          pending = undefined;
        }));
    for (const [name, { help, labelNames = [] }] of Object.entries(gauges)) {
      made.set(name, new Gauge({ name, help, labelNames, registers: [this.registry], collect: refresh }));
    }
  }

  contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}

/** Whether a scrape's Authorization header carries the configured token (compared in constant time). */
export function scrapeAllowed(token: string, authorization: string | undefined): boolean {
  const presented = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

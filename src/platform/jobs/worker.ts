import type { Logger } from 'pino';
import type { EventBus } from '../events/index.ts';
import type { JobQueue } from './index.ts';

/**
 * The background loop of a process: turns due schedules into jobs, runs due jobs, dispatches the
 * outbox. Every process may run one; claims in the database keep them from doing the same work.
 */
export class Worker {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;

  constructor(
    private readonly queue: JobQueue,
    private readonly events: EventBus,
    private readonly logger: Logger,
    private readonly pollIntervalMs = 1000,
  ) {}

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#running = this.#tick().finally(() => {
        if (!this.#stopped) this.#schedule(this.pollIntervalMs);
      });
    }, delayMs);
  }

  async #tick(): Promise<void> {
    try {
      await this.queue.enqueueDueSchedules();
      // Keep going while there is work, but yield to stop() between batches.
      while (!this.#stopped) {
        const ran = await this.queue.runDue();
        const dispatched = await this.events.dispatchPending();
        if (ran === 0 && dispatched === 0) break;
      }
    } catch (error) {
      this.logger.error({ err: error }, 'worker tick failed');
    }
  }
}

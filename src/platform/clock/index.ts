/**
 * Every "now" in Caravan comes from a Clock, so rules that count hours or business days
 * (review SLAs, handling time, tracking freshness) are tested by moving time, never by sleeping.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = {
  now: () => new Date(),
};

/** A clock that stands still until a test moves it. */
export class ManualClock implements Clock {
  #current: number;

  constructor(start: Date | string = '2026-01-05T02:00:00Z') {
    this.#current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.#current);
  }

  set(to: Date | string): void {
    this.#current = new Date(to).getTime();
  }

  advance(by: { days?: number; hours?: number; minutes?: number; seconds?: number; ms?: number }): Date {
    const ms =
      (by.days ?? 0) * 86_400_000 +
      (by.hours ?? 0) * 3_600_000 +
      (by.minutes ?? 0) * 60_000 +
      (by.seconds ?? 0) * 1000 +
      (by.ms ?? 0);
    this.#current += ms;
    return this.now();
  }
}

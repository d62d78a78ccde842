import type { Clock } from '../../src/platform/clock/index.ts';

/** Where a scaled clock stands: at real time `realMs` it read `simMs`, and it runs `speed` times as fast as the machine's. */
export interface ClockSetting {
  realMs: number;
  simMs: number;
  speed: number;
}

/**
 * A clock that runs at real speed, or faster when the benchmark compresses time. The server and
 * the fake aggregator each hold one and are given the same setting, so they agree to the
 * millisecond on what time it is.
 */
export class ScaledClock implements Clock {
  #setting: ClockSetting;

  constructor(setting: ClockSetting) {
    this.#setting = setting;
  }

  now(): Date {
    return new Date(this.#setting.simMs + (Date.now() - this.#setting.realMs) * this.#setting.speed);
  }

  get speed(): number {
    return this.#setting.speed;
  }

  /** The setting that carries on from this moment at another speed (to hand to every other clock). */
  at(speed: number): ClockSetting {
    const realMs = Date.now();
    const { simMs, realMs: since, speed: old } = this.#setting;
    return { realMs, simMs: simMs + (realMs - since) * old, speed };
  }

  set(setting: ClockSetting): void {
    this.#setting = setting;
  }
}

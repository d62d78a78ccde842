import type { Clock } from '../../src/platform/clock/index.ts';

/**
 * The system clock, moved forward when it reads earlier than `notBefore`: rules dated in the future
 * of the machine (rate sheets in force from a given day) apply, and time still passes as it does.
 */
export function floorClock(notBefore: string): Clock {
  const offset = Math.max(0, new Date(notBefore).getTime() - Date.now());
  return { now: () => new Date(Date.now() + offset) };
}

/** How long to wait before attempt `attempt + 1` after `attempt` failed: exponential, capped, jittered. */
export interface RetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  /** Share of the delay added at random (0.2 → up to +20 %), so failed work does not retry in lockstep. */
  jitter: number;
}

export const defaultRetryPolicy: RetryPolicy = { baseDelayMs: 5_000, maxDelayMs: 3_600_000, jitter: 0.2 };

export function retryDelayMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exponential = policy.baseDelayMs * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(exponential, policy.maxDelayMs);
  return Math.round(capped * (1 + policy.jitter * random()));
}

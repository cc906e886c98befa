/** Retry policy: exponential backoff with jitter. Pure: the caller passes the randomness. */

export interface BackoffPolicy {
  /** Delay before the first retry, in milliseconds. */
  readonly backoffMs: number;
  /** Ceiling of a single delay. */
  readonly maxBackoffMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { backoffMs: 1_000, maxBackoffMs: 5 * 60_000 };

/**
 * The delay before retry number `retry` (1 for the first): base × 2^(retry−1), capped, then "equal jitter" (half
 * fixed, half random) so that many nodes failing together do not retry together, while no delay drops below half
 * of its nominal value.
 */
export function backoffDelay(policy: BackoffPolicy, retry: number, random: number): number {
  const nominal = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** Math.max(0, retry - 1));
  return Math.round(nominal / 2 + (nominal / 2) * random);
}

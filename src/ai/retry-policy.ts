/**
 * Flowgate's retry policy for model calls (the SDK's own retries are off: `maxRetries: 0`), pure so it can be tested
 * without a server. Retryable: 408, 409, 429, 5xx and network failures; another 4xx is the request's fault and is
 * not retried. A `retry-after` (or `retry-after-ms`) header is honoured, up to a cap, over the computed backoff.
 */

export interface ModelRetryPolicy {
  /** Tries in all, the first included. */
  readonly maxAttempts: number;
  /** The first backoff; doubled each retry. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** The longest `retry-after` honoured; a longer one gives up instead of holding the worker. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_MODEL_RETRY: ModelRetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
};

export interface FailureFacts {
  /** The HTTP status, when the server answered. */
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** The request never got an answer (connection refused, reset, DNS). */
  readonly network: boolean;
}

export interface RetryVerdict {
  readonly retry: boolean;
  /** How long to wait first, when retrying. */
  readonly delayMs: number;
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * Whether a failed try is tried again, and after how long. `attempt` is the try that failed (1 for the first);
 * `random` in [0, 1) spreads retries (jitter over the upper half of the backoff); `nowMs` reads a `retry-after` date.
 */
export function retryVerdict(
  facts: FailureFacts,
  attempt: number,
  policy: ModelRetryPolicy,
  random: () => number,
  nowMs = 0,
): RetryVerdict {
  const retryable = facts.status !== undefined ? isRetryableStatus(facts.status) : facts.network;
  if (!retryable || attempt >= policy.maxAttempts) return { retry: false, delayMs: 0 };
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = backoff / 2 + (backoff / 2) * random();
  const asked = retryAfterMs(facts.headers ?? {}, nowMs);
  if (asked === undefined) return { retry: true, delayMs: Math.round(jittered) };
  if (asked > policy.maxRetryAfterMs) return { retry: false, delayMs: 0 };
  return { retry: true, delayMs: Math.max(asked, 0) };
}

/** `retry-after-ms` (OpenAI's), else `retry-after` in seconds or as an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(
  headers: Readonly<Record<string, string>>,
  nowMs: number,
): number | undefined {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const ms = lower['retry-after-ms'];
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim())) return Number(ms);
  const value = lower['retry-after']?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

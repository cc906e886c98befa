import { describe, expect, it } from 'vitest';

import { retryAfterMs, retryVerdict, type ModelRetryPolicy } from './retry-policy.js';

const policy: ModelRetryPolicy = {
  maxAttempts: 3,
  baseDelayMs: 100,
  maxDelayMs: 1_000,
  maxRetryAfterMs: 5_000,
};

describe('model retry policy', () => {
  it('retries 429, 5xx and network failures, not other 4xx', () => {
    const half = () => 0.5;
    expect(retryVerdict({ status: 429, network: false }, 1, policy, half).retry).toBe(true);
    expect(retryVerdict({ status: 503, network: false }, 1, policy, half).retry).toBe(true);
    expect(retryVerdict({ network: true }, 1, policy, half).retry).toBe(true);
    expect(retryVerdict({ status: 400, network: false }, 1, policy, half).retry).toBe(false);
    expect(retryVerdict({ status: 401, network: false }, 1, policy, half).retry).toBe(false);
  });

  it('backs off exponentially with jitter, and stops after maxAttempts', () => {
    const facts = { status: 500, network: false };
    expect(retryVerdict(facts, 1, policy, () => 0).delayMs).toBe(50);
    expect(retryVerdict(facts, 1, policy, () => 0.999).delayMs).toBe(100);
    expect(retryVerdict(facts, 2, policy, () => 0.999).delayMs).toBe(200);
    expect(retryVerdict(facts, 3, policy, () => 0).retry).toBe(false);
  });

  it('honours retry-after over the backoff, and gives up when it asks too much', () => {
    const at = (headers: Record<string, string>) =>
      retryVerdict({ status: 429, network: false, headers }, 1, policy, () => 0);
    expect(at({ 'Retry-After': '2' })).toEqual({ retry: true, delayMs: 2000 });
    expect(at({ 'retry-after-ms': '1500' })).toEqual({ retry: true, delayMs: 1500 });
    expect(at({ 'retry-after': '60' }).retry).toBe(false);
    expect(retryAfterMs({ 'retry-after': new Date(10_000).toUTCString() }, 7_000)).toBe(3000);
    expect(retryAfterMs({ 'retry-after': 'soon' }, 0)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';

import { backoffDelay } from './retry.js';

describe('backoffDelay', () => {
  const policy = { backoffMs: 100, maxBackoffMs: 1_000 };

  it('doubles per retry within the jitter band', () => {
    expect(backoffDelay(policy, 1, 0)).toBe(50);
    expect(backoffDelay(policy, 1, 1)).toBe(100);
    expect(backoffDelay(policy, 2, 0)).toBe(100);
    expect(backoffDelay(policy, 3, 1)).toBe(400);
  });

  it('never exceeds the ceiling', () => {
    for (let retry = 1; retry < 40; retry++) {
      expect(backoffDelay(policy, retry, 1)).toBeLessThanOrEqual(1_000);
      expect(backoffDelay(policy, retry, 0)).toBeGreaterThanOrEqual(50);
    }
  });
});

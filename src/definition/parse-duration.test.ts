import { describe, expect, it } from 'vitest';

import { parseDuration } from './parse-duration.js';

describe('parseDuration', () => {
  it.each([
    ['PT30S', 30_000],
    ['PT1H30M', 5_400_000],
    ['P1D', 86_400_000],
    ['P2W', 14 * 86_400_000],
    ['P1DT2H', 26 * 3_600_000],
    ['PT0.5S', 500],
    ['PT1,5M', 90_000],
    ['P1M', 30 * 86_400_000],
    ['P1Y', 365 * 86_400_000],
    ['pt10m', 600_000],
    ['PT0S', 0],
    ['1500', 1500],
  ])('reads %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('takes milliseconds as they are', () => {
    expect(parseDuration(0)).toBe(0);
    expect(parseDuration(2500)).toBe(2500);
  });

  it.each(['', 'P', 'PT', 'P1DT', '30s', 'PT-1S', 'P1H', '1 day', 'PTS', 'P1D2H'])(
    'refuses %j',
    (text) => {
      expect(() => parseDuration(text)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    },
  );

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses %d', (value) => {
    expect(() => parseDuration(value)).toThrow(/Bad duration/);
  });

  it('refuses durations too long to count in milliseconds', () => {
    expect(() => parseDuration('P99999999999999Y')).toThrow(/too long/);
  });
});

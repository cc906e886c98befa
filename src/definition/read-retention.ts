import { readDuration } from './parse-duration.js';

const UNIT_MS: Readonly<Record<string, number>> = {
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
};

/**
 * Reads how long finished runs are kept: `30d`, `12h`, `45m` (the spelling of `flowgate cleanup --older-than` and
 * FLOWGATE_RETENTION), an ISO 8601 duration (`P30D`, as DAGs spell other durations) or milliseconds. It must be
 * more than zero: a zero retention would delete a run the moment it finishes, before anyone could read its result.
 */
export function readRetention(value: unknown): { ms: number } | { problem: string } {
  // `30` in an environment variable reads as days to some and milliseconds to others: a string needs its unit.
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) {
    return { problem: `"${value}" needs a unit: 30d, 12h, 45m or P30D` };
  }
  const short = typeof value === 'string' ? /^(\d+)([dhm])$/.exec(value.trim()) : null;
  const result = short ? { ms: Number(short[1]) * UNIT_MS[short[2]!]! } : readDuration(value);
  if ('problem' in result) {
    return { problem: `expected 30d, 12h, 45m, an ISO 8601 duration (P30D) or milliseconds` };
  }
  if (!Number.isSafeInteger(result.ms)) return { problem: 'is too long' };
  if (result.ms <= 0) return { problem: 'must be longer than zero' };
  return result;
}

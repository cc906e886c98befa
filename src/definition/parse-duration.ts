import { FlowgateError } from '../shared/errors.js';

const DAY_MS = 86_400_000;

// A timeout needs one fixed length, and calendar-exact years and months would need a start date, so they
// count as 365 and 30 days.
const UNIT_MS = {
  years: 365 * DAY_MS,
  months: 30 * DAY_MS,
  weeks: 7 * DAY_MS,
  days: DAY_MS,
  hours: 3_600_000,
  minutes: 60_000,
  seconds: 1000,
} as const;

const NUMBER = '(\\d+(?:[.,]\\d+)?)';
// P[nY][nM][nW][nD][T[nH][nM][nS]]: at least one component, and a `T` must be followed by one.
const ISO_DURATION = new RegExp(
  `^P(?!$)(?:${NUMBER}Y)?(?:${NUMBER}M)?(?:${NUMBER}W)?(?:${NUMBER}D)?(?:T(?=\\d)(?:${NUMBER}H)?(?:${NUMBER}M)?(?:${NUMBER}S)?)?$`,
  'i',
);
const UNITS_IN_ORDER = ['years', 'months', 'weeks', 'days', 'hours', 'minutes', 'seconds'] as const;

/**
 * Reads a duration without throwing: the milliseconds, or a message saying what is wrong.
 * Validation uses it to report problems; {@link parseDuration} throws them.
 */
export function readDuration(value: unknown): { ms: number } | { problem: string } {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return { ms: value };
    return { problem: `${value} is not a non-negative number of milliseconds` };
  }
  if (typeof value !== 'string')
    return { problem: 'expected an ISO 8601 duration or milliseconds' };
  const text = value.trim();
  if (/^\d+$/.test(text)) return { ms: Number(text) };
  const match = ISO_DURATION.exec(text);
  if (!match)
    return { problem: `"${value}" is not an ISO 8601 duration (such as PT30S, PT1H30M, P1D)` };
  let ms = 0;
  UNITS_IN_ORDER.forEach((unit, index) => {
    const amount = match[index + 1];
    if (amount !== undefined) ms += Number(amount.replace(',', '.')) * UNIT_MS[unit];
  });
  ms = Math.round(ms);
  if (!Number.isSafeInteger(ms)) return { problem: `"${value}" is too long` };
  return { ms };
}

/**
 * Turns an ISO 8601 duration (`PT30S`, `P1D`, `PT1H30M`, `P2W`) or a non-negative number of milliseconds
 * into milliseconds. Years count as 365 days and months as 30.
 *
 * @throws FlowgateError `BAD_REQUEST` when the value is neither.
 * @example
 * ```ts
 * parseDuration('PT1H30M'); // 5_400_000
 * parseDuration(250); // 250
 * ```
 */
export function parseDuration(value: string | number): number {
  const result = readDuration(value);
  if ('problem' in result)
    throw new FlowgateError('BAD_REQUEST', `Bad duration: ${result.problem}.`);
  return result.ms;
}

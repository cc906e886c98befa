/**
 * Cron expressions with IANA time zones. croner evaluates them and nothing more: no croner timer ever runs, because
 * the database, not a process's memory, says when a schedule is due (a restart or a second process must not lose or
 * repeat an occurrence).
 */
import { Cron } from 'croner';

import { FlowgateError } from '../shared/errors.js';

/** A checked schedule expression: 5 fields, or 6 with seconds first, in a time zone. */
export interface CronSpec {
  readonly cron: string;
  readonly timezone: string;
  readonly pattern: Cron;
}

/**
 * Checks an expression and a time zone, naming what is wrong (VALIDATION_FAILED). Day of month and day of week
 * combine as in Vixie cron (either matches), which is croner's default and what people expect from crontab.
 */
export function parseCronSpec(cron: string, timezone = 'UTC'): CronSpec {
  const expression = cron.trim().replace(/\s+/g, ' ');
  if (!isTimeZone(timezone)) {
    throw new FlowgateError(
      'VALIDATION_FAILED',
      `"${timezone}" is not an IANA time zone (such as Europe/Berlin or UTC)`,
    );
  }
  let pattern: Cron;
  try {
    pattern = new Cron(expression, { timezone, mode: '5-or-6-parts', paused: true });
  } catch (error) {
    throw new FlowgateError(
      'VALIDATION_FAILED',
      `"${cron}" is not a cron expression of 5 fields (or 6, seconds first): ${(error as Error).message}`,
    );
  }
  return { cron: expression, timezone, pattern };
}

/**
 * The first occurrence strictly after `afterMs`, or null when the expression has none left. Across a change of
 * daylight saving time it follows croner (and Vixie cron): a fixed time of day that does not exist runs at the first
 * valid time after the gap, one that occurs twice runs once; hourly and finer expressions keep their real-time rhythm.
 */
export function nextOccurrence(spec: CronSpec, afterMs: number): number | null {
  const next = spec.pattern.nextRun(new Date(afterMs));
  return next === null ? null : next.getTime();
}

function isTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

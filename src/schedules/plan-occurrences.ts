import { nextOccurrence, type CronSpec } from './cron-spec.js';
import { Catchup, SCHEDULE_DEFAULTS } from './schedule-policy.js';

export interface OccurrenceWindow {
  readonly spec: CronSpec;
  /** The schedule's first occurrence not yet handled (its stored next fire time). */
  readonly firstDue: number;
  readonly now: number;
  readonly catchup: Catchup;
  /** Occurrences older than this (before `now - catchupWindowMs`) are dropped whatever the policy. */
  readonly catchupWindowMs: number;
  /** The most missed occurrences `catchup: all` starts (the newest ones). */
  readonly maxCatchupRuns: number;
  /** An occurrence at most this late is on time, not missed. */
  readonly misfireGraceMs?: number;
}

export interface OccurrencePlan {
  /** The occurrences to start now, oldest first. */
  readonly fire: readonly number[];
  /** The first occurrence after `now`, or null when the expression has none left. */
  readonly nextDue: number | null;
}

/**
 * Which of a schedule's due occurrences start, given its catch-up policy. Occurrences at most `misfireGraceMs` late
 * always start (the loop was merely busy). Older ones were missed: `none` drops them, `latest` starts the newest of
 * them unless an on-time one starts anyway (one run stands for the gap), `all` starts the newest `maxCatchupRuns`.
 * Nothing before the catch-up window counts, so a schedule that fires every second and was down for a week costs
 * no more to plan than one that was down for a minute: missed occurrences are found backwards from the cut-off,
 * at most as many as may start.
 */
export function planOccurrences(window: OccurrenceWindow): OccurrencePlan {
  const { spec, now } = window;
  const grace = window.misfireGraceMs ?? SCHEDULE_DEFAULTS.misfireGraceMs;
  const lowest = Math.max(window.firstDue, now - window.catchupWindowMs);
  const onTimeFrom = Math.max(lowest, now - grace);

  const onTime: number[] = [];
  for (let t = nextOccurrence(spec, onTimeFrom - 1); t !== null && t <= now;) {
    onTime.push(t);
    t = nextOccurrence(spec, t);
  }

  const wanted =
    window.catchup === Catchup.all
      ? window.maxCatchupRuns
      : window.catchup === Catchup.latest && onTime.length === 0
        ? 1
        : 0;
  const missed =
    wanted > 0 && lowest < onTimeFrom
      ? spec.pattern
          .previousRuns(wanted, new Date(onTimeFrom))
          .map((date) => date.getTime())
          .filter((t) => t >= lowest)
          .reverse()
      : [];

  return { fire: [...missed, ...onTime], nextDue: nextOccurrence(spec, now) };
}

/**
 * What a schedule does with occurrences it could not start on time, and with an occurrence that falls due while
 * its previous run is still going. The defaults are the cautious ones: Airflow 3 stopped catching up by default,
 * and Temporal's default overlap policy is to skip.
 */

/** Occurrences missed while no scheduler ran (a server down, a paused database): none, the newest, or all. */
export const Catchup = { none: 'none', latest: 'latest', all: 'all' } as const;
export type Catchup = (typeof Catchup)[keyof typeof Catchup];

/** An occurrence due while the schedule's previous run is active: skip it, queue one start, or start anyway. */
export const Overlap = { skip: 'skip', bufferOne: 'buffer_one', allow: 'allow' } as const;
export type Overlap = (typeof Overlap)[keyof typeof Overlap];

/** What became of one occurrence, as the schedule's history records it. */
export const FireOutcome = {
  started: 'started',
  skipped: 'skipped',
  buffered: 'buffered',
} as const;
export type FireOutcome = (typeof FireOutcome)[keyof typeof FireOutcome];

export const SCHEDULE_DEFAULTS = {
  catchup: Catchup.none,
  overlap: Overlap.skip,
  timezone: 'UTC',
  /** How far back missed occurrences are looked for; older ones are dropped whatever the policy. */
  catchupWindowMs: 24 * 3_600_000,
  /** The most runs `catchup: all` starts for one schedule at once (the newest ones). */
  maxCatchupRuns: 10,
  /**
   * An occurrence started this late is still on time, not missed. A minute covers a loop that was busy or a
   * database that was briefly away, and is far below the hour of an hourly schedule (Quartz's misfire threshold
   * is the same minute).
   */
  misfireGraceMs: 60_000,
} as const;

export const CATCHUP_VALUES = Object.values(Catchup);
export const OVERLAP_VALUES = Object.values(Overlap);

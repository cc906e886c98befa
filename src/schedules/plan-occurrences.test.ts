import { describe, expect, it } from 'vitest';

import { parseCronSpec } from './cron-spec.js';
import { planOccurrences, type OccurrenceWindow } from './plan-occurrences.js';
import type { Catchup } from './schedule-policy.js';

const HOUR = 3_600_000;
const hourly = parseCronSpec('0 * * * *');
const at = (text: string) => Date.parse(text);
const iso = (ms: number) => new Date(ms).toISOString();

function plan(catchup: Catchup, overrides: Partial<OccurrenceWindow> = {}) {
  const result = planOccurrences({
    spec: hourly,
    // Fired at 10:00 last, then down until 13:30: 11:00, 12:00 and 13:00 were missed.
    firstDue: at('2026-01-05T11:00:00Z'),
    now: at('2026-01-05T13:30:00Z'),
    catchup,
    catchupWindowMs: 24 * HOUR,
    maxCatchupRuns: 10,
    ...overrides,
  });
  return {
    fire: result.fire.map(iso),
    nextDue: result.nextDue === null ? null : iso(result.nextDue),
  };
}

describe('planning the occurrences of an hourly schedule down for three hours', () => {
  it('none starts nothing, latest the newest missed, all every missed one', () => {
    expect(plan('none').fire).toEqual([]);
    expect(plan('latest').fire).toEqual(['2026-01-05T13:00:00.000Z']);
    expect(plan('all').fire).toEqual([
      '2026-01-05T11:00:00.000Z',
      '2026-01-05T12:00:00.000Z',
      '2026-01-05T13:00:00.000Z',
    ]);
    for (const catchup of ['none', 'latest', 'all'] as const) {
      expect(plan(catchup).nextDue).toBe('2026-01-05T14:00:00.000Z');
    }
  });

  it('all is capped at the newest maxCatchupRuns, and nothing before the window counts', () => {
    expect(plan('all', { maxCatchupRuns: 2 }).fire).toEqual([
      '2026-01-05T12:00:00.000Z',
      '2026-01-05T13:00:00.000Z',
    ]);
    expect(plan('all', { catchupWindowMs: 2 * HOUR }).fire).toEqual([
      '2026-01-05T12:00:00.000Z',
      '2026-01-05T13:00:00.000Z',
    ]);
    expect(plan('latest', { catchupWindowMs: 20 * 60_000 }).fire).toEqual([]);
  });

  it('an occurrence less than a minute late is on time: every policy starts it, and latest adds nothing', () => {
    const now = at('2026-01-05T13:00:20Z');
    expect(plan('none', { now }).fire).toEqual(['2026-01-05T13:00:00.000Z']);
    expect(plan('latest', { now }).fire).toEqual(['2026-01-05T13:00:00.000Z']);
    expect(plan('all', { now }).fire).toEqual([
      '2026-01-05T11:00:00.000Z',
      '2026-01-05T12:00:00.000Z',
      '2026-01-05T13:00:00.000Z',
    ]);
  });

  it('a schedule that fires every second and was down for a week plans only what may start', () => {
    const everySecond = parseCronSpec('* * * * * *');
    const now = at('2026-01-12T00:00:00.500Z');
    const result = planOccurrences({
      spec: everySecond,
      firstDue: at('2026-01-05T00:00:00Z'),
      now,
      catchup: 'all',
      catchupWindowMs: 7 * 24 * HOUR,
      maxCatchupRuns: 5,
      misfireGraceMs: 2_000,
    });
    // The five newest missed ones, then those of the last two seconds (on time).
    expect(result.fire.map(iso)).toEqual([
      '2026-01-11T23:59:54.000Z',
      '2026-01-11T23:59:55.000Z',
      '2026-01-11T23:59:56.000Z',
      '2026-01-11T23:59:57.000Z',
      '2026-01-11T23:59:58.000Z',
      '2026-01-11T23:59:59.000Z',
      '2026-01-12T00:00:00.000Z',
    ]);
    expect(iso(result.nextDue!)).toBe('2026-01-12T00:00:01.000Z');
  });
});

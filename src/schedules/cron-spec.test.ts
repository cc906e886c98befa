import { describe, expect, it } from 'vitest';

import { nextOccurrence, parseCronSpec, type CronSpec } from './cron-spec.js';

/** The first `count` occurrences after `from`, through our own next-occurrence function. */
function occurrences(spec: CronSpec, from: string, count: number): number[] {
  const times: number[] = [];
  let after = Date.parse(from);
  for (let i = 0; i < count; i++) {
    const next = nextOccurrence(spec, after);
    if (next === null) break;
    times.push(next);
    after = next;
  }
  return times;
}

const berlin = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Berlin',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  timeZoneName: 'shortOffset',
});

/** A time as a clock on a wall in Berlin shows it, with its offset (GMT+1 in winter, GMT+2 in summer). */
function wallClock(ms: number): string {
  const parts = Object.fromEntries(berlin.formatToParts(ms).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${parts.timeZoneName}`;
}

const iso = (ms: number) => new Date(ms).toISOString();

describe('cron in Europe/Berlin across both changes of daylight saving time (2026)', () => {
  it('a daily time keeps its wall-clock time as the offset changes', () => {
    const spec = parseCronSpec('0 9 * * *', 'Europe/Berlin');
    const spring = occurrences(spec, '2026-03-27T12:00:00Z', 3);
    expect(spring.map(wallClock)).toEqual([
      '2026-03-28 09:00 GMT+1',
      '2026-03-29 09:00 GMT+2',
      '2026-03-30 09:00 GMT+2',
    ]);
    expect(spring.map(iso)).toEqual([
      '2026-03-28T08:00:00.000Z',
      '2026-03-29T07:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
    ]);
    const autumn = occurrences(spec, '2026-10-24T12:00:00Z', 2);
    expect(autumn.map(iso)).toEqual(['2026-10-25T08:00:00.000Z', '2026-10-26T08:00:00.000Z']);
    expect(autumn.map(wallClock)).toEqual(['2026-10-25 09:00 GMT+1', '2026-10-26 09:00 GMT+1']);
  });

  it('a time inside the spring gap runs once, at the end of the gap; one that occurs twice in autumn runs once', () => {
    const spec = parseCronSpec('30 2 * * *', 'Europe/Berlin');
    // 02:30 does not exist on 29 March (02:00 CET jumps to 03:00 CEST): that day's run is at 03:00.
    expect(occurrences(spec, '2026-03-27T12:00:00Z', 3).map(wallClock)).toEqual([
      '2026-03-28 02:30 GMT+1',
      '2026-03-29 03:00 GMT+2',
      '2026-03-30 02:30 GMT+2',
    ]);
    // 02:30 happens twice on 25 October (03:00 CEST falls back to 02:00 CET): it runs at the first.
    expect(occurrences(spec, '2026-10-23T12:00:00Z', 3).map(wallClock)).toEqual([
      '2026-10-24 02:30 GMT+2',
      '2026-10-25 02:30 GMT+2',
      '2026-10-26 02:30 GMT+1',
    ]);
  });

  it('an hourly schedule keeps its real-time rhythm: none skipped, none doubled', () => {
    const spec = parseCronSpec('0 * * * *', 'Europe/Berlin');
    for (const from of ['2026-03-28T22:30:00Z', '2026-10-24T22:30:00Z']) {
      const times = occurrences(spec, from, 6);
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      expect(gaps).toEqual([3_600_000, 3_600_000, 3_600_000, 3_600_000, 3_600_000]);
    }
    // The autumn hour that occurs twice is run twice: once in CEST, once in CET.
    expect(occurrences(spec, '2026-10-24T23:30:00Z', 3).map(wallClock)).toEqual([
      '2026-10-25 02:00 GMT+2',
      '2026-10-25 02:00 GMT+1',
      '2026-10-25 03:00 GMT+1',
    ]);
  });
});

describe('cron expressions', () => {
  it('takes 6 fields with seconds first', () => {
    const spec = parseCronSpec('*/20 * * * * *');
    expect(occurrences(spec, '2026-01-01T00:00:05Z', 3).map(iso)).toEqual([
      '2026-01-01T00:00:20.000Z',
      '2026-01-01T00:00:40.000Z',
      '2026-01-01T00:01:00.000Z',
    ]);
  });

  it('counts strictly after the given time, and defaults to UTC', () => {
    const spec = parseCronSpec('0 * * * *');
    expect(spec.timezone).toBe('UTC');
    expect(iso(nextOccurrence(spec, Date.parse('2026-01-01T10:00:00Z'))!)).toBe(
      '2026-01-01T11:00:00.000Z',
    );
    expect(iso(nextOccurrence(spec, Date.parse('2026-01-01T09:59:59.999Z'))!)).toBe(
      '2026-01-01T10:00:00.000Z',
    );
  });

  it('refuses what is not 5 or 6 fields, a field out of range, and an unknown time zone', () => {
    for (const bad of ['* * * *', '0 0 * * * * 2030', '61 * * * *', 'every hour']) {
      expect(() => parseCronSpec(bad)).toThrow(
        expect.objectContaining({ code: 'VALIDATION_FAILED' }),
      );
    }
    expect(() => parseCronSpec('0 * * * *', 'Mars/Olympus')).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
  });
});

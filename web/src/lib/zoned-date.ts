/**
 * A calendar day as an instant, in the reader's time zone (their preference, else the browser's): the runs filter
 * reads "from 3 March" as midnight of 3 March where the reader is, not in UTC.
 */

/** Milliseconds the zone is ahead of UTC at the instant. */
function zoneOffset(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(
    part('year'),
    part('month') - 1,
    part('day'),
    part('hour'),
    part('minute'),
    part('second'),
  );
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** Midnight at the start of `day` (`YYYY-MM-DD`) in the zone, as an ISO timestamp; undefined when not a date. */
export function startOfDay(
  day: string,
  timeZone: string | undefined,
  addDays = 0,
): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return undefined;
  const [, y, m, d] = match;
  const wall = Date.UTC(Number(y), Number(m) - 1, Number(d) + addDays);
  if (!timeZone) {
    return new Date(Number(y), Number(m) - 1, Number(d) + addDays).toISOString();
  }
  // The offset at the guess, then at the corrected instant (they differ only across a DST change that day).
  const first = wall - zoneOffset(wall, timeZone);
  return new Date(wall - zoneOffset(first, timeZone)).toISOString();
}

/** Times shown in the user's time zone (their preference, else the browser's). */

/**
 * Formatters by time zone: making an Intl.DateTimeFormat costs far more than using one, and a run page formats a time
 * for every step and event (a 500-step run's page spent most of its first render making them: bench U1).
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string | undefined): Intl.DateTimeFormat {
  const key = timeZone ?? '';
  let formatter = formatters.get(key);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat(undefined, {
        dateStyle: 'medium',
        timeStyle: 'short',
        ...(timeZone ? { timeZone } : {}),
      });
    } catch {
      // An unknown zone in the preferences: the browser's own.
      formatter = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
    }
    formatters.set(key, formatter);
  }
  return formatter;
}

export function formatTime(iso: string | null | undefined, timeZone: string | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return formatterFor(timeZone).format(date);
}

let relative: Intl.RelativeTimeFormat | undefined;

/** "in 3 h", "5 min ago": how far a time is from now. */
export function relativeTime(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '';
  const diff = new Date(iso).getTime() - now;
  const abs = Math.abs(diff);
  const units: [number, Intl.RelativeTimeFormatUnit][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
  ];
  const format = (relative ??= new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }));
  for (const [ms, unit] of units) {
    if (abs >= ms) return format.format(Math.round(diff / ms), unit);
  }
  return format.format(Math.round(diff / 1000), 'second');
}

/** An ISO-8601-ish duration in words: 90,000 ms → "1 min 30 s". */
export function formatDuration(ms: number): string {
  const parts: string[] = [];
  let left = Math.round(ms / 1000);
  for (const [size, unit] of [
    [86_400, 'd'],
    [3_600, 'h'],
    [60, 'min'],
    [1, 's'],
  ] as const) {
    if (left >= size) {
      parts.push(`${Math.floor(left / size)} ${unit}`);
      left %= size;
    }
  }
  return parts.join(' ') || '0 s';
}

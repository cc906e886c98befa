/**
 * Numbers as drivers hand them back: PostgreSQL's `count` and `sum` are bigint or numeric (strings in pg), SQLite's
 * are numbers, and a sum over no rows is null.
 */

/** The value as a number; 0 for null or anything that is not one. */
export function num(value: unknown): number {
  if (value === null || value === undefined) return 0;
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}

/** The value as a number, or null when there is none. */
export function numOrNull(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

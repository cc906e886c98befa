import { FlowgateError } from '../shared/errors.js';
import { decodeCursor } from './views.js';

/** A page size: 50 unless asked, at most 500. */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return 50;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new FlowgateError('BAD_REQUEST', 'limit must be a positive integer');
  }
  return Math.min(limit, 500);
}

/** A keyset cursor of two parts (a creation time and an id). */
export function cursorPair(cursor: string): [string, string] {
  const parts = decodeCursor(cursor);
  if (!parts || parts.length !== 2)
    throw new FlowgateError('BAD_REQUEST', 'The cursor is not valid');
  return [parts[0]!, parts[1]!];
}

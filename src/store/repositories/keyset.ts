import { sql, type Expression, type SqlBool } from 'kysely';

/** Where the previous page ended, in a list ordered by (time, id). */
export interface KeysetCursor {
  readonly time: string;
  readonly id: string;
}

/**
 * The rows after a keyset cursor in (time, id) order, newest first with `desc`: spelled as `time > t or (time = t and
 * id > i)` rather than a row value, which is what both planners turn into a range on the (time, id) index.
 */
export function afterKeyset(
  columns: { readonly time: string; readonly id: string },
  after: KeysetCursor,
  direction: 'asc' | 'desc' = 'asc',
): Expression<SqlBool> {
  const past = sql.raw(direction === 'asc' ? '>' : '<');
  const time = sql.ref(columns.time);
  return sql<SqlBool>`(${time} ${past} ${after.time} or (${time} = ${after.time} and ${sql.ref(columns.id)} ${past} ${after.id}))`;
}

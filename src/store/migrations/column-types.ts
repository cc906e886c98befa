import {
  sql,
  type ColumnDefinitionBuilder,
  type CreateTableBuilder,
  type Expression,
} from 'kysely';

import type { Dialect } from '../port.js';

/** The few places where SQLite and PostgreSQL spell a column differently. */
export interface ColumnTypes {
  readonly json: Expression<unknown>;
  /** A timestamp default in the same ISO 8601 UTC text the app writes. */
  readonly nowIso: Expression<unknown>;
  /**
   * An auto-increment key. `appendOnly` tables (events, executions: a row per step) skip SQLite's AUTOINCREMENT,
   * which updates `sqlite_sequence` on every insert; their ids still grow, and could only be reused after the newest
   * rows were deleted, which retention never does.
   */
  addAutoId<T extends string>(
    table: CreateTableBuilder<T, never>,
    options?: { appendOnly?: boolean },
  ): CreateTableBuilder<T, never>;
}

export function columnTypes(dialect: Dialect): ColumnTypes {
  if (dialect === 'sqlite') {
    return {
      json: sql`text`,
      nowIso: sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`,
      addAutoId: (table, options = {}) =>
        table.addColumn('id', 'integer', (c: ColumnDefinitionBuilder) =>
          options.appendOnly ? c.primaryKey() : c.primaryKey().autoIncrement(),
        ),
    };
  }
  return {
    json: sql`jsonb`,
    nowIso: sql`(to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`,
    addAutoId: (table) =>
      table.addColumn('id', 'bigint', (c: ColumnDefinitionBuilder) =>
        c.primaryKey().generatedByDefaultAsIdentity(),
      ),
  };
}

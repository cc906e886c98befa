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
  addAutoId<T extends string>(
    table: CreateTableBuilder<T, never>,
    name?: string,
  ): CreateTableBuilder<T, never>;
}

export function columnTypes(dialect: Dialect): ColumnTypes {
  if (dialect === 'sqlite') {
    return {
      json: sql`text`,
      nowIso: sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`,
      addAutoId: (table, name = 'id') =>
        table.addColumn(name, 'integer', (c: ColumnDefinitionBuilder) =>
          c.primaryKey().autoIncrement(),
        ),
    };
  }
  return {
    json: sql`jsonb`,
    nowIso: sql`(to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`,
    addAutoId: (table, name = 'id') =>
      table.addColumn(name, 'bigint', (c: ColumnDefinitionBuilder) =>
        c.primaryKey().generatedByDefaultAsIdentity(),
      ),
  };
}

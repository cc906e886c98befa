import { CompiledQuery, PostgresAdapter } from 'kysely';

import type { Tx } from '../port.js';

/**
 * Multi-row statements for the engine's hot paths, written as SQL text with bound parameters. Kysely builds a tree
 * for every value of a query before compiling it; for a batch of a few hundred rows that costs more than running
 * the statement, so these few statements skip the builder. Values are always bound, never spliced into the text.
 */

/** The column types that batched statements spell out for PostgreSQL (SQLite needs none). */
export type ColumnKind = 'text' | 'integer' | 'bigint' | 'json';

const pgTypes: Record<ColumnKind, string> = {
  text: 'text',
  integer: 'int4',
  bigint: 'int8',
  json: 'jsonb',
};

export interface ColumnSpec {
  readonly name: string;
  readonly kind: ColumnKind;
}

export function isPostgres(tx: Tx): boolean {
  return tx.getExecutor().adapter instanceof PostgresAdapter;
}

/** A double-quoted identifier; only ever called with names from this code, never with input. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * `(?, ?), (?, ?)` for SQLite, `($1::int8, $2::text), …` for PostgreSQL (which cannot infer the types of
 * parameters inside VALUES). Appends the values to `params`.
 */
export function valuesList(
  postgres: boolean,
  columns: readonly ColumnSpec[],
  rows: readonly (readonly unknown[])[],
  params: unknown[],
): string {
  const tuples: string[] = [];
  for (const row of rows) {
    const slots: string[] = [];
    for (let i = 0; i < columns.length; i++) {
      params.push(row[i] ?? null);
      slots.push(postgres ? `$${params.length}::${pgTypes[columns[i]!.kind]}` : '?');
    }
    tuples.push(`(${slots.join(', ')})`);
  }
  return tuples.join(', ');
}

export async function execute<R>(tx: Tx, text: string, params: readonly unknown[]): Promise<R[]> {
  const result = await tx.executeQuery<R>(CompiledQuery.raw(text, [...params]));
  return result.rows;
}

/**
 * `INSERT INTO table (columns) VALUES …` in chunks that stay within both databases' parameter limits; with
 * `returning`, the inserted rows' columns.
 */
export async function insertRows<R = never>(
  tx: Tx,
  table: string,
  columns: readonly ColumnSpec[],
  rows: readonly (readonly unknown[])[],
  returning?: string,
): Promise<R[]> {
  if (rows.length === 0) return [];
  const postgres = isPostgres(tx);
  const chunk = Math.max(1, Math.floor(30_000 / columns.length));
  const head = `insert into ${ident(table)} (${columns.map((c) => ident(c.name)).join(', ')}) values `;
  const tail = returning ? ` returning ${returning}` : '';
  const out: R[] = [];
  for (let start = 0; start < rows.length; start += chunk) {
    const params: unknown[] = [];
    const values = valuesList(postgres, columns, rows.slice(start, start + chunk), params);
    out.push(...(await execute<R>(tx, head + values + tail, params)));
  }
  return out;
}

/**
 * A membership test against a list bound as one parameter: `= any($n::text[])` on PostgreSQL, a `json_each` over a
 * JSON array on SQLite. The statement text stays the same whatever the list's length, so it is prepared once, and a
 * list of hundreds of ids costs one parameter, not hundreds.
 */
export function inList(
  postgres: boolean,
  column: string,
  values: readonly (string | number)[],
  kind: 'text' | 'bigint',
  params: unknown[],
): string {
  if (postgres) {
    params.push(values);
    return `${column} = any($${params.length}::${kind === 'text' ? 'text' : 'int8'}[])`;
  }
  params.push(JSON.stringify(values));
  return `${column} in (select value from json_each(?))`;
}

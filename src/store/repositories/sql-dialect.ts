import { CompiledQuery, PostgresAdapter } from 'kysely';

import { directLine } from '../direct-sqlite.js';
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
 * A list of rows as a relation named `v` with the given columns, for PostgreSQL: one array per column, unnested.
 * The statement's text does not depend on the number of rows (prepared once), and a batch of hundreds of rows is one
 * round trip with a handful of parameters.
 */
export function unnestCte(
  columns: readonly ColumnSpec[],
  rows: readonly (readonly unknown[])[],
  params: unknown[],
): string {
  const names = columns.map((c) => ident(c.name)).join(', ');
  const arrays = columns.map((column, i) => {
    params.push(rows.map((row) => row[i] ?? null));
    return `$${params.length}::${pgTypes[column.kind]}[]`;
  });
  return `with v (${names}) as (select * from unnest(${arrays.join(', ')}))`;
}

/**
 * Runs one statement once per row of parameters, for SQLite, where a cached prepared statement per row beats any
 * multi-row form (measured: VALUES lists re-prepare for every batch size, `json_each` unpacking costs more than it
 * saves). Returns the `RETURNING` rows, or for each row how many rows it changed.
 */
export async function runPerRow<R>(
  tx: Tx,
  text: string,
  rows: readonly (readonly unknown[])[],
): Promise<{ returned: R[]; changes: number[] }> {
  const returned: R[] = [];
  const changes: number[] = [];
  const line = directLine(tx);
  if (line) {
    const statement = line.statement(text);
    for (const row of rows) {
      if (statement.reader) returned.push(...(statement.all(...row) as R[]));
      else changes.push(statement.run(...row).changes);
    }
    return { returned, changes };
  }
  for (const row of rows) {
    const result = await tx.executeQuery<R>(CompiledQuery.raw(text, [...row]));
    returned.push(...result.rows);
    changes.push(Number(result.numAffectedRows ?? 0));
  }
  return { returned, changes };
}

export async function execute<R>(tx: Tx, text: string, params: readonly unknown[]): Promise<R[]> {
  return (await executeCounting<R>(tx, text, params)).rows;
}

/** Runs one statement: its `RETURNING` or selected rows, and how many rows it changed. */
export async function executeCounting<R>(
  tx: Tx,
  text: string,
  params: readonly unknown[],
): Promise<{ rows: R[]; changes: number }> {
  const line = directLine(tx);
  if (line) {
    const statement = line.statement(text);
    if (statement.reader) return { rows: statement.all(...params) as R[], changes: 0 };
    return { rows: [], changes: statement.run(...params).changes };
  }
  const result = await tx.executeQuery<R>(CompiledQuery.raw(text, [...params]));
  return { rows: result.rows, changes: Number(result.numAffectedRows ?? 0) };
}

/** Inserts rows: one statement on PostgreSQL, a cached single-row statement per row on SQLite. */
export async function insertRows<R = never>(
  tx: Tx,
  table: string,
  columns: readonly ColumnSpec[],
  rows: readonly (readonly unknown[])[],
  returning?: string,
): Promise<R[]> {
  if (rows.length === 0) return [];
  const names = columns.map((c) => ident(c.name)).join(', ');
  const tail = returning ? ` returning ${returning}` : '';
  if (!isPostgres(tx)) {
    const slots = columns.map(() => '?').join(', ');
    const text = `insert into ${ident(table)} (${names}) values (${slots})${tail}`;
    return (await runPerRow<R>(tx, text, rows)).returned;
  }
  const params: unknown[] = [];
  const source = unnestCte(columns, rows, params);
  return execute<R>(
    tx,
    `${source} insert into ${ident(table)} (${names}) select ${names} from v${tail}`,
    params,
  );
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

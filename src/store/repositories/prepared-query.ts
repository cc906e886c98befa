import type { Compilable } from 'kysely';

import type { Tx } from '../port.js';
import { executeCounting, isPostgres } from './sql-dialect.js';

/**
 * A query written once with Kysely's builder and compiled once per dialect, then run with new values. Building and
 * compiling a query tree, and going through the executor, costs several times what SQLite takes to run a short
 * statement; on the paths every decision takes (its lookups, the compare-and-set, the vote) that overhead was a large
 * share of the approve endpoint's time. The builder still types the query; only the values change between runs.
 *
 * Values are named slots: `slot('requestId')` stands for the value given under that name when the query runs. A
 * slot is bound as a parameter like any value (never spliced into the text), so the query must use each slot where
 * Kysely makes one parameter of it (comparisons, `set`, `values`), not in lists that expand (`in`).
 */
export interface PreparedQuery<P, R> {
  /** The rows the query returns. */
  all(tx: Tx, values: P): Promise<R[]>;
  first(tx: Tx, values: P): Promise<R | undefined>;
  /** How many rows the statement changed (updates, inserts, deletes). */
  run(tx: Tx, values: P): Promise<number>;
}

type Slot<P> = <K extends keyof P & string>(name: K) => P[K];

/** Where each parameter of the compiled text comes from: a named value, or a constant written in the query. */
type Binding = { readonly slot: string } | { readonly constant: unknown };

interface Compiled {
  readonly text: string;
  readonly bindings: readonly Binding[];
}

const SLOT_PREFIX = '\u0000flowgate-slot:';

export function prepareQuery<P extends object, R>(
  build: (db: Tx, slot: Slot<P>) => Compilable<R>,
): PreparedQuery<P, R> {
  let forSqlite: Compiled | undefined;
  let forPostgres: Compiled | undefined;

  const compiled = (tx: Tx): Compiled => {
    const postgres = isPostgres(tx);
    const known = postgres ? forPostgres : forSqlite;
    if (known) return known;
    const slot = ((name: string) => `${SLOT_PREFIX}${name}`) as Slot<P>;
    const query = build(tx, slot).compile();
    const result: Compiled = {
      text: query.sql,
      bindings: query.parameters.map((value) =>
        typeof value === 'string' && value.startsWith(SLOT_PREFIX)
          ? { slot: value.slice(SLOT_PREFIX.length) }
          : { constant: value },
      ),
    };
    if (postgres) forPostgres = result;
    else forSqlite = result;
    return result;
  };

  const bind = (query: Compiled, values: P): unknown[] =>
    query.bindings.map((binding) =>
      'slot' in binding
        ? ((values as Record<string, unknown>)[binding.slot] ?? null)
        : binding.constant,
    );

  const execute = (tx: Tx, values: P) => {
    const query = compiled(tx);
    return executeCounting<R>(tx, query.text, bind(query, values));
  };

  return {
    all: async (tx, values) => (await execute(tx, values)).rows,
    first: async (tx, values) => (await execute(tx, values)).rows[0],
    run: async (tx, values) => (await execute(tx, values)).changes,
  };
}

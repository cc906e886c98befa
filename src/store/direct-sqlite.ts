import type SqliteDatabase from 'better-sqlite3';

/**
 * A SQLite transaction's direct line to its connection, for the engine's hot statements: a prepared statement run
 * straight on better-sqlite3 costs a few microseconds, where going through Kysely's executor (a promise, a plugin
 * pass, a mutex hop) costs several times that, once per row. Only a transaction gets one: it holds the connection,
 * so nothing else can run on it meanwhile.
 */
export interface DirectSqlite {
  /** A statement prepared once per distinct text and kept. */
  statement(text: string): SqliteDatabase.Statement;
}

const lines = new WeakMap<object, DirectSqlite>();

export function openDirectLine(tx: object, line: DirectSqlite): void {
  lines.set(tx, line);
}

export function closeDirectLine(tx: object): void {
  lines.delete(tx);
}

export function directLine(tx: object): DirectSqlite | undefined {
  return lines.get(tx);
}

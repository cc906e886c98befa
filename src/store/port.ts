/**
 * The store's port: what the rest of Flowgate may know about the database. Code outside `store/` branches on a
 * capability, never on a dialect name, and reaches tables only through the repository functions, which take the
 * transaction (`Tx`) they run in: the caller owns the transaction.
 */
import type { Kysely } from 'kysely';

import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface StoreCapabilities {
  /** `FOR UPDATE SKIP LOCKED`: many workers claim without blocking each other (PostgreSQL). */
  readonly skipLocked: boolean;
  /** Row locks inside a transaction (`FOR UPDATE`); SQLite needs none: its write transactions are serial. */
  readonly rowLocks: boolean;
  /** A push channel between processes (LISTEN/NOTIFY); without it, other processes are noticed by polling. */
  readonly listenNotify: boolean;
  /** DDL inside a transaction rolls back with it. */
  readonly transactionalDdl: boolean;
}

/** A unit of work: every repository function takes one. */
export type Tx = Kysely<Database>;

export interface Store {
  readonly dialect: Dialect;
  readonly capabilities: StoreCapabilities;
  /**
   * A write transaction (`BEGIN IMMEDIATE` on SQLite, so it never fails half-way on a lock upgrade). On SQLite,
   * transactions submitted while a commit is in flight share the next commit, each in a savepoint: `work` still
   * succeeds or fails alone, and its promise settles only after the commit.
   */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /** Reads outside a transaction. */
  read<T>(work: (db: Tx) => Promise<T>): Promise<T>;
  /**
   * Tells other processes that work may be waiting (new ready nodes, a decision). On PostgreSQL a NOTIFY inside
   * `tx`, delivered at commit; on SQLite other processes notice the commit by polling.
   */
  notify(tx: Tx): Promise<void>;
  /** Calls `listener` when another process (or this one) may have made work. Returns the unsubscribe function. */
  onWakeup(listener: () => void): () => void;
  /**
   * Refreshes the planner's statistics after a bulk change (thousands of runs started at once), so that queries
   * planned while the tables were small do not keep scanning and sorting. A no-op where the planner needs none.
   */
  refreshStatistics(): Promise<void>;
  /**
   * Writes a consistent copy of the database to `file`, safe while other processes use it (SQLite's online backup).
   * PostgreSQL throws `NOT_IMPLEMENTED`, naming the `pg_dump` command to run instead.
   */
  backup(file: string): Promise<void>;
  migrateToLatest(): Promise<void>;
  migrateDown(): Promise<void>;
  close(): Promise<void>;
}

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect } from 'kysely';

import { closeDirectLine, openDirectLine } from './direct-sqlite.js';
import type { StoreOptions } from './open-store.js';
import { GroupCommit, type Settled } from './group-commit.js';
import { WalSync } from './wal-sync.js';
import type { Store, StoreCapabilities, Tx } from './port.js';
import type { Database } from './schema.js';
import { runMigrations, Wakeups } from './store-common.js';

/** How often the planner's statistics are brought up to date (cheap when little changed). */
const OPTIMIZE_EVERY_MS = 5 * 60_000;

export function openSqlite(path: string, options: StoreOptions): Store {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const handle = new SqliteDatabase(path);
  handle.pragma('journal_mode = WAL');
  // FULL durability without FULL's fsync inside each COMMIT: the log is synced off the event loop (`WalSync`) and
  // callers hear of a commit only after that. `normal` skips the sync (may lose the last commits on power loss).
  handle.pragma('synchronous = NORMAL');
  const walSync =
    options.synchronous !== 'normal' && path !== ':memory:' ? new WalSync(path) : undefined;
  // Another process (the CLI deciding a request, a second `flowgate run`) may hold the write lock briefly.
  handle.pragma('busy_timeout = 5000');
  // better-sqlite3 defaults to a 16 MiB page cache; the engine's working set (ready and recent nodes, pending
  // requests) fits in a few, and the memory counts against every process (W4: 10,000 paused runs).
  handle.pragma('cache_size = -4000');
  const cached = withStatementCache(handle);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cached }) });
  const line = { statement: (text: string) => cached.prepare(text) };
  const wakeups = new Wakeups();

  // `data_version` changes when another connection commits: a cheap way to notice other processes' decisions.
  let dataVersion = handle.pragma('data_version', { simple: true });
  const poll = setInterval(() => {
    const current = handle.pragma('data_version', { simple: true });
    if (current !== dataVersion) {
      dataVersion = current;
      wakeups.emit();
    }
  }, options.pollMs ?? 200);
  poll.unref();

  // The planner picks between the status indexes and the partial ones by their statistics. A database that grew from
  // empty has none, and at 100,000 pending requests the worker's maintenance reads then scanned (135 ms, holding the
  // writer) where the partial indexes take 0.01 ms. `optimize` analyzes only tables that changed much since their last
  // analysis, reading at most `analysis_limit` rows of each index; never inside a transaction that is waiting on I/O.
  handle.pragma('analysis_limit = 1000');
  const optimize = () => {
    if (!handle.inTransaction) handle.pragma('optimize');
  };
  const tune = setInterval(optimize, OPTIMIZE_EVERY_MS);
  tune.unref();

  // Every write transaction of this process goes through one queue: those that arrive while one is applied share the
  // next commit (each in a savepoint, so each still succeeds or fails alone), and commits made while the log is being
  // synced share the next sync. Under load a decision, the worker's turn and a start pay one sync together instead
  // of one each; a lone transaction runs as it is.
  const writer = new GroupCommit<Unit, unknown>(
    (units) =>
      db.connection().execute(async (conn) => {
        await conn.executeQuery(CompiledQuery.raw('begin immediate'));
        openDirectLine(conn, line);
        try {
          const outcomes =
            units.length === 1 ? [await settle(units[0]!, conn)] : await runEach(units, conn);
          const anyApplied = outcomes.some((outcome) => outcome.status === 'fulfilled');
          await conn.executeQuery(CompiledQuery.raw(anyApplied ? 'commit' : 'rollback'));
          return outcomes;
        } catch (error) {
          if (handle.inTransaction) await conn.executeQuery(CompiledQuery.raw('rollback'));
          throw error;
        } finally {
          closeDirectLine(conn);
        }
      }),
    { durable: walSync && (() => walSync.afterCommit()) },
  );

  async function runEach(units: readonly Unit[], conn: Tx): Promise<Settled<unknown>[]> {
    const outcomes: Settled<unknown>[] = [];
    for (const work of units) {
      line.statement('savepoint flowgate_batch_unit').run();
      const outcome = await settle(work, conn);
      // An I/O or full-disk error ends the whole transaction: no savepoint is left to return to.
      if (!handle.inTransaction)
        throw outcome.status === 'rejected' ? outcome.reason : new Error('The transaction ended');
      if (outcome.status === 'rejected')
        line.statement('rollback to savepoint flowgate_batch_unit').run();
      line.statement('release savepoint flowgate_batch_unit').run();
      outcomes.push(outcome);
    }
    return outcomes;
  }

  const capabilities: StoreCapabilities = {
    skipLocked: false,
    rowLocks: false,
    listenNotify: false,
    transactionalDdl: true,
  };

  return {
    dialect: 'sqlite',
    capabilities,
    transaction: <T>(work: (tx: Tx) => Promise<T>) => writer.submit(work) as Promise<T>,
    read: (work) => work(db),
    notify: () => {
      setImmediate(() => wakeups.emit());
      return Promise.resolve();
    },
    onWakeup: (listener) => wakeups.add(listener),
    refreshStatistics: () => {
      optimize();
      return Promise.resolve();
    },
    backup: async (file) => {
      mkdirSync(dirname(file), { recursive: true });
      await handle.backup(file);
    },
    migrateToLatest: () => runMigrations(db, 'sqlite', 'up'),
    migrateDown: () => runMigrations(db, 'sqlite', 'down'),
    close: async () => {
      clearInterval(poll);
      clearInterval(tune);
      await db.destroy();
      await walSync?.close();
    },
  };
}

type Unit = (tx: Tx) => Promise<unknown>;

async function settle(work: Unit, tx: Tx): Promise<Settled<unknown>> {
  try {
    return { status: 'fulfilled', value: await work(tx) };
  } catch (reason) {
    return { status: 'rejected', reason };
  }
}

const MAX_CACHED_STATEMENTS = 200;
const MAX_CACHED_TEXT = 2_000;

/**
 * Kysely prepares every query it runs; parsing and planning the same SQL again costs more than running it. The engine
 * runs a few dozen distinct statements, so a small cache of prepared statements keyed by SQL text removes that cost.
 * Statements are only run with `all`/`run`, never iterated, so one statement object is never in use twice at once.
 */
function withStatementCache(handle: SqliteDatabase.Database): SqliteDatabase.Database {
  const cache = new Map<string, SqliteDatabase.Statement>();
  const prepare = handle.prepare.bind(handle);
  return new Proxy(handle, {
    get(target, property, receiver) {
      if (property !== 'prepare') return Reflect.get(target, property, receiver) as unknown;
      return (source: string) => {
        let statement = cache.get(source);
        if (!statement) {
          statement = prepare(source);
          // A statement whose text varies with its data (a multi-row list) would be used once and holds its
          // compiled program (tens of KB for hundreds of rows): only short texts are kept, and only so many.
          if (source.length <= MAX_CACHED_TEXT) {
            if (cache.size >= MAX_CACHED_STATEMENTS) cache.clear();
            cache.set(source, statement);
          }
        }
        return statement;
      };
    },
  });
}

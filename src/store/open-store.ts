import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';

import { FlowgateError } from '../shared/errors.js';
import { closeDirectLine, openDirectLine } from './direct-sqlite.js';
import { migrationProvider } from './migrations/index.js';
import type { Dialect, Store, StoreCapabilities, Tx } from './port.js';
import type { Database } from './schema.js';

export interface StoreOptions {
  /**
   * SQLite durability. `full` (the default) survives power loss: each commit is fsynced. `normal` in WAL mode may
   * lose the last commits on power loss (never on a process crash) and commits about twice as fast.
   */
  readonly synchronous?: 'full' | 'normal';
  /** PostgreSQL pool size; 2–4 connections per process serve two cores best. */
  readonly poolSize?: number;
  /** How often SQLite checks for commits by other processes, in milliseconds. */
  readonly pollMs?: number;
}

export interface StoreLocation {
  readonly dialect: Dialect;
  /** File path (SQLite) or connection string (PostgreSQL). */
  readonly target: string;
  readonly synchronous?: 'full' | 'normal';
}

/** `sqlite:data/flowgate.db`, `sqlite::memory:`, `sqlite:/abs/file.db?synchronous=normal`, `postgres://…`. */
export function parseStoreUrl(url: string): StoreLocation {
  if (/^postgres(ql)?:\/\//.test(url)) return { dialect: 'postgres', target: url };
  const match =
    /^sqlite:(?:\/\/)?(.*)$/.exec(url) ?? (/\.(db|sqlite3?)$/.test(url) ? [url, url] : null);
  if (!match) {
    throw new FlowgateError(
      'CONFIG_INVALID',
      `Unsupported database URL "${url}": use sqlite:PATH or postgres://USER@HOST/DB`,
    );
  }
  const [path = '', query = ''] = (match[1] ?? '').split('?');
  const synchronous = new URLSearchParams(query).get('synchronous');
  if (synchronous !== null && synchronous !== 'full' && synchronous !== 'normal') {
    throw new FlowgateError(
      'CONFIG_INVALID',
      `synchronous must be full or normal, not "${synchronous}"`,
    );
  }
  if (path === '') throw new FlowgateError('CONFIG_INVALID', `No file in database URL "${url}"`);
  return { dialect: 'sqlite', target: path, ...(synchronous ? { synchronous } : {}) };
}

export async function openStore(url: string, options: StoreOptions = {}): Promise<Store> {
  const location = parseStoreUrl(url);
  return location.dialect === 'sqlite'
    ? openSqlite(location.target, {
        ...options,
        synchronous: location.synchronous ?? options.synchronous,
      })
    : openPostgres(location.target, options);
}

class Wakeups {
  readonly #listeners = new Set<() => void>();
  add(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  emit(): void {
    for (const listener of this.#listeners) listener();
  }
}

function migrator(db: Kysely<Database>, dialect: Dialect): Migrator {
  return new Migrator({
    db,
    provider: migrationProvider(dialect),
    migrationTableName: 'flowgate_migrations',
    migrationLockTableName: 'flowgate_migrations_lock',
  });
}

async function runMigrations(db: Kysely<Database>, dialect: Dialect, direction: 'up' | 'down') {
  const m = migrator(db, dialect);
  const { error } = direction === 'up' ? await m.migrateToLatest() : await m.migrateDown();
  if (error) throw new FlowgateError('INTERNAL', 'Migration failed', { cause: error });
}

function openSqlite(path: string, options: StoreOptions): Store {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const handle = new SqliteDatabase(path);
  handle.pragma('journal_mode = WAL');
  handle.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
  // Another process (the CLI deciding a request, a second `flowgate run`) may hold the write lock briefly.
  handle.pragma('busy_timeout = 5000');
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

  const capabilities: StoreCapabilities = {
    skipLocked: false,
    rowLocks: false,
    listenNotify: false,
    transactionalDdl: true,
  };

  return {
    dialect: 'sqlite',
    capabilities,
    transaction: (work) =>
      db.connection().execute(async (conn) => {
        await conn.executeQuery(CompiledQuery.raw('begin immediate'));
        openDirectLine(conn, line);
        try {
          const result = await work(conn);
          await conn.executeQuery(CompiledQuery.raw('commit'));
          return result;
        } catch (error) {
          if (handle.inTransaction) await conn.executeQuery(CompiledQuery.raw('rollback'));
          throw error;
        } finally {
          closeDirectLine(conn);
        }
      }),
    read: (work) => work(db),
    notify: () => {
      setImmediate(() => wakeups.emit());
      return Promise.resolve();
    },
    onWakeup: (listener) => wakeups.add(listener),
    migrateToLatest: () => runMigrations(db, 'sqlite', 'up'),
    migrateDown: () => runMigrations(db, 'sqlite', 'down'),
    close: async () => {
      clearInterval(poll);
      await db.destroy();
    },
  };
}

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
          // Multi-row inserts make one text per row count; a bound keeps those from growing the cache forever.
          if (cache.size >= 1000) cache.clear();
          statement = prepare(source);
          cache.set(source, statement);
        }
        return statement;
      };
    },
  });
}

const WAKEUP_CHANNEL = 'flowgate_wakeup';

/** PostgreSQL aborts one of two transactions that wait on each other (40P01), or a serialization failure (40001). */
const RETRYABLE_PG_CODES = new Set(['40P01', '40001']);
const MAX_TRANSACTION_ATTEMPTS = 5;

async function withRetryOnDeadlock<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (
        attempt >= MAX_TRANSACTION_ATTEMPTS ||
        typeof code !== 'string' ||
        !RETRYABLE_PG_CODES.has(code)
      ) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}

/** JSON and jsonb come back as text, as they do from SQLite; int8 (identity keys, counts) as numbers. */
const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown => {
    if (oid === 114 || oid === 3802) return (value: string) => value;
    if (oid === 20) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

async function openPostgres(connectionString: string, options: StoreOptions): Promise<Store> {
  const pool = new pg.Pool({ connectionString, max: options.poolSize ?? 4, types: pgTypes });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it on the next checkout.
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const wakeups = new Wakeups();
  const listener = await startListener(connectionString, wakeups);

  return {
    dialect: 'postgres',
    capabilities: { skipLocked: true, rowLocks: true, listenNotify: true, transactionalDdl: true },
    transaction: (work) => withRetryOnDeadlock(() => db.transaction().execute(work)),
    read: (work) => work(db),
    notify: async (tx: Tx) => {
      await sql`select pg_notify(${WAKEUP_CHANNEL}, '')`.execute(tx);
    },
    onWakeup: (fn) => wakeups.add(fn),
    migrateToLatest: () => runMigrations(db, 'postgres', 'up'),
    migrateDown: () => runMigrations(db, 'postgres', 'down'),
    close: async () => {
      await listener.stop();
      await db.destroy();
    },
  };
}

/** A dedicated connection for LISTEN; reconnects after a drop so wakeups keep arriving. */
async function startListener(connectionString: string, wakeups: Wakeups) {
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString });
    c.on('notification', () => wakeups.emit());
    c.on('error', () => {
      if (stopped) return;
      client = undefined;
      c.end().catch(() => undefined);
      retry = setTimeout(() => void connect().catch(() => undefined), 1000);
      retry.unref();
    });
    await c.connect();
    await c.query(`LISTEN ${WAKEUP_CHANNEL}`);
    client = c;
    // Work may have appeared while we were not listening.
    wakeups.emit();
  };
  await connect();

  return {
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}

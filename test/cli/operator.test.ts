/**
 * The operator's commands as real processes on a SQLite file: `user add`, `backup`, `cleanup`.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { AuthService } from '../../src/auth/auth-service.js';
import { systemClock } from '../../src/shared/clock.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/port.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/dialects.js';
import { killAllCli, runCli, startCli } from './cli-process.js';

const OLD = '2020-01-01T00:00:00.000Z';

async function withStore<T>(url: string, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(url);
  try {
    await store.migrateToLatest();
    return await work(store);
  } finally {
    await store.close();
  }
}

function runIds(store: Store): Promise<string[]> {
  return store.read(async (db) =>
    (await db.selectFrom('workflows').select('workflow_id').orderBy('workflow_id').execute()).map(
      (row) => row.workflow_id,
    ),
  );
}

describe('flowgate user add, backup, cleanup', () => {
  let dir: string;
  let db: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flowgate-cli-operator-'));
    db = `sqlite:${join(dir, 'flowgate.db')}`;
    await withStore(db, (store) =>
      store.transaction(async (tx) => {
        const runs = [
          { id: 'done', status: 'completed', completedAt: OLD },
          { id: 'failed', status: 'failed', completedAt: OLD },
          { id: 'running', status: 'running', completedAt: null },
          { id: 'paused', status: 'paused', completedAt: null },
        ];
        for (const run of runs) {
          await tx
            .insertInto('workflows')
            .values({
              workflow_id: run.id,
              dag_id: 'ops',
              dag_version: 1,
              status: run.status,
              created_at: OLD,
              completed_at: run.completedAt,
            })
            .execute();
          await tx
            .insertInto('workflow_events')
            .values({ workflow_id: run.id, event_type: 'workflow_started', created_at: OLD })
            .execute();
        }
        await tx
          .insertInto('hitl_requests')
          .values({ request_id: 'req-done', workflow_id: 'done', node_id: 'gate' })
          .execute();
      }),
    );
  });
  afterEach(killAllCli);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('user add with --password creates a user who can log in', async () => {
    const { code, stdout, stderr } = await runCli([
      'user',
      'add',
      'alice',
      '--role',
      'user',
      '--password',
      'correct horse battery',
      '--email',
      'alice@example.com',
      '--full-name',
      'Alice Example',
      '--db',
      db,
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Created user alice \(user\), id [0-9a-f-]{36}\./);
    expect(stdout).not.toContain('correct horse battery');

    await withStore(db, async (store) => {
      const auth = new AuthService({ store, clock: systemClock, jwtSecret: 'x'.repeat(32) });
      const pair = await auth.login({ username: 'alice', password: 'correct horse battery' });
      expect(pair.user).toMatchObject({
        username: 'alice',
        role: 'user',
        email: 'alice@example.com',
        fullName: 'Alice Example',
      });
    });
  });

  it('user add without a password prints a generated one that works', async () => {
    const { code, stdout } = await runCli(['user', 'add', 'bob', '--role', 'viewer', '--db', db]);
    expect(code).toBe(0);
    const password = /^Password: (\S+)$/m.exec(stdout)?.[1];
    expect(password, stdout).toBeDefined();
    await withStore(db, async (store) => {
      const auth = new AuthService({ store, clock: systemClock, jwtSecret: 'x'.repeat(32) });
      const pair = await auth.login({ username: 'bob', password: password! });
      expect(pair.user.role).toBe('viewer');
    });
  });

  it('user add --password-stdin reads the password from a pipe', async () => {
    const cli = startCli(
      ['user', 'add', 'carol', '--role', 'admin', '--password-stdin', '--db', db],
      {
        stdin: 'pipe',
      },
    );
    cli.write('from the pipe 123\n');
    cli.child.stdin!.end();
    const { code, stdout } = await cli.exit();
    expect(code).toBe(0);
    expect(stdout).not.toContain('Password:');
    await withStore(db, async (store) => {
      const auth = new AuthService({ store, clock: systemClock, jwtSecret: 'x'.repeat(32) });
      const pair = await auth.login({ username: 'carol', password: 'from the pipe 123' });
      expect(pair.user.role).toBe('admin');
    });
  });

  it('user add of a taken username exits 1', async () => {
    const { code, stderr } = await runCli([
      'user',
      'add',
      'alice',
      '--role',
      'admin',
      '--password',
      'another password',
      '--db',
      db,
    ]);
    expect(code).toBe(1);
    expect(stderr).toContain('error: The username alice is taken.');
  });

  it('user add with an unknown role exits 2', async () => {
    const { code, stderr } = await runCli(['user', 'add', 'dave', '--role', 'root', '--db', db]);
    expect(code).toBe(2);
    expect(stderr).toContain('--role');
  });

  it('backup writes a database with the same runs', async () => {
    const file = join(dir, 'backups', 'copy.db');
    const { code, stdout, stderr } = await runCli(['backup', file, '--db', db]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(existsSync(file)).toBe(true);
    const size = statSync(file).size;
    expect(size).toBeGreaterThan(0);
    expect(stdout).toContain(`Backed up ${db} to ${file} (`);
    expect(stdout).toContain(`${size} bytes`);
    const copied = await withStore(`sqlite:${file}`, runIds);
    expect(copied).toEqual(await withStore(db, runIds));
    expect(copied).toEqual(['done', 'failed', 'paused', 'running']);
  });

  it('cleanup --dry-run counts and deletes nothing', async () => {
    const { code, stdout } = await runCli([
      'cleanup',
      '--older-than',
      '30d',
      '--dry-run',
      '--db',
      db,
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain('Dry run: would delete 2 finished runs');
    expect(stdout).toMatch(/^hitl_requests\s+1$/m);
    expect(await withStore(db, runIds)).toEqual(['done', 'failed', 'paused', 'running']);
  });

  it('cleanup deletes the finished runs and prints counts per table', async () => {
    const { code, stdout } = await runCli(['cleanup', '--older-than', '0d', '--db', db]);
    expect(code).toBe(0);
    expect(stdout).toContain('Deleted 2 finished runs that finished before');
    expect(stdout).toMatch(/^workflows\s+2$/m);
    expect(stdout).toMatch(/^workflow_events\s+2$/m);
    expect(stdout).toMatch(/^hitl_requests\s+1$/m);
    expect(await withStore(db, runIds)).toEqual(['paused', 'running']);
  });

  it.each(['30', '1w', '-1d', 'd', '1.5h'])('cleanup --older-than %s exits 2', async (bad) => {
    const { code, stderr } = await runCli(['cleanup', '--older-than', bad, '--db', db]);
    expect(code).toBe(2);
    expect(stderr).toContain('--older-than');
  });
});

describe.runIf(DIALECTS.includes('postgres'))('flowgate backup on PostgreSQL', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterEach(killAllCli);
  afterAll(async () => {
    await database.drop();
  });

  it('exits 1 and names the pg_dump command, without the password', async () => {
    const name = new URL(database.url).pathname.slice(1);
    const { code, stdout, stderr } = await runCli(['backup', 'dump.out', '--db', database.url]);
    expect(stdout).toBe('');
    expect(code).toBe(1);
    expect(stderr).toContain('pg_dump');
    expect(stderr).toContain(`--dbname=${name}`);
    expect(stderr).toContain('--file=dump.out');
    // No URL with credentials, no --password: the password stays out of the terminal.
    expect(stderr).not.toMatch(/:\/\/[^@\s]*:[^@\s]*@/);
    expect(stderr).not.toContain('password');
  });
});

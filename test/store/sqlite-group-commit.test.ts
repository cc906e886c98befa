/**
 * The SQLite store's write transactions share commits: what arrives while one is being applied goes into the same
 * commit, each transaction in a savepoint of its own. Watched from a second connection, which sees only commits.
 */
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';

import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/port.js';
import { createTestDatabase, type TestDatabase } from '../helpers/dialects.js';

describe('SQLite group commit', () => {
  let database: TestDatabase | undefined;
  let store: Store | undefined;
  let observer: SqliteDatabase.Database | undefined;

  afterEach(async () => {
    observer?.close();
    await store?.close();
    await database?.drop();
    [observer, store, database] = [undefined, undefined, undefined];
  });

  async function open() {
    database = await createTestDatabase('sqlite');
    store = await openStore(database.url);
    await store.transaction((tx) => sql`create table marks (n integer not null)`.execute(tx));
    observer = new SqliteDatabase(database.url.replace(/^sqlite:/, ''), { readonly: true });
    return store;
  }

  const committed = () =>
    (observer!.prepare('select count(*) as n from marks').get() as { n: number }).n;

  it('commits transactions submitted together at once, and each one fails alone', async () => {
    const s = await open();
    const seenCommitted: number[] = [];
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, n) =>
        s.transaction(async (tx) => {
          await sql`insert into marks (n) values (${n})`.execute(tx);
          seenCommitted.push(committed());
          if (n === 3) throw new Error('unit 3 fails');
          return n;
        }),
      ),
    );
    // No transaction saw another's commit: all ten ran before the one commit.
    expect(seenCommitted).toEqual(Array.from({ length: 10 }, () => 0));
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : 'failed'))).toEqual([
      0,
      1,
      2,
      'failed',
      4,
      5,
      6,
      7,
      8,
      9,
    ]);
    const rows = observer!.prepare('select n from marks order by n').all() as { n: number }[];
    expect(rows.map((row) => row.n)).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9]);
  });

  it('runs a lone transaction as it is, and rolls back one that fails', async () => {
    const s = await open();
    await expect(
      s.transaction(async (tx) => {
        await sql`insert into marks (n) values (1)`.execute(tx);
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(committed()).toBe(0);
    await s.transaction((tx) => sql`insert into marks (n) values (2)`.execute(tx));
    expect(committed()).toBe(1);
  });

  it('lets a transaction that arrives during a commit go into the next one', async () => {
    const s = await open();
    let later: Promise<number> | undefined;
    const first = s.transaction(async (tx) => {
      await sql`insert into marks (n) values (1)`.execute(tx);
      // Submitted while this one is still being applied: it waits for this commit, then commits after it.
      later = s.transaction(async (inner) => {
        await sql`insert into marks (n) values (2)`.execute(inner);
        return committed();
      });
      return committed();
    });
    expect(await first).toBe(0);
    expect(await later).toBe(1);
    expect(committed()).toBe(2);
  });
});

/**
 * The migrated schema of each dialect, dumped as sorted text and compared with a committed snapshot: a change to a
 * migration (or to Kysely's DDL) shows up as a reviewable diff of test/__snapshots__/schema.*.sql.
 */
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';

import { openStore } from '../../src/store/open-store.js';
import {
  createTestDatabase,
  DIALECTS,
  type DialectName,
  type TestDatabase,
} from '../helpers/dialects.js';

const REFRESH =
  'The migrated schema differs from the committed snapshot. If the change is intended, refresh it with ' +
  '`npx vitest run test/store/schema-drift.test.ts -u` and commit the snapshot.';

interface SqliteObject {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}

function dumpSqlite(url: string): string {
  const handle = new SqliteDatabase(url.replace(/^sqlite:/, ''), { readonly: true });
  try {
    const objects = handle
      .prepare(
        "select type, name, tbl_name, sql from sqlite_master where name not like 'sqlite_%' order by type, name",
      )
      .all() as SqliteObject[];
    return objects
      .map((o) => {
        const on = o.tbl_name === o.name ? '' : ` on ${o.tbl_name}`;
        return `-- ${o.type} ${o.name}${on}\n${o.sql ?? '-- (no sql)'};\n`;
      })
      .join('\n');
  } finally {
    handle.close();
  }
}

interface PgColumn {
  table_name: string;
  column_name: string;
  data_type: string;
  is_nullable: string;
  column_default: string | null;
}

interface PgIndex {
  tablename: string;
  indexname: string;
  indexdef: string;
}

async function dumpPostgres(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const columns = await client.query<PgColumn>(
      `select table_name, column_name, data_type, is_nullable, column_default
         from information_schema.columns
        where table_schema = 'public'
        order by table_name, ordinal_position`,
    );
    const indexes = await client.query<PgIndex>(
      `select tablename, indexname, indexdef from pg_indexes where schemaname = 'public' order by tablename, indexname`,
    );
    const out: string[] = [];
    let table = '';
    for (const c of columns.rows) {
      if (c.table_name !== table) {
        if (table !== '') out.push('');
        table = c.table_name;
        out.push(`-- table ${table}`);
      }
      const nullable = c.is_nullable === 'YES' ? 'null' : 'not null';
      const defaultTo = c.column_default === null ? '' : ` default ${c.column_default}`;
      out.push(`${c.column_name} ${c.data_type} ${nullable}${defaultTo}`);
    }
    out.push('', '-- indexes');
    for (const i of indexes.rows) out.push(`${i.indexdef};`);
    return `${out.join('\n')}\n`;
  } finally {
    await client.end();
  }
}

const dump = (dialect: DialectName, url: string) =>
  dialect === 'sqlite' ? Promise.resolve(dumpSqlite(url)) : dumpPostgres(url);

for (const dialect of DIALECTS) {
  describe(`${dialect}: schema drift`, () => {
    let db: TestDatabase | undefined;
    afterEach(async () => {
      await db?.drop();
    });

    it('matches the committed schema snapshot', async () => {
      db = await createTestDatabase(dialect);
      const store = await openStore(db.url);
      try {
        await store.migrateToLatest();
      } finally {
        await store.close();
      }
      const schema = await dump(dialect, db.url);
      await expect(schema, REFRESH).toMatchFileSnapshot(`../__snapshots__/schema.${dialect}.sql`);
    });
  });
}

import type { Kysely } from 'kysely';

import type { Dialect } from '../port.js';
import { columnTypes } from './column-types.js';

/**
 * Accounts and sign-in: a password hash, an active flag, preferences and an update time on seed 001's `users`;
 * client details, the refresh-token family and an expiry on its `sessions` (a login opens a session); and two new
 * tables holding only hashes of the secrets they check: `refresh_tokens` (rotated within a family, so that reuse of
 * a spent token is noticed) and `api_keys`.
 *
 * Columns are added one statement at a time: SQLite's ALTER TABLE takes one column per statement.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);

  await db.schema.alterTable('users').addColumn('password_hash', 'text').execute();
  // An integer 0/1 in both dialects, so that the repositories read the same value everywhere.
  await db.schema
    .alterTable('users')
    .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.alterTable('users').addColumn('preferences', t.json).execute();
  await db.schema.alterTable('users').addColumn('updated_at', 'text').execute();

  for (const column of ['ip', 'user_agent', 'refresh_family', 'expires_at']) {
    await db.schema.alterTable('sessions').addColumn(column, 'text').execute();
  }

  await db.schema
    .createTable('refresh_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('family_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('key_id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.unique().notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();

  // Revoking a family and a user's tokens; listing a user's keys. Lookups by hash use the key and unique index.
  const indexes: [string, string, string[]][] = [
    ['idx_refresh_tokens_family_id', 'refresh_tokens', ['family_id']],
    ['idx_refresh_tokens_user_id', 'refresh_tokens', ['user_id']],
    ['idx_api_keys_user_id', 'api_keys', ['user_id', 'created_at']],
  ];
  for (const [name, table, columns] of indexes) {
    await db.schema.createIndex(name).on(table).columns(columns).execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('api_keys').ifExists().execute();
  await db.schema.dropTable('refresh_tokens').ifExists().execute();
  for (const column of ['expires_at', 'refresh_family', 'user_agent', 'ip']) {
    await db.schema.alterTable('sessions').dropColumn(column).execute();
  }
  for (const column of ['updated_at', 'preferences', 'is_active', 'password_hash']) {
    await db.schema.alterTable('users').dropColumn(column).execute();
  }
}

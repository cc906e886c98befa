import { sql, type Kysely } from 'kysely';

import type { Dialect } from '../port.js';
import { columnTypes } from './column-types.js';

/**
 * The outbox (every message that leaves the process) and the decision links that mail carries.
 *
 * A message row is written in the transaction of the change that causes it; the delivery loop claims due rows by
 * moving `next_attempt_at` forward by its lease, so a sender that dies leaves its messages due again once the lease
 * has run out, with no separate lease sweep. The partial index holds only what is still to send.
 *
 * A link's secret is never stored: `secret_hash` is its SHA-256. Tokens are looked up by id, and revoked by request.
 * `flowgate_keys` holds the server's own random keys (the confirmation page's nonce), shared by every process.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);

  await db.schema
    .createTable('outbox_messages')
    .addColumn('message_id', 'text', (c) => c.primaryKey())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('workflow_id', 'text')
    .addColumn('request_id', 'text')
    .addColumn('node_id', 'text')
    .addColumn('user_id', 'text')
    .addColumn('payload', t.json, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('last_error', 'text')
    .addColumn('provider_message_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .execute();
  await db.schema
    .createIndex('idx_outbox_messages_due')
    .on('outbox_messages')
    .column('next_attempt_at')
    .where(sql.raw<boolean>(`status = 'pending'`))
    .execute();
  await db.schema
    .createIndex('idx_outbox_messages_request_id')
    .on('outbox_messages')
    .column('request_id')
    .execute();

  await t
    .addAutoId(db.schema.createTable('outbox_attempts'), { appendOnly: true })
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('sender', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('outcome', 'text')
    .addColumn('error', 'text')
    .addColumn('response', 'text')
    .execute();
  await db.schema
    .createIndex('idx_outbox_attempts_message_id')
    .on('outbox_attempts')
    .columns(['message_id', 'attempt'])
    .execute();

  await db.schema
    .createTable('action_tokens')
    .addColumn('token_id', 'text', (c) => c.primaryKey())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addColumn('used_decision', 'text')
    .addColumn('revoked_at', 'text')
    .addColumn('revoked_reason', 'text')
    .execute();
  await db.schema
    .createIndex('idx_action_tokens_request_id')
    .on('action_tokens')
    .column('request_id')
    .execute();
  await db.schema
    .createIndex('idx_action_tokens_message_id')
    .on('action_tokens')
    .column('message_id')
    .execute();

  await db.schema
    .createTable('flowgate_keys')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('flowgate_keys').ifExists().execute();
  await db.schema.dropTable('action_tokens').ifExists().execute();
  await db.schema.dropTable('outbox_attempts').ifExists().execute();
  await db.schema.dropTable('outbox_messages').ifExists().execute();
}

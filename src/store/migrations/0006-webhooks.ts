import type { Kysely } from 'kysely';

import type { Dialect } from '../port.js';

/**
 * Outbound webhook subscriptions, and what ties the outbox to them.
 *
 * `events` is the filter as JSON text in both dialects: it is read whole and matched in the app, never queried into.
 * A rotation keeps the old secret until `previous_secret_expires_at`, so deliveries carry both signatures while
 * receivers switch. A subscription is disabled (not deleted) when its receiver answers 410, keeping its delivery
 * log; `disabled_reason` says why.
 *
 * `outbox_messages.subscription_id` lets the delivery log of one subscription be read by index, and
 * `outbox_attempts.status_code` keeps the receiver's answer per attempt.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('webhook_subscriptions')
    .addColumn('subscription_id', 'text', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('previous_secret', 'text')
    .addColumn('previous_secret_expires_at', 'text')
    // An integer 0/1 in both dialects, like users.is_active.
    .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('disabled_reason', 'text')
    .addColumn('disabled_at', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema.alterTable('outbox_messages').addColumn('subscription_id', 'text').execute();
  await db.schema
    .createIndex('idx_outbox_messages_subscription_id')
    .on('outbox_messages')
    .column('subscription_id')
    .execute();
  await db.schema.alterTable('outbox_attempts').addColumn('status_code', 'integer').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('outbox_attempts').dropColumn('status_code').execute();
  await db.schema.dropIndex('idx_outbox_messages_subscription_id').ifExists().execute();
  await db.schema.alterTable('outbox_messages').dropColumn('subscription_id').execute();
  await db.schema.dropTable('webhook_subscriptions').ifExists().execute();
}

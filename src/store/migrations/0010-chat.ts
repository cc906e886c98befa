import type { Kysely } from 'kysely';

import type { Dialect } from '../port.js';

/**
 * Chat destinations (Slack incoming webhooks, Teams Workflows URLs) and the Slack identity of a user.
 *
 * A destination's URL is its only credential (whoever holds it may post), so it is never shown in full after it is
 * saved. `users.slack_user_id` maps a click on a Slack button to a Flowgate account; it is unique where set, so one
 * Slack member can never act as two users.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('chat_destinations')
    .addColumn('destination_id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('url', 'text', (c) => c.notNull())
    // An integer 0/1 in both dialects, like users.is_active.
    .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema.alterTable('users').addColumn('slack_user_id', 'text').execute();
  // Partial unique index: both SQLite and PostgreSQL support `WHERE` here, and many users have no Slack id.
  await db.schema
    .createIndex('idx_users_slack_user_id')
    .on('users')
    .column('slack_user_id')
    .unique()
    .where('slack_user_id', 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('idx_users_slack_user_id').ifExists().execute();
  await db.schema.alterTable('users').dropColumn('slack_user_id').execute();
  await db.schema.dropTable('chat_destinations').ifExists().execute();
}

import { sql, type Kysely } from 'kysely';

import type { Dialect } from '../port.js';

/**
 * A pending request's reminder and escalation timers, on the request's own row.
 *
 * `next_reminder_at` and `next_escalation_at` are the next due times (null: nothing more to fire);
 * `reminders_sent` and `escalation_level` count what fired. A timer fires by a compare-and-set that moves its due
 * time on and requires `status = 'pending'`, so closing a request cancels its timers without writing them, and two
 * processes that find the same due timer fire it once. The partial indexes hold only pending requests with a timer.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('hitl_requests').addColumn('next_reminder_at', 'text').execute();
  await db.schema
    .alterTable('hitl_requests')
    .addColumn('reminders_sent', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('hitl_requests').addColumn('next_escalation_at', 'text').execute();
  await db.schema
    .alterTable('hitl_requests')
    .addColumn('escalation_level', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex('idx_hitl_requests_next_reminder')
    .on('hitl_requests')
    .column('next_reminder_at')
    .where(sql.raw<boolean>(`status = 'pending' and next_reminder_at is not null`))
    .execute();
  await db.schema
    .createIndex('idx_hitl_requests_next_escalation')
    .on('hitl_requests')
    .column('next_escalation_at')
    .where(sql.raw<boolean>(`status = 'pending' and next_escalation_at is not null`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('idx_hitl_requests_next_escalation').ifExists().execute();
  await db.schema.dropIndex('idx_hitl_requests_next_reminder').ifExists().execute();
  for (const column of [
    'escalation_level',
    'next_escalation_at',
    'reminders_sent',
    'next_reminder_at',
  ]) {
    await db.schema.alterTable('hitl_requests').dropColumn(column).execute();
  }
}

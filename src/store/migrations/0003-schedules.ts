import type { Kysely } from 'kysely';

import type { Dialect } from '../port.js';
import { columnTypes } from './column-types.js';

/**
 * Runs that start on their own: cron schedules with the history of their occurrences, and inbound triggers with the
 * idempotency keys of the requests they accepted.
 *
 * The primary key of `schedule_fires`, (schedule_id, scheduled_for), is what makes a scheduled time start at most one
 * run whatever the number of processes: an occurrence is claimed by inserting its row in the transaction that starts
 * its run, and a second claimant's insert finds the row. `trigger_requests` does the same for an Idempotency-Key.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);

  await db.schema
    .createTable('schedules')
    .addColumn('schedule_id', 'text', (c) => c.primaryKey())
    .addColumn('dag_id', 'text', (c) => c.notNull())
    .addColumn('cron', 'text', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('input', t.json)
    .addColumn('catchup', 'text', (c) => c.notNull())
    .addColumn('catchup_window_seconds', 'integer', (c) => c.notNull())
    .addColumn('max_catchup_runs', 'integer', (c) => c.notNull())
    .addColumn('overlap', 'text', (c) => c.notNull())
    // An integer 0/1 in both dialects, like users.is_active.
    .addColumn('paused', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_fire_at', 'text')
    .addColumn('last_scheduled_for', 'text')
    .addColumn('last_workflow_id', 'text')
    .addColumn('buffered_for', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('schedule_fires')
    .addColumn('schedule_id', 'text', (c) => c.notNull())
    .addColumn('scheduled_for', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('workflow_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('schedule_fires_pkey', ['schedule_id', 'scheduled_for'])
    .execute();

  await db.schema
    .createTable('triggers')
    .addColumn('trigger_id', 'text', (c) => c.primaryKey())
    .addColumn('dag_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('auth', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    // Standard Webhooks triggers only: an HMAC is checked with the key itself, which a hash cannot stand in for.
    .addColumn('signing_key', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .execute();

  await db.schema
    .createTable('trigger_requests')
    .addColumn('trigger_id', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('trigger_requests_pkey', ['trigger_id', 'idempotency_key'])
    .execute();

  // Finding due schedules (the loop's every turn), a DAG's schedules and triggers, and expired idempotency keys.
  const indexes: [string, string, string[]][] = [
    ['idx_schedules_due', 'schedules', ['paused', 'next_fire_at']],
    ['idx_schedules_dag_id', 'schedules', ['dag_id']],
    ['idx_triggers_dag_id', 'triggers', ['dag_id']],
    ['idx_trigger_requests_created_at', 'trigger_requests', ['created_at']],
  ];
  for (const [name, table, columns] of indexes) {
    await db.schema.createIndex(name).on(table).columns(columns).execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['trigger_requests', 'triggers', 'schedule_fires', 'schedules']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}

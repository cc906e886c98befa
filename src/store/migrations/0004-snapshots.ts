import { sql, type Kysely } from 'kysely';

import type { Dialect } from '../port.js';
import { columnTypes } from './column-types.js';

/**
 * Snapshots and rollback (seed 003): a run's context variables, a snapshot per completed node, and rollbacks with
 * the compensations they run.
 *
 * A snapshot is written in the transaction of every node completion, so it is keyed for that insert: the primary key
 * (workflow_id, seq) is the only structure it maintains (SQLite: WITHOUT ROWID, one B-tree), and it also serves
 * listing a run's snapshots in order and evicting the oldest. `snapshot_id` is only ever looked up within a run
 * (at most 50 rows), so it has no index of its own.
 *
 * A compensation row is its rollback's durable to-do list: the primary key (rollback_id, node_id) fences a
 * compensation to run once per rollback, and `attempt` fences a result to the lease that produced it.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);

  await db.schema.alterTable('workflows').addColumn('context', t.json).execute();

  let snapshots = db.schema
    .createTable('workflow_snapshots')
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('snapshot_id', 'text', (c) => c.notNull())
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('statuses', 'text', (c) => c.notNull())
    .addColumn('result', t.json)
    .addColumn('context', t.json)
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('workflow_snapshots_pkey', ['workflow_id', 'seq']);
  if (dialect === 'sqlite') snapshots = snapshots.modifyEnd(sql`without rowid`);
  await snapshots.execute();

  await db.schema
    .createTable('workflow_rollbacks')
    .addColumn('rollback_id', 'text', (c) => c.primaryKey())
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('snapshot_id', 'text', (c) => c.notNull())
    .addColumn('target_seq', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text')
    .addColumn('error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    .execute();

  await db.schema
    .createTable('workflow_compensations')
    .addColumn('rollback_id', 'text', (c) => c.notNull())
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('snapshot_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text')
    .addColumn('name', 'text')
    .addColumn('input', t.json)
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'text')
    .addColumn('result', t.json)
    .addColumn('error', 'text')
    .addColumn('started_at', 'text')
    .addColumn('completed_at', 'text')
    .addPrimaryKeyConstraint('workflow_compensations_pkey', ['rollback_id', 'node_id'])
    .execute();

  // A run's rollbacks (is one in progress?); the rollbacks a compensation runner looks for.
  await db.schema
    .createIndex('idx_workflow_rollbacks_workflow_id')
    .on('workflow_rollbacks')
    .columns(['workflow_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('idx_workflow_rollbacks_running')
    .on('workflow_rollbacks')
    .column('created_at')
    .where(sql.raw<boolean>(`status = 'running'`))
    .execute();
  await db.schema
    .createIndex('idx_workflow_compensations_workflow_id')
    .on('workflow_compensations')
    .column('workflow_id')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('workflow_compensations').ifExists().execute();
  await db.schema.dropTable('workflow_rollbacks').ifExists().execute();
  await db.schema.dropTable('workflow_snapshots').ifExists().execute();
  await db.schema.alterTable('workflows').dropColumn('context').execute();
}

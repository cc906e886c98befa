import { sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely';

import type { Dialect } from '../port.js';
import { columnTypes } from './column-types.js';

/**
 * Seed 001's nine tables with their exact names, columns and recommended indexes, plus the engine's own columns
 * and tables. Indexes beyond the seed's serve a named query: claiming ready nodes, finding expired leases, listing
 * pending requests and expiring them.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);
  const now = (c: ColumnDefinitionBuilder) => c.defaultTo(t.nowIso);

  await db.schema
    .createTable('users')
    .addColumn('user_id', 'text', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.unique().notNull())
    .addColumn('full_name', 'text')
    .addColumn('email', 'text')
    .addColumn('role', 'text')
    .addColumn('created_at', 'text', now)
    .addColumn('last_login', 'text')
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('session_id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('workflow_id', 'text')
    .addColumn('status', 'text', (c) => c.defaultTo('active'))
    .addColumn('created_at', 'text', now)
    .addColumn('updated_at', 'text', now)
    .addColumn('completed_at', 'text')
    .addColumn('metadata', t.json)
    .execute();

  await db.schema
    .createTable('workflows')
    .addColumn('workflow_id', 'text', (c) => c.primaryKey())
    .addColumn('dag_id', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text')
    .addColumn('name', 'text')
    .addColumn('description', 'text')
    .addColumn('status', 'text', (c) => c.defaultTo('pending'))
    .addColumn('created_at', 'text', now)
    .addColumn('started_at', 'text')
    .addColumn('completed_at', 'text')
    .addColumn('created_by', 'text')
    .addColumn('graph_json', t.json)
    .addColumn('result', t.json)
    .addColumn('error', 'text')
    .addColumn('dag_version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('input', t.json)
    .addColumn('pause_reason', 'text')
    .addColumn('deadline_at', 'text')
    .addColumn('max_concurrency', 'integer')
    .addColumn('parent_workflow_id', 'text')
    .addColumn('parent_node_id', 'text')
    .addColumn('updated_at', 'text')
    .execute();

  await t
    .addAutoId(db.schema.createTable('workflow_nodes'))
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('node_type', 'text')
    .addColumn('agent_id', 'text')
    .addColumn('status', 'text', (c) => c.defaultTo('pending'))
    .addColumn('started_at', 'text')
    .addColumn('completed_at', 'text')
    .addColumn('result', t.json)
    .addColumn('error', 'text')
    .addColumn('config', t.json)
    .addColumn('tool_name', 'text')
    .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('ready_at', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'text')
    .addColumn('child_workflow_id', 'text')
    .addUniqueConstraint('workflow_nodes_workflow_id_node_id_key', ['workflow_id', 'node_id'])
    .execute();

  await t
    .addAutoId(db.schema.createTable('workflow_events'), { appendOnly: true })
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('event_data', t.json)
    .addColumn('created_at', 'text', now)
    .execute();

  await t
    .addAutoId(db.schema.createTable('agent_executions'), { appendOnly: true })
    .addColumn('execution_id', 'text', (c) => c.unique().notNull())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('workflow_id', 'text')
    .addColumn('node_id', 'text')
    .addColumn('input', t.json)
    .addColumn('output', t.json)
    .addColumn('status', 'text', (c) => c.defaultTo('pending'))
    .addColumn('started_at', 'text')
    .addColumn('completed_at', 'text')
    .addColumn('error', 'text')
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('agent'))
    .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('duration_ms', 'integer')
    .execute();

  await t
    .addAutoId(db.schema.createTable('hitl_requests'))
    .addColumn('request_id', 'text', (c) => c.unique().notNull())
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('message', 'text')
    .addColumn('status', 'text', (c) => c.defaultTo('pending'))
    .addColumn('created_at', 'text', now)
    .addColumn('responded_at', 'text')
    .addColumn('responded_by', 'text')
    .addColumn('response', 'text')
    .addColumn('dag_id', 'text')
    .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('spec', t.json)
    .addColumn('context', t.json)
    .addColumn('decision', t.json)
    .addColumn('run_started_by', 'text')
    .addColumn('expires_at', 'text')
    .addColumn('updated_at', 'text')
    .execute();

  await t
    .addAutoId(db.schema.createTable('hitl_decisions'))
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('value', t.json)
    .addColumn('edits', t.json)
    .addColumn('channel', 'text')
    .addColumn('metadata', t.json)
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('hitl_decisions_request_id_user_id_key', ['request_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('plans')
    .addColumn('plan_id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('request', 'text')
    .addColumn('plan_json', t.json)
    .addColumn('status', 'text', (c) => c.defaultTo('pending_approval'))
    .addColumn('created_at', 'text', now)
    .addColumn('approved_at', 'text')
    .addColumn('rejected_at', 'text')
    .addColumn('rejection_reason', 'text')
    .execute();

  await db.schema
    .createTable('planner_conversations')
    .addColumn('conversation_id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('message', 'text')
    .addColumn('response', 'text')
    .addColumn('created_at', 'text', now)
    .execute();

  await db.schema
    .createTable('dags')
    .addColumn('dag_id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text')
    .addColumn('description', 'text')
    .addColumn('latest_version', 'integer', (c) => c.notNull())
    .addColumn('permissions', t.json)
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('archived_at', 'text')
    .execute();

  await db.schema
    .createTable('dag_versions')
    .addColumn('dag_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('definition', t.json, (c) => c.notNull())
    .addColumn('source', t.json)
    .addColumn('checksum', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('dag_versions_pkey', ['dag_id', 'version'])
    .execute();

  const indexes: [string, string, string[]][] = [
    // Seed 001's recommended indexes.
    ['idx_workflows_status', 'workflows', ['status']],
    ['idx_workflows_created_by', 'workflows', ['created_by']],
    ['idx_workflows_dag_id', 'workflows', ['dag_id']],
    ['idx_workflows_session_id', 'workflows', ['session_id']],
    ['idx_workflow_nodes_workflow_id', 'workflow_nodes', ['workflow_id']],
    ['idx_workflow_nodes_status', 'workflow_nodes', ['status']],
    ['idx_workflow_events_workflow_id', 'workflow_events', ['workflow_id']],
    ['idx_workflow_events_event_type', 'workflow_events', ['event_type']],
    ['idx_workflow_events_created_at', 'workflow_events', ['created_at']],
    ['idx_hitl_requests_workflow_id', 'hitl_requests', ['workflow_id']],
    // Seed 001's index on status, extended so that the pending list is read in order without a sort (and the
    // planner has no status-only index to prefer when its statistics are stale after a bulk start).
    ['idx_hitl_requests_status', 'hitl_requests', ['status', 'created_at', 'request_id']],
    ['idx_hitl_requests_created_at', 'hitl_requests', ['created_at']],
    ['idx_plans_user_id', 'plans', ['user_id']],
    ['idx_plans_status', 'plans', ['status']],
    ['idx_plans_created_at', 'plans', ['created_at']],
    ['idx_agent_executions_agent_id', 'agent_executions', ['agent_id']],
    ['idx_agent_executions_workflow_id', 'agent_executions', ['workflow_id']],
    ['idx_agent_executions_status', 'agent_executions', ['status']],
    ['idx_planner_conversations_user_id', 'planner_conversations', ['user_id']],
    ['idx_planner_conversations_created_at', 'planner_conversations', ['created_at']],
    ['idx_sessions_user_id', 'sessions', ['user_id']],
    // Flowgate's: runs of a parent, decisions of a request.
    ['idx_workflows_parent', 'workflows', ['parent_workflow_id']],
    ['idx_workflows_created_at', 'workflows', ['created_at']],
  ];
  for (const [name, table, columns] of indexes) {
    await db.schema.createIndex(name).on(table).columns(columns).execute();
  }

  // Partial indexes hold only the rows their query looks for, so the claim scan does not grow with history.
  await db.schema
    .createIndex('idx_workflow_nodes_claimable')
    .on('workflow_nodes')
    .column('ready_at')
    .where(sql.raw<boolean>(`status = 'pending' and ready_at is not null`))
    .execute();
  await db.schema
    .createIndex('idx_workflow_nodes_leases')
    .on('workflow_nodes')
    .column('lease_expires_at')
    .where(sql.raw<boolean>(`status = 'running' and lease_expires_at is not null`))
    .execute();
  await db.schema
    .createIndex('idx_hitl_requests_pending_expiry')
    .on('hitl_requests')
    .column('expires_at')
    .where(sql.raw<boolean>(`status = 'pending' and expires_at is not null`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'dag_versions',
    'dags',
    'planner_conversations',
    'plans',
    'hitl_decisions',
    'hitl_requests',
    'agent_executions',
    'workflow_events',
    'workflow_nodes',
    'workflows',
    'sessions',
    'users',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}

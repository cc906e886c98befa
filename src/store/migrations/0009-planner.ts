import type { Kysely } from 'kysely';

import type { Dialect } from '../port.js';
import { columnTypes } from './column-types.js';

/**
 * The planner's records on seed 001's tables.
 *
 * `plans` gains what a reviewed plan needs: its conversation, its version (an edit is a new version, kept in
 * `plan_versions`), the problems its last version has, who decided and the DAG version and run an approval made.
 *
 * `planner_conversations` keeps seed 001's shape, one row per exchange (`conversation_id` is that exchange's id, its
 * primary key, with the person's `message` and the planner's `response`); `thread_id` groups the exchanges of one
 * conversation (the API's `conversationId`), `turn` orders them and `plan_id` names the plan an exchange produced.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);
  for (const [name, type] of [
    ['thread_id', 'text'],
    ['version', 'integer'],
    ['problems', t.json],
    ['model', 'text'],
    ['dag_id', 'text'],
    ['dag_version', 'integer'],
    ['workflow_id', 'text'],
    ['decided_by', 'text'],
    ['executed_at', 'text'],
    ['updated_at', 'text'],
  ] as const) {
    await db.schema.alterTable('plans').addColumn(name, type).execute();
  }

  for (const [name, type] of [
    ['thread_id', 'text'],
    ['turn', 'integer'],
    ['plan_id', 'text'],
  ] as const) {
    await db.schema.alterTable('planner_conversations').addColumn(name, type).execute();
  }
  await db.schema
    .createIndex('idx_planner_conversations_thread')
    .on('planner_conversations')
    .columns(['thread_id', 'turn'])
    .unique()
    .execute();

  await db.schema
    .createTable('plan_versions')
    .addColumn('plan_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('plan_json', t.json, (c) => c.notNull())
    .addColumn('problems', t.json)
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('plan_versions_pkey', ['plan_id', 'version'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('plan_versions').ifExists().execute();
  await db.schema.dropIndex('idx_planner_conversations_thread').ifExists().execute();
  for (const name of ['plan_id', 'turn', 'thread_id']) {
    await db.schema.alterTable('planner_conversations').dropColumn(name).execute();
  }
  for (const name of [
    'updated_at',
    'executed_at',
    'decided_by',
    'workflow_id',
    'dag_version',
    'dag_id',
    'model',
    'problems',
    'version',
    'thread_id',
  ]) {
    await db.schema.alterTable('plans').dropColumn(name).execute();
  }
}

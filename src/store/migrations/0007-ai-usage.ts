import type { Kysely } from 'kysely';

import type { Dialect } from '../port.js';

/**
 * What an AI node records per model call and per tool call, in seed 001's `agent_executions` (kind `model_call` or
 * `tool_call`): the transcript the durable tool loop resumes from, and the usage and cost the metrics roll up.
 *
 * `loop_key` names one conversation of a node (`run:N`, its Nth run in the workflow), `step_key` one step of it
 * (`model:3`, `tool:3:call_abc`). A completed row with a step key is the committed result of that step; failed
 * rows are the attempts that preceded it. `cost_usd` is null for a call nobody could price ("unpriced", never 0);
 * `cost_source` says where a price came from: `provider`, `override` or `catalog`.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  const columns: [string, 'text' | 'integer' | 'double precision'][] = [
    ['loop_key', 'text'],
    ['step_key', 'text'],
    ['tool_call_id', 'text'],
    ['provider', 'text'],
    ['model', 'text'],
    ['response_model', 'text'],
    ['input_tokens', 'integer'],
    ['output_tokens', 'integer'],
    ['cached_input_tokens', 'integer'],
    ['reasoning_tokens', 'integer'],
    ['cost_usd', 'double precision'],
    ['cost_source', 'text'],
    ['http_status', 'integer'],
  ];
  for (const [name, type] of columns) {
    await db.schema.alterTable('agent_executions').addColumn(name, type).execute();
  }
  // The journal of one node is read on every attempt of it; the usage roll-ups read calls by time.
  await db.schema
    .createIndex('idx_agent_executions_node')
    .on('agent_executions')
    .columns(['workflow_id', 'node_id'])
    .execute();
  await db.schema
    .createIndex('idx_agent_executions_kind_started')
    .on('agent_executions')
    .columns(['kind', 'started_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('idx_agent_executions_kind_started').ifExists().execute();
  await db.schema.dropIndex('idx_agent_executions_node').ifExists().execute();
  for (const name of [
    'http_status',
    'cost_source',
    'cost_usd',
    'reasoning_tokens',
    'cached_input_tokens',
    'output_tokens',
    'input_tokens',
    'response_model',
    'model',
    'provider',
    'tool_call_id',
    'step_key',
    'loop_key',
  ]) {
    await db.schema.alterTable('agent_executions').dropColumn(name).execute();
  }
}

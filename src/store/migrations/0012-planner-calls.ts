import type { Kysely } from 'kysely';

import type { Dialect } from '../port.js';

/**
 * The planner's own model calls, as rows of `agent_executions` with kind `planner_call`: they belong to no run
 * (`workflow_id` is null, as seed 001 already allows) but to the plan they drafted, named by the new `plan_id`.
 * `loop_key` holds the planner conversation and `step_key` the round (`round:1`, then one per repair), so every try of
 * every round is kept with its tokens, cost, latency and status, like an AI node's calls.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('agent_executions').addColumn('plan_id', 'text').execute();
  // A plan's usage is read by plan; only planner rows carry one, so the index holds nothing else.
  await db.schema
    .createIndex('idx_agent_executions_plan')
    .on('agent_executions')
    .column('plan_id')
    .where('plan_id', 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('idx_agent_executions_plan').ifExists().execute();
  await db.schema.alterTable('agent_executions').dropColumn('plan_id').execute();
}

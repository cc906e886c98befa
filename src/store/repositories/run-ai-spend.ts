/**
 * What a run's AI nodes have spent so far: the sum over its priced model calls (every try), which a run's AI budget
 * is checked against before each model call. Unpriced calls have no known cost; they are counted apart.
 */
import { sql } from 'kysely';

import type { Tx } from '../port.js';
import { num } from './numbers.js';

export interface RunAiSpend {
  readonly costUsd: number;
  readonly pricedCalls: number;
  readonly unpricedCalls: number;
}

/** The DAG version a run is pinned to (what its budget is read from), without the run's input or result. */
export async function runDagVersion(
  tx: Tx,
  workflowId: string,
): Promise<{ dagId: string; dagVersion: number } | undefined> {
  const row = await tx
    .selectFrom('workflows')
    .select(['dag_id', 'dag_version'])
    .where('workflow_id', '=', workflowId)
    .executeTakeFirst();
  return row && { dagId: row.dag_id, dagVersion: Number(row.dag_version) };
}

export async function runAiSpend(tx: Tx, workflowId: string): Promise<RunAiSpend> {
  const row = (await tx
    .selectFrom('agent_executions as e')
    .select([
      sql<unknown>`coalesce(sum(${sql.ref('e.cost_usd')}), 0)`.as('costUsd'),
      sql<unknown>`sum(case when ${sql.ref('e.cost_usd')} is not null then 1 else 0 end)`.as(
        'pricedCalls',
      ),
      sql<unknown>`sum(case when ${sql.ref('e.status')} = 'completed' and ${sql.ref('e.cost_usd')} is null then 1 else 0 end)`.as(
        'unpricedCalls',
      ),
    ])
    .where('e.workflow_id', '=', workflowId)
    .where('e.kind', '=', 'model_call')
    .executeTakeFirst()) as Record<string, unknown> | undefined;
  return {
    costUsd: num(row?.costUsd),
    pricedCalls: num(row?.pricedCalls),
    unpricedCalls: num(row?.unpricedCalls),
  };
}

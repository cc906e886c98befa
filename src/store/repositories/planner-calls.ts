/**
 * The planner's own model calls, as rows of `agent_executions` with kind `planner_call` (migration 0012): no run, but
 * the plan they drafted (`plan_id`), its conversation (`loop_key`) and the round (`step_key`, `round:N`). Each try is
 * written the moment it ends, like an AI node's, so a draft that fails half-way still shows what it spent.
 */
import type { Tx } from '../port.js';
import {
  insertModelCallRow,
  providerAndModel,
  usageFigures,
  usageSums,
  type NewAiCall,
  type UsageFigures,
} from './ai-calls.js';
import { num, numOrNull } from './numbers.js';

export const PLANNER_CALL_KIND = 'planner_call' as const;

/** A planner call's row: a model call's columns, keyed by plan, conversation and round instead of run and node. */
export type NewPlannerCall = Omit<
  NewAiCall,
  'kind' | 'agentId' | 'workflowId' | 'nodeId' | 'loopKey' | 'stepKey' | 'toolCallId'
> & {
  readonly planId: string;
  readonly conversationId: string;
  /** 1 for the first answer, one more per repair round; `attempt` is the try within the round. */
  readonly round: number;
  readonly provider: string;
  readonly model: string;
};

export function insertPlannerCall(tx: Tx, row: NewPlannerCall): Promise<void> {
  return insertModelCallRow(tx, {
    ...row,
    kind: PLANNER_CALL_KIND,
    agentId: `${row.provider}:${row.model}`,
    workflowId: null,
    nodeId: null,
    loopKey: row.conversationId,
    stepKey: `round:${row.round}`,
  });
}

export interface PlannerUsageFilter {
  /** Only calls for plans of this person (a call whose draft stored no plan has no owner, and shows only unfiltered). */
  readonly userId?: string;
  readonly planId?: string;
  /** ISO timestamps: calls started at or after `since`, before `until`. */
  readonly since?: string;
  readonly until?: string;
}

export interface PlannerUsageRow extends UsageFigures {
  readonly provider: string;
  readonly model: string;
}

/** The planner's calls summed per provider and model. */
export async function plannerUsageRows(
  tx: Tx,
  filter: PlannerUsageFilter = {},
): Promise<PlannerUsageRow[]> {
  let query = tx
    .selectFrom('agent_executions as e')
    .select((eb) => [...providerAndModel, ...usageSums(eb)])
    .where('e.kind', '=', PLANNER_CALL_KIND)
    .groupBy(['e.provider', 'e.model'])
    .orderBy('e.provider')
    .orderBy('e.model');
  if (filter.planId !== undefined) query = query.where('e.plan_id', '=', filter.planId);
  if (filter.userId !== undefined) {
    const userId = filter.userId;
    query = query.where('e.plan_id', 'in', (eb) =>
      eb.selectFrom('plans').select('plan_id').where('user_id', '=', userId),
    );
  }
  if (filter.since !== undefined) query = query.where('e.started_at', '>=', filter.since);
  if (filter.until !== undefined) query = query.where('e.started_at', '<', filter.until);
  const rows = (await query.execute()) as Record<string, unknown>[];
  return rows.map((row) => ({
    provider: String(row.provider),
    model: String(row.model),
    ...usageFigures(row),
  }));
}

export interface PlanCallTotals {
  readonly calls: number;
  readonly failedCalls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Over the priced calls; null when none was priced. */
  readonly costUsd: number | null;
  readonly unpricedCalls: number;
}

/** What drafting each plan spent (every round and try), by plan id; a plan without calls is absent. */
export async function plannerCallsByPlan(
  tx: Tx,
  planIds: readonly string[],
): Promise<Map<string, PlanCallTotals>> {
  if (planIds.length === 0) return new Map();
  const rows = (await tx
    .selectFrom('agent_executions as e')
    .select((eb) => ['e.plan_id as planId', ...usageSums(eb)])
    .where('e.kind', '=', PLANNER_CALL_KIND)
    .where('e.plan_id', 'in', [...planIds])
    .groupBy('e.plan_id')
    .execute()) as Record<string, unknown>[];
  return new Map(
    rows.map((row) => [
      String(row.planId),
      {
        calls: num(row.calls),
        failedCalls: num(row.failedCalls),
        inputTokens: num(row.inputTokens),
        outputTokens: num(row.outputTokens),
        // sum() over nothing but nulls is null: no priced call.
        costUsd: numOrNull(row.costUsd),
        unpricedCalls: num(row.unpricedCalls),
      },
    ]),
  );
}

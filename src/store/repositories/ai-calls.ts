/**
 * AI nodes' model calls and tool calls, as rows of seed 001's `agent_executions` (kinds `model_call` and
 * `tool_call`, migration 0007). Each row is written in its own transaction the moment its call ends, so a node that
 * restarts reads back what it already has (its journal) instead of asking or running again.
 */
import { sql, type ExpressionBuilder, type SqlBool } from 'kysely';

import type { Tx } from '../port.js';
import type { Database } from '../schema.js';
import { num, numOrNull } from './numbers.js';

/** `tool_approval`: the decision on a gated tool call, journaled for the loop when its request closes. */
export type AiCallKind = 'model_call' | 'tool_call' | 'tool_approval';

export interface NewAiCall {
  readonly executionId: string;
  readonly kind: AiCallKind;
  /** `provider:model` for a model call, the tool's name for a tool call. */
  readonly agentId: string;
  readonly workflowId: string;
  readonly nodeId: string;
  readonly loopKey: string;
  readonly stepKey: string;
  /** Of a model call: the try (1 for the first, 2 after one retry, ...). Of a tool call: the node's attempt. */
  readonly attempt: number;
  readonly status: 'completed' | 'failed';
  readonly input: string | null;
  readonly output: string | null;
  readonly error: string | null;
  readonly startedAt: string;
  readonly completedAt: string;
  readonly durationMs: number;
  readonly toolCallId?: string | null;
  readonly provider?: string | null;
  readonly model?: string | null;
  readonly responseModel?: string | null;
  readonly inputTokens?: number | null;
  readonly outputTokens?: number | null;
  readonly cachedInputTokens?: number | null;
  readonly reasoningTokens?: number | null;
  readonly costUsd?: number | null;
  readonly costSource?: string | null;
  readonly httpStatus?: number | null;
}

/** A model call's row as the planner writes it too: of no run, perhaps of a plan. */
export type ModelCallRow = Omit<NewAiCall, 'kind' | 'workflowId' | 'nodeId'> & {
  readonly kind: AiCallKind | 'planner_call';
  readonly workflowId: string | null;
  readonly nodeId: string | null;
  readonly planId?: string | null;
};

export function insertAiCall(tx: Tx, row: NewAiCall): Promise<void> {
  return insertModelCallRow(tx, row);
}

export async function insertModelCallRow(tx: Tx, row: ModelCallRow): Promise<void> {
  await tx
    .insertInto('agent_executions')
    .values({
      execution_id: row.executionId,
      agent_id: row.agentId,
      kind: row.kind,
      workflow_id: row.workflowId,
      node_id: row.nodeId,
      plan_id: row.planId ?? null,
      loop_key: row.loopKey,
      step_key: row.stepKey,
      attempt: row.attempt,
      status: row.status,
      input: row.input,
      output: row.output,
      error: row.error,
      started_at: row.startedAt,
      completed_at: row.completedAt,
      duration_ms: Math.round(row.durationMs),
      tool_call_id: row.toolCallId ?? null,
      provider: row.provider ?? null,
      model: row.model ?? null,
      response_model: row.responseModel ?? null,
      input_tokens: row.inputTokens ?? null,
      output_tokens: row.outputTokens ?? null,
      cached_input_tokens: row.cachedInputTokens ?? null,
      reasoning_tokens: row.reasoningTokens ?? null,
      cost_usd: row.costUsd ?? null,
      cost_source: row.costSource ?? null,
      http_status: row.httpStatus ?? null,
    })
    .execute();
}

export interface JournalEntry {
  readonly kind: AiCallKind;
  readonly stepKey: string;
  readonly output: string | null;
}

/** The committed steps of one conversation of a node: its completed rows with a step key, oldest first. */
export async function loadAiJournal(
  tx: Tx,
  key: { workflowId: string; nodeId: string; loopKey: string },
): Promise<JournalEntry[]> {
  const rows = await tx
    .selectFrom('agent_executions')
    .select(['kind', 'step_key', 'output'])
    .where('workflow_id', '=', key.workflowId)
    .where('node_id', '=', key.nodeId)
    .where('loop_key', '=', key.loopKey)
    .where('status', '=', 'completed')
    .where('step_key', 'is not', null)
    .orderBy('id')
    .execute();
  return rows.map((row) => ({
    kind: row.kind as AiCallKind,
    stepKey: row.step_key!,
    output: row.output,
  }));
}

/**
 * How many times a node's run has completed in its workflow (the worker's own `agent` rows): 0 until it first
 * completes, 1 after a rollback made it run again, and so on. It tells a fresh conversation from one to resume.
 */
export async function countNodeCompletions(
  tx: Tx,
  key: { workflowId: string; nodeId: string },
): Promise<number> {
  const row = await tx
    .selectFrom('agent_executions')
    .select((eb) => eb.fn.countAll().as('count'))
    .where('workflow_id', '=', key.workflowId)
    .where('node_id', '=', key.nodeId)
    .where('kind', '=', 'agent')
    .where('status', '=', 'completed')
    .executeTakeFirst();
  return num(row?.count);
}

export interface AiCallRecord {
  readonly kind: AiCallKind;
  readonly stepKey: string | null;
  readonly status: string;
  readonly attempt: number;
  readonly agentId: string;
  readonly provider: string | null;
  readonly model: string | null;
  readonly responseModel: string | null;
  readonly inputTokens: number | null;
  readonly outputTokens: number | null;
  readonly cachedInputTokens: number | null;
  readonly reasoningTokens: number | null;
  readonly costUsd: number | null;
  readonly costSource: string | null;
  readonly httpStatus: number | null;
  readonly durationMs: number | null;
  readonly toolCallId: string | null;
  readonly error: string | null;
}

/** Every model and tool call row of a run (or of one node of it), in the order they were written. */
export async function listAiCalls(
  tx: Tx,
  filter: { workflowId: string; nodeId?: string },
): Promise<AiCallRecord[]> {
  let query = tx
    .selectFrom('agent_executions')
    .selectAll()
    .where('workflow_id', '=', filter.workflowId)
    .where('kind', 'in', ['model_call', 'tool_call']);
  if (filter.nodeId !== undefined) query = query.where('node_id', '=', filter.nodeId);
  const rows = await query.orderBy('id').execute();
  return rows.map((row) => ({
    kind: row.kind as AiCallKind,
    stepKey: row.step_key,
    status: row.status,
    attempt: row.attempt,
    agentId: row.agent_id,
    provider: row.provider,
    model: row.model,
    responseModel: row.response_model,
    inputTokens: numOrNull(row.input_tokens),
    outputTokens: numOrNull(row.output_tokens),
    cachedInputTokens: numOrNull(row.cached_input_tokens),
    reasoningTokens: numOrNull(row.reasoning_tokens),
    costUsd: numOrNull(row.cost_usd),
    costSource: row.cost_source,
    httpStatus: numOrNull(row.http_status),
    durationMs: numOrNull(row.duration_ms),
    toolCallId: row.tool_call_id,
    error: row.error,
  }));
}

/** What the usage figures are grouped by, besides provider and model. */
export type AiUsageGrouping = 'model' | 'dag' | 'run' | 'node';

export interface AiUsageFilter {
  /** Only calls of runs of these DAGs (an empty list matches nothing). */
  readonly dagIds?: readonly string[];
  readonly workflowId?: string;
  /** ISO timestamps: calls started at or after `since`, before `until`. */
  readonly since?: string;
  readonly until?: string;
  readonly by?: AiUsageGrouping;
}

/** What a usage roll-up sums over a group of model calls. */
export interface UsageFigures {
  /** Model calls tried, retries included. */
  readonly calls: number;
  readonly failedCalls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedInputTokens: number;
  readonly reasoningTokens: number;
  /** The sum over priced calls; the unpriced ones are counted apart, never as 0. */
  readonly costUsd: number;
  /** Completed calls without a price. */
  readonly unpricedCalls: number;
}

export interface AiUsageRow extends UsageFigures {
  readonly provider: string;
  readonly model: string;
  readonly dagId: string | null;
  readonly workflowId: string | null;
  readonly nodeId: string | null;
}

/** Model calls summed per provider and model (and per DAG, run or node when asked). */
export async function aiUsageRows(tx: Tx, filter: AiUsageFilter = {}): Promise<AiUsageRow[]> {
  if (filter.dagIds?.length === 0) return [];
  const by = filter.by ?? 'model';
  let query = tx
    .selectFrom('agent_executions as e')
    .innerJoin('workflows as w', 'w.workflow_id', 'e.workflow_id')
    .select((eb) => [...providerAndModel, ...usageSums(eb)])
    .where('e.kind', '=', 'model_call')
    .groupBy(['e.provider', 'e.model'])
    .orderBy('e.provider')
    .orderBy('e.model');
  if (by === 'dag' || by === 'run' || by === 'node') {
    query = query.select('w.dag_id as dagId').groupBy('w.dag_id').orderBy('w.dag_id');
  }
  if (by === 'run' || by === 'node') {
    query = query
      .select('e.workflow_id as workflowId')
      .groupBy('e.workflow_id')
      .orderBy('e.workflow_id');
  }
  if (by === 'node') {
    query = query.select('e.node_id as nodeId').groupBy('e.node_id').orderBy('e.node_id');
  }
  if (filter.dagIds) query = query.where('w.dag_id', 'in', [...filter.dagIds]);
  if (filter.workflowId !== undefined) query = query.where('e.workflow_id', '=', filter.workflowId);
  if (filter.since !== undefined) query = query.where('e.started_at', '>=', filter.since);
  if (filter.until !== undefined) query = query.where('e.started_at', '<', filter.until);
  const rows = (await query.execute()) as Record<string, unknown>[];
  return rows.map((row) => ({
    provider: String(row.provider),
    model: String(row.model),
    dagId: typeof row.dagId === 'string' ? row.dagId : null,
    workflowId: typeof row.workflowId === 'string' ? row.workflowId : null,
    nodeId: typeof row.nodeId === 'string' ? row.nodeId : null,
    ...usageFigures(row),
  }));
}

/** A usage roll-up's group: provider and model (`e` is agent_executions). */
export const providerAndModel = [
  sql<string>`coalesce(${sql.ref('e.provider')}, '')`.as('provider'),
  sql<string>`coalesce(${sql.ref('e.model')}, '')`.as('model'),
] as const;

/** The figures every usage roll-up sums over its calls (`e` is agent_executions). */
export function usageSums(
  eb: ExpressionBuilder<Database & { e: Database['agent_executions'] }, 'e'>,
) {
  const completed = sql<SqlBool>`${sql.ref('e.status')} = 'completed'`;
  const sumOf = (column: string) => sql<unknown>`sum(${sql.ref(column)})`;
  return [
    eb.fn.countAll().as('calls'),
    sql<unknown>`sum(case when ${sql.ref('e.status')} = 'failed' then 1 else 0 end)`.as(
      'failedCalls',
    ),
    sumOf('e.input_tokens').as('inputTokens'),
    sumOf('e.output_tokens').as('outputTokens'),
    sumOf('e.cached_input_tokens').as('cachedInputTokens'),
    sumOf('e.reasoning_tokens').as('reasoningTokens'),
    sumOf('e.cost_usd').as('costUsd'),
    sql<unknown>`sum(case when ${completed} and ${sql.ref('e.cost_usd')} is null then 1 else 0 end)`.as(
      'unpricedCalls',
    ),
  ] as const;
}

/** A row of {@link usageSums} as numbers. */
export function usageFigures(row: Record<string, unknown>): UsageFigures {
  return {
    calls: num(row.calls),
    failedCalls: num(row.failedCalls),
    inputTokens: num(row.inputTokens),
    outputTokens: num(row.outputTokens),
    cachedInputTokens: num(row.cachedInputTokens),
    reasoningTokens: num(row.reasoningTokens),
    costUsd: num(row.costUsd),
    unpricedCalls: num(row.unpricedCalls),
  };
}

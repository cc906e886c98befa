/**
 * AI usage and cost, rolled up from the model calls in `agent_executions`: per provider and model, and per DAG, run
 * or node when asked (seed 004's aiUsage). Unpriced calls are counted, never costed at 0. Two sources: the runs' AI
 * nodes (`runs`) and the planner's own calls while drafting plans (`planner`), which belong to no DAG or run.
 */
import type { Store, Tx } from '../store/port.js';
import {
  aiUsageRows,
  listAiCalls,
  type AiCallRecord,
  type AiUsageGrouping,
  type AiUsageRow,
} from '../store/repositories/ai-calls.js';
import { plannerUsageRows } from '../store/repositories/planner-calls.js';
import type { MetricsScope } from './metrics.js';

/** Where model calls come from: AI nodes of runs, or the planner drafting plans. */
export type AiUsageSource = 'runs' | 'planner';

export interface AiUsageItem extends AiUsageRow {
  readonly source: AiUsageSource;
}

export interface AiUsageQuery extends MetricsScope {
  readonly workflowId?: string;
  /** ISO timestamps bounding when calls started: `since` included, `until` excluded. */
  readonly since?: string;
  readonly until?: string;
  readonly by?: AiUsageGrouping;
  /**
   * The planner's calls to include: all, none, or those of one person's plans. Default: all, unless the query is
   * narrowed to DAGs or a run (the planner's calls belong to neither).
   */
  readonly planner?: 'all' | 'none' | { readonly userId: string };
}

export interface AiUsageTotals {
  readonly calls: number;
  readonly failedCalls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedInputTokens: number;
  readonly reasoningTokens: number;
  /** Over the priced calls. */
  readonly costUsd: number;
  readonly unpricedCalls: number;
}

export interface AiUsage {
  readonly items: AiUsageItem[];
  readonly totals: AiUsageTotals;
  /** Per provider (seed 004's aiUsage: calls, tokens, cost). */
  readonly byProvider: Readonly<Record<string, AiUsageTotals>>;
  readonly bySource: Readonly<Record<AiUsageSource, AiUsageTotals>>;
}

function add(into: AiUsageTotals | undefined, row: AiUsageTotals): AiUsageTotals {
  return {
    calls: (into?.calls ?? 0) + row.calls,
    failedCalls: (into?.failedCalls ?? 0) + row.failedCalls,
    inputTokens: (into?.inputTokens ?? 0) + row.inputTokens,
    outputTokens: (into?.outputTokens ?? 0) + row.outputTokens,
    cachedInputTokens: (into?.cachedInputTokens ?? 0) + row.cachedInputTokens,
    reasoningTokens: (into?.reasoningTokens ?? 0) + row.reasoningTokens,
    costUsd: (into?.costUsd ?? 0) + row.costUsd,
    unpricedCalls: (into?.unpricedCalls ?? 0) + row.unpricedCalls,
  };
}

const ZERO: AiUsageTotals = add(undefined, {
  calls: 0,
  failedCalls: 0,
  inputTokens: 0,
  outputTokens: 0,
  cachedInputTokens: 0,
  reasoningTokens: 0,
  costUsd: 0,
  unpricedCalls: 0,
});

export async function getAiUsage(store: Store, query: AiUsageQuery = {}): Promise<AiUsage> {
  const planner =
    query.planner ??
    (query.dagIds !== undefined || query.workflowId !== undefined ? 'none' : 'all');
  const items = await store.read((db) => usageItems(db, query, planner));
  let totals = ZERO;
  const byProvider: Record<string, AiUsageTotals> = {};
  const bySource: Record<AiUsageSource, AiUsageTotals> = { runs: ZERO, planner: ZERO };
  for (const row of items) {
    totals = add(totals, row);
    byProvider[row.provider] = add(byProvider[row.provider], row);
    bySource[row.source] = add(bySource[row.source], row);
  }
  return { items, totals, byProvider, bySource };
}

/** The runs' rows, then the planner's (grouped per provider and model; no DAG, run or node). */
export async function usageItems(
  db: Tx,
  query: AiUsageQuery,
  planner: NonNullable<AiUsageQuery['planner']>,
): Promise<AiUsageItem[]> {
  const runs = await aiUsageRows(db, query);
  const items: AiUsageItem[] = runs.map((row) => ({ ...row, source: 'runs' }));
  if (planner === 'none') return items;
  const plannerRows = await plannerUsageRows(db, {
    ...(planner === 'all' ? {} : { userId: planner.userId }),
    ...(query.since !== undefined ? { since: query.since } : {}),
    ...(query.until !== undefined ? { until: query.until } : {}),
  });
  for (const row of plannerRows) {
    items.push({ ...row, dagId: null, workflowId: null, nodeId: null, source: 'planner' });
  }
  return items;
}

/** Every model and tool call of a run (or one node of it): the transcript's bookkeeping, for audits and tests. */
export function listRunAiCalls(
  store: Store,
  filter: { workflowId: string; nodeId?: string },
): Promise<AiCallRecord[]> {
  return store.read((db) => listAiCalls(db, filter));
}

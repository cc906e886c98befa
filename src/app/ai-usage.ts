/**
 * AI usage and cost, rolled up from the model calls in `agent_executions`: per provider and model, and per DAG, run
 * or node when asked (seed 004's aiUsage). Unpriced calls are counted, never costed at 0.
 */
import type { Store } from '../store/port.js';
import {
  aiUsageRows,
  listAiCalls,
  type AiCallRecord,
  type AiUsageGrouping,
  type AiUsageRow,
} from '../store/repositories/ai-calls.js';
import type { MetricsScope } from './metrics.js';

export interface AiUsageQuery extends MetricsScope {
  readonly workflowId?: string;
  /** ISO timestamps bounding when calls started: `since` included, `until` excluded. */
  readonly since?: string;
  readonly until?: string;
  readonly by?: AiUsageGrouping;
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
  readonly items: AiUsageRow[];
  readonly totals: AiUsageTotals;
  /** Per provider (seed 004's aiUsage: calls, tokens, cost). */
  readonly byProvider: Readonly<Record<string, AiUsageTotals>>;
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
  const items = await store.read((db) => aiUsageRows(db, query));
  let totals = ZERO;
  const byProvider: Record<string, AiUsageTotals> = {};
  for (const row of items) {
    totals = add(totals, row);
    byProvider[row.provider] = add(byProvider[row.provider], row);
  }
  return { items, totals, byProvider };
}

/** Every model and tool call of a run (or one node of it): the transcript's bookkeeping, for audits and tests. */
export function listRunAiCalls(
  store: Store,
  filter: { workflowId: string; nodeId?: string },
): Promise<AiCallRecord[]> {
  return store.read((db) => listAiCalls(db, filter));
}

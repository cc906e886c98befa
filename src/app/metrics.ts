/**
 * Monitoring figures over a store, as the API answers them: HITL response times and outcomes (seed 000's monitoring
 * queries), agent and tool statistics (seed 001), run totals (seed 004's execution metrics). Each takes the DAG ids
 * the caller may see (undefined: all), so that nobody learns about runs of DAGs hidden from them.
 */
import type { Store } from '../store/port.js';
import { aiUsageRows } from '../store/repositories/ai-calls.js';
import { usageItems, type AiUsageItem } from './ai-usage.js';
import {
  agentStats,
  executionTotals,
  gaugeCounts,
  hitlStatusCounts,
  runsPerDay,
  type HitlStatusRow,
} from '../store/repositories/metrics.js';
import { toIso } from '../shared/clock.js';

export interface MetricsScope {
  /** Only figures of these DAGs; undefined for all (an admin). */
  readonly dagIds?: readonly string[];
}

/** The statuses a HITL request ends in. */
export const DECIDED_HITL_STATUSES = [
  'approved',
  'rejected',
  'completed',
  'expired',
  'cancelled',
] as const;
export type DecidedHitlStatus = (typeof DECIDED_HITL_STATUSES)[number];

export interface HitlFigures {
  readonly pending: number;
  /** Mean seconds from a request's creation to its answer (approved, rejected, completed); null when none. */
  readonly avgApprovalSeconds: number | null;
  /** approved / (approved + rejected); null when neither happened. */
  readonly approvalRate: number | null;
}

export interface HitlMetrics extends HitlFigures {
  readonly decided: Readonly<Record<DecidedHitlStatus, number>>;
  readonly perDag: readonly ({ readonly dagId: string } & HitlFigures)[];
}

function figures(rows: readonly HitlStatusRow[]): HitlFigures {
  let pending = 0;
  let approved = 0;
  let rejected = 0;
  let seconds = 0;
  let timed = 0;
  for (const row of rows) {
    if (row.status === 'pending') pending += row.count;
    if (row.status === 'approved') approved += row.count;
    if (row.status === 'rejected') rejected += row.count;
    seconds += row.totalSeconds;
    timed += row.timed;
  }
  return {
    pending,
    avgApprovalSeconds: timed === 0 ? null : Math.max(0, seconds / timed),
    approvalRate: approved + rejected === 0 ? null : approved / (approved + rejected),
  };
}

export async function getHitlMetrics(store: Store, scope: MetricsScope = {}): Promise<HitlMetrics> {
  const rows = await store.read((db) => hitlStatusCounts(db, scope));
  const decided = Object.fromEntries(DECIDED_HITL_STATUSES.map((s) => [s, 0])) as Record<
    DecidedHitlStatus,
    number
  >;
  for (const row of rows) {
    if (row.status in decided) decided[row.status as DecidedHitlStatus] += row.count;
  }
  const byDag = new Map<string, HitlStatusRow[]>();
  for (const row of rows) byDag.set(row.dagId, [...(byDag.get(row.dagId) ?? []), row]);
  return {
    ...figures(rows),
    decided,
    perDag: [...byDag].map(([dagId, dagRows]) => ({ dagId, ...figures(dagRows) })),
  };
}

export interface AgentMetrics {
  readonly agentId: string;
  /** `agent` or `tool`. */
  readonly kind: string;
  readonly total: number;
  readonly successful: number;
  readonly failed: number;
  readonly avgDurationSeconds: number | null;
}

export async function getAgentMetrics(
  store: Store,
  scope: MetricsScope = {},
): Promise<{ items: AgentMetrics[] }> {
  return { items: await store.read((db) => agentStats(db, scope)) };
}

export interface ExecutionMetrics {
  readonly totalRuns: number;
  readonly byStatus: Readonly<Record<string, number>>;
  /** Mean seconds from start to completion over the runs that finished; null when none. */
  readonly avgDurationSeconds: number | null;
  /** Sum of those durations (seed 004's totalDuration). */
  readonly totalDurationSeconds: number;
  readonly nodeCount: number;
  /** Node claims, retries included. */
  readonly attempts: number;
  /** Decided HITL requests. */
  readonly humanInterventions: number;
  /** Agent executions (tools not counted). */
  readonly aiCalls: number;
  /** AI nodes' model calls, every try counted. */
  readonly modelCalls: number;
  /** Seed 004's cost: USD over the priced model calls. */
  readonly costUsd: number;
  /** Model calls without a known price, left out of `costUsd` (never counted as free). */
  readonly unpricedCalls: number;
}

export async function getExecutionMetrics(
  store: Store,
  scope: MetricsScope & { readonly workflowId?: string } = {},
): Promise<ExecutionMetrics> {
  const [totals, aiRows] = await store.read(async (db) => [
    await executionTotals(db, scope),
    await aiUsageRows(db, {
      ...(scope.dagIds ? { dagIds: scope.dagIds } : {}),
      ...(scope.workflowId !== undefined ? { workflowId: scope.workflowId } : {}),
    }),
  ]);
  let totalRuns = 0;
  let seconds = 0;
  let timed = 0;
  const byStatus: Record<string, number> = {};
  for (const row of totals.runs) {
    totalRuns += row.count;
    byStatus[row.status] = row.count;
    seconds += row.totalSeconds;
    timed += row.timed;
  }
  return {
    totalRuns,
    byStatus,
    avgDurationSeconds: timed === 0 ? null : Math.max(0, seconds / timed),
    totalDurationSeconds: Math.max(0, seconds),
    nodeCount: totals.nodeCount,
    attempts: totals.attempts,
    humanInterventions: totals.humanInterventions,
    aiCalls: totals.aiCalls,
    modelCalls: aiRows.reduce((sum, row) => sum + row.calls, 0),
    costUsd: aiRows.reduce((sum, row) => sum + row.costUsd, 0),
    unpricedCalls: aiRows.reduce((sum, row) => sum + row.unpricedCalls, 0),
  };
}

export interface RunDay {
  /** `YYYY-MM-DD` (UTC). */
  readonly day: string;
  /** Runs started that day. */
  readonly total: number;
  /** Those runs by their status now. */
  readonly byStatus: Readonly<Record<string, number>>;
}

const DAY_MS = 86_400_000;

/**
 * Runs started per day over the last `days` days (today included, UTC days), each day with the runs' statuses now;
 * days without runs are listed with zeros, so that a chart shows the gaps.
 */
export async function getRunTimeline(
  store: Store,
  now: number,
  scope: MetricsScope & { readonly days: number },
): Promise<{ days: RunDay[] }> {
  const first = Math.floor(now / DAY_MS) * DAY_MS - (scope.days - 1) * DAY_MS;
  const rows = await store.read((db) =>
    runsPerDay(db, { since: toIso(first), ...(scope.dagIds ? { dagIds: scope.dagIds } : {}) }),
  );
  const days = new Map<string, { total: number; byStatus: Record<string, number> }>();
  for (let i = 0; i < scope.days; i++) {
    days.set(toIso(first + i * DAY_MS).slice(0, 10), { total: 0, byStatus: {} });
  }
  for (const row of rows) {
    const day = days.get(row.day);
    if (!day) continue;
    day.total += row.count;
    day.byStatus[row.status] = (day.byStatus[row.status] ?? 0) + row.count;
  }
  return { days: [...days].map(([day, figures]) => ({ day, ...figures })) };
}

export interface GaugeCounts {
  readonly runs: { status: string; count: number }[];
  readonly pendingHitl: number;
  /** Model calls, tokens and cost per source, provider and model, over all runs kept and all plans (the AI counters). */
  readonly aiUsage: readonly AiUsageItem[];
}

/**
 * Runs per status, pending HITL requests and AI usage over all DAGs (Prometheus: aggregate numbers only). AI usage is
 * read from the store, not counted in memory, so that calls made by every worker process show, not only this one's.
 */
export function getGaugeCounts(store: Store): Promise<GaugeCounts> {
  return store.read(async (db) => ({
    ...(await gaugeCounts(db)),
    aiUsage: await usageItems(db, {}, 'all'),
  }));
}

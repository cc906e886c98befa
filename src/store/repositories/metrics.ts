/**
 * Read-only figures for monitoring: HITL response times and outcomes, agent and tool statistics, run totals. Every
 * query takes an optional list of DAG ids (the DAGs the caller may see; an empty list matches nothing) and works on
 * both dialects. Timestamps are ISO 8601 UTC text: durations are computed per dialect (`julianday` on SQLite, a cast
 * to timestamptz on PostgreSQL). Counts come back as numbers whatever the driver returns (PostgreSQL's bigint and
 * numeric arrive as text).
 */
import { sql, type RawBuilder } from 'kysely';

import type { Tx } from '../port.js';
import { isPostgres } from './sql-dialect.js';
import { num, numOrNull } from './numbers.js';

export interface MetricsFilter {
  /** Only figures of runs of these DAGs (an empty list matches nothing). */
  readonly dagIds?: readonly string[];
}

/** Seconds from one text timestamp column to another; null when either is null. */
function secondsBetween(tx: Tx, from: string, to: string): RawBuilder<number | null> {
  if (isPostgres(tx)) {
    return sql<
      number | null
    >`extract(epoch from (${sql.ref(to)}::timestamptz - ${sql.ref(from)}::timestamptz))::float8`;
  }
  return sql<number | null>`((julianday(${sql.ref(to)}) - julianday(${sql.ref(from)})) * 86400.0)`;
}

/** HITL statuses whose time from creation to response counts towards the average approval time. */
export const TIMED_HITL_STATUSES = ['approved', 'rejected', 'completed'] as const;

export interface HitlStatusRow {
  readonly dagId: string;
  readonly status: string;
  readonly count: number;
  /** Sum of seconds from created_at to responded_at over the timed rows (approved, rejected, completed). */
  readonly totalSeconds: number;
  /** How many rows the sum covers. */
  readonly timed: number;
}

/** HITL requests counted per DAG and status, with the response-time sums the averages are made of. */
export async function hitlStatusCounts(
  tx: Tx,
  filter: MetricsFilter = {},
): Promise<HitlStatusRow[]> {
  if (filter.dagIds?.length === 0) return [];
  const timed = sql<boolean>`${sql.ref('h.status')} in (${sql.join([...TIMED_HITL_STATUSES])}) and ${sql.ref('h.responded_at')} is not null`;
  const seconds = secondsBetween(tx, 'h.created_at', 'h.responded_at');
  let query = tx
    .selectFrom('hitl_requests as h')
    .innerJoin('workflows as w', 'w.workflow_id', 'h.workflow_id')
    .select((eb) => [
      'w.dag_id as dagId',
      'h.status as status',
      eb.fn.countAll().as('count'),
      sql<unknown>`sum(case when ${timed} then ${seconds} end)`.as('totalSeconds'),
      sql<unknown>`sum(case when ${timed} then 1 else 0 end)`.as('timed'),
    ])
    .groupBy(['w.dag_id', 'h.status'])
    .orderBy('w.dag_id')
    .orderBy('h.status');
  if (filter.dagIds) query = query.where('w.dag_id', 'in', [...filter.dagIds]);
  const rows = await query.execute();
  return rows.map((row) => ({
    dagId: row.dagId,
    status: row.status,
    count: num(row.count),
    totalSeconds: num(row.totalSeconds),
    timed: num(row.timed),
  }));
}

export interface AgentStatsRow {
  readonly agentId: string;
  readonly kind: string;
  readonly total: number;
  readonly successful: number;
  readonly failed: number;
  readonly avgDurationSeconds: number | null;
}

/** Executions (one per attempt) per agent or tool: seed 001's statistics, timed by `duration_ms`. */
export async function agentStats(tx: Tx, filter: MetricsFilter = {}): Promise<AgentStatsRow[]> {
  if (filter.dagIds?.length === 0) return [];
  let query = tx
    .selectFrom('agent_executions as e')
    .select((eb) => [
      'e.agent_id as agentId',
      'e.kind as kind',
      eb.fn.countAll().as('total'),
      sql<unknown>`sum(case when ${sql.ref('e.status')} = 'completed' then 1 else 0 end)`.as(
        'successful',
      ),
      sql<unknown>`sum(case when ${sql.ref('e.status')} = 'failed' then 1 else 0 end)`.as('failed'),
      sql<unknown>`avg(${sql.ref('e.duration_ms')}) / 1000.0`.as('avgDurationSeconds'),
    ])
    // AI nodes' model and tool calls have their own figures (`aiUsageRows`).
    .where('e.kind', 'in', ['agent', 'tool'])
    .groupBy(['e.agent_id', 'e.kind'])
    .orderBy('e.kind')
    .orderBy('e.agent_id');
  if (filter.dagIds) {
    const dagIds = [...filter.dagIds];
    query = query.where('e.workflow_id', 'in', (eb) =>
      eb.selectFrom('workflows').select('workflow_id').where('dag_id', 'in', dagIds),
    );
  }
  const rows = await query.execute();
  return rows.map((row) => ({
    agentId: row.agentId,
    kind: row.kind,
    total: num(row.total),
    successful: num(row.successful),
    failed: num(row.failed),
    avgDurationSeconds: numOrNull(row.avgDurationSeconds),
  }));
}

export interface ExecutionFilter extends MetricsFilter {
  /** Only this run. */
  readonly workflowId?: string;
}

export interface RunStatusRow {
  readonly status: string;
  readonly count: number;
  /** Sum of seconds from started_at to completed_at over the runs that have both. */
  readonly totalSeconds: number;
  readonly timed: number;
}

export interface ExecutionTotals {
  readonly runs: readonly RunStatusRow[];
  /** Node rows of the runs. */
  readonly nodeCount: number;
  /** Claims of those nodes, retries included. */
  readonly attempts: number;
  /** HITL requests of the runs that someone (or a timeout) decided. */
  readonly humanInterventions: number;
  /** Agent executions (not tools), one per attempt. */
  readonly aiCalls: number;
}

/** Seed 004's execution metrics, for one run or summed over the runs the filter selects. */
export async function executionTotals(
  tx: Tx,
  filter: ExecutionFilter = {},
): Promise<ExecutionTotals> {
  if (filter.dagIds?.length === 0) {
    return { runs: [], nodeCount: 0, attempts: 0, humanInterventions: 0, aiCalls: 0 };
  }
  const dagIds = filter.dagIds ? [...filter.dagIds] : undefined;
  const { workflowId } = filter;
  const seconds = secondsBetween(tx, 'w.started_at', 'w.completed_at');
  const timed = sql<boolean>`${sql.ref('w.started_at')} is not null and ${sql.ref('w.completed_at')} is not null`;

  let runs = tx
    .selectFrom('workflows as w')
    .select((eb) => [
      'w.status as status',
      eb.fn.countAll().as('count'),
      sql<unknown>`sum(case when ${timed} then ${seconds} end)`.as('totalSeconds'),
      sql<unknown>`sum(case when ${timed} then 1 else 0 end)`.as('timed'),
    ])
    .groupBy('w.status')
    .orderBy('w.status');
  if (dagIds) runs = runs.where('w.dag_id', 'in', dagIds);
  if (workflowId !== undefined) runs = runs.where('w.workflow_id', '=', workflowId);

  let nodes = tx
    .selectFrom('workflow_nodes as n')
    .innerJoin('workflows as w', 'w.workflow_id', 'n.workflow_id')
    .select((eb) => [
      eb.fn.countAll().as('nodeCount'),
      sql<unknown>`coalesce(sum(${sql.ref('n.attempt')}), 0)`.as('attempts'),
    ]);
  if (dagIds) nodes = nodes.where('w.dag_id', 'in', dagIds);
  if (workflowId !== undefined) nodes = nodes.where('w.workflow_id', '=', workflowId);

  let decided = tx
    .selectFrom('hitl_requests as h')
    .innerJoin('workflows as w', 'w.workflow_id', 'h.workflow_id')
    .select((eb) => eb.fn.countAll().as('count'))
    .where('h.status', '<>', 'pending');
  if (dagIds) decided = decided.where('w.dag_id', 'in', dagIds);
  if (workflowId !== undefined) decided = decided.where('w.workflow_id', '=', workflowId);

  let calls = tx
    .selectFrom('agent_executions as e')
    .innerJoin('workflows as w', 'w.workflow_id', 'e.workflow_id')
    .select((eb) => eb.fn.countAll().as('count'))
    .where('e.kind', '=', 'agent');
  if (dagIds) calls = calls.where('w.dag_id', 'in', dagIds);
  if (workflowId !== undefined) calls = calls.where('w.workflow_id', '=', workflowId);

  const runRows = await runs.execute();
  const nodeRow = await nodes.executeTakeFirst();
  const decidedRow = await decided.executeTakeFirst();
  const callRow = await calls.executeTakeFirst();
  return {
    runs: runRows.map((row) => ({
      status: row.status,
      count: num(row.count),
      totalSeconds: num(row.totalSeconds),
      timed: num(row.timed),
    })),
    nodeCount: num(nodeRow?.nodeCount),
    attempts: num(nodeRow?.attempts),
    humanInterventions: num(decidedRow?.count),
    aiCalls: num(callRow?.count),
  };
}

/** Runs per status and pending HITL requests, all DAGs: the gauges a Prometheus scrape reads. */
export async function gaugeCounts(
  tx: Tx,
): Promise<{ runs: { status: string; count: number }[]; pendingHitl: number }> {
  const runs = await tx
    .selectFrom('workflows')
    .select((eb) => ['status', eb.fn.countAll().as('count')])
    .groupBy('status')
    .execute();
  const pending = await tx
    .selectFrom('hitl_requests')
    .select((eb) => eb.fn.countAll().as('count'))
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return {
    runs: runs.map((row) => ({ status: row.status, count: num(row.count) })),
    pendingHitl: num(pending?.count),
  };
}

export interface RunDayRow {
  /** `YYYY-MM-DD`, in UTC (the day part of the stored timestamp). */
  readonly day: string;
  readonly status: string;
  readonly count: number;
}

/** Runs started on or after `since`, counted per UTC day and current status (the created_at index bounds the scan). */
export async function runsPerDay(
  tx: Tx,
  filter: MetricsFilter & { readonly since: string },
): Promise<RunDayRow[]> {
  if (filter.dagIds?.length === 0) return [];
  const day = sql<string>`substr(${sql.ref('created_at')}, 1, 10)`;
  let query = tx
    .selectFrom('workflows')
    .select((eb) => [day.as('day'), 'status', eb.fn.countAll().as('count')])
    .where('created_at', '>=', filter.since)
    .groupBy([day, 'status'])
    .orderBy(day);
  if (filter.dagIds) query = query.where('dag_id', 'in', [...filter.dagIds]);
  return (await query.execute()).map((row) => ({
    day: row.day,
    status: row.status,
    count: num(row.count),
  }));
}

/**
 * Retention: removes finished runs (completed, failed, cancelled) with every row that belongs to them. A pending,
 * running or paused run is never touched, and neither is a finished run with such a run below it (a child still
 * working reports to its parent). Lists of ids are bound as one parameter (`inList`), whatever their length.
 */
import { CompiledQuery } from 'kysely';

import type { Tx } from '../port.js';
import { inList, isPostgres } from './sql-dialect.js';

/** The statuses a run never leaves. */
export const FINISHED_RUN_STATUSES = ['completed', 'failed', 'cancelled'] as const;

/** Rows removed (or, on a dry run, that would be removed), by table. */
export interface RetentionCounts {
  readonly workflows: number;
  readonly workflow_nodes: number;
  readonly workflow_events: number;
  readonly hitl_requests: number;
  readonly hitl_decisions: number;
  readonly agent_executions: number;
}

export interface RetentionOptions {
  /** ISO 8601 UTC: runs that finished before this instant go. */
  readonly cutoff: string;
  /** Counts only; nothing is deleted. */
  readonly dryRun?: boolean;
}

interface RunRow {
  readonly workflow_id: string;
  readonly status: string;
}

interface ChildRow extends RunRow {
  readonly parent_workflow_id: string;
}

async function query<R>(tx: Tx, text: string, params: unknown[]): Promise<R[]> {
  return (await tx.executeQuery<R>(CompiledQuery.raw(text, params))).rows;
}

function isFinished(status: string): boolean {
  return (FINISHED_RUN_STATUSES as readonly string[]).includes(status);
}

/** The runs to delete: finished before the cutoff, plus their finished descendants, less any with a live one. */
async function selectRuns(tx: Tx, cutoff: string): Promise<string[]> {
  const postgres = isPostgres(tx);
  const params: unknown[] = [];
  const statusTest = inList(postgres, 'status', [...FINISHED_RUN_STATUSES], 'text', params);
  params.push(cutoff);
  const cutoffSlot = postgres ? `$${params.length}` : '?';
  const roots = await query<RunRow>(
    tx,
    `select workflow_id, status from workflows where ${statusTest} ` +
      `and coalesce(completed_at, updated_at, created_at) < ${cutoffSlot}`,
    params,
  );

  const parentOf = new Map<string, string | null>(roots.map((r) => [r.workflow_id, null]));
  const blocked = new Set<string>();
  let frontier = roots.map((r) => r.workflow_id);
  while (frontier.length > 0) {
    const childParams: unknown[] = [];
    const parentTest = inList(postgres, 'parent_workflow_id', frontier, 'text', childParams);
    const children = await query<ChildRow>(
      tx,
      `select workflow_id, status, parent_workflow_id from workflows where ${parentTest}`,
      childParams,
    );
    const next: string[] = [];
    for (const child of children) {
      if (parentOf.has(child.workflow_id)) continue;
      if (isFinished(child.status)) {
        parentOf.set(child.workflow_id, child.parent_workflow_id);
        next.push(child.workflow_id);
      } else {
        blocked.add(child.parent_workflow_id);
      }
    }
    frontier = next;
  }

  // A run with a live descendant stays, and so do the runs above it.
  const kept = new Set<string>();
  for (const id of blocked) {
    for (let at: string | null | undefined = id; at != null && !kept.has(at);) {
      kept.add(at);
      at = parentOf.get(at);
    }
  }
  return [...parentOf.keys()].filter((id) => !kept.has(id));
}

async function countOrDelete(
  tx: Tx,
  table: string,
  where: (params: unknown[]) => string,
  dryRun: boolean,
): Promise<number> {
  const params: unknown[] = [];
  const condition = where(params);
  if (dryRun) {
    const [row] = await query<{ n: number | string }>(
      tx,
      `select count(*) as n from ${table} where ${condition}`,
      params,
    );
    return Number(row?.n ?? 0);
  }
  const result = await tx.executeQuery(
    CompiledQuery.raw(`delete from ${table} where ${condition}`, params),
  );
  return Number(result.numAffectedRows ?? 0);
}

/**
 * Deletes (or counts, with `dryRun`) the finished runs older than the cutoff and their nodes, events, requests with
 * their decisions, and agent executions, and their finished child runs. Run it inside one transaction.
 */
export async function deleteFinishedRuns(
  tx: Tx,
  options: RetentionOptions,
): Promise<RetentionCounts> {
  const dryRun = options.dryRun ?? false;
  const ids = await selectRuns(tx, options.cutoff);
  if (ids.length === 0) {
    return {
      workflows: 0,
      workflow_nodes: 0,
      workflow_events: 0,
      hitl_requests: 0,
      hitl_decisions: 0,
      agent_executions: 0,
    };
  }
  const postgres = isPostgres(tx);
  const byRun = (params: unknown[]) => inList(postgres, 'workflow_id', ids, 'text', params);
  const hitlDecisions = await countOrDelete(
    tx,
    'hitl_decisions',
    (params) => `request_id in (select request_id from hitl_requests where ${byRun(params)})`,
    dryRun,
  );
  const hitlRequests = await countOrDelete(tx, 'hitl_requests', byRun, dryRun);
  const agentExecutions = await countOrDelete(tx, 'agent_executions', byRun, dryRun);
  // Snapshots and rollbacks are a run's history too; they go with it, uncounted (they are not seed 001's).
  for (const table of ['workflow_snapshots', 'workflow_compensations', 'workflow_rollbacks']) {
    await countOrDelete(tx, table, byRun, dryRun);
  }
  const events = await countOrDelete(tx, 'workflow_events', byRun, dryRun);
  const nodes = await countOrDelete(tx, 'workflow_nodes', byRun, dryRun);
  const workflows = await countOrDelete(tx, 'workflows', byRun, dryRun);
  return {
    workflows,
    workflow_nodes: nodes,
    workflow_events: events,
    hitl_requests: hitlRequests,
    hitl_decisions: hitlDecisions,
    agent_executions: agentExecutions,
  };
}

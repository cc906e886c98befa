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
  /** ISO 8601 UTC: runs that finished before this instant go. Absent: only the DAGs of `dagCutoffs` lose runs. */
  readonly cutoff?: string;
  /** Per DAG id, a cutoff that replaces `cutoff` for that DAG's runs (its own retention). */
  readonly dagCutoffs?: Readonly<Record<string, string>>;
  /** Counts only; nothing is deleted. */
  readonly dryRun?: boolean;
}

/** Where a batch stopped: the oldest-first order of finished runs, by finish time then id. */
export interface RetentionCursor {
  readonly finishedAt: string;
  readonly workflowId: string;
}

export interface RetentionBatchOptions extends RetentionOptions {
  /** At most this many runs picked by age (their finished child runs come along, so a batch may hold more). */
  readonly limit: number;
  /** The previous batch's `last`: runs kept for a live child are not picked again batch after batch. */
  readonly after?: RetentionCursor;
}

export interface RetentionBatch {
  readonly counts: RetentionCounts;
  /** Where the next batch starts; null when this one reached the end. */
  readonly last: RetentionCursor | null;
}

/** Outbox rows removed: delivered, failed or skipped messages, with their attempts. */
export interface OutboxRetentionCounts {
  readonly outbox_messages: number;
  readonly outbox_attempts: number;
}

/** The outbox statuses a message never leaves. */
const FINISHED_MESSAGE_STATUSES = ['sent', 'failed', 'skipped'] as const;

/** A run's age is counted from when it finished; older rows without `completed_at` fall back to what they have. */
const FINISHED_AT = 'coalesce(completed_at, updated_at, created_at)';

interface RunRow {
  readonly workflow_id: string;
  readonly status: string;
}

interface RootRow extends RunRow {
  readonly finished_at: string;
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

/** Binds a value and returns its placeholder. */
function bind(postgres: boolean, params: unknown[], value: unknown): string {
  params.push(value);
  return postgres ? `$${params.length}` : '?';
}

/**
 * The finished runs older than their cutoff: the DAG's own where it has one, else the global one. Oldest first,
 * from `after` on, at most `limit` when given.
 */
async function selectRoots(
  tx: Tx,
  options: RetentionOptions & { readonly limit?: number; readonly after?: RetentionCursor },
): Promise<RootRow[]> {
  const postgres = isPostgres(tx);
  const params: unknown[] = [];
  const statusTest = inList(postgres, 'status', [...FINISHED_RUN_STATUSES], 'text', params);
  const ages: string[] = [];
  const dagCutoffs = Object.entries(options.dagCutoffs ?? {});
  if (options.cutoff !== undefined) {
    const own = dagCutoffs.map(([dagId]) => dagId);
    const others =
      own.length > 0 ? `not (${inList(postgres, 'dag_id', own, 'text', params)}) and ` : '';
    ages.push(`(${others}${FINISHED_AT} < ${bind(postgres, params, options.cutoff)})`);
  }
  // DAGs sharing a retention share a cutoff: one condition per distinct limit, not one per DAG.
  const byCutoff = new Map<string, string[]>();
  for (const [dagId, cutoff] of dagCutoffs) {
    byCutoff.set(cutoff, [...(byCutoff.get(cutoff) ?? []), dagId]);
  }
  for (const [cutoff, dagIds] of byCutoff) {
    const dagTest = inList(postgres, 'dag_id', dagIds, 'text', params);
    ages.push(`(${dagTest} and ${FINISHED_AT} < ${bind(postgres, params, cutoff)})`);
  }
  if (ages.length === 0) return [];
  let text =
    `select workflow_id, status, ${FINISHED_AT} as finished_at from workflows ` +
    `where ${statusTest} and (${ages.join(' or ')})`;
  if (options.after) {
    const at = bind(postgres, params, options.after.finishedAt);
    const atAgain = bind(postgres, params, options.after.finishedAt);
    const id = bind(postgres, params, options.after.workflowId);
    text += ` and (${FINISHED_AT} > ${at} or (${FINISHED_AT} = ${atAgain} and workflow_id > ${id}))`;
  }
  if (options.limit !== undefined) {
    text += ` order by ${FINISHED_AT}, workflow_id limit ${bind(postgres, params, options.limit)}`;
  }
  return query<RootRow>(tx, text, params);
}

/** The runs to delete: the roots, plus their finished descendants, less any with a live one. */
async function selectRuns(tx: Tx, roots: readonly RootRow[]): Promise<string[]> {
  const postgres = isPostgres(tx);

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
  const ids = [...parentOf.keys()].filter((id) => !kept.has(id));
  if (!postgres || ids.length === 0) return ids;
  // Under PostgreSQL's read committed, a failed run retried since it was read would be deleted while it runs again:
  // lock the rows, and keep whichever is no longer finished together with the runs above it. (SQLite has one writer.)
  const lockParams: unknown[] = [];
  const locked = await query<RunRow>(
    tx,
    `select workflow_id, status from workflows where ${inList(true, 'workflow_id', ids, 'text', lockParams)} ` +
      `order by workflow_id for update`,
    lockParams,
  );
  const revived = locked.filter((row) => !isFinished(row.status)).map((row) => row.workflow_id);
  if (revived.length === 0) return ids;
  const spared = new Set<string>();
  for (const id of revived) {
    for (let at: string | null | undefined = id; at != null && !spared.has(at);) {
      spared.add(at);
      at = parentOf.get(at);
    }
  }
  return ids.filter((id) => !spared.has(id));
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
  return deleteRuns(tx, await selectRuns(tx, await selectRoots(tx, options)), options);
}

/**
 * {@link deleteFinishedRuns} for at most `limit` runs (oldest first) and their finished children, so that a
 * retention pass holds SQLite's writer for one short transaction at a time. Deleting is idempotent: two processes
 * running batches at once delete each run once, and the later one finds nothing left.
 */
export async function deleteFinishedRunBatch(
  tx: Tx,
  options: RetentionBatchOptions,
): Promise<RetentionBatch> {
  const roots = await selectRoots(tx, options);
  const counts = await deleteRuns(tx, await selectRuns(tx, roots), options);
  const tail = roots.length < options.limit ? undefined : roots[roots.length - 1];
  return {
    counts,
    last: tail ? { finishedAt: tail.finished_at, workflowId: tail.workflow_id } : null,
  };
}

/**
 * Deletes at most `limit` outbox messages that were delivered, failed or skipped before `cutoff`, with their
 * attempts. A message still pending is never touched.
 */
export async function deleteFinishedMessages(
  tx: Tx,
  options: { readonly cutoff: string; readonly limit: number },
): Promise<OutboxRetentionCounts> {
  const postgres = isPostgres(tx);
  const params: unknown[] = [];
  const statusTest = inList(postgres, 'status', [...FINISHED_MESSAGE_STATUSES], 'text', params);
  const rows = await query<{ message_id: string }>(
    tx,
    `select message_id from outbox_messages where ${statusTest} ` +
      `and updated_at < ${bind(postgres, params, options.cutoff)} ` +
      `order by updated_at, message_id limit ${bind(postgres, params, options.limit)}`,
    params,
  );
  const ids = rows.map((row) => row.message_id);
  if (ids.length === 0) return { outbox_messages: 0, outbox_attempts: 0 };
  const byMessage = (params: unknown[]) => inList(postgres, 'message_id', ids, 'text', params);
  const attempts = await countOrDelete(tx, 'outbox_attempts', byMessage, false);
  const messages = await countOrDelete(tx, 'outbox_messages', byMessage, false);
  return { outbox_messages: messages, outbox_attempts: attempts };
}

async function deleteRuns(
  tx: Tx,
  ids: readonly string[],
  options: RetentionOptions,
): Promise<RetentionCounts> {
  const dryRun = options.dryRun ?? false;
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
  // The requests' decision links go with them, uncounted like the snapshots below (they are not seed 001's).
  await countOrDelete(
    tx,
    'action_tokens',
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

/** The definition (JSON text) of each DAG's latest version: where its own retention is read. */
export async function listLatestDagDefinitions(
  tx: Tx,
): Promise<{ readonly dagId: string; readonly definition: string }[]> {
  const rows = await tx
    .selectFrom('dags')
    .innerJoin('dag_versions', (join) =>
      join
        .onRef('dag_versions.dag_id', '=', 'dags.dag_id')
        .onRef('dag_versions.version', '=', 'dags.latest_version'),
    )
    .select(['dags.dag_id as dagId', 'dag_versions.definition as definition'])
    .execute();
  // PostgreSQL may hand a json column back parsed; callers get text either way.
  return rows.map((row) => ({
    dagId: row.dagId,
    definition:
      typeof row.definition === 'string' ? row.definition : JSON.stringify(row.definition),
  }));
}

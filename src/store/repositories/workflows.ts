import { sql } from 'kysely';

import type { Tx } from '../port.js';
import type { Selectable, Updateable } from 'kysely';

import type { WorkflowsTable } from '../schema.js';
import {
  execute,
  ident,
  inList,
  insertRows,
  isPostgres,
  runPerRow,
  unnestCte,
  type ColumnKind,
  type ColumnSpec,
} from './sql-dialect.js';
import { afterKeyset } from './keyset.js';

/** What a state transition needs of a run (read for every batch, so kept narrow). */
export interface RunHeader {
  readonly workflowId: string;
  readonly dagId: string;
  readonly dagVersion: number;
  readonly status: string;
  readonly pauseReason: string | null;
  readonly input: string | null;
  readonly createdBy: string | null;
  readonly parentWorkflowId: string | null;
  readonly parentNodeId: string | null;
  /** Seed 003's context variables, as JSON (null: none set). */
  readonly context: string | null;
}

export interface WorkflowRecord extends RunHeader {
  readonly name: string | null;
  readonly description: string | null;
  readonly result: string | null;
  readonly error: string | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly completedAt: string | null;
  readonly updatedAt: string | null;
  readonly deadlineAt: string | null;
}

export interface NewWorkflow {
  readonly workflowId: string;
  readonly dagId: string;
  readonly dagVersion: number;
  readonly name: string | null;
  readonly description: string | null;
  readonly status: string;
  readonly input: string | null;
  readonly graphJson: string | null;
  readonly createdBy: string | null;
  readonly now: string;
  readonly deadlineAt: string | null;
  readonly parentWorkflowId: string | null;
  readonly parentNodeId: string | null;
}

export type WorkflowChanges = Pick<
  Updateable<WorkflowsTable>,
  | 'status'
  | 'pause_reason'
  | 'result'
  | 'error'
  | 'started_at'
  | 'completed_at'
  | 'updated_at'
  | 'context'
>;

const columns = [
  'workflow_id',
  'dag_id',
  'dag_version',
  'name',
  'description',
  'status',
  'pause_reason',
  'input',
  'result',
  'error',
  'created_by',
  'created_at',
  'started_at',
  'completed_at',
  'updated_at',
  'deadline_at',
  'parent_workflow_id',
  'parent_node_id',
  'context',
] as const;

type Row = Pick<Selectable<WorkflowsTable>, (typeof columns)[number]>;

function toRecord(row: Row): WorkflowRecord {
  return {
    workflowId: row.workflow_id,
    dagId: row.dag_id,
    dagVersion: row.dag_version,
    name: row.name,
    description: row.description,
    status: row.status,
    pauseReason: row.pause_reason,
    input: row.input,
    result: row.result,
    error: row.error,
    createdBy: row.created_by,
    createdAt: row.created_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    updatedAt: row.updated_at,
    deadlineAt: row.deadline_at,
    parentWorkflowId: row.parent_workflow_id,
    parentNodeId: row.parent_node_id,
    context: row.context,
  };
}

const newRunColumns: ColumnSpec[] = [
  { name: 'workflow_id', kind: 'text' },
  { name: 'dag_id', kind: 'text' },
  { name: 'dag_version', kind: 'integer' },
  { name: 'name', kind: 'text' },
  { name: 'description', kind: 'text' },
  { name: 'status', kind: 'text' },
  { name: 'input', kind: 'json' },
  { name: 'graph_json', kind: 'json' },
  { name: 'created_by', kind: 'text' },
  { name: 'created_at', kind: 'text' },
  { name: 'started_at', kind: 'text' },
  { name: 'updated_at', kind: 'text' },
  { name: 'deadline_at', kind: 'text' },
  { name: 'parent_workflow_id', kind: 'text' },
  { name: 'parent_node_id', kind: 'text' },
];

export async function insertWorkflows(tx: Tx, runs: readonly NewWorkflow[]): Promise<void> {
  await insertRows(
    tx,
    'workflows',
    newRunColumns,
    runs.map((run) => [
      run.workflowId,
      run.dagId,
      run.dagVersion,
      run.name,
      run.description,
      run.status,
      run.input,
      run.graphJson,
      run.createdBy,
      run.now,
      run.now,
      run.now,
      run.deadlineAt,
      run.parentWorkflowId,
      run.parentNodeId,
    ]),
  );
}

export async function getWorkflow(tx: Tx, workflowId: string): Promise<WorkflowRecord | undefined> {
  const row = await tx
    .selectFrom('workflows')
    .select(columns)
    .where('workflow_id', '=', workflowId)
    .executeTakeFirst();
  return row && toRecord(row);
}

const headerColumns = [
  'workflow_id',
  'dag_id',
  'dag_version',
  'status',
  'pause_reason',
  'input',
  'created_by',
  'parent_workflow_id',
  'parent_node_id',
  'context',
] as const;

type HeaderRow = Pick<Selectable<WorkflowsTable>, (typeof headerColumns)[number]>;

function toRunHeader(row: HeaderRow): RunHeader {
  return {
    workflowId: row.workflow_id,
    dagId: row.dag_id,
    dagVersion: row.dag_version,
    status: row.status,
    pauseReason: row.pause_reason,
    input: row.input,
    createdBy: row.created_by,
    parentWorkflowId: row.parent_workflow_id,
    parentNodeId: row.parent_node_id,
    context: row.context,
  };
}

/**
 * Reads runs for a state transition. With `lock`, the rows stay locked until the transaction ends, taken in id
 * order so that two transactions locking overlapping sets cannot deadlock; every transition of a run goes through
 * here first, which serialises them (two workers completing the two inputs of a join must not both miss the other).
 */
export async function lockWorkflows(
  tx: Tx,
  workflowIds: readonly string[],
  lock: boolean,
): Promise<RunHeader[]> {
  if (workflowIds.length === 0) return [];
  const params: unknown[] = [];
  const ids = [...new Set(workflowIds)].sort();
  const where = inList(isPostgres(tx), 'workflow_id', ids, 'text', params);
  const rows = await execute<HeaderRow>(
    tx,
    `select ${headerColumns.join(', ')} from workflows where ${where} order by workflow_id${lock ? ' for update' : ''}`,
    params,
  );
  return rows.map(toRunHeader);
}

const changeKinds: Record<keyof WorkflowChanges, ColumnKind> = {
  status: 'text',
  pause_reason: 'text',
  result: 'json',
  error: 'text',
  started_at: 'text',
  completed_at: 'text',
  updated_at: 'text',
  context: 'json',
};

/**
 * Applies the changes of many runs; runs changed the same way (the same columns) share one set-based statement.
 * Unlike `updateWorkflow`, unconditional: the caller holds the runs locked.
 */
export async function updateWorkflows(
  tx: Tx,
  updates: ReadonlyMap<string, WorkflowChanges>,
): Promise<void> {
  const groups = new Map<string, [string, WorkflowChanges][]>();
  for (const entry of updates) {
    const shape = Object.keys(entry[1]).sort().join(',');
    if (shape === '') continue;
    const group = groups.get(shape) ?? [];
    group.push(entry);
    groups.set(shape, group);
  }
  const postgres = isPostgres(tx);
  for (const group of groups.values()) {
    const columns = (Object.keys(group[0]![1]) as (keyof WorkflowChanges)[]).sort();
    const rows = group.map(([id, set]) => [id, ...columns.map((c) => set[c] ?? null)]);
    if (!postgres) {
      const text = `update workflows set ${columns.map((c) => `${ident(c)} = ?`).join(', ')} where workflow_id = ?`;
      await runPerRow(
        tx,
        text,
        rows.map(([id, ...values]) => [...values, id]),
      );
      continue;
    }
    const params: unknown[] = [];
    const source = unnestCte(
      [
        { name: 'id', kind: 'text' },
        ...columns.map((name) => ({ name: `set_${name}`, kind: changeKinds[name] })),
      ],
      rows,
      params,
    );
    const assignments = columns.map((c) => `${ident(c)} = v.${ident(`set_${c}`)}`).join(', ');
    await execute(
      tx,
      `${source} update workflows set ${assignments} from v where workflows.workflow_id = v.id`,
      params,
    );
  }
}

/** The run of a HITL request, locked (on PostgreSQL) before the request itself, in the order transitions lock. */
export async function lockRunOfRequest(
  tx: Tx,
  requestId: string,
  lock: boolean,
): Promise<RunHeader | undefined> {
  const postgres = isPostgres(tx);
  const [row] = await execute<HeaderRow>(
    tx,
    `select ${headerColumns.join(', ')} from workflows where workflow_id = ` +
      `(select workflow_id from hitl_requests where request_id = ${postgres ? '$1' : '?'})` +
      (lock ? ' for update' : ''),
    [requestId],
  );
  return row && toRunHeader(row);
}

/** Applies changes to one run when it is still in one of `expectedStatuses`; true when it was. */
export async function updateWorkflow(
  tx: Tx,
  workflowId: string,
  changes: WorkflowChanges,
  expectedStatuses?: readonly string[],
): Promise<boolean> {
  let query = tx.updateTable('workflows').set(changes).where('workflow_id', '=', workflowId);
  if (expectedStatuses) query = query.where('status', 'in', expectedStatuses);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export interface WorkflowListFilter {
  readonly status?: string;
  readonly dagId?: string;
  /** The DAG version the runs used (with `dagId`). */
  readonly version?: number;
  /** ISO timestamps: runs started at or after `since`, before `until`. */
  readonly since?: string;
  readonly until?: string;
  /** Only runs paused on a request for a person (true), or only the others (false). */
  readonly waitingOnPeople?: boolean;
  /** Only runs of these DAGs (an empty list matches nothing). */
  readonly dagIds?: readonly string[];
  readonly limit: number;
  /** Continue after this run: `createdAt|workflowId` of the last run of the previous page. */
  readonly after?: { readonly createdAt: string; readonly workflowId: string };
}

/** Newest first, keyset-paginated on (created_at, workflow_id). */
export async function listWorkflows(tx: Tx, filter: WorkflowListFilter): Promise<WorkflowRecord[]> {
  if (filter.dagIds?.length === 0) return [];
  let query = tx
    .selectFrom('workflows')
    .select(columns)
    .orderBy('created_at', 'desc')
    .orderBy('workflow_id', 'desc')
    .limit(filter.limit);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.dagId) query = query.where('dag_id', '=', filter.dagId);
  if (filter.version !== undefined) query = query.where('dag_version', '=', filter.version);
  if (filter.dagIds) query = query.where('dag_id', 'in', [...filter.dagIds]);
  if (filter.since) query = query.where('created_at', '>=', filter.since);
  if (filter.until) query = query.where('created_at', '<', filter.until);
  if (filter.waitingOnPeople === true) {
    query = query.where('status', '=', 'paused').where('pause_reason', '=', 'hitl');
  } else if (filter.waitingOnPeople === false) {
    query = query.where((eb) =>
      eb.or([
        eb('status', '!=', 'paused'),
        eb('pause_reason', 'is', null),
        eb('pause_reason', '!=', 'hitl'),
      ]),
    );
  }
  if (filter.after) {
    const { createdAt: time, workflowId: id } = filter.after;
    query = query.where(
      afterKeyset({ time: 'created_at', id: 'workflow_id' }, { time, id }, 'desc'),
    );
  }
  return (await query.execute()).map(toRecord);
}

/** Running or user-paused runs whose deadline has passed. */
export async function findOverdueWorkflows(tx: Tx, now: string, limit: number): Promise<string[]> {
  const rows = await tx
    .selectFrom('workflows')
    .select('workflow_id')
    .where('deadline_at', 'is not', null)
    .where('deadline_at', '<=', now)
    .where('status', 'in', ['running', 'paused'])
    .limit(limit)
    .execute();
  return rows.map((row) => row.workflow_id);
}

export async function listChildWorkflows(
  tx: Tx,
  parentWorkflowId: string,
): Promise<WorkflowRecord[]> {
  const rows = await tx
    .selectFrom('workflows')
    .select(columns)
    .where('parent_workflow_id', '=', parentWorkflowId)
    .execute();
  return rows.map(toRecord);
}

export async function countWorkflowsByStatus(tx: Tx): Promise<Record<string, number>> {
  const rows = await tx
    .selectFrom('workflows')
    .select(['status', sql<number>`count(*)`.as('count')])
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
}

import type { Tx } from '../port.js';
import type { Selectable, Updateable } from 'kysely';

import type { WorkflowNodesTable } from '../schema.js';
import { prepareQuery, type PreparedQuery } from './prepared-query.js';
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

export interface NodeRecord {
  /** The row's key: the engine's handle on one node of one run. */
  readonly id: number;
  readonly workflowId: string;
  readonly nodeId: string;
  readonly nodeType: string | null;
  readonly agentId: string | null;
  readonly toolName: string | null;
  readonly status: string;
  readonly attempt: number;
  readonly failures: number;
  readonly readyAt: string | null;
  readonly leaseOwner: string | null;
  readonly leaseExpiresAt: string | null;
  readonly startedAt: string | null;
  readonly completedAt: string | null;
  readonly result: string | null;
  readonly error: string | null;
  readonly childWorkflowId: string | null;
}

export interface NewNode {
  readonly workflowId: string;
  readonly nodeId: string;
  readonly nodeType: string;
  readonly agentId: string | null;
  readonly toolName: string | null;
  readonly config: string | null;
}

export type NodeChanges = Pick<
  Updateable<WorkflowNodesTable>,
  | 'status'
  | 'ready_at'
  | 'result'
  | 'error'
  | 'started_at'
  | 'completed_at'
  | 'lease_owner'
  | 'lease_expires_at'
  | 'failures'
  | 'attempt'
  | 'child_workflow_id'
>;

export interface NodeUpdate {
  readonly id: number;
  readonly set: NodeChanges;
  /** Fencing: the update applies only while the row still looks like this. */
  readonly expect?: {
    readonly statuses?: readonly string[];
    readonly leaseOwner?: string;
    readonly attempt?: number;
  };
}

const columns = [
  'id',
  'workflow_id',
  'node_id',
  'node_type',
  'agent_id',
  'tool_name',
  'status',
  'attempt',
  'failures',
  'ready_at',
  'lease_owner',
  'lease_expires_at',
  'started_at',
  'completed_at',
  'result',
  'error',
  'child_workflow_id',
] as const;

type Row = Pick<Selectable<WorkflowNodesTable>, (typeof columns)[number]>;

function toRecord(row: Row): NodeRecord {
  return {
    id: Number(row.id),
    workflowId: row.workflow_id,
    nodeId: row.node_id,
    nodeType: row.node_type,
    agentId: row.agent_id,
    toolName: row.tool_name,
    status: row.status,
    attempt: row.attempt,
    failures: row.failures,
    readyAt: row.ready_at,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    result: row.result,
    error: row.error,
    childWorkflowId: row.child_workflow_id,
  };
}

const newNodeColumns: ColumnSpec[] = [
  { name: 'workflow_id', kind: 'text' },
  { name: 'node_id', kind: 'text' },
  { name: 'node_type', kind: 'text' },
  { name: 'agent_id', kind: 'text' },
  { name: 'tool_name', kind: 'text' },
  { name: 'config', kind: 'json' },
  { name: 'status', kind: 'text' },
];

/** Inserts the nodes of new runs, all pending; returns their states (with the keys the database gave them). */
export async function insertNodes(tx: Tx, nodes: readonly NewNode[]): Promise<NodeState[]> {
  const rows = await insertRows<{ id: number; workflow_id: string; node_id: string }>(
    tx,
    'workflow_nodes',
    newNodeColumns,
    nodes.map((n) => [
      n.workflowId,
      n.nodeId,
      n.nodeType,
      n.agentId,
      n.toolName,
      n.config,
      'pending',
    ]),
    'id, workflow_id, node_id',
  );
  return rows.map((row) => ({
    id: Number(row.id),
    workflowId: row.workflow_id,
    nodeId: row.node_id,
    status: 'pending',
    attempt: 0,
    failures: 0,
    readyAt: null,
    result: null,
    error: null,
    childWorkflowId: null,
  }));
}

/** Every node of the given runs, in definition order (for showing them). */
export async function loadNodes(tx: Tx, workflowIds: readonly string[]): Promise<NodeRecord[]> {
  if (workflowIds.length === 0) return [];
  const rows = await tx
    .selectFrom('workflow_nodes')
    .select(columns)
    .where('workflow_id', 'in', [...new Set(workflowIds)])
    .orderBy('id')
    .execute();
  return rows.map(toRecord);
}

/** What the engine decides on: a node's state, without what only a person looks at. */
export interface NodeState {
  readonly id: number;
  readonly workflowId: string;
  readonly nodeId: string;
  readonly status: string;
  readonly attempt: number;
  readonly failures: number;
  readonly readyAt: string | null;
  readonly result: string | null;
  readonly error: string | null;
  readonly childWorkflowId: string | null;
}

/**
 * The states of every node of the given runs: read for every batch of transitions, so it reads only the columns
 * the engine decides on (materialising a row costs more than finding it).
 */
export async function loadNodeStates(tx: Tx, workflowIds: readonly string[]): Promise<NodeState[]> {
  if (workflowIds.length === 0) return [];
  const params: unknown[] = [];
  const runs = inList(isPostgres(tx), 'workflow_id', [...new Set(workflowIds)], 'text', params);
  const rows = await execute<{
    id: number;
    workflow_id: string;
    node_id: string;
    status: string;
    attempt: number;
    failures: number;
    ready_at: string | null;
    result: string | null;
    error: string | null;
    child_workflow_id: string | null;
  }>(
    tx,
    `select id, workflow_id, node_id, status, attempt, failures, ready_at, result, error, child_workflow_id
       from workflow_nodes where ${runs}`,
    params,
  );
  return rows.map((row) => ({
    id: Number(row.id),
    workflowId: row.workflow_id,
    nodeId: row.node_id,
    status: row.status,
    attempt: row.attempt,
    failures: row.failures,
    readyAt: row.ready_at,
    result: row.result,
    error: row.error,
    childWorkflowId: row.child_workflow_id,
  }));
}

export async function getNode(
  tx: Tx,
  workflowId: string,
  nodeId: string,
): Promise<NodeRecord | undefined> {
  const row = await tx
    .selectFrom('workflow_nodes')
    .select(columns)
    .where('workflow_id', '=', workflowId)
    .where('node_id', '=', nodeId)
    .executeTakeFirst();
  return row && toRecord(row);
}

const changeKinds: Record<keyof NodeChanges, ColumnKind> = {
  status: 'text',
  ready_at: 'text',
  result: 'json',
  error: 'text',
  started_at: 'text',
  completed_at: 'text',
  lease_owner: 'text',
  lease_expires_at: 'text',
  failures: 'integer',
  attempt: 'integer',
  child_workflow_id: 'text',
};

/**
 * Applies each update (fenced by its `expect`); returns the ids of the rows that changed. Updates of the same shape
 * (the same columns set, the same fence) go in one set-based statement, so a batch of transitions costs a handful
 * of statements rather than one per node. A row updated twice in one call gets its updates merged in order.
 */
export async function updateNodes(tx: Tx, updates: readonly NodeUpdate[]): Promise<Set<number>> {
  const changed = new Set<number>();
  const groups = new Map<string, NodeUpdate[]>();
  for (const update of mergeUpdates(updates)) {
    const columns = (Object.keys(update.set) as (keyof NodeChanges)[]).sort();
    if (columns.length === 0) continue;
    const expect = update.expect;
    const shape = [
      columns.join(','),
      expect?.statuses?.join('|') ?? '',
      expect?.leaseOwner !== undefined ? 'owner' : '',
      expect?.attempt !== undefined ? 'attempt' : '',
    ].join(';');
    const group = groups.get(shape) ?? [];
    group.push(update);
    groups.set(shape, group);
  }
  for (const group of groups.values()) {
    for (const id of await updateSameShape(tx, group)) changed.add(id);
  }
  return changed;
}

/** Several updates of one row (made ready, then started, in one transaction) become one. */
function mergeUpdates(updates: readonly NodeUpdate[]): NodeUpdate[] {
  const slotById = new Map<number, number>();
  const merged: NodeUpdate[] = [];
  for (const update of updates) {
    const slot = slotById.get(update.id);
    const earlier = slot === undefined ? undefined : merged[slot];
    // A fenced update must be checked on its own; only plain ones merge.
    if (slot !== undefined && earlier && !earlier.expect && !update.expect) {
      merged[slot] = { id: update.id, set: { ...earlier.set, ...update.set } };
    } else {
      slotById.set(update.id, merged.length);
      merged.push(update);
    }
  }
  return merged;
}

async function updateSameShape(tx: Tx, updates: readonly NodeUpdate[]): Promise<number[]> {
  const first = updates[0]!;
  const columns = (Object.keys(first.set) as (keyof NodeChanges)[]).sort();
  const expect = first.expect;
  const fenceOwner = expect?.leaseOwner !== undefined;
  const fenceAttempt = expect?.attempt !== undefined;
  const statuses = expect?.statuses ?? [];
  const rowOf = (u: NodeUpdate) => [
    u.id,
    ...columns.map((name) => u.set[name] ?? null),
    ...(fenceOwner ? [u.expect?.leaseOwner ?? null] : []),
    ...(fenceAttempt ? [u.expect?.attempt ?? null] : []),
  ];

  if (!isPostgres(tx)) {
    const fence = ['id = ?'];
    if (statuses.length > 0) fence.push(`status in (${statuses.map(() => '?').join(', ')})`);
    if (fenceOwner) fence.push('lease_owner = ?');
    if (fenceAttempt) fence.push('attempt = ?');
    const text =
      `update workflow_nodes set ${columns.map((c) => `${ident(c)} = ?`).join(', ')} ` +
      `where ${fence.join(' and ')}`;
    const { changes } = await runPerRow(
      tx,
      text,
      updates.map((u) => {
        const [id, ...rest] = rowOf(u);
        return [...rest.slice(0, columns.length), id, ...statuses, ...rest.slice(columns.length)];
      }),
    );
    return updates.filter((_, i) => changes[i] === 1).map((u) => u.id);
  }

  const params: unknown[] = [];
  const source = unnestCte(
    [
      { name: 'id', kind: 'bigint' },
      ...columns.map((name) => ({ name: `set_${name}`, kind: changeKinds[name] })),
      ...(fenceOwner ? [{ name: 'expect_owner', kind: 'text' as const }] : []),
      ...(fenceAttempt ? [{ name: 'expect_attempt', kind: 'integer' as const }] : []),
    ],
    updates.map(rowOf),
    params,
  );
  const fence = ['workflow_nodes.id = v.id'];
  if (statuses.length > 0) {
    params.push(statuses);
    fence.push(`workflow_nodes.status = any($${params.length}::text[])`);
  }
  if (fenceOwner) fence.push('workflow_nodes.lease_owner = v.expect_owner');
  if (fenceAttempt) fence.push('workflow_nodes.attempt = v.expect_attempt');
  const text =
    `${source} update workflow_nodes set ${columns.map((c) => `${ident(c)} = v.${ident(`set_${c}`)}`).join(', ')} ` +
    `from v where ${fence.join(' and ')} returning workflow_nodes.id`;
  const rows = await execute<{ id: number }>(tx, text, params);
  return rows.map((row) => Number(row.id));
}

/** Changes one node, found by its run and id, if it is still in `expected` status; true when it was. */
export async function updateNodeWhere(
  tx: Tx,
  workflowId: string,
  nodeId: string,
  expected: string,
  set: NodeChanges,
): Promise<boolean> {
  const values = set as Record<string, unknown>;
  const update = updateWhereFor(Object.keys(values));
  return (await update.run(tx, { ...values, workflowId, nodeId, expected })) === 1;
}

type NodeWhere = { workflowId: string; nodeId: string; expected: string } & Record<string, unknown>;

/** One prepared compare-and-set per set of changed columns (a decision's completion or failure, a few others). */
const updatesWhere = new Map<string, PreparedQuery<NodeWhere, never>>();

function updateWhereFor(changed: readonly string[]): PreparedQuery<NodeWhere, never> {
  const key = changed.join(',');
  let update = updatesWhere.get(key);
  if (!update) {
    update = prepareQuery<NodeWhere, never>((db, slot) =>
      db
        .updateTable('workflow_nodes')
        .set(Object.fromEntries(changed.map((column) => [column, slot(column)])) as NodeChanges)
        .where('workflow_id', '=', slot('workflowId'))
        .where('node_id', '=', slot('nodeId'))
        .where('status', '=', slot('expected')),
    );
    updatesWhere.set(key, update);
  }
  return update;
}

export interface ClaimOptions {
  readonly owner: string;
  readonly now: string;
  readonly leaseExpiresAt: string;
  readonly limit: number;
  /** PostgreSQL: skip rows other workers are claiming instead of waiting for them. */
  readonly skipLocked: boolean;
  /**
   * What this worker can run: agent nodes of these agents (and agent nodes naming none, which fail with a clear
   * error), tool nodes of these tools, and timers. A process with other plugins leaves the rest to its peers.
   */
  readonly runnable: { readonly agents: readonly string[]; readonly tools: readonly string[] };
}

/**
 * Leases up to `limit` ready nodes to `owner`: each claim starts a new attempt, and the attempt number is the lease's
 * fencing token (a completion must name it). Ready means pending with `ready_at` due; the partial index on
 * claimable rows keeps this scan independent of how much history the table holds.
 */
export interface ClaimedNode {
  readonly id: number;
  readonly workflowId: string;
  readonly nodeId: string;
  readonly attempt: number;
  readonly failures: number;
}

export async function claimReadyNodes(tx: Tx, options: ClaimOptions): Promise<ClaimedNode[]> {
  if (options.limit <= 0) return [];
  let due = tx
    .selectFrom('workflow_nodes')
    .select('id')
    .where('status', '=', 'pending')
    .where('ready_at', 'is not', null)
    .where('ready_at', '<=', options.now)
    .where((eb) =>
      eb.or([
        eb('node_type', '=', 'timer'),
        eb.and([
          eb('node_type', '=', 'agent'),
          eb.or([
            eb('agent_id', 'is', null),
            ...(options.runnable.agents.length > 0
              ? [eb('agent_id', 'in', options.runnable.agents)]
              : []),
          ]),
        ]),
        ...(options.runnable.tools.length > 0
          ? [eb.and([eb('node_type', '=', 'tool'), eb('tool_name', 'in', options.runnable.tools)])]
          : []),
      ]),
    )
    .orderBy('ready_at')
    .limit(options.limit);
  if (options.skipLocked) due = due.forUpdate().skipLocked();
  const rows = await tx
    .updateTable('workflow_nodes')
    .set((eb) => ({
      status: 'running',
      attempt: eb('attempt', '+', 1),
      lease_owner: options.owner,
      lease_expires_at: options.leaseExpiresAt,
      started_at: options.now,
      ready_at: null,
    }))
    .where('id', 'in', due)
    .returning(['id', 'workflow_id', 'node_id', 'attempt', 'failures'])
    .execute();
  return rows.map((row) => ({
    id: Number(row.id),
    workflowId: row.workflow_id,
    nodeId: row.node_id,
    attempt: row.attempt,
    failures: row.failures,
  }));
}

/** When the next pending node becomes due (a timer, a retry's backoff), if any. */
export async function nextReadyAt(tx: Tx, now: string): Promise<string | undefined> {
  const row = await tx
    .selectFrom('workflow_nodes')
    .select('ready_at')
    .where('status', '=', 'pending')
    .where('ready_at', 'is not', null)
    .where('ready_at', '>', now)
    .orderBy('ready_at')
    .limit(1)
    .executeTakeFirst();
  return row?.ready_at ?? undefined;
}

export async function renewLeases(
  tx: Tx,
  owner: string,
  ids: readonly number[],
  leaseExpiresAt: string,
): Promise<void> {
  if (ids.length === 0) return;
  await tx
    .updateTable('workflow_nodes')
    .set({ lease_expires_at: leaseExpiresAt })
    .where('id', 'in', ids)
    .where('status', '=', 'running')
    .where('lease_owner', '=', owner)
    .execute();
}

/**
 * Nodes whose worker stopped renewing its lease (it died, or lost the database): made ready again, so another
 * worker runs them. The old worker is fenced out by the attempt number the next claim increments.
 */
export async function requeueExpiredLeases(
  tx: Tx,
  now: string,
  limit: number,
): Promise<NodeRecord[]> {
  const expired = tx
    .selectFrom('workflow_nodes')
    .select('id')
    .where('status', '=', 'running')
    .where('lease_expires_at', 'is not', null)
    .where('lease_expires_at', '<', now)
    .limit(limit);
  const rows = await tx
    .updateTable('workflow_nodes')
    .set({ status: 'pending', ready_at: now, lease_owner: null, lease_expires_at: null })
    .where('id', 'in', expired)
    .returning(columns)
    .execute();
  return rows.map(toRecord);
}

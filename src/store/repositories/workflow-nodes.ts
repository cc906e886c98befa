import type { Tx } from '../port.js';
import type { Selectable, Updateable } from 'kysely';

import type { WorkflowNodesTable } from '../schema.js';

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

/** Rows per multi-row INSERT: well under SQLite's and PostgreSQL's limits on bound parameters. */
const INSERT_CHUNK = 500;

export async function insertNodes(tx: Tx, nodes: readonly NewNode[]): Promise<void> {
  for (let start = 0; start < nodes.length; start += INSERT_CHUNK) {
    await tx
      .insertInto('workflow_nodes')
      .values(
        nodes.slice(start, start + INSERT_CHUNK).map((node) => ({
          workflow_id: node.workflowId,
          node_id: node.nodeId,
          node_type: node.nodeType,
          agent_id: node.agentId,
          tool_name: node.toolName,
          config: node.config,
          status: 'pending',
        })),
      )
      .execute();
  }
}

/** Every node of the given runs. */
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

export async function getNode(tx: Tx, workflowId: string, nodeId: string): Promise<NodeRecord | undefined> {
  const row = await tx
    .selectFrom('workflow_nodes')
    .select(columns)
    .where('workflow_id', '=', workflowId)
    .where('node_id', '=', nodeId)
    .executeTakeFirst();
  return row && toRecord(row);
}

/** Applies each update (fenced by its `expect`); returns the ids of the rows that changed. */
export async function updateNodes(tx: Tx, updates: readonly NodeUpdate[]): Promise<Set<number>> {
  const changed = new Set<number>();
  for (const update of updates) {
    let query = tx.updateTable('workflow_nodes').set(update.set).where('id', '=', update.id);
    const expect = update.expect;
    if (expect?.statuses) query = query.where('status', 'in', expect.statuses);
    if (expect?.leaseOwner !== undefined) query = query.where('lease_owner', '=', expect.leaseOwner);
    if (expect?.attempt !== undefined) query = query.where('attempt', '=', expect.attempt);
    const result = await query.executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) changed.add(update.id);
  }
  return changed;
}

export interface ClaimOptions {
  readonly owner: string;
  readonly now: string;
  readonly leaseExpiresAt: string;
  readonly limit: number;
  /** PostgreSQL: skip rows other workers are claiming instead of waiting for them. */
  readonly skipLocked: boolean;
}

/**
 * Leases up to `limit` ready nodes to `owner`: each claim starts a new attempt, and the attempt number is the lease's
 * fencing token (a completion must name it). Ready means pending with `ready_at` due; the partial index on
 * claimable rows keeps this scan independent of how much history the table holds.
 */
export async function claimReadyNodes(tx: Tx, options: ClaimOptions): Promise<NodeRecord[]> {
  if (options.limit <= 0) return [];
  let due = tx
    .selectFrom('workflow_nodes')
    .select('id')
    .where('status', '=', 'pending')
    .where('ready_at', 'is not', null)
    .where('ready_at', '<=', options.now)
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
    .returning(columns)
    .execute();
  return rows.map(toRecord);
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
export async function requeueExpiredLeases(tx: Tx, now: string, limit: number): Promise<NodeRecord[]> {
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

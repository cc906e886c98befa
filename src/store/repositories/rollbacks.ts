/**
 * Rollbacks and their compensations (seed 003's saga). A rollback's compensations are rows written when it starts,
 * in the order they run; each is leased while it runs, like a node, and its result is fenced by the lease (status,
 * owner, attempt), so a compensation recorded as completed is never run again, and a worker that lost its lease
 * cannot record anything.
 */
import type { Selectable } from 'kysely';

import type { Tx } from '../port.js';
import type { WorkflowCompensationsTable, WorkflowRollbacksTable } from '../schema.js';

export const RollbackStatus = {
  running: 'running',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
} as const;

export const CompensationStatus = {
  pending: 'pending',
  running: 'running',
  completed: 'completed',
  failed: 'failed',
  /** The node names no compensation: it is only reset. */
  none: 'none',
} as const;

export interface RollbackRecord {
  readonly rollbackId: string;
  readonly workflowId: string;
  readonly snapshotId: string;
  readonly targetSeq: number;
  readonly status: string;
  readonly requestedBy: string | null;
  readonly error: string | null;
  readonly createdAt: string;
  readonly completedAt: string | null;
}

export interface CompensationRecord {
  readonly rollbackId: string;
  readonly nodeId: string;
  readonly workflowId: string;
  readonly position: number;
  readonly snapshotId: string;
  readonly kind: 'agent' | 'tool' | null;
  readonly name: string | null;
  readonly input: string | null;
  readonly status: string;
  readonly attempt: number;
  readonly leaseOwner: string | null;
  readonly result: string | null;
  readonly error: string | null;
  readonly startedAt: string | null;
  readonly completedAt: string | null;
}

function toRollback(row: Selectable<WorkflowRollbacksTable>): RollbackRecord {
  return {
    rollbackId: row.rollback_id,
    workflowId: row.workflow_id,
    snapshotId: row.snapshot_id,
    targetSeq: Number(row.target_seq),
    status: row.status,
    requestedBy: row.requested_by,
    error: row.error,
    createdAt: row.created_at,
    completedAt: row.completed_at,
  };
}

function toCompensation(row: Selectable<WorkflowCompensationsTable>): CompensationRecord {
  return {
    rollbackId: row.rollback_id,
    nodeId: row.node_id,
    workflowId: row.workflow_id,
    position: Number(row.position),
    snapshotId: row.snapshot_id,
    kind: row.kind === 'agent' || row.kind === 'tool' ? row.kind : null,
    name: row.name,
    input: row.input,
    status: row.status,
    attempt: Number(row.attempt),
    leaseOwner: row.lease_owner,
    result: row.result,
    error: row.error,
    startedAt: row.started_at,
    completedAt: row.completed_at,
  };
}

export interface NewRollback {
  readonly rollbackId: string;
  readonly workflowId: string;
  readonly snapshotId: string;
  readonly targetSeq: number;
  readonly requestedBy: string | null;
  readonly createdAt: string;
}

export interface NewCompensation {
  readonly nodeId: string;
  readonly snapshotId: string;
  /** Compensated already (by a rollback that failed later): recorded as done, not run again. */
  readonly done?: { readonly result: string | null };
  readonly kind: 'agent' | 'tool' | null;
  readonly name: string | null;
  readonly input: string | null;
}

/** Writes a running rollback and its compensations, which run in the order given. */
export async function insertRollback(
  tx: Tx,
  rollback: NewRollback,
  compensations: readonly NewCompensation[],
): Promise<void> {
  await tx
    .insertInto('workflow_rollbacks')
    .values({
      rollback_id: rollback.rollbackId,
      workflow_id: rollback.workflowId,
      snapshot_id: rollback.snapshotId,
      target_seq: rollback.targetSeq,
      status: RollbackStatus.running,
      requested_by: rollback.requestedBy,
      error: null,
      created_at: rollback.createdAt,
      completed_at: null,
    })
    .execute();
  if (compensations.length === 0) return;
  await tx
    .insertInto('workflow_compensations')
    .values(
      compensations.map((c, position) => ({
        rollback_id: rollback.rollbackId,
        node_id: c.nodeId,
        workflow_id: rollback.workflowId,
        position,
        snapshot_id: c.snapshotId,
        kind: c.kind,
        name: c.name,
        input: c.input,
        status: c.done
          ? CompensationStatus.completed
          : c.kind === null
            ? CompensationStatus.none
            : CompensationStatus.pending,
        lease_owner: null,
        lease_expires_at: null,
        result: c.done?.result ?? null,
        error: null,
        started_at: null,
        completed_at: null,
      })),
    )
    .execute();
}

/** The run's rollbacks, newest first. */
export async function listRollbacks(tx: Tx, workflowId: string): Promise<RollbackRecord[]> {
  const rows = await tx
    .selectFrom('workflow_rollbacks')
    .selectAll()
    .where('workflow_id', '=', workflowId)
    .orderBy('created_at', 'desc')
    .orderBy('rollback_id', 'desc')
    .execute();
  return rows.map(toRollback);
}

export async function getRollback(tx: Tx, rollbackId: string): Promise<RollbackRecord | undefined> {
  const row = await tx
    .selectFrom('workflow_rollbacks')
    .selectAll()
    .where('rollback_id', '=', rollbackId)
    .executeTakeFirst();
  return row && toRollback(row);
}

/** Ends a running rollback; false when it was no longer running. */
export async function closeRollback(
  tx: Tx,
  rollbackId: string,
  status: string,
  completedAt: string,
  error: string | null = null,
): Promise<boolean> {
  const result = await tx
    .updateTable('workflow_rollbacks')
    .set({ status, completed_at: completedAt, error })
    .where('rollback_id', '=', rollbackId)
    .where('status', '=', RollbackStatus.running)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** A rollback's compensations, in the order they run. */
export async function listCompensations(tx: Tx, rollbackId: string): Promise<CompensationRecord[]> {
  const rows = await tx
    .selectFrom('workflow_compensations')
    .selectAll()
    .where('rollback_id', '=', rollbackId)
    .orderBy('position')
    .execute();
  return rows.map(toCompensation);
}

/** Whether any rollback is running: the cheap look a compensation runner makes before a transaction. */
export async function hasRunningRollbacks(tx: Tx): Promise<boolean> {
  const row = await tx
    .selectFrom('workflow_rollbacks')
    .select('rollback_id')
    .where('status', '=', RollbackStatus.running)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * The compensation each running rollback runs next (its first not yet done), when it waits to be claimed. A
 * rollback's compensations run one at a time, so at most one per rollback is returned.
 */
export async function findNextCompensations(tx: Tx, limit: number): Promise<CompensationRecord[]> {
  if (limit <= 0) return [];
  const rows = await tx
    .selectFrom('workflow_compensations as c')
    .innerJoin('workflow_rollbacks as r', 'r.rollback_id', 'c.rollback_id')
    .selectAll('c')
    .where('r.status', '=', RollbackStatus.running)
    .where('c.status', '=', CompensationStatus.pending)
    .where((eb) =>
      eb(
        'c.position',
        '=',
        eb
          .selectFrom('workflow_compensations as o')
          .select(({ fn }) => fn.min<number>('o.position').as('first'))
          .whereRef('o.rollback_id', '=', 'c.rollback_id')
          .where('o.status', 'in', [CompensationStatus.pending, CompensationStatus.running]),
      ),
    )
    .orderBy('r.created_at')
    .limit(limit)
    .execute();
  return rows.map(toCompensation);
}

/** Leases a pending compensation (a compare-and-set on its attempt); the new attempt, or undefined when lost. */
export async function leaseCompensation(
  tx: Tx,
  c: CompensationRecord,
  lease: { owner: string; expiresAt: string; now: string },
): Promise<number | undefined> {
  const result = await tx
    .updateTable('workflow_compensations')
    .set({
      status: CompensationStatus.running,
      attempt: c.attempt + 1,
      lease_owner: lease.owner,
      lease_expires_at: lease.expiresAt,
      started_at: lease.now,
    })
    .where('rollback_id', '=', c.rollbackId)
    .where('node_id', '=', c.nodeId)
    .where('status', '=', CompensationStatus.pending)
    .where('attempt', '=', c.attempt)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1 ? c.attempt + 1 : undefined;
}

export interface CompensationKey {
  readonly rollbackId: string;
  readonly nodeId: string;
}

export async function renewCompensationLeases(
  tx: Tx,
  owner: string,
  keys: readonly CompensationKey[],
  expiresAt: string,
): Promise<void> {
  for (const key of keys) {
    await tx
      .updateTable('workflow_compensations')
      .set({ lease_expires_at: expiresAt })
      .where('rollback_id', '=', key.rollbackId)
      .where('node_id', '=', key.nodeId)
      .where('status', '=', CompensationStatus.running)
      .where('lease_owner', '=', owner)
      .execute();
  }
}

/** Compensations whose runner stopped renewing its lease: pending again, for any runner to take. */
export async function requeueExpiredCompensations(
  tx: Tx,
  now: string,
): Promise<CompensationRecord[]> {
  const rows = await tx
    .updateTable('workflow_compensations')
    .set({ status: CompensationStatus.pending, lease_owner: null, lease_expires_at: null })
    .where('status', '=', CompensationStatus.running)
    .where('lease_expires_at', '<', now)
    .returningAll()
    .execute();
  return rows.map(toCompensation);
}

/** Records a compensation's outcome, fenced by the lease; false when the lease was lost meanwhile. */
export async function finishCompensation(
  tx: Tx,
  key: CompensationKey & { readonly attempt: number; readonly owner: string },
  outcome: { status: string; result: string | null; error: string | null; completedAt: string },
): Promise<boolean> {
  const result = await tx
    .updateTable('workflow_compensations')
    .set({
      status: outcome.status,
      result: outcome.result,
      error: outcome.error,
      completed_at: outcome.completedAt,
      lease_owner: null,
      lease_expires_at: null,
    })
    .where('rollback_id', '=', key.rollbackId)
    .where('node_id', '=', key.nodeId)
    .where('status', '=', CompensationStatus.running)
    .where('lease_owner', '=', key.owner)
    .where('attempt', '=', key.attempt)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Compensations of the run already completed (by any rollback), by the snapshot of the completion they undid. */
export async function findCompletedCompensations(
  tx: Tx,
  workflowId: string,
): Promise<Map<string, CompensationRecord>> {
  const rows = await tx
    .selectFrom('workflow_compensations')
    .selectAll()
    .where('workflow_id', '=', workflowId)
    .where('status', '=', CompensationStatus.completed)
    .execute();
  return new Map(rows.map((row) => [row.snapshot_id, toCompensation(row)]));
}

/** Ends the run's running rollbacks (the run failed or was cancelled meanwhile); returns their ids. */
export async function closeRunningRollbacks(
  tx: Tx,
  workflowId: string,
  status: string,
  completedAt: string,
  error: string,
): Promise<string[]> {
  const rows = await tx
    .updateTable('workflow_rollbacks')
    .set({ status, completed_at: completedAt, error })
    .where('workflow_id', '=', workflowId)
    .where('status', '=', RollbackStatus.running)
    .returning('rollback_id')
    .execute();
  return rows.map((row) => row.rollback_id);
}

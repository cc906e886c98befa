/**
 * Run snapshots (seed 003): one row per node completion, written in the transaction of the completion, the last
 * `SNAPSHOTS_KEPT` of each run kept. The insert is on the engine's hot path, so it is batched like the other hot
 * statements, and the caller numbers the rows (no read first: a numbering subquery per row cost ~4x the insert).
 */
import type { Tx } from '../port.js';
import { execute, isPostgres, runPerRow, unnestCte, type ColumnSpec } from './sql-dialect.js';

/** Seed 003: the last 50 snapshots of each run are kept; the 51st evicts the first. */
export const SNAPSHOTS_KEPT = 50;

export interface NewSnapshot {
  readonly workflowId: string;
  /** The completion's number in the run's current history (1 for the first). */
  readonly seq: number;
  readonly snapshotId: string;
  readonly nodeId: string;
  readonly statuses: string;
  readonly result: string | null;
  readonly context: string | null;
  readonly createdAt: string;
}

export type SnapshotRecord = NewSnapshot;

interface Row {
  workflow_id: string;
  seq: number;
  snapshot_id: string;
  node_id: string;
  statuses: string;
  result: string | null;
  context: string | null;
  created_at: string;
}

function toRecord(row: Row): SnapshotRecord {
  return {
    workflowId: row.workflow_id,
    seq: Number(row.seq),
    snapshotId: row.snapshot_id,
    nodeId: row.node_id,
    statuses: row.statuses,
    result: row.result,
    context: row.context,
    createdAt: row.created_at,
  };
}

const columns: ColumnSpec[] = [
  { name: 'workflow_id', kind: 'text' },
  { name: 'seq', kind: 'integer' },
  { name: 'snapshot_id', kind: 'text' },
  { name: 'node_id', kind: 'text' },
  { name: 'statuses', kind: 'text' },
  { name: 'result', kind: 'json' },
  { name: 'context', kind: 'json' },
  { name: 'created_at', kind: 'text' },
];
const names = columns.map((c) => c.name).join(', ');

/**
 * A number already taken replaces the row that had it: the engine numbers completions from the run's completed
 * nodes, and should that ever disagree with the rows, a snapshot is overwritten rather than the engine's
 * transaction failing (which would stop every run of the batch).
 */
const onConflict =
  'on conflict (workflow_id, seq) do update set snapshot_id = excluded.snapshot_id, ' +
  'node_id = excluded.node_id, statuses = excluded.statuses, result = excluded.result, ' +
  'context = excluded.context, created_at = excluded.created_at';

/**
 * Appends snapshots and evicts what falls beyond the last `SNAPSHOTS_KEPT` of each run; a snapshot that the same
 * batch would evict (a run completing more than that many nodes in one commit) is not written at all. On PostgreSQL
 * both are one statement, so snapshots cost the engine's commit one round trip.
 */
export async function insertSnapshots(tx: Tx, snapshots: readonly NewSnapshot[]): Promise<void> {
  if (snapshots.length === 0) return;
  const newest = new Map<string, number>();
  for (const s of snapshots) {
    newest.set(s.workflowId, Math.max(newest.get(s.workflowId) ?? 0, s.seq));
  }
  const kept = snapshots.filter((s) => s.seq > newest.get(s.workflowId)! - SNAPSHOTS_KEPT);
  const rows = kept.map((s) => [
    s.workflowId,
    s.seq,
    s.snapshotId,
    s.nodeId,
    s.statuses,
    s.result,
    s.context,
    s.createdAt,
  ]);
  if (isPostgres(tx)) {
    const params: unknown[] = [];
    const source = unnestCte(columns, rows, params);
    // The insert and the delete touch different rows (above and below each run's cut), as one statement must.
    await execute(
      tx,
      `${source}, top as (select workflow_id, max(seq) - ${SNAPSHOTS_KEPT} as cut from v group by workflow_id), ` +
        `ins as (insert into workflow_snapshots (${names}) select ${names} from v ${onConflict}) ` +
        `delete from workflow_snapshots s using top where s.workflow_id = top.workflow_id and s.seq <= top.cut`,
      params,
    );
    return;
  }
  const slots = columns.map(() => '?').join(', ');
  await runPerRow(
    tx,
    `insert into workflow_snapshots (${names}) values (${slots}) ${onConflict}`,
    rows,
  );
  const evict = [...newest]
    .filter(([, seq]) => seq > SNAPSHOTS_KEPT)
    .map(([workflowId, seq]) => [workflowId, seq - SNAPSHOTS_KEPT]);
  if (evict.length > 0) {
    await runPerRow(tx, 'delete from workflow_snapshots where workflow_id = ? and seq <= ?', evict);
  }
}

/** A run's snapshots, newest first. */
export async function listSnapshots(tx: Tx, workflowId: string): Promise<SnapshotRecord[]> {
  const rows = await tx
    .selectFrom('workflow_snapshots')
    .selectAll()
    .where('workflow_id', '=', workflowId)
    .orderBy('seq', 'desc')
    .execute();
  return rows.map(toRecord);
}

/** Deletes a run's snapshots after `seq` (what a rollback to it undid), or only those of one node. */
export async function deleteSnapshotsAfter(
  tx: Tx,
  workflowId: string,
  seq: number,
  nodeId?: string,
): Promise<void> {
  let query = tx
    .deleteFrom('workflow_snapshots')
    .where('workflow_id', '=', workflowId)
    .where('seq', '>', seq);
  if (nodeId !== undefined) query = query.where('node_id', '=', nodeId);
  await query.execute();
}

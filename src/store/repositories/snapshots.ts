/**
 * Run snapshots (seed 003): one row per node completion, written in the transaction of the completion, the last
 * `SNAPSHOTS_KEPT` of each run kept. The insert is on the engine's hot path, so it is batched like the other hot
 * statements and computes each row's sequence number in the statement itself (no read first).
 */
import type { Tx } from '../port.js';
import { execute, isPostgres, runPerRow, unnestCte, type ColumnSpec } from './sql-dialect.js';

/** Seed 003: the last 50 snapshots of each run are kept; the 51st evicts the first. */
export const SNAPSHOTS_KEPT = 50;

export interface NewSnapshot {
  readonly workflowId: string;
  readonly snapshotId: string;
  readonly nodeId: string;
  readonly statuses: string;
  readonly result: string | null;
  readonly context: string | null;
  readonly createdAt: string;
}

export interface SnapshotRecord extends NewSnapshot {
  readonly seq: number;
}

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

const COLUMNS =
  'workflow_id, seq, snapshot_id, node_id, statuses, result, context, created_at' as const;

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

const newColumns: ColumnSpec[] = [
  { name: 'workflow_id', kind: 'text' },
  { name: 'snapshot_id', kind: 'text' },
  { name: 'node_id', kind: 'text' },
  { name: 'statuses', kind: 'text' },
  { name: 'result', kind: 'json' },
  { name: 'context', kind: 'json' },
  { name: 'created_at', kind: 'text' },
  { name: 'ord', kind: 'integer' },
];

/**
 * Appends snapshots, in the given order within each run (the caller holds the runs locked, so the sequence numbers
 * computed here cannot collide), then evicts what falls beyond the last `SNAPSHOTS_KEPT` of a run.
 */
export async function insertSnapshots(tx: Tx, snapshots: readonly NewSnapshot[]): Promise<void> {
  if (snapshots.length === 0) return;
  let inserted: { workflow_id: string; seq: number }[];
  if (!isPostgres(tx)) {
    // One cached statement per row: each sees the rows inserted before it, so a run's rows number themselves.
    const text =
      `insert into workflow_snapshots (${COLUMNS}) ` +
      `select ?, coalesce(max(seq), 0) + 1, ?, ?, ?, ?, ?, ? from workflow_snapshots where workflow_id = ? ` +
      `returning workflow_id, seq`;
    inserted = (
      await runPerRow<{ workflow_id: string; seq: number }>(
        tx,
        text,
        snapshots.map((s) => [
          s.workflowId,
          s.snapshotId,
          s.nodeId,
          s.statuses,
          s.result,
          s.context,
          s.createdAt,
          s.workflowId,
        ]),
      )
    ).returned;
  } else {
    const params: unknown[] = [];
    const source = unnestCte(
      newColumns,
      snapshots.map((s, i) => [
        s.workflowId,
        s.snapshotId,
        s.nodeId,
        s.statuses,
        s.result,
        s.context,
        s.createdAt,
        i,
      ]),
      params,
    );
    inserted = await execute<{ workflow_id: string; seq: number }>(
      tx,
      `${source}, n as (select v.*, coalesce((select max(s.seq) from workflow_snapshots s ` +
        `where s.workflow_id = v.workflow_id), 0) + row_number() over (partition by v.workflow_id order by v.ord) as seq ` +
        `from v) insert into workflow_snapshots (${COLUMNS}) select ${COLUMNS} from n returning workflow_id, seq`,
      params,
    );
  }
  const newest = new Map<string, number>();
  for (const row of inserted) {
    newest.set(row.workflow_id, Math.max(newest.get(row.workflow_id) ?? 0, Number(row.seq)));
  }
  const evict = [...newest]
    .filter(([, seq]) => seq > SNAPSHOTS_KEPT)
    .map(([workflowId, seq]) => [workflowId, seq - SNAPSHOTS_KEPT] as const);
  if (evict.length > 0) await deleteSnapshotsUpTo(tx, evict);
}

/** Deletes, for each run, the snapshots numbered up to the given one. */
async function deleteSnapshotsUpTo(
  tx: Tx,
  upTo: readonly (readonly [string, number])[],
): Promise<void> {
  if (!isPostgres(tx)) {
    await runPerRow(
      tx,
      'delete from workflow_snapshots where workflow_id = ? and seq <= ?',
      upTo.map(([id, seq]) => [id, seq]),
    );
    return;
  }
  const params: unknown[] = [];
  const source = unnestCte(
    [
      { name: 'id', kind: 'text' },
      { name: 'upto', kind: 'integer' },
    ],
    upTo,
    params,
  );
  await execute(
    tx,
    `${source} delete from workflow_snapshots s using v where s.workflow_id = v.id and s.seq <= v.upto`,
    params,
  );
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

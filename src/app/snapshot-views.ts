/**
 * Snapshots as the API shows them: each with the full state of the run after its node completed, rebuilt from what
 * the snapshots store (status letters, the completing node's result, the context).
 */
import type { DagDefinition } from '../definition/index.js';
import { decodeStatuses, type SnapshotState } from '../engine/snapshot-state.js';
import { NodeStatus } from '../engine/statuses.js';
import type { SnapshotRecord } from '../store/repositories/snapshots.js';
import type { NodeRecord } from '../store/repositories/workflow-nodes.js';
import { fromJson } from '../shared/json.js';

export interface SnapshotView {
  readonly snapshotId: string;
  readonly nodeId: string;
  readonly createdAt: string;
  /** The step this snapshot follows: 0 for the run's first completed node (seed 003's `targetStepIndex`). */
  readonly stepIndex: number;
  readonly state: SnapshotState;
}

/**
 * Views of a run's snapshots, newest first. A completed node's output is the one its own snapshot stored; a node
 * whose snapshot was evicted (older than the last 50) completed before every snapshot kept, and was not undone since
 * (undoing it would have deleted those snapshots), so its current result is the one it had then.
 */
export function snapshotViews(
  dag: DagDefinition,
  snapshots: readonly SnapshotRecord[],
  nodes: readonly NodeRecord[],
): SnapshotView[] {
  const stored = new Map(snapshots.map((s) => [s.nodeId, s.result]));
  const current = new Map(nodes.map((n) => [n.nodeId, n.result]));
  return snapshots.map((snapshot) => {
    const state: Record<string, SnapshotState['nodes'][string]> = {};
    for (const [nodeId, status] of decodeStatuses(dag, snapshot.statuses)) {
      const result = stored.has(nodeId) ? stored.get(nodeId) : current.get(nodeId);
      state[nodeId] =
        status === NodeStatus.completed
          ? { status, output: fromJson(result ?? null) ?? null }
          : { status };
    }
    return {
      snapshotId: snapshot.snapshotId,
      nodeId: snapshot.nodeId,
      createdAt: snapshot.createdAt,
      stepIndex: snapshot.seq - 1,
      state: { nodes: state, context: fromJson(snapshot.context) ?? {} },
    };
  });
}

/**
 * What "Retry from a step" does to a run, worked out before asking: the API's run controls retry a failed run from
 * where it stopped (`retry`) or roll a run back to a snapshot (`rollback`, API.md), so retrying from step X is a
 * rollback to the newest snapshot in which X had not completed: X, every step that completed after that snapshot,
 * and every step not completed then run again (compensations of the completed ones first, newest first), and the
 * steps completed before it keep their outputs. Without such a snapshot (X completed first, or more than the 50 kept
 * snapshots ago) a failed or cancelled run can still be retried from its failed steps when X is one of them.
 */
import type { Snapshot } from '../api/rollback';
import type { Workflow } from '../api/types';

export type RetryPlan =
  | {
      readonly kind: 'rollback';
      readonly snapshotId: string;
      /** Steps that completed and will run again (their compensations first, if they name any). */
      readonly redone: readonly string[];
      /** Steps that had not completed and will run (again). */
      readonly rerun: readonly string[];
    }
  | { readonly kind: 'retry'; readonly rerun: readonly string[] }
  | { readonly kind: 'impossible'; readonly reason: string };

/** Whether the run's state lets it be retried from a step at all (rollback refuses running runs). */
export function retryFromRefusal(run: Workflow): string | null {
  if (run.status === 'running' || run.status === 'pending')
    return 'Pause the run first: a running run cannot go back to an earlier step.';
  if (run.status === 'paused' && run.pauseReason === 'rollback')
    return 'The run is going back to an earlier step already.';
  if ((run.nodes ?? []).some((node) => node.status === 'running'))
    return 'Wait for the running steps to finish.';
  return null;
}

export function planRetryFrom(
  run: Workflow,
  snapshots: readonly Snapshot[],
  nodeId: string,
): RetryPlan {
  const refusal = retryFromRefusal(run);
  if (refusal) return { kind: 'impossible', reason: refusal };
  const nodes = run.nodes ?? [];
  const notCompleted = nodes.filter((n) => n.status !== 'completed').map((n) => n.nodeId);
  // Snapshots come newest first: the first one in which the step had not completed.
  const target = snapshots.find((s) => s.state.nodes[nodeId]?.status !== 'completed');
  if (target) {
    const completedThen = (id: string) => target.state.nodes[id]?.status === 'completed';
    return {
      kind: 'rollback',
      snapshotId: target.snapshotId,
      redone: nodes
        .filter((n) => n.status === 'completed' && !completedThen(n.nodeId))
        .map((n) => n.nodeId),
      rerun: notCompleted,
    };
  }
  const stopped = nodes.find((n) => n.nodeId === nodeId)?.status;
  if (
    (run.status === 'failed' || run.status === 'cancelled') &&
    (stopped === 'failed' || stopped === 'cancelled')
  ) {
    return {
      kind: 'retry',
      rerun: nodes
        .filter((n) => n.status === 'failed' || n.status === 'cancelled')
        .map((n) => n.nodeId),
    };
  }
  return {
    kind: 'impossible',
    reason:
      snapshots.length === 0
        ? `No step of this run has completed, so there is no earlier state to go back to.`
        : `${nodeId} completed before any state this run keeps (the first step, or more than 50 steps ago): start a new run instead.`,
  };
}

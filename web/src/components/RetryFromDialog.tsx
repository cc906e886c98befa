/**
 * "Retry from a step": the run page's confirmation, with a chooser of the step (preselected when opened from a step's
 * row or its node in the graph), what will run again said before anything happens, and then the API call the plan
 * needs (a rollback to a snapshot, or a retry of the failed steps; lib/retry-from.ts).
 */
import { useEffect, useRef, useState } from 'react';

import { controlRun } from '../api/client';
import { listSnapshots, rollbackRun, type Snapshot } from '../api/rollback';
import type { Workflow } from '../api/types';
import { planRetryFrom } from '../lib/retry-from';
import { statusText } from '../lib/status';
import { messageOf } from './pending';

interface Props {
  readonly run: Workflow;
  readonly initialNode: string;
  /** Called with what happened (for the page's status line) once the API answered, or with the failure. */
  readonly onDone: (outcome: string) => void;
  readonly onClose: () => void;
}

const list = (ids: readonly string[]) => ids.join(', ');

export function RetryFromDialog({ run, initialNode, onDone, onClose }: Props) {
  const [nodeId, setNodeId] = useState(initialNode);
  const [snapshots, setSnapshots] = useState<readonly Snapshot[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const chooser = useRef<HTMLSelectElement>(null);

  useEffect(() => {
    chooser.current?.focus();
  }, []);
  useEffect(() => {
    setNodeId(initialNode);
  }, [initialNode]);
  // Read when opened, and again when the run changes underneath (a step completed meanwhile).
  useEffect(() => {
    let current = true;
    listSnapshots(run.workflowId).then(
      (loaded) => current && setSnapshots(loaded.items),
      (cause: unknown) => current && setError(messageOf(cause)),
    );
    return () => {
      current = false;
    };
  }, [run]);

  const plan = snapshots ? planRetryFrom(run, snapshots, nodeId) : null;
  const completed = run.nodes?.find((node) => node.nodeId === nodeId)?.status === 'completed';

  const confirm = async () => {
    if (!plan || plan.kind === 'impossible') return;
    setBusy(true);
    try {
      if (plan.kind === 'retry') {
        await controlRun(run.workflowId, 'retry');
        onDone(`Retry from ${nodeId}: the failed steps run again.`);
      } else {
        const started = await rollbackRun(run.workflowId, plan.snapshotId);
        onDone(
          started.status === 'running'
            ? `Retry from ${nodeId}: compensations are running; the run resumes after them.`
            : `Retry from ${nodeId}: done, the run goes on from there.`,
        );
      }
    } catch (cause) {
      onDone(`Retry from ${nodeId} failed: ${messageOf(cause)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div role="alertdialog" aria-labelledby="retry-from-title" className="confirm retry-from">
      <p id="retry-from-title">
        <strong>Retry this run from a step?</strong>
      </p>
      <label htmlFor="retry-from-node">Step to retry from</label>{' '}
      <select
        id="retry-from-node"
        ref={chooser}
        value={nodeId}
        aria-describedby="retry-from-plan"
        onChange={(event) => setNodeId(event.target.value)}
      >
        {(run.nodes ?? []).map((node) => (
          <option key={node.nodeId} value={node.nodeId}>
            {node.nodeId} ({statusText(node.status)})
          </option>
        ))}
      </select>
      <p id="retry-from-plan" aria-live="polite" data-testid="retry-from-plan">
        {error ? (
          <span className="error">Could not read the run&apos;s history: {error}</span>
        ) : !plan ? (
          'Reading the run’s history…'
        ) : plan.kind === 'impossible' ? (
          <span className="error">{plan.reason}</span>
        ) : plan.kind === 'retry' ? (
          `The failed and cancelled steps run again: ${list(plan.rerun)}. Completed steps keep their outputs.`
        ) : (
          <>
            {completed
              ? `The run goes back to the state before ${nodeId} completed.`
              : `The run goes back to its last saved state, where ${nodeId} had not completed.`}
            {plan.redone.length > 0
              ? ` These completed steps run again, after their compensations (if they name any), newest first: ${list(plan.redone)}.`
              : ''}
            {plan.rerun.length > 0 ? ` These steps run: ${list(plan.rerun)}.` : ''} Steps completed
            before it keep their outputs.
          </>
        )}
      </p>
      <button
        type="button"
        className="primary"
        disabled={busy || !plan || plan.kind === 'impossible'}
        onClick={() => void confirm()}
      >
        Yes, retry from {nodeId}
      </button>{' '}
      <button type="button" onClick={onClose}>
        No
      </button>
    </div>
  );
}

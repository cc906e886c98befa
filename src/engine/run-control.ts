/**
 * A person's operations on a run: pause, resume, cancel, retry, its context variables and retry counters. Each is
 * one transaction over the locked run.
 */
import type { Tx } from '../store/port.js';
import { loadNodeStates, updateNodes } from '../store/repositories/workflow-nodes.js';
import { lockWorkflows, type RunHeader } from '../store/repositories/workflows.js';
import { describeActor, type Actor } from '../shared/actor.js';
import { FlowgateError } from '../shared/errors.js';
import { fromJson, toJson } from '../shared/json.js';
import type { Changes } from './changes.js';
import { failRun, settleRuns, type EngineEnv } from './transitions.js';
import { EventType, NodeStatus, PauseReason, RunStatus, isTerminalRun } from './statuses.js';

async function lockRun(tx: Tx, env: EngineEnv, workflowId: string): Promise<RunHeader> {
  const [run] = await lockWorkflows(tx, [workflowId], env.store.capabilities.rowLocks);
  if (!run) throw new FlowgateError('NOT_FOUND', `Workflow ${workflowId} does not exist`);
  return run;
}

function refuse(run: RunHeader, action: string): FlowgateError {
  return new FlowgateError('RUN_NOT_ACTIVE', `Cannot ${action} a run that is ${run.status}`, {
    details: { status: run.status },
  });
}

/**
 * Holds back new work: nodes waiting to be claimed are unreadied (a timer restarts on resume), what runs finishes.
 * A run paused for people can be paused by a user too, so that a decision does not resume it.
 */
export async function pauseRun(
  tx: Tx,
  env: EngineEnv,
  changes: Changes,
  workflowId: string,
  actor: Actor,
) {
  const run = await lockRun(tx, env, workflowId);
  if (
    run.status !== RunStatus.running &&
    !(run.status === RunStatus.paused && run.pauseReason === PauseReason.hitl)
  ) {
    throw refuse(run, 'pause');
  }
  const nodes = await loadNodeStates(tx, [workflowId]);
  await updateNodes(
    tx,
    nodes
      .filter((n) => n.status === NodeStatus.pending && n.readyAt !== null)
      .map((n) => ({
        id: n.id,
        set: { ready_at: null },
        expect: { statuses: [NodeStatus.pending] },
      })),
  );
  changes.updateRun(workflowId, { status: RunStatus.paused, pause_reason: PauseReason.user });
  changes.event(workflowId, EventType.workflowPaused, {
    reason: PauseReason.user,
    by: describeActor(actor),
  });
}

export async function resumeRun(
  tx: Tx,
  env: EngineEnv,
  changes: Changes,
  workflowId: string,
  actor: Actor,
) {
  const run = await lockRun(tx, env, workflowId);
  if (run.status !== RunStatus.paused || run.pauseReason !== PauseReason.user)
    throw refuse(run, 'resume');
  changes.updateRun(workflowId, { status: RunStatus.running, pause_reason: null });
  changes.event(workflowId, EventType.workflowResumed, {
    reason: PauseReason.user,
    by: describeActor(actor),
  });
  await settleRuns(tx, env, changes, [{ ...run, status: RunStatus.running, pauseReason: null }]);
}

export async function cancelRun(
  tx: Tx,
  env: EngineEnv,
  changes: Changes,
  workflowId: string,
  actor: Actor,
) {
  const run = await lockRun(tx, env, workflowId);
  if (
    run.status !== RunStatus.running &&
    run.status !== RunStatus.paused &&
    run.status !== RunStatus.pending
  ) {
    throw refuse(run, 'cancel');
  }
  await failRun(
    tx,
    env,
    changes,
    { run },
    `cancelled by ${actor.username ?? actor.userId}`,
    RunStatus.cancelled,
    actor,
  );
}

/**
 * Runs a failed (or cancelled) run again from where it stopped: failed and cancelled nodes go back to pending with a
 * fresh retry budget, completed nodes keep their outputs, and a human node raises a new request.
 */
export async function retryRun(
  tx: Tx,
  env: EngineEnv,
  changes: Changes,
  workflowId: string,
  actor: Actor,
) {
  const run = await lockRun(tx, env, workflowId);
  if (run.status !== RunStatus.failed && run.status !== RunStatus.cancelled)
    throw refuse(run, 'retry');
  const nodes = await loadNodeStates(tx, [workflowId]);
  const again = nodes.filter(
    (n) => n.status === NodeStatus.failed || n.status === NodeStatus.cancelled,
  );
  await updateNodes(
    tx,
    again.map((n) => ({
      id: n.id,
      set: {
        status: NodeStatus.pending,
        ready_at: null,
        error: null,
        failures: 0,
        result: null,
        completed_at: null,
        lease_owner: null,
        lease_expires_at: null,
      },
    })),
  );
  changes.updateRun(workflowId, {
    status: RunStatus.running,
    error: null,
    completed_at: null,
    pause_reason: null,
  });
  changes.event(workflowId, EventType.workflowRetried, {
    nodes: again.map((n) => n.nodeId),
    by: describeActor(actor),
  });
  await settleRuns(tx, env, changes, [{ ...run, status: RunStatus.running, pauseReason: null }]);
}

/**
 * Merges variables into the run's context (seed 003's `updateContext`): later templates read them as `context.*`.
 * The run is locked, so a concurrent update is merged after this one, never lost.
 */
export async function updateRunContext(
  tx: Tx,
  env: EngineEnv,
  changes: Changes,
  workflowId: string,
  data: Readonly<Record<string, unknown>>,
  actor: Actor,
) {
  const run = await lockRun(tx, env, workflowId);
  if (isTerminalRun(run.status)) throw refuse(run, 'change the context of');
  const current = fromJson<Record<string, unknown>>(run.context) ?? {};
  changes.updateRun(workflowId, { context: toJson({ ...current, ...data }) });
  changes.event(workflowId, EventType.contextUpdated, {
    keys: Object.keys(data),
    by: describeActor(actor),
  });
}

/** Gives every node of the run its full retry budget again (seed 003's `clearRetryCounters`). */
export async function clearRetryCounters(
  tx: Tx,
  env: EngineEnv,
  changes: Changes,
  workflowId: string,
  actor: Actor,
) {
  await lockRun(tx, env, workflowId);
  const nodes = (await loadNodeStates(tx, [workflowId])).filter((n) => n.failures > 0);
  await updateNodes(
    tx,
    nodes.map((n) => ({ id: n.id, set: { failures: 0 } })),
  );
  changes.event(workflowId, EventType.retryCountersCleared, {
    nodes: nodes.map((n) => n.nodeId),
    by: describeActor(actor),
  });
}

/**
 * Rollback to a snapshot (seed 003's saga): the compensations of the nodes completed after the snapshot are planned
 * in reverse order of completion and written in the same transaction that holds the run (paused, reason
 * `rollback`); the compensation runner (`compensator.ts`) runs them one by one, each result committed before the next
 * starts. When the last is done, the nodes after the snapshot go back to pending and the run resumes from it; a
 * failed compensation stops the rollback and fails the run. Every step is an event.
 */
import { renderTemplates, type DagDefinition, type NodeDefinition } from '../definition/index.js';
import type { Tx } from '../store/port.js';
import { closeHitlRequest, listPendingHitlRequests } from '../store/repositories/hitl-requests.js';
import {
  closeRollback,
  findCompletedCompensations,
  insertRollback,
  listCompensations,
  RollbackStatus,
  type NewCompensation,
  type RollbackRecord,
} from '../store/repositories/rollbacks.js';
import {
  deleteSnapshotsAfter,
  listSnapshots,
  type SnapshotRecord,
} from '../store/repositories/snapshots.js';
import { loadNodeStates, updateNodes } from '../store/repositories/workflow-nodes.js';
import { lockWorkflows, type RunHeader } from '../store/repositories/workflows.js';
import { describeActor, type Actor } from '../shared/actor.js';
import { FlowgateError } from '../shared/errors.js';
import { fromJson, toJson } from '../shared/json.js';
import type { Changes } from './changes.js';
import { planOf } from './dag-plan.js';
import { buildScope } from './scope.js';
import { EventType, HitlStatus, NodeStatus, PauseReason, RunStatus } from './statuses.js';
import { failRun, settleRuns, type EngineEnv } from './transitions.js';

/** Which snapshot to roll back to: by id, by step (0 is the state after the first completion), or the newest. */
export type RollbackTarget =
  { readonly snapshotId: string } | { readonly stepIndex: number } | { readonly latest: true };

/** A compensation as planned: the node it undoes and what undoes it (nothing, for a node that names none). */
export interface PlannedCompensation {
  readonly nodeId: string;
  readonly agentId?: string;
  readonly toolName?: string;
  readonly status: string;
}

export interface StartedRollback {
  readonly rollbackId: string;
  readonly workflowId: string;
  readonly snapshotId: string;
  /** `running` while compensations run; `completed` when there were none to run (the run resumed already). */
  readonly status: string;
  readonly compensations: readonly PlannedCompensation[];
}

async function lockRun(tx: Tx, env: EngineEnv, workflowId: string): Promise<RunHeader> {
  const [run] = await lockWorkflows(tx, [workflowId], env.store.capabilities.rowLocks);
  if (!run) throw new FlowgateError('NOT_FOUND', `Workflow ${workflowId} does not exist`);
  return run;
}

function findTarget(
  snapshots: readonly SnapshotRecord[],
  target: RollbackTarget,
  workflowId: string,
): SnapshotRecord {
  const found =
    'snapshotId' in target
      ? snapshots.find((s) => s.snapshotId === target.snapshotId)
      : 'stepIndex' in target
        ? snapshots.find((s) => s.seq === target.stepIndex + 1)
        : snapshots[0];
  if (found) return found;
  const what =
    'snapshotId' in target
      ? `Snapshot ${target.snapshotId}`
      : 'stepIndex' in target
        ? `A snapshot at step ${target.stepIndex}`
        : 'A snapshot';
  throw new FlowgateError('NOT_FOUND', `${what} of workflow ${workflowId} does not exist`);
}

/** The agent or tool that compensates a node, if it names one. */
function compensationOf(node: NodeDefinition | undefined): Pick<NewCompensation, 'kind' | 'name'> {
  const compensate = node?.compensate;
  if (compensate?.agentId !== undefined) return { kind: 'agent', name: compensate.agentId };
  if (compensate?.toolName !== undefined) return { kind: 'tool', name: compensate.toolName };
  return { kind: null, name: null };
}

/**
 * Starts a rollback of a run that is not running (paused, failed, completed or cancelled) and has no node in flight.
 * NOT_FOUND when the snapshot is not one of the run's; RUN_NOT_ACTIVE when the run cannot be rolled back now.
 */
export async function startRollback(
  tx: Tx,
  env: EngineEnv,
  changes: Changes,
  workflowId: string,
  target: RollbackTarget,
  actor: Actor,
): Promise<StartedRollback> {
  const run = await lockRun(tx, env, workflowId);
  const snapshot = findTarget(await listSnapshots(tx, workflowId), target, workflowId);
  if (run.status === RunStatus.paused && run.pauseReason === PauseReason.rollback) {
    throw new FlowgateError('RUN_NOT_ACTIVE', 'The run is already rolling back', {
      details: { status: run.status, pauseReason: run.pauseReason },
    });
  }
  if (run.status === RunStatus.running || run.status === RunStatus.pending) {
    throw new FlowgateError(
      'RUN_NOT_ACTIVE',
      `Cannot roll back a run that is ${run.status}: pause it first`,
      { details: { status: run.status } },
    );
  }
  const nodes = await loadNodeStates(tx, [workflowId]);
  const busy = nodes.filter((n) => n.status === NodeStatus.running).map((n) => n.nodeId);
  if (busy.length > 0) {
    throw new FlowgateError(
      'RUN_NOT_ACTIVE',
      `Cannot roll back while nodes are running (${busy.join(', ')}); wait for them to finish`,
      { details: { running: busy } },
    );
  }

  const dag = await env.dags.get(tx, run.dagId, run.dagVersion);
  const plan = planOf(dag);
  const after = (await listSnapshots(tx, workflowId)).filter((s) => s.seq > snapshot.seq);
  const scope = buildScope(
    { workflowId, dagId: run.dagId, version: run.dagVersion },
    fromJson(run.input) ?? null,
    nodes.map((n) => ({
      nodeId: n.nodeId,
      status: n.status,
      output: n.status === NodeStatus.completed ? (fromJson(n.result) ?? null) : undefined,
    })),
    fromJson(run.context) ?? null,
  );
  const compensatedBefore = await findCompletedCompensations(tx, workflowId);
  const compensations: NewCompensation[] = [];
  // Newest first: the reverse of completion order.
  for (const completion of after) {
    const node = plan.byId.get(completion.nodeId);
    const { kind, name } = compensationOf(node);
    const before = compensatedBefore.get(completion.snapshotId);
    const output = fromJson(completion.result) ?? null;
    const configured = node?.compensate?.config?.input;
    const input =
      kind === null || before
        ? null
        : configured === undefined
          ? output
          : await renderTemplates(configured, { ...scope, output });
    compensations.push({
      nodeId: completion.nodeId,
      snapshotId: completion.snapshotId,
      kind,
      name,
      input: toJson(input),
      ...(before ? { done: { result: before.result } } : {}),
    });
  }

  const rollbackId = env.newId();
  await insertRollback(
    tx,
    {
      rollbackId,
      workflowId,
      snapshotId: snapshot.snapshotId,
      targetSeq: snapshot.seq,
      requestedBy: actor.username ?? actor.userId,
      createdAt: changes.now,
    },
    compensations,
  );
  await holdRun(tx, changes, run, nodes);
  const planned = compensations.map((c): PlannedCompensation => ({
    nodeId: c.nodeId,
    ...(c.kind === 'agent' ? { agentId: c.name! } : {}),
    ...(c.kind === 'tool' ? { toolName: c.name! } : {}),
    status: c.done ? 'completed' : c.kind === null ? 'none' : 'pending',
  }));
  changes.event(workflowId, EventType.rollbackStarted, {
    rollback_id: rollbackId,
    snapshot_id: snapshot.snapshotId,
    node_id: snapshot.nodeId,
    compensations: planned,
    by: describeActor(actor),
  });
  for (const c of compensations) {
    if (c.kind !== null && !c.done) continue;
    changes.event(workflowId, EventType.compensationSkipped, {
      rollback_id: rollbackId,
      node_id: c.nodeId,
      reason: c.done ? 'compensated by an earlier rollback' : 'the node names no compensation',
    });
  }
  const rollback: RollbackRecord = {
    rollbackId,
    workflowId,
    snapshotId: snapshot.snapshotId,
    targetSeq: snapshot.seq,
    status: RollbackStatus.running,
    requestedBy: actor.username ?? actor.userId,
    error: null,
    createdAt: changes.now,
    completedAt: null,
  };
  const toRun = compensations.some((c) => c.kind !== null && !c.done);
  if (!toRun) {
    await finishRollback(tx, env, changes, rollback, {
      ...run,
      status: RunStatus.paused,
      pauseReason: PauseReason.rollback,
    });
  } else {
    changes.wakeWorkers = true;
  }
  return {
    rollbackId,
    workflowId,
    snapshotId: snapshot.snapshotId,
    status: toRun ? RollbackStatus.running : RollbackStatus.completed,
    compensations: planned,
  };
}

/** Holds the run for the rollback: its open requests are cancelled and nothing more is made ready. */
async function holdRun(
  tx: Tx,
  changes: Changes,
  run: RunHeader,
  nodes: Awaited<ReturnType<typeof loadNodeStates>>,
): Promise<void> {
  for (const request of await listPendingHitlRequests(tx, run.workflowId)) {
    await closeHitlRequest(tx, request.requestId, {
      status: HitlStatus.cancelled,
      respondedAt: changes.now,
      respondedBy: null,
      response: null,
      decision: null,
    });
    changes.event(run.workflowId, EventType.hitlCancelled, {
      request_id: request.requestId,
      node_id: request.nodeId,
      reason: 'run rolling back',
    });
  }
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
  changes.updateRun(run.workflowId, {
    status: RunStatus.paused,
    pause_reason: PauseReason.rollback,
  });
}

/**
 * Every compensation is done: the nodes completed after the snapshot, and every node not completed, go back to
 * pending; the context is the snapshot's; the snapshots after it are gone (that history was undone); and the run
 * resumes, settled in this transaction (its next nodes are ready when it commits).
 */
export async function finishRollback(
  tx: Tx,
  env: EngineEnv,
  changes: Changes,
  rollback: RollbackRecord,
  run: RunHeader,
): Promise<void> {
  const undone = new Set((await listCompensations(tx, rollback.rollbackId)).map((c) => c.nodeId));
  const snapshot = (await listSnapshots(tx, run.workflowId)).find(
    (s) => s.seq === rollback.targetSeq,
  );
  const nodes = await loadNodeStates(tx, [run.workflowId]);
  const reset = nodes.filter((n) => n.status !== NodeStatus.completed || undone.has(n.nodeId));
  for (const node of reset) {
    changes.nodeUpdates.push({
      id: node.id,
      set: {
        status: NodeStatus.pending,
        ready_at: null,
        result: null,
        error: null,
        failures: 0,
        started_at: null,
        completed_at: null,
        lease_owner: null,
        lease_expires_at: null,
        child_workflow_id: null,
      },
    });
  }
  await deleteSnapshotsAfter(tx, run.workflowId, rollback.targetSeq);
  await closeRollback(tx, rollback.rollbackId, RollbackStatus.completed, changes.now);
  const context = snapshot?.context ?? null;
  changes.updateRun(run.workflowId, {
    status: RunStatus.running,
    pause_reason: null,
    error: null,
    result: null,
    completed_at: null,
    context,
  });
  changes.event(run.workflowId, EventType.rollbackCompleted, {
    rollback_id: rollback.rollbackId,
    snapshot_id: rollback.snapshotId,
    reset: reset.map((n) => n.nodeId),
  });
  await settleRuns(tx, env, changes, [
    { ...run, status: RunStatus.running, pauseReason: null, context },
  ]);
}

/** A compensation failed: the rollback stops there, and the run fails with the reason. */
export async function failRollback(
  tx: Tx,
  env: EngineEnv,
  changes: Changes,
  rollback: RollbackRecord,
  run: RunHeader,
  message: string,
): Promise<void> {
  await closeRollback(tx, rollback.rollbackId, RollbackStatus.failed, changes.now, message);
  changes.event(run.workflowId, EventType.rollbackFailed, {
    rollback_id: rollback.rollbackId,
    snapshot_id: rollback.snapshotId,
    error: message,
  });
  await failRun(tx, env, changes, { run }, message);
}

/** The compensations a rollback to the oldest snapshot would run, newest completion first (seed 003's list). */
export function compensationsOf(
  dag: DagDefinition,
  snapshots: readonly SnapshotRecord[],
): { nodeId: string; snapshotId: string; agentId?: string; toolName?: string }[] {
  const plan = planOf(dag);
  return snapshots.map((s) => {
    const { kind, name } = compensationOf(plan.byId.get(s.nodeId));
    return {
      nodeId: s.nodeId,
      snapshotId: s.snapshotId,
      ...(kind === 'agent' ? { agentId: name! } : {}),
      ...(kind === 'tool' ? { toolName: name! } : {}),
    };
  });
}

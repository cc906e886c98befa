/**
 * Snapshots and rollback as the shells see them (seed 003): a run's snapshots with their full state, rolling back to
 * one (the compensations then run in a worker process, this one or another), and the compensations a rollback runs
 * or would run. Who may do this is the shells' to check (`canControlRun`), as for pause and cancel.
 */
import type { Changes } from '../engine/changes.js';
import {
  compensationsOf,
  startRollback,
  type PlannedCompensation,
  type RollbackTarget,
  type StartedRollback,
} from '../engine/rollback.js';
import type { EngineEnv } from '../engine/transitions.js';
import type { Tx } from '../store/port.js';
import {
  findCompletedCompensations,
  listCompensations,
  listRollbacks,
} from '../store/repositories/rollbacks.js';
import { listSnapshots } from '../store/repositories/snapshots.js';
import { loadNodes } from '../store/repositories/workflow-nodes.js';
import { getWorkflow } from '../store/repositories/workflows.js';
import type { Actor } from '../shared/actor.js';
import { FlowgateError } from '../shared/errors.js';
import { fromJson } from '../shared/json.js';
import { snapshotViews, type SnapshotView } from './snapshot-views.js';

export type { PlannedCompensation, RollbackTarget, SnapshotView, StartedRollback };

/** A compensation of a run: one a rollback ran or runs, or (without a rollback) one a rollback would run. */
export interface CompensationView {
  /** The node it undoes. */
  readonly nodeId: string;
  /** The snapshot the node's completion made. */
  readonly snapshotId: string;
  readonly agentId?: string;
  readonly toolName?: string;
  /** `pending`, `running`, `completed`, `failed`, or `none` (the node names no compensation: it is only reset). */
  readonly status: string;
  readonly rollbackId: string | null;
  readonly attempt?: number;
  readonly result?: unknown;
  readonly error?: string | null;
}

export interface RollbackDeps {
  readonly env: EngineEnv;
  readonly transact: <T>(work: (tx: Tx, changes: Changes) => Promise<T>) => Promise<T>;
  /** A rollback with compensations to run was committed: the local compensation runner should look now. */
  readonly started: () => void;
}

export class Rollbacks {
  readonly #deps: RollbackDeps;

  constructor(deps: RollbackDeps) {
    this.#deps = deps;
  }

  /** The run's snapshots (the last 50), newest first, each with the full state after its node completed. */
  async listSnapshots(workflowId: string): Promise<SnapshotView[]> {
    const { env } = this.#deps;
    return env.store.read(async (db) => {
      const run = await getWorkflow(db, workflowId);
      if (!run) throw new FlowgateError('NOT_FOUND', `Workflow ${workflowId} does not exist`);
      const dag = await env.dags.get(db, run.dagId, run.dagVersion);
      return snapshotViews(
        dag,
        await listSnapshots(db, workflowId),
        await loadNodes(db, [workflowId]),
      );
    });
  }

  /**
   * Rolls a run back to a snapshot: NOT_FOUND when the snapshot is not one of the run's, RUN_NOT_ACTIVE (409) when
   * the run is running, has nodes in flight, or is rolling back already. Resolves once the rollback is committed;
   * its compensations run afterwards (`status: completed` when there were none, and the run has resumed).
   */
  async rollback(
    workflowId: string,
    target: RollbackTarget,
    actor: Actor,
  ): Promise<StartedRollback> {
    const { env } = this.#deps;
    const started = await this.#deps.transact((tx, changes) =>
      startRollback(tx, env, changes, workflowId, target, actor),
    );
    if (started.status === 'running') this.#deps.started();
    return started;
  }

  /**
   * Seed 003's compensation actions: those of the run's running (or last) rollback, in the order it runs them; or,
   * when the run has had none since its latest snapshot, those a rollback to its oldest snapshot would run.
   */
  async listCompensations(workflowId: string): Promise<CompensationView[]> {
    const { env } = this.#deps;
    return env.store.read(async (db) => {
      const run = await getWorkflow(db, workflowId);
      if (!run) throw new FlowgateError('NOT_FOUND', `Workflow ${workflowId} does not exist`);
      const [last] = await listRollbacks(db, workflowId);
      if (last?.status === 'running') {
        return (await listCompensations(db, last.rollbackId)).map((c) => ({
          nodeId: c.nodeId,
          snapshotId: c.snapshotId,
          ...(c.kind === 'agent' && c.name !== null ? { agentId: c.name } : {}),
          ...(c.kind === 'tool' && c.name !== null ? { toolName: c.name } : {}),
          status: c.status,
          rollbackId: c.rollbackId,
          attempt: c.attempt,
          result: fromJson(c.result) ?? null,
          error: c.error,
        }));
      }
      const dag = await env.dags.get(db, run.dagId, run.dagVersion);
      const snapshots = await listSnapshots(db, workflowId);
      const done = await findCompletedCompensations(db, workflowId);
      // The oldest snapshot is the target, so the completion that made it is not undone.
      return compensationsOf(dag, snapshots.slice(0, -1)).map((c) => {
        // Compensated by a rollback that failed later: a new rollback does not run it again.
        const before = done.get(c.snapshotId);
        if (before) {
          return {
            ...c,
            status: 'completed',
            rollbackId: before.rollbackId,
            attempt: before.attempt,
          };
        }
        return {
          ...c,
          status: c.agentId !== undefined || c.toolName !== undefined ? 'pending' : 'none',
          rollbackId: null,
        };
      });
    });
  }
}

import type { Tx } from '../store/port.js';
import type { Changes } from './changes.js';
import { createRuns, settleRuns, type EngineEnv, type NewRun } from './transitions.js';

/**
 * Starts runs of the latest version of a stored DAG inside the caller's transaction, for starters that must commit
 * something else with the run in one go (a schedule's occurrence, a trigger's idempotency key). Returns the run ids.
 */
export async function startStoredRuns(
  tx: Tx,
  env: EngineEnv,
  changes: Changes,
  dagId: string,
  runs: readonly Omit<NewRun, 'dag' | 'version'>[],
): Promise<string[]> {
  if (runs.length === 0) return [];
  const version = await env.dags.latestVersion(tx, dagId);
  const dag = await env.dags.get(tx, dagId, version);
  const created = await createRuns(
    tx,
    env,
    changes,
    runs.map((run) => ({ ...run, dag, version })),
  );
  await settleRuns(tx, env, changes, created.runs, created.nodes);
  return created.runs.map((run) => run.workflowId);
}

/**
 * What starters outside the engine (the scheduler, inbound triggers) need of their Flowgate: the engine's
 * environment, and its way of committing runs.
 */
export interface RunStartEnv {
  readonly engine: EngineEnv;
  /**
   * One transaction with an engine change set, flushed before the commit; after it the Flowgate hands new work to
   * its workers and wakes whoever waits on the runs.
   */
  transact<T>(work: (tx: Tx, changes: Changes) => Promise<T>): Promise<T>;
}

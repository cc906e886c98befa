/**
 * The DAG checks that the schedule and trigger services make for a caller: NOT_FOUND when the caller may not see the
 * DAG (exactly as for a missing one), FORBIDDEN when they may see it but not do this.
 */
import type { Store } from '../store/port.js';
import { getDag, listDags, type DagRecord } from '../store/repositories/dags.js';
import type { Actor } from '../shared/actor.js';
import { FlowgateError } from '../shared/errors.js';
import { canScheduleDag, canSeeDag, isAdmin } from './permissions.js';

/**
 * The DAG, if it exists and the caller (when there is one) may see it. An archived DAG counts as missing unless
 * `includeArchived` (what hangs off it stays readable and removable).
 */
export async function visibleDagFor(
  store: Store,
  dagId: string,
  caller: Actor | undefined,
  options: { what?: string; includeArchived?: boolean } = {},
): Promise<DagRecord> {
  const dag = await store.read((db) => getDag(db, dagId));
  const what = options.what ?? `DAG ${dagId}`;
  const hidden = dag?.archivedAt !== null && !options.includeArchived;
  if (!dag || hidden || (caller && !canSeeDag(caller, dag))) {
    throw new FlowgateError('NOT_FOUND', `${what} does not exist`);
  }
  return dag;
}

/** Refuses (403) a caller who may see the DAG but not set up its schedules and triggers. */
export function demandMaySchedule(caller: Actor | undefined, dag: DagRecord): void {
  if (caller && !canScheduleDag(caller, dag)) {
    throw new FlowgateError('FORBIDDEN', `You may not schedule or trigger DAG ${dag.dagId}.`);
  }
}

/** The ids of the DAGs the caller may see; undefined when there is no filter (no caller, or an admin). */
export async function visibleDagIdsFor(
  store: Store,
  caller: Actor | undefined,
): Promise<string[] | undefined> {
  if (!caller || isAdmin(caller)) return undefined;
  const dags = await store.read((db) => listDags(db, { includeArchived: true }));
  return dags.filter((dag) => canSeeDag(caller, dag)).map((dag) => dag.dagId);
}

/** Who a caller is in `created_by` columns: the username, as everywhere else. */
export function actorName(caller: Actor): string {
  return caller.username ?? caller.userId;
}

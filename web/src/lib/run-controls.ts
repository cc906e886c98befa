/** Which lifecycle actions a run's state allows (as src/engine/run-control.ts checks them), and what they say. */
import type { RunAction } from '../api/client';
import type { DagDetail, User, Workflow } from '../api/types';

/**
 * Whether the caller may steer the run (src/app/permissions.ts, canControlRun): admins; not viewers; the DAG's owners
 * and editors; the run's starter. The server decides (403); this only keeps buttons from offering what it refuses.
 */
export function mayControl(user: User, run: Workflow, dag: DagDetail | null): boolean {
  if (user.role === 'admin') return true;
  if (user.role === 'viewer') return false;
  const me = (name: string | null | undefined) => name === user.username || name === user.userId;
  if (me(run.createdBy)) return true;
  if (!dag) return false;
  return [...dag.permissions.owners, ...dag.permissions.editors].some(me);
}

export function allowedActions(run: Workflow): RunAction[] {
  const actions: RunAction[] = [];
  if (run.status === 'running' || (run.status === 'paused' && run.pauseReason === 'hitl'))
    actions.push('pause');
  if (run.status === 'paused' && run.pauseReason === 'user') actions.push('resume');
  if (run.status === 'running' || run.status === 'paused' || run.status === 'pending')
    actions.push('cancel');
  if (run.status === 'failed' || run.status === 'cancelled') actions.push('retry');
  return actions;
}

export const ACTION_TEXT: Record<RunAction, { label: string; confirm: string }> = {
  pause: {
    label: 'Pause',
    confirm:
      'Pause this run? Steps already running finish; no new step starts until it is resumed.',
  },
  resume: { label: 'Resume', confirm: 'Resume this run where it stopped?' },
  cancel: {
    label: 'Cancel',
    confirm: 'Cancel this run? Its open requests are cancelled too. This cannot be undone.',
  },
  retry: { label: 'Retry', confirm: 'Retry this run from its failed or cancelled steps?' },
};

/** Whether the caller may start runs of the DAG (canStartDag): admins; editors and owners; anyone but viewers when public. */
export function mayStart(user: User, permissions: DagDetail['permissions']): boolean {
  if (user.role === 'admin') return true;
  if (user.role === 'viewer') return false;
  const me = (name: string) => name === user.username || name === user.userId;
  return permissions.isPublic || [...permissions.owners, ...permissions.editors].some(me);
}

/** Whether the caller may store a new version (canEditDag): admins; owners and editors who are not viewers. */
export function mayEdit(user: User, permissions: DagDetail['permissions']): boolean {
  if (user.role === 'admin') return true;
  if (user.role === 'viewer') return false;
  const me = (name: string) => name === user.username || name === user.userId;
  return [...permissions.owners, ...permissions.editors].some(me);
}

/** Whether the caller may change who may use the DAG (canManageDag): admins; owners who are not viewers. */
export function mayManage(user: User, permissions: DagDetail['permissions']): boolean {
  if (user.role === 'admin') return true;
  if (user.role === 'viewer') return false;
  return permissions.owners.some((name) => name === user.username || name === user.userId);
}

/**
 * Who may do what to a DAG and what hangs off it (its versions, runs and requests): API.md's permission rules in one
 * pure module. Roles are admin, user and viewer; a DAG may name owners, editors and viewers (by username or user id)
 * and be public. A DAG stored without permissions is owned by its creator and public.
 *
 * The shells ask these questions and answer 404 when the caller may not see an object, 403 when they may see it but
 * not act on it.
 */
import type { DagPermissions } from '../definition/index.js';
import type { Actor } from '../shared/actor.js';

/** What the rules need of a stored DAG. */
export interface DagAccessInfo {
  /** The permissions as stored (JSON text or parsed), or null when the DAG carries none. */
  readonly permissions: string | DagPermissions | null;
  /** Who stored the first version (a username, or a user id). */
  readonly createdBy: string | null;
}

/** The permissions that apply: the stored ones, or "owned by its creator, public". */
export function effectivePermissions(dag: DagAccessInfo): DagPermissions {
  const stored =
    typeof dag.permissions === 'string' ? parsePermissions(dag.permissions) : dag.permissions;
  if (stored) return stored;
  return {
    owners: dag.createdBy === null ? [] : [dag.createdBy],
    editors: [],
    viewers: [],
    isPublic: true,
  };
}

function parsePermissions(text: string): DagPermissions | null {
  try {
    const value = JSON.parse(text) as Partial<DagPermissions> | null;
    if (!value || typeof value !== 'object') return null;
    return {
      owners: Array.isArray(value.owners) ? value.owners : [],
      editors: Array.isArray(value.editors) ? value.editors : [],
      viewers: Array.isArray(value.viewers) ? value.viewers : [],
      isPublic: value.isPublic === true,
    };
  } catch {
    return null;
  }
}

export function isAdmin(actor: Actor): boolean {
  return actor.roles?.includes('admin') ?? false;
}

/** A viewer account only reads; an admin role wins over it. */
export function isReadOnly(actor: Actor): boolean {
  return !isAdmin(actor) && (actor.roles?.includes('viewer') ?? false);
}

function names(actor: Actor, list: readonly string[]): boolean {
  return list.some((name) => name === actor.userId || name === actor.username);
}

function isOwner(actor: Actor, p: DagPermissions): boolean {
  return names(actor, p.owners);
}

function isEditor(actor: Actor, p: DagPermissions): boolean {
  return isOwner(actor, p) || names(actor, p.editors);
}

/** See a DAG, its versions, runs and requests: admins; owners, editors, viewers; anyone when public. */
export function canSeeDag(actor: Actor, dag: DagAccessInfo): boolean {
  if (isAdmin(actor)) return true;
  const p = effectivePermissions(dag);
  return p.isPublic || isEditor(actor, p) || names(actor, p.viewers);
}

/** Store a new DAG, or start a run of a document: admins and users, not viewers. */
export function canCreateDag(actor: Actor): boolean {
  return isAdmin(actor) || actor.roles?.includes('user') === true;
}

/** Store a new version: admins, owners, editors (never a viewer account). */
export function canEditDag(actor: Actor, dag: DagAccessInfo): boolean {
  if (isAdmin(actor)) return true;
  return !isReadOnly(actor) && isEditor(actor, effectivePermissions(dag));
}

/** Archive a DAG, or change who may do what to it: admins and owners. */
export function canManageDag(actor: Actor, dag: DagAccessInfo): boolean {
  if (isAdmin(actor)) return true;
  return !isReadOnly(actor) && isOwner(actor, effectivePermissions(dag));
}

/** Start a run of a stored DAG: admins, owners, editors, or any non-viewer when public. */
export function canStartDag(actor: Actor, dag: DagAccessInfo): boolean {
  if (isAdmin(actor)) return true;
  if (isReadOnly(actor)) return false;
  const p = effectivePermissions(dag);
  return isEditor(actor, p) || (p.isPublic && canCreateDag(actor));
}

/** Pause, resume, cancel, retry a run or cancel its requests: admins, owners, editors, or the run's starter. */
export function canControlRun(
  actor: Actor,
  dag: DagAccessInfo,
  runStartedBy: string | null,
): boolean {
  if (isAdmin(actor)) return true;
  if (isReadOnly(actor)) return false;
  return (
    isEditor(actor, effectivePermissions(dag)) ||
    (runStartedBy !== null && names(actor, [runStartedBy]))
  );
}

/**
 * Decide a request: whoever may see it. The engine then checks the node's approvers, self-approval and refuses
 * viewer accounts.
 */
export function canDecideRequest(actor: Actor, dag: DagAccessInfo): boolean {
  return canSeeDag(actor, dag);
}

/** Whether two permission sets say the same thing (order of names aside). */
export function samePermissions(a: DagPermissions, b: DagPermissions): boolean {
  const same = (x: readonly string[], y: readonly string[]) =>
    x.length === y.length && [...x].sort().every((v, i) => v === [...y].sort()[i]);
  return (
    a.isPublic === b.isPublic &&
    same(a.owners, b.owners) &&
    same(a.editors, b.editors) &&
    same(a.viewers, b.viewers)
  );
}

/**
 * Create, change or delete a DAG's schedules and triggers: admins, owners, editors. These start runs again and again
 * with no one asking, so they take edit rights: being allowed to start a public DAG is not enough.
 */
export function canScheduleDag(actor: Actor, dag: DagAccessInfo): boolean {
  return canEditDag(actor, dag);
}

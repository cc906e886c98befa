/**
 * Loads the object a route acts on and asks src/app/permissions.ts whether the caller may: NOT_FOUND (404) when they
 * may not see it, exactly as for a missing id, and FORBIDDEN (403) when they may see it but not do this.
 */
import { isDeepStrictEqual } from 'node:util';

import {
  canCreateDag,
  canDecideRequest,
  canEditDag,
  canManageDag,
  canSeeDag,
  canStartDag,
  effectivePermissions,
  isAdmin,
  samePermissions,
} from '../app/permissions.js';
import type { DagDefinition, DagRecord } from '../app/definitions.js';
import type { Actor } from '../shared/actor.js';
import { FlowgateError } from '../shared/errors.js';
import type { RouteDeps } from './route-deps.js';

type Facade = RouteDeps['flowgate'];

function notFound(what: string): FlowgateError {
  return new FlowgateError('NOT_FOUND', `${what} does not exist`);
}

function forbidden(message: string): FlowgateError {
  return new FlowgateError('FORBIDDEN', message);
}

/** Refuses with 403 unless the rule allows. */
export function demand(allowed: boolean, message: string): void {
  if (!allowed) throw forbidden(message);
}

/** A DAG the caller may see (archived ones too, with `includeArchived`); 404 otherwise. */
export async function visibleDag(
  flowgate: Facade,
  actor: Actor,
  dagId: string,
  options: { includeArchived?: boolean } = {},
): Promise<DagRecord> {
  const dag = await flowgate.findDag(dagId);
  if (!dag || (dag.archivedAt !== null && !options.includeArchived) || !canSeeDag(actor, dag)) {
    throw notFound(`DAG ${dagId}`);
  }
  return dag;
}

/** A run the caller may see, and its DAG; 404 otherwise. */
export async function visibleRun(flowgate: Facade, actor: Actor, workflowId: string) {
  const run = await flowgate.getWorkflow(workflowId).catch((error: unknown) => {
    throw isNotFound(error) ? notFound(`Workflow ${workflowId}`) : error;
  });
  const dag = await flowgate.findDag(run.dagId);
  if (!dag || !canSeeDag(actor, dag)) throw notFound(`Workflow ${workflowId}`);
  return { run, dag };
}

/** A HITL request the caller may see (with its context and votes), its run's starter and DAG; 404 otherwise. */
export async function visibleRequest(flowgate: Facade, actor: Actor, requestId: string) {
  const missing = notFound(`HITL request ${requestId}`);
  const request = await flowgate.getHitl(requestId).catch((error: unknown) => {
    throw isNotFound(error) ? missing : error;
  });
  const run = await flowgate.getWorkflow(request.workflowId).catch((error: unknown) => {
    throw isNotFound(error) ? missing : error;
  });
  const dag = await flowgate.findDag(run.dagId);
  if (!dag || !canSeeDag(actor, dag)) throw missing;
  return { request, run, dag };
}

/**
 * Refuses unless the caller may decide the request: 404 when they may not see it, 403 when they may see but not
 * decide it. One read, since deciding is the hot path; the engine checks the request itself (approvers, status) as
 * it decides.
 */
export async function checkMayDecide(
  flowgate: Facade,
  actor: Actor,
  requestId: string,
): Promise<void> {
  const dag = await flowgate.findDagOfRequest(requestId);
  if (!dag || !canSeeDag(actor, dag)) throw notFound(`HITL request ${requestId}`);
  demand(canDecideRequest(actor, dag), 'You may not decide this request.');
}

/** The ids of the DAGs whose runs and requests the caller may see; undefined for an admin (no filter). */
export async function visibleDagIds(flowgate: Facade, actor: Actor): Promise<string[] | undefined> {
  if (isAdmin(actor)) return undefined;
  const dags = await flowgate.listDags({ includeArchived: true });
  return dags.filter((dag) => canSeeDag(actor, dag)).map((dag) => dag.dagId);
}

/**
 * May the caller store this (validated) document, given the DAG of the same id if there is one? A new DAG needs a
 * non-viewer account; a new version edit rights, and a change of its permissions ownership.
 */
export function checkMayStore(
  actor: Actor,
  dag: DagDefinition,
  existing: DagRecord | undefined,
): void {
  if (!existing) {
    demand(canCreateDag(actor), 'Viewers cannot store DAGs.');
    return;
  }
  if (!canSeeDag(actor, existing)) throw notFound(`DAG ${dag.dagId}`);
  demand(canEditDag(actor, existing), `You may not change DAG ${dag.dagId}.`);
  const after = effectivePermissions({
    permissions: dag.permissions ?? null,
    createdBy: existing.createdBy,
  });
  demand(
    samePermissions(effectivePermissions(existing), after) || canManageDag(actor, existing),
    `Only owners may change the permissions of DAG ${dag.dagId}.`,
  );
}

function isNotFound(error: unknown): boolean {
  return error instanceof FlowgateError && error.code === 'NOT_FOUND';
}

/**
 * Starts a run for the caller, with the permissions of `POST /api/workflows`: a stored DAG by id (start rights), or
 * a document (store rights, unless it equals the latest stored version, when start rights suffice).
 */
export async function startRunAsCaller(
  flowgate: RouteDeps['flowgate'],
  actor: Actor,
  request: { dagId?: string; version?: number; document?: object; input?: unknown },
): Promise<{ workflowId: string; status: string }> {
  const options = { input: request.input ?? null, startedBy: actor };
  if (request.document === undefined) {
    const dag = await visibleDag(flowgate, actor, request.dagId ?? '');
    demand(canStartDag(actor, dag), `You may not start DAG ${dag.dagId}.`);
    return flowgate.start(dag.dagId, {
      ...options,
      ...(request.version !== undefined ? { version: request.version } : {}),
    });
  }
  const dag = flowgate.validateDag(request.document);
  const existing = await flowgate.findDag(dag.dagId);
  const unchanged =
    existing !== undefined &&
    existing.archivedAt === null &&
    // Compared as values: PostgreSQL keeps the definition as jsonb, with its own key order.
    isDeepStrictEqual(
      (await flowgate.getDag(dag.dagId)).definition,
      JSON.parse(JSON.stringify(dag)),
    );
  if (unchanged) {
    // The document is the latest version: starting it is starting the stored DAG.
    if (!canSeeDag(actor, existing)) {
      throw new FlowgateError('NOT_FOUND', `DAG ${dag.dagId} does not exist`);
    }
    demand(canStartDag(actor, existing), `You may not start DAG ${dag.dagId}.`);
  } else {
    checkMayStore(actor, dag, existing);
  }
  return flowgate.start(request.document, options);
}

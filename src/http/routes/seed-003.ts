/**
 * Seed 003's endpoints (API.md): `POST /api/workflows/execute`, `GET/POST/DELETE /api/workflows/approvals`,
 * `GET/PATCH/DELETE /api/workflows/state`, `GET/POST /api/workflows/rollback`, in that seed's shapes and with the
 * permissions of the native routes they stand for (`POST /api/workflows`, `/api/hitl/...`,
 * `/api/workflows/:id/{pause,resume,cancel,retry,rollback}`, `/api/workflows/:id/snapshots`). Their static paths win
 * over `/api/workflows/:id` in Fastify's router.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import { canControlRun } from '../../app/permissions.js';
import type { WorkflowView } from '../../app/views.js';
import { FlowgateError } from '../../shared/errors.js';
import {
  checkMayDecide,
  demand,
  startRunAsCaller,
  visibleDagIds,
  visibleRequest,
  visibleRun,
} from '../access.js';
import { actorOf, authenticate } from '../authenticate.js';
import type { RouteDeps } from '../route-deps.js';
import { BEARER, errorResponses } from '../schemas/common.js';
import { Decision } from '../schemas/hitl.js';
import {
  ApprovalDecisionBody,
  ApprovalList,
  CancelApprovalsQuery,
  CompensationActions,
  RollbackActionAnswer,
  RollbackActionBody,
  RollbackQuery,
  ExecuteBody,
  RunStatusAnswer,
  StateActionBody,
  StateAnswer,
  StateQuery,
  StateQueryRequired,
} from '../schemas/seed-003.js';
import { CancelledCount, StartedWorkflow, Workflow } from '../schemas/workflows.js';

/** Nodes that hold a run up: running, or waiting for people. */
const CURRENT = new Set(['running', 'waiting_hitl']);

/** A run (with its nodes) as seed 003's execution state. */
function stateOf(run: WorkflowView) {
  const nodes = run.nodes ?? [];
  const completed = nodes.filter((node) => node.status === 'completed');
  return {
    workflowId: run.workflowId,
    dagId: run.dagId,
    status: run.status,
    currentNodes: nodes.filter((node) => CURRENT.has(node.status)).map((node) => node.nodeId),
    completedNodes: completed.map((node) => node.nodeId),
    context: {
      input: run.input,
      outputs: Object.fromEntries(completed.map((node) => [node.nodeId, node.result])),
      variables: (run.context ?? {}) as Record<string, unknown>,
    },
  };
}

/** Every page of a cursor-paged list. */
async function all<T>(
  page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const answer = await page(cursor);
    items.push(...answer.items);
    cursor = answer.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return items;
}

/** Starts a run as `POST /api/workflows` does, with the same permission checks. */
export const seed003Routes: FastifyPluginAsyncZod<RouteDeps> = (app, { auth, flowgate }) => {
  const signedIn = authenticate(auth);

  app.post(
    '/api/workflows/execute',
    {
      onRequest: signedIn,
      schema: {
        tags: ['workflows'],
        summary: 'Seed 003: start a run of a stored DAG (`dagId`) or of a document (`workflow`)',
        description: 'The permissions of `POST /api/workflows`.',
        security: BEARER,
        body: ExecuteBody,
        response: { 201: StartedWorkflow, ...errorResponses(400, 401, 403, 404, 413, 422) },
      },
    },
    async (request, reply) => {
      const { dagId, workflow, input } = request.body;
      const started = await startRunAsCaller(flowgate, actorOf(request), {
        ...(dagId !== undefined ? { dagId } : {}),
        ...(workflow !== undefined ? { document: workflow } : {}),
        input,
      });
      return reply.code(201).send({ workflowId: started.workflowId, status: started.status });
    },
  );

  app.get(
    '/api/workflows/approvals',
    {
      onRequest: signedIn,
      schema: {
        tags: ['hitl'],
        summary: 'Seed 003: the pending HITL requests of runs the caller may see, oldest first',
        security: BEARER,
        response: { 200: ApprovalList, ...errorResponses(401) },
      },
    },
    async (request) => {
      const dagIds = await visibleDagIds(flowgate, actorOf(request));
      const approvals = await all((cursor) =>
        flowgate.listHitl({
          limit: 500,
          ...(dagIds ? { dagIds } : {}),
          ...(cursor !== undefined ? { cursor } : {}),
        }),
      );
      return { approvals, count: approvals.length };
    },
  );

  app.post(
    '/api/workflows/approvals',
    {
      onRequest: signedIn,
      schema: {
        tags: ['hitl'],
        summary: 'Seed 003: approve (`approved: true`) or reject the request `gateId`',
        description:
          '409 HITL_NOT_PENDING when already decided; 403 when the caller may not decide.',
        security: BEARER,
        body: ApprovalDecisionBody,
        response: { 200: Decision, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { gateId, decision } = request.body;
      await checkMayDecide(flowgate, actor, gateId);
      const options = decision.comment !== undefined ? { comment: decision.comment } : {};
      return decision.approved
        ? flowgate.approve(gateId, actor, options)
        : flowgate.reject(gateId, actor, options);
    },
  );

  app.delete(
    '/api/workflows/approvals',
    {
      onRequest: signedIn,
      schema: {
        tags: ['hitl'],
        summary:
          'Seed 003: cancel the request `gateId`, or every pending request of the run `workflowId`',
        description: 'Admins, owners and editors of the DAG, and the run’s starter.',
        security: BEARER,
        querystring: CancelApprovalsQuery,
        response: { 200: CancelledCount, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { gateId, workflowId } = request.query;
      if ((gateId === undefined) === (workflowId === undefined)) {
        throw new FlowgateError('BAD_REQUEST', 'Give either gateId or workflowId');
      }
      if (gateId !== undefined) {
        const { run, dag } = await visibleRequest(flowgate, actor, gateId);
        demand(canControlRun(actor, dag, run.createdBy), 'You may not cancel this request.');
        await flowgate.cancelHitl(gateId, actor);
        return { cancelled: 1 };
      }
      const { run, dag } = await visibleRun(flowgate, actor, workflowId!);
      demand(canControlRun(actor, dag, run.createdBy), 'You may not cancel this run’s requests.');
      return { cancelled: await flowgate.cancelRunHitl(run.workflowId, actor) };
    },
  );

  app.get(
    '/api/workflows/state',
    {
      onRequest: signedIn,
      schema: {
        tags: ['workflows'],
        summary:
          'Seed 003: the states of the running and paused runs the caller may see, or (`workflowId`) one run’s',
        security: BEARER,
        querystring: StateQuery,
        response: { 200: StateAnswer, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { workflowId } = request.query;
      if (workflowId !== undefined) {
        const { run } = await visibleRun(flowgate, actor, workflowId);
        return { state: stateOf(run), snapshots: await flowgate.listSnapshots(run.workflowId) };
      }
      const dagIds = await visibleDagIds(flowgate, actor);
      const runs = (
        await Promise.all(
          ['running', 'paused'].map((status) =>
            all((cursor) =>
              flowgate.listWorkflows({
                status,
                limit: 500,
                ...(dagIds ? { dagIds } : {}),
                ...(cursor !== undefined ? { cursor } : {}),
              }),
            ),
          ),
        )
      ).flat();
      runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      const states = [];
      for (const run of runs) {
        const full = await flowgate.getWorkflow(run.workflowId).catch(() => undefined);
        if (full) states.push(stateOf(full));
      }
      return { states, count: states.length };
    },
  );

  app.patch(
    '/api/workflows/state',
    {
      onRequest: signedIn,
      schema: {
        tags: ['workflows'],
        summary:
          'Seed 003: pause or resume a run, or merge `data` into its context variables (`updateContext`)',
        description: 'Admins, owners and editors of the DAG, and the run’s starter.',
        security: BEARER,
        body: StateActionBody,
        response: { 200: Workflow, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { workflowId, action, data } = request.body;
      const { run, dag } = await visibleRun(flowgate, actor, workflowId);
      demand(canControlRun(actor, dag, run.createdBy), `You may not ${action} this run.`);
      if (action === 'updateContext') return flowgate.updateContext(run.workflowId, data!, actor);
      return flowgate[action](run.workflowId, actor);
    },
  );

  app.delete(
    '/api/workflows/state',
    {
      onRequest: signedIn,
      schema: {
        tags: ['workflows'],
        summary: 'Seed 003: delete a run’s state, that is cancel the run',
        description: 'Admins, owners and editors of the DAG, and the run’s starter.',
        security: BEARER,
        querystring: StateQueryRequired,
        response: { 200: RunStatusAnswer, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { run, dag } = await visibleRun(flowgate, actor, request.query.workflowId);
      demand(canControlRun(actor, dag, run.createdBy), 'You may not cancel this run.');
      const cancelled = await flowgate.cancel(run.workflowId, actor);
      return { workflowId: cancelled.workflowId, status: cancelled.status };
    },
  );

  app.get(
    '/api/workflows/rollback',
    {
      onRequest: signedIn,
      schema: {
        tags: ['workflows'],
        summary:
          "Seed 003: a run's compensation actions: its running rollback's, or those a full rollback would run",
        security: BEARER,
        querystring: RollbackQuery,
        response: { 200: CompensationActions, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const { run } = await visibleRun(flowgate, actorOf(request), request.query.workflowId);
      const actions = await flowgate.listCompensations(run.workflowId);
      return { actions, count: actions.length };
    },
  );

  app.post(
    '/api/workflows/rollback',
    {
      onRequest: signedIn,
      schema: {
        tags: ['workflows'],
        summary:
          'Seed 003: roll back (to a step, or to the last success) or recover (retry; clear retry counters)',
        description:
          '`rollbackToStep` goes to `snapshotId` or `targetStepIndex` (0: after the first completed node); ' +
          '`rollbackToLastSuccess` to the newest snapshot (for a failed run: undo nothing, run the failed nodes ' +
          'again); `recoverFromError` retries a failed run; `clearRetryCounters` gives every node its retry budget ' +
          'again. Admins, owners and editors of the DAG, and the run’s starter. 404 when the snapshot is not the ' +
          'run’s; 409 when the run cannot do this now.',
        security: BEARER,
        body: RollbackActionBody,
        response: { 200: RollbackActionAnswer, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { workflowId, action, snapshotId, targetStepIndex } = request.body;
      const { run, dag } = await visibleRun(flowgate, actor, workflowId);
      demand(canControlRun(actor, dag, run.createdBy), `You may not ${action} this run.`);
      if (action === 'recoverFromError' || action === 'clearRetryCounters') {
        const after =
          action === 'recoverFromError'
            ? await flowgate.retry(run.workflowId, actor)
            : await flowgate.clearRetryCounters(run.workflowId, actor);
        return { success: true as const, workflowId: run.workflowId, action, status: after.status };
      }
      const target =
        action === 'rollbackToLastSuccess'
          ? { latest: true as const }
          : snapshotId !== undefined
            ? { snapshotId }
            : { stepIndex: targetStepIndex! };
      const started = await flowgate.rollback(run.workflowId, target, actor);
      const now = await flowgate.getWorkflow(run.workflowId);
      return {
        success: true as const,
        workflowId: run.workflowId,
        action,
        status: now.status,
        rollbackId: started.rollbackId,
        snapshotId: started.snapshotId,
        compensations: [...started.compensations],
      };
    },
  );
  return Promise.resolve();
};

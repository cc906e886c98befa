/**
 * `POST/GET /api/workflows`, `GET /api/workflows/:id` (and `/events`), `POST /api/workflows/:id/{pause,resume,
 * cancel,retry,cancel-hitl}`: runs, visible and controllable as the DAG's permissions say.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import { canControlRun } from '../../app/permissions.js';
import { demand, startRunAsCaller, visibleDagIds, visibleRun } from '../access.js';
import { actorOf, authenticate } from '../authenticate.js';
import type { RouteDeps } from '../route-deps.js';
import { BEARER, errorResponses, IdParams } from '../schemas/common.js';
import {
  CancelledCount,
  CancelRunHitlBody,
  EventList,
  StartedWorkflow,
  StartWorkflowBody,
  Workflow,
  WorkflowList,
  WorkflowQuery,
} from '../schemas/workflows.js';

const LIFECYCLE = ['pause', 'resume', 'cancel', 'retry'] as const;

export const workflowRoutes: FastifyPluginAsyncZod<RouteDeps> = (app, { auth, flowgate }) => {
  const signedIn = authenticate(auth);

  app.post(
    '/api/workflows',
    {
      onRequest: signedIn,
      schema: {
        tags: ['workflows'],
        summary: 'Start a run of a stored DAG (`dagId`, `version?`) or of a document (`dag`)',
        security: BEARER,
        body: StartWorkflowBody,
        response: { 201: StartedWorkflow, ...errorResponses(400, 401, 403, 404, 413, 422) },
      },
    },
    async (request, reply) => {
      const { dagId, version, dag: document, input } = request.body;
      const started = await startRunAsCaller(flowgate, actorOf(request), {
        ...(dagId !== undefined ? { dagId } : {}),
        ...(version !== undefined ? { version } : {}),
        ...(document !== undefined ? { document } : {}),
        input,
      });
      return reply.code(201).send({ workflowId: started.workflowId, status: started.status });
    },
  );

  app.get(
    '/api/workflows',
    {
      onRequest: signedIn,
      schema: {
        tags: ['workflows'],
        summary: 'Runs of the DAGs the caller may see, newest first',
        security: BEARER,
        querystring: WorkflowQuery,
        response: { 200: WorkflowList, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const dagIds = await visibleDagIds(flowgate, actorOf(request));
      return flowgate.listWorkflows({ ...request.query, ...(dagIds ? { dagIds } : {}) });
    },
  );

  app.get(
    '/api/workflows/:id',
    {
      onRequest: signedIn,
      schema: {
        tags: ['workflows'],
        summary: 'A run with its nodes',
        security: BEARER,
        params: IdParams,
        response: { 200: Workflow, ...errorResponses(401, 404) },
      },
    },
    async (request) => (await visibleRun(flowgate, actorOf(request), request.params.id)).run,
  );

  app.get(
    '/api/workflows/:id/events',
    {
      onRequest: signedIn,
      schema: {
        tags: ['workflows'],
        summary: "A run's events, oldest first",
        security: BEARER,
        params: IdParams,
        response: { 200: EventList, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const { run } = await visibleRun(flowgate, actorOf(request), request.params.id);
      return { items: await flowgate.listEvents(run.workflowId) };
    },
  );

  for (const action of LIFECYCLE) {
    app.post(
      `/api/workflows/:id/${action}`,
      {
        onRequest: signedIn,
        schema: {
          tags: ['workflows'],
          summary: `${action[0]!.toUpperCase()}${action.slice(1)} a run`,
          description: 'Admins, owners and editors of the DAG, and the run’s starter.',
          security: BEARER,
          params: IdParams,
          response: { 200: Workflow, ...errorResponses(401, 403, 404, 409) },
        },
      },
      async (request) => {
        const actor = actorOf(request);
        const { run, dag } = await visibleRun(flowgate, actor, request.params.id);
        demand(canControlRun(actor, dag, run.createdBy), `You may not ${action} this run.`);
        return flowgate[action](run.workflowId, actor);
      },
    );
  }

  app.post(
    '/api/workflows/:id/cancel-hitl',
    {
      onRequest: signedIn,
      schema: {
        tags: ['workflows'],
        summary: 'Cancel every pending HITL request of a run',
        security: BEARER,
        params: IdParams,
        body: CancelRunHitlBody,
        response: { 200: CancelledCount, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { run, dag } = await visibleRun(flowgate, actor, request.params.id);
      demand(canControlRun(actor, dag, run.createdBy), 'You may not cancel this run’s requests.');
      return {
        cancelled: await flowgate.cancelRunHitl(run.workflowId, actor, request.body?.reason),
      };
    },
  );
  return Promise.resolve();
};

/**
 * `GET /api/workflows/:id/snapshots` and `POST /api/workflows/:id/rollback` (API.md, "Snapshots and rollback"):
 * whoever may see a run sees its snapshots; whoever may pause or cancel it may roll it back.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import { canControlRun } from '../../app/permissions.js';
import { demand, visibleRun } from '../access.js';
import { actorOf, authenticate } from '../authenticate.js';
import type { RouteDeps } from '../route-deps.js';
import { BEARER, errorResponses, IdParams } from '../schemas/common.js';
import { RollbackBody, SnapshotList, StartedRollback } from '../schemas/rollback.js';

export const rollbackRoutes: FastifyPluginAsyncZod<RouteDeps> = (app, { auth, flowgate }) => {
  const signedIn = authenticate(auth);

  app.get(
    '/api/workflows/:id/snapshots',
    {
      onRequest: signedIn,
      schema: {
        tags: ['workflows'],
        summary: "A run's snapshots (the last 50), newest first, each with the full state",
        security: BEARER,
        params: IdParams,
        response: { 200: SnapshotList, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const { run } = await visibleRun(flowgate, actorOf(request), request.params.id);
      return { items: await flowgate.listSnapshots(run.workflowId) };
    },
  );

  app.post(
    '/api/workflows/:id/rollback',
    {
      onRequest: signedIn,
      schema: {
        tags: ['workflows'],
        summary:
          'Roll a run back to a snapshot: compensations of the later nodes in reverse order, then resume',
        description:
          'Admins, owners and editors of the DAG, and the run’s starter. 202: the rollback is committed and its ' +
          'compensations run in a worker. 404 when the snapshot is not one of the run’s; 409 when the run is ' +
          'running, has nodes in flight, or is rolling back already.',
        security: BEARER,
        params: IdParams,
        body: RollbackBody,
        response: { 202: StartedRollback, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { run, dag } = await visibleRun(flowgate, actor, request.params.id);
      demand(canControlRun(actor, dag, run.createdBy), 'You may not roll back this run.');
      const started = await flowgate.rollback(
        run.workflowId,
        { snapshotId: request.body.snapshotId },
        actor,
      );
      return reply.code(202).send({ ...started, compensations: [...started.compensations] });
    },
  );
  return Promise.resolve();
};

/**
 * `POST /api/dags/:dagId/triggers`, `GET /api/triggers`, `GET/DELETE /api/triggers/:id`: a DAG's inbound triggers,
 * under the same permissions as its schedules. The secret is in the creation's answer only.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';

import type { TriggerView } from '../../app/triggers.js';
import { actorOf, authenticate } from '../authenticate.js';
import type { RouteDeps } from '../route-deps.js';
import { BEARER, errorResponses, IdParams, NoContent } from '../schemas/common.js';
import { DagParams } from '../schemas/dags.js';
import {
  CreatedTrigger,
  CreateTriggerBody,
  Trigger,
  TriggerList,
  TriggerListQuery,
} from '../schemas/triggers.js';

/** The trigger as answered, with the URL a caller reaches it at through this server. */
function withUrl(request: FastifyRequest, trigger: TriggerView) {
  const { path, ...rest } = trigger;
  return { ...rest, url: `${request.protocol}://${request.host}${path}` };
}

export const triggerRoutes: FastifyPluginAsyncZod<RouteDeps> = (app, { auth, flowgate }) => {
  const signedIn = authenticate(auth);

  app.post(
    '/api/dags/:dagId/triggers',
    {
      onRequest: signedIn,
      schema: {
        tags: ['triggers'],
        summary: 'Create a URL that starts runs of the DAG; its secret is returned this once',
        description:
          'Needs edit rights on the DAG. Callers POST JSON to the url with Authorization: Bearer <secret> (or, for ' +
          'auth standard_webhooks, a Standard Webhooks signature) and get 202 {workflowId}.',
        security: BEARER,
        params: DagParams,
        body: CreateTriggerBody.nullish(),
        response: { 201: CreatedTrigger, ...errorResponses(400, 401, 403, 404, 413, 422) },
      },
    },
    async (request, reply) => {
      const { name, auth: mode } = request.body ?? {};
      const created = await flowgate.triggers.create(
        request.params.dagId,
        { ...(name !== undefined ? { name } : {}), ...(mode !== undefined ? { auth: mode } : {}) },
        { caller: actorOf(request) },
      );
      const { secret, ...trigger } = created;
      return reply.code(201).send({ ...withUrl(request, trigger), secret });
    },
  );

  app.get(
    '/api/triggers',
    {
      onRequest: signedIn,
      schema: {
        tags: ['triggers'],
        summary: 'The triggers of the DAGs the caller may see, oldest first (never their secrets)',
        security: BEARER,
        querystring: TriggerListQuery,
        response: { 200: TriggerList, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const { dagId, limit, cursor } = request.query;
      const page = await flowgate.triggers.list(
        {
          ...(dagId !== undefined ? { dagId } : {}),
          ...(limit !== undefined ? { limit } : {}),
          ...(cursor !== undefined ? { cursor } : {}),
        },
        { caller: actorOf(request) },
      );
      return {
        items: page.items.map((trigger) => withUrl(request, trigger)),
        nextCursor: page.nextCursor,
      };
    },
  );

  app.get(
    '/api/triggers/:id',
    {
      onRequest: signedIn,
      schema: {
        tags: ['triggers'],
        summary: 'One trigger (never its secret)',
        security: BEARER,
        params: IdParams,
        response: { 200: Trigger, ...errorResponses(401, 404) },
      },
    },
    async (request) =>
      withUrl(
        request,
        await flowgate.triggers.get(request.params.id, { caller: actorOf(request) }),
      ),
  );

  app.delete(
    '/api/triggers/:id',
    {
      onRequest: signedIn,
      schema: {
        tags: ['triggers'],
        summary: 'Delete a trigger: its URL stops working at once (the runs it started stay)',
        security: BEARER,
        params: IdParams,
        response: { 204: NoContent, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await flowgate.triggers.delete(request.params.id, { caller: actorOf(request) });
      return reply.code(204).send(null);
    },
  );
  return Promise.resolve();
};

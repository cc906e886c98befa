/**
 * `POST /api/dags/:dagId/schedules`, `GET /api/schedules`, `GET/PATCH/DELETE /api/schedules/:id`,
 * `GET /api/schedules/:id/history`: a DAG's cron schedules. The caller's permissions on the DAG are checked below
 * app/ (seeing a schedule takes seeing its DAG; changing one takes edit rights on it).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import { actorOf, authenticate } from '../authenticate.js';
import type { RouteDeps } from '../route-deps.js';
import { BEARER, errorResponses, IdParams, NoContent } from '../schemas/common.js';
import { DagParams } from '../schemas/dags.js';
import {
  CreateScheduleBody,
  Schedule,
  ScheduleHistory,
  ScheduleList,
  ScheduleListQuery,
  UpdateScheduleBody,
} from '../schemas/schedules.js';

export const scheduleRoutes: FastifyPluginAsyncZod<RouteDeps> = (app, { auth, flowgate }) => {
  const signedIn = authenticate(auth);

  app.post(
    '/api/dags/:dagId/schedules',
    {
      onRequest: signedIn,
      schema: {
        tags: ['schedules'],
        summary: 'Start runs of the DAG on a cron schedule',
        description:
          'Needs edit rights on the DAG. The runs start in the name of the caller, with the schedule id and the ' +
          'scheduled time in their start event. 422 VALIDATION_FAILED for an expression or time zone that does not ' +
          'parse.',
        security: BEARER,
        params: DagParams,
        body: CreateScheduleBody,
        response: { 201: Schedule, ...errorResponses(400, 401, 403, 404, 413, 422) },
      },
    },
    async (request, reply) => {
      const schedule = await flowgate.schedules.create(request.params.dagId, request.body, {
        caller: actorOf(request),
      });
      return reply.code(201).send(schedule);
    },
  );

  app.get(
    '/api/schedules',
    {
      onRequest: signedIn,
      schema: {
        tags: ['schedules'],
        summary: 'The schedules of the DAGs the caller may see, oldest first',
        security: BEARER,
        querystring: ScheduleListQuery,
        response: { 200: ScheduleList, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const { dagId, limit, cursor } = request.query;
      return flowgate.schedules.list(
        {
          ...(dagId !== undefined ? { dagId } : {}),
          ...(limit !== undefined ? { limit } : {}),
          ...(cursor !== undefined ? { cursor } : {}),
        },
        { caller: actorOf(request) },
      );
    },
  );

  app.get(
    '/api/schedules/:id',
    {
      onRequest: signedIn,
      schema: {
        tags: ['schedules'],
        summary: 'One schedule',
        security: BEARER,
        params: IdParams,
        response: { 200: Schedule, ...errorResponses(401, 404) },
      },
    },
    async (request) => flowgate.schedules.get(request.params.id, { caller: actorOf(request) }),
  );

  app.get(
    '/api/schedules/:id/history',
    {
      onRequest: signedIn,
      schema: {
        tags: ['schedules'],
        summary: 'What became of the recent occurrences: started, skipped (and why) or buffered',
        security: BEARER,
        params: IdParams,
        querystring: ScheduleListQuery.pick({ limit: true }),
        response: { 200: ScheduleHistory, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => ({
      items: await flowgate.schedules.history(
        request.params.id,
        request.query.limit !== undefined ? { limit: request.query.limit } : {},
        { caller: actorOf(request) },
      ),
    }),
  );

  app.patch(
    '/api/schedules/:id',
    {
      onRequest: signedIn,
      schema: {
        tags: ['schedules'],
        summary: 'Change a schedule: {paused: true} pauses it, {paused: false} resumes it',
        description:
          'Resuming, and a new expression or time zone, count from now: occurrences that fell due meanwhile are not ' +
          'caught up.',
        security: BEARER,
        params: IdParams,
        body: UpdateScheduleBody,
        response: { 200: Schedule, ...errorResponses(400, 401, 403, 404, 413, 422) },
      },
    },
    async (request) =>
      flowgate.schedules.update(request.params.id, request.body, { caller: actorOf(request) }),
  );

  app.delete(
    '/api/schedules/:id',
    {
      onRequest: signedIn,
      schema: {
        tags: ['schedules'],
        summary: 'Delete a schedule (the runs it started stay)',
        security: BEARER,
        params: IdParams,
        response: { 204: NoContent, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await flowgate.schedules.delete(request.params.id, { caller: actorOf(request) });
      return reply.code(204).send(null);
    },
  );
  return Promise.resolve();
};

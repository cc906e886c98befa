/**
 * `/api/plans…` and `/api/planner/conversations/:id`: the planner. A plan is its author's (and admins'); viewers
 * may read nothing here and plan nothing.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import { actorOf, authenticate } from '../authenticate.js';
import type { RouteDeps } from '../route-deps.js';
import { BEARER, errorResponses } from '../schemas/common.js';
import {
  ApprovePlanBody,
  Conversation,
  ConversationParams,
  CreatePlanBody,
  DraftedPlan,
  Plan,
  PlanList,
  PlanParams,
  PlanQuery,
  PlanWithVersions,
  RejectPlanBody,
  UpdatePlanBody,
} from '../schemas/plans.js';

export const planRoutes: FastifyPluginAsyncZod<RouteDeps> = (app, { auth, flowgate }) => {
  const signedIn = [authenticate(auth)];
  const tags = ['planner'];

  app.post(
    '/api/plans',
    {
      onRequest: signedIn,
      schema: {
        tags,
        summary: 'Draft a plan from a request in plain words',
        description:
          'The model answers with a DAG over the registered agents and tools; mechanical problems are repaired and ' +
          'the rest sent back to the model (at most 3 rounds). The plan is stored pending_approval, or invalid ' +
          'with its problems. A conversationId makes this a follow-up that revises that conversation’s plan.',
        security: BEARER,
        body: CreatePlanBody,
        response: { 201: DraftedPlan, ...errorResponses(400, 401, 403, 404, 500, 502) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await flowgate.plans.create(request.body, actorOf(request))),
  );

  app.get(
    '/api/plans',
    {
      onRequest: signedIn,
      schema: {
        tags,
        summary: 'My plans (all plans, for an admin), newest first',
        security: BEARER,
        querystring: PlanQuery,
        response: { 200: PlanList, ...errorResponses(400, 401) },
      },
    },
    (request) => flowgate.plans.list(actorOf(request), request.query),
  );

  app.get(
    '/api/plans/:planId',
    {
      onRequest: signedIn,
      schema: {
        tags,
        summary: 'A plan, with its versions',
        security: BEARER,
        params: PlanParams,
        response: { 200: PlanWithVersions, ...errorResponses(401, 404) },
      },
    },
    (request) => flowgate.plans.get(request.params.planId, actorOf(request)),
  );

  app.put(
    '/api/plans/:planId',
    {
      onRequest: signedIn,
      schema: {
        tags,
        summary: 'Edit a plan not yet decided (a new version, judged again)',
        security: BEARER,
        params: PlanParams,
        body: UpdatePlanBody,
        response: { 200: Plan, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    (request) =>
      flowgate.plans.update(
        request.params.planId,
        {
          plan: request.body.plan,
          ...(request.body.version !== undefined ? { version: request.body.version } : {}),
        },
        actorOf(request),
      ),
  );

  app.post(
    '/api/plans/:planId/approve',
    {
      onRequest: signedIn,
      schema: {
        tags,
        summary: 'Approve a plan: its DAG is stored and run, pinned to that version',
        description:
          'Judged again against the agents and tools registered now (422 with the problems if it cannot run). ' +
          'Approving a plan does not approve its human nodes or gated tool calls: they still ask their people.',
        security: BEARER,
        params: PlanParams,
        body: ApprovePlanBody,
        response: { 200: Plan, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    (request) =>
      flowgate.plans.approve(
        request.params.planId,
        {
          ...(request.body?.input !== undefined ? { input: request.body.input } : {}),
          ...(request.body?.version !== undefined ? { version: request.body.version } : {}),
        },
        actorOf(request),
      ),
  );

  app.post(
    '/api/plans/:planId/reject',
    {
      onRequest: signedIn,
      schema: {
        tags,
        summary: 'Reject a plan, with the reason',
        security: BEARER,
        params: PlanParams,
        body: RejectPlanBody,
        response: { 200: Plan, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    (request) =>
      flowgate.plans.reject(request.params.planId, request.body.reason, actorOf(request)),
  );

  app.get(
    '/api/planner/conversations/:conversationId',
    {
      onRequest: signedIn,
      schema: {
        tags,
        summary: 'A conversation with the planner: every request and what the planner answered',
        security: BEARER,
        params: ConversationParams,
        response: { 200: Conversation, ...errorResponses(401, 404) },
      },
    },
    (request) => flowgate.plans.conversation(request.params.conversationId, actorOf(request)),
  );

  return Promise.resolve();
};

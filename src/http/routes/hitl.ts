/**
 * `GET /api/hitl`, `GET /api/hitl/:requestId`, `POST /api/hitl/:requestId/{approve,reject,respond,cancel}`: requests
 * of runs the caller may see. Who may decide is the engine's call (approvers, self-approval, viewers: 403).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import { canControlRun } from '../../app/permissions.js';
import { checkMayDecide, demand, visibleDagIds, visibleRequest } from '../access.js';
import { actorOf, authenticate } from '../authenticate.js';
import type { RouteDeps } from '../route-deps.js';
import { BEARER, errorResponses } from '../schemas/common.js';
import {
  ApproveBody,
  CancelRequestBody,
  Decision,
  HitlList,
  HitlQuery,
  HitlRequest,
  RejectBody,
  RequestParams,
  RespondBody,
} from '../schemas/hitl.js';

const DECISION_ERRORS = errorResponses(400, 401, 403, 404, 409, 422);

export const hitlRoutes: FastifyPluginAsyncZod<RouteDeps> = (app, { auth, flowgate }) => {
  const signedIn = authenticate(auth);

  app.get(
    '/api/hitl',
    {
      onRequest: signedIn,
      schema: {
        tags: ['hitl'],
        summary:
          'HITL requests of runs the caller may see, oldest first (pending by default); status=decided: newest decision first',
        security: BEARER,
        querystring: HitlQuery,
        response: { 200: HitlList, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const dagIds = await visibleDagIds(flowgate, actorOf(request));
      return flowgate.listHitl({ ...request.query, ...(dagIds ? { dagIds } : {}) });
    },
  );

  app.get(
    '/api/hitl/:requestId',
    {
      onRequest: signedIn,
      schema: {
        tags: ['hitl'],
        summary: 'One request with its context (earlier outputs) and votes',
        security: BEARER,
        params: RequestParams,
        response: { 200: HitlRequest, ...errorResponses(401, 404) },
      },
    },
    async (request) =>
      (await visibleRequest(flowgate, actorOf(request), request.params.requestId)).request,
  );

  app.post(
    '/api/hitl/:requestId/approve',
    {
      onRequest: signedIn,
      schema: {
        tags: ['hitl'],
        summary: 'Approve (with `edits` where the node allows them)',
        description:
          '409 HITL_NOT_PENDING when already decided; 403 when the caller may not decide.',
        security: BEARER,
        params: RequestParams,
        body: ApproveBody,
        response: { 200: Decision, ...DECISION_ERRORS },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      await checkMayDecide(flowgate, actor, request.params.requestId);
      const body = request.body ?? {};
      return flowgate.approve(request.params.requestId, actor, {
        ...(body.response !== undefined ? { comment: body.response } : {}),
        ...(body.edits !== undefined ? { edits: body.edits } : {}),
      });
    },
  );

  app.post(
    '/api/hitl/:requestId/reject',
    {
      onRequest: signedIn,
      schema: {
        tags: ['hitl'],
        summary: 'Reject',
        security: BEARER,
        params: RequestParams,
        body: RejectBody,
        response: { 200: Decision, ...DECISION_ERRORS },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      await checkMayDecide(flowgate, actor, request.params.requestId);
      const comment = request.body?.response;
      return flowgate.reject(
        request.params.requestId,
        actor,
        comment !== undefined ? { comment } : {},
      );
    },
  );

  app.post(
    '/api/hitl/:requestId/respond',
    {
      onRequest: signedIn,
      schema: {
        tags: ['hitl'],
        summary: 'Answer a question or a form (422 when the value does not fit)',
        security: BEARER,
        params: RequestParams,
        body: RespondBody,
        response: { 200: Decision, ...DECISION_ERRORS },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      await checkMayDecide(flowgate, actor, request.params.requestId);
      const { value, response } = request.body;
      return flowgate.respond(
        request.params.requestId,
        actor,
        value,
        response !== undefined ? { comment: response } : {},
      );
    },
  );

  app.post(
    '/api/hitl/:requestId/cancel',
    {
      onRequest: signedIn,
      schema: {
        tags: ['hitl'],
        summary: 'Cancel one request (admins, owners, editors, the run’s starter)',
        security: BEARER,
        params: RequestParams,
        body: CancelRequestBody,
        response: { 200: HitlRequest, ...DECISION_ERRORS },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { run, dag } = await visibleRequest(flowgate, actor, request.params.requestId);
      demand(canControlRun(actor, dag, run.createdBy), 'You may not cancel this request.');
      await flowgate.cancelHitl(request.params.requestId, actor, request.body?.reason);
      return flowgate.getHitl(request.params.requestId);
    },
  );
  return Promise.resolve();
};

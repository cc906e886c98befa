/** `/api/chat-destinations…`: where approval requests are posted in Slack and Teams; admins only. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import { actorOf, authenticate, requireRole } from '../authenticate.js';
import type { RouteDeps } from '../route-deps.js';
import {
  ChatDestination,
  ChatDestinationList,
  ChatTestRef,
  CreateChatDestinationBody,
  UpdateChatDestinationBody,
} from '../schemas/chat.js';
import { BEARER, errorResponses, IdParams, NoContent } from '../schemas/common.js';

export const chatDestinationRoutes: FastifyPluginAsyncZod<RouteDeps> = (
  app,
  { auth, flowgate },
) => {
  const adminOnly = [authenticate(auth), requireRole('admin')];
  const tags = ['chat'];

  app.post(
    '/api/chat-destinations',
    {
      onRequest: adminOnly,
      schema: {
        tags,
        summary: 'Add a Slack or Teams destination (admin)',
        description:
          'The URL must pass the SSRF guard. Nodes whose `outputTypes` include `chat` post to every active ' +
          'destination, or to those named in their `args.destinations`.',
        security: BEARER,
        body: CreateChatDestinationBody,
        response: { 201: ChatDestination, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await flowgate.chat.create(request.body, { createdBy: actorOf(request).userId })),
  );

  app.get(
    '/api/chat-destinations',
    {
      onRequest: adminOnly,
      schema: {
        tags,
        summary: 'List the chat destinations (admin)',
        security: BEARER,
        response: { 200: ChatDestinationList, ...errorResponses(401, 403) },
      },
    },
    async () => ({ items: await flowgate.chat.list(), nextCursor: null }),
  );

  app.get(
    '/api/chat-destinations/:id',
    {
      onRequest: adminOnly,
      schema: {
        tags,
        summary: 'A chat destination (admin)',
        security: BEARER,
        params: IdParams,
        response: { 200: ChatDestination, ...errorResponses(401, 403, 404) },
      },
    },
    (request) => flowgate.chat.get(request.params.id),
  );

  app.patch(
    '/api/chat-destinations/:id',
    {
      onRequest: adminOnly,
      schema: {
        tags,
        summary: 'Rename, re-point, disable or re-enable a chat destination (admin)',
        security: BEARER,
        params: IdParams,
        body: UpdateChatDestinationBody,
        response: { 200: ChatDestination, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    (request) => flowgate.chat.update(request.params.id, request.body),
  );

  app.delete(
    '/api/chat-destinations/:id',
    {
      onRequest: adminOnly,
      schema: {
        tags,
        summary: 'Delete a chat destination (admin)',
        description: 'Messages still queued for it are skipped.',
        security: BEARER,
        params: IdParams,
        response: { 204: NoContent, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await flowgate.chat.delete(request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/chat-destinations/:id/test',
    {
      onRequest: adminOnly,
      schema: {
        tags,
        summary: 'Post a test message to this destination (admin)',
        security: BEARER,
        params: IdParams,
        response: { 202: ChatTestRef, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => reply.code(202).send(await flowgate.chat.test(request.params.id)),
  );
  return Promise.resolve();
};

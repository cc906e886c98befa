/** `/api/webhooks…`: outbound webhook subscriptions, their delivery log, tests and redeliveries; admins only. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import { actorOf, authenticate, requireRole } from '../authenticate.js';
import type { RouteDeps } from '../route-deps.js';
import { BEARER, errorResponses, IdParams, NoContent } from '../schemas/common.js';
import {
  CreatedWebhook,
  CreateWebhookBody,
  DeliveryParams,
  DeliveryRef,
  RotatedSecret,
  UpdateWebhookBody,
  Webhook,
  WebhookDeliveryList,
  WebhookList,
} from '../schemas/webhooks.js';

export const webhookRoutes: FastifyPluginAsyncZod<RouteDeps> = (app, { auth, flowgate }) => {
  const adminOnly = [authenticate(auth), requireRole('admin')];
  const tags = ['webhooks'];

  app.post(
    '/api/webhooks',
    {
      onRequest: adminOnly,
      schema: {
        tags,
        summary: 'Subscribe a URL to events (admin)',
        description: 'The URL must pass the SSRF guard. The secret is in this answer only.',
        security: BEARER,
        body: CreateWebhookBody,
        response: { 201: CreatedWebhook, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await flowgate.webhooks.create(request.body, { createdBy: actorOf(request).userId })),
  );

  app.get(
    '/api/webhooks',
    {
      onRequest: adminOnly,
      schema: {
        tags,
        summary: 'List the webhook subscriptions (admin)',
        security: BEARER,
        response: { 200: WebhookList, ...errorResponses(401, 403) },
      },
    },
    async () => ({ items: await flowgate.webhooks.list(), nextCursor: null }),
  );

  app.get(
    '/api/webhooks/:id',
    {
      onRequest: adminOnly,
      schema: {
        tags,
        summary: 'A webhook subscription (admin)',
        security: BEARER,
        params: IdParams,
        response: { 200: Webhook, ...errorResponses(401, 403, 404) },
      },
    },
    (request) => flowgate.webhooks.get(request.params.id),
  );

  app.patch(
    '/api/webhooks/:id',
    {
      onRequest: adminOnly,
      schema: {
        tags,
        summary: 'Change, disable or re-enable a webhook subscription (admin)',
        security: BEARER,
        params: IdParams,
        body: UpdateWebhookBody,
        response: { 200: Webhook, ...errorResponses(400, 401, 403, 404) },
      },
    },
    (request) => flowgate.webhooks.update(request.params.id, request.body),
  );

  app.delete(
    '/api/webhooks/:id',
    {
      onRequest: adminOnly,
      schema: {
        tags,
        summary: 'Delete a webhook subscription (admin)',
        security: BEARER,
        params: IdParams,
        response: { 204: NoContent, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await flowgate.webhooks.delete(request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/webhooks/:id/rotate-secret',
    {
      onRequest: adminOnly,
      schema: {
        tags,
        summary: 'Rotate the signing secret (admin)',
        description: 'The old secret keeps signing beside the new one for a day.',
        security: BEARER,
        params: IdParams,
        response: { 200: RotatedSecret, ...errorResponses(401, 403, 404) },
      },
    },
    (request) => flowgate.webhooks.rotateSecret(request.params.id),
  );

  app.post(
    '/api/webhooks/:id/test',
    {
      onRequest: adminOnly,
      schema: {
        tags,
        summary: 'Send a webhook.test event to this subscription (admin)',
        security: BEARER,
        params: IdParams,
        response: { 202: DeliveryRef, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => reply.code(202).send(await flowgate.webhooks.test(request.params.id)),
  );

  app.get(
    '/api/webhooks/:id/deliveries',
    {
      onRequest: adminOnly,
      schema: {
        tags,
        summary: 'The delivery log, newest first, with every attempt (admin)',
        security: BEARER,
        params: IdParams,
        response: { 200: WebhookDeliveryList, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => ({
      items: await flowgate.webhooks.deliveries(request.params.id),
      nextCursor: null,
    }),
  );

  app.post(
    '/api/webhooks/:id/deliveries/:deliveryId/redeliver',
    {
      onRequest: adminOnly,
      schema: {
        tags,
        summary: 'Send a delivery again, as a new delivery with the same body (admin)',
        security: BEARER,
        params: DeliveryParams,
        response: { 202: DeliveryRef, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) =>
      reply
        .code(202)
        .send(await flowgate.webhooks.redeliver(request.params.id, request.params.deliveryId)),
  );
  return Promise.resolve();
};

/** `POST/GET /api/me/api-keys`, `DELETE /api/me/api-keys/:id`: the caller's API keys. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import type { ApiKeyInfo } from '../../app/accounts.js';
import { actorOf, authenticate } from '../authenticate.js';
import type { RouteDeps } from '../route-deps.js';
import { ApiKeyList, CreateApiKeyBody, CreatedApiKey } from '../schemas/api-keys.js';
import { BEARER, errorResponses, IdParams, NoContent } from '../schemas/common.js';

function toApiKey(key: ApiKeyInfo) {
  return {
    id: key.keyId,
    name: key.name,
    prefix: key.prefix,
    createdAt: key.createdAt,
    lastUsedAt: key.lastUsedAt,
    revokedAt: key.revokedAt,
  };
}

export const apiKeyRoutes: FastifyPluginAsyncZod<RouteDeps> = (app, { auth }) => {
  const signedIn = authenticate(auth);

  app.post(
    '/api/me/api-keys',
    {
      onRequest: signedIn,
      schema: {
        tags: ['me'],
        summary: 'Create an API key; its secret is returned this once',
        security: BEARER,
        body: CreateApiKeyBody,
        response: { 201: CreatedApiKey, ...errorResponses(400, 401, 422) },
      },
    },
    async (request, reply) => {
      const created = await auth.createApiKey(actorOf(request).userId, request.body.name);
      return reply.code(201).send({
        id: created.keyId,
        name: created.name,
        key: created.key,
        prefix: created.prefix,
        createdAt: created.createdAt,
      });
    },
  );

  app.get(
    '/api/me/api-keys',
    {
      onRequest: signedIn,
      schema: {
        tags: ['me'],
        summary: "The caller's API keys, without their secrets",
        security: BEARER,
        response: { 200: ApiKeyList, ...errorResponses(401) },
      },
    },
    async (request) => ({
      items: (await auth.listApiKeys(actorOf(request).userId)).map(toApiKey),
    }),
  );

  app.delete(
    '/api/me/api-keys/:id',
    {
      onRequest: signedIn,
      schema: {
        tags: ['me'],
        summary: 'Revoke one of the caller’s API keys',
        security: BEARER,
        params: IdParams,
        response: { 204: NoContent, ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      await auth.revokeApiKey(actorOf(request).userId, request.params.id);
      return reply.code(204).send(null);
    },
  );
  return Promise.resolve();
};

/** `POST/GET /api/users`, `PATCH /api/users/:id`: user administration, admins only. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import { authenticate, requireRole } from '../authenticate.js';
import type { RouteDeps } from '../route-deps.js';
import { BEARER, errorResponses, IdParams } from '../schemas/common.js';
import { CreateUserBody, UpdateUserBody, User, UserList } from '../schemas/users.js';

export const userRoutes: FastifyPluginAsyncZod<RouteDeps> = (app, { auth }) => {
  const adminOnly = [authenticate(auth), requireRole('admin')];

  app.post(
    '/api/users',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['users'],
        summary: 'Create a user (admin)',
        security: BEARER,
        body: CreateUserBody,
        response: { 201: User, ...errorResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => reply.code(201).send(await auth.createUser(request.body)),
  );

  app.get(
    '/api/users',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['users'],
        summary: 'List the users (admin)',
        security: BEARER,
        response: { 200: UserList, ...errorResponses(401, 403) },
      },
    },
    async () => ({ items: await auth.listUsers(), nextCursor: null }),
  );

  app.patch(
    '/api/users/:id',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['users'],
        summary: 'Change or deactivate a user (admin)',
        description: 'Deactivating a user or changing the password also ends their logins.',
        security: BEARER,
        params: IdParams,
        body: UpdateUserBody,
        response: { 200: User, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    (request) => auth.updateUser(request.params.id, request.body),
  );
  return Promise.resolve();
};

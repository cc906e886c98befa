/** `GET /api/me`, `PATCH /api/me`: the caller's own account. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import { actorOf, authenticate } from '../authenticate.js';
import type { RouteDeps } from '../route-deps.js';
import { BEARER, errorResponses } from '../schemas/common.js';
import { UpdateMeBody, User } from '../schemas/users.js';

export const meRoutes: FastifyPluginAsyncZod<RouteDeps> = (app, { auth }) => {
  const signedIn = authenticate(auth);

  app.get(
    '/api/me',
    {
      onRequest: signedIn,
      schema: {
        tags: ['me'],
        summary: 'The caller',
        security: BEARER,
        response: { 200: User, ...errorResponses(401) },
      },
    },
    (request) => auth.getUser(actorOf(request).userId),
  );

  app.patch(
    '/api/me',
    {
      onRequest: signedIn,
      schema: {
        tags: ['me'],
        summary: "Replace the caller's preferences (null clears them)",
        security: BEARER,
        body: UpdateMeBody,
        response: { 200: User, ...errorResponses(400, 401) },
      },
    },
    (request) =>
      auth.updateUser(actorOf(request).userId, { preferences: request.body.preferences }),
  );
  return Promise.resolve();
};

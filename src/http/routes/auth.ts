/** `POST /api/auth/login`, `/api/auth/refresh`, `/api/auth/logout`: no bearer token needed. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import { FlowgateError } from '../../shared/errors.js';
import type { RouteDeps } from '../route-deps.js';
import { LoginBody, RefreshBody, TokenPair } from '../schemas/auth.js';
import { errorResponses, NoContent } from '../schemas/common.js';

export const authRoutes: FastifyPluginAsyncZod<RouteDeps> = (app, { auth, loginRateLimit }) => {
  app.post(
    '/api/auth/login',
    {
      config: {
        rateLimit: {
          max: loginRateLimit.max,
          timeWindow: loginRateLimit.timeWindowMs,
          errorResponseBuilder: (_request, context) =>
            new FlowgateError(
              'RATE_LIMITED',
              `Too many login attempts; try again in ${context.after}.`,
            ),
        },
      },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with a username and password',
        description:
          'An unknown user and a wrong password get the same 401. Rate-limited per client address (429).',
        body: LoginBody,
        response: { 200: TokenPair, ...errorResponses(400, 401, 413, 429) },
      },
    },
    async (request) => {
      const userAgent = request.headers['user-agent'];
      return auth.login({
        ...request.body,
        ip: request.ip,
        ...(userAgent ? { userAgent } : {}),
      });
    },
  );

  app.post(
    '/api/auth/refresh',
    {
      schema: {
        tags: ['auth'],
        summary: 'Trade a refresh token for a new pair',
        description: 'The token is spent; reusing a spent token revokes its whole family (401).',
        body: RefreshBody,
        response: { 200: TokenPair, ...errorResponses(400, 401) },
      },
    },
    (request) => auth.refresh(request.body.refreshToken),
  );

  app.post(
    '/api/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'End the login a refresh token belongs to',
        body: RefreshBody,
        response: { 204: NoContent, ...errorResponses(400, 401) },
      },
    },
    async (request, reply) => {
      await auth.logout(request.body.refreshToken);
      return reply.code(204).send(null);
    },
  );
  return Promise.resolve();
};

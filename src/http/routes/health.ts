/** `GET /api/health`: liveness and a real database read (503 when it fails). No authentication. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import type { RouteDeps } from '../route-deps.js';
import { Health } from '../schemas/health.js';

export const healthRoutes: FastifyPluginAsyncZod<RouteDeps> = (app, { flowgate }) => {
  app.get(
    '/api/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness and database check',
        response: { 200: Health, 503: Health },
      },
    },
    async (request, reply) => {
      try {
        // A real read, so that a lost or locked database shows here rather than in the first run.
        await flowgate.countWorkflows();
      } catch (error) {
        request.log.warn({ err: error }, 'health check: the database read failed');
        return reply.code(503).send({ status: 'error', database: 'error' });
      }
      return { status: 'ok' as const, database: 'ok' as const };
    },
  );
  return Promise.resolve();
};

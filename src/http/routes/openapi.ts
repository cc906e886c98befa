/** `GET /api/openapi.json`: the OpenAPI document generated from the route schemas. */
import type { FastifyPluginAsync } from 'fastify';

export const openApiRoutes: FastifyPluginAsync = (app) => {
  app.get('/api/openapi.json', { schema: { hide: true } }, () => app.swagger());
  return Promise.resolve();
};

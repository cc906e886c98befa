/**
 * `GET /api/metrics/notifications`: deliveries sent, failed, skipped and retried by channel, pending requests' age
 * and SLA breaches, over the DAGs the caller may see (everything for an admin), like the other metrics routes.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import { visibleDagIds } from '../access.js';
import { actorOf, authenticate } from '../authenticate.js';
import type { RouteDeps } from '../route-deps.js';
import { BEARER, errorResponses } from '../schemas/common.js';
import { NotificationMetrics } from '../schemas/notification-metrics.js';

export const notificationMetricsRoutes: FastifyPluginAsyncZod<RouteDeps> = (
  app,
  { auth, flowgate },
) => {
  app.get(
    '/api/metrics/notifications',
    {
      onRequest: authenticate(auth),
      schema: {
        tags: ['metrics'],
        summary:
          'Deliveries by channel (sent, failed, retried), pending requests’ age, SLA breaches',
        security: BEARER,
        response: { 200: NotificationMetrics, ...errorResponses(401) },
      },
    },
    async (request) => {
      const dagIds = await visibleDagIds(flowgate, actorOf(request));
      return flowgate.notificationMetrics(dagIds ? { dagIds } : {});
    },
  );
  return Promise.resolve();
};
